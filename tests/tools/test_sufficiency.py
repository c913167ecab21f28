"""Data-sufficiency checks: each issue code triggered by a crafted, hand-worked input."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from tools.domain import sufficiency as s
from tools.errors import InsufficientData

D0 = dt.datetime(2026, 11, 1)
D3 = dt.datetime(2026, 11, 4)


def quarter_hours(start: str, periods: int) -> pd.DatetimeIndex:
    return pd.date_range(start, periods=periods, freq="15min")


def test_gap_of_18_hours_gives_75_percent_coverage_and_a_gap_issue() -> None:
    ts = quarter_hours("2026-11-01", 96 * 3)
    ts = ts[(ts < "2026-11-02 06:00") | (ts >= "2026-11-03 00:00")]  # 72 readings missing = 18 h
    r = s.assess_intervals(ts, 15, D0, D3, thresholds=s.Thresholds(max_gap_hours=6))
    assert r.expected_minutes == 3 * 1440
    assert r.covered_minutes == 3 * 1440 - 18 * 60  # 3240
    assert r.coverage == pytest.approx(0.75)
    assert r.qualifying_days == 2  # 2 Nov has 6 h of 24 (25 %) < 75 %
    assert r.longest_gap_hours == 18.0
    codes = {i.code: i for i in r.issues}
    low = codes[s.LOW_COVERAGE]
    assert low.severity == "warning"
    assert low.data == {"coverage_pct": 75.0, "missing_pct": 25.0, "threshold_pct": 90.0}
    gap = codes[s.GAP_OVER_THRESHOLD]
    assert gap.data["gap_start"] == "2026-11-02T06:00:00"
    assert gap.data["gap_end"] == "2026-11-03T00:00:00"
    assert gap.data["gap_hours"] == 18.0
    assert not r.disqualified


def test_gap_below_threshold_is_not_reported() -> None:
    ts = quarter_hours("2026-11-01", 96 * 3)
    ts = ts[(ts < "2026-11-02 06:00") | (ts >= "2026-11-03 00:00")]
    r = s.assess_intervals(ts, 15, D0, D3)  # default 24 h
    assert s.GAP_OVER_THRESHOLD not in {i.code for i in r.issues}


def test_duplicates_count_once_and_last_interval_is_clipped_to_the_window() -> None:
    ts = list(quarter_hours("2026-11-01", 96)) * 2  # every reading twice
    r = s.assess_intervals(ts, 15, D0, D0 + dt.timedelta(days=1))
    assert r.intervals == 96 and r.covered_minutes == 1440 and r.issues == ()
    # an hourly reading at 23:00 in a window ending 23:30 covers 30 minutes only
    r2 = s.assess_intervals(
        [dt.datetime(2026, 11, 1, 23)], 60, dt.datetime(2026, 11, 1, 23), dt.datetime(2026, 11, 1, 23, 30)
    )
    assert r2.covered_minutes == 30 and r2.coverage == 1.0


def test_mixed_interval_lengths_are_measured_in_minutes() -> None:
    hourly = pd.date_range("2026-11-01", periods=12, freq="60min")  # 00:00-11:59 hourly
    quarter = pd.date_range("2026-11-01 12:00", periods=24, freq="15min")  # 12:00-17:59
    ts = list(hourly) + list(quarter)
    minutes = [60] * 12 + [15] * 24
    r = s.assess_intervals(ts, minutes, D0, D0 + dt.timedelta(days=1))
    assert r.covered_minutes == 12 * 60 + 24 * 15  # 1080 of 1440
    assert r.coverage == pytest.approx(0.75)
    assert r.longest_gap_hours == 6.0  # 18:00-24:00


@pytest.mark.parametrize(("flagged", "warn"), [(10, True), (4, False)])
def test_estimated_readings_over_5_percent(flagged: int, warn: bool) -> None:
    ts = quarter_hours("2026-11-01", 96)
    quality = [1] * flagged + [0] * (96 - flagged)
    r = s.assess_intervals(ts, 15, D0, D0 + dt.timedelta(days=1), quality=quality)
    issue = next((i for i in r.issues if i.code == s.ESTIMATED_READINGS), None)
    assert (issue is not None) is warn
    if issue:
        assert issue.data == {"estimated_intervals": 10, "estimated_pct": 10.4}  # 10/96


def test_interrupted_flag_is_not_counted_as_estimated() -> None:
    ts = quarter_hours("2026-11-01", 96)
    r = s.assess_intervals(ts, 15, D0, D0 + dt.timedelta(days=1), quality=[2] * 96)  # QUALITY_INTERRUPTED
    assert r.estimated_intervals == 0


def test_no_data_is_disqualifying_and_require_raises_with_issues() -> None:
    r = s.assess_intervals([], 15, D0, D3)
    assert r.disqualified
    assert r.issues[0].code == s.NO_DATA
    assert r.issues[0].data == {"start": "2026-11-01", "end": "2026-11-03"}
    with pytest.raises(InsufficientData) as exc:
        s.require(r, tool="x")
    assert exc.value.context["issues"][0]["code"] == s.NO_DATA
    assert exc.value.context["tool"] == "x"


def test_min_coverage_disqualifies() -> None:
    ts = quarter_hours("2026-11-01", 96)  # one day of three: 33.3 %
    r = s.assess_intervals(ts, 15, D0, D3, thresholds=s.Thresholds(min_coverage=0.5))
    issue = next(i for i in r.issues if i.code == s.INSUFFICIENT_COVERAGE)
    assert issue.severity == "disqualifying"
    assert issue.data == {"coverage_pct": 33.3, "min_coverage_pct": 50.0}


@pytest.mark.parametrize(("full_days", "ok"), [(269, False), (270, True)])
def test_opower_rule_270_days_with_75_percent(full_days: int, ok: bool) -> None:
    start = dt.date(2025, 11, 1)
    days = {start + dt.timedelta(days=i): 1440 for i in range(full_days)}
    # 20 more days with 70 % of readings do not qualify
    for i in range(full_days, full_days + 20):
        days[start + dt.timedelta(days=i)] = int(0.70 * 1440)
    end = start + dt.timedelta(days=full_days + 19)
    r = s.assess_daily(days, start, end, thresholds=s.Thresholds(min_days=270, day_min_coverage=0.75))
    assert r.qualifying_days == full_days
    assert r.disqualified is (not ok)
    if not ok:
        issue = next(i for i in r.issues if i.code == s.INSUFFICIENT_DAYS)
        assert issue.data == {"qualifying_days": 269, "min_days": 270, "day_min_coverage_pct": 75.0}


def test_assess_daily_finds_runs_of_empty_days() -> None:
    start, end = dt.date(2026, 11, 1), dt.date(2026, 11, 10)
    days = {start + dt.timedelta(days=i): 1440 for i in range(10) if i not in (3, 4, 5)}
    r = s.assess_daily(days, start, end)
    assert r.coverage == pytest.approx(0.7)
    assert [(g.start.date(), g.end.date()) for g in r.gaps] == [(dt.date(2026, 11, 4), dt.date(2026, 11, 7))]
    assert r.longest_gap_hours == 72.0
