"""Typed result values of the billing tools (frozen dataclasses) and their builders (pure).

Units: money in R$ (Decimal, rounded to the cent only where it is an invoice figure), energy
in kWh, rates as fractions, tariffs in R$/kWh before taxes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from tools.domain.billing.drivers import Driver
from tools.domain.billing.model import Bill
from tools.domain.gd import CreditLot, balance_by_expiry

ZERO = Decimal(0)
KWH_Q = Decimal("0.001")
RATE_Q = Decimal("0.00000001")


def q_kwh(x: Decimal) -> Decimal:
    """Display an energy quantity with Wh resolution (3 decimals)."""
    return x.quantize(KWH_Q)


@dataclass(frozen=True, slots=True)
class LineOut:
    """One invoice line as shown: ``amount_rs`` includes taxes; ``rate_rs`` is before taxes."""

    key: str
    posto: str
    quantity: Decimal
    unit: str
    rate_rs: Decimal
    amount_rs: Decimal
    detail: str = ""


def lines_out(bill: Bill) -> tuple[LineOut, ...]:
    """The bill's lines as the tools return them (quantities in kWh, amounts in R$)."""
    return tuple(
        LineOut(
            key=ln.key,
            posto=ln.posto,
            quantity=q_kwh(ln.quantity),
            unit=ln.unit,
            rate_rs=ln.rate.quantize(RATE_Q),
            amount_rs=ln.amount,
            detail=ln.detail,
        )
        for ln in bill.lines
    )


@dataclass(frozen=True, slots=True)
class DemandPeak:
    """A day of the cycle whose largest 15-minute demand passed the contracted demand plus the tolerance."""

    day: dt.date
    kw: Decimal


@dataclass(frozen=True, slots=True)
class BillExplanation:
    """``explain_bill``: the lines of one bill and what changed since the previous one."""

    installation_id: str
    reference: str
    bill_month: str | None
    start: dt.date | None
    end: dt.date | None
    reading_date: dt.date | None
    days: int | None
    modality: str
    consumption_kwh: Decimal | None
    kwh_by_posto: Mapping[str, Decimal]
    injected_kwh: Decimal | None
    compensated_kwh: Decimal | None
    lines: tuple[LineOut, ...]
    subtotal_before_taxes_rs: Decimal | None
    icms_rate: Decimal | None
    icms_rs: Decimal | None
    pis_rate: Decimal | None
    pis_rs: Decimal | None
    cofins_rate: Decimal | None
    cofins_rs: Decimal | None
    cip_rs: Decimal | None
    total_rs: Decimal | None
    credits_balance_kwh: Decimal | None
    previous_bill_month: str | None
    previous_total_rs: Decimal | None
    change_rs: Decimal | None
    drivers: tuple[Driver, ...]
    coverage_pct: Decimal
    reference_values: bool
    partial_cycle: bool = False
    estimate: bool = True  # computed from interval data, not the distributor's invoice
    demand_peaks: tuple[DemandPeak, ...] = ()  # Group A: the days the demand passed the contract, highest first


def explanation(
    installation_id: str,
    reference: str,
    bill: Bill | None,
    coverage: float,
    *,
    previous: Bill | None = None,
    drivers: Sequence[Driver] = (),
    partial: bool = False,
    modality: str = "",
) -> BillExplanation:
    """What ``explain_bill`` returns for one cycle: the bill, its change from ``previous`` with the
    ``drivers`` of it, and the data coverage (``coverage`` 0-1, shown in %)."""
    cov = Decimal(repr(round(coverage * 100, 1)))
    if bill is None:
        return BillExplanation(
            installation_id,
            reference,
            None,
            None,
            None,
            None,
            None,
            modality,
            None,
            {},
            None,
            None,
            (),
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            (),
            cov,
            True,
            partial,
        )
    cip = sum((ln.amount for ln in bill.lines if ln.key == "billing.component.cip"), ZERO)
    return BillExplanation(
        installation_id=installation_id,
        reference=reference,
        bill_month=bill.label,
        start=bill.start,
        end=bill.end,
        reading_date=bill.reading_date,
        days=bill.days,
        modality=bill.modality,
        consumption_kwh=q_kwh(bill.consumption_kwh),
        kwh_by_posto={p: q_kwh(v) for p, v in bill.kwh_by_posto.items()},
        injected_kwh=q_kwh(bill.injected_kwh),
        compensated_kwh=q_kwh(bill.compensated_kwh),
        lines=lines_out(bill),
        subtotal_before_taxes_rs=(
            bill.taxes.subtotal
            if bill.taxes.subtotal is not None
            else bill.subtotal_before_taxes.quantize(Decimal("0.01"))
        ),
        icms_rate=bill.taxes.icms_rate,
        icms_rs=bill.taxes.icms,
        pis_rate=bill.taxes.pis_rate,
        pis_rs=bill.taxes.pis,
        cofins_rate=bill.taxes.cofins_rate,
        cofins_rs=bill.taxes.cofins,
        cip_rs=cip,
        total_rs=bill.total,
        credits_balance_kwh=q_kwh(bill.allocation.balance_kwh) if bill.allocation else None,
        previous_bill_month=previous.label if previous else None,
        previous_total_rs=previous.total if previous else None,
        change_rs=(bill.total - previous.total) if previous else None,
        drivers=tuple(drivers),
        coverage_pct=cov,
        reference_values=True,
        partial_cycle=partial,
    )


