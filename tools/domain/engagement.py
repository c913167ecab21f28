"""Engagement rules, pure: the monthly goal against the cycle's projection, when a goal alert is
due, and the D-1 digest (yesterday against the customer's typical day and similar homes).

The projection itself is ``forecast_bill``'s (kWh to date + the cycle's pace over the days left;
range from the P20/P80 of the last 30 days, see :mod:`tools.api.billing`); here it is only read
in the goal's unit. For a goal in R$ the bill's projected total is spread over its kWh at the
projection's average price (R$ / kWh, taxes and fixed charges included), so that what was spent so
far, the projection and the daily budget add up: ``spent + pace x days left = projection``.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Literal

from tools.types import Step
from tools.units import money

GoalUnit = Literal["brl", "kwh"]
GoalStatus = Literal["on_track", "above", "already_over", "no_data"]
KWH_Q = Decimal("0.1")
#: the projection runs on the cycle's own pace from its 7th day (forecast_bill); an alert on
#: fewer days would rest on the last 30 days, not on this cycle
ALERT_MIN_ELAPSED = 7
#: an alert with fewer days left than this comes too late to act on
ALERT_MIN_REMAINING = 5
#: days before yesterday whose median is the customer's typical day
TYPICAL_DAYS = 28
#: a day counts for the typical day with readings for at least this share of its minutes
TYPICAL_MIN_COVERAGE = 0.9


def kwh_q(x: Decimal) -> Decimal:
    """``x`` kWh rounded to the kWh quantum (half-even), as every figure of a goal is shown."""
    return x.quantize(KWH_Q, rounding=ROUND_HALF_EVEN)


def in_unit(x: Decimal, unit: GoalUnit) -> Decimal:
    """``x`` rounded in the goal's unit: R$ to the cent, kWh to the kWh quantum."""
    return money(x) if unit == "brl" else kwh_q(x)


@dataclass(frozen=True, slots=True)
class CycleProjection:
    """What ``forecast_bill`` projected for the cycle in progress (its own figures)."""

    bill_month: str
    start: dt.date
    end: dt.date
    reading_date: dt.date
    days_total: int
    days_elapsed: int
    kwh_to_date: Decimal
    kwh_projected: Decimal
    kwh_low: Decimal
    kwh_high: Decimal
    total_rs: Decimal | None
    low_rs: Decimal | None
    high_rs: Decimal | None


@dataclass(frozen=True, slots=True)
class GoalProgress:
    unit: GoalUnit
    goal: Decimal
    bill_month: str
    start: dt.date
    end: dt.date
    reading_date: dt.date
    days_total: int
    days_elapsed: int
    days_remaining: int
    share_elapsed: float  # of the cycle's days
    spent: Decimal  # so far, in the goal's unit
    share_of_goal: float  # spent / goal
    projected: Decimal
    projected_low: Decimal
    projected_high: Decimal
    status: GoalStatus
    over_by: Decimal  # projected - goal when above (0 otherwise)
    pace_per_day: Decimal  # the projection's pace over the days left, in the goal's unit
    daily_budget: Decimal | None  # what may be spent per day from now on to end at the goal (None: no day left)
    daily_budget_kwh: Decimal | None  # the same in kWh
    price_rs_kwh: Decimal | None  # average price of the projection (R$ goals)
    low_above_goal: bool  # even the low end of the range passes the goal
    high_above_goal: bool  # the high end passes it


