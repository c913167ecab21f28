"""Data-completeness checks shared by every tool (eemeter-style sufficiency).

A tool first asks "is there enough data to answer honestly?". The answer is a
:class:`DataSufficiency` record with the measured coverage, gaps, estimated readings and
qualifying days, plus structured :class:`~tools.types.Issue` objects:

* ``warning`` — the tool answers, and says what is missing;
* ``disqualifying`` — the tool must not give a number (``tools.api`` raises
  :class:`~tools.errors.InsufficientData` via :func:`require`).

Coverage is measured in minutes: each reading covers ``interval_min`` minutes from its
timestamp (interval start), so meters that change interval length are handled, and
duplicates are counted once.

Issue codes (catalogue keys, texts in ``assistant/messages/pt_BR/consumption.toml``; shares in
the placeholders are percentages ``*_pct`` [%] so they read as "12,5%"):

=====================================  =============  ===================================================
code                                   severity       data (placeholders)
=====================================  =============  ===================================================
``issue.data.no_data``                 disqualifying  start, end (dates)
``issue.data.low_coverage``            warning        coverage_pct, missing_pct, threshold_pct
``issue.data.insufficient_coverage``   disqualifying  coverage_pct, min_coverage_pct
``issue.data.gap_over_threshold``      warning        gaps, gap_start, gap_end, gap_hours, max_gap_hours
``issue.data.estimated_readings``      warning        estimated_intervals, estimated_pct
``issue.data.insufficient_days``       disqualifying  qualifying_days, min_days, day_min_coverage_pct
=====================================  =============  ===================================================

References
----------
Opower / eemeter practice: no answer without enough data (e.g. the Tarifa Branca
comparison needs at least 270 days with at least 75 % of their readings:
``Thresholds(min_days=270, day_min_coverage=0.75)``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tools.errors import InsufficientData
from tools.types import Issue, to_jsonable

NO_DATA = "issue.data.no_data"
LOW_COVERAGE = "issue.data.low_coverage"
INSUFFICIENT_COVERAGE = "issue.data.insufficient_coverage"
GAP_OVER_THRESHOLD = "issue.data.gap_over_threshold"
ESTIMATED_READINGS = "issue.data.estimated_readings"
INSUFFICIENT_DAYS = "issue.data.insufficient_days"

#: quality flag bit for an estimated reading (tools.data.schema.QUALITY_ESTIMATED)
QUALITY_ESTIMATED_BIT = 1

_MIN_PER_DAY = 1440


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Limits for the checks (fractions are 0..1).

    warn_coverage: below this share of the expected minutes → warning.
    min_coverage: below this share → disqualifying (0 = never).
    max_gap_hours: a run of missing readings longer than this → warning.
    max_estimated_share: more estimated readings than this share → warning.
    min_days: fewer qualifying days than this → disqualifying (0 = no rule).
    day_min_coverage: a day qualifies when it has at least this share of its minutes.
    """

    warn_coverage: float = 0.90
    min_coverage: float = 0.0
    max_gap_hours: float = 24.0
    max_estimated_share: float = 0.05
    min_days: int = 0
    day_min_coverage: float = 0.75


@dataclass(frozen=True, slots=True)
class Gap:
    """Missing readings from ``start`` (inclusive) to ``end`` (exclusive)."""

    start: dt.datetime
    end: dt.datetime

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600.0


@dataclass(frozen=True, slots=True)
class DataSufficiency:
    """What data there is for a window ``[start, end)`` and the issues it raises."""

    start: dt.datetime
    end: dt.datetime
    expected_minutes: int
    covered_minutes: int
    intervals: int
    estimated_intervals: int
    days: int
    qualifying_days: int
    longest_gap_hours: float
    gaps: tuple[Gap, ...]  # gaps longer than the threshold, longest first
    issues: tuple[Issue, ...]

    @property
    def coverage(self) -> float:
        """Share of the window's minutes covered by readings [0..1]."""
        return self.covered_minutes / self.expected_minutes if self.expected_minutes else 0.0

    @property
    def estimated_share(self) -> float:
        return self.estimated_intervals / self.intervals if self.intervals else 0.0

    @property
    def disqualified(self) -> bool:
        return any(i.severity == "disqualifying" for i in self.issues)


