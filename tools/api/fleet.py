"""Operator fleet tools: quality_ranking, compensation_exposure, events_summary, data_completeness,
fleet_consumption.

Each tool runs parameterised, set-based DuckDB SQL (files ``tools/data/sql/fleet_*.sql`` and
``quality_*.sql``; window functions and GROUP BY, never a Python loop over meters), then a pure
function of :mod:`tools.domain.quality` / :mod:`tools.domain.continuity` over the aggregated
rows. Results are typed; the trail carries the SQL and its parameters. All tools are
operator-only (``audience=("operator",)``, no installation).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from tools.api.context import ToolContext
from tools.api.quality import (
    band_params,
    continuity_rules,
    fleet_nominals,
    reference_versions,
    sql_file,
    tusd_for,
    voltage_rules,
)
from tools.data import schema
from tools.data.store import Store
from tools.domain import continuity as cont
from tools.domain import quality as q
from tools.domain.calendar import fora_ponta_days
from tools.domain.periods import month_bounds, resolve_period
from tools.errors import InvalidArguments
from tools.registry import ToolSpec
from tools.types import Issue, Period, Provenance, Step, ToolResult, TrailRef

Level = Literal["meter", "transformer", "feeder"]
VOLTAGE_INDICATORS = ("DRP", "DRC")
CONTINUITY_INDICATORS = ("DIC", "FIC", "DMIC")
ALL_INDICATORS = (*VOLTAGE_INDICATORS, *CONTINUITY_INDICATORS, "DICRI")
_DAY = dt.timedelta(days=1)

# ----------------------------------------------------------------------------- shared helpers


def _ts(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


def nominal_end(label: object, period: Period) -> dt.date:
    """Where the period would end if the data reached it (``this_month`` -> last day of the month)."""
    text = str(label or "")
    if text == "this_month" or (len(text) == 7 and text[4] == "-"):
        return month_bounds(period.start.year, period.start.month)[1]
    if text == "this_week":
        return period.start + 6 * _DAY
    if text == "this_quarter":
        q_end_month = period.start.month + 2
        return month_bounds(period.start.year, q_end_month)[1]
    if text == "this_year" or (len(text) == 4 and text.isdigit()):
        return dt.date(period.start.year, 12, 31)
    return period.end


def _months(start: dt.date, end: dt.date) -> list[str]:
    out, cur = [], start.replace(day=1)
    while cur <= end:
        out.append(cur.strftime("%Y-%m"))
        cur = month_bounds(cur.year, cur.month)[1] + _DAY
    return out


def _with(name: str, **parts: str) -> str:
    """A fleet SQL file with ``{{part}}`` placeholders replaced by other SQL files."""
    sql = sql_file(name)
    for key, part in parts.items():
        sql = sql.replace("{{" + key + "}}", sql_file(part))
    return sql


def _param_text(params: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters as they go in the trail (lists shortened)."""
    out: dict[str, Any] = {}
    for k, v in params.items():
        out[k] = v if not isinstance(v, list) or len(v) <= 12 else [*v[:12], f"... ({len(v)})"]
    return out


def _sql_step(key: str, sql: str, params: Mapping[str, Any], rows: int, refs: tuple[TrailRef, ...] = ()) -> Step:
    return Step(key, _param_text(params), "set-based SQL (see sql)", rows, "rows", refs, sql)


def _limit_params(store: Store, with_dicri: bool = False) -> dict[str, list[Any]]:
    """Continuity limits per distinct (conjunto, area, group, subgroup) of the fleet, as SQL lists."""
    rules = continuity_rules()
    combos = store.rows("SELECT DISTINCT conjunto_id, area, group_code, subgroup FROM installations")
    out: dict[str, list[Any]] = {k: [] for k in ("l_conj", "l_area", "l_group", "l_sub", "l_dic_h", "l_fic", "l_dmic_h")}
    if with_dicri:
        out["l_dicri_h"] = []
    for conj, area, group, sub in combos:
        lim = rules.limits_for(conj, area, cont.supply_level(group, sub))
        out["l_conj"].append(conj)
        out["l_area"].append(area)
        out["l_group"].append(group)
        out["l_sub"].append(sub)
        out["l_dic_h"].append(float(lim.dic_h))
        out["l_fic"].append(float(lim.fic))
        out["l_dmic_h"].append(float(lim.dmic_h))
        if with_dicri:
            out["l_dicri_h"].append(float(lim.dicri_h))
    return out


def _critical_params(store: Store) -> dict[str, list[Any]]:
    rules = continuity_rules()
    conj, days = [], []
    for (cid,) in store.rows("SELECT DISTINCT conjunto_id FROM installations WHERE conjunto_id IS NOT NULL"):
        for day in sorted(rules.critical_days_for(cid)):
            conj.append(cid)
            days.append(day)
    return {"crit_conj": conj, "crit_day": days}


