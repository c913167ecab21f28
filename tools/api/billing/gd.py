"""``gd_credits``: SCEE injection, compensation and credits per cycle."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tools.api.billing.args import MIN_CYCLE_COVERAGE, ZERO, GdCreditsArgs
from tools.api.billing.call import (
    _GD_UNITS,
    _facts_for,
    _history,
    _items,
    _last_complete,
    _register_usages,
    _result,
    _setup,
    _usages,
)
from tools.api.context import ToolContext
from tools.domain.billing import (
    bill_sequence,
)
from tools.domain.billing.results import (
    GdCredits,
    expiry_table,
    gd_row,
    q_kwh,
)
from tools.domain.periods import resolve_period
from tools.types import Issue, Step, ToolResult, TrailRef

# ============================================================================ gd_credits


def gd_credits(ctx: ToolContext, installation_id: str, args: GdCreditsArgs) -> ToolResult[GdCredits]:
    """Injection, compensation and credits per cycle; balance by expiry month and what expires next."""
    call = _setup(ctx, installation_id)
    period = resolve_period(args.period, call.today, default="last_12_months")
    kwp_raw = call.row.get("gd_kwp")
    kwp = Decimal(repr(float(kwp_raw))) if kwp_raw is not None and kwp_raw == kwp_raw else None
    empty = GdCredits(
        installation_id,
        call.facts.gd_class,
        kwp,
        period.start,
        period.end,
        None,
        None,
        (),
        None,
        (),
        None,
        None,
    )  # no figures: a disqualifying issue says why
    if not call.facts.has_gd:
        issue = Issue("issue.gd.not_scee", "disqualifying", {})
        return _result("gd_credits", call, empty, period, (), [issue], _GD_UNITS)
    last = _last_complete(call)
    cycles = _history(call, last)
    usages = [u for u in _register_usages(call, _usages(call, cycles)[0]) if u.coverage >= MIN_CYCLE_COVERAGE]
    issues: list[Issue] = []
    if not usages:
        issues.append(Issue("issue.gd.no_cycles", "disqualifying", {}))
        return _result("gd_credits", call, empty, period, (), issues, _GD_UNITS)
    seq = bill_sequence(call.facts, _items(usages), call.reference, facts_for=_facts_for(call))
    bills = [b for _, b in seq]
    shown = [b for b in bills if period.start <= b.reading_date <= period.end + dt.timedelta(days=1)]
    upto = [b for b in bills if b.reading_date <= period.end + dt.timedelta(days=1)]
    balance_bill = upto[-1] if upto else None
    lots = balance_bill.credits_after if balance_bill else ()
    table, nxt_month, nxt_kwh = expiry_table(lots)
    # one window for every figure: the billing cycles shown (those read in the period asked);
    # the injection is theirs, not the calendar period's
    win_start = shown[0].start if shown else period.start
    win_end = shown[-1].end if shown else period.end
    inj_period = sum((b.injected_kwh for b in shown), ZERO)
    issues.append(
        Issue("issue.gd.ledger_starts_with_data", "warning", {"ledger_start": usages[0].cycle.start})
    )
    for b in shown:
        issues += [
            i
            for i in b.issues
            if i.code in ("issue.billing.fio_b_reference", "issue.billing.reference_values")
        ]
    steps: list[Step] = []
    for b in shown:
        steps += [
            s
            for s in b.steps
            if s.key in ("billing.step.scee_allocation", "billing.step.scee_floor", "billing.step.fio_b")
        ]
    steps.append(
        Step(
            key="gd.step.balance",
            inputs={"lots": len(lots), "as_of": balance_bill.label if balance_bill else ""},
            formula="sum(kWh of unexpired lots), oldest used first, expiry 60 months after the generating bill",
            output=q_kwh(sum((lot.kwh for lot in lots), ZERO)),
            unit="kWh",
            refs=(TrailRef("Lei 14.300/2022, art. 13; REN 1.000/2021, art. 655-L", "confirmed"),),
        )
    )
    steps.append(
        Step(
            key="gd.step.injected_period",
            inputs={"start": win_start, "end": win_end, "cycles": [b.label for b in shown]},
            formula="sum(injected_kwh of the cycles shown)",
            output=q_kwh(inj_period),
            unit="kWh",
        )
    )
    value = GdCredits(
        installation_id=installation_id,
        gd_class=call.facts.gd_class,
        gd_kwp=kwp,
        period_start=win_start,
        period_end=win_end,
        asked_start=period.start,
        asked_end=period.end,
        balance_as_of=balance_bill.reading_date if balance_bill else None,
        ledger_start=usages[0].cycle.start,
        injected_in_period_kwh=q_kwh(inj_period),
        cycles=tuple(gd_row(b) for b in shown),
        balance_kwh=q_kwh(sum((lot.kwh for lot in lots), ZERO)),
        balance_by_expiry=table,
        next_expiry_month=nxt_month,
        next_expiry_kwh=nxt_kwh,
    )
    return _result(
        "gd_credits",
        call,
        value,
        period,
        steps,
        issues,
        _GD_UNITS,
    )
