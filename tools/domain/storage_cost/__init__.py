"""Storage and processing cost of smart-meter data (pure model; see docs/cost-model.md).

Segments (group, phases, PV or not, interval) x data products (fiscal-page registers, load
profile, 10-min power-quality voltage, events, alarms) x channels -> bytes per meter-month
(:mod:`.volume`, coefficients from :mod:`.coef`), overheads and
age-based tiering over a month-by-month fleet simulation (:mod:`.sim`), priced
line by line with a price book (:mod:`.lines`, :mod:`.prices`).
:func:`run_scenario` (:mod:`.scenario`, types in :mod:`.model`) returns the totals and per-meter-month figures by segment, data product
and cost line, in USD and BRL, with one trail step per line. Scenario comparison and
sensitivity live in :mod:`.compare`.

References
----------
shared/domain/storage-cost.md (measurements, price anchors, recommended model, worked example §5.3).

A package by responsibility whose modules import downwards only (an import contract):
compare -> scenario -> trail -> model | pricing -> lines -> sim -> volume -> coef | prices.
"""

from tools.domain.storage_cost.model import (
    LineResult,
    Scenario,
    ScenarioResult,
    SegmentResult,
    Selection,
    TimelinePoint,
)
from tools.domain.storage_cost.scenario import run_scenario

__all__ = [
    "LineResult",
    "Scenario",
    "ScenarioResult",
    "SegmentResult",
    "Selection",
    "TimelinePoint",
    "run_scenario",
]