@dataclass(frozen=True, slots=True)
class BillForecast:
    """``forecast_bill``: projection of the cycle in progress, with a range."""

    installation_id: str
    bill_month: str
    start: dt.date
    end: dt.date
    reading_date: dt.date
    days_total: int
    days_elapsed: int
    kwh_to_date: Decimal
    kwh_projected: Decimal | None
    kwh_low: Decimal | None
    kwh_high: Decimal | None
    total_rs: Decimal | None
    low_rs: Decimal | None
    high_rs: Decimal | None
    lines: tuple[LineOut, ...]
    last_bill_month: str | None
    last_bill_total_rs: Decimal | None
    above_last_bill: bool | None
    reference_values: bool = True
    estimate: bool = True


@dataclass(frozen=True, slots=True)
class FlagOption:
    flag: str
    rs_per_kwh: Decimal  # before taxes
    effect_rs: Decimal | None  # with taxes, for this customer's month


@dataclass(frozen=True, slots=True)
class FlagReport:
    """``tariff_flag``: the bandeira of a month and its R$ effect on this customer."""

    installation_id: str
    month: str
    flag: str | None  # None = not published / not in the reference table
    flag_status: str  # confirmed | unconfirmed | reference
    rs_per_kwh: Decimal | None  # before taxes
    kwh_month: Decimal | None
    kwh_is_projection: bool
    effect_rs: Decimal | None  # with taxes
    options: tuple[FlagOption, ...]
    source: str = ""
    rs_per_100kwh: Decimal | None = None  # how ANEEL quotes the flags (before taxes)
    effect_by_flag_rs: Mapping[str, Decimal | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class GdCycleRow:
    bill_month: str
    start: dt.date
    end: dt.date
    days: int
    consumption_kwh: Decimal
    injected_kwh: Decimal
    compensated_kwh: Decimal
    from_injection_kwh: Decimal
    from_credits_kwh: Decimal
    credits_generated_kwh: Decimal
    credits_expired_kwh: Decimal
    balance_after_kwh: Decimal
    limited_by_floor: bool
    total_rs: Decimal


@dataclass(frozen=True, slots=True)
class GdCredits:
    """``gd_credits``: injection, compensation and the credit balance by expiry."""

    installation_id: str
    gd_class: str
    gd_kwp: Decimal | None
    # the window of every figure: from the first day of the first billing cycle shown to the last
    # day of the last one (the cycles read in the period asked); asked_* is what was asked
    period_start: dt.date
    period_end: dt.date
    ledger_start: dt.date | None
    injected_in_period_kwh: Decimal | None  # sum of the cycles' injection (same window)
    cycles: tuple[GdCycleRow, ...]
    balance_kwh: Decimal | None  # after the last cycle shown (balance_as_of = its reading date)
    balance_by_expiry: tuple[tuple[str, Decimal], ...]
    next_expiry_month: str | None
    next_expiry_kwh: Decimal | None
    generation_metered: bool = False  # the billing meter sees injection, not generation
    notes: tuple[str, ...] = field(default_factory=tuple)
    asked_start: dt.date | None = None
    asked_end: dt.date | None = None
    balance_as_of: dt.date | None = None


def gd_row(bill: Bill) -> GdCycleRow:
    """One cycle of the SCEE credit table: injected, compensated and banked energy [kWh] of ``bill``."""
    a = bill.allocation
    if a is None:
        return GdCycleRow(
            bill.label,
            bill.start,
            bill.end,
            bill.days,
            q_kwh(bill.consumption_kwh),
            ZERO,
            ZERO,
            ZERO,
            ZERO,
            ZERO,
            ZERO,
            ZERO,
            False,
            bill.total,
        )
    return GdCycleRow(
        bill_month=bill.label,
        start=bill.start,
        end=bill.end,
        days=bill.days,
        consumption_kwh=q_kwh(bill.consumption_kwh),
        injected_kwh=q_kwh(bill.injected_kwh),
        compensated_kwh=q_kwh(a.compensated_kwh),
        from_injection_kwh=q_kwh(a.from_injection_kwh),
        from_credits_kwh=q_kwh(a.from_credits_kwh),
        credits_generated_kwh=q_kwh(a.new_credits_kwh),
        credits_expired_kwh=q_kwh(sum((lot.kwh for lot in a.expired), ZERO)),
        balance_after_kwh=q_kwh(a.balance_kwh),
        limited_by_floor=a.limited_by_floor,
        total_rs=bill.total,
    )


def expiry_table(
    lots: Sequence[CreditLot],
) -> tuple[tuple[tuple[str, Decimal], ...], str | None, Decimal | None]:
    """(kWh of credit by expiry month, the next month to expire, its kWh) of the credit ``lots``."""
    by = balance_by_expiry(lots)
    table = tuple((m, q_kwh(v)) for m, v in by.items())
    if not table:
        return (), None, None
    return table, table[0][0], table[0][1]
