"""Operator fleet tools: quality_ranking, compensation_exposure, events_summary, data_completeness,
fleet_consumption.

Each tool runs parameterised, set-based DuckDB SQL (files ``tools/data/sql/fleet_*.sql`` and
``quality_*.sql``; window functions and GROUP BY, never a Python loop over meters), then a pure
function of :mod:`tools.domain.quality` / :mod:`tools.domain.continuity` over the aggregated
rows. Results are typed; the trail carries the SQL and its parameters. All tools are
operator-only (``audience=("operator",)``, no installation).

Package layout: one module per tool (:mod:`.ranking`, :mod:`.exposure`, :mod:`.events`,
:mod:`.completeness`, :mod:`.consumption`) and :mod:`.common` (shared helpers). This package
re-exports the tools, their argument models and result types, and declares ``SPECS``.
"""

from __future__ import annotations

from typing import Literal

from tools.api.fleet.common import nominal_end, previous_period
from tools.api.fleet.completeness import (
    CompletenessArgs,
    DataCompleteness,
    GroupCompleteness,
    MeterCompleteness,
    data_completeness,
)
from tools.api.fleet.consumption import (
    BrancaSummary,
    ConsumptionRow,
    CurvePoint,
    FleetConsumption,
    FleetConsumptionArgs,
    GdSummary,
    fleet_consumption,
)
from tools.api.fleet.events import (
    NTL_DAYS,
    NTL_MIN_DROP,
    OUTAGE_MIN_METERS,
    OUTAGE_MIN_SHARE,
    OUTAGE_WINDOW_MIN,
    CodeCount,
    EventsArgs,
    EventsSummary,
    GroupCount,
    InferredOutage,
    TamperFlag,
    events_summary,
    resolve_codes,
)
from tools.api.fleet.exposure import CompensationExposure, ExposureArgs, compensation_exposure
from tools.api.fleet.ranking import QualityRanking, RankingArgs, quality_ranking
from tools.registry import ToolSpec

# ----------------------------------------------------------------------------- registry

_OP: tuple[Literal["operator"], ...] = ("operator",)

SPECS: tuple[ToolSpec, ...] = (
    ToolSpec(
        "quality_ranking",
        quality_ranking,
        RankingArgs,
        _OP,
        False,
        "Meters, transformers or feeders ranked by DRP/DRC or DIC/FIC/DMIC, with trend and a predictive flag",
        ("PRODIST Modulo 8 secao 8.1", "PRODIST Modulo 8 secao 8.2"),
    ),
    ToolSpec(
        "compensation_exposure",
        compensation_exposure,
        ExposureArgs,
        _OP,
        False,
        "Estimated R$ owed for DRP/DRC and DIC/FIC/DMIC/DICRI in a period, by feeder, with items due in the next N days",
        ("PRODIST Modulo 8 secao 8.1", "PRODIST Modulo 8 secao 8.2"),
    ),
    ToolSpec(
        "events_summary",
        events_summary,
        EventsArgs,
        _OP,
        False,
        "Events and alarms by code and topology level, inferred transformer/feeder outages, tamper alarms with a consumption drop",
        (),
    ),
    ToolSpec(
        "data_completeness",
        data_completeness,
        CompletenessArgs,
        _OP,
        False,
        "Share of expected interval readings received, silent meters, zero consumption while communicating",
        (),
    ),
    ToolSpec(
        "fleet_consumption",
        fleet_consumption,
        FleetConsumptionArgs,
        _OP,
        False,
        "Consumption by group, class, feeder or posto; average load curves; GD injection; customers who would save with Tarifa Branca",
        ("REN 1.000/2021 art. 2 XXXVIII",),
    ),
)

__all__ = [
    "NTL_DAYS",
    "NTL_MIN_DROP",
    "OUTAGE_MIN_METERS",
    "OUTAGE_MIN_SHARE",
    "OUTAGE_WINDOW_MIN",
    "SPECS",
    "BrancaSummary",
    "CodeCount",
    "CompensationExposure",
    "CompletenessArgs",
    "ConsumptionRow",
    "CurvePoint",
    "DataCompleteness",
    "EventsArgs",
    "EventsSummary",
    "ExposureArgs",
    "FleetConsumption",
    "FleetConsumptionArgs",
    "GdSummary",
    "GroupCompleteness",
    "GroupCount",
    "InferredOutage",
    "MeterCompleteness",
    "QualityRanking",
    "RankingArgs",
    "TamperFlag",
    "compensation_exposure",
    "data_completeness",
    "events_summary",
    "fleet_consumption",
    "nominal_end",
    "previous_period",
    "quality_ranking",
    "resolve_codes",
]
