"""Engagement tools: ``challenge_status`` (customer: the challenges measured from the meter, points,
badges and an anonymous rank among similar homes) and ``engagement_figures`` (operator: opt-ins,
challenge participation, ponta share before and after, outage notices and the calls they are
likely to have avoided, as an estimate).

The rules are in :mod:`tools.domain.gamification`; the reads and the operational state in
:mod:`tools.data.engagement`, :mod:`tools.data.consent` and :mod:`tools.data.notices`. Every R$
figure comes from the tariff reference with its step in the trail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from tools.api.consumption import fetch_intervals, fetch_peers, posto_classifier
from tools.api.context import ToolContext, run_tool
from tools.data import challenges as eng_data
from tools.data import consent as consent_data
from tools.data import goals
from tools.data import notices as notice_data
from tools.domain import appliances as appl
from tools.domain import gamification as g
from tools.domain.consumption import prepare
from tools.domain.periods import resolve_period
from tools.errors import ForbiddenInstallation, ToolError
from tools.reference import load_reference
from tools.registry import ToolSpec
from tools.types import Issue, Period, Provenance, Step, ToolResult, TrailRef

ZERO = Decimal(0)
BRANCA_EXCLUDED = ("baixa_renda", "desconto_social")
#: assumption behind the calls-avoided estimate (see engagement.assumption.calls in the catalogue)
CALL_RATE_WITHOUT_NOTICE = Decimal("0.10")
REF_CALLS = TrailRef("Premissa da distribuidora: 1 em cada 10 clientes avisados ligaria durante a falta", "reference")


class ChallengeStatusArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    week_start: dt.date | None = Field(
        None, description="Monday of the challenge week (default: the week joined, else the last complete week)."
    )


class EngagementFiguresArgs(BaseModel):
    model_config = ConfigDict(extra="ignore")
    period: str | dict[str, str] | None = Field("last_30_days", description="period label or {start, end}")


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class ChallengeStatus:
    installation_id: str
    last_day: dt.date
    week_start: dt.date
    week_end: dt.date
    joined: tuple[str, ...]  # challenges joined for that week
    ponta_week: g.WeekChallenge | None
    shower: g.WeekChallenge | None
    streak: g.BudgetStreak | None
    month: g.MonthVsLastYear | None
    points_total: int
    points_month: int
    month_label: str  # YYYY-MM of the points of the month
    new_points: int  # awarded by this computation
    badges: tuple[str, ...]
    better_than_share: Decimal | None  # share of similar homes that used more per day (30 days)
    peers: int
    # flat copies for the reply templates
    ponta_reduction: Decimal | None = None
    ponta_moved_kwh: Decimal | None = None
    ponta_saving_rs: Decimal | None = None
    ponta_completed: bool = False
    shower_minutes_before: Decimal | None = None
    shower_minutes_after: Decimal | None = None
    shower_reduction: Decimal | None = None
    shower_saving_rs: Decimal | None = None
    shower_completed: bool = False
    streak_days: int = 0
    budget_kwh: Decimal | None = None
    month_change: Decimal | None = None
    badge_count: int = 0
    upcoming_start: dt.date | None = None  # a challenge week joined that has not started yet


def _rate_diff(inst: Mapping[str, Any], on: dt.date) -> tuple[Decimal | None, Step | None, Issue | None]:
    """Branca ponta minus Branca fora ponta [R$/kWh] of the installation's tariff (None: not eligible)."""
    if str(inst.get("group_code") or "B") != "B" or str(inst.get("subclass") or "") in BRANCA_EXCLUDED:
        return None, None, Issue("engagement.issue.branca_not_available", "warning", {})
    sc = str(inst.get("customer_class") or "residencial")
    try:
        lines = load_reference().tariff_lines(
            str(inst.get("distributor") or ""), str(inst.get("subgroup") or "B1"), "branca", sc, on
        )
    except ToolError:
        return None, None, Issue("engagement.issue.branca_not_available", "warning", {})
    ponta, fp = lines["ponta"].total / 1000, lines["fora_ponta"].total / 1000
    diff = ponta - fp
    step = Step(
        "engagement.step.branca_rates",
        {"ponta_rs_kwh": ponta, "fora_ponta_rs_kwh": fp, "on": on},
        "branca ponta - branca fora ponta (TUSD + TE, before taxes)",
        diff,
        "R$/kWh",
        (lines["ponta"].ref.trail(), lines["fora_ponta"].ref.trail()),
    )
    return diff, step, None


