"""appliance_breakdown (pure): crafted days with known showers, AC blocks and solar export."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from tools.domain import appliances as appl
from tools.errors import InsufficientData
from tools.types import Period

WEEK = Period(dt.date(2026, 11, 2), dt.date(2026, 11, 8))  # Monday to Sunday


def crafted(
    start: str,
    days: int,
    base_w: float,
    interval: int = 15,
    blocks: Sequence[tuple[int, int, float, float]] = (),
    every: int = 1,
    export_w: float = 0.0,
) -> pd.DataFrame:
    """Readings: constant ``base_w`` plus loads ``(hour, minute, kW, minutes)`` on every ``every``-th day.

    Each load's energy is split exactly over the intervals it overlaps, so the ground truth is
    known: ``kW * minutes / 60`` kWh per use.
    """
    n = days * 1440 // interval
    ts = pd.date_range(start, periods=n, freq=f"{interval}min")
    wh = np.full(n, base_w * interval / 60.0)
    start_ts = pd.Timestamp(start)
    for day in range(0, days, every):
        d0 = start_ts + pd.Timedelta(days=day)
        for hour, minute, kw, minutes in blocks:
            a = d0 + pd.Timedelta(hours=hour, minutes=minute)
            b = a + pd.Timedelta(minutes=minutes)
            i0 = int((a - start_ts) / pd.Timedelta(minutes=interval))
            i1 = int(np.ceil((b - start_ts) / pd.Timedelta(minutes=interval)))
            for i in range(max(i0, 0), min(i1, n)):
                lo = max(a, ts[i])
                hi = min(b, ts[i] + pd.Timedelta(minutes=interval))
                wh[i] += kw * 1000 * (hi - lo).total_seconds() / 3600
    exp = np.zeros(n)
    if export_w:
        sunny = (ts.hour >= 10) & (ts.hour < 14)
        exp[sunny] = export_w * interval / 60.0
    return pd.DataFrame(
        {
            "ts": ts,
            "interval_min": interval,
            "import_wh": wh.round().astype(int),
            "export_wh": exp.round().astype(int),
        }
    )


SHOWERS = ((7, 0, 5.5, 10), (19, 0, 5.5, 10))  # 5.5 kW for 10 min at 07:00 and 19:00
SHOWER_KWH_PER_DAY = 2 * 5.5 * 10 / 60  # 1.8333 kWh


@pytest.mark.parametrize("interval", [5, 15, 60])
def test_two_daily_showers_are_found_and_the_range_holds_the_truth(interval: int) -> None:
    df = crafted("2026-11-02", 7, base_w=60, interval=interval, blocks=SHOWERS)
    r = appl.breakdown(df, WEEK)
    sh = r.value.shower
    truth = 7 * SHOWER_KWH_PER_DAY  # 12.833 kWh
    assert sh.detected and sh.events == 14
    assert float(sh.kwh_low) <= truth <= float(sh.kwh_high)
    assert float(sh.kwh_mid) == pytest.approx(truth, rel=0.02)
    assert r.value.top_appliance == "shower"
    assert r.value.is_estimate and sh.is_estimate
    assert (sh.confidence == "low") is (interval == 60)
    # honest ranges: 15-min data -20 % / +30 %; hourly data is wider
    lo, hi = appl.SHOWER_BAND[interval]
    assert float(sh.kwh_low) == pytest.approx(float(sh.kwh_mid) * (1 - lo), abs=0.002)
    assert float(sh.kwh_high) == pytest.approx(float(sh.kwh_mid) * (1 + hi), abs=0.002)
    if interval == 60:
        assert any(i.code == appl.ISSUE_HOURLY for i in r.issues)


def test_shower_split_across_two_quarter_hours_is_one_event() -> None:
    df = crafted("2026-11-02", 7, base_w=60, blocks=((7, 10, 5.5, 10),))  # 07:10-07:20
    sh = appl.breakdown(df, WEEK).value.shower
    assert sh.events == 7
    assert float(sh.kwh_mid) == pytest.approx(7 * 5.5 * 10 / 60, rel=0.02)


def test_spike_at_lunch_time_is_not_a_shower() -> None:
    df = crafted("2026-11-02", 7, base_w=60, blocks=((12, 30, 5.5, 10),))  # lunch time: oven, iron...
    v = appl.breakdown(df, WEEK).value
    assert v.shower.events == 0 and v.shower.kwh_mid == Decimal("0.000")
    assert float(v.other.kwh_mid) == pytest.approx(7 * 5.5 * 10 / 60, rel=0.05)  # lands in "other"


def test_breakdown_partitions_the_measured_total() -> None:
    df = crafted("2026-11-02", 7, base_w=160, blocks=SHOWERS)
    v = appl.breakdown(df, WEEK).value
    imports = [i for i in v.items if i.direction == "import"]
    assert sum(i.kwh_mid for i in imports) == pytest.approx(v.total_kwh, abs=Decimal("0.005"))
    for i in imports:
        assert i.kwh_low <= i.kwh_mid <= i.kwh_high
    # flat night at 160 W: fridge mid 42 W sits inside the floor, standby = 160 - 42 = 118 W
    hours = 7 * 24
    assert float(v.standby.kwh_mid) == pytest.approx(118 * hours / 1000, abs=0.01)
    assert float(v.refrigeration.kwh_mid) == pytest.approx(42 * hours / 1000, abs=0.01)
    assert float(v.refrigeration.kwh_high) == pytest.approx(70 * hours / 1000, abs=0.01)


def test_air_conditioning_blocks_every_other_night() -> None:
    # 1.2 kW from 22:00 to 02:00 every other day (7 of 14 nights): 7 x 4.8 = 33.6 kWh
    df = crafted("2026-11-02", 14, base_w=120, blocks=((22, 0, 1.2, 240),), every=2)
    r = appl.breakdown(df, Period(dt.date(2026, 11, 2), dt.date(2026, 11, 15)))
    ac = r.value.air_conditioning
    assert ac.detected
    assert float(ac.kwh_low) <= 33.6 <= float(ac.kwh_high)
    assert float(ac.kwh_mid) == pytest.approx(33.6, rel=0.05)
    assert r.value.shower.events == 0
    assert r.value.top_appliance == "air_conditioning"


def test_same_blocks_in_july_are_not_called_air_conditioning() -> None:
    df = crafted("2026-07-06", 14, base_w=120, blocks=((22, 0, 1.2, 240),), every=2)
    v = appl.breakdown(df, Period(dt.date(2026, 7, 6), dt.date(2026, 7, 19))).value
    assert v.air_conditioning.kwh_mid == Decimal("0.000")


def test_solar_export_is_measured_not_estimated() -> None:
    # 500 W exported 10:00-14:00 each day: 2 kWh/day, 14 kWh in the week
    df = crafted("2026-11-02", 7, base_w=100, blocks=SHOWERS, export_w=500)
    r = appl.breakdown(df, WEEK, has_gd=True)
    sol = r.value.solar_export
    assert sol is not None and sol.kwh_mid == Decimal("14.000") and sol.kwh_low == sol.kwh_high == sol.kwh_mid
    assert sol.confidence == "measured" and not sol.is_estimate and sol.direction == "export"
    assert sol.share_mid == 0.0
    assert any(i.code == appl.ISSUE_SOLAR_MASK for i in r.issues)


def test_less_than_seven_days_of_data_is_disqualifying() -> None:
    df = crafted("2026-11-20", 5, base_w=100, blocks=SHOWERS)
    with pytest.raises(InsufficientData):
        appl.breakdown(df, Period(dt.date(2026, 10, 27), dt.date(2026, 11, 25)))


def test_coarser_than_hourly_is_disqualifying() -> None:
    df = crafted("2026-11-02", 7, base_w=100, interval=120)
    with pytest.raises(InsufficientData) as exc:
        appl.breakdown(df, WEEK)
    assert exc.value.context["issues"][0]["code"] == appl.ISSUE_COARSE


# ----------------------------------------------------------------------------- demo fleet (integration)

DEMO_TODAY = dt.date(2026, 11, 26)


def _demo_run(demo_home, demo_store, scenario: str, args: dict[str, object]):  # type: ignore[no-untyped-def]
    from tools.api import Scope, ToolContext, run_tool
    from tools.api.admin import demo_metadata

    iid = demo_metadata(demo_home)["scenarios"][scenario][0]
    ctx = ToolContext(store=demo_store, scope=Scope.customer(iid), today=DEMO_TODAY)
    return run_tool("appliance_breakdown", ctx, iid, args)


def test_demo_shower_heavy_home_top_appliance_is_the_shower(demo_home, demo_store) -> None:  # type: ignore[no-untyped-def]
    r = _demo_run(demo_home, demo_store, "shower_heavy", {"appliance": "chuveiro"})
    v = r.value
    assert v.requested == "shower" and v.top_appliance == "shower"
    assert v.shower.events >= 60  # 5 people, 30 days
    assert v.shower.share_mid > 0.25
    assert v.shower.kwh_low < v.shower.kwh_mid < v.shower.kwh_high


def test_demo_ac_heavy_home_in_january(demo_home, demo_store) -> None:  # type: ignore[no-untyped-def]
    r = _demo_run(demo_home, demo_store, "ac_heavy", {"period": "2026-01"})
    v = r.value
    assert v.top_appliance == "air_conditioning" and v.air_conditioning.detected
    assert v.air_conditioning.share_mid > 0.4
    ac_step = next(s for s in r.trail if s.key == "consumption.step.air_conditioning")
    assert ac_step.inputs["cool_reference"] is True  # July 2026 used as the household routine


def test_demo_flat_profile_home_has_no_shower_or_ac(demo_home, demo_store) -> None:  # type: ignore[no-untyped-def]
    r = _demo_run(demo_home, demo_store, "flat_profile", {})
    v = r.value
    assert v.interval_min == 60 and v.top_appliance == "standby"
    assert v.shower.kwh_mid == 0 and v.air_conditioning.kwh_mid == 0
    assert any(i.code == appl.ISSUE_HOURLY for i in r.issues)


def test_always_on_loads_skip_intervals_masked_by_solar() -> None:
    # export 10:00-14:00 every day: those 4 h are left out of the always-on hours (7 x 20 h = 140 h)
    df = crafted("2026-11-02", 7, base_w=160, blocks=SHOWERS, export_w=500)
    v = appl.breakdown(df, WEEK, has_gd=True).value
    assert float(v.standby.kwh_mid) == pytest.approx((160 - 42) * 140 / 1000, abs=0.01)
    assert float(v.refrigeration.kwh_mid) == pytest.approx(42 * 140 / 1000, abs=0.01)


def test_shop_gets_no_shower_or_household_fridge() -> None:
    df = crafted("2026-11-02", 7, base_w=160, blocks=SHOWERS)
    r = appl.breakdown(df, WEEK, household=False)
    v = r.value
    assert v.shower.kwh_mid == 0 and v.refrigeration.kwh_mid == 0
    assert float(v.standby.kwh_mid) == pytest.approx(160 * 168 / 1000, abs=0.01)  # the whole floor
    assert any(i.code == appl.ISSUE_NOT_A_HOME for i in r.issues)
