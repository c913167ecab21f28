"""The consumption summary of a period: kWh per posto, the comparisons and the trail (pure)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal

import numpy as np
import pandas as pd

from tools.domain.consumption.compare import (
    compare_window,
    per_day,
    similar_homes,
)
from tools.domain.consumption.frames import (
    daily_points,
    month_totals,
    prepare,
    sums_by_key,
)
from tools.domain.consumption.model import (
    ISSUE_COST_ENERGY_ONLY,
    ISSUE_NET_OF_SOLAR,
    ISSUE_POSTO_UNAVAILABLE,
    KWH_Q,
    REQUESTED_PERIOD,
    Comparison,
    ConsumptionSummary,
    PeerStats,
    PostoKwh,
    WindowTotal,
    kwh,
)
from tools.domain.sufficiency import DataSufficiency, Thresholds, assess_intervals
from tools.errors import NoData
from tools.types import Issue, Period, Step, ToolResult, TrailRef
from tools.units import d, money


def by_posto(df: pd.DataFrame, classify: Callable[[pd.Series], Sequence[str]]) -> tuple[PostoKwh, ...]:
    """Imported kWh per tariff posto; ``classify`` maps interval starts to posto names.

    Intervals of 5, 15 and 60 minutes starting on the hour grid never cross a posto
    boundary (postos change on full hours), so no proportional split is needed.
    """
    if df.empty:
        return ()
    raw = classify(df["ts"])
    if set(map(type, raw)) != {str}:  # enums (their value) or other objects (their text)
        raw = [str(getattr(p, "value", p)) for p in raw]
    postos, (whs,) = sums_by_key(np.asarray(raw, dtype=object), df["import_wh"].to_numpy())
    total = float(whs.sum()) or 1.0
    order = {"ponta": 0, "intermediario": 1, "fora_ponta": 2}
    return tuple(
        PostoKwh(str(p), kwh(wh), round(float(wh) / total, 4))
        for p, wh in sorted(zip(postos, whs, strict=True), key=lambda kv: order.get(str(kv[0]), 9))
    )


def summarize(
    intervals: pd.DataFrame,
    period: Period,
    *,
    windows: Sequence[WindowTotal] = (),
    peers: PeerStats | None = None,
    compare: str = "previous_period",
    posto_of: Callable[[pd.Series], Sequence[str]] | None = None,
    posto_refs: Sequence[TrailRef] = (),
    has_gd: bool = False,
    cost: tuple[Decimal, Sequence[Step]] | None = None,
    cost_issue: Issue | None = None,
    thresholds: Thresholds = Thresholds(),
    sql: Mapping[str, str] | None = None,
) -> ToolResult[ConsumptionSummary]:
    """Summarise the consumption of one installation in ``period``.

    Parameters
    ----------
    intervals : readings (ts, interval_min, import_wh [Wh], export_wh [Wh], quality).
    period : the closed date interval asked for.
    windows : comparison windows (previous period, same period last year) from SQL.
    peers : similar-homes statistics from SQL.
    compare : which comparison is the headline (``primary_comparison``).
    posto_of : vectorised ``ts series -> posto names`` (tools.domain.calendar) or None.
    posto_refs : where the posto windows come from (status confirmed/unconfirmed/reference).
    has_gd : the installation has distributed generation (import is net of self-use).
    cost : optional (R$ estimate, its trail steps) from the billing helper.
    sql : ``{"intervals": ..., "windows": ..., "peers": ...}`` queries for the trail.

    Raises
    ------
    NoData : no reading at all in the period.
    """
    sql = dict(sql or {})
    df = prepare(intervals, period)
    suff: DataSufficiency = assess_intervals(
        df["ts"],
        df["interval_min"],
        period.start_ts(),
        period.end_ts_exclusive(),
        quality=df["quality"],
        thresholds=thresholds,
    )
    if suff.intervals == 0:
        raise NoData("no readings in period", start=period.start.isoformat(), end=period.end.isoformat())
    issues: list[Issue] = list(suff.issues)
    steps: list[Step] = []

    import_wh = int(df["import_wh"].sum())
    export_wh = int(df["export_wh"].sum())
    total = kwh(import_wh)
    covered_days = suff.covered_minutes / 1440
    kpd = per_day(total, suff.covered_minutes) or Decimal(0)
    steps.append(
        Step(
            "consumption.step.total",
            {"intervals": suff.intervals, "import_wh": import_wh, "start": period.start, "end": period.end},
            "sum(import_wh) / 1000",
            total,
            "kWh",
            sql=sql.get("intervals", ""),
        )
    )
    steps.append(
        Step(
            "consumption.step.coverage",
            {"covered_minutes": suff.covered_minutes, "expected_minutes": suff.expected_minutes},
            "covered_minutes / expected_minutes",
            round(suff.coverage, 4),
            "fraction",
        )
    )
    steps.append(
        Step(
            "consumption.step.per_day",
            {"total_kwh": total, "covered_days": round(covered_days, 4)},
            "total_kwh / (covered_minutes / 1440)",
            kpd,
            "kWh/day",
        )
    )
    if export_wh or has_gd:
        steps.append(
            Step(
                "consumption.step.export",
                {"export_wh": export_wh},
                "sum(export_wh) / 1000",
                kwh(export_wh),
                "kWh",
            )
        )
    if has_gd:
        issues.append(Issue(ISSUE_NET_OF_SOLAR, "warning", {"export_kwh": kwh(export_wh)}))

    daily = daily_points(df, period)
    full_days = [p for p in daily if p.coverage >= thresholds.day_min_coverage]
    peak = max(full_days or list(daily), key=lambda p: p.kwh) if daily else None
    if peak is not None:
        steps.append(
            Step(
                "consumption.step.peak_day",
                {"day": peak.day, "days": len(daily)},
                "argmax(daily kWh)",
                peak.kwh,
                "kWh",
            )
        )

    months = month_totals(daily)
    peak_month = low_month = None
    if len(months) >= 2:
        # whole, well-read months first (the current month so far is not "the month of least kWh")
        well_read = [m for m in months if m.coverage >= thresholds.day_min_coverage]
        read = [m for m in well_read if m.whole] or well_read or list(months)
        peak_month = max(read, key=lambda m: m.kwh)
        low_month = min(read, key=lambda m: m.kwh)
        steps.append(
            Step(
                "consumption.step.peak_month",
                {"months": len(months), "months_compared": len(read), "min_coverage": thresholds.day_min_coverage},
                "argmax(monthly kWh) over whole months with coverage >= min_coverage",
                peak_month.kwh,
                "kWh",
            )
        )

    postos: tuple[PostoKwh, ...] = ()
    if posto_of is not None:
        postos = by_posto(df, posto_of)
        steps.append(
            Step(
                "consumption.step.by_posto",
                {p.posto: p.kwh for p in postos},
                "sum(import_wh) by posto(ts) / 1000",
                total,
                "kWh",
                tuple(posto_refs),
            )
        )
    else:
        issues.append(Issue(ISSUE_POSTO_UNAVAILABLE, "warning", {}))

    comparisons: list[Comparison] = []
    for w in windows:
        c, ci = compare_window(total, suff.covered_minutes, w)
        comparisons.append(c)
        issues.extend(ci)
        steps.append(
            Step(
                f"consumption.step.compare.{w.basis}",
                {
                    "start": w.period.start,
                    "end": w.period.end,
                    "this_kwh_day": kpd,
                    "other_kwh_day": c.kwh_per_day,
                },
                "this_kwh_day / other_kwh_day - 1",
                c.change_pct,
                "fraction",
                sql=sql.get("windows", ""),
            )
        )
    sim, si = similar_homes(total * 1440 / suff.covered_minutes, peers)
    issues.extend(si)
    if sim is not None:
        comparisons.append(
            Comparison(
                "similar_homes",
                None,
                (sim.median_kwh_day * period.days).quantize(KWH_Q),
                sim.median_kwh_day,
                None,
                total - (sim.median_kwh_day * d(covered_days)).quantize(KWH_Q),
                sim.change_pct,
            )
        )
        steps.append(
            Step(
                "consumption.step.similar_homes",
                {
                    "peers": sim.peers,
                    "median_kwh_day": sim.median_kwh_day,
                    "this_kwh_day": kpd,
                    "customer_class": sim.customer_class,
                    "subgroup": sim.subgroup,
                    "phases": sim.phases,
                },
                "this_kwh_day / median(peer kwh_day) - 1",
                sim.change_pct,
                "fraction",
                sql=sql.get("peers", ""),
            )
        )
    wanted = "same_period_last_year" if compare == "same_month_last_year" else compare
    primary = next((c for c in comparisons if c.basis == wanted), None)

    cost_brl: Decimal | None = None
    if cost is not None:
        exact, cost_steps = cost
        cost_brl = money(exact)
        steps.extend(cost_steps)
        steps.append(
            Step(
                "consumption.step.cost", {"exact_brl": exact}, "money(estimated energy cost)", cost_brl, "BRL"
            )
        )
        issues.append(Issue(ISSUE_COST_ENERGY_ONLY, "warning", {}))
    elif cost_issue is not None:
        issues.append(cost_issue)

    value = ConsumptionSummary(
        period=period,
        total_kwh=total,
        export_kwh=kwh(export_wh),
        kwh_per_day=kpd,
        days=period.days,
        covered_days=round(covered_days, 4),
        coverage=round(suff.coverage, 4),
        by_posto=postos,
        daily=daily,
        peak_day=peak,
        by_month=months,
        peak_month=peak_month,
        low_month=low_month,
        comparisons=tuple(comparisons),
        primary_comparison=primary,
        similar_homes=sim,
        estimated_cost_brl=cost_brl,
        vs_previous_pct=_change_of(comparisons, "previous_period"),
        vs_last_year_pct=_change_of(comparisons, "same_period_last_year"),
        vs_similar_pct=_change_of(comparisons, "similar_homes"),
        vs_requested_pct=_change_of(comparisons, REQUESTED_PERIOD),
    )
    return ToolResult(
        tool="consumption_summary",
        value=value,
        units={
            "total_kwh": "kWh",
            "export_kwh": "kWh",
            "kwh_per_day": "kWh/day",
            "coverage": "fraction",
            "change_pct": "fraction",
            "vs_previous_pct": "fraction",
            "vs_last_year_pct": "fraction",
            "vs_similar_pct": "fraction",
            "vs_requested_pct": "fraction",
            "share": "fraction",
            "estimated_cost_brl": "BRL",
        },
        trail=tuple(steps),
        issues=tuple(issues),
    )


def _change_of(comparisons: Sequence[Comparison], basis: str) -> float | None:
    return next((c.change_pct for c in comparisons if c.basis == basis), None)

