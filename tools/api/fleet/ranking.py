"""quality_ranking: meters, transformers or feeders ranked by DRP/DRC or DIC/FIC/DMIC."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

import pandas as pd
from pydantic import ConfigDict, Field, field_validator

from tools.api.context import ToolContext
from tools.api.fleet.common import (
    DAY,
    VOLTAGE_INDICATORS,
    Level,
    PlaceFilter,
    critical_params,
    day_ts,
    limit_params,
    months_between,
    nominal_end,
    previous_period,
    scope_ids,
    scope_issue,
    sql_step,
    with_parts,
)
from tools.api.quality_common import continuity_rules, reference_versions, voltage_params, voltage_rules
from tools.data.store import Store
from tools.domain import quality as q
from tools.domain.periods import month_bounds, resolve_period
from tools.types import Issue, Period, Provenance, Step, ToolResult, TrailRef

# ----------------------------------------------------------------------------- quality_ranking


class RankingArgs(PlaceFilter):
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
    top_id: str | None  # first entity (for short replies)
    top_value: Decimal | None
    n_entities: int  # before the limit
    n_violating_meters: int
    n_at_risk_meters: int


def _ranking_frame(
    ctx: ToolContext,
    indicator: str,
    level: str,
    period: Period,
    nom_end: dt.date,
    scope: list[str] | None = None,
) -> tuple[pd.DataFrame, str, dict[str, Any]]:
    sql, params = ranking_query(ctx.store, ctx.data_today, indicator, level, period, nom_end, scope)
    return ctx.store.df(sql, params), sql, params


def ranking_query(
    store: Store,
    data_today: dt.date,
    indicator: str,
    level: str,
    period: Period,
    nom_end: dt.date,
    scope: list[str] | None = None,
) -> tuple[str, dict[str, Any]]:
    """The SQL and parameters of one ranking (also run by the fleet jobs on Spark).

    ``scope``: only these installations (the place filters), ``None`` = the whole fleet."""
    start, end = period.start_ts(), period.end_ts_exclusive()
    ongoing = nom_end > period.end
    if indicator in VOLTAGE_INDICATORS:
        rules = voltage_rules()
        end_ext = end if ongoing else max(end, min(end + 7 * DAY, day_ts(data_today)))
        params = voltage_params(store, start, end, end_ext)
        lim = rules.drp_lim_pct if indicator == "DRP" else rules.drc_lim_pct
        params.update(indicator=indicator, level=level, limit_pct=float(lim), ongoing=ongoing, scope=scope)
        sql = with_parts("fleet_ranking_voltage.sql", voltage_sets="quality_voltage_sets.sql")
    else:
        crules = continuity_rules()
        months = months_between(period.start, period.end)
        last_start = max(period.start, dt.date.fromisoformat(months[-1] + "-01"))
        month_end = month_bounds(last_start.year, last_start.month)[1]
        observed = (period.end - last_start).days + 1
        scale = (month_end - last_start).days + 1 if ongoing else observed
        params = {
            "start": start,
            "end": end,
            "min_seconds": crules.min_interruption_minutes * 60,
            **critical_params(store),
            **limit_params(store),
            "indicator": indicator,
            "level": level,
            "months": months,
            "last_month": months[-1],
            "scale": scale / observed,
            "scope": scope,
        }
        sql = with_parts("fleet_ranking_continuity.sql", continuity_monthly="fleet_continuity_monthly.sql")
    return sql, params


def quality_ranking(
    ctx: ToolContext, installation_id: str | None, args: RankingArgs
) -> ToolResult[QualityRanking]:
    """Meters, transformers or feeders ranked by DRP/DRC or DIC/FIC/DMIC, with trend and a predictive flag.

    Value per entity = mean over its meters (DRP/DRC: each meter's worst set of 1.008 valid
    readings; DIC/FIC/DMIC: each meter's worst month). ``at_risk``: some meter is projected to
    exceed its limit before the period ends (readings so far extrapolated) without exceeding it yet.
    """
    period = resolve_period(args.period, ctx.data_today, default="last_week")
    nom_end = nominal_end(args.period, period)
    ongoing = nom_end > period.end
    prev = previous_period(period, nom_end)
    # a transformer (feeder) named at its own level asks for its position: the ranking stays whole
    place = args.model_copy(
        update={
            "transformer": args.transformer if args.level == "meter" else None,
            "feeder": args.feeder if args.level != "feeder" else None,
        }
    )
    scope = scope_ids(ctx.store, place)
    cur_df, sql, params = _ranking_frame(ctx, args.indicator, args.level, period, nom_end, scope)
    prev_df, _, prev_params = _ranking_frame(ctx, args.indicator, args.level, prev, prev.end, scope)
    if args.indicator in VOLTAGE_INDICATORS:
        vr = voltage_rules()
        limit = vr.drp_lim_pct if args.indicator == "DRP" else vr.drc_lim_pct
        unit = "%"
        refs: tuple[TrailRef, ...] = (vr.limits_ref,)
    else:
        lim = continuity_rules().limits_for(None, "urbana", "BT")
        limit = {"DIC": lim.dic_h, "FIC": lim.fic, "DMIC": lim.dmic_h}[args.indicator]
        unit = "count" if args.indicator == "FIC" else "h"
        refs = (continuity_rules().compensation_ref, lim.ref)
    entities = q.rank_entities(cur_df, prev_df, limit, args.limit)
    issues: list[Issue] = [
        *scope_issue(place, scope),
        Issue("fleet.issue.indicative_meter_data", "warning", {}),
    ]
    if args.indicator not in VOLTAGE_INDICATORS:
        issues.append(Issue("continuity.issue.limits_reference", "warning", {"conjunto_id": "*"}))
    if ongoing:
        issues.append(
            Issue("fleet.issue.period_ongoing", "warning", {"nominal_end": nom_end, "data_end": period.end})
        )
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
        top_id=entities[0].entity_id if entities else None,
        top_value=entities[0].value if entities else None,
        n_entities=len(cur_df),
        n_violating_meters=int(cur_df["n_violating"].sum()) if not cur_df.empty else 0,
        n_at_risk_meters=int(cur_df["n_at_risk"].sum()) if not cur_df.empty else 0,
    )
    trail = (
        sql_step("fleet.step.ranking_query", sql, params, len(cur_df), refs),
        sql_step("fleet.step.ranking_previous", sql, prev_params, len(prev_df), refs),
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
        units={"value": unit, "limit": unit, "top_value": unit},
        trail=trail,
        issues=tuple(issues),
        provenance=Provenance(
            None, period, ctx.data_today, reference_versions(), ("voltage_10min", "outages")
        ),
        citations=refs,
    )
