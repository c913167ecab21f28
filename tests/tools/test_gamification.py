"""Challenges, streaks, points: values worked by hand from the rules in tools/domain/gamification.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tools.domain import gamification as g

D = Decimal
MON = dt.date(2026, 11, 16)  # a Monday; Friday 2026-11-20 is a tariff holiday (Consciencia Negra)


def _working(days: list[dt.date], value: str) -> dict[dt.date, Decimal]:
    return {d: D(value) for d in days if d.weekday() < 5 and d not in (dt.date(2026, 11, 2), dt.date(2026, 11, 20))}


def test_ponta_week_moved_energy_and_branca_saving():
    base = _working(g.baseline_days(MON), "3.0")  # 19 working days of 3 kWh in the ponta
    week = _working(g.week_days(MON), "1.5")  # 4 working days (Fri 20 is a holiday) of 1.5 kWh
    per_day = {**base, **week}
    v, steps = g.week_challenge("ponta_week", MON, dt.date(2026, 11, 25), per_day, per_day, D("0.75"))
    assert (v.baseline_days, v.week_days) == (19, 4)
    assert (v.baseline_per_day, v.week_per_day) == (D("3.000"), D("1.500"))
    assert v.reduction == D("0.5000") and v.completed and v.complete_week
    # (3.0 - 1.5) kWh/day x 4 working days = 6 kWh; x R$ 0,75/kWh = R$ 4,50
    assert v.moved_kwh == D("6.000") and v.saving_branca_rs == D("4.50")
    assert [s.key for s in steps][-1] == "engagement.step.saving_branca"


def test_shower_week_measured_in_minutes_not_completed_below_target():
    base = _working(g.baseline_days(MON), "20")  # 20 min of shower in the ponta per working day
    week = _working(g.week_days(MON), "16")  # 16 min: 20 % less, under the 30 % target
    kwh = {d: D("1.8") if d < MON else D("1.44") for d in {**base, **week}}
    v, _ = g.week_challenge("shower", MON, dt.date(2026, 11, 18), {**base, **week}, kwh, None)
    assert v.week_days == 3 and not v.complete_week  # the week is measured so far (Mon-Wed)
    assert v.reduction == D("0.2000") and not v.completed
    assert v.moved_kwh == D("1.080")  # (1.8 - 1.44) x 3
    assert v.saving_branca_rs is None  # no tariff: no R$ claimed


def test_budget_streak_counts_runs_and_a_day_without_data_breaks_it():
    start = dt.date(2026, 11, 16)
    values = ["7", "9", "8", "6", "5", "1", "7", "7.5", "8", "7.9"]
    days = [start + dt.timedelta(days=k) for k in range(10)]
    daily = {d: D(x) for d, x in zip(days, values, strict=True)}
    cov = {d: D(1) for d in days}
    cov[dt.date(2026, 11, 21)] = D("0.5")  # half a day of readings: cannot count
    v, _ = g.budget_streak(daily, cov, D("8"), start, dt.date(2026, 11, 25))
    # 16 ok | 17 over | 18-20 ok (3) | 21 no data | 22-25 ok (4)
    assert (v.current_days, v.best_days, v.days_under, v.days_counted) == (4, 4, 8, 9)


def test_default_budget_is_ninety_percent_of_the_last_30_days():
    last = dt.date(2026, 11, 25)
    daily = {last - dt.timedelta(days=k): D(8 + (k % 2) * 4) for k in range(30)}  # 8 and 12: average 10
    budget, _ = g.default_budget(daily, last)
    assert budget == D("9.0")


def test_month_against_same_month_last_year_per_day():
    v, _ = g.month_vs_last_year("2026-11", D("200"), 25, D("270"), 30)
    # 8,0 kWh/day against 9,0 kWh/day: 11,11 % less; 1 kWh/day x 25 days saved
    assert v.kwh_per_day == D("8.000") and v.last_year_kwh_per_day == D("9.000")
    assert v.change == D("-0.1111") and v.saved_kwh == D("25.000") and v.below
    assert v.last_year_month == "2025-11"


def test_awards_only_for_finished_weeks_and_one_per_day_under_budget():
    base = _working(g.baseline_days(MON), "3.0")
    week = _working(g.week_days(MON), "1.0")
    ponta, _ = g.week_challenge("ponta_week", MON, dt.date(2026, 11, 25), {**base, **week}, {**base, **week}, None)
    running, _ = g.week_challenge("shower", MON, dt.date(2026, 11, 19), {**base, **week}, {**base, **week}, None)
    start = dt.date(2026, 11, 1)
    days = [start + dt.timedelta(days=k) for k in range(8)]
    streak, _ = g.budget_streak({d: D(5) for d in days}, {d: D(1) for d in days}, D(6), start, days[-1])
    out = g.awards(ponta, running, streak, None, False)
    reasons = [(a.reason, a.points, a.badge) for a in out]
    assert ("ponta_week", 100, "fora_da_ponta") in reasons
    assert not any(r[0] == "shower" for r in reasons)  # the shower week is not over
    assert sum(a.points for a in out if a.reason == "budget_day") == 8 * 5
    assert ("budget_streak", 0, "sete_dias_na_meta") in reasons
    assert g.points_total([(a.points, a.day) for a in out]) == 140


def test_better_than_share():
    assert g.better_than_share(0.25) == D("0.75")
    assert g.better_than_share(None) is None


def test_goal_budget_spreads_the_goal_over_the_cycle():
    # R$ 100,00 at R$ 0,80/kWh is 125 kWh; over 30 days 4,1666... -> 4,2 kWh a day
    assert g.goal_budget(D("100"), "brl", 30, D("0.80"))[0] == D("4.2")  # type: ignore[index]
    assert g.goal_budget(D("150"), "kwh", 30, None)[0] == D("5.0")  # type: ignore[index]
    assert g.goal_budget(D("100"), "brl", 30, None) is None
    assert g.under_goal(D("100"), "brl", D("99.99"), None) is True
    assert g.under_goal(D("150"), "kwh", D("1"), D("150.1")) is False
    assert g.under_goal(D("150"), "kwh", D("1"), None) is None
