"""``explain_bill``: every line of a bill and the drivers of change vs the previous one."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from tools.api.billing.args import MIN_CYCLE_COVERAGE, ExplainBillArgs
from tools.api.billing.call import (
    _BILL_UNITS,
    _facts_for,
    _history,
    _insufficient,
    _items,
    _previous,
    _register_usages,
    _result,
    _setup,
    _target,
    _usages,
)
from tools.api.context import ToolContext
from tools.domain.billing import (
    Bill,
    bill_sequence,
    compute_bill,
    resolve_inputs,
)
from tools.domain.billing.drivers import Driver, explain_change
from tools.domain.billing.results import (
    BillExplanation,
    DemandPeak,
    explanation,
)
from tools.domain.billing.usage import days_over
from tools.types import Issue, Step, ToolResult

# ============================================================================ explain_bill


def explain_bill(
    ctx: ToolContext, installation_id: str, args: ExplainBillArgs
) -> ToolResult[BillExplanation]:
    """Every line of a bill (formula, tariff, regulation) and the drivers of change vs the previous bill."""
    call = _setup(ctx, installation_id)
    target, partial = _target(call, args.reference)
    end_cap = call.yesterday if partial else None
    cycles = _history(call, target) if call.facts.has_gd else [_previous(call, target), target]
    interval_usages, slots = _usages(call, cycles, end_cap)
    usages = _register_usages(call, interval_usages, end_cap)
    cur_u = usages[-1]
    from_registers = cur_u is not interval_usages[-1]
    issues: list[Issue] = []
    if cur_u.coverage < MIN_CYCLE_COVERAGE:
        issues.append(_insufficient("issue.billing.insufficient_data", cur_u.coverage, target))
        value = explanation(
            installation_id,
            args.reference,
            None,
            cur_u.coverage,
            partial=partial,
            modality=call.facts.modality,
        )
        return _result("explain_bill", call, value, target.period(), (), issues, _BILL_UNITS)
    if cur_u.coverage < 0.99 and not from_registers:  # the registers make up for missing intervals
        issues.append(
            Issue(
                "issue.billing.missing_readings", "warning", {"coverage_pct": round(cur_u.coverage * 100, 1)}
            )
        )
    if partial:
        issues.append(
            Issue(
                "issue.billing.partial_cycle",
                "warning",
                {"until": call.yesterday, "reading_date": target.reading_date},
            )
        )
    # bills (the SCEE ledger starts with the data: earlier credits are unknown)
    valid = [u for u in usages[:-1] if u.coverage >= MIN_CYCLE_COVERAGE] + [cur_u]
    if call.facts.has_gd:
        issues.append(
            Issue("issue.gd.ledger_starts_with_data", "warning", {"ledger_start": valid[0].cycle.start})
        )
    facts_for = _facts_for(call)
    seq = bill_sequence(call.facts, _items(valid[:-1]), call.reference, facts_for=facts_for)
    lots = seq[-1][1].credits_after if seq else ()
    cur_end = min(target.end, end_cap) if end_cap else target.end
    basis = None
    if partial:  # the ICMS band of the whole cycle, not of the days so far
        elapsed = (cur_end - target.start).days + 1
        basis = sum(cur_u.usage.kwh.values(), Decimal(0)) * target.days / elapsed
    cur_inputs, cur_issues = resolve_inputs(
        facts_for(target.start) if facts_for else call.facts,
        target.start,
        cur_end,
        cur_u.usage,
        call.reference,
        reading_date=target.reading_date,
        credits=lots,
        icms_kwh_basis=basis,
        apply_cd=not partial,
    )
    cur_bill = compute_bill(cur_inputs, cur_issues)
    seq.append((cur_inputs, cur_bill))
    issues += [i for i in cur_bill.issues if not (partial and i.code == "issue.billing.cycle_short")]
    prev_u = usages[-2] if len(usages) >= 2 else None
    drivers: tuple[Driver, ...] = ()
    driver_steps: tuple[Step, ...] = ()
    prev_bill: Bill | None = None
    if prev_u is not None and prev_u.coverage >= MIN_CYCLE_COVERAGE and len(seq) >= 2 and not partial:
        prev_inputs = seq[-2][0]
        drivers, driver_steps, prev_bill, _ = explain_change(prev_inputs, cur_inputs)
    elif not partial:
        issues.append(Issue("issue.billing.no_previous_bill", "warning", {}))
    value = explanation(
        installation_id,
        args.reference,
        cur_bill,
        cur_u.coverage,
        previous=prev_bill,
        drivers=drivers,
        partial=partial,
    )
    contracted = call.facts.contracted_demand_kw
    if call.group == "A" and contracted:
        # "em quais dias isso aconteceu?": the days of the cycle whose demand passed the contract + tolerance
        limit = contracted * (1 + call.reference.rules.get("ultrapassagem_tolerance").value)
        over = days_over(slots, call.interval_min, limit, target.start, cur_end)  # the rows read above
        value = dataclasses.replace(value, demand_peaks=tuple(DemandPeak(d, kw) for d, kw in over))
    return _result(
        "explain_bill", call, value, target.period(), (*cur_bill.steps, *driver_steps), issues, _BILL_UNITS
    )
