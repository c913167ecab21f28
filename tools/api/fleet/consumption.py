"""fleet_consumption: consumption by group, class, feeder or posto; load curves; GD injection; Tarifa Branca savers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tools.api.context import ToolContext
from tools.api.fleet.common import (
    kwh_of,
    money_of,
    opt_dec,
    sql_step,
)
from tools.data.queries import fleet as fleet_queries
from tools.data.queries import register
from tools.data.queries.fleet import FleetSource
from tools.data.store import Store
from tools.domain.calendar import fora_ponta_days
from tools.domain.periods import resolve_period
from tools.errors import TariffNotFound
from tools.reference import load_reference
from tools.types import Issue, Period, Provenance, Step, ToolResult, TrailRef

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
    dists = register.distributors(store)
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
    # hour sums (usage_hourly) when they match the lake and every posto window is whole hours
    hourly = ctx.store.usage_ready() and all(m % 60 == 0 for m in (*params["w_lo"], *params["w_hi"]))
    source: FleetSource = "aggregate" if hourly else "lake"
    tdf, totals_sql = fleet_queries.consumption_totals(ctx.store, {**params, "group_by": args.group_by}, source)
    cdf, curve_sql = fleet_queries.load_curve(ctx.store, params, source)
    gd_df, gd_sql = fleet_queries.gd_injection(ctx.store, params, source)
    gd = gd_df.iloc[0]
    b_params, b_refs = _branca_params(period.end)
    branca: BrancaSummary | None = None
    trail: list[Step] = [
        sql_step(
            "fleet.step.consumption_totals",
            totals_sql,
            {**params, "group_by": args.group_by},
            len(tdf),
            tuple(posto_refs),
        ),
        sql_step("fleet.step.load_curve", curve_sql, params, len(cdf)),
        sql_step("fleet.step.gd_injection", gd_sql, params, 1),
    ]
    issues: list[Issue] = []
    if b_params["t_sub"]:
        b_df, b_sql = fleet_queries.branca_savers(ctx.store, {**params, **b_params}, source)
        b = b_df.iloc[0]
        branca = BrancaSummary(
            int(b["n_eligible"]), int(b["n_save"]), money_of(b["saving_rs"]), tuple(b_refs)
        )
        trail.append(sql_step("fleet.step.branca_savers", b_sql, {**params, **b_params}, 1, tuple(b_refs)))
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
            kwh_of(r.import_wh),
            kwh_of(r.export_wh),
            (kwh_of(r.import_wh) / int(r.n_meters)).quantize(Decimal("0.001")) if r.n_meters else Decimal(0),
        )
        for r in tdf[tdf["all_keys"] == 0].itertuples()
    )
    value = FleetConsumption(
        period=period,
        group_by=args.group_by,
        group=args.group,
        n_meters=int(tot["n_meters"].iloc[0]) if not tot.empty else 0,
        import_kwh=kwh_of(tot["import_wh"].iloc[0]) if not tot.empty else Decimal(0),
        export_kwh=kwh_of(tot["export_wh"].iloc[0]) if not tot.empty else Decimal(0),
        rows=rows,
        load_curve=tuple(
            CurvePoint(str(r.day_type), int(r.hour), opt_dec(r.avg_kw) or Decimal(0), int(r.n_meter_days))
            for r in cdf.itertuples()
        ),
        gd=GdSummary(
            int(gd["n_gd"]), kwh_of(gd["import_wh"]), kwh_of(gd["export_wh"]), int(gd["n_export_gt_import"])
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
