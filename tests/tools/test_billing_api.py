"""Billing tools over the real demo store (DuckDB + Parquet), checked against plain SQL.

The compare_tariffs decision is recomputed here independently: per-posto kWh with a plain SQL
CASE over the hours and a literal holiday list, and a small "spreadsheet" in floats (tariffs,
bandeiras, availability cost, SCEE netting, ICMS band, PIS/COFINS) - no engine code.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from channels.cli import main
from tests.lake import insert_installations, with_load_profile_columns, write_lake
from tools.api import Scope, ToolContext, run_tool
from tools.api.admin import demo_metadata
from tools.api.billing import estimate_cost_for
from tools.data import schema
from tools.data.store import Store
from tools.domain import calendar as cal
from tools.errors import ForbiddenInstallation, TariffNotFound
from tools.types import Period, to_jsonable
from tools.units import money

TODAY = dt.date(2026, 11, 26)
D = Decimal


@pytest.fixture(scope="module")
def ctx(demo_store: Store) -> ToolContext:
    return ToolContext(store=demo_store, scope=Scope.operator(), today=TODAY)


@pytest.fixture(scope="module")
def scenarios(demo_home: Path) -> dict[str, Any]:
    meta: dict[str, Any] = demo_metadata(demo_home)["scenarios"]
    return meta


def first(scenarios: dict[str, Any], name: str) -> str:
    return str(scenarios[name][0])


# ------------------------------------------------------------------ explain_bill


def test_explain_last_bill_lines_add_up(
    ctx: ToolContext, scenarios: dict[str, Any], demo_store: Store
) -> None:
    iid = first(scenarios, "demo")
    r = run_tool("explain_bill", ctx, iid, {"reference": "last_bill"})
    v = r.value
    assert not r.disqualified
    assert _tax_block(v) == v.total_rs
    assert v.reading_date <= TODAY < v.reading_date + dt.timedelta(days=34)
    assert 27 <= v.days <= 33
    # consumption = plain SQL sum over the cycle days
    wh = demo_store.scalar(
        "SELECT sum(import_wh) FROM load_profile WHERE installation_id = ? AND ts >= ? AND ts < ?",
        [iid, dt.datetime.combine(v.start, dt.time()), dt.datetime.combine(v.reading_date, dt.time())],
    )
    assert v.consumption_kwh == D(int(wh)) / 1000
    # the total by the spreadsheet below (floats, no engine code): kWh x 0,73945 (+ bandeira),
    # grossed up by ICMS band and PIS/COFINS 0,63 % + 2,85 %, plus the CIP line
    inst = ctx.installation(iid)
    cycle = cal.BillingCycle(v.start, v.end, v.reading_date)
    cd_kwh = {1: 30.0, 2: 50.0}.get(int(inst["phases"]), 100.0)
    sheet, _ = _sheet_bill(
        {"fora_ponta": float(v.consumption_kwh)}, {}, 0.0, False, cd_kwh, 0.0, _bandeira(cycle)
    )
    assert abs(float(v.total_rs) - (sheet + float(v.cip_rs or 0))) <= 0.01
    # drivers explain the whole change
    assert v.previous_total_rs is not None and v.change_rs == v.total_rs - v.previous_total_rs
    assert sum(d.delta_rs for d in v.drivers) == v.change_rs
    # sources and SQL in the trail; JSON-ready
    assert any(c.source == "ANEEL REH 3.579/2026" for c in r.citations)
    assert any(s.sql for s in r.trail)
    assert "issue.billing.reference_values" in [i.code for i in r.issues]
    json.dumps(r.to_dict())


def test_explain_bill_by_month_and_gd_compensation(ctx: ToolContext, scenarios: dict[str, Any]) -> None:
    iid = first(scenarios, "solar_gd2")
    r = run_tool("explain_bill", ctx, iid, {"reference": "2026-09"})
    v = r.value
    assert v.bill_month == "2026-09"
    assert v.compensated_kwh is not None and v.consumption_kwh is not None
    assert v.compensated_kwh <= v.consumption_kwh
    keys = {ln.key for ln in v.lines}
    assert "billing.component.scee_te" in keys
    assert _tax_block(v) == v.total_rs  # the tax block and the lines are rounded apart


def _tax_block(v: Any) -> Decimal:
    """Subtotal + ICMS + PIS + COFINS + CIP of a bill: rounded apart from its lines (audit item 3)."""
    return v.subtotal_before_taxes_rs + v.icms_rs + v.pis_rs + v.cofins_rs + (v.cip_rs or D(0))


def test_cli_explain_bill_prints_json_whose_lines_add_up(
    demo_home: Path, demo_store: Store, scenarios: dict[str, Any]
) -> None:
    iid = first(scenarios, "demo")
    res = CliRunner().invoke(
        main,
        [
            "--home",
            str(demo_home),
            "tool",
            "explain_bill",
            "--installation",
            iid,
            "--args",
            '{"reference":"last_bill"}',
        ],
        catch_exceptions=False,
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    value = out["value"]
    block = ("subtotal_before_taxes_rs", "icms_rs", "pis_rs", "cofins_rs", "cip_rs")
    assert D(value["total_rs"]) == sum(D(value[k] or 0) for k in block)
    components = [s for s in out["trail"] if s["key"].startswith("billing.component.")]
    assert len(components) == len(value["lines"])
    assert all(any(ref["source"] for ref in s["refs"]) for s in components)
    assert out["provenance"]["queries"]


def test_group_a_azul_has_no_tariff(ctx: ToolContext, scenarios: dict[str, Any]) -> None:
    with pytest.raises(TariffNotFound):
        run_tool("explain_bill", ctx, first(scenarios, "group_a_azul"), {"reference": "last_bill"})


def test_group_a_verde_bill(ctx: ToolContext, demo_store: Store) -> None:
    iid = "40010013"
    r = run_tool("explain_bill", ctx, iid, {"reference": "2026-10"})
    v = r.value
    assert (v.start, v.end) == (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    demand = [ln for ln in v.lines if ln.key == "billing.component.demand"][0]
    # measured demand = max 15-minute average import (plain SQL)
    kw = demo_store.scalar(
        "SELECT max(wh) * 4 / 1000.0 FROM (SELECT time_bucket(INTERVAL 15 MINUTE, ts) b, sum(import_wh) wh "
        "FROM load_profile WHERE installation_id = ? AND ts >= '2026-10-01' AND ts < '2026-11-01' GROUP BY 1)",
        [iid],
    )
    assert demand.quantity == max(D(str(round(kw, 3))), D(150))


def test_customer_scope_is_enforced(demo_store: Store, scenarios: dict[str, Any]) -> None:
    me, other = first(scenarios, "demo"), first(scenarios, "shower_heavy")
    cctx = ToolContext(store=demo_store, scope=Scope.customer(me), today=TODAY)
    with pytest.raises(ForbiddenInstallation):
        run_tool("explain_bill", cctx, other, {"reference": "last_bill"})


# ------------------------------------------------------------------ forecast, flag, credits


def test_forecast_bill_range(ctx: ToolContext, scenarios: dict[str, Any]) -> None:
    r = run_tool("forecast_bill", ctx, first(scenarios, "demo"), {"reference": "current_cycle"})
    v = r.value
    assert v.days_elapsed == (TODAY - v.start).days
    assert v.low_rs <= v.total_rs <= v.high_rs
    assert v.kwh_low <= v.kwh_projected <= v.kwh_high
    assert v.kwh_projected >= v.kwh_to_date
    if v.above_last_bill:
        assert "issue.billing.forecast_above_last_bill" in [i.code for i in r.issues]


def test_tariff_flag_effect(ctx: ToolContext, scenarios: dict[str, Any], demo_store: Store) -> None:
    iid = first(scenarios, "demo")
    r = run_tool("tariff_flag", ctx, iid, {"period": "2025-11"})
    v = r.value
    assert v.flag == "vermelha_1" and v.rs_per_kwh == D("0.04463")
    wh = demo_store.scalar(
        "SELECT sum(import_wh) FROM load_profile WHERE installation_id = ? AND ts >= '2025-11-01' AND ts < '2025-12-01'",
        [iid],
    )
    kwh = D(int(wh)) / 1000
    icms = D("0.18") if kwh > 200 else D("0.12") if kwh > 90 else D(0)
    assert v.effect_rs == money(kwh * D("0.04463") / ((1 - icms) * (1 - D("0.0063") - D("0.0285"))))
    unknown = run_tool("tariff_flag", ctx, iid, {"period": "2026-10"}).value
    assert unknown.flag is None and unknown.effect_rs is None
    assert unknown.effect_by_flag_rs["vermelha_2"] > unknown.effect_by_flag_rs["amarela"] > 0


def test_gd_credits_ledger(ctx: ToolContext, scenarios: dict[str, Any]) -> None:
    iid = first(scenarios, "solar_gd1")
    r = run_tool("gd_credits", ctx, iid, {"period": {"start": "2025-10-01", "end": "2026-11-25"}})
    v = r.value
    assert v.cycles and v.ledger_start == v.cycles[0].start
    generated = sum(c.credits_generated_kwh for c in v.cycles)
    used = sum(c.from_credits_kwh for c in v.cycles)  # convencional: no conversion factor
    assert abs(v.balance_kwh - (generated - used)) <= D("0.002") * len(v.cycles)
    assert v.balance_kwh == v.cycles[-1].balance_after_kwh
    first_gen = next(c.bill_month for c in v.cycles if c.credits_generated_kwh > 0)
    y, m = int(first_gen[:4]), int(first_gen[5:])
    assert v.next_expiry_month == f"{y + 5:04d}-{m:02d}"
    for c in v.cycles:
        assert c.compensated_kwh <= c.consumption_kwh
    no_gd = run_tool("gd_credits", ctx, first(scenarios, "demo"), {})
    assert no_gd.disqualified


def test_estimate_cost_for_matches_the_hand_formula(
    ctx: ToolContext, scenarios: dict[str, Any], demo_store: Store
) -> None:
    iid = first(scenarios, "demo")
    period = Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31), "2026-10")
    amount, steps = estimate_cost_for(ctx, iid, period)
    wh = demo_store.scalar(
        "SELECT sum(import_wh) FROM load_profile WHERE installation_id = ? AND ts >= '2026-10-01' AND ts < '2026-11-01'",
        [iid],
    )
    # by hand: convencional 0,73945 R$/kWh (REH 3.579/2026), October 2026 bandeira not published
    # (verde), ICMS band of the monthly kWh (31 days), PIS 0,63 % + COFINS 2,85 % (default)
    kwh = D(int(wh)) / 1000
    icms = D("0.18") if kwh > 200 else D("0.12") if kwh > 90 else D(0)
    expected = kwh * D("0.73945") / ((1 - icms) * (1 - D("0.0063") - D("0.0285")))
    assert abs(amount - expected) < D("0.000001")
    assert steps[0].sql and steps[-1].key == "billing.step.energy_cost"


# ------------------------------------------------------------------ compare_tariffs vs a spreadsheet

HOLIDAYS = (
    "2025-11-02",
    "2025-11-15",
    "2025-11-20",
    "2025-12-25",
    "2026-01-01",
    "2026-02-17",
    "2026-04-03",
    "2026-04-21",
    "2026-05-01",
    "2026-06-04",
    "2026-09-07",
    "2026-10-12",
    "2026-11-02",
    "2026-11-15",
    "2026-11-20",
)
FLAGS = {"2025-11": 0.04463, "2025-12": 0.01885}  # Jan-Mar 2026 verde; later months not published (verde)
T_CONV = 0.73945
T = {"ponta": 1.29940, "intermediario": 0.88266, "fora_ponta": 0.62496}
TE = {"ponta": 0.43600, "intermediario": 0.27695, "fora_ponta": 0.27695}
ORDER = ("ponta", "intermediario", "fora_ponta")

SHEET_SQL = """
WITH c AS (SELECT * FROM (VALUES {cycles}) AS t(n, s, e)),
lp AS (
  SELECT c.n,
         CASE WHEN isodow(ts) >= 6 OR CAST(ts AS DATE) IN ({holidays}) THEN 'fora_ponta'
              WHEN hour(ts) BETWEEN 18 AND 20 THEN 'ponta'
              WHEN hour(ts) IN (17, 21) THEN 'intermediario'
              ELSE 'fora_ponta' END AS posto,
         import_wh, export_wh
  FROM load_profile JOIN c ON CAST(ts AS DATE) BETWEEN c.s AND c.e
  WHERE installation_id = ?
)
SELECT n, posto, sum(import_wh) / 1000.0 AS kwh, sum(export_wh) / 1000.0 AS exp FROM lp GROUP BY 1, 2
"""


def _bandeira(c: cal.BillingCycle) -> float:
    days = [c.start + dt.timedelta(days=k) for k in range(c.days)]
    return sum(FLAGS.get(f"{d:%Y-%m}", 0.0) for d in days) / c.days


def _sheet_bill(
    c_kwh: dict[str, float],
    inj: dict[str, float],
    pool: float,
    branca: bool,
    cd_kwh: float,
    s: float,
    band: float,
) -> tuple[float, float]:
    """One cycle in floats -> (bill with taxes, credit pool after [fora ponta kWh])."""
    if not branca:
        c_kwh = {"fora_ponta": sum(c_kwh.values())}
        inj = {"fora_ponta": sum(inj.values())}
        te = {"fora_ponta": 1.0}
        rate = {"fora_ponta": T_CONV}
    else:
        te, rate = TE, T
    postos = list(c_kwh)
    rem = dict(c_kwh)
    exc = {p: inj.get(p, 0.0) for p in postos}
    events: list[tuple[str, float, str, float]] = []  # (target, covered, source, factor)
    for p in postos:  # same posto
        cov = min(rem[p], exc[p])
        rem[p] -= cov
        exc[p] -= cov
        events.append((p, cov, p, 1.0))
    for t in [p for p in ORDER if p in postos]:  # other postos, TE ratio
        for src in [p for p in reversed(ORDER) if p in postos and p != t]:
            f = te[src] / te[t]
            cov = min(rem[t], exc[src] * f)
            rem[t] -= cov
            exc[src] -= cov / f
            events.append((t, cov, src, f))
    for t in [p for p in ORDER if p in postos]:  # credits (kept in fora ponta kWh)
        f = te["fora_ponta"] / te[t]
        cov = min(rem[t], pool * f)
        rem[t] -= cov
        pool -= cov / f
        events.append((t, cov, "pool", f))
    comp = {p: c_kwh[p] - rem[p] for p in postos}
    charge = sum(rem[p] * rate[p] + comp[p] * s for p in postos)
    floor = cd_kwh * T_CONV
    if cd_kwh and charge < floor:  # no double charge: unwind the last allocations first
        need = floor - charge
        for t, cov, src, f in reversed(events):
            if need <= 0 or cov <= 0:
                continue
            d = min(cov, need / (rate[t] - s))
            need -= d * (rate[t] - s)
            comp[t] -= d
            if src == "pool":
                pool += d / f
            else:
                exc[src] += d / f
        charge = sum((c_kwh[p] - comp[p]) * rate[p] + comp[p] * s for p in postos)
    pool += sum(exc[p] * te[p] / te["fora_ponta"] for p in postos)
    energy = max(charge, floor)
    total = sum(c_kwh.values())
    icms = 0.18 if total > 200 else 0.12 if total > 90 else 0.0
    bill = (energy + (total - sum(comp.values())) * band) / ((1 - icms) * (1 - 0.0063 - 0.0285))
    return bill, pool


def spreadsheet_pick(
    store: Store, iid: str, inst: dict[str, Any], cycles: list[cal.BillingCycle]
) -> tuple[str, float, float]:
    values = ", ".join(f"({i}, DATE '{c.start}', DATE '{c.end}')" for i, c in enumerate(cycles))
    holidays = ", ".join(f"DATE '{h}'" for h in HOLIDAYS)
    df = store.df(SHEET_SQL.format(cycles=values, holidays=holidays), [iid])
    phases = int(inst["phases"])
    cd_kwh = {1: 30.0, 2: 50.0}.get(phases, 100.0)
    gd = str(inst["gd_class"])
    totals = {}
    for branca in (False, True):
        pool = 0.0
        total = 0.0
        for i, c in enumerate(cycles):
            part = df[df["n"] == i]
            kwh = {p: float(part.loc[part["posto"] == p, "kwh"].sum()) for p in ORDER}
            inj = {p: float(part.loc[part["posto"] == p, "exp"].sum()) for p in ORDER} if gd != "none" else {}
            share = {2025: 0.45, 2026: 0.60}[c.reading_date.year] if gd == "GD2" else 0.0
            bill, pool = _sheet_bill(kwh, inj, pool, branca, cd_kwh, share * 0.20, _bandeira(c))
            total += bill
        totals[branca] = total
    conv, branca_total = totals[False], totals[True]
    if conv - branca_total > 0.01 * conv:
        return "branca", conv, branca_total
    if branca_total - conv > 0.01 * conv:
        return "convencional", conv, branca_total
    return "indifferent", conv, branca_total


@pytest.mark.parametrize("scenario", ["solar_gd2", "solar_gd1", "shower_heavy", "flat_profile"])
def test_compare_tariffs_matches_a_spreadsheet(
    ctx: ToolContext, demo_store: Store, scenarios: dict[str, Any], scenario: str
) -> None:
    iid = first(scenarios, scenario)
    r = run_tool("compare_tariffs", ctx, iid, {"months": 12})
    v = r.value
    assert not r.disqualified and v.cycles == 12 and v.tariffs_on == TODAY
    inst = ctx.installation(iid)
    cycles = cal.cycles_read_between(int(inst["cycle_day"]), dt.date(2025, 10, 1), TODAY)[-12:]
    assert cycles[0].start == v.window_start
    pick, conv, branca = spreadsheet_pick(demo_store, iid, inst, cycles)
    assert v.recommendation == pick, (conv, branca, to_jsonable(v))
    assert abs(float(v.convencional.total_rs) - conv) < 0.02 * 12
    assert abs(float(v.branca.total_rs) - branca) < 0.02 * 12


def test_compare_tariffs_expected_answers(ctx: ToolContext, scenarios: dict[str, Any]) -> None:
    heavy = run_tool(
        "compare_tariffs", ctx, first(scenarios, "shower_heavy"), {"shift": "peak_to_offpeak"}
    ).value
    flat = run_tool("compare_tariffs", ctx, first(scenarios, "flat_profile"), {}).value
    assert heavy.recommendation == "convencional" and flat.recommendation == "branca"
    assert heavy.shift_pct == D("0.3")
    assert heavy.savings_branca_shifted_rs > heavy.savings_branca_rs
    assert heavy.share_by_posto["ponta"] > heavy.breakeven_ponta_share > flat.share_by_posto["ponta"]
    excluded = run_tool("compare_tariffs", ctx, first(scenarios, "baixa_renda"), {})
    assert excluded.disqualified and excluded.value.recommendation is None


# ------------------------------------------------------------------ not enough data (a tmp store)


@pytest.fixture(scope="module")
def short_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """One installation with 100 days of 60-minute readings (2026-08-18 .. 2026-11-25)."""
    home = tmp_path_factory.mktemp("short")
    store = Store(home)
    inst = dict.fromkeys(schema.INSTALLATION_COLUMNS)
    inst.update(
        installation_id="90000001",
        group_code="B",
        subgroup="B1",
        customer_class="residencial",
        subclass="residencial",
        phases=1,
        tariff_modality="convencional",
        gd_kind="none",
        gd_class="none",
        distributor="CPFL_PAULISTA",
        municipality="Campinas",
        cycle_day=18,
        interval_min=60,
    )
    insert_installations(store, [inst])
    ts = pd.date_range("2026-08-18", "2026-11-25 23:00", freq="60min")
    lp = pd.DataFrame({"installation_id": "90000001", "ts": ts, "interval_min": 60})
    lp["import_wh"] = [300 + 700 * (t.hour in (18, 19, 20)) for t in ts]
    lp["export_wh"] = 0
    lp = with_load_profile_columns(lp).astype(
        {"interval_min": "int16", "import_wh": "int32", "export_wh": "int32", "quality": "uint8"}
    )
    write_lake(home, "load_profile", lp)
    store.refresh_views()
    return store


def test_not_enough_data_gives_a_disqualifying_issue(short_store: Store) -> None:
    sctx = ToolContext(store=short_store, scope=Scope.operator(), today=TODAY)
    r = run_tool("compare_tariffs", sctx, "90000001", {})
    assert r.disqualified and r.value.recommendation is None and r.value.convencional is None
    issue = [i for i in r.issues if i.severity == "disqualifying"][0]
    assert issue.code == "issue.tariffs.insufficient_data"
    assert (
        issue.data["required_days"] == 270
        and issue.data["missing_days"] == 270 - issue.data["days_with_data"]
    )
    old = run_tool("explain_bill", sctx, "90000001", {"reference": "2026-06"})
    assert old.disqualified and old.value.total_rs is None
    assert [i.code for i in old.issues if i.severity == "disqualifying"] == [
        "issue.billing.insufficient_data"
    ]
    ok = run_tool("explain_bill", sctx, "90000001", {"reference": "last_bill"})
    assert not ok.disqualified and _tax_block(ok.value) == ok.value.total_rs


def test_issue_texts_fit_their_data(ctx: ToolContext, scenarios: dict[str, Any], short_store: Store) -> None:
    import string

    from assistant.i18n import catalogue

    cat = catalogue()
    sctx = ToolContext(store=short_store, scope=Scope.operator(), today=TODAY)
    results = [
        run_tool("forecast_bill", ctx, first(scenarios, "demo"), {}),
        run_tool("gd_credits", ctx, first(scenarios, "solar_gd2"), {"period": "last_month"}),
        run_tool("gd_credits", ctx, first(scenarios, "demo"), {}),
        run_tool("tariff_flag", ctx, first(scenarios, "solar_gd1"), {"period": "next_month"}),
        run_tool("compare_tariffs", ctx, first(scenarios, "solar_gd1"), {}),
        run_tool("compare_tariffs", sctx, "90000001", {}),
        run_tool("explain_bill", sctx, "90000001", {"reference": "2026-06"}),
    ]
    seen = set()
    for r in results:
        for i in r.issues:
            names = {n for _, n, _, _ in string.Formatter().parse(cat[i.code]) if n}
            assert names == set(i.data), i.code
            seen.add(i.code)
    assert len(seen) >= 10
