"""Group A contracted demand: the monthly demand charge and the contract that minimises a year (pure).

Rules (REN 1.000/2021 unless noted; regulation.md sections 7.2-7.3 and 9.5)
    * Contracted demand: at least 30 kW in at least one posto (art. 148); one value per posto
      during the contract, except rural/seasonal consumers (art. 152).
    * Billed demand per posto = ``max(measured, contracted)`` (art. 294); measured = the largest
      15-minute average of the cycle (art. 2 XIII).
    * Ultrapassagem when measured > contracted x (1 + 5 %) (art. 301):
      ``(measured - contracted) x 2 x demand tariff``; the factor 2 is REN 414/2010 art. 93 and
      is UNCONFIRMED for REN 1.000 (its equation is an image).
    * Verde: one demand for the whole day; azul: ponta and fora ponta demands, each with its
      own tariff (arts. 213-214). Changing modality: no change in the last 12 cycles, within 3
      cycles after the RTP, or when the demand/voltage changes (art. 221).

Money is :class:`~decimal.Decimal`; each month's demand and ultrapassagem amounts are rounded
to the cent as bill lines (art. 657), before taxes; the year is the sum of the months.

The annual cost as a function of the contracted demand ``C`` is piecewise linear, so the
optimum is searched exactly over every integer kW from the minimum up to the largest measured
demand rounded up (above it every month pays ``C`` and the cost only grows).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from tools.domain.billing_reference import TariffSegment
from tools.types import TrailRef
from tools.units import money

ZERO = Decimal(0)
ONE = Decimal(1)
MIN_CONTRACTED_KW = Decimal(30)

REF_MINIMUM = TrailRef("REN 1.000/2021, art. 148", "confirmed")
REF_PER_POSTO = TrailRef("REN 1.000/2021, art. 152", "confirmed")
REF_BILLED = TrailRef("REN 1.000/2021, art. 294", "confirmed")
REF_TOLERANCE = TrailRef("REN 1.000/2021, art. 301", "confirmed")
#: factor 2 of the ultrapassagem charge: REN 414/2010 art. 93; UNCONFIRMED for REN 1.000
REF_FACTOR = TrailRef("REN 414/2010, art. 93 (fator 2 na REN 1.000/2021, art. 301)", "unconfirmed")
REF_MODALITY_CHANGE = TrailRef("REN 1.000/2021, art. 221", "confirmed")
REF_MODALITIES = TrailRef("REN 1.000/2021, arts. 213-214", "confirmed")


@dataclass(frozen=True, slots=True)
class DemandCharge:
    """One posto's demand charge of one cycle, before taxes and before rounding."""

    billed_kw: Decimal
    demand_rs: Decimal  # billed_kw x rate
    overrun_kw: Decimal  # measured - contracted when above the tolerance, else 0
    overrun_rs: Decimal  # overrun_kw x factor x rate

    @property
    def total_rs(self) -> Decimal:
        return self.demand_rs + self.overrun_rs


def demand_charge(
    measured: Decimal, contracted: Decimal, rate: Decimal, tolerance: Decimal, factor: Decimal
) -> DemandCharge:
    """Billed demand ``max(measured, contracted)`` x rate (art. 294) and the ultrapassagem
    ``(measured - contracted) x factor x rate`` when measured > contracted x (1 + tolerance)
    (art. 301). No contract (0 kW): no ultrapassagem."""
    billed = max(measured, contracted)
    over = measured - contracted if contracted > 0 and measured > contracted * (ONE + tolerance) else ZERO
    return DemandCharge(billed, billed * rate, over, over * factor * rate)


def prorated_rate(segments: Sequence[TariffSegment], posto: str, days: int) -> Decimal:
    """A cycle's demand tariff of ``posto``: the tariffs in force weighted by their days [R$/kW]."""
    return sum((s.records[posto].tusd * s.days for s in segments), ZERO) / days


def energy_rs(kwh: Mapping[str, Decimal], rate_mwh: Mapping[str, Decimal]) -> Decimal:
    """A month's energy (TUSD + TE in R$/MWh) over the postos of the tariff, each rounded to the
    cent: the energy side of the verde vs azul comparison (before taxes)."""
    return sum((money(kwh.get(p, ZERO) * r / 1000) for p, r in rate_mwh.items()), ZERO)


# ============================================================================ optimisation


@dataclass(frozen=True, slots=True)
class MonthDemand:
    """A cycle's measured demand of one posto and its demand tariff."""

    month: str  # YYYY-MM
    measured_kw: Decimal
    rate: Decimal  # R$/kW, before taxes


@dataclass(frozen=True, slots=True)
class MonthCost:
    """One month of the table: what the month costs at a contracted demand (cents, before taxes)."""

    month: str
    measured_kw: Decimal
    rate_rs_kw: Decimal
    billed_kw: Decimal
    demand_rs: Decimal
    overrun_kw: Decimal
    overrun_rs: Decimal
    total_rs: Decimal


