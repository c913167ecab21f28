"""Queries of the operator fleet tools (:mod:`tools.api.fleet`): the named ``fleet_*`` SQL files
of ``tools/data/sql`` (also run on Spark by :mod:`tools.fleetjobs`), each returning its rows and
SQL text for the trail.

The parameters (posto windows, limits, tariffs as SQL lists) are built by the tools from the
rules; a query that can read the lake or a usage aggregate takes its :data:`FleetSource`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import pandas as pd

from tools.data.sqlfiles import sql_file, with_parts
from tools.data.store import Store

#: the interval rows of the lake, or the per-installation aggregates of :mod:`tools.data.usage`
#: (``usage_daily`` for completeness, ``usage_hourly`` for consumption)
FleetSource = Literal["lake", "aggregate"]

_COMPLETENESS = {"lake": "fleet_completeness.sql", "aggregate": "fleet_completeness_daily.sql"}
_CONSUMPTION_BASE = {"lake": "fleet_consumption_base.sql", "aggregate": "fleet_consumption_base_hourly.sql"}
_CURVE = {"lake": "fleet_consumption_curve.sql", "aggregate": "fleet_consumption_curve_hourly.sql"}

Params = Mapping[str, Any]


def _run(store: Store, sql: str, params: Params) -> tuple[pd.DataFrame, str]:
    return store.df(sql, dict(params)), sql


# ----------------------------------------------------------------------------- completeness


def completeness_summary(store: Store, params: Params, source: FleetSource) -> tuple[pd.DataFrame, str]:
    """Received vs expected readings, silent and zero-consumption meters, per group and in all."""
    return _run(store, with_parts("fleet_completeness_summary.sql", completeness=_COMPLETENESS[source]), params)


def completeness_list(store: Store, params: Params, source: FleetSource) -> tuple[pd.DataFrame, str]:
    """The meters of one list (``$list``: worst, silent or zero), at most ``$limit``."""
    return _run(store, with_parts("fleet_completeness_list.sql", completeness=_COMPLETENESS[source]), params)


def completeness_by(store: Store, params: Params, source: FleetSource) -> tuple[pd.DataFrame, str]:
    """Completeness per ``$group_by`` key (class, feeder, ...)."""
    return _run(store, with_parts("fleet_completeness_by.sql", completeness=_COMPLETENESS[source]), params)


# ----------------------------------------------------------------------------- consumption


def consumption_totals(store: Store, params: Params, source: FleetSource) -> tuple[pd.DataFrame, str]:
    """kWh imported and exported per ``$group_by`` key and in all."""
    return _run(store, with_parts("fleet_consumption_totals.sql", base=_CONSUMPTION_BASE[source]), params)


def load_curve(store: Store, params: Params, source: FleetSource) -> tuple[pd.DataFrame, str]:
    """Average hourly load [kW] per meter-day, working days vs weekends and holidays."""
    return _run(store, with_parts(_CURVE[source], base=_CONSUMPTION_BASE[source]), params)


def gd_injection(store: Store, params: Params, source: FleetSource) -> tuple[pd.DataFrame, str]:
    """Energy injected by the installations with distributed generation (one row)."""
    return _run(store, with_parts("fleet_consumption_gd.sql", base=_CONSUMPTION_BASE[source]), params)


def branca_savers(store: Store, params: Params, source: FleetSource) -> tuple[pd.DataFrame, str]:
    """Eligible convencional customers who would pay less with the Tarifa Branca (one row)."""
    return _run(store, with_parts("fleet_consumption_branca.sql", base=_CONSUMPTION_BASE[source]), params)


# ----------------------------------------------------------------------------- events


def events_summary(store: Store, params: Params) -> tuple[pd.DataFrame, str]:
    """Events and alarms by code and topology level (grouping sets)."""
    return _run(store, sql_file("fleet_events_summary.sql"), params)


def outage_inference(store: Store, params: Params) -> tuple[pd.DataFrame, str]:
    """Outages inferred from simultaneous power-downs under one transformer or feeder."""
    return _run(store, sql_file("fleet_outage_inference.sql"), params)


def tamper_ntl(store: Store, params: Params) -> tuple[pd.DataFrame, str]:
    """Tamper alarms, with a consumption drop afterwards flagged as possible NTL."""
    return _run(store, sql_file("fleet_tamper_ntl.sql"), params)


# ----------------------------------------------------------------------------- exposure


def exposure_voltage(store: Store, params: Params) -> tuple[pd.DataFrame, str]:
    """DRP/DRC per installation-month over the voltage sets (for the compensation exposure)."""
    return _run(store, with_parts("fleet_exposure_voltage.sql", voltage_sets="quality_voltage_sets.sql"), params)


def exposure_continuity(store: Store, params: Params) -> tuple[pd.DataFrame, str]:
    """DIC/FIC/DMIC/DICRI per installation-month against their limits."""
    return _run(
        store, with_parts("fleet_exposure_continuity.sql", continuity_monthly="fleet_continuity_monthly.sql"), params
    )
