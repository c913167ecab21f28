"""Service continuity (PRODIST Modulo 8 secao 8.2): interruptions, DIC/FIC/DMIC, kei compensation.

Hand-worked values (regulation.md 5.4, limits DICp 8 h, FICp 5, DMICp 4 h, EUSD R$ 150, kei 15):
factor = 150/730*15 = 3,082192 R$/h
* DIC 12,5 h -> (12,5-8)*3,082192 = 13,87;  FIC 9 -> (9/5-1)*8*3,082192 = 19,73;
  DMIC 6 h -> (6-4)*3,082192 = 6,16; pay the largest: FIC R$ 19,73.
* DIC-led month: 5 h + 4 h + 3 h -> DIC 12 h, FIC 3, DMIC 5 h:
  DIC (12-8)*3,082192 = 12,33 > DMIC (5-4)*3,082192 = 3,08 -> R$ 12,33 (kei 15).
  MT (limits 6/4/3, kei 20, factor 4,109589): DIC (12-6)*4,109589 = 24,66; DMIC 2*4,109589 = 8,22.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

from tests.lake import insert_installations, write_lake
from tests.tools.quality_helpers import installation_row, load_profile_frame, small_store
from tools.api.context import Scope, ToolContext, run_tool
from tools.api.quality_common import continuity_rules
from tools.data.store import Store
from tools.domain import continuity as c

R = continuity_rules()
T0 = dt.datetime(2026, 10, 5, 8, 0)


def _events(durations_min: list[float], start: dt.datetime = T0, gap_h: int = 24) -> pd.DataFrame:
    ts, codes = [], []
    for k, mins in enumerate(durations_min):
        s = start + dt.timedelta(hours=gap_h * k)
        ts += [s, s + dt.timedelta(minutes=mins)]
        codes += [c.POWER_DOWN, c.POWER_UP]
    return pd.DataFrame({"ts": ts, "code": codes})


def _month(durations_min: list[float], critical: tuple[dt.date, ...] = ()) -> c.MonthIndicators:
    intr = c.pair_power_events(_events(durations_min))
    (m,) = c.monthly_indicators(intr, dt.date(2026, 10, 1), dt.date(2026, 10, 31), R, critical)
    return m


def test_two_minute_blackout_is_not_an_interruption() -> None:
    m = _month([2, 2.99, 3, 25])  # 2 min and 2 min 59 s do not count; exactly 3 min does
    assert m.fic == 2
    assert m.n_short == 2
    assert m.dic_h == Decimal(28 * 60) / 3600  # 3 + 25 minutes
    assert m.dmic_h == Decimal(25 * 60) / 3600


def test_pairing_drops_lost_power_up_and_keeps_open_interruption() -> None:
    ev = pd.DataFrame(
        {
            "ts": [T0, T0 + dt.timedelta(hours=1), T0 + dt.timedelta(hours=2), T0 + dt.timedelta(hours=5)],
            "code": [c.POWER_DOWN, c.POWER_DOWN, c.POWER_UP, c.POWER_DOWN],
        }
    )
    intr = c.pair_power_events(ev)
    assert [(i.start.hour, i.seconds) for i in intr] == [(9, 3600), (13, None)]
    (m,) = c.monthly_indicators(intr, dt.date(2026, 10, 1), dt.date(2026, 10, 31), R)
    assert (m.fic, m.n_open) == (1, 1)


def test_worked_example_fic_is_largest() -> None:
    lim = R.limits_for(None, "urbana", "BT")
    assert (lim.dic_h, lim.fic, lim.dmic_h) == (Decimal(8), Decimal(5), Decimal(4))
    m = _month([360, 120, 90, 60, 30, 30, 30, 15, 15])  # 12,5 h, 9 interruptions, longest 6 h
    assert (m.dic_h, m.fic, m.dmic_h) == (Decimal("12.5"), 9, Decimal(6))
    comp = c.continuity_compensation(m, lim, Decimal(150), "BT", R)
    assert (money(comp.dic_rs), money(comp.fic_rs), money(comp.dmic_rs)) == (
        Decimal("13.87"),
        Decimal("19.73"),
        Decimal("6.16"),
    )
    assert comp.chosen == "FIC"
    assert comp.amount_rs == Decimal("19.73")  # the largest, not the sum (39,76)
    assert comp.payment_deadline == dt.date(2026, 12, 31)  # October + 2 months


def test_dic_violation_with_kei_bt_and_mt() -> None:
    m = _month([300, 240, 180])  # 5 h + 4 h + 3 h
    assert (m.dic_h, m.fic, m.dmic_h) == (Decimal(12), 3, Decimal(5))
    bt = c.continuity_compensation(m, R.limits_for(None, "urbana", "BT"), Decimal(150), "BT", R)
    assert (bt.kei, bt.chosen, bt.amount_rs) == (Decimal(15), "DIC", Decimal("12.33"))
    mt = c.continuity_compensation(m, R.limits_for(None, "urbana", "MT"), Decimal(150), "MT", R)
    assert (mt.kei, mt.chosen, mt.amount_rs) == (Decimal(20), "DIC", Decimal("24.66"))
    assert money(mt.dmic_rs) == Decimal("8.22")


def test_no_violation_no_compensation() -> None:
    m = _month([60, 30])
    comp = c.continuity_compensation(m, R.limits_for(None, "urbana", "BT"), Decimal(150), "BT", R)
    assert comp.chosen is None and comp.amount_rs == 0


def test_critical_day_goes_to_dicri_and_is_added() -> None:
    # day 1 (05/10): 14 h on a critical day -> DICRI, not in DIC; day 2: 1 h
    crit = (dt.date(2026, 10, 5),)
    m = _month([14 * 60, 60], critical=crit)
    assert (m.fic, m.dic_h, m.dicri_h) == (1, Decimal(1), (Decimal(14),))
    lim = R.limits_for(None, "urbana", "BT")  # DICRIp 12,37 h
    comp = c.continuity_compensation(m, lim, Decimal(150), "BT", R)
    # (14 - 12,37) * 150/730*15 = 1,63 * 3,082192 = 5,02
    assert comp.chosen is None
    assert comp.amount_rs == Decimal("5.02")


def test_month_split_and_partial_month() -> None:
    ev = _events([30, 30], start=dt.datetime(2026, 10, 31, 22, 0))  # 31/10 and 01/11
    intr = c.pair_power_events(ev)
    months = c.monthly_indicators(intr, dt.date(2026, 10, 15), dt.date(2026, 11, 20), R)
    assert [(m.month, m.fic, m.complete) for m in months] == [("2026-10", 1, False), ("2026-11", 1, False)]


def test_supply_level() -> None:
    assert c.supply_level("B", "B1") == "BT"
    assert c.supply_level("A", "A4") == "MT"
    assert c.supply_level("A", "A2") == "AT"


def money(x: Decimal) -> Decimal:
    from tools.units import money as m

    return m(x)


@pytest.fixture()
def outage_store(tmp_path):  # type: ignore[no-untyped-def]
    home = tmp_path / "home"
    store = Store(home)
    insert_installations(store, [installation_row("UC-9")])
    ev = _events([360, 120, 90, 60, 30, 30, 30, 15, 15, 2])  # + a 2-minute blackout
    ev["installation_id"] = "UC-9"
    ev["code"] = ev["code"].astype("Int16")
    ev["value"] = None
    write_lake(home, "events", ev[["installation_id", "ts", "code", "value"]])
    lp = load_profile_frame("UC-9", "2026-10-01", "2026-11-25 23:45", 50)
    write_lake(home, "load_profile", lp)
    store.refresh_views()
    yield store
    store.close()


def test_continuity_tool_matches_hand_computation(outage_store: Store) -> None:
    ctx = ToolContext(outage_store, Scope.customer("UC-9"), today=dt.date(2026, 11, 26))
    res = run_tool("continuity_indicators", ctx, "UC-9", {"period": "2026-10"})
    (m,) = res.value.months
    assert (m.dic_h, m.fic, m.dmic_h) == (Decimal("12.5"), 9, Decimal(6))
    assert m.violated == ("DIC", "FIC", "DMIC")
    # EUSD: 31 days x 96 x 50 Wh = 148,8 kWh x 449,25/1000 = R$ 66,8484
    assert m.eusd_medio_rs == Decimal("66.8484")
    # FIC: (9/5 - 1) * 8 * 66,8484/730*15 = 6,4 * 1,373597 = 8,7910 -> R$ 8,79
    assert (m.chosen, m.compensation_rs) == ("FIC", Decimal("8.79"))
    assert m.payment_deadline == dt.date(2026, 12, 31)
    reasons = [i.reason for i in res.value.interruptions]
    assert reasons.count("short") == 1 and reasons.count("long") == 9
    # the store's outages view agrees on what counts
    n = outage_store.scalar(
        "SELECT count(*) FROM outages WHERE counts_as_interruption AND installation_id = 'UC-9'"
    )
    assert n == 9
    assert "continuity.issue.limits_reference" in {i.code for i in res.issues}
    res.to_dict()


@pytest.fixture()
def september_store(tmp_path):  # type: ignore[no-untyped-def]
    """Three interruptions in September 2026: 05/09 5 h, 12/09 4 h, 19/09 14:00-14:48 (0,8 h)."""
    starts = [dt.datetime(2026, 9, 5, 8), dt.datetime(2026, 9, 12, 8), dt.datetime(2026, 9, 19, 14)]
    ts, codes = [], []
    for s, mins in zip(starts, [300, 240, 48], strict=True):
        ts += [s, s + dt.timedelta(minutes=mins)]
        codes += [c.POWER_DOWN, c.POWER_UP]
    ev = pd.DataFrame(
        {"installation_id": "UC-7", "ts": ts, "code": pd.array(codes, dtype="Int16"), "value": None}
    )
    tables = {"events": ev, "load_profile": load_profile_frame("UC-7", "2026-09-01", "2026-10-14 23:45", 50)}
    with small_store(tmp_path / "home", [installation_row("UC-7")], tables) as store:
        yield store


def test_one_day_asked_gives_the_whole_month_and_the_days_interruptions(september_store: Store) -> None:
    """Audit item 1: a day is never compared with the monthly limits on its own.

    September (limits of the default table, urbana BT: DICp 8 h, FICp 5, DMICp 4 h):
    DIC = 5 + 4 + 0,8 = 9,8 h; FIC = 3; DMIC = 5 h.
    EUSD: 30 days x 96 x 50 Wh = 144 kWh x 449,25/1000 = R$ 64,692; factor 64,692/730 x 15 = 1,329288 R$/h.
    DIC (9,8 - 8) x 1,329288 = 2,3927 > DMIC (5 - 4) x 1,329288 = 1,3293 -> DIC, R$ 2,39.
    (Before the fix the day alone gave DIC 0,8 h, nothing violated, R$ 0.)
    The day asked (19/09): 1 interruption, 14:00 to 14:48, 0,8 h.
    """
    ctx = ToolContext(september_store, Scope.customer("UC-7"), today=dt.date(2026, 10, 15))
    res = run_tool(
        "continuity_indicators", ctx, "UC-7", {"period": {"start": "2026-09-19", "end": "2026-09-19"}}
    )
    v = res.value
    (m,) = v.months
    assert (m.month, m.complete) == ("2026-09", True)
    assert (m.dic_h, m.fic, m.dmic_h) == (Decimal("9.8"), 3, Decimal(5))
    assert m.violated == ("DIC", "DMIC")
    assert m.eusd_medio_rs == Decimal("64.692")
    assert (m.chosen, m.compensation_rs) == ("DIC", Decimal("2.39"))
    assert v.total_compensation_rs == Decimal("2.39")
    assert (v.months_start, v.months_end) == (dt.date(2026, 9, 1), dt.date(2026, 9, 30))
    # the day asked, listed on its own
    assert (v.asked_start, v.asked_end, v.asked_count, v.asked_hours) == (
        dt.date(2026, 9, 19),
        dt.date(2026, 9, 19),
        1,
        Decimal("0.8"),
    )
    (i,) = v.interruptions
    assert (i.start, i.end, i.minutes, i.hours) == (
        dt.datetime(2026, 9, 19, 14),
        dt.datetime(2026, 9, 19, 14, 48),
        Decimal(48),
        Decimal("0.8"),
    )


def test_month_in_progress_stops_yesterday(september_store: Store) -> None:
    """Asked for 10/10 with data up to 14/10: October is counted from 01/10 to 14/10 (partial)."""
    ctx = ToolContext(september_store, Scope.customer("UC-7"), today=dt.date(2026, 10, 15))
    res = run_tool(
        "continuity_indicators", ctx, "UC-7", {"period": {"start": "2026-10-10", "end": "2026-10-10"}}
    )
    (m,) = res.value.months
    assert (m.month, m.complete, m.fic) == ("2026-10", False, 0)
    assert (res.value.months_start, res.value.months_end) == (dt.date(2026, 10, 1), dt.date(2026, 10, 14))
    assert res.value.interruptions == ()
