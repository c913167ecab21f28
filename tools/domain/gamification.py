"""Challenges, points and badges computed from the meter data (pure).

Four challenges, each measured only from the installation's own readings:

``ponta_week`` (semana fora da ponta)
    Energy in the ponta posto per working day (weekends and tariff holidays have no ponta) in the
    challenge week against the 28 days before it. ``moved_kwh = max(base_per_day - week_per_day, 0)
    x working days of the week``; the R$ the customer would save on Tarifa Branca is ``moved_kwh x
    (Branca ponta - Branca fora ponta)`` with the tariffs in force, before taxes, assuming the
    energy went to fora ponta. Completed when the ponta energy per working day fell by at least
    :data:`CHALLENGE_MIN_REDUCTION`.
``shower`` (desafio do chuveiro)
    The same comparison for the electric-shower signature inside the ponta (the events found by
    :func:`tools.domain.appliances.detect_showers`): minutes of shower per working day and their
    kWh. Completed when the shower minutes in the ponta per working day fell by at least
    :data:`CHALLENGE_MIN_REDUCTION` (shorter showers, or showers taken outside the ponta).
``budget_streak`` (dias dentro da meta)
    Consecutive days up to the last day with data whose consumption stayed at or under the daily
    budget. A day without enough readings breaks the streak (it cannot be shown to be under).
``month_vs_last_year`` (mês abaixo do ano passado)
    kWh per day of the month so far against the same month last year (per day, so months of
    different lengths and a month in progress compare fairly).

Points and badges (:func:`awards`) follow fixed rules; every award has a key that names what it
is for, so computing the status twice never awards twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from tools.types import Step, TrailRef

ZERO = Decimal(0)
KWH_Q = Decimal("0.001")
SHARE_Q = Decimal("0.0001")

#: baseline before a week challenge [days]
BASELINE_DAYS = 28
#: a week challenge is completed when the measured figure per working day fell by at least this share
CHALLENGE_MIN_REDUCTION = Decimal("0.30")
#: a day counts for the streak only with at least this share of its readings
MIN_DAY_COVERAGE = Decimal("0.9")
#: the default daily budget (no goal set): this share of the average of the last 30 days
DEFAULT_BUDGET_SHARE = Decimal("0.9")

POINTS = {
    "ponta_week": 100,
    "shower": 100,
    "month_vs_last_year": 50,
    "budget_day": 5,
}
BADGES = {
    "ponta_week": "fora_da_ponta",
    "shower": "banho_fora_da_ponta",
    "budget_streak": "sete_dias_na_meta",
    "month_vs_last_year": "melhor_que_ano_passado",
}
STREAK_BADGE_DAYS = 7

REF_METHOD = TrailRef("Regras dos desafios de economia (pontos e selos)", "reference")
REF_BRANCA = TrailRef("REN 1.000/2021, arts. 219 e 222-224 (Tarifa Branca)", "confirmed")


def _q(x: Decimal, q: Decimal = KWH_Q) -> Decimal:
    return x.quantize(q, rounding=ROUND_HALF_EVEN)


def week_days(start: dt.date) -> list[dt.date]:
    """The 7 days of a challenge week starting on ``start``."""
    return [start + dt.timedelta(days=k) for k in range(7)]


def baseline_days(start: dt.date) -> list[dt.date]:
    """The ``BASELINE_DAYS`` days before ``start`` (oldest first): the reference a challenge week is compared with."""
    return [start - dt.timedelta(days=k) for k in range(BASELINE_DAYS, 0, -1)]


# ----------------------------------------------------------------------------- week challenges


@dataclass(frozen=True, slots=True)
class WeekChallenge:
    challenge: str  # ponta_week | shower
    start: dt.date
    end: dt.date
    complete_week: bool  # the week is over (otherwise: so far)
    baseline_days: int  # working days with data in the 28 days before
    week_days: int  # working days with data in the week (so far)
    baseline_per_day: Decimal  # kWh (ponta_week) or minutes (shower) per working day
    week_per_day: Decimal
    reduction: Decimal | None  # share, 1 - week / baseline (None: no baseline)
    baseline_kwh_per_day: Decimal  # kWh in the ponta per working day (both challenges)
    week_kwh_per_day: Decimal
    moved_kwh: Decimal  # kWh that left the ponta in the week
    saving_branca_rs: Decimal | None  # on Tarifa Branca, before taxes (None: no tariff)
    rate_diff_rs_kwh: Decimal | None
    completed: bool
    target_reduction: Decimal = CHALLENGE_MIN_REDUCTION


def week_challenge(
    challenge: str,
    start: dt.date,
    last_day: dt.date,
    per_day: Mapping[dt.date, Decimal],
    kwh_per_day: Mapping[dt.date, Decimal],
    rate_diff_rs_kwh: Decimal | None,
) -> tuple[WeekChallenge, tuple[Step, ...]]:
    """Compare the week starting ``start`` with the 28 days before it.

    ``per_day``: the figure measured per *working* day with data (ponta kWh, or shower minutes in
    the ponta); ``kwh_per_day``: the ponta kWh of the same days (the energy moved); days absent
    from the mappings are weekends, holidays or days without enough readings. ``last_day``: the
    last day with data (a week still running is measured so far). ``rate_diff_rs_kwh``: Branca
    ponta minus Branca fora ponta [R$/kWh].
    """
    base = [d for d in baseline_days(start) if d in per_day]
    week = [d for d in week_days(start) if d in per_day and d <= last_day]
    b = sum((per_day[d] for d in base), ZERO) / len(base) if base else ZERO
    w = sum((per_day[d] for d in week), ZERO) / len(week) if week else ZERO
    bk = sum((kwh_per_day.get(d, ZERO) for d in base), ZERO) / len(base) if base else ZERO
    wk = sum((kwh_per_day.get(d, ZERO) for d in week), ZERO) / len(week) if week else ZERO
    reduction = _q(1 - w / b, SHARE_Q) if b > 0 and week else None
    moved = _q(max(bk - wk, ZERO) * len(week)) if base else ZERO
    saving = _q(moved * rate_diff_rs_kwh, Decimal("0.01")) if rate_diff_rs_kwh is not None else None
    completed = reduction is not None and reduction >= CHALLENGE_MIN_REDUCTION
    end = start + dt.timedelta(days=6)
    value = WeekChallenge(
        challenge=challenge,
        start=start,
        end=end,
        complete_week=last_day >= end,
        baseline_days=len(base),
        week_days=len(week),
        baseline_per_day=_q(b),
        week_per_day=_q(w),
        reduction=reduction,
        baseline_kwh_per_day=_q(bk),
        week_kwh_per_day=_q(wk),
        moved_kwh=moved,
        saving_branca_rs=saving,
        rate_diff_rs_kwh=rate_diff_rs_kwh,
        completed=completed,
    )
    unit = "kWh" if challenge == "ponta_week" else "min"
    steps = [
        Step(
            f"engagement.step.{challenge}.baseline",
            {"start": base[0] if base else None, "end": base[-1] if base else None, "working_days": len(base)},
            "sum(figure on working days of the 28 days before) / working days",
            value.baseline_per_day,
            unit,
            (REF_METHOD,),
        ),
        Step(
            f"engagement.step.{challenge}.week",
            {"start": start, "end": min(end, last_day), "working_days": len(week)},
            "sum(figure on working days of the week) / working days",
            value.week_per_day,
            unit,
            (REF_METHOD,),
        ),
        Step(
            "engagement.step.reduction",
            {"baseline": value.baseline_per_day, "week": value.week_per_day,
             "target": CHALLENGE_MIN_REDUCTION},
            "1 - week / baseline; completed when >= target",
            reduction,
            "fraction",
            (REF_METHOD,),
        ),
        Step(
            "engagement.step.moved_kwh",
            {"baseline_kwh_per_day": value.baseline_kwh_per_day, "week_kwh_per_day": value.week_kwh_per_day,
             "working_days": len(week)},
            "max(baseline_kwh_per_day - week_kwh_per_day, 0) * working_days",
            moved,
            "kWh",
            (REF_METHOD,),
        ),
    ]
    if saving is not None:
        steps.append(
            Step(
                "engagement.step.saving_branca",
                {"moved_kwh": moved, "rate_diff_rs_kwh": rate_diff_rs_kwh},
                "moved_kwh * (branca ponta - branca fora ponta), before taxes",
                saving,
                "R$",
                (REF_BRANCA,),
            )
        )
    return value, tuple(steps)


# ----------------------------------------------------------------------------- streak


@dataclass(frozen=True, slots=True)
class BudgetStreak:
    budget_kwh: Decimal
    budget_source: str  # goal | default (share of the last 30 days)
    current_days: int  # consecutive days under budget ending on the last day
    best_days: int  # longest run in the window
    days_under: int  # days under budget in the window
    days_counted: int  # days with enough data in the window
    window_start: dt.date
    last_day: dt.date
    under_days: tuple[dt.date, ...]  # the days under budget (for the daily points)


def budget_streak(
    daily_kwh: Mapping[dt.date, Decimal],
    coverage: Mapping[dt.date, Decimal],
    budget_kwh: Decimal,
    window_start: dt.date,
    last_day: dt.date,
    budget_source: str = "goal",
) -> tuple[BudgetStreak, tuple[Step, ...]]:
    """Days in ``[window_start, last_day]`` at or under ``budget_kwh``; the current and best runs.

    A day counts when its readings cover at least :data:`MIN_DAY_COVERAGE` of it; a day without
    them breaks a run.
    """
    run = best = under = counted = 0
    unders: list[dt.date] = []
    d = window_start
    while d <= last_day:
        ok = coverage.get(d, ZERO) >= MIN_DAY_COVERAGE and d in daily_kwh
        if ok:
            counted += 1
        if ok and daily_kwh[d] <= budget_kwh:
            run += 1
            under += 1
            unders.append(d)
            best = max(best, run)
        else:
            run = 0
        d += dt.timedelta(days=1)
    value = BudgetStreak(budget_kwh, budget_source, run, best, under, counted, window_start, last_day, tuple(unders))
    step = Step(
        "engagement.step.streak",
        {"budget_kwh": budget_kwh, "start": window_start, "end": last_day, "days_counted": counted,
         "days_under": under},
        "consecutive days with kwh <= budget ending on the last day (a day without data breaks the run)",
        run,
        "days",
        (REF_METHOD,),
    )
    return value, (step,)


def default_budget(daily_kwh: Mapping[dt.date, Decimal], last_day: dt.date) -> tuple[Decimal, Step]:
    """Without a goal: :data:`DEFAULT_BUDGET_SHARE` of the average day of the 30 days up to ``last_day``."""
    days = [last_day - dt.timedelta(days=k) for k in range(30)]
    vals = [daily_kwh[d] for d in days if d in daily_kwh]
    avg = sum(vals, ZERO) / len(vals) if vals else ZERO
    budget = _q(avg * DEFAULT_BUDGET_SHARE, Decimal("0.1"))
    return budget, Step(
        "engagement.step.default_budget",
        {"average_kwh_day": _q(avg), "days": len(vals), "share": DEFAULT_BUDGET_SHARE},
        "average kWh/day of the last 30 days * share",
        budget,
        "kWh",
        (REF_METHOD,),
    )


def goal_budget(goal: Decimal, unit: str, days_total: int, price_rs_kwh: Decimal | None) -> tuple[Decimal, Step] | None:
    """The daily budget of a monthly goal: the goal in kWh spread over the cycle's days (an R$ goal
    converted at the cycle's average price); None when it cannot be converted."""
    if days_total <= 0:
        return None
    if unit == "brl":
        if not price_rs_kwh:
            return None
        goal_kwh = goal / price_rs_kwh
    else:
        goal_kwh = goal
    budget = _q(goal_kwh / days_total, Decimal("0.1"))
    return budget, Step(
        "engagement.step.goal_budget",
        {"goal": goal, "unit": unit, "days": days_total, "price_rs_kwh": price_rs_kwh},
        "goal_kwh / days of the cycle (R$ goals: goal / average price)",
        budget,
        "kWh",
        (REF_METHOD,),
    )