def _daily_frames(df: pd.DataFrame, inst: Mapping[str, Any]) -> tuple[pd.DataFrame, int]:
    """Per-slot frame with day, posto and the shower energy of the slot."""
    p = prepare(df)
    if p.empty:
        return p.assign(day=[], posto=[], shower_wh=[]), 15
    grid, step = appl.regular_grid(p)
    shower_wh, _ = appl.detect_showers(grid, step)
    classify, _, _ = posto_classifier(inst)
    grid = grid.assign(shower_wh=shower_wh, day=grid["ts"].dt.date)
    grid["posto"] = classify(grid["ts"]) if classify else "fora_ponta"
    return grid, step


def _week_inputs(grid: pd.DataFrame, step: int) -> tuple[dict[dt.date, Decimal], dict[dt.date, Decimal],
                                                           dict[dt.date, Decimal], dict[dt.date, Decimal]]:
    """Per working day with enough readings: ponta kWh, shower minutes in the ponta, shower kWh
    in the ponta, total kWh."""
    ponta_kwh: dict[dt.date, Decimal] = {}
    shower_min: dict[dt.date, Decimal] = {}
    shower_kwh: dict[dt.date, Decimal] = {}
    total_kwh: dict[dt.date, Decimal] = {}
    if grid.empty:
        return ponta_kwh, shower_min, shower_kwh, total_kwh
    for day, rows in grid.groupby("day"):
        ponta = rows[rows["posto"] == "ponta"]
        if ponta.empty:  # weekend or holiday
            continue
        covered = float(rows["minutes"].fillna(0).sum()) / 1440.0
        if covered < float(g.MIN_DAY_COVERAGE):
            continue
        d = day if isinstance(day, dt.date) else pd.Timestamp(day).date()
        ponta_kwh[d] = Decimal(int(ponta["import_wh"].fillna(0).sum())) / 1000
        total_kwh[d] = Decimal(int(rows["import_wh"].fillna(0).sum())) / 1000
        hot = ponta["shower_wh"].to_numpy() > 0
        shower_min[d] = Decimal(int(hot.sum()) * step)
        shower_kwh[d] = Decimal(repr(round(float(ponta["shower_wh"].sum()), 1))) / 1000
    return ponta_kwh, shower_min, shower_kwh, total_kwh


def _budget(ctx: ToolContext, installation_id: str, month_start: dt.date,
            daily: Mapping[dt.date, Decimal]) -> tuple[Decimal, str, Step]:
    """The daily budget: the customer's monthly goal spread over the cycle's days when one is set
    (``goal_progress``), else 90 % of the average day of the 30 days before the month."""
    if goals.current_goal(ctx.store.home, installation_id) is not None:
        try:
            report = run_tool("goal_progress", ctx, installation_id, {}).value
        except ToolError:
            report = None
        p = report.progress if report is not None else None
        found = g.goal_budget(p.goal, p.unit, p.days_total, p.price_rs_kwh) if p is not None else None
        if found is not None:
            return found[0], "goal", found[1]
    value, step = g.default_budget(daily, month_start - dt.timedelta(days=1))
    return value, "default", step


def _daily_map(df: pd.DataFrame) -> tuple[dict[dt.date, Decimal], dict[dt.date, Decimal]]:
    kwh: dict[dt.date, Decimal] = {}
    cov: dict[dt.date, Decimal] = {}
    for r in df.itertuples():
        d = pd.Timestamp(r.day).date()
        kwh[d] = Decimal(int(r.import_wh)) / 1000
        cov[d] = Decimal(int(r.minutes)) / 1440
    return kwh, cov


