"""Cost estimates over the bill engine: :func:`estimate_energy_cost` (the R$ of some kWh) and
:func:`bill_sequence` (consecutive cycles with the SCEE credit bank carried over)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from tools.domain.billing.compute import compute_bill
from tools.domain.billing.model import REF_ART_657, ZERO, Bill, BillInputs, InstallationFacts, Usage
from tools.domain.billing.pricing import trail_step
from tools.domain.billing.resolve import resolve_inputs
from tools.domain.billing_reference import ReferenceData
from tools.domain.gd import CreditLot
from tools.types import Step

# ============================================================================ cost estimate


def estimate_energy_cost(
    kwh_by_posto: Mapping[str, Decimal],
    days: int,
    installation: Mapping[str, Any],
    on: dt.date,
    reference: ReferenceData,
) -> tuple[Decimal, tuple[Step, ...]]:
    """Estimated R$ (taxes included) of consuming ``kwh_by_posto`` over ``days`` days ending on ``on``.

    Energy cost only: TUSD + TE of the installation's modality (pro rata by days if a tariff
    changes), bandeira of each day's month, ICMS band chosen by the monthly-equivalent
    consumption (``kwh * 30 / days``), PIS/COFINS of ``on``'s month. No custo de
    disponibilidade, no CIP, no SCEE compensation; social tranches (80/120 kWh) pro rata by
    ``days / 30``; Group A: energy only (no demand).

    Parameters
    ----------
    kwh_by_posto : ``{"ponta"|"intermediario"|"fora_ponta"|"total": kWh}``; Branca needs the
        three postos.
    days : length of the period [d], ending on ``on`` (inclusive).
    installation : a row of the ``installations`` table (or any mapping with its columns).
    on : last day of the period.
    reference : :func:`tools.reference.load_reference()`.

    Returns
    -------
    (amount, steps) : exact Decimal R$ (round with :func:`tools.units.money` for display) and
    the trail.
    """
    if days < 1:
        raise ValueError("days must be >= 1")
    facts = InstallationFacts.from_mapping(installation)
    start = on - dt.timedelta(days=days - 1)
    total = sum((Decimal(v) for v in kwh_by_posto.values()), ZERO)
    monthly = total * 30 / Decimal(days)
    inputs, _issues = resolve_inputs(
        facts,
        start,
        on,
        Usage(kwh={k: Decimal(v) for k, v in kwh_by_posto.items()}),
        reference,
        apply_cd=False,
        include_cip=False,
        tranche_scale=Decimal(days) / 30,
        icms_kwh_basis=monthly,
        allow_compensation=False,
    )
    if inputs.group_a is not None:
        inputs = replace(inputs, group_a=replace(inputs.group_a, demand_rate={}, ufer_kwh=ZERO))
    b = compute_bill(inputs)
    amount = sum((ln.amount_before_taxes for ln in b.lines), ZERO) * inputs.gross_up
    steps = [s for s in b.steps if s.key not in ("billing.step.total",)]
    steps.append(
        trail_step(
            "billing.step.energy_cost",
            {"kwh": total, "days": days, "monthly_equivalent_kwh": monthly},
            "sum(lines before taxes) * gross_up",
            amount,
            "R$",
            (REF_ART_657,),
        )
    )
    return amount, tuple(steps)


def bill_sequence(
    facts: InstallationFacts,
    items: Sequence[tuple[dt.date, dt.date, dt.date, Usage]],
    reference: ReferenceData,
    *,
    initial_credits: Sequence[CreditLot] = (),
    facts_for: Callable[[dt.date], InstallationFacts] | None = None,
    **kwargs: Any,
) -> list[tuple[BillInputs, Bill]]:
    """Bills of consecutive cycles ``(start, end, reading_date, usage)``, carrying the SCEE
    credit ledger from one to the next (oldest credits first, 60-month expiry).

    ``facts_for(day)``: the installation's attributes in force on ``day`` (versioned register);
    each cycle is billed with those in force on its first day (default: ``facts`` for all)."""
    lots: tuple[CreditLot, ...] = tuple(initial_credits)
    out: list[tuple[BillInputs, Bill]] = []
    for start, end, reading, usage in items:
        inputs, issues = resolve_inputs(
            facts_for(start) if facts_for else facts,
            start,
            end,
            usage,
            reference,
            reading_date=reading,
            credits=lots,
            **kwargs,
        )
        b = compute_bill(inputs, issues)
        out.append((inputs, b))
        if b.allocation is not None:
            lots = b.allocation.lots_after
    return out