def _voltage_params(store: Store, start: dt.datetime, end: dt.datetime, end_ext: dt.datetime) -> dict[str, Any]:
    rules = voltage_rules()
    return {
        "start": start,
        "end": end,
        "end_ext": end_ext,
        "set_size": rules.set_size,
        "low_pu": float(rules.interruption_pu),
        "installation": None,
        **band_params(fleet_nominals(store)),
    }


def _tusd_map(on: dt.date) -> tuple[dict[str, tuple[Decimal, Decimal]], list[TrailRef], bool]:
    a, b = tusd_for("A", on), tusd_for("B", on)
    return {"A": (a.energy_rs_mwh, a.demand_rs_kw), "B": (b.energy_rs_mwh, b.demand_rs_kw)}, [a.ref, b.ref], a.fallback or b.fallback


def _indicator_list(value: str | Sequence[str] | None, default: Sequence[str]) -> list[str]:
    if value is None:
        return list(default)
    items = [value] if isinstance(value, str) else list(value)
    out = [str(x).upper() for x in items]
    bad = [x for x in out if x not in ALL_INDICATORS]
    if bad:
        raise InvalidArguments("unknown indicator", indicator=bad, known=list(ALL_INDICATORS))
    return out


# ----------------------------------------------------------------------------- quality_ranking


class RankingArgs(BaseModel):
    model_config = ConfigDict(extra="ignore")

    indicator: Literal["DRP", "DRC", "DIC", "FIC", "DMIC"] = "DRP"
    level: Level = "transformer"
    period: str | dict[str, str] | None = "last_week"
    limit: int = Field(10, ge=1, le=500)

    @field_validator("indicator", mode="before")
    @classmethod
    def _upper(cls, v: object) -> object:
        return v.upper() if isinstance(v, str) else v


@dataclass(frozen=True, slots=True)
class QualityRanking:
    indicator: str
    level: str
    period: Period
    previous_period: Period
    nominal_end: dt.date
    ongoing: bool
    unit: str
    limit: Decimal
    entities: tuple[q.RankedEntity, ...]
    n_entities: int  # before the limit
    n_violating_meters: int
    n_at_risk_meters: int


def _ranking_frame(
    ctx: ToolContext, indicator: str, level: str, period: Period, nom_end: dt.date
) -> tuple[pd.DataFrame, str, dict[str, Any]]:
    start, end = period.start_ts(), period.end_ts_exclusive()
    ongoing = nom_end > period.end
    if indicator in VOLTAGE_INDICATORS:
        rules = voltage_rules()
        end_ext = end if ongoing else max(end, min(end + 7 * _DAY, _ts(ctx.data_today)))
        params = _voltage_params(ctx.store, start, end, end_ext)
        lim = rules.drp_lim_pct if indicator == "DRP" else rules.drc_lim_pct
        params.update(indicator=indicator, level=level, limit_pct=float(lim), ongoing=ongoing)
        sql = _with("fleet_ranking_voltage.sql", voltage_sets="quality_voltage_sets.sql")
    else:
        crules = continuity_rules()
        months = _months(period.start, period.end)
        last_start = max(period.start, dt.date.fromisoformat(months[-1] + "-01"))
        month_end = month_bounds(last_start.year, last_start.month)[1]
        observed = (period.end - last_start).days + 1
        scale = (month_end - last_start).days + 1 if ongoing else observed
        params = {
            "start": start,
            "end": end,
            "min_seconds": crules.min_interruption_minutes * 60,
            **_critical_params(ctx.store),
            **_limit_params(ctx.store),
            "indicator": indicator,
            "level": level,
            "months": months,
            "last_month": months[-1],
            "scale": scale / observed,
        }
        sql = _with("fleet_ranking_continuity.sql", continuity_monthly="fleet_continuity_monthly.sql")
    return ctx.store.df(sql, params), sql, params


