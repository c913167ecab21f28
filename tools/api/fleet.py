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
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

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
from tools.errors import InvalidArguments, TariffNotFound
from tools.reference import load_reference
from tools.registry import ToolSpec
from tools.types import Issue, Period, Provenance, Step, ToolResult, TrailRef
from tools.units import money

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


def previous_period(period: Period, nom_end: dt.date) -> Period:
    """The period of equal length before ``period`` (the previous calendar month for months)."""
    if period.start.day == 1 and nom_end == month_bounds(period.start.year, period.start.month)[1]:
        last = period.start - _DAY
        return Period(last.replace(day=1), last, "previous")
    span = (nom_end - period.start).days + 1
    return Period(period.start - span * _DAY, period.start - _DAY, "previous")


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


def _sql_step(
    key: str, sql: str, params: Mapping[str, Any], rows: int, refs: tuple[TrailRef, ...] = ()
) -> Step:
    return Step(key, _param_text(params), "set-based SQL (see sql)", rows, "rows", refs, sql)


def _limit_params(store: Store, with_dicri: bool = False) -> dict[str, list[Any]]:
    """Continuity limits per distinct (conjunto, area, group, subgroup) of the fleet, as SQL lists."""
    rules = continuity_rules()
    combos = store.rows("SELECT DISTINCT conjunto_id, area, group_code, subgroup FROM installations")
    out: dict[str, list[Any]] = {
        k: [] for k in ("l_conj", "l_area", "l_group", "l_sub", "l_dic_h", "l_fic", "l_dmic_h")
    }
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


def _voltage_params(
    store: Store, start: dt.datetime, end: dt.datetime, end_ext: dt.datetime
) -> dict[str, Any]:
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
    """TUSD per group (CPFL Paulista B1 / A4 verde) and whether any is not a confirmed value."""
    a, b = tusd_for("A", on), tusd_for("B", on)
    weak = a.fallback or b.fallback or a.ref.status != "confirmed" or b.ref.status != "confirmed"
    return (
        {"A": (a.energy_rs_mwh, a.demand_rs_kw), "B": (b.energy_rs_mwh, b.demand_rs_kw)},
        [a.ref, b.ref],
        weak,
    )


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
    top_id: str | None  # first entity (for short replies)
    top_value: Decimal | None
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
    cur_df, sql, params = _ranking_frame(ctx, args.indicator, args.level, period, nom_end)
    prev_df, _, prev_params = _ranking_frame(ctx, args.indicator, args.level, prev, prev.end)
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
    issues: list[Issue] = [Issue("fleet.issue.indicative_meter_data", "warning", {})]
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
        units={"value": unit, "limit": unit, "top_value": unit},
        trail=trail,
        issues=tuple(issues),
        provenance=Provenance(
            None, period, ctx.data_today, reference_versions(), ("voltage_10min", "outages")
        ),
        citations=refs,
    )


# ----------------------------------------------------------------------------- compensation_exposure