def week_measures(ctx: ToolContext, installation_id: str, inst: Mapping[str, Any], week_start: dt.date,
                  last_day: dt.date) -> tuple[g.WeekChallenge, g.WeekChallenge, dict[str, Decimal],
                                              list[Step], list[Issue], str]:
    """Both week challenges of ``week_start`` and the ponta share before/after (for the copilot)."""
    first = week_start - dt.timedelta(days=g.BASELINE_DAYS)
    end = min(week_start + dt.timedelta(days=6), last_day)
    df, q = fetch_intervals(ctx, installation_id, first, end)
    grid, step = _daily_frames(df, inst)
    ponta_kwh, shower_min, shower_kwh, total_kwh = _week_inputs(grid, step)
    diff, rate_step, rate_issue = _rate_diff(inst, ctx.data_today)
    ponta, s1 = g.week_challenge("ponta_week", week_start, last_day, ponta_kwh, ponta_kwh, diff)
    shower, s2 = g.week_challenge("shower", week_start, last_day, shower_min, shower_kwh, diff)
    before = [d for d in total_kwh if d < week_start]
    after = [d for d in total_kwh if d >= week_start]

    def share(days: list[dt.date]) -> Decimal:
        tot = sum((total_kwh[d] for d in days), ZERO)
        return (sum((ponta_kwh[d] for d in days), ZERO) / tot) if tot > 0 else ZERO

    shares = {"before": share(before), "after": share(after),
              "ponta_before_kwh": sum((ponta_kwh[d] for d in before), ZERO),
              "total_before_kwh": sum((total_kwh[d] for d in before), ZERO),
              "ponta_after_kwh": sum((ponta_kwh[d] for d in after), ZERO),
              "total_after_kwh": sum((total_kwh[d] for d in after), ZERO)}
    steps = [
        Step(
            "engagement.step.meter_data",
            {"installation_id": installation_id, "start": first, "end": end, "rows": len(df), "interval_min": step},
            "interval readings; posto of each interval; shower events from the shower signature",
            len(df),
            "readings",
            (TrailRef("REN 1.000/2021 art. 284 (interval data of the meter)", "confirmed"), appl.HEURISTIC_REF),
            q,
        ),
        *([rate_step] if rate_step else []),
        *s1,
        *s2,
    ]
    return ponta, shower, shares, steps, [rate_issue] if rate_issue else [], q


