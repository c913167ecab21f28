"""Operator fleet tools on the generated demo fleet (tools.api.admin.build_demo, seed 7).

What is asserted comes from the generator's scenario metadata (weak transformers, tamper
meters, long-outage feeder, short outages, silent and zero-consumption meters) or from an
independent plain-SQL / per-installation computation over the same store.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.conftest import DEMO_TODAY
from tests.lake import insert_installations, write_lake
from tests.tools.quality_helpers import crafted_week, installation_row
from tools.api.admin import demo_metadata
from tools.api.context import Scope, ToolContext, run_tool
from tools.data.store import Store
from tools.errors import ForbiddenInstallation, InvalidArguments


@pytest.fixture(scope="module")
def meta(demo_home: Path) -> dict[str, Any]:
    return demo_metadata(demo_home)


@pytest.fixture(scope="module")
def ops(demo_store: Store) -> ToolContext:
    return ToolContext(demo_store, Scope.operator(), today=DEMO_TODAY)


def _run(ctx: ToolContext, name: str, **args: Any) -> Any:
    return run_tool(name, ctx, None, args)


# ----------------------------------------------------------------------------- quality_ranking


def test_weak_transformers_top_the_drp_ranking(ops: ToolContext, meta: dict[str, Any]) -> None:
    weak = set(meta["scenarios"]["weak_transformers"])
    res = _run(ops, "quality_ranking", indicator="DRP", level="transformer", period="last_week")
    top = [e.entity_id for e in res.value.entities[: len(weak)]]
    assert set(top) == weak
    assert all(e.violated for e in res.value.entities[: len(weak)])
    assert res.value.entities[len(weak)].value < res.value.entities[len(weak) - 1].value
    assert res.value.previous_period.end == dt.date(2026, 11, 15)  # the week before, for the trend
    assert all(e.trend is not None for e in res.value.entities)
    assert "ANTI JOIN" in res.trail[0].sql and res.trail[0].inputs["level"] == "transformer"


def test_weak_transformers_top_the_drc_ranking_in_october(ops: ToolContext, meta: dict[str, Any]) -> None:
    weak = set(meta["scenarios"]["weak_transformers"])
    res = _run(ops, "quality_ranking", indicator="DRC", level="transformer", period="2026-10")
    assert {e.entity_id for e in res.value.entities[: len(weak)]} == weak


def test_meter_ranking_matches_the_customer_tool(ops: ToolContext, meta: dict[str, Any]) -> None:
    """The set-based fleet SQL and the per-installation pure function agree, meter by meter."""
    res = _run(ops, "quality_ranking", indicator="DRP", level="meter", period="last_week", limit=500)
    fleet = {e.entity_id: e.value for e in res.value.entities}
    weak = meta["scenarios"]["weak_transformer_meters"]
    sample = weak[:3] + meta["scenarios"]["phase_problem"] + ["40010001"]
    for iid in sample:
        v = run_tool("voltage_quality", ops, iid, {"period": "last_week"}).value
        assert fleet[iid] == round(v.drp_pct, 3), iid
    # meters above DRPlim are the weak transformers' (or a phase-problem meter), led by them
    violating = {e.entity_id for e in res.value.entities if e.violated}
    assert violating and violating <= set(weak) | set(meta["scenarios"]["phase_problem"])
    assert {e.entity_id for e in res.value.entities[:5]} <= set(weak)


def test_predictive_flag_on_an_ongoing_week(tmp_path: Path) -> None:
    """this_week on Thu 26/11 = Mon-Wed, 432 readings: value = nlp so far / 1008, projection = nlp / 432."""
    home = tmp_path / "home"
    store = Store(home)
    rows = [
        installation_row("UC-A", transformer_id="TR-01"),  # 20 precaria: 1,984 % so far, 4,630 % projected
        installation_row("UC-B", transformer_id="TR-02"),  # 40 precaria: 3,968 % already
        installation_row("UC-C", transformer_id="TR-01"),  # 5 precaria: 0,496 %, 1,157 % projected
    ]
    insert_installations(store, rows)
    monday = dt.datetime(2026, 11, 23)
    frames = []
    for iid, n_prec in (("UC-A", 20), ("UC-B", 40), ("UC-C", 5)):
        w = crafted_week(start=monday, n=432, counts={"a": (n_prec, 0)})
        w["installation_id"] = iid
        frames.append(w)
    volt = pd.concat(frames)[["installation_id", "ts", "v_a_dv", "v_b_dv", "v_c_dv"]]
    write_lake(home, "voltage_10min", volt)
    store.refresh_views()
    ctx = ToolContext(store, Scope.operator(), today=DEMO_TODAY)
    v = _run(ctx, "quality_ranking", indicator="DRP", level="meter", period="this_week").value
    assert v.ongoing and v.nominal_end == dt.date(2026, 11, 29)
    got = {e.entity_id: (e.value, e.projected, e.violated, e.at_risk) for e in v.entities}
    assert got["UC-A"] == (Decimal("1.984"), Decimal("4.630"), False, True)
    assert got["UC-B"][2:] == (True, False)
    assert got["UC-C"] == (Decimal("0.496"), Decimal("1.157"), False, False)
    tr = {
        e.entity_id: e
        for e in _run(ctx, "quality_ranking", indicator="DRP", period="this_week").value.entities
    }
    assert tr["TR-01"].at_risk and tr["TR-01"].n_at_risk == 1 and not tr["TR-01"].violated
    store.close()


def test_dic_ranking_long_outage_feeder(ops: ToolContext, meta: dict[str, Any]) -> None:
    month = meta["details"]["dic_exceeded"][0]["month"]
    res = _run(ops, "quality_ranking", indicator="DIC", level="feeder", period=month)
    top = res.value.entities[0]
    assert top.entity_id == meta["scenarios"]["long_outage_feeder"]
    assert top.violated and top.n_violating >= 1
    assert top.max_value == max(e.max_value for e in res.value.entities)


def test_ranking_rejects_bad_level(ops: ToolContext) -> None:
    with pytest.raises(InvalidArguments):
        _run(ops, "quality_ranking", level="substation")


def test_operator_tools_are_operator_only(demo_store: Store) -> None:
    ctx = ToolContext(demo_store, Scope.customer("40010001"), today=DEMO_TODAY)
    with pytest.raises(ForbiddenInstallation):
        run_tool("quality_ranking", ctx, "40010001", {})


# ----------------------------------------------------------------------------- compensation_exposure


def test_exposure_dic_matches_the_customer_tool(ops: ToolContext, meta: dict[str, Any]) -> None:
    month = meta["details"]["dic_exceeded"][0]["month"]
    res = _run(
        ops, "compensation_exposure", period=month, indicator=["DIC", "FIC", "DMIC"], group_by="feeder"
    )
    v = res.value
    assert v.voltage_rs == 0 and v.total_rs == v.continuity_rs > 0
    assert v.groups[0].group_id == meta["scenarios"]["long_outage_feeder"]
    assert sum(g.amount_rs for g in v.groups) == v.total_rs
    item = next(i for i in v.items if i.installation_id in meta["scenarios"]["long_outage_meters"])
    cust = run_tool("continuity_indicators", ops, item.installation_id, {"period": month}).value
    assert cust.months[0].compensation_rs == item.amount_rs
    assert cust.months[0].payment_deadline == item.deadline


def test_exposure_due_items_and_voltage(ops: ToolContext) -> None:
    res = _run(ops, "compensation_exposure", period="2026-09", indicator="DRP", due_within_days=30)
    v = res.value
    assert v.indicators == ("DRP",) and v.continuity_rs == 0 and v.voltage_rs > 0
    assert all(i.indicator == "DRP" for i in v.items)  # DRC term left out on request
    assert v.due and all(DEMO_TODAY <= i.deadline <= DEMO_TODAY + dt.timedelta(days=30) for i in v.due)
    assert all(i.deadline == dt.date(2026, 11, 30) for i in v.due)  # September + 2 months
    assert v.due_rs == sum((i.amount_rs for i in v.due), Decimal(0))


# ----------------------------------------------------------------------------- events_summary


def test_tamper_meters_flagged_as_possible_ntl(ops: ToolContext, meta: dict[str, Any]) -> None:
    tamper = meta["details"]["tamper"]
    days = sorted(dt.date.fromisoformat(t["alarm_ts"][:10]) for t in tamper)
    period = {
        "start": (days[0] - dt.timedelta(days=3)).isoformat(),
        "end": (days[-1] + dt.timedelta(days=3)).isoformat(),
    }
    res = _run(ops, "events_summary", period=period, kind="alarm", code="tamper")
    v = res.value
    assert set(v.possible_ntl) == set(meta["scenarios"]["tamper"])
    for t in v.tamper:  # other tamper alarms without a consumption drop are not flagged
        assert t.possible_ntl == (t.drop_share is not None and t.drop_share >= Decimal("0.3"))
    assert {c.category for c in v.by_code} == {"tamper"}


def test_feeder_outages_are_inferred_not_isolated(ops: ToolContext, meta: dict[str, Any]) -> None:
    short = meta["details"]["short_outages"][0]
    day = short["start"][:10]
    res = _run(ops, "events_summary", period=day, code="power_down", group_by="feeder")
    v = res.value
    out = [o for o in v.outages if o.feeder_id == short["feeder_id"]]
    assert out and out[0].level == "feeder"
    assert not out[0].long_interruption  # a 95-second blackout is not an interruption
    # every communicating meter of the feeder went down together (the silent meters could not)
    silent = len(set(meta["scenarios"]["silent"]))
    assert out[0].meters_down >= out[0].meters_under - silent
    assert v.isolated_power_down_meters == 0
    assert v.by_group[0].group_id == short["feeder_id"]


def test_events_yesterday_by_feeder(ops: ToolContext, meta: dict[str, Any], demo_store: Store) -> None:
    res = _run(ops, "events_summary", period="yesterday", code="power_down", group_by="feeder")
    feeder = meta["details"]["yesterday_outage"]["feeder_id"]
    n = demo_store.scalar(
        "SELECT count(DISTINCT e.installation_id) FROM events e JOIN installations i USING (installation_id) "
        "WHERE e.code = 1 AND CAST(e.ts AS DATE) = DATE '2026-11-25' AND i.feeder_id = ?",
        [feeder],
    )
    row = next(g for g in res.value.by_group if g.group_id == feeder)
    assert row.n_meters == n > 0


def test_unknown_event_code(ops: ToolContext) -> None:
    with pytest.raises(InvalidArguments):
        _run(ops, "events_summary", code="not_a_code")


# ----------------------------------------------------------------------------- data_completeness


def test_completeness_silent_and_zero_consumption(
    ops: ToolContext, meta: dict[str, Any], demo_store: Store
) -> None:
    res = _run(ops, "data_completeness", period="last_week", silent_days=3)
    v = res.value
    assert set(meta["scenarios"]["silent"]) <= {m.installation_id for m in v.silent}
    assert set(meta["scenarios"]["zero_consumption"]) <= {
        m.installation_id for m in v.zero_while_communicating
    }
    received, expected = demo_store.rows(
        "SELECT sum(interval_min), (SELECT 7 * 1440 * count(*) FROM installations) FROM load_profile "
        "WHERE ts >= '2026-11-16' AND ts < '2026-11-23'"
    )[0]
    assert v.completeness == (Decimal(received) / Decimal(expected)).quantize(Decimal("0.0001"))
    b = _run(ops, "data_completeness", period="last_week", group="B").value
    assert b.n_meters == demo_store.scalar("SELECT count(*) FROM installations WHERE group_code = 'B'")


# ----------------------------------------------------------------------------- fleet_consumption


def test_fleet_consumption_totals_and_gd(ops: ToolContext, meta: dict[str, Any], demo_store: Store) -> None:
    res = _run(ops, "fleet_consumption", period="2026-10", group_by="posto")
    v = res.value
    wh = demo_store.scalar(
        "SELECT sum(import_wh) FROM load_profile WHERE ts >= '2026-10-01' AND ts < '2026-11-01'"
    )
    assert v.import_kwh == Decimal(int(wh)) / 1000
    assert sum(r.import_kwh for r in v.rows) == v.import_kwh
    assert {r.key for r in v.rows} == {"ponta", "intermediario", "fora_ponta"}
    assert v.gd.n_export_gt_import >= len(meta["scenarios"]["net_exporter"])
    assert len(v.load_curve) == 48
    assert v.branca is not None and 0 < v.branca.n_eligible
    a = _run(ops, "fleet_consumption", period="2026-09", group="A").value
    assert a.n_meters == len(meta["scenarios"]["group_a"])
