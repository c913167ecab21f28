"""events_summary: events and alarms by code and topology level, outage inference, tamper + consumption drop."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

import pandas as pd
from pydantic import AliasChoices, ConfigDict, Field

from tools.api.context import ToolContext
from tools.api.fleet.common import (
    Level,
    PlaceFilter,
    opt_dec,
    opt_ts,
    scope_ids,
    scope_issue,
    sql_step,
)
from tools.api.quality_common import reference_versions
from tools.data import schema
from tools.data.queries import events as event_queries
from tools.data.queries import fleet as fleet_queries
from tools.data.queries import register
from tools.data.store import Store
from tools.domain.periods import resolve_period
from tools.errors import InvalidArguments
from tools.types import Issue, Period, Provenance, ToolResult

# ----------------------------------------------------------------------------- events_summary


class EventsArgs(PlaceFilter):
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
    found = event_queries.codes_for(store, text, kind)
    if not found:
        raise InvalidArguments("unknown event code", code=code, known=event_queries.known_keys(store))
    return found


_POWER_CODES = [schema.EVENT_POWER_DOWN, schema.ALARM_LAST_GASP]


def _topology_of(ctx: ToolContext, ids: list[str]) -> tuple[set[str], set[str]]:
    """Feeders and transformers of the given installations."""
    rows = register.topology_of(ctx.store, ids)
    return {str(f) for f, _ in rows if f}, {str(t) for _, t in rows if t}


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
        "scope": scope_ids(ctx.store, args),
    }
    inside = set(params["scope"]) if params["scope"] is not None else None
    df, sql = fleet_queries.events_summary(ctx.store, params)
    trail = [sql_step("fleet.step.events_query", sql, params, len(df))]
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
        odf, o_sql = fleet_queries.outage_inference(ctx.store, o_params)
        outages = tuple(_outage(r) for r in odf.to_dict("records"))
        if inside is not None:
            feeders, transformers = _topology_of(ctx, params["scope"])
            outages = tuple(
                o
                for o in outages
                if o.entity_id in transformers or (o.level == "feeder" and o.entity_id in feeders)
            )
        in_outages = int(odf["n_down"].sum()) if not odf.empty else 0
        down_meters = event_queries.meters_with_codes(ctx.store, start, end, _POWER_CODES)
        isolated = max(down_meters - in_outages, 0)
        trail.append(sql_step("fleet.step.outage_inference", o_sql, o_params, len(odf)))
    tamper: tuple[TamperFlag, ...] = ()
    if args.kind != "event" and (not codes or set(codes) & set(schema.TAMPER_CODES)):
        t_params = {
            "start": start,
            "end": end,
            "codes": list(schema.TAMPER_CODES),
            "days": NTL_DAYS,
            "min_drop": NTL_MIN_DROP,
        }
        tdf, t_sql = fleet_queries.tamper_ntl(ctx.store, t_params)
        tamper = tuple(
            x
            for x in (_tamper(r) for r in tdf.to_dict("records"))
            if inside is None or x.installation_id in inside
        )
        trail.append(sql_step("fleet.step.tamper_ntl", t_sql, t_params, len(tdf)))
    issues: list[Issue] = scope_issue(args, params["scope"])
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


def _outage(r: Mapping[str, Any]) -> InferredOutage:
    start = opt_ts(r["start_ts"])
    assert start is not None
    return InferredOutage(
        str(r["level"]),
        str(r["entity_id"]),
        str(r["feeder_id"]),
        start,
        opt_ts(r["end_ts"]),
        opt_dec(r["duration_min"], "0.1"),
        bool(r["long_interruption"]),
        int(r["n_transformers"]),
        int(r["feeder_transformers"]),
        int(r["n_down"]),
        int(r["n_meters"]),
        tuple(str(t) for t in r["transformers"]),
    )


def _tamper(r: Mapping[str, Any]) -> TamperFlag:
    first = opt_ts(r["first_tamper"])
    assert first is not None
    kwh = {k: opt_dec(None if pd.isna(r[k]) else r[k] / 1000) for k in ("before_wh_day", "after_wh_day")}
    return TamperFlag(
        str(r["installation_id"]),
        r.get("transformer_id"),
        r.get("feeder_id"),
        first,
        int(r["n_alarms"]),
        tuple(int(c) for c in r["codes"]),
        kwh["before_wh_day"],
        kwh["after_wh_day"],
        opt_dec(r["drop_share"]),
        bool(r["possible_ntl"]),
    )
