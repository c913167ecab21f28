"""What the billing tools share: the call context (installation, reference, data span), the
meter data of a span (15-minute slots or day-posto rows, registers), the reading cycles, and
the result helpers (issues merged, citations, units)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from tools.api.billing.args import ZERO
from tools.api.context import ToolContext
from tools.data.queries import billing as queries
from tools.data.queries.common import usage_source
from tools.domain import calendar
from tools.domain.billing import (
    InstallationFacts,
    Usage,
)
from tools.domain.billing.usage import (
    CycleUsage,
    cycle_usages,
    split_register_delta,
)
from tools.domain.billing_reference import ReferenceData
from tools.errors import InvalidPeriod
from tools.reference import load_reference
from tools.types import Issue, Period, Provenance, Step, ToolResult, TrailRef

# ============================================================================ call context


@dataclass(slots=True)
class _Call:
    ctx: ToolContext
    installation_id: str
    row: dict[str, Any]
    facts: InstallationFacts
    reference: ReferenceData
    today: dt.date
    cycle_day: int
    interval_min: int
    first_day: dt.date | None
    last_day: dt.date | None
    queries: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)

    @property
    def yesterday(self) -> dt.date:
        return self.today - dt.timedelta(days=1)

    @property
    def group(self) -> str:
        return "A" if self.facts.group == "A" else "B"


def _setup(
    ctx: ToolContext, installation_id: str, row: Mapping[str, Any] | None = None, *, span: bool = True
) -> _Call:
    """``row``: the installation row when the caller already read it (after the scope check).

    ``span=False`` skips the query of the first/last day with data (``first_day`` / ``last_day``
    stay None) for callers that never look at them (the cost estimate of the consumption tools).
    """
    row = dict(row) if row is not None else ctx.installation(installation_id)
    facts = InstallationFacts.from_mapping(row)
    first = last = None
    span_sql = ""
    if span:
        first, last, span_sql = queries.data_span(ctx.store, installation_id, usage_source(ctx.store))
    cd = row.get("cycle_day")
    iv = row.get("interval_min")
    return _Call(
        ctx=ctx,
        installation_id=installation_id,
        row=row,
        facts=facts,
        reference=load_reference(),
        today=ctx.data_today,
        cycle_day=int(cd) if cd is not None and cd == cd else 1,
        interval_min=int(iv) if iv is not None and iv == iv else 15,
        first_day=pd.Timestamp(first).date() if first is not None else None,
        last_day=pd.Timestamp(last).date() if last is not None else None,
        queries=[span_sql] if span_sql else [],
    )


def _hour_postos(call: _Call, start: dt.date, end: dt.date) -> tuple[list[dt.date], list[str]] | None:
    """(fora-ponta days of [start, end], posto of each hour on working days), when every posto
    window of the installation's schedule is made of whole hours; None otherwise."""
    schedule = _schedule(call)
    fp_days = sorted(calendar.fora_ponta_days(start, end))
    if schedule is None:  # every slot is fora_ponta
        return fp_days, ["fora_ponta"] * 24
    working = start  # any working day: their classification depends on the minute only
    while calendar.is_fora_ponta_day(working):
        working += dt.timedelta(days=1)
    minutes = np.arange(1440)
    by_minute = calendar.classify_postos(
        np.full(1440, np.datetime64(working, "D")), minutes, schedule, call.group
    ).reshape(24, 60)
    if not (by_minute == by_minute[:, :1]).all():
        return None
    return fp_days, [str(p) for p in by_minute[:, 0]]


