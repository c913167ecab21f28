"""Why did the bill change? Drivers of the difference between two bills (pure).

Sequential substitution over :class:`tools.domain.billing.BillInputs`: starting from the
previous bill, one factor at a time is replaced by its current value and the bill is
recomputed; each driver is the change of the (rounded) total at its step, so the drivers add
up exactly to the difference of the two totals. Order: days in the cycle, consumption per
day (and injection, demand), tariffs (readjustment), bandeira, ICMS band, PIS/COFINS, SCEE
credits, other (CIP, custo de disponibilidade rules).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from tools.domain.billing.compute import compute_bill
from tools.domain.billing.model import Bill, BillInputs
from tools.domain.gd import CreditLot
from tools.types import Step, TrailRef

ZERO = Decimal(0)
REF_DRIVERS: tuple[TrailRef, ...] = ()  # a method of this tool, no regulation behind it


@dataclass(frozen=True, slots=True)
class Driver:
    key: str  # billing.driver.*
    delta_rs: Decimal
    previous: Any
    current: Any


_KWH = Decimal("0.001")
_RATE = Decimal("0.00000001")


def _avg_rate(inputs: BillInputs) -> Decimal:
    if not inputs.rates:
        return ZERO
    kwh = inputs.consumption_kwh
    if kwh <= 0:
        return sum((r.total for r in inputs.rates.values()), ZERO) / len(inputs.rates)
    return sum((inputs.kwh.get(p, ZERO) * r.total for p, r in inputs.rates.items()), ZERO) / kwh


def _credit_kwh(lots: Sequence[CreditLot]) -> Decimal:
    return sum((lot.kwh for lot in lots), ZERO)


def explain_change(
    prev: BillInputs, cur: BillInputs
) -> tuple[tuple[Driver, ...], tuple[Step, ...], Bill, Bill]:
    """Drivers (and their trail) of ``total(cur) - total(prev)``."""
    ratio = Decimal(cur.days) / Decimal(prev.days) if prev.days else Decimal(1)
    chain: list[tuple[str, BillInputs, Any, Any]] = []
    x = replace(
        prev,
        kwh={p: v * ratio for p, v in prev.kwh.items()},
        injected={p: v * ratio for p, v in prev.injected.items()},
    )
    chain.append(("billing.driver.days", x, prev.days, cur.days))
    ga = prev.group_a
    if ga is not None and cur.group_a is not None:
        ga = replace(
            ga,
            demand_kw=cur.group_a.demand_kw,
            ufer_kwh=cur.group_a.ufer_kwh,
            contracted_kw=cur.group_a.contracted_kw,
        )
    x = replace(x, kwh=dict(cur.kwh), injected=dict(cur.injected), group_a=ga)
    prev_daily = prev.consumption_kwh / prev.days if prev.days else ZERO
    cur_daily = cur.consumption_kwh / cur.days if cur.days else ZERO
    chain.append(("billing.driver.consumption", x, prev_daily.quantize(_KWH), cur_daily.quantize(_KWH)))
    x = replace(
        x,
        rates=cur.rates,
        tranches=cur.tranches,
        cd_rate=cur.cd_rate,
        scee_rate=cur.scee_rate,
        group_a=cur.group_a if cur.group_a is not None else x.group_a,
    )
    chain.append(
        ("billing.driver.tariff", x, _avg_rate(prev).quantize(_RATE), _avg_rate(cur).quantize(_RATE))
    )
    x = replace(x, bandeira_rs_kwh=cur.bandeira_rs_kwh)
    chain.append(
        (
            "billing.driver.bandeira",
            x,
            prev.bandeira_rs_kwh.quantize(_RATE),
            cur.bandeira_rs_kwh.quantize(_RATE),
        )
    )
    x = replace(x, icms=cur.icms)
    chain.append(("billing.driver.icms", x, prev.icms, cur.icms))
    x = replace(x, pis=cur.pis, cofins=cur.cofins)
    chain.append(("billing.driver.pis_cofins", x, prev.pis + prev.cofins, cur.pis + cur.cofins))
    if cur.gd_class != "none" or prev.gd_class != "none":
        x = replace(
            x, credits=cur.credits, gd_class=cur.gd_class, compensation_free_kwh=cur.compensation_free_kwh
        )
        chain.append(
            (
                "billing.driver.credits",
                x,
                _credit_kwh(prev.credits).quantize(_KWH),
                _credit_kwh(cur.credits).quantize(_KWH),
            )
        )
    chain.append(("billing.driver.other", cur, prev.cip, cur.cip))

    prev_bill = compute_bill(prev)
    last_total = prev_bill.total
    drivers: list[Driver] = []
    steps: list[Step] = []
    cur_bill = prev_bill
    for key, inputs, before, after in chain:
        b = compute_bill(inputs)
        delta = b.total - last_total
        last_total = b.total
        cur_bill = b
        if key == "billing.driver.other" and delta == 0:
            continue
        drivers.append(Driver(key, delta, before, after))
        steps.append(
            Step(
                key=key,
                inputs={"previous": before, "current": after},
                formula="total(with this factor current) - total(with it previous)",
                output=delta,
                unit="R$",
                refs=REF_DRIVERS,
            )
        )
    return tuple(drivers), tuple(steps), prev_bill, cur_bill
