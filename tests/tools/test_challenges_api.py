"""challenge_status and engagement_figures on the demo's scenarios (docs/scenarios.md):
``shower_challenge`` — 40010048 joined both week challenges of 2026-11-16 and from that day takes
its evening showers at 22:00-23:30 (fora ponta); ``outage_notice_opt_in`` — 12 titulars of TR-0012.

Hand-worked from the rules: CPFL Paulista B1 Branca (tariffs/cpfl_paulista.toml, R$/MWh without
taxes) ponta 863,40 + 436,00 = 1.299,40 and fora ponta 348,01 + 276,95 = 624,96: a kWh moved out of
the ponta is worth (1.299,40 - 624,96) / 1000 = R$ 0,67444. The week of 16/11 has 4 working days
(Friday 20/11 is Consciência Negra); the 28 days before it have 19 (02/11 is Finados).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal

import pytest

from tests.tiny import tiny_home  # noqa: F401  (fixture)
from tools.api import Scope, ToolContext, run_tool
from tools.errors import ForbiddenInstallation

CHALLENGER = "40010048"


def _status(store, inst: str = CHALLENGER):  # type: ignore[no-untyped-def]
    return run_tool("challenge_status", ToolContext(store=store, scope=Scope.customer(inst)), inst, {})


def test_shower_challenge_scenario_by_hand(demo_store) -> None:  # type: ignore[no-untyped-def]
    r = _status(demo_store)
    v = r.value
    assert (v.week_start, v.week_end, v.joined) == (dt.date(2026, 11, 16), dt.date(2026, 11, 22), ("ponta_week", "shower"))
    sh, pw = v.shower, v.ponta_week
    assert (sh.baseline_days, sh.week_days) == (19, 4)
    # every evening shower moved after 22:00: no shower left in the ponta on the working days
    assert sh.week_per_day == 0 and sh.baseline_per_day > 0 and sh.baseline_per_day % 15 == 0  # 15-min data
    assert sh.reduction == Decimal("1.0000") and sh.completed
    assert sh.rate_diff_rs_kwh == Decimal("0.67444")
    assert sh.saving_branca_rs == (sh.moved_kwh * Decimal("0.67444")).quantize(Decimal("0.01"), ROUND_HALF_EVEN)
    assert abs(sh.moved_kwh - sh.baseline_kwh_per_day * 4) <= Decimal("0.002")  # all of it left the ponta (per-day figures shown rounded)
    # the ponta itself: at least the 30 % target, and the R$ by the same rate
    assert pw.reduction >= Decimal("0.30") and pw.completed
    assert abs(pw.moved_kwh - (pw.baseline_kwh_per_day - pw.week_kwh_per_day) * 4) <= Decimal("0.004")
    assert pw.saving_branca_rs == (pw.moved_kwh * Decimal("0.67444")).quantize(Decimal("0.01"), ROUND_HALF_EVEN)
    # points: 100 + 100 for the two challenges, 5 per day under the daily budget this month
    assert v.points_total == 200 + 5 * v.streak.days_under
    assert set(v.badges) >= {"fora_da_ponta", "banho_fora_da_ponta"}
    again = _status(demo_store)  # computing twice never awards twice
    assert again.value.points_total == v.points_total and again.value.new_points == 0
    keys = {s.key for s in r.trail}
    assert {"engagement.step.saving_branca", "engagement.step.branca_rates", "engagement.step.streak"} <= keys


def test_a_customer_sees_only_their_own_challenges(demo_store) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ForbiddenInstallation):
        run_tool("challenge_status", ToolContext(store=demo_store, scope=Scope.customer("40010001")), CHALLENGER, {})


def test_engagement_figures_of_the_demo(demo_store) -> None:  # type: ignore[no-untyped-def]
    ctx = ToolContext(store=demo_store, scope=Scope.operator())
    r = run_tool("engagement_figures", ctx, None, {"period": "last_30_days"})
    v = r.value
    assert v.opt_ins["outage_notices"] == 12
    assert (v.participants, v.enrolments, v.completed) == (1, 2, 2)
    assert v.ponta_share_after < v.ponta_share_before
    # the demo logged yesterday's outage notices for the 12: 12 down, 12 up; 12 x 10 % = 1,2 calls
    assert (v.outage_notices_down, v.outage_notices_up, v.outage_outages) == (12, 12, 1)
    assert v.calls_avoided_estimate == Decimal("1.2")
    assert any(i.code == "engagement.issue.calls_estimate" for i in r.issues)
    with pytest.raises(ForbiddenInstallation):
        run_tool("engagement_figures", ToolContext(store=demo_store, scope=Scope.customer(CHALLENGER)), CHALLENGER, {})


def test_the_daily_budget_comes_from_the_monthly_goal(demo_store) -> None:  # type: ignore[no-untyped-def]
    # goal_on_track (engage-a's scenario): 40010016 set R$ 100,00 per cycle
    ctx = ToolContext(store=demo_store, scope=Scope.customer("40010016"))
    p = run_tool("goal_progress", ctx, "40010016", {}).value.progress
    v = run_tool("challenge_status", ctx, "40010016", {}).value
    assert v.streak.budget_source == "goal"
    assert v.budget_kwh == (Decimal("100") / p.price_rs_kwh / p.days_total).quantize(Decimal("0.1"), ROUND_HALF_EVEN)
    from tools.data.goals import goals_in_force

    figs = run_tool("engagement_figures", ToolContext(store=demo_store, scope=Scope.operator()), None, {}).value
    # other tests may set goals on the shared demo home by chat: count what is in force now
    in_force = goals_in_force(demo_store.home)
    assert figs.goals_set == len(in_force) >= 2
    # the goals were set on (or after) the day of the last reading: no bill judged yet
    assert (figs.goals_judged, figs.goal_under_share) == (0, None)


def test_joining_a_challenge_is_the_customers_own_decision(tiny_home) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from tools.api.admin import open_store
    from tools.data.challenges import enrolments

    store = open_store(tiny_home)
    brt = dt.timezone(dt.timedelta(hours=-3))
    at = dt.datetime(2026, 11, 26, 19, 5, tzinfo=brt)
    ctx = ToolContext(store=store, scope=Scope.customer("40010001"), today=dt.date(2026, 11, 26), channel="whatsapp",
                      now=at)
    first = run_tool("join_challenge", ctx, "40010001", {}).value
    # Thursday 26/11: the challenge week is the next one, Monday 30/11 to Sunday 06/12
    assert (first.start, first.end, first.new) == (dt.date(2026, 11, 30), dt.date(2026, 12, 6), True)
    assert first.ponta_window == "18:00-21:00"  # CPFL Paulista (postos.toml)
    assert run_tool("join_challenge", ctx, "40010001", {"challenge": "shower"}).value.new is False
    assert [(e.challenge, e.start, e.channel, e.at) for e in enrolments(tiny_home, "40010001")] == [
        ("ponta_week", dt.date(2026, 11, 30), "whatsapp", at), ("shower", dt.date(2026, 11, 30), "whatsapp", at)]
    with pytest.raises(ForbiddenInstallation):  # an operator never joins for the customer
        run_tool("join_challenge", ToolContext(store=store, scope=Scope.operator(), today=dt.date(2026, 11, 26)),
                 "40010001", {})
    with pytest.raises(ForbiddenInstallation):
        run_tool("join_challenge", ctx, "40010002", {})
    store.close()
