"""``voltage_quality``: indicative DRP/DRC of an installation's 10-minute voltages against the
PRODIST Modulo 8 limits, its compensation and the complaint deadlines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from tools.api.context import ToolContext
from tools.api.quality.results import (
    PhaseOut,
    Phrase,
    SetOut,
    VoltageQuality,
)
from tools.api.quality_common import (
    fetch_interruptions,
    monthly_eusd,
    reference_versions,
    text,
    voltage_rules,
)
from tools.data.queries import quality as quality_queries
from tools.domain import quality as q
from tools.domain.deadline_reference import load_reference
from tools.domain.periods import resolve_period
from tools.errors import NoData, NotIdentified
from tools.types import Issue, Period, Provenance, Step, ToolResult, TrailRef

DATA_NOTE_REF = TrailRef("REN 1.000/2021 art. 438 (regulatory measurement is the distributor's)", "confirmed")


class VoltageQualityArgs(BaseModel):
    period: str | dict[str, str] | None = Field("last_week", description="period label or {start, end}")
    phase: Literal["A", "B", "C", "a", "b", "c"] | None = Field(None, description="one phase only")


#: how far after the period valid readings may be taken to complete the last set
SET_COMPLETION_DAYS = 7


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
    area = str(inst.get("area") or "urbana").lower()
    complaint = q.complaint_deadlines(ctx.data_today, rules, load_reference(), area)
    trail.append(
        Step(
            "quality.step.complaint_deadlines",
            {
                "complaint_date": ctx.data_today,
                "area": area,
                "inspection_days": complaint.inspection_days,
                "measurement_168h_days": complaint.measurement_168h_days,
            },
            "Anexo IV rules verificacao_tensao and medicao_tensao_168h from the complaint date, "
            "counted per REN 1.000 art. 656 (start and due day on a business day)",
            {"inspection_by": complaint.inspection_by, "measurement_168h_by": complaint.measurement_168h_by},
            "date",
            complaint.refs,
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
        citations=(rules.limits_ref, rules.compensation_ref, *complaint.refs, DATA_NOTE_REF),
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
                "inspection_days": complaint.inspection_days,
                "measurement_days": complaint.measurement_168h_days,
                "consumer_request_days": complaint.consumer_request_days,
            },
        )
    )
    return tuple(out)