def challenge_status(ctx: ToolContext, installation_id: str, args: ChallengeStatusArgs) -> ToolResult[ChallengeStatus]:
    """How the customer is doing in the challenges, their points, badges and rank among similar homes."""
    inst = ctx.installation(installation_id)
    home = ctx.store.home
    last_day = ctx.data_today - dt.timedelta(days=1)
    joined_all = eng_data.enrolments(home, installation_id)
    if args.week_start is not None:
        week_start = args.week_start - dt.timedelta(days=args.week_start.weekday())
    else:
        mine = [e.start for e in joined_all if e.start <= last_day]
        week_start = max(mine) if mine else last_day - dt.timedelta(days=last_day.weekday() + 7)
    joined = tuple(sorted(e.challenge for e in joined_all if e.start == week_start))
    ponta, shower, _, steps, issues, q_int = week_measures(ctx, installation_id, inst, week_start, last_day)

    month_start = last_day.replace(day=1)
    ly_start = month_start.replace(year=month_start.year - 1)
    ly_end = (ly_start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    daily_df, q_day = eng_data.daily_usage(ctx.store, installation_id, month_start - dt.timedelta(days=30), last_day)
    ly_df, _ = eng_data.daily_usage(ctx.store, installation_id, ly_start, ly_end)
    daily, cov = _daily_map(daily_df)
    ly_daily, ly_cov = _daily_map(ly_df)
    budget, source, budget_step = _budget(ctx, installation_id, month_start, daily)
    streak, s_streak = g.budget_streak(daily, cov, budget, month_start, last_day, source)
    this_days = [d for d in daily if d >= month_start and cov[d] >= g.MIN_DAY_COVERAGE]
    ly_days = [d for d in ly_daily if ly_cov[d] >= g.MIN_DAY_COVERAGE]
    month, s_month = g.month_vs_last_year(
        f"{month_start:%Y-%m}", sum((daily[d] for d in this_days), ZERO), len(this_days),
        sum((ly_daily[d] for d in ly_days), ZERO), len(ly_days),
    )
    if not ly_days:
        issues.append(Issue("engagement.issue.no_last_year", "warning", {"month": month.last_year_month}))
    steps += [
        Step("engagement.step.daily_data", {"installation_id": installation_id, "start": month_start - dt.timedelta(days=30),
                                            "end": last_day, "last_year": f"{ly_start:%Y-%m}"},
             "kWh and covered minutes per day", len(daily_df) + len(ly_df), "days", (), q_day),
        budget_step, *s_streak, *s_month,
    ]
    # anonymous rank: share of similar homes that used more per day in the last 30 days
    period30 = Period(last_day - dt.timedelta(days=29), last_day, "last_30_days")
    days30 = [d for d in daily if d >= period30.start]
    per_day = (sum((daily[d] for d in days30), ZERO) / len(days30)) if days30 else ZERO
    peers, q_peer = fetch_peers(ctx, installation_id, period30, per_day)
    better = g.better_than_share(peers.share_below) if peers.peers else None
    steps.append(Step("engagement.step.rank", {"peers": peers.peers, "kwh_day": per_day.quantize(Decimal("0.01")),
                                               "share_below": peers.share_below},
                      "1 - share of similar homes (same class, subgroup, phases) that used less per day",
                      better, "fraction", (), q_peer))

    earned = g.awards(ponta, shower, streak, month, month_complete=False)
    new = eng_data.record_awards(home, installation_id, [(a.reason, a.key, a.points, a.badge, a.day) for a in earned],
                                 ctx.clock())
    stored = eng_data.awards_of(home, installation_id)
    rows = [(a.points, a.day) for a in stored]
    badges = tuple(dict.fromkeys(a.badge for a in stored if a.badge))
    total, month_pts = g.points_total(rows), g.points_total(rows, f"{month_start:%Y-%m}")
    steps.append(Step("engagement.step.points", {"awards": len(stored), "new": new, "month": f"{month_start:%Y-%m}"},
                      "sum of award points (ponta week 100, shower 100, month below last year 50, 5 per day under budget)",
                      {"total": total, "month": month_pts}, "points", (g.REF_METHOD,)))
    value = ChallengeStatus(
        installation_id=installation_id, last_day=last_day, week_start=week_start, week_end=ponta.end,
        joined=joined, ponta_week=ponta, shower=shower, streak=streak, month=month,
        points_total=total, points_month=month_pts, month_label=f"{month_start:%Y-%m}", new_points=sum(
            a.points for a in earned) if new else 0,
        badges=badges, better_than_share=better, peers=peers.peers,
        ponta_reduction=ponta.reduction, ponta_moved_kwh=ponta.moved_kwh, ponta_saving_rs=ponta.saving_branca_rs,
        ponta_completed=ponta.completed, shower_minutes_before=shower.baseline_per_day,
        shower_minutes_after=shower.week_per_day, shower_reduction=shower.reduction,
        shower_saving_rs=shower.saving_branca_rs, shower_completed=shower.completed,
        streak_days=streak.current_days, budget_kwh=budget, month_change=month.change, badge_count=len(badges),
        upcoming_start=min((e.start for e in joined_all if e.start > last_day), default=None),
    )
    if not ponta.complete_week:
        issues.append(Issue("engagement.issue.week_running", "warning", {"end": ponta.end}))
    return ToolResult(
        tool="challenge_status",
        value=value,
        units={
            "ponta_reduction": "fraction", "ponta_moved_kwh": "kWh", "ponta_saving_rs": "R$",
            "shower_minutes_before": "min", "shower_minutes_after": "min", "shower_reduction": "fraction",
            "shower_saving_rs": "R$", "budget_kwh": "kWh", "month_change": "fraction",
            "better_than_share": "fraction", "moved_kwh": "kWh", "saving_branca_rs": "R$",
            "baseline_kwh_per_day": "kWh", "week_kwh_per_day": "kWh", "reduction": "fraction",
            "kwh_per_day": "kWh", "last_year_kwh_per_day": "kWh", "change": "fraction", "saved_kwh": "kWh",
        },
        trail=tuple(steps),
        issues=tuple(issues),
        provenance=Provenance(installation_id, Period(week_start - dt.timedelta(days=g.BASELINE_DAYS), last_day,
                                                      "challenge"), ctx.data_today, {}, (q_int, q_day, q_peer)),
        citations=(g.REF_METHOD,),
    )


# ----------------------------------------------------------------------------- joining


class JoinChallengeArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    challenge: Literal["ponta_week", "shower", "both"] = Field(
        "both", description="ponta_week (a week out of the ponta), shower (the shower challenge) or both")


@dataclass(frozen=True, slots=True)
class JoinedChallenge:
    installation_id: str
    challenges: tuple[str, ...]
    start: dt.date  # the Monday the challenge week starts
    end: dt.date
    baseline_start: dt.date
    baseline_end: dt.date
    new: bool  # False: already joined for that week
    target_reduction: Decimal
    ponta_window: str  # e.g. "18:00-20:59" (the distributor's ponta)


def join_challenge(ctx: ToolContext, installation_id: str, args: JoinChallengeArgs) -> ToolResult[JoinedChallenge]:
    """Join the week challenge(s) starting next Monday (today when today is a Monday): the customer's
    own decision, recorded with the channel and the time."""
    if ctx.scope.kind not in ("customer", "integrator"):
        raise ForbiddenInstallation("only the customer joins a challenge", installation_id=installation_id)
    inst = ctx.installation(installation_id)
    today = ctx.data_today
    start = today + dt.timedelta(days=(7 - today.weekday()) % 7)
    names = eng_data.CHALLENGES if args.challenge == "both" else (args.challenge,)
    channel = ctx.channel if ctx.channel in ("web", "whatsapp", "voice", "rest") else "rest"
    at = ctx.clock()
    new = [eng_data.enrol(ctx.store.home, installation_id, n, start, channel, at) for n in names]
    sched = load_reference().posto_schedule(str(inst.get("distributor") or ""))
    window = sched.window_text().get("ponta", "") if sched is not None else ""
    value = JoinedChallenge(
        installation_id, tuple(names), start, start + dt.timedelta(days=6),
        start - dt.timedelta(days=g.BASELINE_DAYS), start - dt.timedelta(days=1), any(new),
        g.CHALLENGE_MIN_REDUCTION, window,
    )
    step = Step("engagement.step.join", {"challenges": list(names), "start": start, "channel": channel},
                "the week from the next Monday against the 28 days before it", value.new, "", (g.REF_METHOD,))
    return ToolResult("join_challenge", value, {"target_reduction": "fraction"}, (step,),
                      provenance=Provenance(installation_id, Period(value.baseline_start, value.end, "challenge"),
                                            ctx.data_today, {}, ()))


# ----------------------------------------------------------------------------- operator figures


@dataclass(frozen=True, slots=True)
class EngagementFigures:
    period: Period
    opt_ins: Mapping[str, int]  # purpose -> installations opted in now
    goals_set: int  # installations with a monthly goal in force
    goals_judged: int  # of those, with a bill read after the goal was set
    goal_setters_under: int  # bills at or under the goal
    goal_under_share: Decimal | None  # under / judged
    participants: int  # installations that joined a challenge starting in the period
    enrolments: int
    completed: int  # challenges completed (awarded) by participants
    ponta_share_before: Decimal | None  # pooled over participants: 28 days before vs challenge week
    ponta_share_after: Decimal | None
    outage_notices_down: int
    outage_notices_up: int
    outage_outages: int  # distinct outages notified
    calls_avoided_estimate: Decimal  # an estimate (assumption in the trail)
    call_rate: Decimal


def _goal_figures(ctx: ToolContext) -> tuple[int, int, int, Step]:
    """Installations with a goal in force; of those with a bill read after the goal was set, how
    many came in at or under it (``explain_bill`` of the last bill)."""
    setters = goals.goals_in_force(ctx.store.home)
    judged = under = 0
    for goal in setters:
        try:
            bill = run_tool("explain_bill", ctx, goal.installation_id, {"reference": "last_bill"}).value
        except ToolError:
            continue
        if bill.reading_date is None or bill.reading_date <= goal.at.date():
            continue  # no bill closed since the goal was set
        ok = g.under_goal(goal.amount, goal.unit, bill.total_rs, bill.consumption_kwh)
        if ok is None:
            continue
        judged += 1
        under += int(ok)
    step = Step("engagement.step.goals", {"goals_in_force": len(setters), "bills_after_goal": judged},
                "bills read after the goal was set, at or under the goal", under, "bills", (g.REF_METHOD,))
    return len(setters), judged, under, step


def engagement_figures(ctx: ToolContext, installation_id: str | None, args: EngagementFiguresArgs) -> ToolResult[EngagementFigures]:
    """The distributor's engagement figures for a period (no customer named)."""
    home = ctx.store.home
    period = resolve_period(args.period, ctx.data_today, default="last_30_days")
    opt: dict[str, int] = {p: len(consent_data.consented(home, p)) for p in consent_data.PURPOSES}
    steps: list[Step] = [Step("engagement.step.opt_ins", {}, "installations whose latest decision is an opt-in",
                              opt, "installations", (TrailRef("LGPD, arts. 7 I e 8", "confirmed"),))]
    setters, judged, under, goal_step = _goal_figures(ctx)
    steps.append(goal_step)
    issues: list[Issue] = []
    if setters and not judged:
        issues.append(Issue("engagement.issue.no_bill_after_goal", "warning", {}))
    enrol = [e for e in eng_data.enrolments(home) if period.start - dt.timedelta(days=6) <= e.start <= period.end]
    participants = sorted({e.installation_id for e in enrol})
    last_day = ctx.data_today - dt.timedelta(days=1)
    pb = tb = pa = ta = ZERO
    completed = 0
    for inst_id, start in sorted({(e.installation_id, e.start) for e in enrol}):
        inst = ctx.installation(inst_id)
        ponta, shower, shares, _, _, _ = week_measures(ctx, inst_id, inst, start, last_day)
        joined = {e.challenge for e in enrol if (e.installation_id, e.start) == (inst_id, start)}
        completed += sum(1 for ch in (ponta, shower) if ch.challenge in joined and ch.complete_week and ch.completed)
        pb += shares["ponta_before_kwh"]
        tb += shares["total_before_kwh"]
        pa += shares["ponta_after_kwh"]
        ta += shares["total_after_kwh"]
    before = (pb / tb).quantize(g.SHARE_Q) if tb > 0 else None
    after = (pa / ta).quantize(g.SHARE_Q) if ta > 0 else None
    steps.append(Step("engagement.step.participation",
                      {"enrolments": len(enrol), "participants": len(participants), "completed": completed},
                      "ponta kWh / total kWh on working days, pooled over participants: 28 days before vs the week",
                      {"before": before, "after": after}, "fraction", (g.REF_METHOD,)))
    since = dt.datetime.combine(period.start, dt.time(), tzinfo=dt.timezone(dt.timedelta(hours=-3)))
    until = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time(), tzinfo=dt.timezone(dt.timedelta(hours=-3)))
    down = [n for n in notice_data.notices(home, kind="outage_down", since=since) if n.at < until and n.message_sid]
    up = [n for n in notice_data.notices(home, kind="outage_up", since=since) if n.at < until and n.message_sid]
    calls = (Decimal(len(down)) * CALL_RATE_WITHOUT_NOTICE).quantize(Decimal("0.1"))
    steps.append(Step("engagement.step.calls_avoided", {"down_notices": len(down), "call_rate": CALL_RATE_WITHOUT_NOTICE},
                      "down_notices * call_rate (an estimate: the call rate is an assumption)", calls, "calls",
                      (REF_CALLS,)))
    issues.append(Issue("engagement.issue.calls_estimate", "warning", {"rate_pct": 10}))
    value = EngagementFigures(
        period=period, opt_ins=dict(opt), goals_set=setters, goals_judged=judged, goal_setters_under=under,
        goal_under_share=(Decimal(under) / Decimal(judged)).quantize(g.SHARE_Q) if judged else None,
        participants=len(participants), enrolments=len(enrol), completed=completed,
        ponta_share_before=before, ponta_share_after=after,
        outage_notices_down=len(down), outage_notices_up=len(up),
        outage_outages=len({n.key for n in down + up}), calls_avoided_estimate=calls,
        call_rate=CALL_RATE_WITHOUT_NOTICE,
    )
    return ToolResult(
        tool="engagement_figures",
        value=value,
        units={"ponta_share_before": "fraction", "ponta_share_after": "fraction", "goal_under_share": "fraction",
               "call_rate": "fraction", "calls_avoided_estimate": "calls"},
        trail=tuple(steps),
        issues=tuple(issues),
        provenance=Provenance(None, period, ctx.data_today, {}, ()),
    )