def quality_ranking(ctx: ToolContext, installation_id: str | None, args: RankingArgs) -> ToolResult[QualityRanking]:
    """Meters, transformers or feeders ranked by DRP/DRC or DIC/FIC/DMIC, with trend and a predictive flag.

    Value per entity = mean over its meters (DRP/DRC: each meter's worst set of 1.008 valid
    readings; DIC/FIC/DMIC: each meter's worst month). ``at_risk``: some meter is projected to
    exceed its limit before the period ends (readings so far extrapolated) without exceeding it yet.
    """
    period = resolve_period(args.period, ctx.data_today, default="last_week")
    nom_end = nominal_end(args.period, period)
    ongoing = nom_end > period.end
    span = (nom_end - period.start).days + 1
    prev = Period(period.start - span * _DAY, period.start - _DAY, "previous")
    cur_df, sql, params = _ranking_frame(ctx, args.indicator, args.level, period, nom_end)
    prev_df, _, prev_params = _ranking_frame(ctx, args.indicator, args.level, prev, prev.end)
    if args.indicator in VOLTAGE_INDICATORS:
        vr = voltage_rules()
        limit = vr.drp_lim_pct if args.indicator == "DRP" else vr.drc_lim_pct
        unit, refs = "%", (vr.limits_ref,)
    else:
        lim = continuity_rules().limits_for(None, "urbana", "BT")
        limit = {"DIC": lim.dic_h, "FIC": lim.fic, "DMIC": lim.dmic_h}[args.indicator]
        unit = "count" if args.indicator == "FIC" else "h"
        refs = (continuity_rules().compensation_ref, lim.ref)
    entities = q.rank_entities(cur_df, prev_df, limit, args.limit)
    issues: list[Issue] = [Issue("fleet.issue.indicative_meter_data", "warning", {})]
    if args.indicator not in VOLTAGE_INDICATORS:
        issues.append(Issue("continuity.issue.limits_reference", "warning", {"conjunto_id": "*"}))
    if ongoing:
        issues.append(Issue("fleet.issue.period_ongoing", "warning", {"nominal_end": nom_end, "data_end": period.end}))
    if cur_df.empty:
        issues.append(Issue("fleet.issue.no_rows", "warning", {"period": period.label}))
    value = QualityRanking(
        indicator=args.indicator,
        level=args.level,
        period=period,
        previous_period=prev,
        nominal_end=nom_end,
        ongoing=ongoing,
        unit=unit,
        limit=limit,
        entities=entities,
        n_entities=len(cur_df),
        n_violating_meters=int(cur_df["n_violating"].sum()) if not cur_df.empty else 0,
        n_at_risk_meters=int(cur_df["n_at_risk"].sum()) if not cur_df.empty else 0,
    )
    trail = (
        _sql_step("fleet.step.ranking_query", sql, params, len(cur_df), refs),
        _sql_step("fleet.step.ranking_previous", sql, prev_params, len(prev_df), refs),
        Step(
            "fleet.step.ranking",
            {"indicator": args.indicator, "level": args.level, "limit": limit, "top": args.limit},
            "sort by mean value desc, meters violating desc; trend = value - previous; "
            "at_risk = any meter with projected > limit >= value",
            len(entities),
            "entities",
            refs,
        ),
    )
    return ToolResult(
        tool="quality_ranking",
        value=value,
        units={"value": unit, "limit": unit},
        trail=trail,
        issues=tuple(issues),
        provenance=Provenance(None, period, ctx.data_today, reference_versions(), ("voltage_10min", "outages")),
        citations=refs,
    )


# ----------------------------------------------------------------------------- compensation_exposure


class ExposureArgs(BaseModel):
    model_config = ConfigDict(extra="ignore")

    period: str | dict[str, str] | None = "this_month"
    indicator: str | list[str] | None = Field(None, description="DRP, DRC, DIC, FIC, DMIC, DICRI; default all")
    group_by: Level = "feeder"
    due_within_days: int = Field(30, ge=0, le=366)


@dataclass(frozen=True, slots=True)
class CompensationExposure:
    period: Period
    indicators: tuple[str, ...]
    group_by: str
    total_rs: Decimal
    voltage_rs: Decimal
    continuity_rs: Decimal
    n_installations: int
    groups: tuple[q.ExposureGroup, ...]
    due: tuple[q.ExposureItem, ...]  # deadline within due_within_days of today
    due_rs: Decimal
    items: tuple[q.ExposureItem, ...]  # all items, largest first (capped at 200)