def under_goal(goal: Decimal, unit: str, bill_rs: Decimal | None, bill_kwh: Decimal | None) -> bool | None:
    """A closed bill came in at or under the goal (None: the bill lacks the goal's unit)."""
    value = bill_rs if unit == "brl" else bill_kwh
    return None if value is None else value <= goal


# ----------------------------------------------------------------------------- month vs last year


@dataclass(frozen=True, slots=True)
class MonthVsLastYear:
    month: str  # YYYY-MM
    days: int  # days with data this month (so far)
    kwh: Decimal
    kwh_per_day: Decimal
    last_year_month: str
    last_year_days: int
    last_year_kwh: Decimal
    last_year_kwh_per_day: Decimal | None
    change: Decimal | None  # kwh_per_day / last_year_kwh_per_day - 1
    saved_kwh: Decimal  # (last year per day - this year per day) * days, when positive
    below: bool


def month_vs_last_year(
    month: str, kwh: Decimal, days: int, ly_kwh: Decimal, ly_days: int
) -> tuple[MonthVsLastYear, tuple[Step, ...]]:
    """This month's kWh per day (``kwh`` over ``days``) against the same month last year, adjusted for days."""
    per_day = kwh / days if days else ZERO
    ly_per_day = ly_kwh / ly_days if ly_days else None
    change = _q(per_day / ly_per_day - 1, SHARE_Q) if ly_per_day and days else None
    saved = _q(max(ly_per_day - per_day, ZERO) * days) if ly_per_day is not None and days else ZERO
    ly_month = f"{int(month[:4]) - 1:04d}{month[4:]}"
    value = MonthVsLastYear(
        month, days, _q(kwh), _q(per_day), ly_month, ly_days, _q(ly_kwh),
        _q(ly_per_day) if ly_per_day is not None else None, change, saved,
        change is not None and change < 0,
    )
    steps = (
        Step(
            "engagement.step.month_per_day",
            {"month": month, "kwh": value.kwh, "days": days, "last_year_month": ly_month,
             "last_year_kwh": value.last_year_kwh, "last_year_days": ly_days},
            "kwh / days for each month (adjusted for the number of days)",
            {"this": value.kwh_per_day, "last_year": value.last_year_kwh_per_day},
            "kWh/d",
            (REF_METHOD,),
        ),
        Step(
            "engagement.step.month_change",
            {"this": value.kwh_per_day, "last_year": value.last_year_kwh_per_day, "days": days},
            "this / last_year - 1; saved = max(last_year - this, 0) * days",
            {"change": change, "saved_kwh": saved},
            "fraction",
            (REF_METHOD,),
        ),
    )
    return value, steps


