"""``continuity_indicators``: DIC, FIC, DMIC (and DICRI) per month from power-down/up events,
against the conjunto limits, with the compensation (PRODIST Modulo 8 secao 8.2)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from pydantic import BaseModel, Field

from tools.api.context import ToolContext
from tools.api.quality.results import (
    ContinuityIndicators,
    InterruptionOut,
    MonthOut,
    Phrase,
)
from tools.api.quality_common import (
    continuity_rules,
    fetch_interruptions,
    monthly_eusd,
    reference_versions,
    text,
)
from tools.data.queries import quality as quality_queries
from tools.domain import continuity as cont
from tools.domain.periods import resolve_period
from tools.errors import NotIdentified
from tools.types import Issue, Period, Provenance, Step, ToolResult


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