@dataclass(frozen=True, slots=True)
class PostoPlan:
    """The cost of one posto's contract over the months, and the cheapest contract."""

    posto: str  # total (verde) | ponta | fora_ponta (azul)
    recommended_kw: Decimal
    recommended_cost_rs: Decimal
    months_at_recommended: tuple[MonthCost, ...]
    current_kw: Decimal | None
    current_cost_rs: Decimal | None
    months_at_current: tuple[MonthCost, ...]
    max_measured_kw: Decimal
    candidates: int  # how many integer kW were evaluated

    @property
    def saving_rs(self) -> Decimal | None:
        return None if self.current_cost_rs is None else self.current_cost_rs - self.recommended_cost_rs


def month_costs(
    months: Sequence[MonthDemand], contracted: Decimal, tolerance: Decimal, factor: Decimal
) -> tuple[MonthCost, ...]:
    """Each month's demand and ultrapassagem amounts at ``contracted`` (rounded to the cent)."""
    out = []
    for m in months:
        c = demand_charge(m.measured_kw, contracted, m.rate, tolerance, factor)
        demand_rs, overrun_rs = money(c.demand_rs), money(c.overrun_rs)
        out.append(
            MonthCost(
                m.month,
                m.measured_kw,
                m.rate,
                c.billed_kw,
                demand_rs,
                c.overrun_kw,
                overrun_rs,
                demand_rs + overrun_rs,
            )
        )
    return tuple(out)


def annual_cost(
    months: Sequence[MonthDemand], contracted: Decimal, tolerance: Decimal, factor: Decimal
) -> Decimal:
    """Σ months (billed demand x rate + ultrapassagem), each month rounded to the cent."""
    return sum((m.total_rs for m in month_costs(months, contracted, tolerance, factor)), ZERO)


def optimise(
    posto: str,
    months: Sequence[MonthDemand],
    tolerance: Decimal,
    factor: Decimal,
    current_kw: Decimal | None = None,
    minimum_kw: Decimal = MIN_CONTRACTED_KW,
) -> PostoPlan:
    """The integer contracted demand in ``[minimum, ceil(max measured)]`` with the lowest annual
    cost (ties: the larger demand, more headroom against ultrapassagem)."""
    if not months:
        raise ValueError("no months")
    top = max(m.measured_kw for m in months)
    low = int(minimum_kw.to_integral_value(rounding=ROUND_CEILING))
    high = max(low, int(top.to_integral_value(rounding=ROUND_CEILING)))
    best_kw, best_cost = Decimal(low), annual_cost(months, Decimal(low), tolerance, factor)
    for kw in range(low + 1, high + 1):
        cost = annual_cost(months, Decimal(kw), tolerance, factor)
        if cost <= best_cost:
            best_kw, best_cost = Decimal(kw), cost
    at_current: tuple[MonthCost, ...] = ()
    current_cost = None
    if current_kw is not None:
        at_current = month_costs(months, current_kw, tolerance, factor)
        current_cost = sum((m.total_rs for m in at_current), ZERO)
    return PostoPlan(
        posto=posto,
        recommended_kw=best_kw,
        recommended_cost_rs=best_cost,
        months_at_recommended=month_costs(months, best_kw, tolerance, factor),
        current_kw=current_kw,
        current_cost_rs=current_cost,
        months_at_current=at_current,
        max_measured_kw=top,
        candidates=high - low + 1,
    )


def optimise_azul(
    ponta: Sequence[MonthDemand],
    fora_ponta: Sequence[MonthDemand],
    tolerance: Decimal,
    factor: Decimal,
    current: Mapping[str, Decimal] | None = None,
    minimum_kw: Decimal = MIN_CONTRACTED_KW,
) -> tuple[PostoPlan, PostoPlan]:
    """Azul: each posto optimised on its own (the postos do not interact); the minimum applies
    to at least one posto (art. 148): if neither optimum reaches it, the posto whose raise to
    the minimum costs less is raised."""
    cur = current or {}
    p = optimise("ponta", ponta, tolerance, factor, cur.get("ponta"), ZERO)
    fp = optimise("fora_ponta", fora_ponta, tolerance, factor, cur.get("fora_ponta"), ZERO)
    if max(p.recommended_kw, fp.recommended_kw) >= minimum_kw:
        return p, fp
    p_min = optimise("ponta", ponta, tolerance, factor, cur.get("ponta"), minimum_kw)
    fp_min = optimise("fora_ponta", fora_ponta, tolerance, factor, cur.get("fora_ponta"), minimum_kw)
    if (
        p_min.recommended_cost_rs + fp.recommended_cost_rs
        < p.recommended_cost_rs + fp_min.recommended_cost_rs
    ):
        return p_min, fp
    return p, fp_min
