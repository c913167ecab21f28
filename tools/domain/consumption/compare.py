"""Coverage-normalised comparisons: energy per covered day, a comparison window, similar homes
and the standard comparison periods (pure)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tools.domain.consumption.model import (
    FEW_SIMILAR_HOMES,
    ISSUE_COMPARISON_LOW_COVERAGE,
    ISSUE_COMPARISON_NO_DATA,
    ISSUE_FEW_SIMILAR_HOMES,
    KWH_Q,
    Comparison,
    PeerStats,
    SimilarHomes,
    WindowTotal,
    kwh,
)
from tools.domain.periods import add_months, month_bounds
from tools.domain.sufficiency import Thresholds
from tools.types import Issue, Period
from tools.units import d


def per_day(total: Decimal, covered_minutes: int) -> Decimal | None:
    """Coverage-normalised daily energy [kWh/day]."""
    if covered_minutes <= 0:
        return None
    return (total * 1440 / covered_minutes).quantize(KWH_Q)


def compare_window(
    this_total: Decimal, this_minutes: int, other: WindowTotal
) -> tuple[Comparison, list[Issue]]:
    """This period against one other window (per-day change, coverage-normalised)."""
    issues: list[Issue] = []
    if other.covered_minutes <= 0:
        issues.append(Issue(f"{ISSUE_COMPARISON_NO_DATA}.{other.basis}", "warning", {}))
        return Comparison(other.basis, other.period, None, None, 0.0, None, None), issues
    other_total = kwh(other.import_wh)
    cov = round(other.covered_minutes / (other.period.days * 1440), 4)
    if cov < Thresholds().warn_coverage:
        issues.append(
            Issue(
                f"{ISSUE_COMPARISON_LOW_COVERAGE}.{other.basis}",
                "warning",
                {"coverage_pct": round(100 * cov, 1)},
            )
        )
    other_pd = per_day(other_total, other.covered_minutes)
    change = None
    if (
        this_minutes > 0 and other_total > 0
    ):  # exact ratio of per-minute energies (no rounded per-day figures)
        change = round(float((this_total * other.covered_minutes) / (other_total * this_minutes)) - 1.0, 4)
    return Comparison(
        other.basis, other.period, other_total, other_pd, cov, this_total - other_total, change
    ), issues


def similar_homes(this_kwh_day: Decimal, stats: PeerStats | None) -> tuple[SimilarHomes | None, list[Issue]]:
    """This home's use [kWh/day] against similar homes (median and quartiles); None with a warning
    when fewer than ``FEW_SIMILAR_HOMES`` peers have enough data."""
    if stats is None or stats.peers < FEW_SIMILAR_HOMES or not stats.median_kwh_day:
        n = 0 if stats is None else stats.peers
        return None, [Issue(ISSUE_FEW_SIMILAR_HOMES, "warning", {"peers": n, "min_peers": FEW_SIMILAR_HOMES})]
    med = d(stats.median_kwh_day).quantize(KWH_Q)
    return (
        SimilarHomes(
            peers=stats.peers,
            median_kwh_day=med,
            p25_kwh_day=d(stats.p25_kwh_day or 0).quantize(KWH_Q),
            p75_kwh_day=d(stats.p75_kwh_day or 0).quantize(KWH_Q),
            this_kwh_day=this_kwh_day.quantize(KWH_Q),
            change_pct=round(float(this_kwh_day / d(stats.median_kwh_day)) - 1.0, 4),
            share_below=round(float(stats.share_below or 0.0), 4),
            customer_class=stats.customer_class,
            subgroup=stats.subgroup,
            phases=stats.phases,
        ),
        [],
    )


def comparison_periods(period: Period) -> dict[str, Period]:
    """Windows to compare ``period`` with.

    ``previous_period``: for a period inside one calendar month starting on the 1st (a month,
    or "this month so far"), the same days of the previous month; otherwise the same number
    of days just before. ``same_period_last_year``: the same dates one year earlier.
    """
    if period.start.day == 1 and (period.start.year, period.start.month) == (
        period.end.year,
        period.end.month,
    ):
        prev_first = add_months(period.start, -1)
        prev_last = month_bounds(prev_first.year, prev_first.month)[1]
        prev = Period(
            prev_first, prev_first.replace(day=min(period.end.day, prev_last.day)), "previous_period"
        )
    else:
        span = dt.timedelta(days=period.days)
        prev = Period(period.start - span, period.end - span, "previous_period")
    last_year = Period(add_months(period.start, -12), add_months(period.end, -12), "same_period_last_year")
    return {"previous_period": prev, "same_period_last_year": last_year}

