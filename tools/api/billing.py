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
Group A (15-minute demand) and other schedules read the 15-minute slots from the lake.

Bills are **estimates from the meter's interval data** (REN 1.000 art. 284), not the
distributor's invoice; every result built on unconfirmed or stand-in reference values carries
the warning ``issue.billing.reference_values`` ("valor de referencia").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from tools.api.context import ToolContext
from tools.data.queries import billing as queries
from tools.data.queries.common import usage_source
from tools.domain import calendar
from tools.domain.billing import (
    Bill,
    InstallationFacts,
    Usage,
    bill_sequence,
    compute_bill,
    estimate_energy_cost,
    resolve_inputs,
)
from tools.domain.billing.drivers import Driver, explain_change
from tools.domain.billing.results import (
    BillExplanation,
    BillForecast,
    FlagOption,
    FlagReport,
    GdCredits,
    expiry_table,
    explanation,
    gd_row,
    lines_out,
    q_kwh,
)
from tools.domain.billing.usage import (
    CycleUsage,
    cycle_usages,
    daily_kwh,
    daily_readings,
    kwh_by_posto,
    quantile,
    split_register_delta,
)
from tools.domain.billing_reference import ReferenceData
from tools.domain.gd import CreditLot
from tools.domain.periods import add_months, month_bounds, resolve_period
from tools.domain.tariffs import DEFAULT_SHIFT_PCT, TariffComparison, check_sufficiency
from tools.domain.tariffs import compare_tariffs as compare_tariffs_pure
from tools.errors import InvalidPeriod, NoData
from tools.reference import load_reference
from tools.registry import ToolSpec
from tools.types import Issue, Period, Provenance, Step, ToolResult, TrailRef
from tools.units import money

ZERO = Decimal(0)
MIN_CYCLE_COVERAGE = 0.75
_AUDIENCE: tuple[Literal["customer", "operator"], ...] = ("customer", "operator")

_EPOCH = dt.date(1970, 1, 1)


# ============================================================================ arguments


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


_REF_RE = re.compile(r"^(last_bill|current_cycle|\d{4}-\d{2})$")


class ExplainBillArgs(_Args):
    reference: str = Field(
        default="last_bill",
        description='Which bill: "last_bill", "current_cycle" or the reading month "YYYY-MM".',
    )

    @field_validator("reference")
    @classmethod
    def _ref(cls, v: str) -> str:
        v = (v or "last_bill").strip()
        if not _REF_RE.match(v):
            raise ValueError("reference must be last_bill, current_cycle or YYYY-MM")
        return v


class ForecastBillArgs(_Args):
    reference: Literal["current_cycle"] = Field(
        default="current_cycle", description="Only the cycle in progress."
    )


class CompareTariffsArgs(_Args):
    months: int = Field(default=12, ge=1, le=24, description="Number of past reading cycles to compare over.")
    shift: Literal["peak_to_offpeak"] | None = Field(
        default=None,
        description='What-if: "peak_to_offpeak" moves part of ponta+intermediario energy to fora ponta.',
    )
    shift_pct: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="Share (0..1) of ponta+intermediario energy moved to fora ponta; default 0.3 when shift is set.",
    )


class GdCreditsArgs(_Args):
    period: str | dict[str, str] | None = Field(
        default=None,
        description='Period label (e.g. "last_month", "2026-09", "last_12_months") or {start, end}.',
    )