def _slots(call: _Call, start: dt.date, end: dt.date) -> pd.DataFrame:
    """15-minute slots of ``[start, end]`` (days), recorded in the trail.

    With whole-hour posto windows the hourly aggregate answers (see the module docstring):
    Group B one row per day and posto, Group A one row per hour with its 15-minute peak
    (``peak_wh``); the sums, readings, postos and demand are those of the 15-minute slots.
    """
    postos = _hour_postos(call, start, end) if call.ctx.store.usage_ready() else None
    if postos is None:
        df, sql = queries.slots(call.ctx.store, call.installation_id, start, end)
        n_rows = len(df)
    elif call.group == "A":
        df, sql = queries.hour_slots(call.ctx.store, call.installation_id, start, end)
        n_rows = int(df.pop("slot_rows").sum())
    else:
        fp_days, hour_posto = postos
        df, sql = queries.posto_slots(call.ctx.store, call.installation_id, start, end, fp_days, hour_posto)
        n_rows = int(df.pop("slot_rows").sum())
    if sql not in call.queries:
        call.queries.append(sql)
    call.steps.append(
        Step(
            key="billing.step.meter_data",
            inputs={"installation_id": call.installation_id, "start": start, "end": end, "rows": n_rows},
            formula="15-minute sums of import_wh / export_wh / q1_varh / q4_varh per day and slot",
            output=int(df["readings"].sum()) if not df.empty else 0,
            unit="readings",
            refs=(TrailRef("REN 1.000/2021, art. 284", "confirmed"),),
            sql=sql,
        )
    )
    return df


def _schedule(call: _Call) -> Any:
    return call.reference.posto_schedule(call.facts.distributor)


def _cap_window(call: _Call) -> tuple[int, int]:
    rules = call.reference.rules
    return int(rules.values["capacitive_window_start_min"]), int(rules.values["capacitive_window_end_min"])


def _usages(
    call: _Call, cycles: Sequence[calendar.BillingCycle], end_cap: dt.date | None = None
) -> tuple[list[CycleUsage], pd.DataFrame]:
    last = min(cycles[-1].end, end_cap) if end_cap else cycles[-1].end
    df = _slots(call, cycles[0].start, last)
    return cycle_usages(
        df,
        cycles,
        _schedule(call),
        group=call.group,
        interval_min=call.interval_min,
        fp_reference=float(call.reference.rules.values["fp_reference"]),
        capacitive_window=_cap_window(call),
        end_cap=end_cap,
    ), df


def _facts_for(call: _Call) -> Callable[[dt.date], InstallationFacts] | None:
    """The installation's attributes in force on a day (versioned register); None when the
    register holds one version (every cycle uses ``call.facts``)."""
    versions = call.ctx.installation_versions(call.installation_id)
    if len(versions) <= 1:
        return None
    facts = [InstallationFacts.from_mapping(rec) for _, _, rec in versions]

    def on(day: dt.date) -> InstallationFacts:
        for k, (vf, vt, _) in enumerate(versions):
            if vf <= day and (vt is None or day <= vt):
                return facts[k]
        return facts[0] if day < versions[0][0] else facts[-1]

    return on


def _register_usages(
    call: _Call, usages: list[CycleUsage], end_cap: dt.date | None = None
) -> list[CycleUsage]:
    """Group B: each cycle's energy from the billing registers' delta, split by posto in the
    proportion of the interval data (regulation.md 1.4: billing uses the registers; a gap in the
    interval data must not lower the bill). Cycles without both boundary readings keep the
    interval sums."""
    if call.group != "B" or not usages:
        return usages
    first = usages[0].cycle.start
    last = (min(usages[-1].cycle.end, end_cap) if end_cap else usages[-1].cycle.end) + dt.timedelta(days=1)
    df, register_sql = queries.midnight_registers(call.ctx.store, call.installation_id, first, last)
    if df.empty:
        return usages
    if register_sql not in call.queries:
        call.queries.append(register_sql)
    at = {(pd.Timestamp(r.ts).date(), str(r.register)): int(r.value_wh) for r in df.itertuples()}
    out: list[CycleUsage] = []
    for cu in usages:
        c = cu.cycle
        end = (min(c.end, end_cap) if end_cap else c.end) + dt.timedelta(days=1)
        a, b = at.get((c.start, "003")), at.get((end, "003"))
        if a is None or b is None or b < a:
            out.append(cu)
            continue
        reg_kwh = Decimal(b - a) / 1000
        kwh = split_register_delta(cu.usage.kwh, reg_kwh)
        inj = dict(cu.usage.injected)
        ea, eb = at.get((c.start, "103")), at.get((end, "103"))
        inj_reg = Decimal(eb - ea) / 1000 if ea is not None and eb is not None and eb >= ea else None
        if inj_reg is not None:
            inj = split_register_delta(cu.usage.injected, inj_reg)
        call.steps.append(
            Step(
                key="billing.step.register_delta",
                inputs={
                    "start": c.start,
                    "end": end - dt.timedelta(days=1),
                    "register_start_wh": a,
                    "register_end_wh": b,
                    "interval_kwh": sum(cu.usage.kwh.values(), ZERO),
                    "coverage_pct": round(cu.coverage * 100, 1),
                },
                formula="(register_end_wh - register_start_wh) / 1000, split by posto as the interval data",
                output=reg_kwh,
                unit="kWh",
                refs=(
                    TrailRef("REN 1.000/2021, art. 284", "confirmed"),
                    TrailRef("REN 1.000/2021, art. 657", "confirmed"),
                ),
                sql=register_sql,
            )
        )
        out.append(replace(cu, usage=replace(cu.usage, kwh=kwh, injected=inj)))
    return out