# ----------------------------------------------------------------------------- points and badges


@dataclass(frozen=True, slots=True)
class Award:
    reason: str  # ponta_week | shower | month_vs_last_year | budget_day | budget_streak
    key: str  # what it is for (a week, a month, a day): one award per (reason, key)
    points: int
    badge: str | None
    day: dt.date  # the day the award was earned (the end of what it is for)


def awards(
    ponta: WeekChallenge | None,
    shower: WeekChallenge | None,
    streak: BudgetStreak | None,
    month: MonthVsLastYear | None,
    month_complete: bool,
) -> list[Award]:
    """Awards earned by the measured outcomes (week challenges only when the week is over)."""
    out: list[Award] = []
    for ch in (ponta, shower):
        if ch is not None and ch.complete_week and ch.completed:
            out.append(Award(ch.challenge, ch.start.isoformat(), POINTS[ch.challenge], BADGES[ch.challenge], ch.end))
    if streak is not None:
        for d in streak.under_days:
            out.append(Award("budget_day", d.isoformat(), POINTS["budget_day"], None, d))
        if streak.best_days >= STREAK_BADGE_DAYS:
            out.append(Award("budget_streak", f"{streak.window_start:%Y-%m}", 0, BADGES["budget_streak"], streak.last_day))
    if month is not None and month_complete and month.below:
        last = dt.date.fromisoformat(month.month + "-01")
        out.append(Award("month_vs_last_year", month.month, POINTS["month_vs_last_year"], BADGES["month_vs_last_year"], last))
    return out


def points_total(rows: Sequence[tuple[int, dt.date]], month: str | None = None) -> int:
    """Sum of award points (of one month when ``month`` is given, by the day earned)."""
    return sum(p for p, d in rows if month is None or f"{d:%Y-%m}" == month)


def better_than_share(share_below: float | Decimal | None) -> Decimal | None:
    """Share of similar homes that used more per day (1 - share that used less), for the rank."""
    if share_below is None:
        return None
    return _q(1 - Decimal(repr(float(share_below))), Decimal("0.01"))
