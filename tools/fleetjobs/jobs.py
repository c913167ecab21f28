"""The fleet jobs: each a few result tables, each table one query of the data layer with its parameters.

A job definition is engine-independent: it names the SQL of ``tools/data/sql`` the operator tools
run and builds the parameters with the same helpers (``voltage_params``, ``limit_params``,
``ranking_query``, ``requests_query``...), calling them with the engine's ``store`` (the DuckDB
store, or the Spark store that answers the same ``rows``/``df`` calls). The runner
(:mod:`tools.fleetjobs.runner`) writes each table as Parquet with the chosen engine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from tools.api import deadlines as dl
from tools.api import export as pbi
from tools.api.fleet import (
    NTL_DAYS,
    NTL_MIN_DROP,
    OUTAGE_MIN_METERS,
    OUTAGE_MIN_SHARE,
    OUTAGE_WINDOW_MIN,
)
from tools.api.fleet.common import (
    DAY,
    critical_params,
    day_ts,
    limit_params,
    nominal_end,
    with_parts,
)
from tools.api.fleet.consumption import _branca_params, _posto_params
from tools.api.fleet.ranking import ranking_query
from tools.api.quality_common import continuity_rules, fleet_nominals, sql_file, voltage_params, voltage_rules
from tools.data import export as dx
from tools.data import schema
from tools.data.store import Store
from tools.domain.periods import month_bounds, resolve_period
from tools.reference import load_reference
from tools.types import Period


@dataclass(frozen=True, slots=True)
class Query:
    """One result table: DuckDB SQL of the data layer and its bound parameters."""

    table: str
    sql: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class JobInput:
    """What a job builder gets: the engine's store, the data's today and the requested period."""

    store: Store  # a Store, or a SparkStore answering the same query methods
    today: dt.date
    period_label: str | None

    def period(self, default: str) -> Period:
        return resolve_period(self.period_label or default, self.today, default=default)

    def nominal_end(self, default: str) -> dt.date:
        return nominal_end(self.period_label or default, self.period(default))


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    summary: str
    build: Callable[[JobInput, Any], list[Query]]  # (input, engine) -> queries; the engine registers frames
    tables: tuple[str, ...]


# ----------------------------------------------------------------------------- builders


def _voltage(inp: JobInput, _engine: Any) -> list[Query]:
    period, nom_end = inp.period("last_month"), inp.nominal_end("last_month")
    out = []
    for ind in ("DRP", "DRC"):
        sql, params = ranking_query(inp.store, inp.today, ind, "transformer", period, nom_end)
        out.append(Query(f"ranking_{ind.lower()}_transformer", sql, params))
    sets = {k: v for k, v in out[0].params.items() if k not in ("indicator", "level", "limit_pct", "ongoing", "scope")}
    return [Query("voltage_sets", sql_file("quality_voltage_sets.sql"), sets), *out]


def _continuity(inp: JobInput, _engine: Any) -> list[Query]:
    period, nom_end = inp.period("last_month"), inp.nominal_end("last_month")
    out = []
    for ind in ("DIC", "FIC", "DMIC"):
        sql, params = ranking_query(inp.store, inp.today, ind, "transformer", period, nom_end)
        out.append(Query(f"ranking_{ind.lower()}_transformer", sql, params))
    monthly = {k: out[0].params[k] for k in ("start", "end", "min_seconds", "crit_conj", "crit_day")}
    return [Query("continuity_monthly", sql_file("fleet_continuity_monthly.sql"), monthly), *out]


def _exposure(inp: JobInput, _engine: Any) -> list[Query]:
    """compensation_exposure's two queries (DRP/DRC sets and DIC/FIC/DMIC/DICRI months above limit)."""
    period = inp.period("last_month")
    start, end = period.start_ts(), period.end_ts_exclusive()
    e_start = day_ts(period.start.replace(day=1))
    e_end = day_ts(month_bounds(period.end.year, period.end.month)[1] + DAY) + 31 * DAY
    vr, cr = voltage_rules(), continuity_rules()
    end_ext = max(end, min(end + 7 * DAY, day_ts(inp.today)))
    v_params = voltage_params(inp.store, start, end, end_ext)
    v_params.update(
        drp_lim_pct=float(vr.drp_lim_pct),
        drc_lim_pct=float(vr.drc_lim_pct),
        energy_start=e_start,
        energy_end=e_end,
    )
    c_params = {
        "start": start,
        "end": end,
        "min_seconds": cr.min_interruption_minutes * 60,
        **critical_params(inp.store),
        **limit_params(inp.store, with_dicri=True),
        "energy_start": e_start,
        "energy_end": e_end,
    }
    return [
        Query(
            "exposure_voltage",
            with_parts("fleet_exposure_voltage.sql", voltage_sets="quality_voltage_sets.sql"),
            v_params,
        ),
        Query(
            "exposure_continuity",
            with_parts("fleet_exposure_continuity.sql", continuity_monthly="fleet_continuity_monthly.sql"),
            c_params,
        ),
    ]


def _completeness(inp: JobInput, _engine: Any) -> list[Query]:
    period = inp.period("last_month")
    params = {
        "start": period.start_ts(),
        "end": period.end_ts_exclusive(),
        "data_end": day_ts(inp.today),
        "silent_days": 3,
        "group": None,
    }
    return [
        Query("completeness_meters", sql_file("fleet_completeness.sql"), params),
        Query(
            "completeness_summary",
            with_parts("fleet_completeness_summary.sql", completeness="fleet_completeness.sql"),
            params,
        ),
    ]