def _window_minutes(start: dt.datetime, end: dt.datetime) -> int:
    return int((end - start).total_seconds() // 60)


def assess_intervals(
    ts: Sequence[dt.datetime] | pd.Series | pd.DatetimeIndex | np.ndarray,
    interval_min: int | Sequence[int] | pd.Series | np.ndarray,
    start: dt.datetime,
    end: dt.datetime,
    *,
    quality: Sequence[int] | pd.Series | np.ndarray | None = None,
    thresholds: Thresholds = Thresholds(),
) -> DataSufficiency:
    """Check interval readings against the window ``[start, end)``.

    Parameters
    ----------
    ts : interval start times (local, naive) of the readings.
    interval_min : interval length [min], scalar or one per reading.
    start, end : the window (``end`` exclusive), e.g. ``Period.start_ts()`` / ``end_ts_exclusive()``.
    quality : optional quality flags per reading (bit 1 = estimated).
    thresholds : limits for the issues.
    """
    stamps = pd.Series(
        pd.to_datetime(pd.Series(list(ts) if not isinstance(ts, pd.Series) else ts)), dtype="datetime64[us]"
    )
    # numpy from here on: int64 microseconds, one reading per timestamp, sorted
    t_all = stamps.to_numpy()
    n = len(t_all)
    minutes_all = (
        np.broadcast_to(np.asarray(interval_min, dtype="int64"), (n,)) if n else np.zeros(0, "int64")
    )
    flags = np.asarray(quality, dtype="int64") if quality is not None and n else np.zeros(n, "int64")
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    lo64, hi64 = lo.as_unit("us").to_datetime64(), hi.as_unit("us").to_datetime64()
    inside = (t_all >= lo64) & (t_all < hi64)
    t = t_all[inside]
    minutes = minutes_all[inside]
    estimated = (flags[inside] & QUALITY_ESTIMATED_BIT) > 0
    if len(t) > 1 and not bool((t[1:] > t[:-1]).all()):  # first reading of each ts, sorted
        t, first = np.unique(t, return_index=True)
        minutes, estimated = minutes[first], estimated[first]
    t_us = t.view("int64")
    lo_us, hi_us = int(lo64.view("int64")), int(hi64.view("int64"))
    ends_us = np.minimum(t_us + minutes * 60_000_000, hi_us)
    # covered minutes per reading, as ``timedelta.total_seconds() // 60``
    span_min = (ends_us - t_us) / 1_000_000 // 60
    covered = int(span_min.sum()) if len(t) else 0

    gaps: list[Gap] = []
    if len(t):
        prev_end = np.concatenate(([lo_us], ends_us))
        next_start = np.concatenate((t_us, [hi_us]))
        at = np.flatnonzero(next_start > prev_end)
        if len(at):
            a_dt = prev_end[at].astype("datetime64[us]").tolist()
            b_dt = next_start[at].astype("datetime64[us]").tolist()
            gaps = [Gap(a, b) for a, b in zip(a_dt, b_dt, strict=True)]
    else:
        gaps.append(Gap(start, end))

    # covered minutes per calendar day (readings are sorted, so each day is one run)
    day = t_us // 86_400_000_000
    if len(day):
        heads = np.flatnonzero(np.concatenate(([True], day[1:] != day[:-1])))
        per_day = np.add.reduceat(span_min, heads)
        day_minutes = {int(d): int(m) for d, m in zip(day[heads], per_day, strict=True)}
    else:
        day_minutes = {}
    return _finish(
        start,
        end,
        covered=covered,
        intervals=len(t),
        estimated=int(estimated.sum()) if len(t) else 0,
        day_minutes=day_minutes,
        gaps=gaps,
        thresholds=thresholds,
    )


def assess_daily(
    day_minutes: dict[dt.date, int],
    start: dt.date,
    end: dt.date,
    *,
    intervals: int | None = None,
    estimated_intervals: int = 0,
    thresholds: Thresholds = Thresholds(),
) -> DataSufficiency:
    """Check per-day covered minutes (e.g. aggregated in SQL) for the closed date range.

    Gaps are only known at day resolution here: runs of days without any reading.
    ``intervals`` is the number of readings (default: covered minutes / 15), used for the
    estimated-readings share.
    """
    lo = dt.datetime.combine(start, dt.time())
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
    gaps: list[Gap] = []
    run_start: dt.date | None = None
    day = start
    while day <= end + dt.timedelta(days=1):
        empty = day <= end and day_minutes.get(day, 0) == 0
        if empty and run_start is None:
            run_start = day
        if not empty and run_start is not None:
            gaps.append(Gap(dt.datetime.combine(run_start, dt.time()), dt.datetime.combine(day, dt.time())))
            run_start = None
        day += dt.timedelta(days=1)
    covered = sum(min(m, _MIN_PER_DAY) for d, m in day_minutes.items() if start <= d <= end)
    return _finish(
        lo,
        hi,
        covered=covered,
        intervals=intervals if intervals is not None else covered // 15,
        estimated=estimated_intervals,
        day_minutes={d: m for d, m in day_minutes.items() if start <= d <= end},
        gaps=gaps,
        thresholds=thresholds,
    )


def _finish(
    start: dt.datetime,
    end: dt.datetime,
    *,
    covered: int,
    intervals: int,
    estimated: int,
    day_minutes: Mapping[Any, int],
    gaps: list[Gap],
    thresholds: Thresholds,
) -> DataSufficiency:
    expected = _window_minutes(start, end)
    days = math.ceil((end - start).total_seconds() / 86400)
    qualifying = sum(1 for m in day_minutes.values() if m >= thresholds.day_min_coverage * _MIN_PER_DAY)
    long_gaps = sorted((g for g in gaps if g.hours > thresholds.max_gap_hours), key=lambda g: -g.hours)
    longest = max((g.hours for g in gaps), default=0.0)
    coverage = covered / expected if expected else 0.0
    issues: list[Issue] = []
    if intervals == 0:
        last_day = (end - dt.timedelta(minutes=1)).date()
        issues.append(
            Issue(NO_DATA, "disqualifying", {"start": start.date().isoformat(), "end": last_day.isoformat()})
        )
    elif coverage < thresholds.min_coverage:
        issues.append(
            Issue(
                INSUFFICIENT_COVERAGE,
                "disqualifying",
                {"coverage_pct": _pct(coverage), "min_coverage_pct": _pct(thresholds.min_coverage)},
            )
        )
    elif coverage < thresholds.warn_coverage:
        issues.append(
            Issue(
                LOW_COVERAGE,
                "warning",
                {
                    "coverage_pct": _pct(coverage),
                    "missing_pct": _pct(1 - coverage),
                    "threshold_pct": _pct(thresholds.warn_coverage),
                },
            )
        )
    if intervals and thresholds.min_days and qualifying < thresholds.min_days:
        issues.append(
            Issue(
                INSUFFICIENT_DAYS,
                "disqualifying",
                {
                    "qualifying_days": qualifying,
                    "min_days": thresholds.min_days,
                    "day_min_coverage_pct": _pct(thresholds.day_min_coverage),
                },
            )
        )
    if intervals and long_gaps:
        g = long_gaps[0]
        issues.append(
            Issue(
                GAP_OVER_THRESHOLD,
                "warning",
                {
                    "gaps": len(long_gaps),
                    "gap_start": g.start.isoformat(),
                    "gap_end": g.end.isoformat(),
                    "gap_hours": round(g.hours, 2),
                    "max_gap_hours": thresholds.max_gap_hours,
                },
            )
        )
    if intervals and estimated / intervals > thresholds.max_estimated_share:
        issues.append(
            Issue(
                ESTIMATED_READINGS,
                "warning",
                {"estimated_intervals": estimated, "estimated_pct": _pct(estimated / intervals)},
            )
        )
    return DataSufficiency(
        start=start,
        end=end,
        expected_minutes=expected,
        covered_minutes=covered,
        intervals=intervals,
        estimated_intervals=estimated,
        days=days,
        qualifying_days=qualifying,
        longest_gap_hours=round(longest, 4),
        gaps=tuple(long_gaps),
        issues=tuple(issues),
    )


def _pct(x: float) -> float:
    """Fraction → percent with one decimal (issue placeholders are shown as "12,5%")."""
    return round(100.0 * x, 1)


def require(suff: DataSufficiency, **context: object) -> None:
    """Raise :class:`InsufficientData` when ``suff`` has a disqualifying issue.

    The error context carries the issues (JSON-ready) so the caller can say what is missing.
    """
    if suff.disqualified:
        raise InsufficientData(
            "insufficient data",
            issues=[to_jsonable(i) for i in suff.issues if i.severity == "disqualifying"],
            coverage=round(suff.coverage, 4),
            qualifying_days=suff.qualifying_days,
            **context,
        )
