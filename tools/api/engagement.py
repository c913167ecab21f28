"""Engagement tools: ``daily_digest`` (yesterday against the typical day and similar homes),
``goal_progress`` / ``set_goal`` (the monthly goal against the cycle's projection) and
``message_subscription`` (opt-in / opt-out of the proactive messages, recorded in the consent log).

Figures come from the existing tools (``forecast_bill``, ``consumption_summary``,
``consumption_profile``, ``efficiency_tips``); the rules from :mod:`tools.domain.engagement`; goals
and consents live on the operational state (:mod:`tools.data.goals`, :mod:`tools.data.consent`).
Writes (a goal, a consent) are the customer's own, on their own installation: never an operator's.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field

from tools.api.billing import ForecastBillArgs, forecast_bill
from tools.api.consumption import (
    ConsumptionProfileArgs,
    ConsumptionSummaryArgs,
    EfficiencyTipsArgs,
    consumption_profile,
    consumption_summary,
    efficiency_tips,
)
from tools.api.context import ToolContext
from tools.data import consent, goals
from tools.domain import engagement as eng
from tools.errors import ForbiddenInstallation, NoData, ToolError
from tools.registry import ToolSpec
from tools.types import Issue, Provenance, Step, ToolResult

DIGEST_FIRST_HOUR = 8  # quiet hours: no message from 21h to 8h (local)
DIGEST_LAST_HOUR = 20
DIGEST_DEFAULT_HOUR = 8
PROACTIVE_PURPOSES: tuple[consent.Purpose, ...] = consent.PURPOSES
_CHANNELS = ("web", "whatsapp", "voice", "rest", "operator")


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GoalProgressArgs(_Args):
    pass


class SetGoalArgs(_Args):
    amount: Decimal = Field(gt=0, le=100000, description="The goal per billing cycle, in the unit below.")
    unit: Literal["brl", "kwh"] = Field(default="brl", description='"brl" (R$ on the bill) or "kwh".')


class DailyDigestArgs(_Args):
    day: Literal["yesterday"] = Field(default="yesterday", description="Only yesterday (D-1).")


class MessageSubscriptionArgs(_Args):
    action: Literal["subscribe", "unsubscribe", "stop_all", "resume"] = Field(
        description="subscribe/unsubscribe the daily digest; stop_all: every proactive message; resume: undo stop_all.")
    hour: int | None = Field(default=None, ge=0, le=23, description="Local hour for the daily digest (8-20).")
    purpose: Literal["daily_digest", "goal_alerts"] = Field(
        default="daily_digest", description="What unsubscribe stops: the daily digest or the goal alert.")


@dataclass(frozen=True, slots=True)
class GoalReport:
    """``goal_progress`` / ``set_goal``: the goal in force and its progress (None without a goal)."""

    installation_id: str
    goal_set: bool
    unit: str | None
    goal: Decimal | None
    set_on: dt.date | None
    progress: eng.GoalProgress | None
    savings: tuple[eng.Saving, ...] = ()
    alerts_on: bool = False  # the customer receives the goal alert
    just_set: bool = False


@dataclass(frozen=True, slots=True)
class Subscription:
    installation_id: str
    action: str
    purposes: tuple[str, ...]  # purposes whose consent this call changed
    granted: bool
    hour: int | None
    requested_hour: int | None
    hour_adjusted: bool
    channel: str
    at: dt.datetime


# ----------------------------------------------------------------------------- helpers


def _own_write(ctx: ToolContext, installation_id: str) -> None:
    """A goal or a consent is the customer's decision: their own session (or their app's key), never an operator."""
    if ctx.scope.kind not in ("customer", "integrator"):
        raise ForbiddenInstallation("only the customer decides this", installation_id=installation_id)
    ctx.scope.check(installation_id)


def _channel(ctx: ToolContext) -> consent.Channel:
    return cast(consent.Channel, ctx.channel if ctx.channel in _CHANNELS else "rest")


def _projection(ctx: ToolContext, installation_id: str) -> tuple[eng.CycleProjection, ToolResult[Any]]:
    fc = forecast_bill(ctx, installation_id, ForecastBillArgs())
    v = fc.value
    if fc.disqualified or v.kwh_projected is None:
        raise NoData("no projection for the cycle in progress", installation_id=installation_id)
    proj = eng.CycleProjection(
        v.bill_month, v.start, v.end, v.reading_date, v.days_total, v.days_elapsed, v.kwh_to_date,
        v.kwh_projected, v.kwh_low or v.kwh_projected, v.kwh_high or v.kwh_projected, v.total_rs, v.low_rs, v.high_rs,
    )
    return proj, fc


def _savings(ctx: ToolContext, installation_id: str, days_remaining: int) -> tuple[tuple[eng.Saving, ...], ToolResult[Any]]:
    tips = efficiency_tips(ctx, installation_id, EfficiencyTipsArgs())
    rows = [(t.key, t.saving_kwh_month, t.saving_brl_month) for t in tips.value.tips]
    return eng.savings_until_reading(rows, days_remaining), tips


def goal_report(ctx: ToolContext, installation_id: str, *, just_set: bool = False) -> ToolResult[GoalReport]:
    home = ctx.store.home
    goal = goals.current_goal(home, installation_id)
    alerts_on = consent.has_consent(home, installation_id, "goal_alerts")
    if goal is None:
        value = GoalReport(installation_id, False, None, None, None, None, alerts_on=alerts_on)
        return ToolResult("goal_progress", value, provenance=Provenance(installation_id=installation_id, today=ctx.today))
    proj, fc = _projection(ctx, installation_id)
    progress, steps = eng.goal_progress(goal.amount, goal.unit, proj)
    savings: tuple[eng.Saving, ...] = ()
    trail: list[Step] = [*(s for s in fc.trail if s.key in ("billing.step.meter_data", "billing.step.forecast_rate")), *steps]
    if progress.status != "on_track" and progress.days_remaining > 0:
        savings, tips = _savings(ctx, installation_id, progress.days_remaining)
        trail.append(Step("engagement.step.savings", {"days_remaining": progress.days_remaining,
                                                      "tips": [s.tip_key for s in savings]},
                          "saving_kwh_month * days_remaining / 30", sum((s.kwh for s in savings), Decimal(0)), "kWh"))
    value = GoalReport(installation_id, True, goal.unit, goal.amount, goal.at.date(), progress, savings,
                       alerts_on=alerts_on, just_set=just_set)
    issues = tuple(i for i in fc.issues if i.code in ("issue.billing.forecast_early", "issue.billing.reference_values"))
    units = {"goal": "BRL" if goal.unit == "brl" else "kWh", "daily_budget_kwh": "kWh/day"}
    return ToolResult("goal_progress", value, units, tuple(trail), issues, fc.provenance, fc.citations)


# ----------------------------------------------------------------------------- tools


def goal_progress(ctx: ToolContext, installation_id: str, args: GoalProgressArgs) -> ToolResult[GoalReport]:
    """The goal in force against the cycle's projection: spent so far, share of the cycle elapsed,
    projection with its range, daily budget left; the two largest savings when above the goal."""
    ctx.installation(installation_id)
    return goal_report(ctx, installation_id)


def set_goal(ctx: ToolContext, installation_id: str, args: SetGoalArgs) -> ToolResult[GoalReport]:
    """Set the customer's goal per cycle (R$ or kWh) and switch the goal alert on (consent recorded)."""
    _own_write(ctx, installation_id)
    at = ctx.clock()
    goals.set_goal(ctx.store.home, installation_id, args.unit, args.amount, _channel(ctx), at)
    if not consent.has_consent(ctx.store.home, installation_id, "goal_alerts"):
        consent.record_consent(ctx.store.home, installation_id, "goal_alerts", _channel(ctx), True, at,
                               {"via": "set_goal"})
    result = goal_report(ctx, installation_id, just_set=True)
    return dataclasses.replace(result, tool="set_goal")


