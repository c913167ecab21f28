"""Billing tools: ``explain_bill``, ``forecast_bill``, ``compare_tariffs``, ``gd_credits``,
``tariff_flag``; and :func:`estimate_cost_for` for the consumption tools.

Each tool reads the installation's interval data with one query of
:mod:`tools.data.queries.billing` over the ``load_profile`` view, aggregated to 15-minute slots
(the SQL is in the trail and in the provenance), classifies the slots into postos
(:mod:`tools.domain.calendar`), builds the installation's reading cycles (27-33 days from
``cycle_day``; Group A: calendar month) and calls the pure engine (:mod:`tools.domain.billing`, :mod:`tools.domain.gd`,
:mod:`tools.domain.tariffs`) with the reference data of :mod:`tools.reference`.

Group B data comes from the ``usage_hourly`` aggregate (:mod:`tools.data.usage`) when
``store.usage_ready()`` and the posto windows are whole hours: one query sums the hours per day
and posto (weekends/holidays from :func:`tools.domain.calendar.fora_ponta_days`, the working-day
hour -> posto map from :func:`tools.domain.calendar.classify_postos`) and returns one row per day
and posto whose ``slot`` is the first minute of that posto; the pure functions classify and sum
those rows exactly as they would the 15-minute slots (kWh per posto, per day, readings per day).
Group A reads one row per hour with its largest 15-minute slot sum (``peak_wh``, the demand) and
its reactive sums (the hourly power factor). Other schedules read the 15-minute slots from the lake.

Bills are **estimates from the meter's interval data** (REN 1.000 art. 284), not the
distributor's invoice; every result built on unconfirmed or stand-in reference values carries
the warning ``issue.billing.reference_values`` ("valor de referencia").

A package by tool: :mod:`.args` (argument models), :mod:`.call` (call context, meter data,
cycles, result helpers), :mod:`.explain`, :mod:`.forecast`, :mod:`.tariffs`, :mod:`.gd`,
:mod:`.flag` (one tool each) and :mod:`.shared` (figures other tools use); the public names are
re-exported here.
"""

from __future__ import annotations

from tools.api.billing.args import (
    _AUDIENCE,
    CompareTariffsArgs,
    ExplainBillArgs,
    ForecastBillArgs,
    GdCreditsArgs,
    TariffFlagArgs,
)
from tools.api.billing.explain import explain_bill
from tools.api.billing.flag import tariff_flag
from tools.api.billing.forecast import forecast_bill
from tools.api.billing.gd import gd_credits
from tools.api.billing.shared import CycleDemands, cycle_demands, estimate_cost_for
from tools.api.billing.tariffs import compare_tariffs
from tools.registry import ToolSpec

# ============================================================================ registry

SPECS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="explain_bill",
        fn=explain_bill,
        args_model=ExplainBillArgs,
        audience=_AUDIENCE,
        needs_installation=True,
        summary="Every line of a bill estimated from the meter data (TUSD, TE per posto, bandeira, SCEE "
        "compensation, availability cost, taxes, CIP) with tariff and regulation, and the drivers of change "
        "vs the previous bill (days, consumption, tariff, bandeira, ICMS band, credits).",
        cites=("REN 1.000/2021 arts. 284, 285, 290-291, 307, 327, 657", "Lei 14.300/2022"),
    ),
    ToolSpec(
        name="forecast_bill",
        fn=forecast_bill,
        args_model=ForecastBillArgs,
        audience=_AUDIENCE,
        needs_installation=True,
        summary="Projection of the bill of the cycle in progress (central, low, high) and a warning when it "
        "will exceed the last bill.",
        cites=("REN 1.000/2021 arts. 285, 307",),
    ),
    ToolSpec(
        name="compare_tariffs",
        fn=compare_tariffs,
        args_model=CompareTariffsArgs,
        audience=_AUDIENCE,
        needs_installation=True,
        summary="Convencional vs Tarifa Branca over the last 12 cycles of interval data, with an optional shift of "
        "peak energy to off-peak; refuses without 270 days of data (75 % of readings).",
        cites=("REN 1.000/2021 arts. 212, 219, 222-224, 290 par. 4",),
    ),
    ToolSpec(
        name="gd_credits",
        fn=gd_credits,
        args_model=GdCreditsArgs,
        audience=_AUDIENCE,
        needs_installation=True,
        summary="Solar (SCEE) injection, compensation and credits per cycle, balance by expiry month and what "
        "expires next (GD I / GD II rules).",
        cites=("Lei 14.300/2022 arts. 13, 26-27", "REN 1.000/2021 arts. 655-G, 655-I, 655-L"),
    ),
    ToolSpec(
        name="tariff_flag",
        fn=tariff_flag,
        args_model=TariffFlagArgs,
        audience=_AUDIENCE,
        needs_installation=True,
        summary="The bandeira tarifaria of a month and its R$ effect (with taxes) on this customer's consumption, "
        "with the effect of every flag.",
        cites=("REN 1.000/2021 arts. 307-309",),
    ),
)

__all__ = [
    "SPECS",
    "CompareTariffsArgs",
    "ExplainBillArgs",
    "ForecastBillArgs",
    "GdCreditsArgs",
    "TariffFlagArgs",
    "CycleDemands",
    "compare_tariffs",
    "cycle_demands",
    "estimate_cost_for",
    "explain_bill",
    "forecast_bill",
    "gd_credits",
    "tariff_flag",
]