# ---------------------------------------------------------------------------- cycles


def _cycle_containing(call: _Call, day: dt.date) -> calendar.BillingCycle:
    if call.group == "A":
        return calendar.month_cycle(day.year, day.month)
    return calendar.cycle_containing(call.cycle_day, day)


def _previous(call: _Call, c: calendar.BillingCycle) -> calendar.BillingCycle:
    return _cycle_containing(call, c.start - dt.timedelta(days=1))


def _last_complete(call: _Call) -> calendar.BillingCycle:
    c = _cycle_containing(call, call.yesterday)
    return c if c.reading_date <= call.today else _previous(call, c)


def _target(call: _Call, reference: str) -> tuple[calendar.BillingCycle, bool]:
    """(cycle, partial) for ``last_bill`` | ``current_cycle`` | ``YYYY-MM``."""
    if reference == "last_bill":
        return _last_complete(call), False
    if reference == "current_cycle":
        c = _cycle_containing(call, call.yesterday)
        return c, c.reading_date > call.today
    if call.group == "A":
        y, m = int(reference[:4]), int(reference[5:7])
        c = calendar.month_cycle(y, m)
    else:
        c = calendar.cycle_for_label(call.cycle_day, reference)
    if c.start > call.yesterday:
        raise InvalidPeriod("bill in the future", reference=reference)
    return c, c.reading_date > call.today


def _history(call: _Call, upto: calendar.BillingCycle) -> list[calendar.BillingCycle]:
    """Cycles from the first one fully inside the data up to ``upto`` (for the SCEE ledger)."""
    if call.first_day is None:
        return [upto]
    out = [upto]
    c = upto
    while True:
        p = _previous(call, c)
        if p.start < call.first_day:
            break
        out.append(p)
        c = p
    return list(reversed(out))


def _items(
    usages: Sequence[CycleUsage], end_cap: dt.date | None = None
) -> list[tuple[dt.date, dt.date, dt.date, Usage]]:
    out = []
    for cu in usages:
        end = min(cu.cycle.end, end_cap) if end_cap else cu.cycle.end
        out.append((cu.cycle.start, end, cu.cycle.reading_date, cu.usage))
    return out


# ---------------------------------------------------------------------------- result helpers


_MERGE_MONTHS = ("issue.billing.bandeira_assumed", "issue.billing.pis_cofins_default")


