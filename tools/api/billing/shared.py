"""Billing figures other tools use: cycle demands (the demand tool) and the R$ estimate of a
period (the consumption tools)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tools.api.billing.call import _last_complete, _previous, _schedule, _setup, _slots, _usages
from tools.api.context import ToolContext
from tools.domain.billing import (
    InstallationFacts,
    estimate_energy_cost,
)
from tools.domain.billing.usage import (
    CycleUsage,
    kwh_by_posto,
)
from tools.domain.billing_reference import ReferenceData
from tools.errors import NoData
from tools.types import Period, Step

# ============================================================================ helper for the demand tool


@dataclass(frozen=True, slots=True)
class CycleDemands:
    """The last complete cycles of an installation with their measured demand per posto, read
    through the bill's query path (:func:`_slots`, :func:`tools.domain.billing.usage.cycle_usages`)."""

    facts: InstallationFacts
    reference: ReferenceData
    today: dt.date
    usages: tuple[CycleUsage, ...]
    steps: tuple[Step, ...]
    queries: tuple[str, ...]


def cycle_demands(ctx: ToolContext, installation_id: str, months: int = 12) -> CycleDemands:
    """The last ``months`` complete cycles (Group A: calendar months) that start inside the data,
    with each cycle's 15-minute maximum demand per posto (``usage.demand_kw``) and coverage."""
    call = _setup(ctx, installation_id)
    cycles = [_last_complete(call)]
    while len(cycles) < months:
        cycles.insert(0, _previous(call, cycles[0]))
    if call.first_day is not None:
        cycles = [c for c in cycles if c.end >= call.first_day]
    if call.last_day is None or not cycles:
        raise NoData("no interval data", installation_id=installation_id)
    usages, _ = _usages(call, cycles)
    return CycleDemands(
        call.facts, call.reference, call.today, tuple(usages), tuple(call.steps), tuple(call.queries)
    )


# ============================================================================ helper for the consumption tools


def estimate_cost_for(
    ctx: ToolContext, installation_id: str, period: Period, *, row: Mapping[str, Any] | None = None
) -> tuple[Decimal, tuple[Step, ...]]:
    """Estimated R$ (taxes included) of the installation's consumption in ``period``.

    Energy cost only (TUSD + TE of its modality per posto, bandeira, ICMS band of the
    monthly-equivalent consumption, PIS/COFINS); no custo de disponibilidade, CIP or SCEE
    compensation. Raises :class:`~tools.errors.NoData` without readings and
    :class:`~tools.errors.TariffNotFound` without a tariff. The amount is exact (round with
    :func:`tools.units.money` to display it). ``row``: the installation row when the caller has
    it (already scope-checked).
    """
    call = _setup(ctx, installation_id, row, span=False)  # the data span is not needed here
    df = _slots(call, period.start, period.end)
    if df.empty:
        raise NoData("no readings", installation_id=installation_id, start=period.start, end=period.end)
    kwh = kwh_by_posto(df, _schedule(call), call.group)
    amount, steps = estimate_energy_cost(kwh, period.days, call.row, period.end, call.reference)
    return amount, (*call.steps, *steps)