def daily_digest(ctx: ToolContext, installation_id: str, args: DailyDigestArgs) -> ToolResult[eng.DailyDigest]:
    """Yesterday's kWh and R$ against the customer's typical day (median of the 28 days before) and
    similar homes, the hour it peaked and one suggestion."""
    ctx.installation(installation_id)
    yesterday = ctx.data_today - dt.timedelta(days=1)
    day = consumption_summary(ctx, installation_id, ConsumptionSummaryArgs(period="yesterday"))
    if day.value.total_kwh <= 0 and day.value.coverage == 0:
        raise NoData("no readings yesterday", installation_id=installation_id, day=yesterday)
    first = yesterday - dt.timedelta(days=eng.TYPICAL_DAYS)
    before = consumption_summary(ctx, installation_id, ConsumptionSummaryArgs(
        period={"start": first.isoformat(), "end": (yesterday - dt.timedelta(days=1)).isoformat()}))
    typical, n_typical = eng.typical_day([(p.day, p.kwh, p.coverage) for p in before.value.daily], yesterday)
    prof = consumption_profile(ctx, installation_id, ConsumptionProfileArgs(period="yesterday"))
    try:
        tips = efficiency_tips(ctx, installation_id, EfficiencyTipsArgs())
        tip = tips.value.top_tip
    except ToolError:
        tip = None
    kwh = day.value.total_kwh
    sim = day.value.similar_homes
    value = eng.DailyDigest(
        day=yesterday, kwh=eng.kwh_q(kwh), cost_rs=day.value.estimated_cost_brl,
        typical_kwh=typical, typical_days=n_typical, vs_typical_pct=eng.change(kwh, typical),
        similar_kwh=eng.kwh_q(sim.median_kwh_day) if sim else None,
        vs_similar_pct=eng.change(kwh, sim.median_kwh_day) if sim else None,
        peak_hour=prof.value.peak_hour if prof.value.days_used else None,
        tip_key=tip.key if tip else None,
        tip_saving_kwh_month=eng.kwh_q(tip.saving_kwh_month) if tip else None,
        tip_saving_brl_month=tip.saving_brl_month if tip else None,
    )
    steps = (
        Step("engagement.step.typical_day", {"days": n_typical, "first": first, "last": yesterday - dt.timedelta(days=1)},
             "median(kWh of each day with >= 90 % of readings)", typical, "kWh"),
        *day.trail,
    )
    issues = tuple(i for i in day.issues if i.severity == "warning")[:3]
    return ToolResult("daily_digest", value, {"kwh": "kWh", "cost_rs": "BRL"}, steps, issues,
                      day.provenance, day.citations)


