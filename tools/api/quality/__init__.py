"""Customer and operator tools of the quality area: ``voltage_quality`` and ``continuity_indicators``.

Each tool: resolve the period against the data's "today", read through parameterised Store
SQL, call the pure functions of :mod:`tools.domain.quality` / :mod:`tools.domain.continuity`,
and return a typed :class:`~tools.types.ToolResult` whose trail carries the SQL it ran.

Shared helpers (reference loading, SQL files, band parameters, EUSD, the interruptions read) are in
:mod:`tools.api.quality_common`. Reference values: ``tools/reference/quality_limits.json``.

A package by tool, its public names re-exported here: :mod:`.voltage` (``voltage_quality``),
:mod:`.continuity` (``continuity_indicators``), both over the result types of :mod:`.results`.
"""

from __future__ import annotations

from tools.api.quality.continuity import ContinuityArgs, continuity_indicators
from tools.api.quality.results import (
    ContinuityIndicators,
    InterruptionOut,
    MonthOut,
    PhaseOut,
    Phrase,
    SetOut,
    VoltageQuality,
)
from tools.api.quality.voltage import (
    DATA_NOTE_REF,
    SET_COMPLETION_DAYS,
    VoltageQualityArgs,
    voltage_quality,
)
from tools.api.quality_common import fetch_interruptions
from tools.registry import ToolSpec

SPECS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="voltage_quality",
        fn=voltage_quality,
        args_model=VoltageQualityArgs,
        audience=("customer", "operator"),
        needs_installation=True,
        summary="Indicative DRP/DRC of the installation's 10-minute voltages vs PRODIST limits, compensation and complaint deadlines",
        cites=("PRODIST Modulo 8 secao 8.1", "REN 1.000/2021 art. 437", "REN 1.000/2021 art. 438"),
    ),
    ToolSpec(
        name="continuity_indicators",
        fn=continuity_indicators,
        args_model=ContinuityArgs,
        audience=("customer", "operator"),
        needs_installation=True,
        summary="DIC, FIC, DMIC (and DICRI) per month from power-down/up events, against the conjunto limits, with compensation",
        cites=("PRODIST Modulo 8 secao 8.2", "REN 1.000/2021 art. 435"),
    ),
)

__all__ = [
    "DATA_NOTE_REF",
    "SET_COMPLETION_DAYS",
    "SPECS",
    "ContinuityArgs",
    "ContinuityIndicators",
    "InterruptionOut",
    "MonthOut",
    "PhaseOut",
    "Phrase",
    "SetOut",
    "VoltageQuality",
    "VoltageQualityArgs",
    "continuity_indicators",
    "fetch_interruptions",
    "voltage_quality",
]
