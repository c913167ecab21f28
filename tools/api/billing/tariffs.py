"""``compare_tariffs``: convencional vs Tarifa Branca over the last cycles."""

from __future__ import annotations

from decimal import Decimal

from tools.api.billing.args import CompareTariffsArgs
from tools.api.billing.call import _facts_for, _last_complete, _previous, _result, _setup, _usages
from tools.api.context import ToolContext
from tools.domain.billing.usage import (
    daily_readings,
)
from tools.domain.tariffs import DEFAULT_SHIFT_PCT, TariffComparison, check_sufficiency
from tools.domain.tariffs import compare_tariffs as compare_tariffs_pure
from tools.types import Period, ToolResult

# ============================================================================ compare_tariffs


def compare_tariffs(
    ctx: ToolContext, installation_id: str, args: CompareTariffsArgs
) -> ToolResult[TariffComparison]:
    """Convencional vs Tarifa Branca over the last ``months`` cycles, with an optional load shift."""
    call = _setup(ctx, installation_id)
    last = _last_complete(call)
    cycles = [last]
    while len(cycles) < args.months:
        cycles.insert(0, _previous(call, cycles[0]))
    usages, df = _usages(call, cycles)
    suff = check_sufficiency(
        daily_readings(df), 1440 // max(call.interval_min, 1), cycles[0].start, cycles[-1].end, args.months
    )
    shift_pct: Decimal | None = None
    if args.shift == "peak_to_offpeak":
        shift_pct = Decimal(repr(args.shift_pct)) if args.shift_pct > 0 else DEFAULT_SHIFT_PCT
    value, steps, issues = compare_tariffs_pure(
        call.facts,
        [(u.cycle, u.usage) for u in usages],
        suff,
        call.reference,
        call.today,
        months=args.months,
        shift_pct=shift_pct,
        facts_for=_facts_for(call),
    )
    units = {
        "total_rs": "R$",
        "savings_branca_rs": "R$",
        "savings_branca_shifted_rs": "R$",
        "kwh_total": "kWh",
        "breakeven_ponta_share": "fraction",
        "shift_pct": "fraction",
        "share_by_posto.ponta": "fraction",
        "share_by_posto.intermediario": "fraction",
        "share_by_posto.fora_ponta": "fraction",
        "kwh_by_posto.ponta": "kWh",
        "kwh_by_posto.intermediario": "kWh",
        "kwh_by_posto.fora_ponta": "kWh",
    }
    return _result(
        "compare_tariffs",
        call,
        value,
        Period(cycles[0].start, cycles[-1].end, f"last_{args.months}_cycles"),
        steps,
        issues,
        units,
    )