class ExposureArgs(BaseModel):
    model_config = ConfigDict(extra="ignore")

    period: str | dict[str, str] | None = "this_month"
    indicator: str | list[str] | None = Field(
        None, description="DRP, DRC, DIC, FIC, DMIC, DICRI; default all"
    )
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
    top_group: str | None
    top_group_rs: Decimal | None
    n_due: int
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
        params.update(
            drp_lim_pct=float(vr.drp_lim_pct),
            drc_lim_pct=float(vr.drc_lim_pct),
            energy_start=e_start,
            energy_end=e_end,
        )
        sql = _with("fleet_exposure_voltage.sql", voltage_sets="quality_voltage_sets.sql")
        rows = ctx.store.df(sql, params)
        v_items = q.voltage_exposure(rows, vr, tusd, [i for i in indicators if i in VOLTAGE_INDICATORS])
        volt_rs = sum((i.amount_rs for i in v_items), Decimal(0))
        items += v_items
        trail.append(_sql_step("fleet.step.exposure_voltage_query", sql, params, len(rows), (vr.limits_ref,)))
        trail.append(
            Step(
                "fleet.step.exposure_voltage",
                {"items": len(v_items), "tusd": {k: v[0] for k, v in tusd.items()}},
                "per installation-month: max over sets of [(DRP-3)/100*k1 + (DRC-0.5)/100*k2] * EUSD",
                volt_rs,
                "R$",
                (vr.compensation_ref, *tusd_refs),
            )
        )
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
        c_items = cont.continuity_exposure(
            rows, cr, tusd, [i for i in indicators if i not in VOLTAGE_INDICATORS]
        )
        cont_rs = sum((i.amount_rs for i in c_items), Decimal(0))
        items += c_items
        trail.append(
            _sql_step("fleet.step.exposure_continuity_query", sql, params, len(rows), (cr.compensation_ref,))
        )
        trail.append(
            Step(
                "fleet.step.exposure_continuity",
                {"items": len(c_items), "kei": dict(cr.kei)},
                "per installation-month: max(DIC, FIC, DMIC compensations) + DICRI, EUSD/730 * kei",
                cont_rs,
                "R$",
                (cr.compensation_ref, cr.kei_ref, cr.limits_ref, *tusd_refs),
            )
        )
    groups, due, total = q.summarize_exposure(items, args.group_by, ctx.data_today, args.due_within_days)
    due_rs = sum((i.amount_rs for i in due), Decimal(0))
    trail.append(
        Step(
            "fleet.step.exposure_summary",
            {"group_by": args.group_by, "due_within_days": args.due_within_days, "today": ctx.data_today},
            "sum(amount_rs) per group; due = items with today <= deadline <= today + due_within_days",
            total,
            "R$",
            (),
        )
    )
    issues: list[Issue] = [Issue("fleet.issue.exposure_estimate", "warning", {})]
    if tusd_fallback:
        issues.append(
            Issue(
                "quality.issue.eusd_reference",
                "warning",
                {"tusd_rs_mwh": tusd["B"][0], "status": tusd_refs[1].status},
            )
        )
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
        top_group=groups[0].group_id if groups else None,
        top_group_rs=groups[0].amount_rs if groups else None,
        n_due=len(due),
        due=due,
        due_rs=due_rs,
        items=tuple(sorted(items, key=lambda i: (-i.amount_rs, i.installation_id, i.month)))[:200],
    )
    return ToolResult(
        tool="compensation_exposure",
        value=value,
        units={
            "total_rs": "R$",
            "voltage_rs": "R$",
            "continuity_rs": "R$",
            "due_rs": "R$",
            "top_group_rs": "R$",
        },
        trail=tuple(trail),
        issues=tuple(issues),
        provenance=Provenance(
            None, period, ctx.data_today, reference_versions(), ("voltage_10min", "outages", "load_profile")
        ),
        citations=(voltage_rules().compensation_ref, continuity_rules().compensation_ref),
    )


# ----------------------------------------------------------------------------- events_summary


