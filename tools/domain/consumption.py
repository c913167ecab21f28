"""Consumption summary: kWh in a period, per day, per posto, and comparisons (pure).

Inputs are interval readings as a DataFrame with columns ``ts`` (interval start, local
naive time), ``interval_min``, ``import_wh`` and ``export_wh`` (integer Wh, as the
``load_profile`` view gives them) and optionally ``quality``. Energies in the result are
:class:`~decimal.Decimal` kWh (exact from integer Wh); shares are fractions.

Comparisons are coverage-normalised: each window's energy is divided by the days its
readings cover (``covered_minutes / 1440``), so a month with a gap, or a 31-day month
against a 30-day one, is compared per day. Totals are reported as measured (a lower bound
when coverage < 100 %; a warning says so).

References
----------
REN 1.000/2021 art. 284: the distributor may bill from the meter's interval memory
(``memoria de massa``); the figures here are read from the same interval data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

import numpy as np
import pandas as pd

from tools.domain.periods import add_months, month_bounds
from tools.domain.sufficiency import DataSufficiency, Thresholds, assess_intervals
from tools.errors import NoData
from tools.types import Issue, Period, Step, ToolResult, TrailRef
from tools.units import d, money

CompareBasis = Literal["previous_period", "same_period_last_year", "same_month_last_year"]
KWH_Q = Decimal("0.001")
FEW_SIMILAR_HOMES = 5  # fewer peers than this → no similar-homes comparison

REQUESTED_PERIOD = "requested_period"  # basis of a comparison window the caller named
ISSUE_COMPARISON_LOW_COVERAGE = "consumption.issue.comparison_low_coverage"
ISSUE_COMPARISON_NO_DATA = "consumption.issue.comparison_no_data"
ISSUE_FEW_SIMILAR_HOMES = "consumption.issue.few_similar_homes"
ISSUE_NET_OF_SOLAR = "consumption.issue.net_of_solar"
ISSUE_POSTO_UNAVAILABLE = "consumption.issue.posto_unavailable"
ISSUE_COST_UNAVAILABLE = "consumption.issue.cost_unavailable"
ISSUE_COST_ENERGY_ONLY = "consumption.issue.cost_energy_only"


def kwh(wh: float | int) -> Decimal:
    """Wh → kWh as Decimal (exact for integer Wh, 3 decimals otherwise)."""
    return (d(int(round(wh))) / 1000).quantize(KWH_Q)


@dataclass(frozen=True, slots=True)
class DailyPoint:
    day: dt.date
    kwh: Decimal  # imported [kWh]
    export_kwh: Decimal  # injected [kWh]
    coverage: float  # share of the day's minutes with readings


@dataclass(frozen=True, slots=True)
class PostoKwh:
    posto: str  # ponta | intermediario | fora_ponta
    kwh: Decimal
    share: float  # of the period's imported kWh


@dataclass(frozen=True, slots=True)
class WindowTotal:
    """Energy of a comparison window, as aggregated in SQL."""

    basis: str  # previous_period | same_period_last_year | requested_period
    period: Period
    import_wh: int
    covered_minutes: int


@dataclass(frozen=True, slots=True)
class Comparison:
    basis: str  # previous_period | same_period_last_year | similar_homes
    period: Period | None
    kwh: Decimal | None  # the other window's measured kWh (None when no data)
    kwh_per_day: Decimal | None  # coverage-normalised [kWh/day]
    coverage: float | None
    change_kwh: Decimal | None  # this total - other total [kWh]
    change_pct: float | None  # this per day / other per day - 1


@dataclass(frozen=True, slots=True)
class PeerStats:
    """Similar homes (same class, subgroup and phases, without GD), aggregated in SQL."""

    peers: int
    median_kwh_day: float | None
    p25_kwh_day: float | None
    p75_kwh_day: float | None
    share_below: float | None  # share of peers using less per day than this home
    customer_class: str = ""
    subgroup: str = ""
    phases: int = 0


@dataclass(frozen=True, slots=True)
class SimilarHomes:
    peers: int
    median_kwh_day: Decimal
    p25_kwh_day: Decimal
    p75_kwh_day: Decimal
    this_kwh_day: Decimal
    change_pct: float  # this / median - 1
    share_below: float  # share of similar homes that use less than this one
    customer_class: str
    subgroup: str
    phases: int


@dataclass(frozen=True, slots=True)
class ConsumptionSummary:
    period: Period
    total_kwh: Decimal  # measured import [kWh]
    export_kwh: Decimal  # measured injection [kWh]
    kwh_per_day: Decimal  # total / covered days [kWh/day]
    days: int
    covered_days: float
    coverage: float
    by_posto: tuple[PostoKwh, ...]
    daily: tuple[DailyPoint, ...]
    peak_day: DailyPoint | None
    comparisons: tuple[Comparison, ...]
    primary_comparison: Comparison | None
    similar_homes: SimilarHomes | None
    estimated_cost_brl: Decimal | None  # energy cost with taxes, rounded for display [R$]
    vs_previous_pct: float | None = None  # per-day change vs the previous period
    vs_last_year_pct: float | None = None  # per-day change vs the same period last year
    vs_similar_pct: float | None = None  # per-day difference to the similar homes' median
    vs_requested_pct: float | None = None  # per-day change vs a period the caller asked to compare with
    is_estimate_cost: bool = True


def _empty_prepared() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ts": pd.Series([], dtype="datetime64[us]"),
            "interval_min": pd.Series([], dtype="int64"),
            "import_wh": pd.Series([], dtype="int64"),
            "export_wh": pd.Series([], dtype="int64"),
            "quality": pd.Series([], dtype="int64"),
            "power_w": pd.Series([], dtype="float64"),
        }
    )


def _prepare_frame(intervals: pd.DataFrame, period: Period | None = None) -> pd.DataFrame:
    """:func:`prepare` with pandas frame operations (general path: NaT stamps, odd columns)."""
    df = intervals.copy()
    df["ts"] = pd.to_datetime(df["ts"])
    if "import_wh" in df:  # a row without active energy is not a reading (it must not count as covered)
        df = df[df["import_wh"].notna()]
    for col in ("import_wh", "export_wh", "interval_min"):
        if col not in df:
            df[col] = 0 if col != "interval_min" else 15
        df[col] = pd.to_numeric(df[col]).fillna(0).astype("int64")
    if "quality" not in df:
        df["quality"] = 0
    df["quality"] = pd.to_numeric(df["quality"]).fillna(0).astype("int64")
    if period is not None:
        df = df[
            (df["ts"] >= pd.Timestamp(period.start_ts()))
            & (df["ts"] < pd.Timestamp(period.end_ts_exclusive()))
        ]
    df = df.drop_duplicates("ts").sort_values("ts").reset_index(drop=True)
    df["power_w"] = df["import_wh"] * 60.0 / df["interval_min"].clip(lower=1)
    return df


def _as_int64(col: pd.Series) -> np.ndarray:
    """``pd.to_numeric(col).fillna(0).astype("int64")`` as an array (shortcuts for integer columns)."""
    dtype = col.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        return col.to_numpy().astype(np.int64, copy=False)
    if isinstance(dtype, pd.api.extensions.ExtensionDtype) and pd.api.types.is_integer_dtype(dtype):
        return col.to_numpy(dtype="int64", na_value=0)
    return np.asarray(pd.to_numeric(col).fillna(0).astype("int64").to_numpy())


def prepare(intervals: pd.DataFrame, period: Period | None = None) -> pd.DataFrame:
    """Normalise an interval frame: types, one row per ``ts``, inside ``period``, power [W].

    Rows whose ``import_wh`` is missing are dropped (they do not count as coverage); a missing
    ``export_wh`` is 0. The first row of a repeated ``ts`` is kept; rows are sorted by ``ts``.
    """
    if intervals.empty:
        return _empty_prepared()
    if not intervals.columns.is_unique:
        return _prepare_frame(intervals, period)
    ts = pd.to_datetime(intervals["ts"])
    stamps = ts.to_numpy()
    if stamps.dtype.kind != "M" or bool(np.isnat(stamps).any()):
        return _prepare_frame(intervals, period)
    n = len(stamps)
    keep = np.array(intervals["import_wh"].notna()) if "import_wh" in intervals else np.ones(n, bool)
    if period is not None:
        keep &= stamps >= pd.Timestamp(period.start_ts()).as_unit("us").to_datetime64()
        keep &= stamps < pd.Timestamp(period.end_ts_exclusive()).as_unit("us").to_datetime64()
    pos = np.flatnonzero(keep)
    t = stamps[pos]
    if len(t) > 1 and not bool((t[1:] > t[:-1]).all()):  # first row of each ts, sorted by ts
        _, first = np.unique(t, return_index=True)
        pos = pos[first]
    ints = {
        "import_wh": 0,
        "export_wh": 0,
        "interval_min": 15,
    }
    out: dict[str, object] = {}
    for name in intervals.columns:
        if name == "ts":
            out[name] = ts.take(pos).reset_index(drop=True)
        elif name in ints or name == "quality":
            out[name] = _as_int64(intervals[name])[pos]
        else:
            out[name] = intervals[name].take(pos).reset_index(drop=True)
    for name, default in ints.items():
        if name not in out:
            out[name] = np.full(len(pos), default, dtype="int64")
    if "quality" not in out:
        out["quality"] = np.zeros(len(pos), dtype="int64")
    imp = out["import_wh"]
    iv = out["interval_min"]
    assert isinstance(imp, np.ndarray) and isinstance(iv, np.ndarray)
    out["power_w"] = imp * 60.0 / np.maximum(iv, 1)
    return pd.DataFrame(out)


_EPOCH = dt.date(1970, 1, 1)


def day_numbers(ts: pd.Series) -> np.ndarray:
    """Calendar day of each timestamp as days since 1970-01-01 (int64)."""
    return np.asarray(pd.to_datetime(ts).to_numpy().astype("datetime64[D]").view("int64"))


def sums_by_key(keys: np.ndarray, *values: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Sorted distinct ``keys`` and the sums of each of ``values`` per key (exact for integers)."""
    uniq, inv = np.unique(keys, return_inverse=True)
    out = []
    for v in values:
        acc = np.zeros(len(uniq), dtype=v.dtype if v.dtype.kind == "f" else np.int64)
        np.add.at(acc, inv, v)
        out.append(acc)
    return uniq, out


def daily_points(df: pd.DataFrame, period: Period) -> tuple[DailyPoint, ...]:
    """One point per calendar day of ``period`` (days without readings have coverage 0)."""
    days, (imp, exp, minutes) = sums_by_key(
        day_numbers(df["ts"]),
        df["import_wh"].to_numpy(),
        df["export_wh"].to_numpy(),
        df["interval_min"].to_numpy(),
    )
    at = {int(k): i for i, k in enumerate(days)}
    out = []
    first = (period.start - _EPOCH).days
    for i in range(period.days):
        day = period.start + dt.timedelta(days=i)
        j = at.get(first + i)
        if j is not None:
            out.append(DailyPoint(day, kwh(imp[j]), kwh(exp[j]), round(min(1.0, minutes[j] / 1440), 4)))
        else:
            out.append(DailyPoint(day, Decimal("0.000"), Decimal("0.000"), 0.0))
    return tuple(out)


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