def _clamp_hour(hour: int | None, current: int | None) -> tuple[int, bool]:
    if hour is None:
        return (current if current is not None else DIGEST_DEFAULT_HOUR), False
    clamped = min(max(hour, DIGEST_FIRST_HOUR), DIGEST_LAST_HOUR)
    return clamped, clamped != hour


def message_subscription(ctx: ToolContext, installation_id: str, args: MessageSubscriptionArgs) -> ToolResult[Subscription]:
    """Opt in or out of proactive messages, each decision a row of the consent log (LGPD: purpose,
    date, channel)."""
    _own_write(ctx, installation_id)
    ctx.installation(installation_id)
    home, at, ch = ctx.store.home, ctx.clock(), _channel(ctx)
    changed: list[str] = []
    hour: int | None = None
    adjusted = False
    if args.action == "subscribe":
        cur = consent.current_consent(home, installation_id, "daily_digest")
        cur_hour = cur.details.get("hour") if cur is not None and cur.granted else None
        hour, adjusted = _clamp_hour(args.hour, cur_hour)
        consent.record_consent(home, installation_id, "daily_digest", ch, True, at, {"hour": hour})
        changed.append("daily_digest")
        granted = True
    elif args.action == "unsubscribe":
        if consent.has_consent(home, installation_id, args.purpose):
            consent.record_consent(home, installation_id, args.purpose, ch, False, at, {})
            changed.append(args.purpose)
        granted = False
    elif args.action == "stop_all":
        for purpose in PROACTIVE_PURPOSES:
            if consent.has_consent(home, installation_id, purpose):
                consent.record_consent(home, installation_id, purpose, ch, False, at, {"via": "stop_all"})
                changed.append(purpose)
        granted = False
    else:  # resume: what the last "parar" switched off, and only that
        for purpose in PROACTIVE_PURPOSES:
            last = consent.current_consent(home, installation_id, purpose)
            if last is not None and not last.granted and last.details.get("via") == "stop_all":
                prior = [c for c in consent.consent_history(home, installation_id) if c.purpose == purpose and c.granted]
                details = dict(prior[-1].details) if prior else {}
                details["via"] = "resume"
                consent.record_consent(home, installation_id, purpose, ch, True, at, details)
                changed.append(purpose)
        granted = True
    value = Subscription(installation_id, args.action, tuple(changed), granted, hour, args.hour, adjusted, ch, at)
    step = Step("engagement.step.consent", {"purposes": changed, "channel": ch, "at": at.isoformat()},
                "consent_log += (installation, purpose, granted, channel, at)", granted)
    issues: tuple[Issue, ...] = ()
    return ToolResult("message_subscription", value, {}, (step,), issues,
                      Provenance(installation_id=installation_id, today=ctx.today))


_CUSTOMER: tuple[Literal["customer", "operator"], ...] = ("customer",)
_BOTH: tuple[Literal["customer", "operator"], ...] = ("customer", "operator")

SPECS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="daily_digest",
        fn=daily_digest,
        args_model=DailyDigestArgs,
        audience=_BOTH,
        needs_installation=True,
        summary="Yesterday's kWh and R$ against the customer's typical day and similar homes, the hour it "
        "peaked and one saving tip (the D-1 digest).",
    ),
    ToolSpec(
        name="goal_progress",
        fn=goal_progress,
        args_model=GoalProgressArgs,
        audience=_BOTH,
        needs_installation=True,
        summary="The customer's monthly goal (R$ or kWh) against the cycle's projection: spent so far, share of "
        "the cycle elapsed, projection with its range, daily budget left, the two largest savings when above.",
    ),
    ToolSpec(
        name="set_goal",
        fn=set_goal,
        args_model=SetGoalArgs,
        audience=_CUSTOMER,
        needs_installation=True,
        summary="Set the customer's own goal per billing cycle in R$ or kWh (and switch the goal alert on).",
    ),
    ToolSpec(
        name="message_subscription",
        fn=message_subscription,
        args_model=MessageSubscriptionArgs,
        audience=_CUSTOMER,
        needs_installation=True,
        summary="Opt in or out of proactive messages (daily digest at a chosen hour; stop all; resume), the "
        "consent recorded with purpose, date and channel (LGPD).",
    ),
)
