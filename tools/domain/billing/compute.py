"""Stage 2 of the bill engine: :func:`compute_bill` turns
:class:`~tools.domain.billing.model.BillInputs` into a :class:`~tools.domain.billing.model.Bill`,
one line per invoice item; :func:`bill` runs both stages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from tools.domain.billing.model import (
    ONE,
    REF_ART_657,
    REF_BANDEIRA_SOCIAL,
    REF_CD_BRANCA,
    REF_GROSS_UP,
    REF_NO_DOUBLE,
    REF_REACTIVE,
    REF_SCEE_ORDER,
    REF_SOCIAL,
    ZERO,
    Bill,
    BillInputs,
    BillLine,
    InstallationFacts,
    TaxSummary,
    Usage,
)
from tools.domain.billing.pricing import allocate_cents, price_range, split_by_tranches, trail_step
from tools.domain.billing.resolve import resolve_inputs
from tools.domain.billing_reference import ReferenceData
from tools.domain.contracted_demand import REF_BILLED as REF_DEMAND
from tools.domain.contracted_demand import demand_charge
from tools.domain.gd import Allocation, allocate, apply_floor
from tools.types import Issue, Step, TrailRef
from tools.units import money

# ============================================================================ compute


def compute_bill(inputs: BillInputs, extra_issues: Sequence[Issue] = ()) -> Bill:
    """Compute a bill from fully resolved inputs (see module docstring for the rules)."""
    g = inputs.gross_up
    lines: list[BillLine] = []
    steps: list[Step] = list(inputs.pre_steps)
    tariff_refs = inputs.refs.get("tariff", ())

    pending: list[tuple[str, str, Decimal, str, Decimal, Decimal, tuple[TrailRef, ...], str]] = []

    def add(
        key: str,
        posto: str,
        qty: Decimal,
        unit: str,
        rate: Decimal,
        pre: Decimal,
        refs: Sequence[TrailRef],
        detail: str = "",
    ) -> None:
        pending.append((key, posto, qty, unit, rate, pre, tuple(refs), detail))

    steps.append(
        trail_step(
            "billing.step.gross_up",
            {"icms": inputs.icms, "pis": inputs.pis, "cofins": inputs.cofins},
            "1 / ((1 - icms) * (1 - pis - cofins))",
            g,
            "factor",
            (REF_GROSS_UP, *inputs.refs.get("icms", ()), *inputs.refs.get("pis_cofins", ())),
        )
    )

    postos = list(inputs.kwh)
    consumed = {p: Decimal(v) for p, v in inputs.kwh.items()}
    total_kwh = sum(consumed.values(), ZERO)
    conv = inputs.facts.group == "B" and inputs.modality == "convencional"

    # ---- consumption lines
    if conv:
        for t, kwh in split_by_tranches(ZERO, total_kwh, inputs.tranches):
            add(
                "billing.component.tusd",
                "total",
                kwh,
                "kWh",
                t.rate.tusd,
                kwh * t.rate.tusd,
                tariff_refs,
                t.label,
            )
            add("billing.component.te", "total", kwh, "kWh", t.rate.te, kwh * t.rate.te, tariff_refs, t.label)
            if t.free:
                add(
                    "billing.component.social_discount",
                    "total",
                    kwh,
                    "kWh",
                    t.rate.total,
                    -kwh * t.rate.total,
                    (REF_SOCIAL,),
                    t.label,
                )
    else:
        for p in postos:
            r = inputs.rates[p]
            add("billing.component.tusd", p, consumed[p], "kWh", r.tusd, consumed[p] * r.tusd, tariff_refs)
            add("billing.component.te", p, consumed[p], "kWh", r.te, consumed[p] * r.te, tariff_refs)

    # ---- SCEE compensation
    alloc: Allocation | None = None
    compensated = dict.fromkeys(postos, ZERO)
    if inputs.gd_class != "none":
        if conv:
            top = inputs.tranches[-1].rate
            te = {"total": top.te}
            rate_tot = {"total": top.total}
        else:
            te = {p: inputs.rates[p].te for p in postos}
            rate_tot = {p: inputs.rates[p].total for p in postos}
        max_comp = None
        if inputs.compensation_free_kwh is not None:
            max_comp = max(total_kwh - inputs.compensation_free_kwh, ZERO)
        alloc = allocate(
            consumed, inputs.injected, inputs.credits, te, inputs.bill_month, max_compensation_kwh=max_comp
        )
        if inputs.floor_applies and inputs.cd_kwh > 0:
            floor_rs = (
                price_range(ZERO, inputs.cd_kwh, inputs.tranches)
                if conv
                else inputs.cd_kwh * inputs.cd_rate.total
            )
            alloc = apply_floor(alloc, rate_tot, inputs.scee_rate, floor_rs, inputs.bill_month)
        compensated = dict(alloc.compensated)
        scee_refs = inputs.refs.get("scee", ())
        cross = any(e.posto != e.source_posto for e in alloc.events)
        steps.append(
            trail_step(
                "billing.step.scee_allocation",
                {
                    "gd_class": inputs.gd_class,
                    "injected_kwh": sum(inputs.injected.values(), ZERO),
                    "from_injection_kwh": alloc.from_injection_kwh,
                    "from_credits_kwh": alloc.from_credits_kwh,
                    "credits_used_kwh": alloc.credits_used_kwh,
                    "new_credits_kwh": alloc.new_credits_kwh,
                    "expired_kwh": sum((lot.kwh for lot in alloc.expired), ZERO),
                },
                "min(consumption, injection + credits) per posto, oldest credits first",
                alloc.compensated_kwh,
                "kWh",
                (*scee_refs, *((REF_SCEE_ORDER,) if cross else ())),
            )
        )
        if alloc.limited_by_floor:
            steps.append(
                trail_step(
                    "billing.step.scee_floor",
                    {"floor_kwh": inputs.cd_kwh, "unwound_kwh": alloc.unwound_kwh},
                    "compensation limited so that energy charge >= custo de disponibilidade",
                    alloc.compensated_kwh,
                    "kWh",
                    (REF_NO_DOUBLE,),
                )
            )
        if conv:
            e_tot = compensated["total"]
            for t, kwh in split_by_tranches(total_kwh - e_tot, total_kwh, inputs.tranches):
                if t.free:
                    continue
                s = inputs.scee_rate["total"]
                add(
                    "billing.component.scee_tusd",
                    "total",
                    kwh,
                    "kWh",
                    t.rate.tusd - s,
                    -kwh * (t.rate.tusd - s),
                    scee_refs,
                    t.label,
                )
                add(
                    "billing.component.scee_te",
                    "total",
                    kwh,
                    "kWh",
                    t.rate.te,
                    -kwh * t.rate.te,
                    scee_refs,
                    t.label,
                )
        else:
            for p in postos:
                e = compensated[p]
                if e <= 0:
                    continue
                r = inputs.rates[p]
                s = inputs.scee_rate[p]
                add("billing.component.scee_tusd", p, e, "kWh", r.tusd - s, -e * (r.tusd - s), scee_refs)
                add("billing.component.scee_te", p, e, "kWh", r.te, -e * r.te, scee_refs)

    # ---- custo de disponibilidade (energy charge is max(CD, energy))
    if inputs.facts.group == "B" and inputs.cd_kwh > 0:
        energy_pre = sum((p[5] for p in pending), ZERO)
        if conv:
            cd_rs = price_range(ZERO, inputs.cd_kwh, inputs.tranches)
            cd_refs = (*inputs.refs.get("cd", ()), *tariff_refs)
        else:
            cd_rs = inputs.cd_kwh * inputs.cd_rate.total
            cd_refs = (*inputs.refs.get("cd", ()), REF_CD_BRANCA)
        steps.append(
            trail_step(
                "billing.step.availability",
                {"cd_kwh": inputs.cd_kwh, "energy_rs": energy_pre},
                "cd_kwh * conventional_rate",
                cd_rs,
                "R$",
                cd_refs,
            )
        )
        if energy_pre < cd_rs:
            add(
                "billing.component.availability",
                "total",
                inputs.cd_kwh,
                "kWh",
                cd_rs / inputs.cd_kwh,
                cd_rs - energy_pre,
                cd_refs,
            )

    # ---- bandeira on billed non-compensated energy
    non_comp = total_kwh - sum(compensated.values(), ZERO)
    band_kwh = max(non_comp - inputs.bandeira_free_kwh, ZERO)
    if inputs.bandeira_rs_kwh > 0 and band_kwh > 0:
        add(
            "billing.component.bandeira",
            "total",
            band_kwh,
            "kWh",
            inputs.bandeira_rs_kwh,
            band_kwh * inputs.bandeira_rs_kwh,
            (*inputs.refs.get("bandeira", ()), *((REF_BANDEIRA_SOCIAL,) if inputs.bandeira_free_kwh else ())),
        )

    # ---- Group A demand and reactive
    ga = inputs.group_a
    if ga is not None:
        for p, rate in ga.demand_rate.items():
            charge = demand_charge(
                ga.demand_kw.get(p, ZERO),
                ga.contracted_kw.get(p, ZERO),
                rate,
                ga.tolerance,
                ga.overrun_factor,
            )
            add(
                "billing.component.demand",
                p,
                charge.billed_kw,
                "kW",
                rate,
                charge.demand_rs,
                (*tariff_refs, REF_DEMAND),
            )
            if charge.overrun_kw > 0:
                add(
                    "billing.component.demand_overrun",
                    p,
                    charge.overrun_kw,
                    "kW",
                    rate * ga.overrun_factor,
                    charge.overrun_rs,
                    (
                        *tariff_refs,
                        TrailRef(
                            "REN 1.000/2021 art. 301 (tolerance 5 %); factor 2 per REN 414 art. 93",
                            "unconfirmed",
                        ),
                    ),
                )
        if ga.ufer_kwh > 0:
            add(
                "billing.component.reactive_energy",
                "total",
                ga.ufer_kwh,
                "kWh",
                ga.vr_ere,
                ga.ufer_kwh * ga.vr_ere,
                (*tariff_refs, REF_REACTIVE),
            )

    subtotal = sum((p[5] for p in pending), ZERO)
    amounts = allocate_cents([p[5] * g for p in pending])
    line_steps: list[Step] = []
    for (key, posto, qty, unit, rate, pre, refs, detail), amount in zip(pending, amounts, strict=True):
        lines.append(BillLine(key, posto, qty, unit, rate, pre, amount, detail))
        sign = "-" if pre < 0 else ""
        qname = "kwh" if unit == "kWh" else "kw"
        line_steps.append(
            trail_step(
                key,
                {
                    "posto": posto,
                    qname: qty,
                    "rate_rs": rate,
                    "gross_up": g,
                    **({"detail": detail} if detail else {}),
                },
                f"{sign}{qname} * rate_rs * gross_up",
                amount,
                "R$",
                (*refs, REF_ART_657),
            )
        )
    steps += line_steps
    # ---- CIP (outside the tax base)
    if inputs.cip > 0:
        cip_amount = money(inputs.cip)
        lines.append(BillLine("billing.component.cip", "total", ONE, "", inputs.cip, inputs.cip, cip_amount))
        steps.append(
            trail_step(
                "billing.component.cip",
                {"amount_rs": inputs.cip},
                "amount_rs",
                cip_amount,
                "R$",
                inputs.refs.get("cip", ()),
            )
        )

    base = subtotal * g
    icms_rs = base * inputs.icms
    pis_rs = (base - icms_rs) * inputs.pis
    cofins_rs = (base - icms_rs) * inputs.cofins
    # the invoice's tax block, rounded so that subtotal + ICMS + PIS + COFINS = base to the cent
    # (subtotal + taxes = base exactly before rounding; largest remainder, as the lines)
    sub_c, icms_c, pis_c, cofins_c = allocate_cents([subtotal, icms_rs, pis_rs, cofins_rs])
    taxes = TaxSummary(
        icms_rate=inputs.icms,
        pis_rate=inputs.pis,
        cofins_rate=inputs.cofins,
        gross_up=g,
        base=money(base),
        icms=icms_c,
        pis=pis_c,
        cofins=cofins_c,
        subtotal=sub_c,
    )
    steps.append(
        trail_step(
            "billing.step.taxes",
            {
                "subtotal_rs": subtotal,
                "base_rs": base,
                "icms_rs": icms_rs,
                "pis_rs": pis_rs,
                "cofins_rs": cofins_rs,
            },
            "base = subtotal * gross_up; icms = base * icms; pis = (base - icms_rs) * pis; cofins = (base - icms_rs) * cofins",
            money(icms_rs + pis_rs + cofins_rs),
            "R$",
            (REF_GROSS_UP, *inputs.refs.get("icms", ()), *inputs.refs.get("pis_cofins", ())),
        )
    )
    total = sum((ln.amount for ln in lines), ZERO)
    exact_total = base + inputs.cip
    steps.append(
        trail_step(
            "billing.step.total",
            {"lines": len(lines)},
            "round(exact total); lines reconciled to it (largest remainder)",
            total,
            "R$",
            (REF_ART_657,),
        )
    )
    injected_total = sum(inputs.injected.values(), ZERO)
    return Bill(
        start=inputs.start,
        end=inputs.end,
        reading_date=inputs.reading_date,
        days=inputs.days,
        modality=inputs.modality,
        consumption_kwh=total_kwh,
        kwh_by_posto=consumed,
        injected_kwh=injected_total,
        compensated_kwh=sum(compensated.values(), ZERO),
        lines=tuple(lines),
        subtotal_before_taxes=subtotal,
        taxes=taxes,
        total=total,
        exact_total=exact_total,
        allocation=alloc,
        steps=tuple(steps),
        issues=tuple(extra_issues),
        label=inputs.bill_label,
    )


def bill(
    facts: InstallationFacts,
    start: dt.date,
    end: dt.date,
    usage: Usage,
    reference: ReferenceData,
    **kwargs: Any,
) -> Bill:
    """Resolve and compute in one call (``kwargs`` as :func:`resolve_inputs`)."""
    inputs, issues = resolve_inputs(facts, start, end, usage, reference, **kwargs)
    return compute_bill(inputs, issues)
