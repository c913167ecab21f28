"""compensation_exposure: estimated R$ owed for DRP/DRC and DIC/FIC/DMIC/DICRI, by group, with due items."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pydantic import ConfigDict, Field

from tools.api.context import ToolContext
from tools.api.fleet.common import (
    ALL_INDICATORS,
    CONTINUITY_INDICATORS,
    DAY,
    VOLTAGE_INDICATORS,
    Level,
    PlaceFilter,
    critical_params,
    day_ts,
    indicator_list,
    limit_params,
    scope_ids,
    scope_issue,
    sql_step,
    tusd_map,
)
from tools.api.quality_common import continuity_rules, reference_versions, voltage_params, voltage_rules
from tools.data.queries import fleet as fleet_queries
from tools.domain import continuity as cont
from tools.domain import quality as q
from tools.domain.periods import month_bounds, resolve_period
from tools.types import Issue, Period, Provenance, Step, ToolResult

# ----------------------------------------------------------------------------- compensation_exposure


class ExposureArgs(PlaceFilter):
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
    indicators = indicator_list(args.indicator, ALL_INDICATORS)
    start, end = period.start_ts(), period.end_ts_exclusive()
    e_start = day_ts(period.start.replace(day=1))
    e_end = day_ts(month_bounds(period.end.year, period.end.month)[1] + DAY) + 31 * DAY
    tusd, tusd_refs, tusd_fallback = tusd_map(period.end)
    trail: list[Step] = []
    items: list[q.ExposureItem] = []
    volt_rs = cont_rs = Decimal(0)
    if any(i in VOLTAGE_INDICATORS for i in indicators):
        vr = voltage_rules()
        end_ext = max(end, min(end + 7 * DAY, day_ts(ctx.data_today)))
        params = voltage_params(ctx.store, start, end, end_ext)
        params.update(
            drp_lim_pct=float(vr.drp_lim_pct),
            drc_lim_pct=float(vr.drc_lim_pct),
            energy_start=e_start,
            energy_end=e_end,
        )
        rows, sql = fleet_queries.exposure_voltage(ctx.store, params)
        v_items = q.voltage_exposure(rows, vr, tusd, [i for i in indicators if i in VOLTAGE_INDICATORS])
        volt_rs = sum((i.amount_rs for i in v_items), Decimal(0))
        items += v_items
        trail.append(sql_step("fleet.step.exposure_voltage_query", sql, params, len(rows), (vr.limits_ref,)))
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
            **critical_params(ctx.store),
            **limit_params(ctx.store, with_dicri=True),
            "energy_start": e_start,
            "energy_end": e_end,
        }
        rows, sql = fleet_queries.exposure_continuity(ctx.store, params)
        c_items = cont.continuity_exposure(
            rows, cr, tusd, [i for i in indicators if i not in VOLTAGE_INDICATORS]
        )
        cont_rs = sum((i.amount_rs for i in c_items), Decimal(0))
        items += c_items
        trail.append(
            sql_step("fleet.step.exposure_continuity_query", sql, params, len(rows), (cr.compensation_ref,))
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
    scope = scope_ids(ctx.store, args)
    if scope is not None:
        inside = set(scope)
        items = [i for i in items if i.installation_id in inside]
        volt_rs = sum((i.amount_rs for i in items if i.indicator.startswith("DR")), Decimal(0))
        cont_rs = sum((i.amount_rs for i in items if not i.indicator.startswith("DR")), Decimal(0))
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
    issues: list[Issue] = [*scope_issue(args, scope), Issue("fleet.issue.exposure_estimate", "warning", {})]
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