def goal_progress(goal: Decimal, unit: GoalUnit, p: CycleProjection) -> tuple[GoalProgress, tuple[Step, ...]]:
    """Progress of a goal over the cycle in progress, with the steps of the working."""
    remaining = max(p.days_total - p.days_elapsed, 0)
    pace_kwh = (p.kwh_projected - p.kwh_to_date) / remaining if remaining else Decimal(0)
    price: Decimal | None = None
    steps: list[Step] = []
    if unit == "brl":
        if p.total_rs is None or p.kwh_projected <= 0:
            raise ValueError("no R$ projection for this cycle")
        price = p.total_rs / p.kwh_projected
        spent_x = p.kwh_to_date * price
        projected, low, high = p.total_rs, p.low_rs or p.total_rs, p.high_rs or p.total_rs
        steps.append(Step("engagement.step.average_price", {"total_rs": p.total_rs, "kwh_projected": p.kwh_projected},
                          "total_rs / kwh_projected", price, "BRL/kWh"))
        steps.append(Step("engagement.step.spent_rs", {"kwh_to_date": p.kwh_to_date, "price_rs_kwh": price},
                          "kwh_to_date * price_rs_kwh", money(spent_x), "BRL"))
    else:
        spent_x, projected, low, high = p.kwh_to_date, p.kwh_projected, p.kwh_low, p.kwh_high
    spent = in_unit(spent_x, unit)
    pace = in_unit(pace_kwh * price if price is not None else pace_kwh, unit)
    budget_x = (goal - spent_x) / remaining if remaining else None
    budget = in_unit(max(budget_x, Decimal(0)), unit) if budget_x is not None else None
    budget_kwh = None
    if budget_x is not None:
        budget_kwh = kwh_q(max(budget_x, Decimal(0)) / price) if price is not None else budget
    if spent_x > goal:
        status: GoalStatus = "already_over"
    elif projected > goal:
        status = "above"
    else:
        status = "on_track"
    over_by = in_unit(projected - goal, unit) if projected > goal else Decimal(0)
    steps.append(Step("engagement.step.projection", {"spent": spent, "days_remaining": remaining,
                                                     "pace_per_day": pace},
                      "spent + days_remaining * pace_per_day", in_unit(projected, unit),
                      "BRL" if unit == "brl" else "kWh"))
    if budget is not None:
        steps.append(Step("engagement.step.daily_budget", {"goal": goal, "spent": spent, "days_remaining": remaining},
                          "(goal - spent) / days_remaining", budget, "BRL/day" if unit == "brl" else "kWh/day"))
    value = GoalProgress(
        unit=unit, goal=goal, bill_month=p.bill_month, start=p.start, end=p.end, reading_date=p.reading_date,
        days_total=p.days_total, days_elapsed=p.days_elapsed, days_remaining=remaining,
        share_elapsed=round(p.days_elapsed / p.days_total, 4) if p.days_total else 0.0,
        spent=spent, share_of_goal=round(float(spent_x / goal), 4) if goal else 0.0,
        projected=in_unit(projected, unit), projected_low=in_unit(low, unit), projected_high=in_unit(high, unit),
        status=status, over_by=over_by, pace_per_day=pace, daily_budget=budget, daily_budget_kwh=budget_kwh,
        price_rs_kwh=price, low_above_goal=low > goal, high_above_goal=high > goal,
    )
    return value, tuple(steps)


def goal_alert_due(progress: GoalProgress) -> bool:
    """A goal alert is due when the central projection passes the goal, on the cycle's own pace
    (from its 7th day) and with days left to act (at least 5)."""
    return (
        progress.status in ("above", "already_over")
        and progress.days_elapsed >= ALERT_MIN_ELAPSED
        and progress.days_remaining >= ALERT_MIN_REMAINING
    )


@dataclass(frozen=True, slots=True)
class Saving:
    """An action and what it would save over the days left of the cycle."""

    tip_key: str
    kwh: Decimal
    brl: Decimal | None


def savings_until_reading(tips: Sequence[tuple[str, Decimal, Decimal | None]], days_remaining: int,
                          n: int = 2) -> tuple[Saving, ...]:
    """The ``n`` largest savings, from tips ``(key, kWh/month, R$/month)`` (a month = 30 days),
    pro rata over the days left."""
    ranked = sorted(tips, key=lambda t: t[1], reverse=True)[:n]
    share = Decimal(days_remaining) / 30
    return tuple(Saving(k, kwh_q(kwh * share), money(brl * share) if brl is not None else None)
                 for k, kwh, brl in ranked)


# ------------------------------------------------------------------------------ D-1 digest


@dataclass(frozen=True, slots=True)
class DailyDigest:
    day: dt.date
    kwh: Decimal
    cost_rs: Decimal | None
    typical_kwh: Decimal | None  # median of the customer's own days before (TYPICAL_DAYS)
    typical_days: int
    vs_typical_pct: float | None  # kwh / typical - 1
    similar_kwh: Decimal | None  # median of similar homes that day
    vs_similar_pct: float | None
    peak_hour: int | None  # hour of the day (0-23) with the most energy
    tip_key: str | None
    tip_saving_kwh_month: Decimal | None
    tip_saving_brl_month: Decimal | None


def typical_day(days: Sequence[tuple[dt.date, Decimal, float]], before: dt.date) -> tuple[Decimal | None, int]:
    """Median kWh of the days in ``[before - 28, before - 1]`` with at least 90 % of their readings."""
    first = before - dt.timedelta(days=TYPICAL_DAYS)
    vals = [k for d, k, cov in days if first <= d < before and cov >= TYPICAL_MIN_COVERAGE]
    if not vals:
        return None, 0
    return kwh_q(Decimal(statistics.median(vals))), len(vals)


def change(x: Decimal, ref: Decimal | None) -> float | None:
    """Relative change of ``x`` against ``ref`` (0.1 = 10 % above); None without a positive reference."""
    return round(float(x / ref - 1), 4) if ref is not None and ref > 0 else None
