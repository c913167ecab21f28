"""Customer and operator tools of the quality area: ``voltage_quality`` and ``continuity_indicators``.

Each tool: resolve the period against the data's "today", read through parameterised Store
SQL, call the pure functions of :mod:`tools.domain.quality` / :mod:`tools.domain.continuity`,
and return a typed :class:`~tools.types.ToolResult` whose trail carries the SQL it ran.

Shared helpers (reference loading, SQL files, band parameters, EUSD) are in
:mod:`tools.api.quality_common`. Reference values: ``tools/reference/quality_limits.json``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from tools.api.context import ToolContext
from tools.api.quality_common import continuity_rules, monthly_eusd, reference_versions, text, voltage_rules
from tools.data.queries import quality as quality_queries
from tools.data.store import Store
from tools.domain import continuity as cont
from tools.domain import quality as q
from tools.domain.periods import resolve_period
from tools.errors import NoData, NotIdentified
from tools.registry import ToolSpec
from tools.types import Issue, Period, Provenance, Step, ToolResult, TrailRef

DATA_NOTE_REF = TrailRef("REN 1.000/2021 art. 438 (regulatory measurement is the distributor's)", "confirmed")

# ----------------------------------------------------------------------------- result types


@dataclass(frozen=True, slots=True)
class Phrase:
    """A catalogue key and its placeholders (the assistant renders the sentence)."""

    key: str
    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class PhaseOut:
    phase: str
    readings: int
    precaria: int
    critica: int


@dataclass(frozen=True, slots=True)
class SetOut:
    start: dt.datetime
    end: dt.datetime
    n_valid: int
    complete: bool
    nlp: int
    nlc: int
    drp_pct: Decimal
    drc_pct: Decimal
    drp_violated: bool
    drc_violated: bool
    phases: tuple[PhaseOut, ...]


@dataclass(frozen=True, slots=True)
class VoltageQuality:
    """Value of ``voltage_quality`` (indicative: meter data, not a regulatory measurement)."""

    installation_id: str
    period: Period
    nominal_v: Decimal
    level: str
    band: Mapping[str, Decimal]  # adequate_lo/hi, precaria_lo/hi [V]
    phases: tuple[str, ...]
    sets: tuple[SetOut, ...]
    drp_pct: Decimal  # worst set
    drc_pct: Decimal
    drp_lim_pct: Decimal
    drc_lim_pct: Decimal
    precaria_share: Decimal  # fraction of the worst set's valid readings (= DRP/100)
    critica_share: Decimal
    violated: bool
    compensation_rs: Decimal | None
    eusd_rs: Decimal | None
    credit_deadline: dt.date | None
    complaint_inspection_by: dt.date
    complaint_measurement_168h_by: dt.date
    complaint_consumer_request_days: int
    regularisation_deadline: dt.date | None  # none fixed in REN 1.000 (UNCONFIRMED)
    discarded_interruption: int
    indicative: bool
    answer: tuple[Phrase, ...]


@dataclass(frozen=True, slots=True)
class InterruptionOut:
    start: dt.datetime
    end: dt.datetime | None
    minutes: Decimal | None
    counted: bool
    reason: str  # long | short | critical_day | open
    hours: Decimal | None = None  # the duration in hours (None while still open)


@dataclass(frozen=True, slots=True)
class MonthOut:
    month: str
    complete: bool
    dic_h: Decimal
    fic: int
    dmic_h: Decimal
    dicri_h: tuple[Decimal, ...]
    violated: tuple[str, ...]  # "DIC", "FIC", "DMIC", "DICRI"
    compensation_rs: Decimal
    chosen: str | None
    eusd_medio_rs: Decimal
    payment_deadline: dt.date | None


@dataclass(frozen=True, slots=True)
class ContinuityIndicators:
    installation_id: str
    period: Period
    conjunto_id: str
    area: str
    level: str
    limits: Mapping[str, Decimal]  # dic_h, fic, dmic_h, dicri_h (monthly)
    limits_status: str
    kei: Decimal
    months: tuple[MonthOut, ...]  # whole calendar months covering the period asked
    interruptions: tuple[InterruptionOut, ...]  # those starting in the period asked (start, end, duration)
    total_compensation_rs: Decimal
    month: str  # the last month of the period (the figures below)
    dic_h: Decimal
    fic: int
    dmic_h: Decimal
    violated: tuple[str, ...]
    answer: tuple[Phrase, ...]
    # the period asked (a day, a week...) and what happened in it; the indicators above are
    # always those of whole months (months_start..months_end, the month in progress up to yesterday)
    asked_start: dt.date | None = None
    asked_end: dt.date | None = None
    asked_count: int = 0  # interruptions of 3 minutes or more that started in the period asked
    asked_hours: Decimal = Decimal(0)
    months_start: dt.date | None = None
    months_end: dt.date | None = None


# ----------------------------------------------------------------------------- voltage_quality


class VoltageQualityArgs(BaseModel):
    period: str | dict[str, str] | None = Field("last_week", description="period label or {start, end}")
    phase: Literal["A", "B", "C", "a", "b", "c"] | None = Field(None, description="one phase only")


#: how far after the period valid readings may be taken to complete the last set
SET_COMPLETION_DAYS = 7


def fetch_interruptions(
    store: Store, installation_id: str, start: dt.datetime, end: dt.datetime
) -> list[cont.Interruption]:
    """Power-down/up pairs of one installation around ``[start, end)``."""
    ev, _ = quality_queries.power_events(
        store, installation_id, start - dt.timedelta(days=2), end + dt.timedelta(days=2)
    )
    return cont.pair_power_events(ev)


def _data_end(ctx: ToolContext) -> dt.datetime:
    return dt.datetime.combine(ctx.data_today, dt.time())


def voltage_quality(
    ctx: ToolContext, installation_id: str | None, args: VoltageQualityArgs
) -> ToolResult[VoltageQuality]:
    """DRP/DRC of the installation's 10-minute voltages against PRODIST limits (indicative).

    References
    ----------
    PRODIST Modulo 8 secao 8.1; REN 1.000/2021 arts. 437-438.
    """
    if installation_id is None:
        raise NotIdentified("installation required")
    inst = ctx.installation(installation_id)
    rules = voltage_rules()
    period = resolve_period(args.period, ctx.data_today, default="last_week")
    start, end = period.start_ts(), period.end_ts_exclusive()
    end_ext = max(end, min(end + dt.timedelta(days=SET_COMPLETION_DAYS), _data_end(ctx)))
    # the nominal voltage in force in the period (versioned register), not the latest
    in_force = ctx.installation_on(installation_id, period.start)
    band = q.meter_band(in_force["nominal_voltage_v"], rules, text(in_force.get("group_code")))
    readings, readings_sql = quality_queries.voltage_readings(ctx.store, installation_id, start, end_ext)
    if readings.empty:
        raise NoData("no voltage readings", installation_id=installation_id, period=period.label)
    intr = fetch_interruptions(ctx.store, installation_id, start, end_ext)
    spans = [(i.start, i.end or end_ext) for i in intr]
    phases = (args.phase.lower(),) if args.phase else q.PHASES
    ind = q.voltage_indicators(readings, band, rules, interruptions=spans, period_end=end, phases=phases)
    worst = ind.worst
    if worst is None:
        raise NoData("no valid voltage readings", installation_id=installation_id, period=period.label)
    fetch = Step(
        "quality.step.fetch_readings",
        {"installation_id": installation_id, "start": start, "end_ext": end_ext, "interruptions": len(spans)},
        "10-minute readings in [start, end_ext); power-down/up pairs",
        len(readings),
        "readings",
        (),
        readings_sql + ";\n" + quality_queries.power_events_sql(),
    )
    trail: list[Step] = [fetch, *ind.steps]
    issues: list[Issue] = [Issue("quality.issue.indicative_only", "warning", {})]
    if band.ref.status != "confirmed":
        issues.append(
            Issue(
                "quality.issue.band_unconfirmed", "warning", {"nominal_v": band.nominal_v, "kind": band.kind}
            )
        )
    for i, s in enumerate(ind.sets):
        if not s.complete:
            issues.append(
                Issue(
                    "quality.issue.partial_set",
                    "warning",
                    {"set": i, "n_valid": s.n_valid, "set_size": rules.set_size},
                )
            )
    violated = worst.drp_violated or worst.drc_violated
    comp_rs: Decimal | None = None
    eusd_rs: Decimal | None = None
    credit: dt.date | None = None
    if violated:
        month_start = worst.end.date().replace(day=1)
        eusd_rs, eusd_step, eusd_issues = monthly_eusd(ctx.store, inst, month_start)
        comp = q.voltage_compensation(worst.drp_pct, worst.drc_pct, eusd_rs, band.level, rules)
        comp_rs = comp.amount_rs
        credit = q.credit_deadline(worst.end.date(), rules)
        trail += [eusd_step, comp.step]
        issues += eusd_issues
    complaint = q.complaint_deadlines(ctx.data_today, rules)
    trail.append(
        Step(
            "quality.step.complaint_deadlines",
            {
                "complaint_date": ctx.data_today,
                "inspection_days": rules.complaint.inspection_days,
                "measurement_168h_days": rules.complaint.measurement_168h_days,
            },
            "complaint_date + days, rolled to the next business day (REN 1.000 art. 656)",
            {"inspection_by": complaint.inspection_by, "measurement_168h_by": complaint.measurement_168h_by},
            "date",
            (rules.complaint.ref,),
        )
    )
    issues.append(
        Issue(
            "quality.issue.regularisation_deadline_unconfirmed",
            "warning",
            dict(rules.regularisation_legacy_days),
        )
    )
    answer = _voltage_answer(period, worst, violated, comp_rs, credit, complaint, rules)
    value = VoltageQuality(
        installation_id=installation_id,
        period=period,
        nominal_v=band.nominal_v,
        level=band.level,
        band={
            "adequate_lo": band.adequate_lo,
            "adequate_hi": band.adequate_hi,
            "precaria_lo": band.precaria_lo,
            "precaria_hi": band.precaria_hi,
        },
        phases=tuple(p.upper() for p in phases),
        sets=tuple(_set_out(s) for s in ind.sets),
        drp_pct=worst.drp_pct,
        drc_pct=worst.drc_pct,
        drp_lim_pct=rules.drp_lim_pct,
        drc_lim_pct=rules.drc_lim_pct,
        precaria_share=worst.drp_pct / 100,
        critica_share=worst.drc_pct / 100,
        violated=violated,
        compensation_rs=comp_rs,
        eusd_rs=eusd_rs,
        credit_deadline=credit,
        complaint_inspection_by=complaint.inspection_by,
        complaint_measurement_168h_by=complaint.measurement_168h_by,
        complaint_consumer_request_days=complaint.consumer_request_days,
        regularisation_deadline=None,
        discarded_interruption=ind.n_discarded_interruption,
        indicative=True,
        answer=answer,
    )
    return ToolResult(
        tool="voltage_quality",
        value=value,
        units={
            "drp_pct": "%",
            "drc_pct": "%",
            "drp_lim_pct": "%",
            "drc_lim_pct": "%",
            "precaria_share": "fraction",
            "critica_share": "fraction",
            "nominal_v": "V",
            "compensation_rs": "R$",
            "eusd_rs": "R$",
            "band.adequate_lo": "V",
            "band.adequate_hi": "V",
            "band.precaria_lo": "V",
            "band.precaria_hi": "V",
        },
        trail=tuple(trail),
        issues=tuple(issues),
        provenance=Provenance(
            installation_id, period, ctx.data_today, reference_versions(), ("voltage_10min", "events")
        ),
        citations=(rules.limits_ref, rules.compensation_ref, rules.complaint.ref, DATA_NOTE_REF),
    )


def _set_out(s: q.VoltageSet) -> SetOut:
    return SetOut(
        s.start,
        s.end,
        s.n_valid,
        s.complete,
        s.nlp,
        s.nlc,
        s.drp_pct,
        s.drc_pct,
        s.drp_violated,
        s.drc_violated,
        tuple(PhaseOut(p.phase.upper(), p.n_readings, p.n_precaria, p.n_critica) for p in s.phases),
    )


def _voltage_answer(
    period: Period,
    worst: q.VoltageSet,
    violated: bool,
    comp_rs: Decimal | None,
    credit: dt.date | None,
    complaint: q.ComplaintDeadlines,
    rules: q.VoltageRules,
) -> tuple[Phrase, ...]:
    out = [
        Phrase(
            "quality.answer.voltage.shares",
            {
                "period": period.label,
                "precaria_share": worst.drp_pct / 100,
                "critica_share": worst.drc_pct / 100,
                "readings": worst.n_valid,
            },
        ),
        Phrase(
            "quality.answer.voltage.above_limits" if violated else "quality.answer.voltage.within_limits",
            {"drp_lim_share": rules.drp_lim_pct / 100, "drc_lim_share": rules.drc_lim_pct / 100},
        ),
    ]
    if violated and comp_rs is not None:
        out.append(
            Phrase("quality.answer.voltage.compensation", {"amount_rs": comp_rs, "credit_deadline": credit})
        )
    out.append(Phrase("quality.answer.voltage.indicative", {}))
    out.append(
        Phrase(
            "quality.answer.voltage.complaint_path",
            {
                "inspection_days": rules.complaint.inspection_days,
                "measurement_days": rules.complaint.measurement_168h_days,
                "consumer_request_days": complaint.consumer_request_days,
            },
        )
    )
    return tuple(out)


# ----------------------------------------------------------------------------- continuity


class ContinuityArgs(BaseModel):
    period: str | dict[str, str] | None = Field(
        "last_month", description="month label, last_month, or {start, end}"
    )


def continuity_indicators(
    ctx: ToolContext, installation_id: str | None, args: ContinuityArgs
) -> ToolResult[ContinuityIndicators]:
    """DIC, FIC, DMIC (and DICRI) per month from the meter's power-down/up events, with compensation.

    References
    ----------
    PRODIST Modulo 8 secao 8.2; REN 1.000/2021 art. 435 (continuity information).
    """
    if installation_id is None:
        raise NotIdentified("installation required")
    inst = ctx.installation(installation_id)
    rules = continuity_rules()
    period = resolve_period(args.period, ctx.data_today, default="last_month")
    # DIC/FIC/DMIC are monthly (PRODIST Modulo 8): always whole calendar months, whatever the
    # period asked; the data ends yesterday, so the month in progress is partial.
    m_start, m_end = cont.whole_months(period.start, period.end, ctx.data_today - dt.timedelta(days=1))
    start = dt.datetime.combine(m_start, dt.time())
    end = dt.datetime.combine(m_end + dt.timedelta(days=1), dt.time())
    intr = fetch_interruptions(ctx.store, installation_id, start, end)
    level = cont.supply_level(text(inst.get("group_code")), text(inst.get("subgroup")))
    conjunto = text(inst.get("conjunto_id")) or ""
    limits = rules.limits_for(conjunto, text(inst.get("area")), level)
    crit = rules.critical_days_for(conjunto)
    months = cont.monthly_indicators(intr, m_start, m_end, rules, crit)
    trail: list[Step] = [
        Step(
            "continuity.step.fetch_events",
            {"installation_id": installation_id, "start": start, "end": end},
            "power-down paired with the next power-up; >= min_minutes counts",
            len(intr),
            "interruptions",
            (rules.compensation_ref,),
            quality_queries.power_events_sql(),
        ),
        Step(
            "continuity.step.limits",
            {"conjunto_id": conjunto, "area": limits.area, "level": level},
            "monthly individual limits of the conjunto",
            {"dic_h": limits.dic_h, "fic": limits.fic, "dmic_h": limits.dmic_h, "dicri_h": limits.dicri_h},
            "h",
            (limits.ref,),
        ),
    ]
    issues: list[Issue] = []
    if limits.ref.status != "confirmed":
        issues.append(Issue("continuity.issue.limits_reference", "warning", {"conjunto_id": conjunto}))
    if level in rules.kei_unconfirmed:
        issues.append(Issue("continuity.issue.kei_unconfirmed", "warning", {"level": level}))
    month_outs: list[MonthOut] = []
    total = Decimal(0)
    for m in months:
        trail.append(
            Step(
                "continuity.step.indicators",
                {
                    "month": m.month,
                    "durations_h": [i.hours for i in m.interruptions],
                    "dicri_h": list(m.dicri_h),
                    "short": m.n_short,
                    "open": m.n_open,
                },
                "DIC = sum(durations_h); FIC = count; DMIC = max(durations_h)",
                {"dic_h": m.dic_h, "fic": m.fic, "dmic_h": m.dmic_h},
                "h",
                (rules.compensation_ref,),
            )
        )
        if not m.complete:
            issues.append(
                Issue("continuity.issue.partial_month", "warning", {"month": m.month, "end": m.end})
            )
        if m.n_open:
            issues.append(
                Issue("continuity.issue.open_interruption", "warning", {"month": m.month, "count": m.n_open})
            )
        violated = _violations(m, limits)
        amount, chosen, eusd_m, deadline = Decimal(0), None, Decimal(0), None
        if violated:
            eusd_m, eusd_step, eusd_issues = monthly_eusd(
                ctx.store, inst, dt.date.fromisoformat(m.month + "-01")
            )
            comp = cont.continuity_compensation(m, limits, eusd_m, level, rules)
            amount, chosen, deadline = comp.amount_rs, comp.chosen, comp.payment_deadline
            trail += [eusd_step, *comp.steps]
            issues += [i for i in eusd_issues if i not in issues]
        total += amount
        month_outs.append(
            MonthOut(
                m.month,
                m.complete,
                m.dic_h,
                m.fic,
                m.dmic_h,
                m.dicri_h,
                violated,
                amount,
                chosen,
                eusd_m,
                deadline,
            )
        )
    asked = tuple(
        _intr_out(i, period, rules, crit) for i in intr if period.start <= i.start.date() <= period.end
    )
    value = ContinuityIndicators(
        installation_id=installation_id,
        period=period,
        conjunto_id=conjunto,
        area=limits.area,
        level=level,
        limits={"dic_h": limits.dic_h, "fic": limits.fic, "dmic_h": limits.dmic_h, "dicri_h": limits.dicri_h},
        limits_status=limits.ref.status,
        kei=rules.kei[level],
        months=tuple(month_outs),
        interruptions=asked,
        asked_start=period.start,
        asked_end=period.end,
        asked_count=sum(1 for i in asked if i.counted),
        asked_hours=sum((i.hours for i in asked if i.counted and i.hours is not None), Decimal(0)),
        months_start=m_start,
        months_end=m_end,
        total_compensation_rs=total,
        month=month_outs[-1].month,
        dic_h=month_outs[-1].dic_h,
        fic=month_outs[-1].fic,
        dmic_h=month_outs[-1].dmic_h,
        violated=month_outs[-1].violated,
        answer=_continuity_answer(period, month_outs, limits, total),
    )
    return ToolResult(
        tool="continuity_indicators",
        value=value,
        units={
            "dic_h": "h",
            "dmic_h": "h",
            "fic": "count",
            "month": "month",
            "total_compensation_rs": "R$",
            "limits.dic_h": "h",
            "limits.dmic_h": "h",
            "limits.dicri_h": "h",
            "limits.fic": "count",
        },
        trail=tuple(trail),
        issues=tuple(issues),
        provenance=Provenance(
            installation_id, period, ctx.data_today, reference_versions(), ("events", "load_profile")
        ),
        citations=(rules.compensation_ref, rules.kei_ref, limits.ref),
    )


def _violations(m: cont.MonthIndicators, limits: cont.ContinuityLimits) -> tuple[str, ...]:
    out = []
    if m.dic_h > limits.dic_h:
        out.append("DIC")
    if Decimal(m.fic) > limits.fic:
        out.append("FIC")
    if m.dmic_h > limits.dmic_h:
        out.append("DMIC")
    if any(h > limits.dicri_h for h in m.dicri_h):
        out.append("DICRI")
    return tuple(out)


def _intr_out(
    i: cont.Interruption, period: Period, rules: cont.ContinuityRules, crit: frozenset[dt.date]
) -> InterruptionOut:
    minutes = None if i.seconds is None else Decimal(i.seconds) / 60
    hours = None if i.seconds is None else Decimal(i.seconds) / 3600
    if i.seconds is None:
        reason, counted = "open", False
    elif not cont.is_long(i, rules):
        reason, counted = "short", False
    elif i.start.date() in crit:
        reason, counted = "critical_day", False
    else:
        reason, counted = "long", True
    return InterruptionOut(i.start, i.end, minutes, counted, reason, hours)


def _continuity_answer(
    period: Period, months: Sequence[MonthOut], limits: cont.ContinuityLimits, total: Decimal
) -> tuple[Phrase, ...]:
    out = []
    for m in months:
        out.append(
            Phrase(
                "continuity.answer.month",
                {
                    "month": m.month,
                    "fic": m.fic,
                    "dic_h": m.dic_h,
                    "dmic_h": m.dmic_h,
                    "fic_lim": limits.fic,
                    "dic_lim_h": limits.dic_h,
                    "dmic_lim_h": limits.dmic_h,
                },
            )
        )
        if m.compensation_rs > 0:
            out.append(
                Phrase(
                    "continuity.answer.compensation",
                    {
                        "month": m.month,
                        "amount_rs": m.compensation_rs,
                        "indicator": m.chosen or "DICRI",
                        "payment_deadline": m.payment_deadline,
                    },
                )
            )
    if total == 0:
        out.append(Phrase("continuity.answer.no_compensation", {"period": period.label}))
    out.append(Phrase("continuity.answer.indicative", {}))
    return tuple(out)


SPECS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="voltage_quality",
        fn=voltage_quality,
        args_model=VoltageQualityArgs,
        audience=("customer", "operator"),
        needs_installation=True,
        summary="Indicative DRP/DRC of the installation's 10-minute voltages vs PRODIST limits, compensation and complaint deadlines",
        cites=("PRODIST Modulo 8 secao 8.1", "REN 1.000/2021 art. 437", "REN 1.000/2021 art. 438"),
    ),
    ToolSpec(
        name="continuity_indicators",
        fn=continuity_indicators,
        args_model=ContinuityArgs,
        audience=("customer", "operator"),
        needs_installation=True,
        summary="DIC, FIC, DMIC (and DICRI) per month from power-down/up events, against the conjunto limits, with compensation",
        cites=("PRODIST Modulo 8 secao 8.2", "REN 1.000/2021 art. 435"),
    ),
)