class EventsArgs(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    period: str | dict[str, str] | None = "last_week"
    kind: Literal["event", "alarm"] | None = None
    code: str | int | None = Field(
        None, description="event key (power_down), category (tamper) or numeric code"
    )
    group_by: Level = Field("feeder", validation_alias=AliasChoices("group_by", "level"))
    limit: int = Field(20, ge=1, le=500)


@dataclass(frozen=True, slots=True)
class CodeCount:
    code: int
    key: str
    kind: str
    category: str
    n_events: int
    n_meters: int


@dataclass(frozen=True, slots=True)
class GroupCount:
    group_id: str
    n_events: int
    n_meters: int
    top_code: str


@dataclass(frozen=True, slots=True)
class InferredOutage:
    level: str  # feeder | transformer
    entity_id: str
    feeder_id: str
    start: dt.datetime
    end: dt.datetime | None
    duration_min: Decimal | None  # median over the meters
    long_interruption: bool  # >= 3 minutes (counts in DIC/FIC)
    n_transformers: int
    feeder_transformers: int
    meters_down: int
    meters_under: int
    transformers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TamperFlag:
    installation_id: str
    transformer_id: str | None
    feeder_id: str | None
    first_tamper: dt.datetime
    n_alarms: int
    codes: tuple[int, ...]
    before_kwh_day: Decimal | None
    after_kwh_day: Decimal | None
    drop_share: Decimal | None
    possible_ntl: bool


@dataclass(frozen=True, slots=True)
class EventsSummary:
    period: Period
    kind: str | None
    codes: tuple[int, ...]  # () = all codes
    group_by: str
    total_events: int
    total_meters: int
    by_code: tuple[CodeCount, ...]
    by_group: tuple[GroupCount, ...]
    top_code: str | None
    top_group: str | None
    n_outages: int
    n_possible_ntl: int
    outages: tuple[InferredOutage, ...]
    meters_in_outages: int
    isolated_power_down_meters: int
    tamper: tuple[TamperFlag, ...]
    possible_ntl: tuple[str, ...]


#: outage inference and NTL thresholds (heuristics, documented in docs/quality-methodology.md)
OUTAGE_WINDOW_MIN = 5
OUTAGE_MIN_METERS = 2
OUTAGE_MIN_SHARE = 0.5
NTL_DAYS = 14
NTL_MIN_DROP = 0.3


def resolve_codes(store: Store, code: str | int | None, kind: str | None) -> list[int]:
    """Event codes for a key (``power_down``), a category (``tamper``) or a number; [] = all."""
    if code is None:
        return []
    if isinstance(code, int) or str(code).strip().isdigit():
        return [int(code)]
    text = str(code).strip().lower()
    rows = store.rows(
        "SELECT code FROM event_codes WHERE (key = ? OR category = ?) AND (CAST(? AS VARCHAR) IS NULL OR kind = ?) ORDER BY code",
        [text, text, kind, kind],
    )
    if not rows:
        known = [
            r[0]
            for r in store.rows(
                "SELECT DISTINCT key FROM event_codes WHERE key NOT LIKE 'vendor_%' ORDER BY key"
            )
        ]
        raise InvalidArguments("unknown event code", code=code, known=known)
    return [int(r[0]) for r in rows]


_POWER_CODES = [schema.EVENT_POWER_DOWN, schema.ALARM_LAST_GASP]


def events_summary(
    ctx: ToolContext, installation_id: str | None, args: EventsArgs
) -> ToolResult[EventsSummary]:
    """Events and alarms by code and topology level; outage inference; tamper + consumption drop (NTL)."""
    period = resolve_period(args.period, ctx.data_today, default="last_week")
    start, end = period.start_ts(), period.end_ts_exclusive()
    codes = resolve_codes(ctx.store, args.code, args.kind)
    params: dict[str, Any] = {
        "start": start,
        "end": end,
        "kind": args.kind,
        "codes": codes or None,
        "level": args.group_by,
    }
    sql = sql_file("fleet_events_summary.sql")
    df = ctx.store.df(sql, params)
    trail = [_sql_step("fleet.step.events_query", sql, params, len(df))]
    total = df[(df["all_groups"] == 1) & (df["all_codes"] == 1)]
    by_code_df = df[(df["all_groups"] == 1) & (df["all_codes"] == 0)].sort_values(
        ["n_events", "code"], ascending=[False, True]
    )
    by_group_df = df[(df["all_groups"] == 0) & (df["all_codes"] == 1)].sort_values(
        ["n_events", "group_id"], ascending=[False, True]
    )
    cells = df[(df["all_groups"] == 0) & (df["all_codes"] == 0)]
    top_code = (
        cells.sort_values("n_events", ascending=False)
        .drop_duplicates("group_id")
        .set_index("group_id")["key"]
        .to_dict()
    )
    by_code = tuple(
        CodeCount(int(r.code), str(r.key), str(r.kind), str(r.category), int(r.n_events), int(r.n_meters))
        for r in by_code_df.head(args.limit).itertuples()
    )
    by_group = tuple(
        GroupCount(str(r.group_id), int(r.n_events), int(r.n_meters), str(top_code.get(r.group_id, "")))
        for r in by_group_df.head(args.limit).itertuples()
    )
    outages: tuple[InferredOutage, ...] = ()
    isolated = in_outages = 0
    if not codes or set(codes) & {schema.EVENT_POWER_DOWN, schema.EVENT_POWER_UP, schema.ALARM_LAST_GASP}:
        o_params = {
            "start": start,
            "end": end,
            "window_min": OUTAGE_WINDOW_MIN,
            "min_meters": OUTAGE_MIN_METERS,
            "min_share": OUTAGE_MIN_SHARE,
            "codes": _POWER_CODES,
            "min_minutes": schema.INTERRUPTION_MIN_MINUTES,
        }
        o_sql = sql_file("fleet_outage_inference.sql")
        odf = ctx.store.df(o_sql, o_params)
        outages = tuple(_outage(r) for r in odf.to_dict("records"))
        in_outages = int(odf["n_down"].sum()) if not odf.empty else 0
        down_meters = ctx.store.scalar(
            "SELECT count(DISTINCT installation_id) FROM events WHERE ts >= ? AND ts < ? AND list_contains(?, code)",
            [start, end, _POWER_CODES],
        )
        isolated = max(int(down_meters or 0) - in_outages, 0)
        trail.append(_sql_step("fleet.step.outage_inference", o_sql, o_params, len(odf)))
    tamper: tuple[TamperFlag, ...] = ()
    if args.kind != "event" and (not codes or set(codes) & set(schema.TAMPER_CODES)):
        t_params = {
            "start": start,
            "end": end,
            "codes": list(schema.TAMPER_CODES),
            "days": NTL_DAYS,
            "min_drop": NTL_MIN_DROP,
        }
        t_sql = sql_file("fleet_tamper_ntl.sql")
        tdf = ctx.store.df(t_sql, t_params)
        tamper = tuple(_tamper(r) for r in tdf.to_dict("records"))
        trail.append(_sql_step("fleet.step.tamper_ntl", t_sql, t_params, len(tdf)))
    issues: list[Issue] = []
    if outages or isolated:
        issues.append(
            Issue(
                "fleet.issue.outage_inference_heuristic",
                "warning",
                {"window_min": OUTAGE_WINDOW_MIN, "min_share": OUTAGE_MIN_SHARE},
            )
        )
    if any(t.possible_ntl for t in tamper):
        issues.append(
            Issue(
                "fleet.issue.ntl_needs_inspection",
                "warning",
                {"min_drop_pct": round(NTL_MIN_DROP * 100), "days": NTL_DAYS},
            )
        )
    value = EventsSummary(
        period=period,
        kind=args.kind,
        codes=tuple(codes),
        group_by=args.group_by,
        total_events=int(total["n_events"].iloc[0]) if not total.empty else 0,
        total_meters=int(total["n_meters"].iloc[0]) if not total.empty else 0,
        by_code=by_code,
        by_group=by_group,
        top_code=by_code[0].key if by_code else None,
        top_group=by_group[0].group_id if by_group else None,
        n_outages=len(outages),
        n_possible_ntl=sum(1 for t in tamper if t.possible_ntl),
        outages=outages,
        meters_in_outages=in_outages,
        isolated_power_down_meters=isolated,
        tamper=tamper,
        possible_ntl=tuple(t.installation_id for t in tamper if t.possible_ntl),
    )
    return ToolResult(
        tool="events_summary",
        value=value,
        units={"duration_min": "min", "before_kwh_day": "kWh/d", "after_kwh_day": "kWh/d"},
        trail=tuple(trail),
        issues=tuple(issues),
        provenance=Provenance(
            None, period, ctx.data_today, reference_versions(), ("events", "event_codes", "load_profile")
        ),
    )


def _opt_dec(x: Any, places: str = "0.001") -> Decimal | None:
    return None if x is None or pd.isna(x) else Decimal(repr(float(x))).quantize(Decimal(places))


def _opt_ts(x: Any) -> dt.datetime | None:
    return None if x is None or pd.isna(x) else pd.Timestamp(x).to_pydatetime()


def _outage(r: Mapping[str, Any]) -> InferredOutage:
    start = _opt_ts(r["start_ts"])
    assert start is not None
    return InferredOutage(
        str(r["level"]),
        str(r["entity_id"]),
        str(r["feeder_id"]),
        start,
        _opt_ts(r["end_ts"]),
        _opt_dec(r["duration_min"], "0.1"),
        bool(r["long_interruption"]),
        int(r["n_transformers"]),
        int(r["feeder_transformers"]),
        int(r["n_down"]),
        int(r["n_meters"]),
        tuple(str(t) for t in r["transformers"]),
    )


def _tamper(r: Mapping[str, Any]) -> TamperFlag:
    first = _opt_ts(r["first_tamper"])
    assert first is not None
    kwh = {k: _opt_dec(None if pd.isna(r[k]) else r[k] / 1000) for k in ("before_wh_day", "after_wh_day")}
    return TamperFlag(
        str(r["installation_id"]),
        r.get("transformer_id"),
        r.get("feeder_id"),
        first,
        int(r["n_alarms"]),
        tuple(int(c) for c in r["codes"]),
        kwh["before_wh_day"],
        kwh["after_wh_day"],
        _opt_dec(r["drop_share"]),
        bool(r["possible_ntl"]),
    )


# ----------------------------------------------------------------------------- data_completeness


class CompletenessArgs(BaseModel):
    model_config = ConfigDict(extra="ignore")

    period: str | dict[str, str] | None = "last_week"
    silent_days: int = Field(3, ge=1, le=365)
    group: str | None = Field(None, description="group A/B or customer class")
    limit: int = Field(20, ge=1, le=500)


@dataclass(frozen=True, slots=True)
class GroupCompleteness:
    group_code: str
    n_meters: int
    completeness: Decimal  # received / expected interval minutes (fraction)
    n_without_readings: int


@dataclass(frozen=True, slots=True)
class MeterCompleteness:
    installation_id: str
    group_code: str
    feeder_id: str | None
    completeness: Decimal
    n_readings: int
    last_reading: dt.datetime | None
    days_since_last: Decimal | None


@dataclass(frozen=True, slots=True)
class DataCompleteness:
    period: Period
    group: str | None
    silent_days: int
    n_meters: int
    completeness: Decimal
    n_complete: int  # meters with >= 99 % of the expected minutes
    n_without_readings: int  # meters with no reading in the period
    n_estimated_readings: int
    by_group: tuple[GroupCompleteness, ...]
    worst: tuple[MeterCompleteness, ...]
    silent: tuple[MeterCompleteness, ...]  # no reading for more than silent_days
    zero_while_communicating: tuple[MeterCompleteness, ...]
    n_silent: int
    n_zero_while_communicating: int


def data_completeness(
    ctx: ToolContext, installation_id: str | None, args: CompletenessArgs
) -> ToolResult[DataCompleteness]:
    """Share of expected interval readings received; silent meters; zero consumption while communicating."""
    period = resolve_period(args.period, ctx.data_today, default="last_week")
    params: dict[str, Any] = {
        "start": period.start_ts(),
        "end": period.end_ts_exclusive(),
        "data_end": _ts(ctx.data_today),
        "silent_days": args.silent_days,
        "group": args.group,
    }
    sum_sql = _with("fleet_completeness_summary.sql", completeness="fleet_completeness.sql")
    sdf = ctx.store.df(sum_sql, params)
    list_sql = _with("fleet_completeness_list.sql", completeness="fleet_completeness.sql")
    lists = {
        k: ctx.store.df(list_sql, {**params, "list": k, "limit": args.limit})
        for k in ("worst", "silent", "zero")
    }
    tot = sdf[sdf["all_groups"] == 1]
    t = tot.iloc[0] if not tot.empty else None

    def frac(received: Any, expected: Any) -> Decimal:
        return (
            Decimal(0)
            if not expected
            else (Decimal(int(received)) / Decimal(int(expected))).quantize(Decimal("0.0001"))
        )

    by_group = tuple(
        GroupCompleteness(str(r.group_code), int(r.n_meters), frac(r.received, r.expected), int(r.n_without))
        for r in sdf[sdf["all_groups"] == 0].sort_values("group_code").itertuples()
    )
    value = DataCompleteness(
        period=period,
        group=args.group,
        silent_days=args.silent_days,
        n_meters=int(t["n_meters"]) if t is not None else 0,
        completeness=frac(t["received"], t["expected"]) if t is not None else Decimal(0),
        n_complete=int(t["n_complete"]) if t is not None else 0,
        n_without_readings=int(t["n_without"]) if t is not None else 0,
        n_estimated_readings=int(t["n_estimated"] or 0) if t is not None else 0,
        by_group=by_group,
        worst=tuple(_meter_row(r) for r in lists["worst"].to_dict("records")),
        silent=tuple(_meter_row(r) for r in lists["silent"].to_dict("records")),
        zero_while_communicating=tuple(_meter_row(r) for r in lists["zero"].to_dict("records")),
        n_silent=int(t["n_silent"]) if t is not None else 0,
        n_zero_while_communicating=int(t["n_zero"]) if t is not None else 0,
    )
    trail = (
        _sql_step("fleet.step.completeness_summary", sum_sql, params, len(sdf)),
        _sql_step(
            "fleet.step.completeness_lists",
            list_sql,
            {**params, "limit": args.limit},
            sum(len(x) for x in lists.values()),
        ),
        Step(
            "fleet.step.completeness",
            {
                "received_minutes": int(t["received"] or 0) if t is not None else 0,
                "expected_minutes": int(t["expected"] or 0) if t is not None else 0,
            },
            "received_minutes / expected_minutes",
            value.completeness,
            "fraction",
            (),
        ),
    )
    return ToolResult(
        tool="data_completeness",
        value=value,
        units={"completeness": "fraction", "days_since_last": "d"},
        trail=trail,
        issues=(),
        provenance=Provenance(None, period, ctx.data_today, {}, ("load_profile", "installations")),
    )


def _meter_row(r: Mapping[str, Any]) -> MeterCompleteness:
    return MeterCompleteness(
        str(r["installation_id"]),
        str(r["group_code"]),
        r.get("feeder_id"),
        _opt_dec(r["completeness"], "0.0001") or Decimal(0),
        int(r["n_readings"]),
        _opt_ts(r["last_ts"]),
        _opt_dec(r["days_since_last"], "0.01"),
    )


# ----------------------------------------------------------------------------- fleet_consumption


class FleetConsumptionArgs(BaseModel):
    model_config = ConfigDict(extra="ignore")

    period: str | dict[str, str] | None = "last_month"
    group_by: Literal["group", "class", "feeder", "posto"] = "group"
    group: str | None = Field(None, description="filter: group A/B or customer class")


@dataclass(frozen=True, slots=True)
class ConsumptionRow:
    key: str
    n_meters: int
    import_kwh: Decimal
    export_kwh: Decimal
    avg_kwh_per_meter: Decimal


@dataclass(frozen=True, slots=True)
class CurvePoint:
    day_type: str  # working_day | weekend_holiday
    hour: int
    avg_kw: Decimal  # mean hourly energy per meter-day [kWh/h = kW]
    n_meter_days: int


@dataclass(frozen=True, slots=True)
class GdSummary:
    n_gd: int
    import_kwh: Decimal
    export_kwh: Decimal
    n_export_gt_import: int


@dataclass(frozen=True, slots=True)
class BrancaSummary:
    n_eligible: int  # Group B convencional, not baixa renda / desconto social, with tariffs loaded
    n_would_save: int
    saving_rs: Decimal  # energy only (TUSD + TE before taxes), no load shifting
    tariff_refs: tuple[TrailRef, ...]


@dataclass(frozen=True, slots=True)
class FleetConsumption:
    period: Period
    group_by: str
    group: str | None
    n_meters: int
    import_kwh: Decimal
    export_kwh: Decimal
    rows: tuple[ConsumptionRow, ...]
    load_curve: tuple[CurvePoint, ...]
    gd: GdSummary
    branca: BrancaSummary | None


def _posto_params(store: Store, period: Period) -> tuple[dict[str, Any], list[TrailRef]]:
    ref = load_reference()
    dists = [
        r[0]
        for r in store.rows("SELECT DISTINCT distributor FROM installations WHERE distributor IS NOT NULL")
    ]
    out: dict[str, list[Any]] = {"w_dist": [], "w_posto": [], "w_lo": [], "w_hi": []}
    refs: list[TrailRef] = []
    for dist in dists:
        sched = ref.posto_schedule(dist)
        if sched is None:
            continue
        refs.append(TrailRef(sched.source, sched.status))  # type: ignore[arg-type]
        for posto, windows in (("ponta", sched.ponta), ("intermediario", sched.intermediario)):
            for lo, hi in windows:
                out["w_dist"].append(dist)
                out["w_posto"].append(posto)
                out["w_lo"].append(lo)
                out["w_hi"].append(hi)
    fp = sorted(fora_ponta_days(period.start, period.end))
    return {**out, "fp_days": fp}, refs


def _branca_params(on: dt.date) -> tuple[dict[str, list[Any]], list[TrailRef]]:
    ref = load_reference()
    out: dict[str, list[Any]] = {"t_sub": [], "t_conv": [], "t_p": [], "t_i": [], "t_f": []}
    refs: list[TrailRef] = []
    for sub, subclass in (("B1", "residencial"), ("B3", "any")):
        try:
            conv = ref.tariff_lines("CPFL_PAULISTA", sub, "convencional", subclass, on)
            br = ref.tariff_lines("CPFL_PAULISTA", sub, "branca", subclass, on)
        except TariffNotFound:
            continue
        c = next(iter(conv.values()))
        out["t_sub"].append(sub)
        out["t_conv"].append(float(c.total))
        out["t_p"].append(float(br["ponta"].total))
        out["t_i"].append(float(br["intermediario"].total))
        out["t_f"].append(float(br["fora_ponta"].total))
        refs += [c.ref.trail(), br["ponta"].ref.trail()]
    return out, refs


def fleet_consumption(
    ctx: ToolContext, installation_id: str | None, args: FleetConsumptionArgs
) -> ToolResult[FleetConsumption]:
    """Consumption by group, class, feeder or posto; average load curves; GD injection; Tarifa Branca savers."""
    period = resolve_period(args.period, ctx.data_today, default="last_month")
    posto_params, posto_refs = _posto_params(ctx.store, period)
    params: dict[str, Any] = {
        "start": period.start_ts(),
        "end": period.end_ts_exclusive(),
        "group": args.group,
        **posto_params,
    }
    totals_sql = _with("fleet_consumption_totals.sql", base="fleet_consumption_base.sql")
    tdf = ctx.store.df(totals_sql, {**params, "group_by": args.group_by})
    curve_sql = _with("fleet_consumption_curve.sql", base="fleet_consumption_base.sql")
    cdf = ctx.store.df(curve_sql, params)
    gd_sql = _with("fleet_consumption_gd.sql", base="fleet_consumption_base.sql")
    gd = ctx.store.df(gd_sql, params).iloc[0]
    b_params, b_refs = _branca_params(period.end)
    branca: BrancaSummary | None = None
    trail: list[Step] = [
        _sql_step(
            "fleet.step.consumption_totals",
            totals_sql,
            {**params, "group_by": args.group_by},
            len(tdf),
            tuple(posto_refs),
        ),
        _sql_step("fleet.step.load_curve", curve_sql, params, len(cdf)),
        _sql_step("fleet.step.gd_injection", gd_sql, params, 1),
    ]
    issues: list[Issue] = []
    if b_params["t_sub"]:
        b_sql = _with("fleet_consumption_branca.sql", base="fleet_consumption_base.sql")
        b = ctx.store.df(b_sql, {**params, **b_params}).iloc[0]
        branca = BrancaSummary(int(b["n_eligible"]), int(b["n_save"]), _money(b["saving_rs"]), tuple(b_refs))
        trail.append(_sql_step("fleet.step.branca_savers", b_sql, {**params, **b_params}, 1, tuple(b_refs)))
        issues.append(Issue("fleet.issue.branca_estimate", "warning", {"period": period.label}))
    else:
        issues.append(Issue("fleet.issue.branca_unavailable", "warning", {}))
    # TODO(issue 4/3): cross-check the set-based Branca estimate with tools/domain/tariffs.py compare once it exists.
    issues.append(Issue("fleet.issue.branca_compare_todo", "warning", {}))
    tot = tdf[tdf["all_keys"] == 1]
    rows = tuple(
        ConsumptionRow(
            str(r.key),
            int(r.n_meters),
            _kwh(r.import_wh),
            _kwh(r.export_wh),
            (_kwh(r.import_wh) / int(r.n_meters)).quantize(Decimal("0.001")) if r.n_meters else Decimal(0),
        )
        for r in tdf[tdf["all_keys"] == 0].itertuples()
    )
    value = FleetConsumption(
        period=period,
        group_by=args.group_by,
        group=args.group,
        n_meters=int(tot["n_meters"].iloc[0]) if not tot.empty else 0,
        import_kwh=_kwh(tot["import_wh"].iloc[0]) if not tot.empty else Decimal(0),
        export_kwh=_kwh(tot["export_wh"].iloc[0]) if not tot.empty else Decimal(0),
        rows=rows,
        load_curve=tuple(
            CurvePoint(str(r.day_type), int(r.hour), _opt_dec(r.avg_kw) or Decimal(0), int(r.n_meter_days))
            for r in cdf.itertuples()
        ),
        gd=GdSummary(
            int(gd["n_gd"]), _kwh(gd["import_wh"]), _kwh(gd["export_wh"]), int(gd["n_export_gt_import"])
        ),
        branca=branca,
    )
    return ToolResult(
        tool="fleet_consumption",
        value=value,
        units={"import_kwh": "kWh", "export_kwh": "kWh", "avg_kw": "kW", "saving_rs": "R$"},
        trail=tuple(trail),
        issues=tuple(issues),
        provenance=Provenance(None, period, ctx.data_today, {}, ("load_profile", "installations")),
        citations=tuple(posto_refs),
    )


def _kwh(wh: Any) -> Decimal:
    return Decimal(0) if wh is None or pd.isna(wh) else Decimal(int(wh)) / 1000


def _money(x: Any) -> Decimal:
    return money(Decimal(repr(float(x))))


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