def _consumption(inp: JobInput, _engine: Any) -> list[Query]:
    period = inp.period("last_month")
    posto, _refs = _posto_params(inp.store, period)
    params: dict[str, Any] = {
        "start": period.start_ts(),
        "end": period.end_ts_exclusive(),
        "group": None,
        **posto,
    }
    base = "fleet_consumption_base.sql"
    out = [
        Query(f"consumption_by_{g}", with_parts("fleet_consumption_totals.sql", base=base), {**params, "group_by": g})
        for g in ("group", "class", "feeder", "posto")
    ]
    out.append(Query("load_curve", with_parts("fleet_consumption_curve.sql", base=base), params))
    out.append(Query("gd_injection", with_parts("fleet_consumption_gd.sql", base=base), params))
    b_params, _b_refs = _branca_params(period.end)
    if b_params["t_sub"]:
        out.append(
            Query("branca_savers", with_parts("fleet_consumption_branca.sql", base=base), {**params, **b_params})
        )
    return out


def _outages(inp: JobInput, _engine: Any) -> list[Query]:
    period = inp.period("last_month")
    params = {
        "start": period.start_ts(),
        "end": period.end_ts_exclusive(),
        "window_min": OUTAGE_WINDOW_MIN,
        "min_meters": OUTAGE_MIN_METERS,
        "min_share": OUTAGE_MIN_SHARE,
        "codes": [schema.EVENT_POWER_DOWN, schema.ALARM_LAST_GASP],
        "min_minutes": schema.INTERRUPTION_MIN_MINUTES,
    }
    return [Query("outage_inference", sql_file("fleet_outage_inference.sql"), params)]


def _tamper(inp: JobInput, _engine: Any) -> list[Query]:
    period = inp.period("last_month")
    params = {
        "start": period.start_ts(),
        "end": period.end_ts_exclusive(),
        "codes": list(schema.TAMPER_CODES),
        "days": NTL_DAYS,
        "min_drop": NTL_MIN_DROP,
    }
    return [Query("tamper_ntl", sql_file("fleet_tamper_ntl.sql"), params)]


def _deadlines(inp: JobInput, _engine: Any) -> list[Query]:
    """Anexo IV deadline exposure: open requests and those closed in the last 60 days, with the evidence."""
    as_of = dt.datetime.combine(inp.today, dt.time())
    since = as_of - dt.timedelta(days=dl.DeadlineExposureArgs.model_fields["lookback_days"].default)
    sql, params = dl.requests_query(inp.store, as_of, since=since)
    return [Query("deadline_requests", sql, params)]


def _powerbi(inp: JobInput, engine: Any) -> list[Query]:
    """The Power BI star schema (``tools/data/export.py``), with its reference frames registered."""
    rng = dx.data_range(inp.store)
    first, last = rng if rng else (None, None)
    ref = load_reference()
    schedules = {d: s for d in dx.distributors(inp.store) if (s := ref.posto_schedule(d)) is not None}
    minutes = dx.load_profile_minutes(inp.store)
    if first and last:
        lookup = pbi.posto_lookup(schedules, first, last, minutes)
        dates = pbi.date_dimension(first, last)
    else:
        lookup = pbi.posto_lookup({}, dt.date.min, dt.date.min, [])
        dates = pd.DataFrame({"date_key": pd.Series([], "object")})
    engine.register("pbi_posto_lookup", lookup)
    engine.register("pbi_bands", pbi.band_table(fleet_nominals(inp.store)))
    engine.register("pbi_dim_date", dates)
    engine.register(
        "pbi_dim_posto",
        pd.DataFrame({"posto": list(dx.POSTO_ORDER), "sort_order": range(1, len(dx.POSTO_ORDER) + 1)}),
    )
    return [Query(name, dx.SQL[name].strip(), {}) for name in (*dx.FACTS, *dx.DIMENSIONS)]


JOBS: dict[str, Job] = {
    j.name: j
    for j in (
        Job("voltage", "DRP/DRC per set of 1.008 readings and transformers ranked by DRP and DRC", _voltage,
            ("voltage_sets", "ranking_drp_transformer", "ranking_drc_transformer")),
        Job("continuity", "DIC/FIC/DMIC/DICRI per installation-month and transformers ranked", _continuity,
            ("continuity_monthly", "ranking_dic_transformer", "ranking_fic_transformer", "ranking_dmic_transformer")),
        Job("exposure", "Compensation exposure: sets and months above the DRP/DRC and DIC/FIC/DMIC/DICRI limits",
            _exposure, ("exposure_voltage", "exposure_continuity")),
        Job("completeness", "Expected interval readings received, silence, zero while communicating", _completeness,
            ("completeness_meters", "completeness_summary")),
        Job("consumption", "Fleet consumption by group, class, feeder and posto; load curve; GD; Tarifa Branca",
            _consumption, ("consumption_by_group", "consumption_by_class", "consumption_by_feeder",
                           "consumption_by_posto", "load_curve", "gd_injection", "branca_savers")),
        Job("outages", "Transformer and feeder outages inferred from power-down bursts", _outages,
            ("outage_inference",)),
        Job("tamper", "Tamper alarms followed by a consumption drop (possible non-technical loss)", _tamper,
            ("tamper_ntl",)),
        Job("deadlines", "Anexo IV deadline exposure: requests with the meter's evidence", _deadlines,
            ("deadline_requests",)),
        Job("powerbi", "The Power BI star schema (facts and dimensions)", _powerbi,
            (*dx.FACTS, *dx.DIMENSIONS)),
    )
}  # fmt: skip
