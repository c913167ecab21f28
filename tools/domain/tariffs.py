"""Convencional vs Tarifa Branca over the customer's own interval data (pure).

Method
    Each of the last ``months`` complete reading cycles is billed twice, as convencional and
    as Branca, with the **tariffs in force on the comparison date** (the decision is about
    the future), the bandeira of each cycle, the ICMS band, PIS/COFINS and the custo de
    disponibilidade rule (Branca's CD at the convencional tariff, REN 1.000 art. 290 par. 4).
    SCEE customers are billed with compensation per posto in both modalities (credit ledgers
    start empty at the first cycle of the window). Totals are summed exactly and rounded once.
    A what-if moves ``shift_pct`` of the ponta + intermediario energy to fora ponta.

Sufficiency (Opower rule)
    An answer needs at least 270 days with at least 75 % of the expected readings in a
    12-month window (scaled for other windows); otherwise a disqualifying issue says how
    many days are missing instead of a number.

Exclusions (REN 1.000 art. 219)
    Branca is not available to the baixa renda and desconto social subclasses, iluminacao
    publica and pre-pagamento, nor to Group A; the postos of the distributor must be known.

References
----------
REN 1.000/2021 arts. 212, 219, 222-224, 290 par. 4, 327 par. 2; regulation.md sections 1.7, 11.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from tools.domain.billing import (
    SOCIAL_SUBCLASSES,
    Bill,
    InstallationFacts,
    Usage,
    bill_sequence,
    cd_kwh_for,
)
from tools.domain.billing_reference import ReferenceData, weakest
from tools.domain.calendar import BillingCycle
from tools.types import Issue, Step, TrailRef
from tools.units import money

ZERO = Decimal(0)
MIN_DAYS_12M = 270
MIN_DAY_COVERAGE = 0.75
#: Below this share of the convencional total the two modalities are reported as equivalent.
INDIFFERENCE_SHARE = Decimal("0.01")
SHARE_Q = Decimal("0.0001")
DEFAULT_SHIFT_PCT = Decimal("0.3")
POSTOS = ("ponta", "intermediario", "fora_ponta")

REF_OPOWER = TrailRef("eemeter/Opower (270 dias, 75%)", "reference")
REF_BRANCA_RULES = TrailRef("REN 1.000/2021, arts. 219 e 222-224", "confirmed")
REF_BREAKEVEN = TrailRef("REN 1.000/2021, art. 212", "confirmed")
REF_CD_BRANCA = TrailRef("REN 1.000/2021, art. 290, par. 4", "confirmed")


#: customer classes that may not opt for the Tarifa Branca (besides the social subclasses)
BRANCA_EXCLUDED_CLASSES = ("iluminacao_publica",)


def branca_allowed(subclass: str | None, customer_class: str | None) -> bool:
    """Whether a Group B customer of this subclass and class may opt for the Tarifa Branca:
    not the social tariff subclasses (REN 1.000/2021 art. 219 II) nor public lighting."""
    return (subclass or "") not in SOCIAL_SUBCLASSES and (customer_class or "") not in BRANCA_EXCLUDED_CLASSES


@dataclass(frozen=True, slots=True)
class Sufficiency:
    window_start: dt.date
    window_end: dt.date
    window_days: int
    days_with_data: int
    required_days: int
    min_day_coverage: float

    @property
    def ok(self) -> bool:
        return self.days_with_data >= self.required_days

    @property
    def missing_days(self) -> int:
        return max(self.required_days - self.days_with_data, 0)


def check_sufficiency(
    readings_per_day: Mapping[dt.date, int],
    expected_per_day: int,
    start: dt.date,
    end: dt.date,
    months: int = 12,
    min_coverage: float = MIN_DAY_COVERAGE,
) -> Sufficiency:
    """Days in ``[start, end]`` with at least ``min_coverage`` of the expected readings."""
    ok_days = sum(
        1 for d, n in readings_per_day.items() if start <= d <= end and n >= min_coverage * expected_per_day
    )
    required = math.ceil(MIN_DAYS_12M * months / 12)
    return Sufficiency(start, end, (end - start).days + 1, ok_days, required, min_coverage)


def sufficiency_issue(s: Sufficiency, code: str = "issue.tariffs.insufficient_data") -> Issue:
    """The disqualifying issue of too little data for a tariff comparison (days with data vs required)."""
    return Issue(
        code,
        "disqualifying",
        {
            "days_with_data": s.days_with_data,
            "required_days": s.required_days,
            "missing_days": s.missing_days,
            "min_coverage_pct": int(round(s.min_day_coverage * 100)),
            "window_start": s.window_start,
            "window_end": s.window_end,
        },
    )


@dataclass(frozen=True, slots=True)
class ModalityCost:
    modality: str  # convencional | branca | branca_shifted
    total_rs: Decimal  # sum of the cycle bills (each rounded as an invoice)
    per_cycle: tuple[tuple[str, Decimal], ...]  # (bill month, rounded total)


@dataclass(frozen=True, slots=True)
class TariffComparison:
    installation_id: str
    current_modality: str
    months: int
    cycles: int
    window_start: dt.date | None
    window_end: dt.date | None
    tariffs_on: dt.date
    kwh_total: Decimal | None
    kwh_by_posto: Mapping[str, Decimal]
    share_by_posto: Mapping[str, Decimal]
    convencional: ModalityCost | None
    branca: ModalityCost | None
    branca_shifted: ModalityCost | None
    shift_pct: Decimal | None
    recommendation: str | None  # convencional | branca | indifferent (|difference| <= 1 %) | None
    savings_branca_rs: Decimal | None  # convencional - branca (positive: branca cheaper)
    savings_branca_shifted_rs: Decimal | None
    breakeven_ponta_share: Decimal | None  # branca pays off below this ponta share
    days_with_data: int
    required_days: int
    postos: Mapping[str, str]
    reference_values: bool


def shift_usage(usage: Usage, pct: Decimal) -> Usage:
    """Move ``pct`` of ponta and intermediario consumption to fora ponta (same total)."""
    kwh = dict(usage.kwh)
    moved = ZERO
    for p in ("ponta", "intermediario"):
        v = kwh.get(p, ZERO)
        moved += v * pct
        kwh[p] = v - v * pct
    kwh["fora_ponta"] = kwh.get("fora_ponta", ZERO) + moved
    return Usage(kwh=kwh, injected=usage.injected, demand_kw=usage.demand_kw, ufer_kwh=usage.ufer_kwh)


def breakeven_ponta_share(conv: Decimal, rates: Mapping[str, Decimal], int_share: Decimal) -> Decimal | None:
    """Largest ponta share of total energy at which Branca still costs less (before taxes).

    With d_p = T_p - T_conv: x* = (-i * d_int - (1 - i) * d_fp) / (d_ponta - d_fp).
    """
    d = {p: rates[p] - conv for p in POSTOS}
    den = d["ponta"] - d["fora_ponta"]
    if den <= 0:
        return None
    x = (-int_share * d["intermediario"] - (1 - int_share) * d["fora_ponta"]) / den
    return max(min(x, Decimal(1)), ZERO)


def _run(
    facts: InstallationFacts,
    cycles: Sequence[tuple[BillingCycle, Usage]],
    reference: ReferenceData,
    modality: str,
    tariff_on: dt.date,
    facts_for: Callable[[dt.date], InstallationFacts] | None = None,
) -> tuple[list[Bill], Decimal]:
    items = [(c.start, c.end, c.reading_date, u) for c, u in cycles]
    seq = bill_sequence(facts, items, reference, modality=modality, tariff_on=tariff_on, facts_for=facts_for)
    bills = [b for _, b in seq]
    return bills, sum((b.total for b in bills), ZERO)  # what the 12 invoices would add up to


def compare_tariffs(
    facts: InstallationFacts,
    cycles: Sequence[tuple[BillingCycle, Usage]],
    sufficiency: Sufficiency,
    reference: ReferenceData,
    tariff_on: dt.date,
    *,
    months: int = 12,
    shift_pct: Decimal | None = None,
    facts_for: Callable[[dt.date], InstallationFacts] | None = None,
) -> tuple[TariffComparison, tuple[Step, ...], tuple[Issue, ...]]:
    """Compare convencional and Branca for ``facts`` over ``cycles`` (see module docstring).

    ``facts_for(day)``: the attributes in force on a cycle's first day (versioned register), for
    everything but the modality compared (subclass, phases, GD...)."""
    issues: list[Issue] = []
    steps: list[Step] = []
    schedule = reference.posto_schedule(facts.distributor)
    postos_txt = schedule.window_text() if schedule else {}
    kwh_by_posto = {p: sum((u.kwh.get(p, ZERO) for _, u in cycles), ZERO) for p in POSTOS}
    total = sum(kwh_by_posto.values(), ZERO)
    share = {p: (v / total if total > 0 else ZERO).quantize(SHARE_Q) for p, v in kwh_by_posto.items()}

    steps.append(
        Step(
            key="tariffs.step.sufficiency",
            inputs={
                "days_with_data": sufficiency.days_with_data,
                "required_days": sufficiency.required_days,
                "min_coverage_pct": int(round(sufficiency.min_day_coverage * 100)),
            },
            formula="count(days with readings >= 75 % of expected) >= required_days",
            output=sufficiency.ok,
            unit="",
            refs=(REF_OPOWER,),
        )
    )
    disq: list[Issue] = []
    if facts.group != "B":
        disq.append(Issue("issue.tariffs.not_group_b", "disqualifying", {"group": facts.group}))
    if not branca_allowed(facts.subclass, facts.customer_class):
        disq.append(Issue("issue.tariffs.branca_not_allowed", "disqualifying", {"subclass": facts.subclass}))
    if schedule is None:
        disq.append(
            Issue("issue.tariffs.postos_unknown", "disqualifying", {"distributor": facts.distributor})
        )
    if not sufficiency.ok:
        disq.append(sufficiency_issue(sufficiency))
    if not cycles:
        disq.append(Issue("issue.tariffs.no_cycles", "disqualifying", {"months": months}))

    empty = TariffComparison(
        installation_id=facts.installation_id,
        current_modality=facts.modality,
        months=months,
        cycles=len(cycles),
        window_start=cycles[0][0].start if cycles else None,
        window_end=cycles[-1][0].end if cycles else None,
        tariffs_on=tariff_on,
        kwh_total=total if cycles else None,
        kwh_by_posto=kwh_by_posto,
        share_by_posto=share,
        convencional=None,
        branca=None,
        branca_shifted=None,
        shift_pct=shift_pct,
        recommendation=None,
        savings_branca_rs=None,
        savings_branca_shifted_rs=None,
        breakeven_ponta_share=None,
        days_with_data=sufficiency.days_with_data,
        required_days=sufficiency.required_days,
        postos=postos_txt,
        reference_values=True,
    )
    if disq:
        return empty, tuple(steps), tuple(disq)

    conv_bills, conv_total = _run(facts, cycles, reference, "convencional", tariff_on, facts_for)
    branca_bills, branca_total = _run(facts, cycles, reference, "branca", tariff_on, facts_for)
    shifted: ModalityCost | None = None
    shifted_total: Decimal | None = None
    if shift_pct is not None and shift_pct > 0:
        sh_cycles = [(c, shift_usage(u, shift_pct)) for c, u in cycles]
        sh_bills, shifted_total = _run(facts, sh_cycles, reference, "branca", tariff_on, facts_for)
        shifted = ModalityCost(
            "branca_shifted", money(shifted_total), tuple((b.label, b.total) for b in sh_bills)
        )

    conv = ModalityCost("convencional", conv_total, tuple((b.label, b.total) for b in conv_bills))
    branca = ModalityCost("branca", branca_total, tuple((b.label, b.total) for b in branca_bills))
    savings = conv_total - branca_total
    savings_shifted = conv_total - shifted_total if shifted_total is not None else None
    margin = conv_total * INDIFFERENCE_SHARE
    if conv_total - branca_total > margin:
        recommendation = "branca"
    elif branca_total - conv_total > margin:
        recommendation = "convencional"
    else:
        recommendation = "indifferent"

    # break-even with the tariffs of the comparison date (before taxes)
    conv_rate = reference.tariff_lines(
        facts.distributor, facts.subgroup, "convencional", _sc(facts), tariff_on
    )["total"]
    br = reference.tariff_lines(facts.distributor, facts.subgroup, "branca", _sc(facts), tariff_on)
    rates = {p: br[p].total / 1000 for p in POSTOS}
    be = breakeven_ponta_share(conv_rate.total / 1000, rates, share["intermediario"])
    be = be.quantize(SHARE_Q) if be is not None else None
    tariff_refs = (conv_rate.ref.trail(), *(br[p].ref.trail() for p in POSTOS))

    for p in POSTOS:
        steps.append(
            Step(
                key="tariffs.step.kwh_posto",
                inputs={"posto": p, "kwh": kwh_by_posto[p], "share": share[p]},
                formula="sum over cycles of kWh in the posto",
                output=kwh_by_posto[p],
                unit="kWh",
                refs=(
                    TrailRef(
                        schedule.cite if schedule else "",
                        weakest(schedule.status if schedule else "reference"),
                    ),
                ),
            )
        )
    steps.append(
        Step(
            key="tariffs.step.total_convencional",
            inputs={"cycles": len(cycles), "tariffs_on": tariff_on},
            formula="sum(bill totals)",
            output=conv.total_rs,
            unit="R$",
            refs=tariff_refs,
        )
    )
    steps.append(
        Step(
            key="tariffs.step.total_branca",
            inputs={"cycles": len(cycles), "tariffs_on": tariff_on},
            formula="sum(bill totals), CD at the convencional tariff",
            output=branca.total_rs,
            unit="R$",
            refs=(*tariff_refs, REF_CD_BRANCA),
        )
    )
    if shifted is not None:
        steps.append(
            Step(
                key="tariffs.step.total_branca_shifted",
                inputs={
                    "shift_pct": shift_pct,
                    "moved_kwh": (kwh_by_posto["ponta"] + kwh_by_posto["intermediario"])
                    * (shift_pct or ZERO),
                },
                formula="branca with shift_pct of ponta+intermediario moved to fora ponta",
                output=shifted.total_rs,
                unit="R$",
                refs=tariff_refs,
            )
        )
    steps.append(
        Step(
            key="tariffs.step.savings",
            inputs={"convencional_rs": conv.total_rs, "branca_rs": branca.total_rs},
            formula="convencional_rs - branca_rs; indifferent when |difference| <= 1 % of convencional_rs",
            output=savings,
            unit="R$",
            refs=(REF_BRANCA_RULES,),
        )
    )
    if be is not None:
        steps.append(
            Step(
                key="tariffs.step.breakeven",
                inputs={"intermediario_share": share["intermediario"], "ponta_share": share["ponta"]},
                formula="(-i * d_int - (1 - i) * d_fp) / (d_ponta - d_fp)",
                output=be,
                unit="fraction",
                refs=(REF_BREAKEVEN, *tariff_refs),
            )
        )

    # caveats
    cd = cd_kwh_for(facts, total, reference).value
    avg_month = total / len(cycles)
    if avg_month < cd:
        issues.append(
            Issue("issue.tariffs.below_availability", "warning", {"avg_kwh": avg_month, "cd_kwh": cd})
        )
    if facts.has_gd:
        issues.append(Issue("issue.tariffs.gd_ledger_window", "warning", {"cycles": len(cycles)}))
    issues.append(
        Issue("issue.tariffs.switch_rules", "warning", {"adhesion_days": 30, "readhesion_wait_days": 180})
    )
    for b in [*conv_bills, *branca_bills]:
        for i in b.issues:
            if (
                i.code in ("issue.billing.bandeira_assumed", "issue.billing.pis_cofins_default")
                and i not in issues
            ):
                issues.append(i)
    issues.append(Issue("issue.billing.reference_values", "warning", {"items": "tariff, postos"}))

    value = TariffComparison(
        installation_id=facts.installation_id,
        current_modality=facts.modality,
        months=months,
        cycles=len(cycles),
        window_start=cycles[0][0].start,
        window_end=cycles[-1][0].end,
        tariffs_on=tariff_on,
        kwh_total=total,
        kwh_by_posto=kwh_by_posto,
        share_by_posto=share,
        convencional=conv,
        branca=branca,
        branca_shifted=shifted,
        shift_pct=shift_pct,
        recommendation=recommendation,
        savings_branca_rs=savings,
        savings_branca_shifted_rs=savings_shifted,
        breakeven_ponta_share=be,
        days_with_data=sufficiency.days_with_data,
        required_days=sufficiency.required_days,
        postos=postos_txt,
        reference_values=True,
    )
    return value, tuple(steps), tuple(issues)


def _sc(facts: InstallationFacts) -> str:
    if facts.customer_class != "residencial":
        return facts.customer_class
    return "residencial"
