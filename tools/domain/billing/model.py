"""The bill engine's types and constants: installation facts, rates and tranches, the resolved
inputs of one cycle (:class:`BillInputs`), the metered :class:`Usage`, and the result
(:class:`Bill` and its lines); the trail references of the rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tools.domain.gd import Allocation, CreditLot
from tools.types import Issue, Step, TrailRef

ZERO = Decimal(0)
ONE = Decimal(1)
KWH_PER_MWH = Decimal(1000)

# Short citations shown to people (TrailRef.source); the rules are described in the docstring.
REF_ART_657 = TrailRef("REN 1.000/2021, art. 657", "confirmed")
#: current gross-up method (ICMS outside the PIS/COFINS base); which method CPFL uses is UNCONFIRMED
REF_GROSS_UP = TrailRef("Lei 14.385/2022 (tributos por dentro)", "unconfirmed")
REF_CD = TrailRef("REN 1.000/2021, arts. 290-291", "confirmed")
REF_CD_BRANCA = TrailRef("REN 1.000/2021, art. 290, par. 4", "confirmed")
REF_CYCLE = TrailRef("REN 1.000/2021, art. 285", "confirmed")
REF_METER = TrailRef("REN 1.000/2021, art. 284", "confirmed")
REF_BANDEIRA = TrailRef("REN 1.000/2021, art. 307", "confirmed")
REF_SCEE = TrailRef("REN 1.000/2021, arts. 655-G e 655-I", "confirmed")
#: the order among the other postos (ponta, intermediario, fora ponta) is an assumption (UNCONFIRMED)
REF_SCEE_ORDER = TrailRef("REN 1.000/2021, art. 655-G, par. 3", "unconfirmed")
REF_NO_DOUBLE = TrailRef("REN 1.000/2021, art. 655-I, par. 2", "confirmed")
REF_SOCIAL = TrailRef("REN 1.000/2021, art. 179", "confirmed")
REF_BANDEIRA_SOCIAL = TrailRef("REN 1.000/2021, art. 309", "confirmed")
REF_CIP = TrailRef("CF, art. 149-A", "confirmed")
REF_REACTIVE = TrailRef("REN 1.000/2021, arts. 302-304", "confirmed")
#: a tariff change inside a cycle is pro-rated by days (distributor practice, basis UNCONFIRMED)
REF_PRORATA = TrailRef("", "unconfirmed")

SOCIAL_SUBCLASSES = ("baixa_renda", "desconto_social")


# ============================================================================ inputs


@dataclass(frozen=True, slots=True)
class InstallationFacts:
    """The installation attributes that matter for billing."""

    installation_id: str
    group: str = "B"
    subgroup: str = "B1"
    customer_class: str = "residencial"
    subclass: str = "residencial"
    modality: str = "convencional"
    phases: int = 1
    distributor: str = "CPFL_PAULISTA"
    municipality: str | None = None
    state: str = "SP"
    gd_class: str = "none"  # none | GD1 | GD2 | GD3
    contracted_demand_kw: Decimal | None = None

    @property
    def has_gd(self) -> bool:
        return self.gd_class not in ("none", "", None)

    @classmethod
    def from_mapping(cls, m: Mapping[str, Any]) -> InstallationFacts:
        def s(key: str, default: str) -> str:
            v = m.get(key)
            return default if v is None or (isinstance(v, float) and v != v) or v == "" else str(v)

        cd = m.get("contracted_demand_kw")
        contracted = None
        if cd is not None and not (isinstance(cd, float) and cd != cd):
            contracted = Decimal(repr(float(cd))) if isinstance(cd, float) else Decimal(str(cd))
        subclass = s("subclass", "residencial")
        if subclass in ("residencial_normal", "normal"):
            subclass = "residencial"
        phases_raw = m.get("phases")
        phases = int(phases_raw) if phases_raw is not None and phases_raw == phases_raw else 1
        return cls(
            installation_id=s("installation_id", ""),
            group=s("group_code", s("group", "B")),
            subgroup=s("subgroup", "B1"),
            customer_class=s("customer_class", "residencial"),
            subclass=subclass,
            modality=s("tariff_modality", s("modality", "convencional")),
            phases=phases,
            distributor=s("distributor", "CPFL_PAULISTA"),
            municipality=s("municipality", "") or None,
            state=s("state", "SP"),
            gd_class=s("gd_class", "none"),
            contracted_demand_kw=contracted,
        )


@dataclass(frozen=True, slots=True)
class Rate:
    """TUSD and TE in R$/kWh (before taxes)."""

    tusd: Decimal
    te: Decimal

    @property
    def total(self) -> Decimal:
        return self.tusd + self.te


@dataclass(frozen=True, slots=True)
class Tranche:
    """Convencional pricing tranche: kWh up to ``upto_kwh`` (cumulative) at ``rate``."""

    upto_kwh: Decimal | None
    rate: Rate
    label: str = "normal"  # normal | baixa_renda | desconto_social
    free: bool = False  # 100 % reduction (Tarifa Social first 80 kWh)


@dataclass(frozen=True, slots=True)
class GroupAInputs:
    demand_kw: Mapping[str, Decimal]  # measured max 15-min demand per demand posto
    contracted_kw: Mapping[str, Decimal]
    demand_rate: Mapping[str, Decimal]  # R$/kW
    tolerance: Decimal = Decimal("0.05")
    overrun_factor: Decimal = Decimal(2)
    ufer_kwh: Decimal = ZERO
    vr_ere: Decimal = ZERO  # R$/kWh


@dataclass(frozen=True, slots=True)
class BillInputs:
    """Every resolved factor of one bill (swap one to see its effect)."""

    facts: InstallationFacts
    modality: str
    start: dt.date
    end: dt.date
    reading_date: dt.date
    kwh: Mapping[str, Decimal]  # grid consumption per posto (``total`` for convencional)
    injected: Mapping[str, Decimal]
    rates: Mapping[str, Rate]  # per posto (branca, group A) or ``total`` (convencional)
    tranches: tuple[Tranche, ...]  # convencional pricing (social subclasses)
    cd_kwh: Decimal
    cd_rate: Rate  # convencional rate for the custo de disponibilidade
    bandeira_rs_kwh: Decimal
    bandeira_free_kwh: Decimal
    icms: Decimal
    pis: Decimal
    cofins: Decimal
    cip: Decimal
    gd_class: str = "none"
    scee_rate: Mapping[str, Decimal] = field(default_factory=dict)
    compensation_free_kwh: Decimal | None = None
    floor_applies: bool = True
    credits: tuple[CreditLot, ...] = ()
    group_a: GroupAInputs | None = None
    refs: Mapping[str, tuple[TrailRef, ...]] = field(default_factory=dict)
    pre_steps: tuple[Step, ...] = ()

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def bill_month(self) -> str:
        return f"{self.reading_date.year:04d}-{self.reading_date.month:02d}"

    @property
    def bill_label(self) -> str:
        """Group B: the reading month; Group A: the calendar month billed."""
        d = self.start if self.facts.group == "A" else self.reading_date
        return f"{d.year:04d}-{d.month:02d}"

    @property
    def consumption_kwh(self) -> Decimal:
        return sum(self.kwh.values(), ZERO)

    @property
    def gross_up(self) -> Decimal:
        return ONE / ((ONE - self.icms) * (ONE - self.pis - self.cofins))


# ============================================================================ result


@dataclass(frozen=True, slots=True)
class BillLine:
    """One invoice item; ``amount`` includes taxes and is rounded to the cent."""

    key: str  # catalogue key, billing.component.*
    posto: str
    quantity: Decimal
    unit: str  # kWh | kW
    rate: Decimal  # R$ per unit, before taxes (pro rata)
    amount_before_taxes: Decimal  # exact
    amount: Decimal  # with taxes, rounded (what the invoice shows)
    detail: str = ""  # e.g. tranche label


@dataclass(frozen=True, slots=True)
class TaxSummary:
    icms_rate: Decimal
    pis_rate: Decimal
    cofins_rate: Decimal
    gross_up: Decimal
    base: Decimal  # P, rounded
    icms: Decimal
    pis: Decimal
    cofins: Decimal
    subtotal: Decimal | None = None  # rounded; subtotal + icms + pis + cofins = base (to the cent)


@dataclass(frozen=True, slots=True)
class Bill:
    """A computed bill: lines add up to ``total``."""

    start: dt.date
    end: dt.date
    reading_date: dt.date
    days: int
    modality: str
    consumption_kwh: Decimal
    kwh_by_posto: Mapping[str, Decimal]
    injected_kwh: Decimal
    compensated_kwh: Decimal
    lines: tuple[BillLine, ...]
    subtotal_before_taxes: Decimal  # exact
    taxes: TaxSummary
    total: Decimal  # sum of the rounded lines
    exact_total: Decimal  # without any rounding
    allocation: Allocation | None
    steps: tuple[Step, ...]
    issues: tuple[Issue, ...] = ()

    label: str = ""  # bill month: reading month (Group B) or consumption month (Group A)

    def line_sum(self, prefix: str) -> Decimal:
        return sum((ln.amount for ln in self.lines if ln.key.startswith(prefix)), ZERO)

    @property
    def credits_after(self) -> tuple[CreditLot, ...]:
        return self.allocation.lots_after if self.allocation else ()


@dataclass(frozen=True, slots=True)
class Usage:
    """Metered energy of a cycle per posto [kWh] (and Group A demand/reactive)."""

    kwh: Mapping[str, Decimal]  # ponta / intermediario / fora_ponta (or total)
    injected: Mapping[str, Decimal] = field(default_factory=dict)
    demand_kw: Mapping[str, Decimal] = field(default_factory=dict)  # Group A: max 15-min per posto
    ufer_kwh: Decimal = ZERO