def compensation_exposure(
    ctx: ToolContext, installation_id: str | None, args: ExposureArgs
) -> ToolResult[CompensationExposure]:
    """Estimated R$ owed for DRP/DRC and DIC/FIC/DMIC/DICRI in a period, by group, with due items.

    Voltage: the worst set of 1.008 valid readings of each installation-month above the limits
    (an estimate of what a regulatory measurement would find). Continuity: monthly apuracao,
    the largest of DIC/FIC/DMIC plus DICRI. EUSD = energy of the month x TUSD.
    """
    period = resolve_period(args.period, ctx.data_today, default="this_month")
    indicators = _indicator_list(args.indicator, ALL_INDICATORS)
    start, end = period.start_ts(), period.end_ts_exclusive()
    e_start = _ts(period.start.replace(day=1))
    e_end = _ts(month_bounds(period.end.year, period.end.month)[1] + _DAY) + 31 * _DAY
    tusd, tusd_refs, tusd_fallback = _tusd_map(period.end)
    trail: list[Step] = []
    items: list[q.ExposureItem] = []
    volt_rs = cont_rs = Decimal(0)
    if any(i in VOLTAGE_INDICATORS for i in indicators):
        vr = voltage_rules()
        end_ext = max(end, min(end + 7 * _DAY, _ts(ctx.data_today)))
        params = _voltage_params(ctx.store, start, end, end_ext)
        params.update(drp_lim_pct=float(vr.drp_lim_pct), drc_lim_pct=float(vr.drc_lim_pct), energy_start=e_start, energy_end=e_end)
        sql = _with("fleet_exposure_voltage.sql", voltage_sets="quality_voltage_sets.sql")
        rows = ctx.store.df(sql, params)
        v_items = q.voltage_exposure(rows, vr, tusd, [i for i in indicators if i in VOLTAGE_INDICATORS])
        volt_rs = sum((i.amount_rs for i in v_items), Decimal(0))
        items += v_items
        trail.append(_sql_step("fleet.step.exposure_voltage_query", sql, params, len(rows), (vr.limits_ref,)))
        trail.append(
            Step("fleet.step.exposure_voltage", {"items": len(v_items), "tusd": {k: v[0] for k, v in tusd.items()}},
                 "per installation-month: max over sets of [(DRP-3)/100*k1 + (DRC-0.5)/100*k2] * EUSD",
                 volt_rs, "R$", (vr.compensation_ref, *tusd_refs))
        )  # fmt: skip
    if any(i in (*CONTINUITY_INDICATORS, "DICRI") for i in indicators):
        cr = continuity_rules()
        params = {
            "start": start,
            "end": end,
            "min_seconds": cr.min_interruption_minutes * 60,
            **_critical_params(ctx.store),
            **_limit_params(ctx.store, with_dicri=True),
            "energy_start": e_start,
            "energy_end": e_end,
        }
        sql = _with("fleet_exposure_continuity.sql", continuity_monthly="fleet_continuity_monthly.sql")
        rows = ctx.store.df(sql, params)
        c_items = cont.continuity_exposure(rows, cr, tusd, [i for i in indicators if i not in VOLTAGE_INDICATORS])
        cont_rs = sum((i.amount_rs for i in c_items), Decimal(0))
        items += c_items
        trail.append(_sql_step("fleet.step.exposure_continuity_query", sql, params, len(rows), (cr.compensation_ref,)))
        trail.append(
            Step("fleet.step.exposure_continuity", {"items": len(c_items), "kei": dict(cr.kei)},
                 "per installation-month: max(DIC, FIC, DMIC compensations) + DICRI, EUSD/730 * kei",
                 cont_rs, "R$", (cr.compensation_ref, cr.kei_ref, cr.limits_ref, *tusd_refs))
        )  # fmt: skip
    groups, due, total = q.summarize_exposure(items, args.group_by, ctx.data_today, args.due_within_days)
    due_rs = sum((i.amount_rs for i in due), Decimal(0))
    trail.append(
        Step("fleet.step.exposure_summary", {"group_by": args.group_by, "due_within_days": args.due_within_days, "today": ctx.data_today},
             "sum(amount_rs) per group; due = items with today <= deadline <= today + due_within_days",
             total, "R$", ())
    )  # fmt: skip
    issues: list[Issue] = [Issue("fleet.issue.exposure_estimate", "warning", {})]
    if tusd_fallback:
        issues.append(Issue("quality.issue.eusd_reference", "warning", {"tusd_rs_mwh": tusd["B"][0]}))
    if any(i not in VOLTAGE_INDICATORS for i in indicators):
        issues.append(Issue("continuity.issue.limits_reference", "warning", {"conjunto_id": "*"}))
    value = CompensationExposure(
        period=period,
        indicators=tuple(indicators),
        group_by=args.group_by,
        total_rs=total,
        voltage_rs=volt_rs,
        continuity_rs=cont_rs,
        n_installations=len({i.installation_id for i in items}),
        groups=groups,
        due=due,
        due_rs=due_rs,
        items=tuple(sorted(items, key=lambda i: (-i.amount_rs, i.installation_id, i.month)))[:200],
    )
    return ToolResult(
        tool="compensation_exposure",
        value=value,
        units={"total_rs": "R$", "voltage_rs": "R$", "continuity_rs": "R$", "due_rs": "R$"},
        trail=tuple(trail),
        issues=tuple(issues),
        provenance=Provenance(None, period, ctx.data_today, reference_versions(), ("voltage_10min", "outages", "load_profile")),
        citations=(voltage_rules().compensation_ref, continuity_rules().compensation_ref),
    )
