"""Bill engine for Group B (convencional, branca) and a basic Group A (verde/azul) (pure).

A package by responsibility, its public names re-exported here: :mod:`.model` (facts, inputs,
usage, the bill and its lines, the rules' references), :mod:`.pricing` (tranches, cents,
steps), :mod:`.resolve` (stage 1), :mod:`.compute` (stage 2, the line builders),
:mod:`.estimate` (cost estimates, bill sequences); and, imported by their callers, :mod:`.usage`
(interval data to cycle usage), :mod:`.drivers` (what changed a bill) and :mod:`.results` (the
tools' result shapes). The reference-data types stay in :mod:`tools.domain.billing_reference`
(the demand rules import them, and this package imports the demand rules).

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

from tools.domain.billing.compute import (
    bill,
    compute_bill,
)
from tools.domain.billing.estimate import (
    bill_sequence,
    estimate_energy_cost,
)
from tools.domain.billing.model import (
    KWH_PER_MWH,
    ONE,
    REF_ART_657,
    REF_BANDEIRA,
    REF_BANDEIRA_SOCIAL,
    REF_CD,
    REF_CD_BRANCA,
    REF_CIP,
    REF_CYCLE,
    REF_GROSS_UP,
    REF_METER,
    REF_NO_DOUBLE,
    REF_PRORATA,
    REF_REACTIVE,
    REF_SCEE,
    REF_SCEE_ORDER,
    REF_SOCIAL,
    SOCIAL_SUBCLASSES,
    ZERO,
    Bill,
    BillInputs,
    BillLine,
    GroupAInputs,
    InstallationFacts,
    Rate,
    TaxSummary,
    Tranche,
    Usage,
)
from tools.domain.billing.pricing import (
    allocate_cents,
    price_range,
    split_by_tranches,
)
from tools.domain.billing.resolve import (
    cd_kwh_for,
    resolve_inputs,
)

__all__ = [
    "Bill",
    "BillInputs",
    "BillLine",
    "GroupAInputs",
    "InstallationFacts",
    "KWH_PER_MWH",
    "ONE",
    "REF_ART_657",
    "REF_BANDEIRA",
    "REF_BANDEIRA_SOCIAL",
    "REF_CD",
    "REF_CD_BRANCA",
    "REF_CIP",
    "REF_CYCLE",
    "REF_GROSS_UP",
    "REF_METER",
    "REF_NO_DOUBLE",
    "REF_PRORATA",
    "REF_REACTIVE",
    "REF_SCEE",
    "REF_SCEE_ORDER",
    "REF_SOCIAL",
    "Rate",
    "SOCIAL_SUBCLASSES",
    "TaxSummary",
    "Tranche",
    "Usage",
    "ZERO",
    "allocate_cents",
    "bill",
    "bill_sequence",
    "cd_kwh_for",
    "compute_bill",
    "estimate_energy_cost",
    "price_range",
    "resolve_inputs",
    "split_by_tranches",
]