_CUSTOMER: tuple[Literal["customer", "operator"], ...] = ("customer", "operator")

SPECS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="challenge_status",
        fn=challenge_status,
        args_model=ChallengeStatusArgs,
        audience=_CUSTOMER,
        needs_installation=True,
        summary="Energy-saving challenges measured from the meter (a week out of the ponta with the R$ it "
        "would save on Tarifa Branca, the shower challenge, days under the daily budget, the month against "
        "the same month last year), points, badges and an anonymous rank among similar homes.",
    ),
    ToolSpec(
        name="join_challenge",
        fn=join_challenge,
        args_model=JoinChallengeArgs,
        audience=("customer",),
        needs_installation=True,
        summary="Join the week challenge(s) starting next Monday: a week out of the ponta and/or the shower "
        "challenge, measured from the meter against the 28 days before.",
    ),
    ToolSpec(
        name="engagement_figures",
        fn=engagement_figures,
        args_model=EngagementFiguresArgs,
        audience=("operator",),
        needs_installation=False,
        summary="Engagement figures for the distributor: opt-ins, goals, challenge participation, ponta share "
        "before and after, outage notices sent and an estimate of the calls they avoided.",
    ),
)

__all__ = ["SPECS", "ChallengeStatus", "EngagementFigures", "challenge_status", "engagement_figures",
           "week_measures"]
