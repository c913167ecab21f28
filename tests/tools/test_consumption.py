"""consumption_summary: pure functions and the api over a crafted DuckDB store (hand-worked values).

Crafted store (today = 2026-11-26, so last_30_days = 2026-10-27..2026-11-25):

* ``C1`` (B1 residencial, 1 phase, 15 min): a constant base load plus a 5.5 kW shower of
  10 min at 07:00 and at 19:00 every day (917 Wh in those quarter-hours). Base 120 W
  (30 Wh per quarter-hour) in 2025, 80 W (20 Wh) from 2026-01-01, 100 W (25 Wh) from
  2026-10-27. Days: 2025 -> 96 x 30 + 2 x 917 = 4714 Wh; 2026 before 27 Oct -> 3754 Wh;
  from 27 Oct -> 4234 Wh.
* Peers ``P1``..``P6`` (same class/subgroup/phases, no GD): 20..70 Wh per quarter-hour,
  i.e. 1.92, 2.88, 3.84, 4.80, 5.76, 6.72 kWh/day (median 4.32).
* Not peers: ``PGD`` (has GD), ``P3F`` (3 phases), ``PLOW`` (readings from 10 Nov only).
* ``GAPPY``: like C1's last month but with 10 days missing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.lake import insert_installations, with_load_profile_columns, write_lake
from tools.api import Scope, ToolContext, run_tool
from tools.api import consumption as api
from tools.api.admin import open_store
from tools.data import schema
from tools.data.store import Store
from tools.domain import consumption as cons
from tools.errors import NoData
from tools.types import Period

TODAY = dt.date(2026, 11, 26)


# ----------------------------------------------------------------------------- crafted store


def installation(iid: str, **kw: object) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(schema.INSTALLATION_COLUMNS)
    row.update(
        installation_id=iid,
        meter_id="M" + iid,
        customer_key="K" + iid,
        group_code="B",
        subgroup="B1",
        customer_class="residencial",
        subclass="residencial",
        phases=1,
        nominal_voltage_v=127,
        tariff_modality="convencional",
        gd_kind="none",
        gd_kwp=0.0,
        gd_class="none",
        distributor="CPFL_PAULISTA",
        municipality="Campinas",
        area="urbana",
        cycle_day=10,
        interval_min=15,
        connected_since=dt.date(2020, 1, 1),
    )
    row.update(kw)
    return row


def readings(iid: str, ts: pd.DatetimeIndex, wh: np.ndarray | int) -> pd.DataFrame:
    df = pd.DataFrame({"installation_id": iid, "ts": ts, "interval_min": 15})
    df["import_wh"] = np.broadcast_to(np.asarray(wh), (len(ts),)).astype("int32")
    df["export_wh"] = 0
    return with_load_profile_columns(df)


def c1_wh(ts: pd.DatetimeIndex) -> np.ndarray:
    base = np.where(ts >= pd.Timestamp("2026-10-27"), 25, np.where(ts >= pd.Timestamp("2026-01-01"), 20, 30))
    shower = ((ts.hour == 7) | (ts.hour == 19)) & (ts.minute == 0)
    return np.asarray(base + np.where(shower, 917, 0))


def build_crafted(home: Path) -> Store:
    store = open_store(home)
    rows = [installation("C1"), installation("GAPPY")]
    frames = []
    ts = pd.date_range("2025-10-01", "2026-11-25 23:45", freq="15min")
    frames.append(readings("C1", ts, c1_wh(ts)))
    last = pd.date_range("2026-10-01", "2026-11-25 23:45", freq="15min")
    gappy = last[(last < pd.Timestamp("2026-11-11")) | (last >= pd.Timestamp("2026-11-21"))]
    frames.append(readings("GAPPY", gappy, c1_wh(gappy)))
    for j, k in enumerate((20, 30, 40, 50, 60, 70), start=1):
        rows.append(installation(f"P{j}"))
        frames.append(readings(f"P{j}", last, k))
    rows += [
        installation("PGD", gd_kind="local", gd_kwp=3.0),
        installation("P3F", phases=3),
        installation("PLOW"),
    ]
    frames += [
        readings("PGD", last, 10),
        readings("P3F", last, 100),
        readings("PLOW", last[last >= "2026-11-10"], 5),
    ]
    insert_installations(store, rows)
    write_lake(home, "load_profile", pd.concat(frames, ignore_index=True))
    store.refresh_views()
    return store


@pytest.fixture(scope="module")
def crafted(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    store = build_crafted(tmp_path_factory.mktemp("crafted_consumption"))
    yield store
    store.close()


def ctx_for(store: Store, iid: str) -> ToolContext:
    return ToolContext(store=store, scope=Scope.customer(iid), today=TODAY)


# ----------------------------------------------------------------------------- pure functions


def test_comparison_periods() -> None:
    month = cons.comparison_periods(Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31)))
    assert (month["previous_period"].start, month["previous_period"].end) == (
        dt.date(2026, 2, 1),
        dt.date(2026, 2, 28),
    )
    so_far = cons.comparison_periods(Period(dt.date(2026, 11, 1), dt.date(2026, 11, 25)))
    assert (so_far["previous_period"].start, so_far["previous_period"].end) == (
        dt.date(2026, 10, 1),
        dt.date(2026, 10, 25),
    )
    days = cons.comparison_periods(Period(dt.date(2026, 10, 27), dt.date(2026, 11, 25)))
    assert (days["previous_period"].start, days["previous_period"].end) == (
        dt.date(2026, 9, 27),
        dt.date(2026, 10, 26),
    )
    leap = cons.comparison_periods(Period(dt.date(2024, 2, 29), dt.date(2024, 2, 29)))
    assert leap["same_period_last_year"].start == dt.date(2023, 2, 28)


def test_compare_window_is_per_covered_day() -> None:
    this = Decimal("120.000")  # 30 full days: 4 kWh/day
    minutes = 30 * 1440
    other = cons.WindowTotal(
        "previous_period", Period(dt.date(2026, 8, 1), dt.date(2026, 8, 31)), 124_000, 31 * 1440
    )
    c, issues = cons.compare_window(this, minutes, other)
    assert c.kwh_per_day == Decimal("4.000") and c.change_pct == 0.0 and c.change_kwh == Decimal("-4.000")
    assert issues == []
    # the same month with half of its readings: 62 kWh over 15.5 covered days is still 4 kWh/day
    half = cons.WindowTotal("previous_period", other.period, 62_000, int(15.5 * 1440))
    c2, issues2 = cons.compare_window(this, minutes, half)
    assert c2.change_pct == 0.0 and c2.coverage == 0.5
    assert [i.code for i in issues2] == ["consumption.issue.comparison_low_coverage.previous_period"]
    assert issues2[0].data == {"coverage_pct": 50.0}


def test_summarize_two_days_hand_worked() -> None:
    ts = pd.date_range("2026-11-02", periods=192, freq="15min")
    wh = np.full(192, 25)
    wh[96 + 76] += 2000  # 2026-11-03 19:00
    df = pd.DataFrame({"ts": ts, "interval_min": 15, "import_wh": wh, "export_wh": 0})
    r = cons.summarize(df, Period(dt.date(2026, 11, 2), dt.date(2026, 11, 3)))
    v = r.value
    assert v.total_kwh == Decimal("6.800")  # 2 x 2.4 + 2.0
    assert v.kwh_per_day == Decimal("3.400")
    assert [p.kwh for p in v.daily] == [Decimal("2.400"), Decimal("4.400")]
    assert v.peak_day is not None and v.peak_day.day == dt.date(2026, 11, 3)
    assert v.coverage == 1.0
    assert cons.ISSUE_POSTO_UNAVAILABLE in {i.code for i in r.issues}


def test_summarize_without_readings_raises_no_data() -> None:
    with pytest.raises(NoData):
        cons.summarize(pd.DataFrame(), Period(dt.date(2026, 11, 2), dt.date(2026, 11, 3)))


def test_few_similar_homes() -> None:
    sim, issues = cons.similar_homes(Decimal("4"), cons.PeerStats(3, 4.0, 3.0, 5.0, 0.3))
    assert sim is None and issues[0].data == {"peers": 3, "min_peers": 5}


# ----------------------------------------------------------------------------- api over the crafted store


def test_summary_last_30_days(crafted: Store) -> None:
    r = run_tool("consumption_summary", ctx_for(crafted, "C1"), "C1", {})
    v = r.value
    assert (v.period.start, v.period.end) == (dt.date(2026, 10, 27), dt.date(2026, 11, 25))
    assert v.total_kwh == Decimal("127.020")  # 30 x 4234 Wh
    assert v.kwh_per_day == Decimal("4.234")
    assert v.coverage == 1.0
    # previous 30 days at 3754 Wh/day: 4234 / 3754 - 1 = +12.79 %
    prev = next(c for c in v.comparisons if c.basis == "previous_period")
    assert prev.kwh == Decimal("112.620") and prev.change_kwh == Decimal("14.400")
    assert v.vs_previous_pct == 0.1279 and v.primary_comparison == prev
    # same days of 2025 at 4714 Wh/day: 4234 / 4714 - 1 = -10.18 %
    assert v.vs_last_year_pct == -0.1018
    # similar homes: P1..P6 only (PGD has GD, P3F 3 phases, PLOW too few readings)
    sim = v.similar_homes
    assert sim is not None and sim.peers == 6
    assert sim.median_kwh_day == Decimal("4.320")  # (3.84 + 4.80) / 2
    assert sim.share_below == 0.5  # 1.92, 2.88, 3.84 below 4.234
    assert sim.change_pct == -0.0199  # 4.234 / 4.32 - 1
    # the trail carries the SQL of each figure
    keys = {s.key: s for s in r.trail}
    assert "FROM load_profile" in keys["consumption.step.total"].sql
    assert "median(kwh_day)" in keys["consumption.step.similar_homes"].sql
    assert r.provenance.installation_id == "C1" and len(r.provenance.queries) == 3


def test_summary_posto_split(crafted: Store) -> None:
    v = run_tool("consumption_summary", ctx_for(crafted, "C1"), "C1", {}).value
    assert [p.posto for p in v.by_posto] == ["ponta", "intermediario", "fora_ponta"]
    ponta = next(p for p in v.by_posto if p.posto == "ponta")
    # 20 working days (weekends, 2 Nov and 20 Nov are fora de ponta); 18:00-21:00 = 12 x 25 Wh + shower 917 Wh
    assert ponta.kwh == Decimal("24.340")
    assert sum(p.kwh for p in v.by_posto) == v.total_kwh


def test_summary_calendar_month_vs_previous_month(crafted: Store) -> None:
    r = run_tool("consumption_summary", ctx_for(crafted, "C1"), "C1", {"period": "2026-10"})
    v = r.value
    assert v.total_kwh == Decimal("118.774")  # 26 x 3754 + 5 x 4234 Wh
    prev = v.primary_comparison
    assert prev is not None and prev.period == Period(
        dt.date(2026, 9, 1), dt.date(2026, 9, 30), "previous_period"
    )
    # per day: (118.774 / 31) / (112.62 / 30) - 1 = +2.06 %, although the total is 5.5 % higher
    assert prev.change_pct == 0.0206


def test_summary_of_two_periods_compares_them(crafted: Store) -> None:
    # "Consumi mais em agosto ou em outubro?": October is summarised, August is the headline comparison
    r = run_tool("consumption_summary", ctx_for(crafted, "C1"), "C1", {"period": ["2026-10", "2026-08"]})
    v = r.value
    assert v.period.start == dt.date(2026, 10, 1) and v.total_kwh == Decimal("118.774")
    assert v.primary_comparison is not None and v.primary_comparison.basis == "requested_period"
    assert v.primary_comparison.kwh == Decimal("116.374")  # 31 x 3754 Wh
    assert v.vs_requested_pct == 0.0206  # 118.774 / 116.374 - 1 (same number of days)
    assert "consumption.step.compare.requested_period" in {s.key for s in r.trail}


def test_summary_over_months_names_the_month_of_most_and_least_kwh(crafted: Store) -> None:
    # "qual mês gastei mais?": August 31 x 3754 Wh, September 30 x 3754 Wh, October 26 x 3754 + 5 x 4234 Wh
    args = {"period": {"start": "2026-08-01", "end": "2026-10-31"}}
    r = run_tool("consumption_summary", ctx_for(crafted, "C1"), "C1", args)
    v = r.value
    assert [(m.month, m.kwh, m.coverage, m.whole) for m in v.by_month] == [
        (dt.date(2026, 8, 1), Decimal("116.374"), 1.0, True),
        (dt.date(2026, 9, 1), Decimal("112.620"), 1.0, True),
        (dt.date(2026, 10, 1), Decimal("118.774"), 1.0, True),
    ]
    assert v.peak_month is not None and v.peak_month.month == dt.date(2026, 10, 1)
    # the least is September by total (30 days), although its daily average equals August's
    assert v.low_month is not None and v.low_month.month == dt.date(2026, 9, 1)
    assert "consumption.step.peak_month" in {s.key for s in r.trail}


def test_a_month_barely_inside_the_period_is_not_the_peak(crafted: Store) -> None:
    # last 30 days = 27 Oct..25 Nov: October has 5 of its 31 days (16 %), November 25 of 30 (83 %)
    v = run_tool("consumption_summary", ctx_for(crafted, "C1"), "C1", {}).value
    assert [(m.month, m.kwh, m.coverage, m.whole) for m in v.by_month] == [
        (dt.date(2026, 10, 1), Decimal("21.170"), 0.1613, False),  # 5 x 4234 Wh
        (dt.date(2026, 11, 1), Decimal("105.850"), 0.8333, False),  # 25 x 4234 Wh
    ]
    assert v.peak_month is not None and v.low_month is not None
    assert v.peak_month.month == v.low_month.month == dt.date(2026, 11, 1)  # October is too short to compare


def test_the_month_so_far_is_not_the_month_of_least_kwh(crafted: Store) -> None:
    # 1 Sep..25 Nov: September 30 x 3754 Wh, October 118.774 kWh, November so far 25 x 4234 Wh = 105.850 kWh
    v = run_tool("consumption_summary", ctx_for(crafted, "C1"), "C1", {"period": {"start": "2026-09-01", "end": "2026-11-25"}}).value
    assert [m.kwh for m in v.by_month] == [Decimal("112.620"), Decimal("118.774"), Decimal("105.850")]
    assert v.low_month is not None and v.low_month.month == dt.date(2026, 9, 1)  # November is not over


def test_one_month_has_no_peak_month(crafted: Store) -> None:
    v = run_tool("consumption_summary", ctx_for(crafted, "C1"), "C1", {"period": "2026-10"}).value
    assert len(v.by_month) == 1 and v.peak_month is None and v.low_month is None


def test_summary_same_month_last_year_is_the_headline(crafted: Store) -> None:
    args = {"period": "last_month", "compare": "same_month_last_year"}
    v = run_tool("consumption_summary", ctx_for(crafted, "C1"), "C1", args).value
    assert v.primary_comparison is not None and v.primary_comparison.basis == "same_period_last_year"
    assert v.primary_comparison.kwh == Decimal("146.134")  # 31 x 4714 Wh in Oct 2025


def test_summary_with_gaps_warns(crafted: Store) -> None:
    r = run_tool("consumption_summary", ctx_for(crafted, "GAPPY"), "GAPPY", {})
    v = r.value
    assert v.coverage == pytest.approx(20 / 30, abs=1e-4)
    assert v.kwh_per_day == Decimal("4.234")  # per covered day, not diluted by the gap
    codes = {i.code: i for i in r.issues}
    assert codes["issue.data.low_coverage"].data["missing_pct"] == 33.3
    assert codes["issue.data.gap_over_threshold"].data["gap_hours"] == 240.0


def test_summary_no_data_raises(crafted: Store) -> None:
    with pytest.raises(NoData):
        run_tool("consumption_summary", ctx_for(crafted, "C1"), "C1", {"period": "2024-05"})


def test_current_cycle_uses_the_reading_day(crafted: Store) -> None:
    v = run_tool("consumption_summary", ctx_for(crafted, "C1"), "C1", {"period": "current_cycle"}).value
    # read on the 10th (10 Nov 2026 is a Tuesday): the cycle in progress started then
    assert (v.period.start, v.period.end) == (dt.date(2026, 11, 10), dt.date(2026, 11, 25))
    assert v.total_kwh == Decimal("67.744")  # 16 x 4234 Wh


def test_cost_estimate_when_the_billing_helper_exists(crafted: Store) -> None:
    r = run_tool("consumption_summary", ctx_for(crafted, "C1"), "C1", {})
    codes = {i.code for i in r.issues}
    if r.value.estimated_cost_brl is None:
        assert cons.ISSUE_COST_UNAVAILABLE in codes
        return
    cost = r.value.estimated_cost_brl
    assert cost == cost.quantize(Decimal("0.01")) and cost > 0
    assert cons.ISSUE_COST_ENERGY_ONLY in codes
    # between 0.5 and 1.5 R$/kWh with taxes: a sanity band, not a tariff check
    assert Decimal("0.5") * r.value.total_kwh < cost < Decimal("1.5") * r.value.total_kwh


def test_result_serialises(crafted: Store) -> None:
    import json

    r = run_tool("consumption_summary", ctx_for(crafted, "C1"), "C1", {})
    text = json.dumps(r.to_dict())
    assert '"total_kwh": "127.020"' in text
    for other in ("P1", "P2", "PGD", "P3F", "GAPPY"):  # no other installation is named (LGPD)
        assert f'"{other}"' not in text


def test_reference_month_for_the_ac_routine() -> None:
    ref = api.reference_month(Period(dt.date(2026, 1, 1), dt.date(2026, 1, 31)), TODAY)
    assert ref is not None and ref.start == dt.date(2026, 7, 1)
    assert api.reference_month(Period(dt.date(2026, 7, 1), dt.date(2026, 7, 31)), TODAY) is None
    nov = api.reference_month(Period(dt.date(2026, 10, 27), dt.date(2026, 11, 25)), TODAY)
    assert nov is not None and nov.start == dt.date(2026, 7, 1)


# ----------------------------------------------------------------------------- demo fleet (integration)

DEMO_TODAY = dt.date(2026, 11, 26)


def test_demo_similar_homes_match_an_independent_query(demo_home, demo_store) -> None:  # type: ignore[no-untyped-def]
    """The fleet median from the tool equals a plain pandas computation over the same rows."""
    from tools.api.admin import demo_metadata

    iid = demo_metadata(demo_home)["scenarios"]["demo"][0]
    r = run_tool("consumption_summary", ToolContext(demo_store, Scope.customer(iid), DEMO_TODAY), iid, {})
    sim = r.value.similar_homes
    assert sim is not None
    inst = demo_store.df("SELECT * FROM installations")
    me = inst[inst.installation_id == iid].iloc[0]
    peers = inst[
        (inst.customer_class == me.customer_class)
        & (inst.subgroup == me.subgroup)
        & (inst.phases == me.phases)
        & (inst.installation_id != iid)
        & (inst.gd_kind.fillna("none") == "none")
        & (inst.gd_kwp.fillna(0) == 0)
    ].installation_id.tolist()
    lp = demo_store.df(
        "SELECT installation_id, import_wh, interval_min FROM load_profile WHERE ts >= ? AND ts < ?",
        [dt.datetime(2026, 10, 27), dt.datetime(2026, 11, 26)],
    )
    lp = lp[lp.installation_id.isin(peers)]
    g = lp.groupby("installation_id").agg(wh=("import_wh", "sum"), m=("interval_min", "sum"))
    g = g[g.m >= 0.9 * 30 * 1440]
    per_day = g.wh / 1000 / (g.m / 1440)
    assert sim.peers == len(per_day)
    assert float(sim.median_kwh_day) == pytest.approx(float(per_day.median()), abs=0.0005)
    assert sim.share_below == pytest.approx(float((per_day < float(r.value.kwh_per_day)).mean()), abs=1e-3)


def test_demo_solar_home_summary_is_net_of_solar(demo_home, demo_store) -> None:  # type: ignore[no-untyped-def]
    from tools.api.admin import demo_metadata

    iid = demo_metadata(demo_home)["scenarios"]["net_exporter"][0]
    r = run_tool("consumption_summary", ToolContext(demo_store, Scope.customer(iid), DEMO_TODAY), iid, {})
    assert r.value.export_kwh > r.value.total_kwh  # the net exporter injects more than it draws
    assert cons.ISSUE_NET_OF_SOLAR in {i.code for i in r.issues}
    assert r.value.similar_homes is not None  # compared with homes without GD


# ----------------------------------------------------------------------------- catalogue (pt-BR) coverage

OUR_PREFIXES = ("consumption.", "issue.data.", "tip.")


def _placeholders(template: str) -> set[str]:
    import string

    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def test_every_key_we_emit_has_a_pt_br_text(crafted: Store) -> None:
    from assistant.i18n import catalogue, has

    cat = catalogue()
    seen = 0
    for iid in ("C1", "GAPPY"):
        for tool in ("consumption_summary", "consumption_profile", "appliance_breakdown", "efficiency_tips"):
            r = run_tool(tool, ctx_for(crafted, iid), iid, {})
            for step in r.trail:
                if step.key.startswith(OUR_PREFIXES):
                    assert has(step.key), step.key
                    assert _placeholders(cat[step.key]) == set(), step.key  # labels, no placeholders
                    seen += 1
            for issue in r.issues:
                if issue.code.startswith(OUR_PREFIXES):
                    # a plural key has its forms (.one / .other), each with the same placeholders
                    forms = [
                        cat[k] for k in (issue.code, f"{issue.code}.one", f"{issue.code}.other") if k in cat
                    ]
                    assert forms, issue.code
                    for text in forms:
                        assert _placeholders(text) == set(issue.data), issue.code
                    seen += 1
            for tip in getattr(r.value, "tips", ()):
                assert _placeholders(cat[tip.key]) <= set(tip.placeholders), tip.key
            for anomaly in getattr(r.value, "anomalies", ()):
                assert _placeholders(cat[anomaly.code]) <= set(anomaly.data), anomaly.code
    assert seen > 20


def test_every_code_constant_in_our_modules_is_in_the_catalogue() -> None:
    import re
    from pathlib import Path

    from assistant.i18n import has

    root = Path(__file__).resolve().parents[2]
    files = ["consumption", "profile", "appliances", "efficiency", "sufficiency"]
    pattern = re.compile(r'"((?:consumption\.(?:issue|anomaly|step)|issue\.data|tip)\.[a-z_.]+)"')
    keys = set()
    for name in files:
        package = root / "tools" / "domain" / name  # a module or a package of modules
        sources = sorted(package.glob("*.py")) if package.is_dir() else [package.with_suffix(".py")]
        for source in sources:
            keys |= set(pattern.findall(source.read_text(encoding="utf-8")))
    keys |= set(pattern.findall((root / "tools" / "api" / "consumption.py").read_text(encoding="utf-8")))
    # codes built from a prefix and a basis
    for basis in ("previous_period", "same_period_last_year", "requested_period"):
        keys |= {
            f"consumption.issue.comparison_no_data.{basis}",
            f"consumption.issue.comparison_low_coverage.{basis}",
        }
        keys |= {f"consumption.step.compare.{basis}"}
    keys -= {"consumption.issue.comparison_no_data", "consumption.issue.comparison_low_coverage"}
    missing = sorted(k for k in keys if not has(k))
    assert missing == []
    assert len(keys) > 40


def test_rows_without_energy_do_not_count_as_coverage() -> None:
    ts = pd.date_range("2026-11-02", periods=96, freq="15min")
    wh = pd.array([25] * 48 + [None] * 48, dtype="Int32")
    df = pd.DataFrame({"ts": ts, "interval_min": 15, "import_wh": wh, "export_wh": None})
    v = cons.summarize(df, Period(dt.date(2026, 11, 2), dt.date(2026, 11, 2))).value
    assert v.coverage == 0.5 and v.total_kwh == Decimal("1.200") and v.kwh_per_day == Decimal("2.400")
