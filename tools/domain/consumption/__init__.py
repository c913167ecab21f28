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

A package by responsibility, its public names re-exported here; its modules import downwards only
(an import contract): :mod:`.summary` (:func:`summarize`) -> :mod:`.compare` (per-day comparisons,
similar homes) -> :mod:`.frames` (prepared readings, sums by day, daily points) -> :mod:`.model`
(kWh, issue codes, result types).
"""

from tools.domain.consumption.compare import (
    compare_window,
    comparison_periods,
    per_day,
    similar_homes,
)
from tools.domain.consumption.frames import (
    daily_points,
    day_numbers,
    month_totals,
    prepare,
    sums_by_key,
)
from tools.domain.consumption.model import (
    FEW_SIMILAR_HOMES,
    ISSUE_COMPARISON_LOW_COVERAGE,
    ISSUE_COMPARISON_NO_DATA,
    ISSUE_COST_ENERGY_ONLY,
    ISSUE_COST_UNAVAILABLE,
    ISSUE_FEW_SIMILAR_HOMES,
    ISSUE_NET_OF_SOLAR,
    ISSUE_POSTO_UNAVAILABLE,
    KWH_Q,
    REQUESTED_PERIOD,
    CompareBasis,
    Comparison,
    ConsumptionSummary,
    DailyPoint,
    MonthKwh,
    PeerStats,
    PostoKwh,
    SimilarHomes,
    WindowTotal,
    kwh,
)
from tools.domain.consumption.summary import (
    by_posto,
    summarize,
)

__all__ = [
    "CompareBasis",
    "Comparison",
    "ConsumptionSummary",
    "DailyPoint",
    "FEW_SIMILAR_HOMES",
    "ISSUE_COMPARISON_LOW_COVERAGE",
    "ISSUE_COMPARISON_NO_DATA",
    "ISSUE_COST_ENERGY_ONLY",
    "ISSUE_COST_UNAVAILABLE",
    "ISSUE_FEW_SIMILAR_HOMES",
    "ISSUE_NET_OF_SOLAR",
    "ISSUE_POSTO_UNAVAILABLE",
    "KWH_Q",
    "MonthKwh",
    "PeerStats",
    "PostoKwh",
    "REQUESTED_PERIOD",
    "SimilarHomes",
    "WindowTotal",
    "by_posto",
    "compare_window",
    "comparison_periods",
    "daily_points",
    "month_totals",
    "day_numbers",
    "kwh",
    "per_day",
    "prepare",
    "similar_homes",
    "summarize",
    "sums_by_key",
]
