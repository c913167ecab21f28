"""data_completeness: expected interval readings received, silent meters, zero consumption while communicating."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tools.api.context import ToolContext
from tools.api.fleet.common import (
    day_ts,
    opt_dec,
    opt_ts,
    sql_step,
)
from tools.data.queries import fleet as fleet_queries
from tools.data.queries.fleet import FleetSource
from tools.domain.periods import resolve_period
from tools.types import Period, Provenance, Step, ToolResult

# ----------------------------------------------------------------------------- data_completeness


class CompletenessArgs(BaseModel):
    model_config = ConfigDict(extra="ignore")

    period: str | dict[str, str] | None = "last_week"
    silent_days: int = Field(3, ge=1, le=365)
    group_by: Literal["group", "class", "feeder", "transformer", "municipality"] = Field(
        "group",
        description="rows of by_group: group A/B, customer class, feeder, transformer or municipality",
    )
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
        "data_end": day_ts(ctx.data_today),
        "silent_days": args.silent_days,
        "group": args.group,
    }
    # per installation-day sums (usage_daily) when they match the lake; the interval rows otherwise
    source: FleetSource = "aggregate" if ctx.store.usage_ready() else "lake"
    sdf, sum_sql = fleet_queries.completeness_summary(ctx.store, params, source)
    numeric = sdf.select_dtypes("number").columns
    sdf[numeric] = sdf[numeric].fillna(0)  # a group with no meters sums to NULL: zero, not a 500
    lists, list_sql = {}, ""
    for k in ("worst", "silent", "zero"):
        lists[k], list_sql = fleet_queries.completeness_list(
            ctx.store, {**params, "list": k, "limit": args.limit}, source
        )
    tot = sdf[sdf["all_groups"] == 1]
    t = tot.iloc[0] if not tot.empty else None

    def frac(received: Any, expected: Any) -> Decimal:
        return (
            Decimal(0)
            if not expected
            else (Decimal(int(received)) / Decimal(int(expected))).quantize(Decimal("0.0001"))
        )

    if args.group_by == "group":
        by_group = tuple(
            GroupCompleteness(
                str(r.group_code), int(r.n_meters), frac(r.received, r.expected), int(r.n_without)
            )
            for r in sdf[sdf["all_groups"] == 0].sort_values("group_code").itertuples()
        )
        by_sql = ""
    else:
        gdf, by_sql = fleet_queries.completeness_by(ctx.store, {**params, "group_by": args.group_by}, source)
        by_group = tuple(
            GroupCompleteness(
                str(r.group_key), int(r.n_meters), frac(r.received, r.expected), int(r.n_without)
            )
            for r in gdf.itertuples()
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
        sql_step("fleet.step.completeness_summary", sum_sql, params, len(sdf)),
        *(
            (
                sql_step(
                    "fleet.step.completeness_by", by_sql, {**params, "group_by": args.group_by}, len(by_group)
                ),
            )
            if by_sql
            else ()
        ),
        sql_step(
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
        opt_dec(r["completeness"], "0.0001") or Decimal(0),
        int(r["n_readings"]),
        opt_ts(r["last_ts"]),
        opt_dec(r["days_since_last"], "0.01"),
    )
