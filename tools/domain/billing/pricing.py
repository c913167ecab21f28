"""Arithmetic shared by the resolver and the line builders: rates, tranches, cent allocation,
trail steps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from tools.domain.billing.model import KWH_PER_MWH, ZERO, Rate, Tranche
from tools.types import Step, TrailRef
from tools.units import money


def trail_step(
    key: str,
    inputs: Mapping[str, Any],
    formula: str,
    output: Any,
    unit: str,
    refs: Sequence[TrailRef] = (),
) -> Step:
    """One trail step of the bill (``inputs`` copied, ``refs`` the rules applied)."""
    return Step(key=key, inputs=dict(inputs), formula=formula, output=output, unit=unit, refs=tuple(refs))


def rate_of(rec_tusd: Decimal, rec_te: Decimal) -> Rate:
    """Energy rate [R$/kWh] from a tariff record's TUSD and TE [R$/MWh]."""
    return Rate(rec_tusd / KWH_PER_MWH, rec_te / KWH_PER_MWH)


def split_by_tranches(lo: Decimal, hi: Decimal, tranches: Sequence[Tranche]) -> list[tuple[Tranche, Decimal]]:
    """kWh of the range ``[lo, hi)`` falling in each tranche."""
    out: list[tuple[Tranche, Decimal]] = []
    floor = ZERO
    for t in tranches:
        top = t.upto_kwh
        a = max(lo, floor)
        b = hi if top is None else min(hi, top)
        if b > a:
            out.append((t, b - a))
        if top is None:
            break
        floor = top
    return out


def price_range(lo: Decimal, hi: Decimal, tranches: Sequence[Tranche]) -> Decimal:
    """R$ (before taxes) of the kWh range ``[lo, hi)`` with the tranche discounts."""
    return sum(
        (kwh * (ZERO if t.free else t.rate.total) for t, kwh in split_by_tranches(lo, hi, tranches)), ZERO
    )


def allocate_cents(exact: Sequence[Decimal]) -> list[Decimal]:
    """Round each amount to the cent so that the rounded amounts add up to the rounded sum.

    Each amount is first rounded half-even (:func:`tools.units.money`); the difference
    between ``money(sum(exact))`` and the sum of those roundings (a few cents at most) is
    then given, one cent at a time, to the amounts whose rounding lost the most (largest
    remainder), or taken from those that gained the most. Every line stays within one cent of
    its exact value, and the invoice total is the exact total rounded once (REN 1.000
    art. 657).
    """
    rounded = [money(x) for x in exact]
    target = money(sum(exact, ZERO))
    diff_cents = int((target - sum(rounded, ZERO)) / Decimal("0.01"))
    if diff_cents:
        residual = [x - r for x, r in zip(exact, rounded, strict=True)]
        step = Decimal("0.01") if diff_cents > 0 else Decimal("-0.01")
        order = sorted(range(len(exact)), key=lambda i: (-residual[i] if diff_cents > 0 else residual[i], i))
        for i in order[: abs(diff_cents)]:
            rounded[i] += step
    return rounded


def sum_refs(*groups: Sequence[TrailRef]) -> tuple[TrailRef, ...]:
    """The distinct references of ``groups``, first occurrence kept (by source and status)."""
    seen: dict[tuple[str, str], TrailRef] = {}
    for g in groups:
        for r in g:
            seen.setdefault((r.source, r.status), r)
    return tuple(seen.values())
