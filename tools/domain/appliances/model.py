"""Appliance breakdown: the heuristic constants (with their trail reference), the range bands by
interval and the result types (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from tools.types import Period, TrailRef

APPLIANCES = ("standby", "refrigeration", "shower", "air_conditioning", "solar_export", "other")
ApplianceName = Literal["standby", "refrigeration", "shower", "air_conditioning", "solar_export", "other"]
Confidence = Literal["measured", "medium", "low"]

NIGHT_HOURS = (0, 5)
BASE_PERCENTILE = 10.0
FRIDGE_W = (25.0, 42.0, 70.0)  # low, mid, high mean power [W]
FRIDGE_SHARE_ABOVE_FLOOR = 0.5  # at most this share of the fridge's mean power lies above the night floor
RIPPLE_MIN_W = 10.0  # night P75 - P25 taken as a sign of compressor cycling (<= 15 min data)
SPIKE_WINDOW_MIN = 135
SHOWER_MAX_MIN = 30
SHOWER_CLUSTER_MAX_MIN = 120
SHOWER_CLUSTER_MAX_MIN_HOURLY = 180
SHOWER_MIN_WH = 300.0
SHOWER_HOURS = ((5, 12), (14, 24))
AC_MIN_EXCESS_W = 500.0
AC_MAX_CV = 0.5
AC_ROUTINE_LOW_Q = 0.25
AC_MIN_MIN = 120
AC_WINDOW_H = 24
AC_BASE_PERCENTILE = 0.20
AC_HOURS = (12, 6)  # wraps midnight: [12:00, 24:00) and [00:00, 06:00)
COOL_MONTHS = (6, 7, 8)
MIN_DAYS = 7
MAX_INTERVAL_MIN = 60
#: (low, high) relative uncertainty by interval length [min]
SHOWER_BAND = {5: (0.10, 0.15), 15: (0.20, 0.30), 60: (0.40, 0.60)}
AC_BAND = {5: (0.25, 0.25), 15: (0.30, 0.30), 60: (0.50, 0.60)}

ISSUE_HOURLY = "consumption.issue.hourly_low_confidence"
ISSUE_COARSE = "consumption.issue.interval_too_coarse"
ISSUE_SOLAR_MASK = "consumption.issue.solar_masks_daytime"
ISSUE_OTHER_CLIPPED = "consumption.issue.breakdown_scaled"
ISSUE_AC_NO_REFERENCE = "consumption.issue.ac_no_cool_reference"
ISSUE_NOT_A_HOME = "consumption.issue.not_a_home"
HEURISTIC_REF = TrailRef("NILM heuristics (Hart 1992; PROCEL PPH 2019 typical values)", "reference")


@dataclass(frozen=True, slots=True)
class ApplianceEstimate:
    appliance: str  # one of APPLIANCES
    kwh_low: Decimal
    kwh_mid: Decimal
    kwh_high: Decimal
    share_low: float  # of imported kWh (0 for solar_export)
    share_mid: float
    share_high: float
    confidence: str  # measured | medium | low
    detected: bool  # signature seen in the data (events, blocks, export)
    events: int  # shower uses / AC blocks found
    direction: str = "import"  # import | export
    is_estimate: bool = True


@dataclass(frozen=True, slots=True)
class ApplianceBreakdown:
    period: Period
    interval_min: int
    total_kwh: Decimal
    export_kwh: Decimal
    items: tuple[ApplianceEstimate, ...]
    top_appliance: str | None  # largest mid kWh among import items other than "other"
    requested: str | None
    covered_days: float  # days of readings behind the figures
    # the same estimates as ``items``, one field each (flat access for reply templates)
    standby: ApplianceEstimate
    refrigeration: ApplianceEstimate
    shower: ApplianceEstimate
    air_conditioning: ApplianceEstimate
    other: ApplianceEstimate
    solar_export: ApplianceEstimate | None = None
    is_estimate: bool = True

    def item(self, name: str) -> ApplianceEstimate | None:
        """The estimate of one appliance (the named field; ``None`` for absent solar export)."""
        found: ApplianceEstimate | None = getattr(self, name)
        return found


def _band(table: Mapping[int, tuple[float, float]], interval: int) -> tuple[float, float]:
    for limit in sorted(table):
        if interval <= limit:
            return table[limit]
    return table[max(table)]

