"""Consumption: the kWh conversion, the issue codes and the result types (pure)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from tools.types import Period
from tools.units import d

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
class MonthKwh:
    """A calendar month's part of a period: its kWh and how much of the whole month was read."""

    month: dt.date  # first day of the calendar month
    kwh: Decimal  # imported [kWh] on the month's days inside the period
    coverage: float  # read minutes over the whole calendar month's minutes
    whole: bool  # every day of the month is inside the period


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
    by_month: tuple[MonthKwh, ...]  # the calendar months the period touches
    peak_month: MonthKwh | None  # the (well read) month of most kWh, when the period spans two or more
    low_month: MonthKwh | None  # the (well read) month of least kWh
    comparisons: tuple[Comparison, ...]
    primary_comparison: Comparison | None
    similar_homes: SimilarHomes | None
    estimated_cost_brl: Decimal | None  # energy cost with taxes, rounded for display [R$]
    vs_previous_pct: float | None = None  # per-day change vs the previous period
    vs_last_year_pct: float | None = None  # per-day change vs the same period last year
    vs_similar_pct: float | None = None  # per-day difference to the similar homes' median
    vs_requested_pct: float | None = None  # per-day change vs a period the caller asked to compare with
    is_estimate_cost: bool = True