def _dedupe(issues: Sequence[Issue]) -> tuple[Issue, ...]:
    """Drop repeated issues; one issue per code listing all months for the monthly defaults."""
    months: dict[str, list[str]] = {}
    stand_in: dict[str, list[Any]] = {}
    rest: list[Issue] = []
    for i in issues:
        if i.code in _MERGE_MONTHS:
            for mo in str(i.data.get("month", "")).split(", "):
                if mo and mo not in months.setdefault(i.code, []):
                    months[i.code].append(mo)
        elif i.code == "issue.billing.stand_in_tariff":
            rng = stand_in.setdefault(str(i.data["reh"]), [i.data["start"], i.data["end"]])
            rng[0], rng[1] = min(rng[0], i.data["start"]), max(rng[1], i.data["end"])
        else:
            rest.append(i)
    merged = [Issue(code, "warning", {"month": ", ".join(sorted(ms))}) for code, ms in months.items()]
    merged += [
        Issue("issue.billing.stand_in_tariff", "warning", {"reh": r, "start": a, "end": b})
        for r, (a, b) in stand_in.items()
    ]
    items = sorted(
        {
            x
            for i in rest
            if i.code == "issue.billing.reference_values"
            for x in str(i.data.get("items", "")).split(", ")
            if x
        }
    )
    if items:
        rest = [i for i in rest if i.code != "issue.billing.reference_values"]
        rest.append(Issue("issue.billing.reference_values", "warning", {"items": ", ".join(items)}))
    issues = [*rest, *merged]
    out: list[Issue] = []
    seen: set[str] = set()
    for i in issues:
        k = f"{i.code}|{sorted((str(a), str(b)) for a, b in i.data.items())}"
        if k not in seen:
            seen.add(k)
            out.append(i)
    return tuple(out)


def _citations(steps: Sequence[Step]) -> tuple[TrailRef, ...]:
    """Distinct citations of the trail: tariff resolutions first, then laws, then REN articles."""
    seen: dict[str, TrailRef] = {}
    for s in steps:
        for r in s.refs:
            if r.source:
                seen.setdefault(r.source, r)

    def rank(r: TrailRef) -> int:
        for i, prefix in enumerate(("ANEEL REH", "ANEEL", "Lei", "REN")):
            if r.source.startswith(prefix):
                return i
        return 9

    return tuple(sorted(seen.values(), key=rank))


def _result(
    tool: str,
    call: _Call,
    value: Any,
    period: Period | None,
    steps: Sequence[Step],
    issues: Sequence[Issue],
    units: dict[str, str],
) -> ToolResult[Any]:
    trail = (*call.steps, *steps)
    return ToolResult(
        tool=tool,
        value=value,
        units=units,
        trail=trail,
        issues=_dedupe(issues),
        provenance=Provenance(
            installation_id=call.installation_id,
            period=period,
            today=call.today,
            reference_versions=dict(call.reference.versions),
            queries=tuple(call.queries),
        ),
        citations=_citations(trail),
    )


_BILL_UNITS = {
    "bill_month": "month",
    "previous_bill_month": "month",
    "last_bill_month": "month",
    "days": "days",
    "days_elapsed": "days",
    "days_total": "days",
    "kwh_to_date": "kWh",
    "kwh_projected": "kWh",
    "kwh_low": "kWh",
    "kwh_high": "kWh",
    "total_rs": "R$",
    "amount_rs": "R$ (with taxes)",
    "rate_rs": "R$/unit before taxes",
    "consumption_kwh": "kWh",
    "icms_rate": "fraction",
    "credits_balance_kwh": "kWh",
}


_GD_UNITS = {
    "balance_kwh": "kWh",
    "injected_in_period_kwh": "kWh",
    "next_expiry_kwh": "kWh",
    "next_expiry_month": "month",
    "gd_kwp": "kWp",
}
_FLAG_UNITS = {
    "effect_rs": "R$",
    "rs_per_kwh": "R$/kWh",
    "month": "month",
    "kwh_month": "kWh",
    "effect_by_flag_rs.verde": "R$",
    "effect_by_flag_rs.amarela": "R$",
    "effect_by_flag_rs.vermelha_1": "R$",
    "effect_by_flag_rs.vermelha_2": "R$",
}


def _insufficient(code: str, cov: float, c: calendar.BillingCycle) -> Issue:
    return Issue(
        code,
        "disqualifying",
        {"coverage_pct": round(cov * 100, 1), "start": c.start, "end": c.end, "min_coverage_pct": 75},
    )
