"""consumption_profile (pure): shape, base load percentile, night share, weekday/weekend, anomalies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from tools.domain import profile as prof
from tools.errors import InsufficientData
from tools.types import Period


def frame(start: str, days: int, watts: Callable[[pd.Timestamp], float], interval: int = 15) -> pd.DataFrame:
    """Readings whose mean power is ``watts(ts)`` (Wh = W * interval / 60, exact for these inputs)."""
    ts = pd.date_range(start, periods=days * 1440 // interval, freq=f"{interval}min")
    wh = np.array([watts(t) * interval / 60 for t in ts])
    return pd.DataFrame(
        {"ts": ts, "interval_min": interval, "import_wh": wh.round().astype(int), "export_wh": 0}
    )


def test_shape_base_peak_and_night_share_hand_worked() -> None:
    # 100 W all day, +1000 W from 19:00 to 20:00: 3.4 kWh/day
    df = frame("2026-11-02", 7, lambda t: 100 + (1000 if t.hour == 19 else 0))
    r = prof.compute_profile(df, Period(dt.date(2026, 11, 2), dt.date(2026, 11, 8)))
    v = r.value
    assert v.base_load_w == 100.0
    assert v.base_load_kwh_day == Decimal("2.400")
    assert v.peak_hour == 19 and v.peak_hours == (19,)  # only hours above the mean count as peaks
    assert v.peak_hour_w == 1100.0
    assert v.peak_to_base == 11.0
    assert v.night_share == pytest.approx(600 / 3400, abs=1e-4)  # 6 h x 100 W of 3.4 kWh
    assert v.weekday_kwh_day == Decimal("3.400") and v.weekend_vs_weekday == 0.0
    assert v.hourly[19].mean_w == 1100.0 and v.hourly[3].mean_w == 100.0
    assert r.trail[0].key == "consumption.step.base_load"


def test_base_load_is_the_10th_percentile_not_the_minimum() -> None:
    # one night: 20 quarter-hours in [00:00, 05:00), two of them at 0 W, the rest at 100 W.
    # numpy linear percentile: rank 0.1 * 19 = 1.9 -> 0 + 0.9 * (100 - 0) = 90 W
    def watts(t: pd.Timestamp) -> float:
        if t.hour == 2 and t.minute in (0, 15):
            return 0.0
        return 100.0

    df = frame("2026-11-02", 3, watts)
    one_night = df[df["ts"] < "2026-11-03"]
    assert prof.base_load_w(prof.prepare(one_night)) == pytest.approx(90.0)
    # over 3 nights (60 values, 6 at 0 W): rank 5.9 -> 0.9 * 100 = 90 W as well
    assert prof.base_load_w(prof.prepare(df)) == pytest.approx(90.0)


def test_weekends_and_holidays() -> None:
    # weekdays 100 W (2.4 kWh/day), Saturdays and Sundays 200 W (4.8 kWh/day); 2026-11-02 is a Monday
    df = frame("2026-11-02", 14, lambda t: 200.0 if t.dayofweek >= 5 else 100.0, interval=60)
    period = Period(dt.date(2026, 11, 2), dt.date(2026, 11, 15))
    v = prof.compute_profile(df, period).value
    assert v.weekday_kwh_day == Decimal("2.400") and v.weekend_kwh_day == Decimal("4.800")
    assert v.weekend_vs_weekday == 1.0
    assert v.hourly[10].weekday_w == 100.0 and v.hourly[10].weekend_w == 200.0
    # a weekday holiday (2026-11-02, Finados) counts with the weekend days: (4 x 4.8 + 2.4) / 5
    v2 = prof.compute_profile(df, period, holidays={dt.date(2026, 11, 2)}).value
    assert v2.weekend_kwh_day == Decimal("4.320") and v2.weekday_kwh_day == Decimal("2.400")


def test_base_load_rise_anomaly_with_since_date() -> None:
    # 80 W at night for 34 nights, then 200 W from 2026-11-20 (last 6 nights)
    def watts(t: pd.Timestamp) -> float:
        return 200.0 if t >= pd.Timestamp("2026-11-20") else 80.0

    df = frame("2026-10-20", 37, watts)  # to 2026-11-25
    period = Period(dt.date(2026, 10, 27), dt.date(2026, 11, 25))
    r = prof.compute_profile(df, period, history=df)
    rise = [a for a in r.value.anomalies if a.code == prof.ANOMALY_BASE_RISE]
    assert len(rise) == 1
    assert rise[0].day == dt.date(2026, 11, 20)
    assert (
        rise[0].data["before_w"] == 80.0
        and rise[0].data["after_w"] == 200.0
        and rise[0].data["rise_w"] == 120.0
    )


def test_small_rise_is_not_an_anomaly() -> None:
    df = frame("2026-10-20", 37, lambda t: 110.0 if t >= pd.Timestamp("2026-11-20") else 80.0)  # +30 W < 40 W
    r = prof.compute_profile(df, Period(dt.date(2026, 10, 27), dt.date(2026, 11, 25)), history=df)
    assert not [a for a in r.value.anomalies if a.code == prof.ANOMALY_BASE_RISE]


def test_unusual_day_high() -> None:
    # days at 100/104/108 W (2.4/2.496/2.592 kWh: a small wobble so the MAD is not 0);
    # 18 Nov (18 % 3 == 0 -> 100 W) tripled: 7.2 kWh against a median of 2.496 kWh
    def watts(t: pd.Timestamp) -> float:
        base = 100.0 + 4.0 * (t.day % 3)
        return base * 3 if t.date() == dt.date(2026, 11, 18) else base

    df = frame("2026-11-01", 25, watts)
    period = Period(dt.date(2026, 11, 10), dt.date(2026, 11, 25))
    r = prof.compute_profile(df, period, history=df)
    highs = [a for a in r.value.anomalies if a.code == prof.ANOMALY_DAY_HIGH]
    assert [a.day for a in highs] == [dt.date(2026, 11, 18)]
    assert highs[0].data["kwh"] == 7.2
    assert highs[0].data["typical_kwh"] == 2.496


def test_short_history_is_a_warning() -> None:
    df = frame("2026-11-20", 6, lambda t: 100.0)
    r = prof.compute_profile(df, Period(dt.date(2026, 11, 20), dt.date(2026, 11, 25)), history=df)
    issue = next(i for i in r.issues if i.code == prof.ISSUE_SHORT_HISTORY)
    assert issue.data == {"nights": 1, "min_nights": 7}


def test_too_few_days_is_disqualifying() -> None:
    df = frame("2026-11-24", 2, lambda t: 100.0)
    with pytest.raises(InsufficientData) as exc:
        prof.compute_profile(df, Period(dt.date(2026, 10, 27), dt.date(2026, 11, 25)))
    codes = [i["code"] for i in exc.value.context["issues"]]
    assert codes == ["issue.data.insufficient_days"]


# ----------------------------------------------------------------------------- demo fleet (integration)


def test_demo_flat_profile_home_has_a_low_peak_to_base_ratio(demo_home, demo_store) -> None:  # type: ignore[no-untyped-def]
    from tools.api import Scope, ToolContext, run_tool
    from tools.api.admin import demo_metadata

    scen = demo_metadata(demo_home)["scenarios"]
    today = dt.date(2026, 11, 26)

    def ratio(iid: str) -> float:
        ctx = ToolContext(store=demo_store, scope=Scope.customer(iid), today=today)
        r = run_tool("consumption_profile", ctx, iid, {})
        assert r.value.peak_to_base is not None
        return r.value.peak_to_base

    flat = ratio(scen["flat_profile"][0])
    shower = ratio(scen["shower_heavy"][0])
    demo = ratio(scen["demo"][0])
    assert flat < 2.0  # almost all of it is always-on load
    assert shower > 5 * flat and demo > 5 * flat
