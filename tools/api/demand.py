"""Group A contracted demand: ``contracted_demand``.

Reads the last 12 complete cycles (Group A: calendar months) through the bill's query path
(:func:`tools.api.billing.cycle_demands`: 15-minute slots of ``load_profile``, maximum demand per
posto), prices them with the demand tariffs of :mod:`tools.reference` and asks the pure
optimiser (:mod:`tools.domain.contracted_demand`) for the contracted demand with the lowest
annual cost. Verde always when its tariff is loaded; azul (ponta and fora ponta) only when its
tariffs are loaded, otherwise the result says so (``issue.demand.azul_not_available``) and no
value is invented. Amounts are before taxes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tools.api.billing import CycleDemands, cycle_demands
from tools.api.context import ToolContext
from tools.domain.billing.usage import CycleUsage
from tools.domain.billing_reference import ReferenceData, TariffSegment
from tools.domain.contracted_demand import (
    REF_BILLED,
    REF_FACTOR,
    REF_MINIMUM,
    REF_MODALITIES,
    REF_MODALITY_CHANGE,
    REF_PER_POSTO,
    REF_TOLERANCE,
    MonthCost,
    MonthDemand,
    PostoPlan,
    energy_rs,
    optimise,
    optimise_azul,
    prorated_rate,
)
from tools.errors import NoData, TariffNotFound
from tools.registry import ToolSpec
from tools.types import Issue, Period, Provenance, Step, ToolResult, TrailRef

ZERO = Decimal(0)
MONTHS = 12
MIN_COVERAGE = 0.75  # a month with less data is left out (its maximum demand may be missing)
KWH_PER_MWH = Decimal(1000)
_AUDIENCE: tuple[Literal["customer", "operator"], ...] = ("customer", "operator")


class ContractedDemandArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    months: int = Field(default=MONTHS, ge=3, le=MONTHS, description="Past complete cycles to use (3-12).")


@dataclass(frozen=True, slots=True)
class AzulPlan:
    ponta_kw: Decimal
    fora_ponta_kw: Decimal
    demand_cost_rs: Decimal
    ponta_table: tuple[MonthCost, ...]
    fora_ponta_table: tuple[MonthCost, ...]


@dataclass(frozen=True, slots=True)
class ContractedDemand:
    """The contracted demand with the lowest annual cost (before taxes) and the current one."""

    modality: str  # the installation's modality (verde | azul)
    verdict: str  # reduce | increase | keep | no_contract | azul_not_priced
    contracted_kw: Decimal | None
    recommended_kw: Decimal
    current_cost_rs: Decimal | None  # verde demand + ultrapassagem over the months, current contract
    recommended_cost_rs: Decimal
    saving_rs: Decimal | None  # current - recommended (negative never: the optimum is ≤ any contract)
    max_measured_kw: Decimal
    months: int
    first_month: str
    last_month: str
    demand_rate_rs_kw: Decimal  # verde demand tariff of the last month
    tolerance: Decimal
    overrun_factor: Decimal
    minimum_kw: Decimal
    azul_available: bool
    azul: AzulPlan | None
    cheaper_modality: str | None  # verde | azul (demand + energy) when both are priced
    verde_total_rs: Decimal | None
    azul_total_rs: Decimal | None
    table: tuple[MonthCost, ...]  # verde, at the recommended demand
    table_current: tuple[MonthCost, ...]  # verde, at the current contract


_UNITS = {
    "contracted_kw": "kW contracted",  # a whole kW figure: shown without decimals
    "recommended_kw": "kW contracted",
    "max_measured_kw": "kW",
    "current_cost_rs": "R$",
    "recommended_cost_rs": "R$",
    "saving_rs": "R$",
    "verde_total_rs": "R$",
    "azul_total_rs": "R$",
    "demand_rate_rs_kw": "R$/kW",
    "tolerance": "fraction",
    "minimum_kw": "kW",
    "first_month": "month",
    "last_month": "month",
    "azul.ponta_kw": "kW",
    "azul.fora_ponta_kw": "kW",
    "azul.demand_cost_rs": "R$",
}


def _segments(
    reference: ReferenceData, d: CycleDemands, modality: str, cu: CycleUsage, component: str
) -> list[TariffSegment]:
    f = d.facts
    return reference.tariff_segments(
        f.distributor, f.subgroup, modality, f.subclass, cu.cycle.start, cu.cycle.end, component
    )


def _rates(
    d: CycleDemands, modality: str, usages: Sequence[CycleUsage], component: str
) -> tuple[list[dict[str, Decimal]], list[TrailRef], list[TariffSegment]]:
    """Per month: posto -> tariff prorated by days (R$/kW for demand; R$/MWh TUSD+TE for energy)."""
    out: list[dict[str, Decimal]] = []
    refs: list[TrailRef] = []
    all_segs: list[TariffSegment] = []
    for cu in usages:
        segs = _segments(d.reference, d, modality, cu, component)
        all_segs += segs
        postos = list(segs[0].records)
        if component == "demand":
            out.append({p: prorated_rate(segs, p, cu.cycle.days) for p in postos})
        else:
            out.append(
                {p: sum((s.records[p].total * s.days for s in segs), ZERO) / cu.cycle.days for p in postos}
            )
        for s in segs:
            refs += [r.ref.trail() for r in s.records.values()]
    return out, refs, all_segs


def _plan_step(key: str, plan: PostoPlan, refs: Sequence[TrailRef]) -> Step:
    return Step(
        key=key,
        inputs={
            "posto": plan.posto,
            "months": len(plan.months_at_recommended),
            "max_measured_kw": plan.max_measured_kw,
            "candidates_kw": plan.candidates,
            "current_kw": plan.current_kw,
            "current_cost_rs": plan.current_cost_rs,
        },
        formula="min over integer C of sum_months(max(measured, C) * rate + "
        "(measured - C) * factor * rate if measured > C * (1 + tolerance))",
        output=plan.recommended_kw,
        unit="kW",
        refs=(*refs, REF_MINIMUM, REF_BILLED, REF_TOLERANCE, REF_FACTOR),
    )


def contracted_demand(
    ctx: ToolContext, installation_id: str, args: ContractedDemandArgs
) -> ToolResult[ContractedDemand]:
    row = ctx.installation(installation_id)
    if str(row.get("group_code") or row.get("group") or "B") != "A":
        raise NoData("contracted demand applies to Group A only", installation_id=installation_id)
    d = cycle_demands(ctx, installation_id, args.months)
    usages = [cu for cu in d.usages if cu.coverage >= MIN_COVERAGE and cu.usage.demand_kw]
    issues: list[Issue] = []
    skipped = [cu.cycle.start.strftime("%Y-%m") for cu in d.usages if cu not in usages]
    if skipped:
        issues.append(Issue("issue.demand.months_left_out", "warning", {"month": ", ".join(skipped)}))
    if not usages:
        raise NoData("no month with enough data", installation_id=installation_id)
    rules = d.reference.rules
    tolerance = rules.get("ultrapassagem_tolerance").value
    factor = rules.get("ultrapassagem_factor").value
    minimum = rules.get("group_a_min_contracted_kw").value
    contracted = d.facts.contracted_demand_kw
    labels = [cu.cycle.start.strftime("%Y-%m") for cu in usages]

    # ---- verde: one demand, the largest of the postos
    verde_rates, verde_refs, verde_segs = _rates(d, "verde", usages, "demand")
    verde_months = [
        MonthDemand(lab, max(cu.usage.demand_kw.values()), r["total"])
        for lab, cu, r in zip(labels, usages, verde_rates, strict=True)
    ]
    verde = optimise("total", verde_months, tolerance, factor, contracted, minimum)
    steps = [_plan_step("demand.step.verde", verde, verde_refs)]
    stand_in = [s for s in verde_segs if s.stand_in]
    if stand_in:
        issues.append(
            Issue(
                "issue.billing.stand_in_tariff",
                "warning",
                {
                    "reh": next(iter(stand_in[0].records.values())).reh,
                    "start": min(s.start for s in stand_in),
                    "end": max(s.end for s in stand_in),
                },
            )
        )
    if any(r.status != "confirmed" for r in verde_refs):
        issues.append(Issue("issue.billing.reference_values", "warning", {"items": "tariff"}))

    # ---- azul: ponta and fora ponta, only with its tariffs loaded
    azul: AzulPlan | None = None
    cheaper = verde_total = azul_total = None
    try:
        azul_rates, azul_refs, _ = _rates(d, "azul", usages, "demand")
    except TariffNotFound:
        # first: the reply shows the first two warnings
        issues.insert(0, Issue("issue.demand.azul_not_available", "warning", {"subgroup": d.facts.subgroup}))
    else:
        per = {
            p: [
                MonthDemand(lab, cu.usage.demand_kw.get(p, ZERO), r[p])
                for lab, cu, r in zip(labels, usages, azul_rates, strict=True)
            ]
            for p in ("ponta", "fora_ponta")
        }
        current = {"ponta": contracted, "fora_ponta": contracted} if contracted is not None else None
        p_plan, fp_plan = optimise_azul(per["ponta"], per["fora_ponta"], tolerance, factor, current, minimum)
        azul = AzulPlan(
            p_plan.recommended_kw,
            fp_plan.recommended_kw,
            p_plan.recommended_cost_rs + fp_plan.recommended_cost_rs,
            p_plan.months_at_recommended,
            fp_plan.months_at_recommended,
        )
        steps += [
            _plan_step("demand.step.azul", p_plan, azul_refs),
            _plan_step("demand.step.azul", fp_plan, ()),
        ]
        verde_e, v_erefs, _ = _rates(d, "verde", usages, "energy")
        azul_e, a_erefs, _ = _rates(d, "azul", usages, "energy")
        kwh = [cu.usage.kwh for cu in usages]
        verde_total = verde.recommended_cost_rs + sum(
            (energy_rs(k, r) for k, r in zip(kwh, verde_e, strict=True)), ZERO
        )
        azul_total = azul.demand_cost_rs + sum(
            (energy_rs(k, r) for k, r in zip(kwh, azul_e, strict=True)), ZERO
        )
        cheaper = "azul" if azul_total < verde_total else "verde"
        steps.append(
            Step(
                key="demand.step.modalities",
                inputs={"verde_total_rs": verde_total, "azul_total_rs": azul_total},
                formula="optimal demand cost + sum_months(kwh_posto * (tusd + te) / 1000), per modality",
                output=cheaper,
                refs=(*v_erefs, *a_erefs, REF_MODALITIES, REF_MODALITY_CHANGE),
            )
        )

    saving, current_cost = verde.saving_rs, verde.current_cost_rs
    if d.facts.modality == "azul" and azul is None:
        # the current (azul) contract cannot be priced: only the verde option is shown
        verdict, saving, current_cost = "azul_not_priced", None, None
    elif contracted is None:
        verdict = "no_contract"
    elif saving is not None and saving > 0 and verde.recommended_kw < contracted:
        verdict = "reduce"
    elif saving is not None and saving > 0 and verde.recommended_kw > contracted:
        verdict = "increase"
    else:
        verdict = "keep"
    steps.append(
        Step(
            key="demand.step.rules",
            inputs={"minimum_kw": minimum, "tolerance": tolerance, "overrun_factor": factor},
            formula="contracted >= minimum; one value per posto during the contract; modality change "
            "after 12 cycles without change, within 3 cycles of the RTP, or with a demand/voltage change",
            output=minimum,
            unit="kW",
            refs=(REF_MINIMUM, REF_PER_POSTO, REF_MODALITY_CHANGE),
        )
    )
    value = ContractedDemand(
        modality=d.facts.modality,
        verdict=verdict,
        contracted_kw=contracted,
        recommended_kw=verde.recommended_kw,
        current_cost_rs=current_cost,
        recommended_cost_rs=verde.recommended_cost_rs,
        saving_rs=saving,
        max_measured_kw=verde.max_measured_kw,
        months=len(usages),
        first_month=labels[0],
        last_month=labels[-1],
        demand_rate_rs_kw=verde_months[-1].rate,
        tolerance=tolerance,
        overrun_factor=factor,
        minimum_kw=minimum,
        azul_available=azul is not None,
        azul=azul,
        cheaper_modality=cheaper,
        verde_total_rs=verde_total,
        azul_total_rs=azul_total,
        table=verde.months_at_recommended,
        table_current=verde.months_at_current,
    )
    first, last = usages[0].cycle.start, usages[-1].cycle.end
    trail = (*d.steps, *steps)
    citations: dict[str, TrailRef] = {}
    for s in trail:
        for r in s.refs:
            if r.source:
                citations.setdefault(r.source, r)
    return ToolResult(
        tool="contracted_demand",
        value=value,
        units=_UNITS,
        trail=trail,
        issues=tuple(issues),
        provenance=Provenance(
            installation_id=installation_id,
            period=Period(first, last),
            today=d.today,
            reference_versions=dict(d.reference.versions),
            queries=d.queries,
        ),
        citations=tuple(citations.values()),
    )


SPECS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="contracted_demand",
        fn=contracted_demand,
        args_model=ContractedDemandArgs,
        audience=_AUDIENCE,
        needs_installation=True,
        summary="Group A: the contracted demand with the lowest annual cost over the last 12 months of "
        "15-minute demand (verde; azul ponta/fora ponta when its tariffs are loaded), with the ultrapassagem "
        "rule, the current contract's cost and the saving (before taxes).",
        cites=("REN 1.000/2021 arts. 148, 152, 213-214, 221, 294, 301",),
    ),
)

__all__ = ["SPECS", "ContractedDemand", "ContractedDemandArgs", "contracted_demand"]