class TariffFlagArgs(_Args):
    period: str | None = Field(
        default=None, description='Month label "YYYY-MM", "this_month", "last_month"...'
    )


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
    if call.group != "B":  # Group A needs the 15-minute demand
        return None
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

    Group B with whole-hour posto windows: one row per day and posto (see the module docstring);
    the sums, readings and postos are those of the 15-minute slots.
    """
    postos = _hour_postos(call, start, end) if call.ctx.store.usage_ready() else None
    if postos is None:
        df, sql = queries.slots(call.ctx.store, call.installation_id, start, end)
        n_rows = len(df)
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


# ============================================================================ explain_bill


def explain_bill(
    ctx: ToolContext, installation_id: str, args: ExplainBillArgs
) -> ToolResult[BillExplanation]:
    """Every line of a bill (formula, tariff, regulation) and the drivers of change vs the previous bill."""
    call = _setup(ctx, installation_id)
    target, partial = _target(call, args.reference)
    end_cap = call.yesterday if partial else None
    cycles = _history(call, target) if call.facts.has_gd else [_previous(call, target), target]
    interval_usages, _ = _usages(call, cycles, end_cap)
    usages = _register_usages(call, interval_usages, end_cap)
    cur_u = usages[-1]
    from_registers = cur_u is not interval_usages[-1]
    issues: list[Issue] = []
    if cur_u.coverage < MIN_CYCLE_COVERAGE:
        issues.append(_insufficient("issue.billing.insufficient_data", cur_u.coverage, target))
        value = explanation(
            installation_id,
            args.reference,
            None,
            cur_u.coverage,
            partial=partial,
            modality=call.facts.modality,
        )
        return _result("explain_bill", call, value, target.period(), (), issues, _BILL_UNITS)
    if cur_u.coverage < 0.99 and not from_registers:  # the registers make up for missing intervals
        issues.append(
            Issue(
                "issue.billing.missing_readings", "warning", {"coverage_pct": round(cur_u.coverage * 100, 1)}
            )
        )
    if partial:
        issues.append(
            Issue(
                "issue.billing.partial_cycle",
                "warning",
                {"until": call.yesterday, "reading_date": target.reading_date},
            )
        )
    # bills (the SCEE ledger starts with the data: earlier credits are unknown)
    valid = [u for u in usages[:-1] if u.coverage >= MIN_CYCLE_COVERAGE] + [cur_u]
    if call.facts.has_gd:
        issues.append(
            Issue("issue.gd.ledger_starts_with_data", "warning", {"ledger_start": valid[0].cycle.start})
        )
    facts_for = _facts_for(call)
    seq = bill_sequence(call.facts, _items(valid[:-1]), call.reference, facts_for=facts_for)
    lots = seq[-1][1].credits_after if seq else ()
    cur_end = min(target.end, end_cap) if end_cap else target.end
    basis = None
    if partial:  # the ICMS band of the whole cycle, not of the days so far
        elapsed = (cur_end - target.start).days + 1
        basis = sum(cur_u.usage.kwh.values(), Decimal(0)) * target.days / elapsed
    cur_inputs, cur_issues = resolve_inputs(
        facts_for(target.start) if facts_for else call.facts,
        target.start,
        cur_end,
        cur_u.usage,
        call.reference,
        reading_date=target.reading_date,
        credits=lots,
        icms_kwh_basis=basis,
        apply_cd=not partial,
    )
    cur_bill = compute_bill(cur_inputs, cur_issues)
    seq.append((cur_inputs, cur_bill))
    issues += [i for i in cur_bill.issues if not (partial and i.code == "issue.billing.cycle_short")]
    prev_u = usages[-2] if len(usages) >= 2 else None
    drivers: tuple[Driver, ...] = ()
    driver_steps: tuple[Step, ...] = ()
    prev_bill: Bill | None = None
    if prev_u is not None and prev_u.coverage >= MIN_CYCLE_COVERAGE and len(seq) >= 2 and not partial:
        prev_inputs = seq[-2][0]
        drivers, driver_steps, prev_bill, _ = explain_change(prev_inputs, cur_inputs)
    elif not partial:
        issues.append(Issue("issue.billing.no_previous_bill", "warning", {}))
    value = explanation(
        installation_id,
        args.reference,
        cur_bill,
        cur_u.coverage,
        previous=prev_bill,
        drivers=drivers,
        partial=partial,
    )
    return _result(
        "explain_bill", call, value, target.period(), (*cur_bill.steps, *driver_steps), issues, _BILL_UNITS
    )


# ============================================================================ forecast_bill


def forecast_bill(ctx: ToolContext, installation_id: str, args: ForecastBillArgs) -> ToolResult[BillForecast]:
    """Projection of the cycle in progress (central, low, high) and a warning above the last bill."""
    call = _setup(ctx, installation_id)
    cur = _cycle_containing(call, call.yesterday)
    if cur.reading_date <= call.today:  # today is the reading day: the cycle is complete
        cur = _cycle_containing(call, call.today)
    elapsed = max((call.yesterday - cur.start).days + 1, 0)
    remaining = cur.days - elapsed
    last = _previous(call, cur)
    hist = _history(call, last) if call.facts.has_gd else [last]
    issues: list[Issue] = []
    # data: history + current cycle + the last 30 days for the daily spread
    window_start = min(hist[0].start, call.today - dt.timedelta(days=30))
    df = _slots(call, window_start, call.yesterday)
    usages = cycle_usages(
        df,
        [*hist, cur],
        _schedule(call),
        group=call.group,
        interval_min=call.interval_min,
        fp_reference=float(call.reference.rules.values["fp_reference"]),
        capacitive_window=_cap_window(call),
        end_cap=call.yesterday,
    )
    cur_u = usages[-1]
    # rows from a day on, by day number (no per-row date objects)
    day_no = pd.to_datetime(df["day"]).to_numpy().astype("datetime64[D]").astype("int64")

    def since(first: dt.date) -> pd.DataFrame:
        return df[day_no >= (first - _EPOCH).days] if not df.empty else df

    cyc_days = since(cur.start)
    days_with_data = len(daily_readings(cyc_days))
    last30 = since(call.today - dt.timedelta(days=30))
    daily = daily_kwh(last30)
    if not daily:
        issues.append(Issue("issue.billing.forecast_no_data", "disqualifying", {"start": cur.start}))
        value = BillForecast(
            installation_id, cur.label, cur.start, cur.end, cur.reading_date, cur.days, elapsed, ZERO,
            None, None, None, None, None, None, (), None, None, None,
        )  # fmt: skip
        return _result("forecast_bill", call, value, cur.period(), (), issues, _BILL_UNITS)
    if elapsed < 7:
        issues.append(Issue("issue.billing.forecast_early", "warning", {"days_elapsed": elapsed}))
    to_date = cur_u.usage
    kwh_to_date = sum(to_date.kwh.values(), ZERO)
    inj_to_date = sum(to_date.injected.values(), ZERO)
    # central: the pace of this cycle (from the 7th day), else the last 30 days; range: P20/P80
    recent = sum(daily.values(), ZERO) / len(daily)
    rate_c = kwh_to_date / days_with_data if elapsed >= 7 and days_with_data else recent
    rate_lo, rate_hi = quantile(daily, 0.2), quantile(daily, 0.8)
    rate_lo, rate_hi = min(rate_lo, rate_c), max(rate_hi, rate_c)
    shape = kwh_by_posto(last30, _schedule(call), call.group) if kwh_to_date <= 0 else dict(to_date.kwh)
    shape_total = sum(shape.values(), ZERO)
    share = {p: v / shape_total for p, v in shape.items()} if shape_total > 0 else {"fora_ponta": Decimal(1)}
    if days_with_data:
        inj_rate = inj_to_date / days_with_data
        inj_shape = dict(to_date.injected)
    else:
        exp = last30.assign(import_wh=last30["export_wh"]) if not last30.empty else last30
        inj_shape = kwh_by_posto(exp, _schedule(call), call.group)
        inj_rate = sum(inj_shape.values(), ZERO) / len(daily)
    inj_total = sum(inj_shape.values(), ZERO)
    inj_share = {p: v / inj_total for p, v in inj_shape.items()} if inj_total > 0 else {}

    def project(rate: Decimal) -> Usage:
        extra = rate * remaining
        kwh = {p: to_date.kwh.get(p, ZERO) + extra * s for p, s in share.items()}
        inj = {p: to_date.injected.get(p, ZERO) + inj_rate * remaining * s for p, s in inj_share.items()}
        return Usage(
            kwh=kwh,
            injected=inj,
            demand_kw=to_date.demand_kw,
            ufer_kwh=to_date.ufer_kwh * cur.days / max(elapsed, 1),
        )

    # SCEE credits at the start of the current cycle
    lots: tuple[CreditLot, ...] = ()
    last_bill: Bill | None = None
    valid_hist = [u for u in usages[:-1] if u.coverage >= MIN_CYCLE_COVERAGE]
    if valid_hist:
        seq = bill_sequence(call.facts, _items(valid_hist), call.reference)
        last_bill = seq[-1][1] if valid_hist[-1].cycle == last else None
        lots = seq[-1][1].credits_after
    bills: dict[str, Bill] = {}
    for name, rate in (("low", rate_lo), ("central", rate_c), ("high", rate_hi)):
        inputs, iss = resolve_inputs(
            call.facts,
            cur.start,
            cur.end,
            project(rate),
            call.reference,
            reading_date=cur.reading_date,
            credits=lots,
        )
        bills[name] = compute_bill(inputs, iss)
    central = bills["central"]
    issues += list(central.issues)
    above = None
    if last_bill is not None:
        above = central.total > last_bill.total
        if above:
            issues.append(
                Issue(
                    "issue.billing.forecast_above_last_bill",
                    "warning",
                    {
                        "forecast_rs": central.total,
                        "last_bill_rs": last_bill.total,
                        "difference_rs": central.total - last_bill.total,
                    },
                )
            )
    steps = [
        Step(
            key="billing.step.forecast_rate",
            inputs={
                "kwh_to_date": kwh_to_date,
                "days_with_data": days_with_data,
                "days_remaining": remaining,
                "p20_daily_kwh": rate_lo,
                "p80_daily_kwh": rate_hi,
            },
            formula="kwh_to_date + days_remaining * daily_rate (central: pace of this cycle; low/high: P20/P80 of the last 30 days)",
            output=central.consumption_kwh,
            unit="kWh",
            refs=(),
        ),
        *central.steps,
    ]
    value = BillForecast(
        installation_id=installation_id,
        bill_month=cur.label,
        start=cur.start,
        end=cur.end,
        reading_date=cur.reading_date,
        days_total=cur.days,
        days_elapsed=elapsed,
        kwh_to_date=q_kwh(kwh_to_date),
        kwh_projected=q_kwh(central.consumption_kwh),
        kwh_low=q_kwh(bills["low"].consumption_kwh),
        kwh_high=q_kwh(bills["high"].consumption_kwh),
        total_rs=central.total,
        low_rs=bills["low"].total,
        high_rs=bills["high"].total,
        lines=lines_out(central),
        last_bill_month=last_bill.label if last_bill else None,
        last_bill_total_rs=last_bill.total if last_bill else None,
        above_last_bill=above,
    )
    return _result("forecast_bill", call, value, cur.period(), steps, issues, _BILL_UNITS)


# ============================================================================ compare_tariffs


def compare_tariffs(
    ctx: ToolContext, installation_id: str, args: CompareTariffsArgs
) -> ToolResult[TariffComparison]:
    """Convencional vs Tarifa Branca over the last ``months`` cycles, with an optional load shift."""
    call = _setup(ctx, installation_id)
    last = _last_complete(call)
    cycles = [last]
    while len(cycles) < args.months:
        cycles.insert(0, _previous(call, cycles[0]))
    usages, df = _usages(call, cycles)
    suff = check_sufficiency(
        daily_readings(df), 1440 // max(call.interval_min, 1), cycles[0].start, cycles[-1].end, args.months
    )
    shift_pct: Decimal | None = None
    if args.shift == "peak_to_offpeak":
        shift_pct = Decimal(repr(args.shift_pct)) if args.shift_pct > 0 else DEFAULT_SHIFT_PCT
    value, steps, issues = compare_tariffs_pure(
        call.facts,
        [(u.cycle, u.usage) for u in usages],
        suff,
        call.reference,
        call.today,
        months=args.months,
        shift_pct=shift_pct,
        facts_for=_facts_for(call),
    )
    units = {
        "total_rs": "R$",
        "savings_branca_rs": "R$",
        "savings_branca_shifted_rs": "R$",
        "kwh_total": "kWh",
        "breakeven_ponta_share": "fraction",
        "shift_pct": "fraction",
        "share_by_posto.ponta": "fraction",
        "share_by_posto.intermediario": "fraction",
        "share_by_posto.fora_ponta": "fraction",
        "kwh_by_posto.ponta": "kWh",
        "kwh_by_posto.intermediario": "kWh",
        "kwh_by_posto.fora_ponta": "kWh",
    }
    return _result(
        "compare_tariffs",
        call,
        value,
        Period(cycles[0].start, cycles[-1].end, f"last_{args.months}_cycles"),
        steps,
        issues,
        units,
    )


# ============================================================================ gd_credits


def gd_credits(ctx: ToolContext, installation_id: str, args: GdCreditsArgs) -> ToolResult[GdCredits]:
    """Injection, compensation and credits per cycle; balance by expiry month and what expires next."""
    call = _setup(ctx, installation_id)
    period = resolve_period(args.period, call.today, default="last_12_months")
    kwp_raw = call.row.get("gd_kwp")
    kwp = Decimal(repr(float(kwp_raw))) if kwp_raw is not None and kwp_raw == kwp_raw else None
    empty = GdCredits(
        installation_id,
        call.facts.gd_class,
        kwp,
        period.start,
        period.end,
        None,
        None,
        (),
        None,
        (),
        None,
        None,
    )  # no figures: a disqualifying issue says why
    if not call.facts.has_gd:
        issue = Issue("issue.gd.not_scee", "disqualifying", {})
        return _result("gd_credits", call, empty, period, (), [issue], _GD_UNITS)
    last = _last_complete(call)
    cycles = _history(call, last)
    usages = [u for u in _register_usages(call, _usages(call, cycles)[0]) if u.coverage >= MIN_CYCLE_COVERAGE]
    issues: list[Issue] = []
    if not usages:
        issues.append(Issue("issue.gd.no_cycles", "disqualifying", {}))
        return _result("gd_credits", call, empty, period, (), issues, _GD_UNITS)
    seq = bill_sequence(call.facts, _items(usages), call.reference, facts_for=_facts_for(call))
    bills = [b for _, b in seq]
    shown = [b for b in bills if period.start <= b.reading_date <= period.end + dt.timedelta(days=1)]
    upto = [b for b in bills if b.reading_date <= period.end + dt.timedelta(days=1)]
    balance_bill = upto[-1] if upto else None
    lots = balance_bill.credits_after if balance_bill else ()
    table, nxt_month, nxt_kwh = expiry_table(lots)
    # one window for every figure: the billing cycles shown (those read in the period asked);
    # the injection is theirs, not the calendar period's
    win_start = shown[0].start if shown else period.start
    win_end = shown[-1].end if shown else period.end
    inj_period = sum((b.injected_kwh for b in shown), ZERO)
    issues.append(
        Issue("issue.gd.ledger_starts_with_data", "warning", {"ledger_start": usages[0].cycle.start})
    )
    for b in shown:
        issues += [
            i
            for i in b.issues
            if i.code in ("issue.billing.fio_b_reference", "issue.billing.reference_values")
        ]
    steps: list[Step] = []
    for b in shown:
        steps += [
            s
            for s in b.steps
            if s.key in ("billing.step.scee_allocation", "billing.step.scee_floor", "billing.step.fio_b")
        ]
    steps.append(
        Step(
            key="gd.step.balance",
            inputs={"lots": len(lots), "as_of": balance_bill.label if balance_bill else ""},
            formula="sum(kWh of unexpired lots), oldest used first, expiry 60 months after the generating bill",
            output=q_kwh(sum((lot.kwh for lot in lots), ZERO)),
            unit="kWh",
            refs=(TrailRef("Lei 14.300/2022, art. 13; REN 1.000/2021, art. 655-L", "confirmed"),),
        )
    )
    steps.append(
        Step(
            key="gd.step.injected_period",
            inputs={"start": win_start, "end": win_end, "cycles": [b.label for b in shown]},
            formula="sum(injected_kwh of the cycles shown)",
            output=q_kwh(inj_period),
            unit="kWh",
        )
    )
    value = GdCredits(
        installation_id=installation_id,
        gd_class=call.facts.gd_class,
        gd_kwp=kwp,
        period_start=win_start,
        period_end=win_end,
        asked_start=period.start,
        asked_end=period.end,
        balance_as_of=balance_bill.reading_date if balance_bill else None,
        ledger_start=usages[0].cycle.start,
        injected_in_period_kwh=q_kwh(inj_period),
        cycles=tuple(gd_row(b) for b in shown),
        balance_kwh=q_kwh(sum((lot.kwh for lot in lots), ZERO)),
        balance_by_expiry=table,
        next_expiry_month=nxt_month,
        next_expiry_kwh=nxt_kwh,
    )
    return _result(
        "gd_credits",
        call,
        value,
        period,
        steps,
        issues,
        _GD_UNITS,
    )


# ============================================================================ tariff_flag


def _month_of(label: str | dict[str, str] | None, today: dt.date) -> str:
    if isinstance(label, dict):
        start = dt.date.fromisoformat(str(label.get("start")))
        return f"{start.year:04d}-{start.month:02d}"
    lab = (label or "this_month").strip()
    if re.fullmatch(r"\d{4}-\d{2}", lab):
        return lab
    if lab == "next_month":
        d = add_months(today.replace(day=1), 1)
        return f"{d.year:04d}-{d.month:02d}"
    p = resolve_period(lab, today)
    return f"{p.start.year:04d}-{p.start.month:02d}"


def tariff_flag(ctx: ToolContext, installation_id: str, args: TariffFlagArgs) -> ToolResult[FlagReport]:
    """The bandeira of a month and its R$ effect (with taxes) on this customer's consumption."""
    call = _setup(ctx, installation_id)
    ref = call.reference
    month = _month_of(args.period, call.today)
    y, m = int(month[:4]), int(month[5:7])
    m_start, m_end = month_bounds(y, m)
    flag, fref, fallback = ref.bandeira_flag(month)
    issues: list[Issue] = []
    steps: list[Step] = []
    # the customer's kWh in that month (projected when the month is incomplete or in the future)
    data_end = min(m_end, call.yesterday)
    projection = False
    kwh: Decimal | None
    if m_start <= data_end:
        df = _slots(call, m_start, data_end)
        days = daily_kwh(df)
        kwh = sum(days.values(), ZERO)
        if days and data_end < m_end:
            kwh = kwh / len(days) * m_end.day
            projection = True
    else:
        df = _slots(call, call.today - dt.timedelta(days=30), call.yesterday)
        days = daily_kwh(df)
        kwh = (sum(days.values(), ZERO) / len(days) * m_end.day) if days else None
        projection = True
    if kwh is not None and not days:
        kwh = None
    if call.facts.has_gd and kwh is not None:
        exp = Decimal(int(df["export_wh"].sum())) / 1000 if not df.empty else ZERO
        imp = sum(days.values(), ZERO)
        net_share = max(imp - exp, ZERO) / imp if imp > 0 else ZERO
        kwh = kwh * net_share
        issues.append(Issue("issue.tariffs.flag_gd_estimate", "warning", {}))
    if kwh is not None:
        steps.append(
            Step(
                key="tariffs.step.flag_kwh",
                inputs={"month": month, "projection": projection},
                formula="kWh of the month (projected by the daily average when incomplete)",
                output=q_kwh(kwh),
                unit="kWh",
                sql=queries.slots_sql(),
            )
        )
    on = m_start
    options: list[FlagOption] = []
    effect: Decimal | None = None
    rs_kwh: Decimal | None = None
    if kwh is not None:
        icms = ref.icms_rate(call.facts.state, call.facts.customer_class, kwh, on)
        pis, cofins = ref.pis_cofins_rates(call.facts.distributor, month)
        g = Decimal(1) / ((1 - icms.value) * (1 - pis.value - cofins.value))
        if pis.fallback:
            issues.append(Issue("issue.billing.pis_cofins_default", "warning", {"month": month}))
        billed = max(kwh - 80, ZERO) if call.facts.subclass == "baixa_renda" else kwh
        steps.append(
            Step(
                key="billing.step.gross_up",
                inputs={"icms": icms.value, "pis": pis.value, "cofins": cofins.value},
                formula="1 / ((1 - icms) * (1 - pis - cofins))",
                output=g,
                unit="factor",
                refs=(*icms.refs, *pis.refs),
            )
        )
    for f in ref.known_flags(on):
        if f == "escassez_hidrica":
            continue
        v = ref.bandeira_value(f, on)
        eff = money(billed * v.value / 1000 * g) if kwh is not None else None
        options.append(FlagOption(f, v.value / 1000, eff))
        if f == flag and not fallback:
            rs_kwh = v.value / 1000
            effect = eff
            steps.append(
                Step(
                    key="tariffs.step.flag_effect",
                    inputs={
                        "flag": f,
                        "kwh": q_kwh(billed) if kwh is not None else ZERO,
                        "rs_per_kwh": v.value / 1000,
                    },
                    formula="kwh * rs_per_kwh * gross_up",
                    output=eff,
                    unit="R$",
                    refs=(fref.trail(), *v.refs, TrailRef("REN 1.000/2021, arts. 307-309", "confirmed")),
                )
            )
    if fallback:
        issues.append(Issue("issue.tariffs.flag_unknown", "warning", {"month": month}))
    elif fref.status != "confirmed":
        issues.append(Issue("issue.billing.reference_values", "warning", {"items": "bandeira"}))
    if kwh is None:
        issues.append(Issue("issue.tariffs.flag_no_consumption", "warning", {"month": month}))
    value = FlagReport(
        installation_id=installation_id,
        month=month,
        flag=None if fallback else flag,
        flag_status=fref.status,
        rs_per_kwh=rs_kwh,
        kwh_month=q_kwh(kwh) if kwh is not None else None,
        kwh_is_projection=projection,
        effect_rs=effect,
        options=tuple(options),
        source=fref.cite or fref.source,
        rs_per_100kwh=rs_kwh * 100 if rs_kwh is not None else None,
        effect_by_flag_rs={o.flag: o.effect_rs for o in options},
    )
    return _result(
        "tariff_flag",
        call,
        value,
        Period(m_start, m_end, month),
        steps,
        issues,
        _FLAG_UNITS,
    )


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
