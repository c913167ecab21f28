"""Appliance breakdown from interval data: an honest, ranged estimate (pure).

Non-intrusive load disaggregation from 5/15-minute (or, with lower confidence, 60-minute)
net import. Every figure is a *range* (``kwh_low`` .. ``kwh_high``) with a mid value,
and the result carries ``is_estimate = True``. The categories partition the imported
energy of the period (plus the measured export of a solar installation):

``standby``
    What stays on all the time, minus the part attributed to refrigeration. The always-on
    floor is the 10th percentile of night power [00:00, 05:00) (as the profile's base load,
    but after removing the detected shower and air-conditioning energy). The refrigerator's mean power is assumed to sit inside that floor except for the
    part above it at night (at most half: compressor duty cycle ~ 40-50 %).
``refrigeration``
    Typical refrigerator/freezer consumption (25..70 W mean, i.e. 0.6..1.7 kWh/day) bounded
    by the night mean power (the refrigerator runs at night too). Interval data at 15 min
    cannot separate its cycling from stand-by reliably, so this is prior-based; the night
    ripple (P75 - P25 of night power) is reported as evidence.
``shower``
    Electric shower (4-7.5 kW): short spikes (at most 30 min) of excess power over a rolling
    median (2 h 15 min window), with at least 0.3 kWh per event, starting in [05:00, 11:00)
    or [16:00, 24:00). Range: -20 %/+30 % at 15 min (baseline, coincident loads, showers too
    short or split across intervals), -10 %/+15 % at 5 min, -40 %/+60 % at 60 min.
``air_conditioning``
    Long, steady mid-power blocks: at least 2 h (3 h with hourly data) of excess >= 500 W over
    the 24 h rolling 20th percentile and the household routine at that hour, mostly in
    [12:00, 06:00), outside June-August. The routine is the installation's own cool-season
    (July) hour-of-day profile when given; without it, the 25th percentile of the period's
    days, so a unit used on most days is missed (a warning says so). Range -30 %/+30 %
    (15 min), -50 %/+60 % (60 min).
``solar_export``
    Energy injected into the grid (measured, not an estimate). Self-consumed solar energy is
    not visible in net readings, so daytime use of a solar home is under-estimated; the
    always-on loads (stand-by, refrigeration) are counted only over intervals without export.
``other``
    The remainder: lighting, TV, cooking, washing, pumps...

All constants are heuristics with status "reference" (not calibrated on labelled Brazilian
sub-metering data) and are listed in the trail.

References
----------
Hart, G. W. (1992). Nonintrusive appliance load monitoring. Proc. IEEE 80(12).
PROCEL/Eletrobras, Pesquisa de Posse e Habitos de Uso de Equipamentos Eletricos (PPH 2019):
typical refrigerator and electric-shower consumption in Brazilian homes.

A package by responsibility, its public names re-exported here; its modules import downwards only
(an import contract): :mod:`.breakdown` (the estimate per category and its trail) -> :mod:`.detect`
(shower and air-conditioning signatures) -> :mod:`.grid` (the regular reading grid) | :mod:`.model`
(heuristic constants, range bands, result types).
"""

from tools.domain.appliances.breakdown import (
    breakdown,
)
from tools.domain.appliances.detect import (
    cluster_min_w,
    detect_ac,
    detect_showers,
    hot_threshold_w,
    routine_profile,
    spike_excess,
)
from tools.domain.appliances.grid import (
    regular_grid,
)
from tools.domain.appliances.model import (
    AC_BAND,
    AC_BASE_PERCENTILE,
    AC_HOURS,
    AC_MAX_CV,
    AC_MIN_EXCESS_W,
    AC_MIN_MIN,
    AC_ROUTINE_LOW_Q,
    AC_WINDOW_H,
    APPLIANCES,
    BASE_PERCENTILE,
    COOL_MONTHS,
    FRIDGE_SHARE_ABOVE_FLOOR,
    FRIDGE_W,
    HEURISTIC_REF,
    ISSUE_AC_NO_REFERENCE,
    ISSUE_COARSE,
    ISSUE_HOURLY,
    ISSUE_NOT_A_HOME,
    ISSUE_OTHER_CLIPPED,
    ISSUE_SOLAR_MASK,
    MAX_INTERVAL_MIN,
    MIN_DAYS,
    NIGHT_HOURS,
    RIPPLE_MIN_W,
    SHOWER_BAND,
    SHOWER_CLUSTER_MAX_MIN,
    SHOWER_CLUSTER_MAX_MIN_HOURLY,
    SHOWER_HOURS,
    SHOWER_MAX_MIN,
    SHOWER_MIN_WH,
    SPIKE_WINDOW_MIN,
    ApplianceBreakdown,
    ApplianceEstimate,
    ApplianceName,
    Confidence,
)

__all__ = [
    "AC_BAND",
    "AC_BASE_PERCENTILE",
    "AC_HOURS",
    "AC_MAX_CV",
    "AC_MIN_EXCESS_W",
    "AC_MIN_MIN",
    "AC_ROUTINE_LOW_Q",
    "AC_WINDOW_H",
    "APPLIANCES",
    "ApplianceBreakdown",
    "ApplianceEstimate",
    "ApplianceName",
    "BASE_PERCENTILE",
    "COOL_MONTHS",
    "Confidence",
    "FRIDGE_SHARE_ABOVE_FLOOR",
    "FRIDGE_W",
    "HEURISTIC_REF",
    "ISSUE_AC_NO_REFERENCE",
    "ISSUE_COARSE",
    "ISSUE_HOURLY",
    "ISSUE_NOT_A_HOME",
    "ISSUE_OTHER_CLIPPED",
    "ISSUE_SOLAR_MASK",
    "MAX_INTERVAL_MIN",
    "MIN_DAYS",
    "NIGHT_HOURS",
    "RIPPLE_MIN_W",
    "SHOWER_BAND",
    "SHOWER_CLUSTER_MAX_MIN",
    "SHOWER_CLUSTER_MAX_MIN_HOURLY",
    "SHOWER_HOURS",
    "SHOWER_MAX_MIN",
    "SHOWER_MIN_WH",
    "SPIKE_WINDOW_MIN",
    "breakdown",
    "cluster_min_w",
    "detect_ac",
    "detect_showers",
    "hot_threshold_w",
    "regular_grid",
    "routine_profile",
    "spike_excess",
]
