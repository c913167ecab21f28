"""Bill engine for Group B (convencional, branca) and a basic Group A (verde/azul) (pure).

Two stages, so that every factor of a bill can be swapped to explain changes:

1. :func:`resolve_inputs` looks up every reference value for an installation and a cycle
   (tariffs pro rata by days, bandeira pro rata by days, ICMS band, PIS/COFINS of the month,
   CIP, custo de disponibilidade, SCEE parameters) and returns a :class:`BillInputs` plus the
   trail steps and issues of the look-ups;
2. :func:`compute_bill` turns :class:`BillInputs` into a :class:`Bill`: one line per invoice
   item (TUSD, TE per posto, compensation, social discount, bandeira, availability
   complement, demand, ultrapassagem, reactive excess, CIP), each with taxes included and
   rounded to the cent; the total is the sum of the lines.

Money is :class:`decimal.Decimal` and is rounded only on the bill line
(REN 1.000 art. 657). Taxes are computed "por dentro" with the current gross-up
``P = T / ((1 - icms) * (1 - pis - cofins))`` applied line by line (identical to applying it
to the sum without intermediate rounding, regulation.md section 3.3).

Rules (REN 1.000/2021 unless noted)
    * Group B energy: TUSD and TE of the modality, per posto for Branca (art. 327 par. 2).
    * Bandeira: on billed, non-compensated energy, pro rata by the days of each flag
      (art. 307; Lei 14.300 art. 19). Baixa renda: not on the first 80 kWh (art. 309).
    * Custo de disponibilidade: 30/50/100 kWh (art. 291) valued at the convencional tariff
      (art. 290 par. 4); the energy charge is ``max(CD, energy)``; not applied when the cycle
      has fewer than 27 days (art. 285).
    * SCEE: see :mod:`tools.domain.gd`; GD II pays ``share(year) * Fio B`` on compensated
      energy (Lei 14.300 art. 27), GD I pays nothing on it (art. 26); the charge never falls
      below the custo de disponibilidade and CD is never added on top (art. 655-I par. 2).
    * Tarifa Social (baixa renda): 100 % reduction on the first 80 kWh (art. 179 par. 1, REN
      1.147/2025); Desconto Social: first 120 kWh at its tariff (art. 179 par. 4).
    * Group A: billed demand ``max(measured, contracted)`` (art. 294); ultrapassagem
      ``(measured - contracted) * 2 * tariff`` when measured > 1.05 x contracted (art. 301;
      factor 2 UNCONFIRMED); reactive excess ``UFER * TE_B1`` at f_R = 0.92 (arts. 302-304).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from tools.domain.billing_reference import Lookup, ReferenceData, TariffSegment, weakest
from tools.domain.calendar import MAX_CYCLE_DAYS, MIN_CYCLE_DAYS
from tools.domain.contracted_demand import REF_BILLED as REF_DEMAND
from tools.domain.contracted_demand import demand_charge, prorated_rate
from tools.domain.gd import Allocation, CreditLot, allocate, apply_floor
from tools.errors import TariffNotFound
from tools.types import Issue, Step, TrailRef
from tools.units import money

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


# ============================================================================ helpers


def _step(
    key: str,
    inputs: Mapping[str, Any],
    formula: str,
    output: Any,
    unit: str,
    refs: Sequence[TrailRef] = (),
) -> Step:
    return Step(key=key, inputs=dict(inputs), formula=formula, output=output, unit=unit, refs=tuple(refs))


def _rate(rec_tusd: Decimal, rec_te: Decimal) -> Rate:
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


def _sum_refs(*groups: Sequence[TrailRef]) -> tuple[TrailRef, ...]:
    seen: dict[tuple[str, str], TrailRef] = {}
    for g in groups:
        for r in g:
            seen.setdefault((r.source, r.status), r)
    return tuple(seen.values())


# ============================================================================ resolve


@dataclass(frozen=True, slots=True)
class Usage:
    """Metered energy of a cycle per posto [kWh] (and Group A demand/reactive)."""

    kwh: Mapping[str, Decimal]  # ponta / intermediario / fora_ponta (or total)
    injected: Mapping[str, Decimal] = field(default_factory=dict)
    demand_kw: Mapping[str, Decimal] = field(default_factory=dict)  # Group A: max 15-min per posto
    ufer_kwh: Decimal = ZERO


def cd_kwh_for(facts: InstallationFacts, consumption_kwh: Decimal, reference: ReferenceData) -> Lookup:
    """Custo de disponibilidade in kWh (REN 1.000 art. 291)."""
    rules = reference.rules
    if facts.phases >= 3:
        if facts.subclass == "baixa_renda" and consumption_kwh <= 80:
            lk = rules.get("cd_kwh_trifasico_baixa_renda_le_80")
        else:
            lk = rules.get("cd_kwh_trifasico")
    elif facts.phases == 2:
        lk = rules.get("cd_kwh_bifasico_3_condutores")
        lk = replace(lk, refs=lk.refs + rules.get("cd_two_phase_is_three_wire").refs)
    else:
        lk = rules.get("cd_kwh_monofasico")
    if facts.has_gd and facts.subclass in SOCIAL_SUBCLASSES:
        factor = rules.get("cd_scee_cadunico_factor")
        lk = Lookup(lk.value * factor.value, lk.refs + factor.refs, lk.fallback, lk.label)
    return lk


def _effective(
    segments: Sequence[TariffSegment], days: int, posto: str, scale: Decimal = ONE
) -> tuple[Rate, list[Step], tuple[TrailRef, ...]]:
    steps: list[Step] = []
    tusd = ZERO
    te = ZERO
    refs: list[TrailRef] = []
    for seg in segments:
        rec = seg.records[posto]
        r = _rate(rec.tusd, rec.te)
        tusd += r.tusd * seg.days
        te += r.te * seg.days
        refs.append(rec.ref.trail())
        steps.append(
            _step(
                "billing.step.tariff",
                {
                    "posto": posto,
                    "reh": rec.reh,
                    "days": seg.days,
                    "tusd_rs_mwh": rec.tusd,
                    "te_rs_mwh": rec.te,
                },
                "(tusd_rs_mwh + te_rs_mwh) / 1000",
                r.total,
                "R$/kWh",
                (rec.ref.trail(),),
            )
        )
    eff = Rate(tusd / days * scale, te / days * scale)
    if len(segments) > 1:
        steps.append(
            _step(
                "billing.step.tariff_prorata",
                {"posto": posto, "days": days, "segments": len(segments)},
                "sum(days_i * rate_i) / days",
                eff.total,
                "R$/kWh",
                (
                    TrailRef(
                        "Tariff change inside a cycle pro rata by days (distributor practice)", "unconfirmed"
                    ),
                ),
            )
        )
    return eff, steps, tuple(refs)


def resolve_inputs(
    facts: InstallationFacts,
    start: dt.date,
    end: dt.date,
    usage: Usage,
    reference: ReferenceData,
    *,
    reading_date: dt.date | None = None,
    credits: Sequence[CreditLot] = (),
    modality: str | None = None,
    tariff_on: dt.date | None = None,
    apply_cd: bool = True,
    include_cip: bool = True,
    tranche_scale: Decimal = ONE,
    icms_kwh_basis: Decimal | None = None,
    allow_compensation: bool = True,
) -> tuple[BillInputs, tuple[Issue, ...]]:
    """Look up every reference value for a bill of ``[start, end]``.

    ``modality`` overrides the installation's (what-if), ``tariff_on`` prices the whole cycle
    with the tariffs in force on that date (forward-looking comparisons), ``tranche_scale``
    scales the social tranches (80/120 kWh) for periods that are not a billing cycle, and
    ``icms_kwh_basis`` sets the kWh that choose the ICMS band.
    """
    reading = reading_date or (end + dt.timedelta(days=1))
    days = (end - start).days + 1
    mod = modality or facts.modality
    issues: list[Issue] = []
    steps: list[Step] = []
    bill_month = f"{reading.year:04d}-{reading.month:02d}"

    steps.append(
        _step(
            "billing.step.cycle",
            {"start": start, "end": end, "days": days, "reading_date": reading},
            "end - start + 1",
            days,
            "d",
            (REF_CYCLE,),
        )
    )
    if days > MAX_CYCLE_DAYS:
        issues.append(Issue("issue.billing.cycle_long", "warning", {"days": days}))
    if days < MIN_CYCLE_DAYS and apply_cd:
        issues.append(Issue("issue.billing.cycle_short", "warning", {"days": days}))

    # ---- energy per posto
    raw = {k: Decimal(v) for k, v in usage.kwh.items()}
    inj_raw = {k: Decimal(v) for k, v in usage.injected.items()}
    if facts.group == "A":
        postos = ["ponta", "fora_ponta"]
        kwh = {
            "ponta": raw.get("ponta", ZERO),
            "fora_ponta": raw.get("fora_ponta", ZERO) + raw.get("intermediario", ZERO),
        }
        kwh["fora_ponta"] += raw.get("total", ZERO)
        inj = {
            "ponta": inj_raw.get("ponta", ZERO),
            "fora_ponta": sum(inj_raw.values(), ZERO) - inj_raw.get("ponta", ZERO),
        }
    elif mod == "branca":
        postos = ["ponta", "intermediario", "fora_ponta"]
        if "total" in raw and len(raw) == 1:
            raise TariffNotFound("branca needs energy per posto", installation_id=facts.installation_id)
        kwh = {p: raw.get(p, ZERO) for p in postos}
        inj = {p: inj_raw.get(p, ZERO) for p in postos}
        inj["fora_ponta"] += inj_raw.get("total", ZERO)
    else:
        postos = ["total"]
        kwh = {"total": sum(raw.values(), ZERO)}
        inj = {"total": sum(inj_raw.values(), ZERO)}
    if days > MAX_CYCLE_DAYS:  # art. 285: proportionalise to 33 days
        f = Decimal(MAX_CYCLE_DAYS) / Decimal(days)
        kwh = {p: v * f for p, v in kwh.items()}
        inj = {p: v * f for p, v in inj.items()}
    total_kwh = sum(kwh.values(), ZERO)
    steps.append(
        _step(
            "billing.step.consumption",
            {**{f"kwh_{p}": v for p, v in kwh.items()}, **{f"injected_{p}": v for p, v in inj.items() if v}},
            "sum(kwh_posto)",
            total_kwh,
            "kWh",
            (REF_METER,),
        )
    )

    # ---- tariffs (pro rata by days)
    seg_start, seg_end = (tariff_on, tariff_on) if tariff_on else (start, end)
    subclass = facts.subclass
    if mod == "branca" and subclass in SOCIAL_SUBCLASSES:
        issues.append(Issue("issue.billing.branca_not_allowed", "warning", {"subclass": subclass}))
        subclass = "residencial"
    norm_subclass = "residencial" if subclass in SOCIAL_SUBCLASSES else subclass
    if facts.customer_class != "residencial" and norm_subclass == "residencial":
        norm_subclass = facts.customer_class

    def segs(mod_: str, sc: str, component: str = "energy") -> list[TariffSegment]:
        out = reference.tariff_segments(
            facts.distributor, facts.subgroup, mod_, sc, seg_start, seg_end, component
        )
        if tariff_on:  # one segment standing for the whole cycle
            out = [replace(out[0], days=days, start=start, end=end)]
        return out

    seg_days = days
    rates: dict[str, Rate] = {}
    tariff_refs: list[TrailRef] = []
    main_segs = segs(mod, norm_subclass)
    for p in postos:
        r, st, rf = _effective(main_segs, seg_days, p)
        rates[p] = r
        steps += st
        tariff_refs += rf
    stand_ins = [s for s in main_segs if s.stand_in]
    for s in stand_ins:
        issues.append(
            Issue(
                "issue.billing.stand_in_tariff",
                "warning",
                {"reh": next(iter(s.records.values())).reh, "start": s.start, "end": s.end},
            )
        )

    # convencional rate for the custo de disponibilidade (art. 290 par. 4)
    if facts.group == "B":
        conv_segs = main_segs if mod == "convencional" else segs("convencional", norm_subclass)
        cd_rate, cd_steps, cd_trefs = _effective(conv_segs, seg_days, "total")
        if mod != "convencional":
            steps += [replace(s, key="billing.step.tariff_cd") for s in cd_steps]
            tariff_refs += cd_trefs
    else:
        cd_rate = Rate(ZERO, ZERO)

    # social tranches (convencional only)
    tranches: tuple[Tranche, ...] = (Tranche(None, rates.get("total", Rate(ZERO, ZERO))),)
    bandeira_free = ZERO
    compensation_free: Decimal | None = None
    if facts.group == "B" and mod == "convencional" and subclass in SOCIAL_SUBCLASSES:
        social_segs = segs("convencional", subclass)
        social_rate, st, rf = _effective(social_segs, seg_days, "total")
        steps += [replace(s, key="billing.step.tariff_social") for s in st]
        tariff_refs += rf
        if subclass == "baixa_renda":
            if start < dt.date(2025, 7, 5):
                issues.append(Issue("issue.billing.social_legacy_rule", "warning", {"start": start}))
            free = reference.rules.get("baixa_renda_free_kwh").value * tranche_scale
            tranches = (
                Tranche(free, social_rate, "baixa_renda", True),
                Tranche(None, social_rate, "baixa_renda"),
            )
            bandeira_free = free
            if facts.has_gd:
                compensation_free = reference.rules.get("baixa_renda_scee_free_kwh").value * tranche_scale
        else:
            ds = reference.rules.get("desconto_social_kwh").value * tranche_scale
            tranches = (Tranche(ds, social_rate, "desconto_social"), Tranche(None, rates["total"]))
        steps.append(
            _step(
                "billing.step.social_tranches",
                {"subclass": subclass, "tranche_kwh": tranches[0].upto_kwh or ZERO},
                "tranche_kwh at the social tariff, the rest at the normal tariff",
                tranches[0].upto_kwh or ZERO,
                "kWh",
                (REF_SOCIAL, *reference.rules.get("baixa_renda_free_kwh").refs),
            )
        )

    # ---- bandeira (pro rata by days of each month's flag)
    bandeira_rs = ZERO
    band_refs: list[TrailRef] = [REF_BANDEIRA]
    d = start
    while d <= end:
        month = f"{d.year:04d}-{d.month:02d}"
        nxt = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
        seg_last = min(end, nxt - dt.timedelta(days=1))
        n = (seg_last - d).days + 1
        flag, fref, fallback = reference.bandeira_flag(month)
        value = reference.bandeira_value(flag, d)
        if fallback:
            issues.append(Issue("issue.billing.bandeira_assumed", "warning", {"month": month}))
        bandeira_rs += value.value / KWH_PER_MWH * n
        band_refs += [fref.trail(), *value.refs]
        steps.append(
            _step(
                "billing.step.bandeira",
                {"month": month, "flag": flag, "days": n, "rs_mwh": value.value},
                "rs_mwh / 1000",
                value.value / KWH_PER_MWH,
                "R$/kWh",
                (fref.trail(), *value.refs),
            )
        )
        d = seg_last + dt.timedelta(days=1)
    bandeira_rs = bandeira_rs / days

    # ---- taxes
    basis = icms_kwh_basis if icms_kwh_basis is not None else total_kwh
    icms = reference.icms_rate(facts.state, facts.customer_class, basis, reading)
    steps.append(
        _step(
            "billing.step.icms_band",
            {"kwh": basis, "state": facts.state, "customer_class": facts.customer_class},
            "band(kwh) applies to the whole bill",
            icms.value,
            "fraction",
            icms.refs,
        )
    )
    pis, cofins = reference.pis_cofins_rates(facts.distributor, bill_month)
    if pis.fallback:
        issues.append(Issue("issue.billing.pis_cofins_default", "warning", {"month": bill_month}))
    steps.append(
        _step(
            "billing.step.pis_cofins",
            {"month": bill_month, "pis": pis.value, "cofins": cofins.value},
            "monthly effective rates",
            pis.value + cofins.value,
            "fraction",
            pis.refs,
        )
    )

    # ---- CIP
    cip_value = ZERO
    cip_refs: tuple[TrailRef, ...] = ()
    if include_cip:
        cip = reference.cip_amount(facts.municipality)
        cip_value = cip.value
        cip_refs = cip.refs if cip.fallback else (REF_CIP, *cip.refs)
        if cip.fallback:
            issues.append(
                Issue("issue.billing.cip_not_included", "warning", {"municipality": facts.municipality or ""})
            )
        steps.append(
            _step(
                "billing.step.cip",
                {"municipality": facts.municipality or ""},
                "municipal law",
                cip.value,
                "R$",
                cip_refs,
            )
        )

    # ---- custo de disponibilidade
    cd_value = ZERO
    cd_refs: tuple[TrailRef, ...] = ()
    if facts.group == "B" and apply_cd and days >= MIN_CYCLE_DAYS:
        lk = cd_kwh_for(facts, total_kwh, reference)
        cd_value = lk.value
        cd_refs = (REF_CD, *lk.refs)
        steps.append(
            _step(
                "billing.step.availability_kwh",
                {"phases": facts.phases, "subclass": facts.subclass},
                "REN 1.000 art. 291",
                cd_value,
                "kWh",
                cd_refs,
            )
        )

    # ---- SCEE
    scee_rate: dict[str, Decimal] = dict.fromkeys(postos, ZERO)
    gd_class = facts.gd_class if (facts.has_gd and allow_compensation) else "none"
    scee_refs: list[TrailRef] = [REF_SCEE]
    if gd_class in ("GD2", "GD3"):
        share = reference.fio_b_share_for(reading.year)
        if gd_class == "GD3":
            issues.append(Issue("issue.billing.gd3_approximated", "warning", {}))
        fio_mod = "branca" if mod == "branca" else "convencional"
        fio_b_warned = False
        for p in postos:
            fb = reference.fio_b_rate(facts.distributor, fio_mod, p, reading)
            if fb.fallback and not fio_b_warned:
                issues.append(Issue("issue.billing.fio_b_reference", "warning", {"rs_mwh": fb.value}))
                fio_b_warned = True
            scee_rate[p] = share.value * fb.value / KWH_PER_MWH
            scee_refs += [*share.refs, *fb.refs]
            steps.append(
                _step(
                    "billing.step.fio_b",
                    {"posto": p, "year": reading.year, "share": share.value, "fio_b_rs_mwh": fb.value},
                    "share * fio_b_rs_mwh / 1000",
                    scee_rate[p],
                    "R$/kWh",
                    (*share.refs, *fb.refs),
                )
            )
        if share.fallback:
            issues.append(Issue("issue.billing.fio_b_share_after_2028", "warning", {"year": reading.year}))
    floor_applies = not (facts.subclass == "baixa_renda" and facts.has_gd)

    # ---- Group A
    ga: GroupAInputs | None = None
    if facts.group == "A":
        dem_mod = mod
        demand_segs = segs(dem_mod, norm_subclass, "demand")
        demand_postos = list(demand_segs[0].records)
        demand_rate: dict[str, Decimal] = {}
        for p in demand_postos:
            tot = prorated_rate(demand_segs, p, days)
            demand_rate[p] = tot
            tariff_refs += [s.records[p].ref.trail() for s in demand_segs]
            steps.append(
                _step(
                    "billing.step.demand_tariff",
                    {"posto": p, "reh": demand_segs[0].records[p].reh},
                    "R$/kW",
                    tot,
                    "R$/kW",
                    tuple(s.records[p].ref.trail() for s in demand_segs),
                )
            )
        contracted = facts.contracted_demand_kw or ZERO
        measured: dict[str, Decimal] = {}
        for p in demand_postos:
            if p == "total":
                measured[p] = max([Decimal(v) for v in usage.demand_kw.values()] or [ZERO])
            else:
                measured[p] = Decimal(usage.demand_kw.get(p, ZERO))
        # VR_ERE = TE of B1 residencial convencional (bandeira verde), pro rata
        b1 = reference.tariff_segments(
            facts.distributor, "B1", "convencional", "residencial", seg_start, seg_end
        )
        vr_ere = (
            sum((s.records["total"].te * s.days for s in b1), ZERO)
            / sum((s.days for s in b1), 0)
            / KWH_PER_MWH
        )
        tariff_refs += [s.records["total"].ref.trail() for s in b1]
        ga = GroupAInputs(
            demand_kw=measured,
            contracted_kw=dict.fromkeys(demand_postos, contracted),
            demand_rate=demand_rate,
            tolerance=reference.rules.get("ultrapassagem_tolerance").value,
            overrun_factor=reference.rules.get("ultrapassagem_factor").value,
            ufer_kwh=Decimal(usage.ufer_kwh),
            vr_ere=vr_ere,
        )
        if facts.has_gd:
            issues.append(Issue("issue.billing.group_a_gd_not_modelled", "warning", {}))
            gd_class = "none"

    inputs = BillInputs(
        facts=facts,
        modality=mod,
        start=start,
        end=end,
        reading_date=reading,
        kwh=kwh,
        injected=inj if gd_class != "none" else dict.fromkeys(kwh, ZERO),
        rates=rates,
        tranches=tranches,
        cd_kwh=cd_value,
        cd_rate=cd_rate,
        bandeira_rs_kwh=bandeira_rs,
        bandeira_free_kwh=bandeira_free,
        icms=icms.value,
        pis=pis.value,
        cofins=cofins.value,
        cip=cip_value,
        gd_class=gd_class,
        scee_rate=scee_rate,
        compensation_free_kwh=compensation_free,
        floor_applies=floor_applies,
        credits=tuple(credits) if gd_class != "none" else (),
        group_a=ga,
        refs={
            "tariff": _sum_refs(tariff_refs),
            "bandeira": _sum_refs(band_refs),
            "icms": icms.refs,
            "pis_cofins": _sum_refs(pis.refs, cofins.refs),
            "cip": cip_refs,
            "cd": cd_refs,
            "scee": _sum_refs(scee_refs),
        },
        pre_steps=tuple(steps),
    )
    statuses = [r.status for g in inputs.refs.values() for r in g]
    if weakest(*statuses) != "confirmed":
        weak = sorted(k for k, g in inputs.refs.items() if any(r.status != "confirmed" for r in g))
        issues.append(Issue("issue.billing.reference_values", "warning", {"items": ", ".join(weak)}))
    return inputs, tuple(issues)


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
        _step(
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
            _step(
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
                _step(
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
            _step(
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
            _step(
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
            _step(
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
        _step(
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
        _step(
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
        _step(
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
