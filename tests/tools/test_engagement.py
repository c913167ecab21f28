"""Engagement rules and tools: goal progress and alert timing worked by hand, the D-1 digest, the
opt-in/opt-out consent rows, scope (a goal is the customer's own write)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from tools.domain.engagement import (
    CycleProjection,
    goal_alert_due,
    goal_progress,
    savings_until_reading,
    typical_day,
)

BRT = dt.timezone(dt.timedelta(hours=-3))


def _proj(elapsed: int, to_date: str, projected: str, low: str, high: str, total: str | None = None,
          low_rs: str | None = None, high_rs: str | None = None, days: int = 30) -> CycleProjection:
    d = lambda x: Decimal(x) if x is not None else None  # noqa: E731
    return CycleProjection("2026-12", dt.date(2026, 11, 9), dt.date(2026, 12, 8), dt.date(2026, 12, 9), days, elapsed,
                           Decimal(to_date), Decimal(projected), Decimal(low), Decimal(high), d(total), d(low_rs), d(high_rs))


def test_goal_in_reais_above_worked_by_hand():
    # 15 of 30 days, 120 kWh so far, 240 kWh projected for R$ 201,60 (range R$ 184,80 - R$ 218,40).
    # average price 201,60 / 240 = 0,84 R$/kWh; spent 120 x 0,84 = R$ 100,80;
    # daily budget (180 - 100,80) / 15 = R$ 5,28 = 5,28 / 0,84 = 6,2857 -> 6,3 kWh;
    # pace (240 - 120) / 15 = 8 kWh/day x 0,84 = R$ 6,72; over by 201,60 - 180 = R$ 21,60.
    p, steps = goal_progress(Decimal("180"), "brl", _proj(15, "120", "240", "220", "260", "201.60", "184.80", "218.40"))
    assert p.status == "above"
    assert p.price_rs_kwh == Decimal("0.84")
    assert (p.spent, p.daily_budget, p.daily_budget_kwh, p.pace_per_day) == (
        Decimal("100.80"), Decimal("5.28"), Decimal("6.3"), Decimal("6.72"))
    assert (p.projected, p.projected_low, p.projected_high, p.over_by) == (
        Decimal("201.60"), Decimal("184.80"), Decimal("218.40"), Decimal("21.60"))
    assert p.days_remaining == 15 and p.share_elapsed == 0.5 and p.share_of_goal == pytest.approx(0.56)
    assert p.low_above_goal and p.high_above_goal
    assert [s.key for s in steps][:2] == ["engagement.step.average_price", "engagement.step.spent_rs"]
    assert goal_alert_due(p)  # day 15, 15 days left


def test_goal_in_kwh_on_track_worked_by_hand():
    # 10 of 30 days, 80 kWh so far, 240 projected (210-270) against 300 kWh:
    # budget (300 - 80) / 20 = 11,0 kWh/day; pace (240 - 80) / 20 = 8,0 kWh/day.
    p, _ = goal_progress(Decimal("300"), "kwh", _proj(10, "80", "240", "210", "270"))
    assert p.status == "on_track" and not goal_alert_due(p)
    assert (p.spent, p.daily_budget, p.daily_budget_kwh, p.pace_per_day, p.over_by) == (
        Decimal("80.0"), Decimal("11.0"), Decimal("11.0"), Decimal("8.0"), Decimal(0))
    assert p.price_rs_kwh is None and not p.high_above_goal


@pytest.mark.parametrize(
    ("elapsed", "days", "due"),
    [(6, 30, False),  # before the 7th day the projection rests on the last 30 days, not on this cycle
     (7, 30, True), (25, 30, True),  # 5 days left: still time to act
     (26, 30, False)],  # 4 days left: too late
)
def test_goal_alert_timing(elapsed, days, due):
    to_date = str(10 * elapsed)  # 10 kWh a day -> 300 kWh projected, against a goal of 290 kWh
    p, _ = goal_progress(Decimal("290"), "kwh", _proj(elapsed, to_date, str(10 * days), "280", "320", days=days))
    assert p.status == "above" and goal_alert_due(p) is due


def test_already_over_the_goal():
    p, _ = goal_progress(Decimal("100"), "kwh", _proj(20, "110", "165", "150", "180"))
    assert p.status == "already_over" and p.daily_budget == Decimal("0.0") and goal_alert_due(p)


def test_two_largest_savings_until_the_reading():
    # 15 days left = half a month: 30 kWh/month -> 15,0 kWh (R$ 27,00 -> R$ 13,50); 21 -> 10,5 (R$ 18,90 -> R$ 9,45)
    tips = [("tip.a", Decimal("30"), Decimal("27.00")), ("tip.b", Decimal("12"), None), ("tip.c", Decimal("21"), Decimal("18.90"))]
    got = savings_until_reading(tips, 15)
    assert [(s.tip_key, s.kwh, s.brl) for s in got] == [("tip.a", Decimal("15.0"), Decimal("13.50")),
                                                        ("tip.c", Decimal("10.5"), Decimal("9.45"))]


def test_typical_day_is_the_median_of_complete_days_before():
    y = dt.date(2026, 11, 25)
    days = [(y - dt.timedelta(days=k), Decimal(k), 1.0) for k in range(1, 29)]  # 1..28 kWh on the 28 days before
    days += [(y, Decimal(99), 1.0), (y - dt.timedelta(days=29), Decimal(99), 1.0)]  # yesterday, and a day too old
    days[0] = (days[0][0], Decimal(500), 0.5)  # 1 kWh day replaced by a partial day: left out
    # remaining 2..28 (27 days): median 15
    assert typical_day(days, y) == (Decimal("15.0"), 27)


# ------------------------------------------------------------------ tools on the demo fleet


class OpHome:
    """The demo store with the operational state of another folder (tests never share decisions)."""

    def __init__(self, store, home: Path) -> None:  # type: ignore[no-untyped-def]
        self._store, self.home = store, home

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self._store, name)


def _ctx(store, inst: str, **kw):  # type: ignore[no-untyped-def]
    from tools.api import Scope, ToolContext

    return ToolContext(store=store, scope=Scope.customer(inst), channel="whatsapp",
                       now=dt.datetime(2026, 11, 26, 10, 0, tzinfo=BRT), **kw)


def test_on_track_scenario_worked_by_hand(demo_store, tmp_path):
    """40010016, goal R$ 100,00: forecast_bill projects 93,398 kWh for R$ 81,31 (R$ 68,30 - R$ 86,03) on
    day 16 of 30 with 49,812 kWh so far. Price 81,31 / 93,398 = 0,870575 R$/kWh; spent 49,812 x 0,870575
    = R$ 43,37; budget (100 - 43,3651) / 14 = R$ 4,05 a day = 4,6 kWh."""
    from tools.api import run_tool
    from tools.demo.engagement import seed_engagement

    store = OpHome(demo_store, tmp_path)
    seed_engagement(tmp_path)
    r = run_tool("goal_progress", _ctx(store, "40010016"), "40010016", {})
    g = r.value.progress
    assert (r.value.goal, r.value.unit, r.value.alerts_on) == (Decimal("100"), "brl", True)
    assert (g.days_elapsed, g.days_total, g.projected, g.projected_low, g.projected_high) == (
        16, 30, Decimal("81.31"), Decimal("68.30"), Decimal("86.03"))
    assert (g.status, g.spent, g.daily_budget, g.daily_budget_kwh) == ("on_track", Decimal("43.37"), Decimal("4.05"), Decimal("4.6"))
    assert not goal_alert_due(g) and r.value.savings == ()
    for today in (dt.date(2026, 11, 17) + dt.timedelta(days=k) for k in range(9)):  # days 7 to 15: never due
        g = run_tool("goal_progress", _ctx(store, "40010016", today=today), "40010016", {}).value.progress
        assert g.status == "on_track" and g.projected_high < Decimal("100") and not goal_alert_due(g)


def test_week3_scenario_crosses_the_goal_on_day_17(demo_store, tmp_path):
    """40010049, goal R$ 190,00, cycle from 09/11 (30 days). kWh so far, from the daily sums of the
    lake, and the projection kWh + pace x days left, by hand; the R$ of each day is forecast_bill's.
    The alert is due first on 26/11 (day 17, third week): R$ 191,13 > R$ 190,00, 13 days left."""
    from tools.api import run_tool
    from tools.demo.engagement import seed_engagement

    store = OpHome(demo_store, tmp_path)
    seed_engagement(tmp_path)
    daily = dict(demo_store.rows("SELECT day, import_wh FROM usage_daily WHERE installation_id = '40010049' "
                                 "AND day BETWEEN DATE '2026-11-09' AND DATE '2026-11-25'"))
    first_due = None
    for today in (dt.date(2026, 11, 16) + dt.timedelta(days=k) for k in range(11)):  # days 7 to 17
        elapsed = (today - dt.date(2026, 11, 9)).days
        wh = sum(v for d, v in daily.items() if d < today)
        by_hand = Decimal(wh) / 1000 * (1 + Decimal(30 - elapsed) / elapsed)  # kWh + kWh/elapsed x days left
        r = run_tool("goal_progress", _ctx(store, "40010049", today=today), "40010049", {})
        g = r.value.progress
        assert g.days_elapsed == elapsed
        kwh_step = next(s for s in r.trail if s.key == "billing.step.forecast_rate")
        assert abs(kwh_step.output - by_hand) < Decimal("0.001")
        if goal_alert_due(g) and first_due is None:
            first_due = (today, g)
    assert first_due is not None
    day, g = first_due
    assert day == dt.date(2026, 11, 26) and g.days_elapsed == 17 and 15 <= g.days_elapsed <= 21
    # spent 115,925 kWh x 191,13 / 204,574 = R$ 108,31; budget (190 - 108,3075) / 13 = R$ 6,28; over R$ 1,13
    assert (g.projected, g.spent, g.daily_budget, g.over_by, g.days_remaining) == (
        Decimal("191.13"), Decimal("108.31"), Decimal("6.28"), Decimal("1.13"), 13)


def test_digest_of_yesterday(demo_store, tmp_path):
    from tools.api import run_tool

    store = OpHome(demo_store, tmp_path)
    v = run_tool("daily_digest", _ctx(store, "40010049"), "40010049", {}).value
    wh = demo_store.rows("SELECT import_wh FROM usage_daily WHERE installation_id = '40010049' AND day = DATE '2026-11-25'")[0][0]
    assert v.day == dt.date(2026, 11, 25) and v.kwh == (Decimal(wh) / 1000).quantize(Decimal("0.1"))
    before = sorted(Decimal(r[0]) / 1000 for r in demo_store.rows(
        "SELECT import_wh FROM usage_daily WHERE installation_id = '40010049' AND day BETWEEN DATE '2026-10-28' "
        "AND DATE '2026-11-24' AND minutes >= 1296"))  # 90 % of 1440 minutes
    mid = len(before) // 2
    median = before[mid] if len(before) % 2 else (before[mid - 1] + before[mid]) / 2
    assert v.typical_days == len(before) == 28 and v.typical_kwh == median.quantize(Decimal("0.1"))
    assert v.cost_rs is not None and v.similar_kwh is not None and 0 <= (v.peak_hour or 0) <= 23 and v.tip_key


def test_subscription_rows_and_scope(demo_store, tmp_path):
    from tools.api import Scope, ToolContext, run_tool
    from tools.data.consent import consent_history, has_consent
    from tools.errors import ForbiddenInstallation

    store = OpHome(demo_store, tmp_path)
    v = run_tool("message_subscription", _ctx(store, "40010003"), "40010003", {"action": "subscribe", "hour": 22}).value
    assert (v.hour, v.hour_adjusted, v.purposes) == (20, True, ("daily_digest",))  # quiet hours from 21h
    run_tool("set_goal", _ctx(store, "40010003"), "40010003", {"amount": "150", "unit": "brl"})
    stop = run_tool("message_subscription", _ctx(store, "40010003"), "40010003", {"action": "stop_all"}).value
    assert set(stop.purposes) == {"daily_digest", "goal_alerts"} and not has_consent(tmp_path, "40010003", "daily_digest")
    back = run_tool("message_subscription", _ctx(store, "40010003"), "40010003", {"action": "resume"}).value
    assert set(back.purposes) == {"daily_digest", "goal_alerts"}
    hist = consent_history(tmp_path, "40010003")
    assert [(c.purpose, c.granted, c.channel) for c in hist][:2] == [("daily_digest", True, "whatsapp"), ("goal_alerts", True, "whatsapp")]
    assert next(c for c in reversed(hist) if c.purpose == "daily_digest").details == {"hour": 20, "via": "resume"}
    assert all(c.at == dt.datetime(2026, 11, 26, 10, 0, tzinfo=BRT) for c in hist)
    with pytest.raises(ForbiddenInstallation):  # another customer's installation
        run_tool("set_goal", _ctx(store, "40010003"), "40010004", {"amount": "150"})
    with pytest.raises(ForbiddenInstallation):  # an operator never decides for the customer
        run_tool("set_goal", ToolContext(store=store, scope=Scope.operator()), "40010003", {"amount": "150"})


def test_goal_rows_daily_budget_and_outcomes(tmp_path):
    from tools.data.goals import (
        clear_goal,
        current_goal,
        daily_budget,
        goal_outcomes,
        goals_in_force,
        set_goal,
    )
    from tools.data.notices import claim_notice

    set_goal(tmp_path, "40010001", "kwh", Decimal("310"), "web", dt.datetime(2026, 10, 20, 9, 0, tzinfo=BRT))
    set_goal(tmp_path, "40010002", "brl", Decimal("180"), "whatsapp", dt.datetime(2026, 11, 3, 9, 0, tzinfo=BRT))
    set_goal(tmp_path, "40010003", "kwh", Decimal("200"), "whatsapp", dt.datetime(2026, 11, 4, 9, 0, tzinfo=BRT))
    clear_goal(tmp_path, "40010003", "whatsapp", dt.datetime(2026, 11, 20, 9, 0, tzinfo=BRT))
    assert current_goal(tmp_path, "40010003") is None
    assert [g.installation_id for g in goals_in_force(tmp_path)] == ["40010001", "40010002"]
    assert daily_budget(tmp_path, "40010001", dt.date(2026, 11, 1)) == Decimal("310") / 30  # November: 30 days
    assert daily_budget(tmp_path, "40010001", dt.date(2026, 10, 1)) is None  # set on 20/10: not yet in force
    assert daily_budget(tmp_path, "40010002", dt.date(2026, 12, 1)) is None  # R$: kWh depend on the tariff
    claim_notice(tmp_path, "40010002", "goal_alert", "goal:2026-12", "whatsapp", dt.datetime(2026, 11, 18, 8, 0, tzinfo=BRT))
    assert goal_outcomes(tmp_path, dt.date(2026, 11, 1), dt.date(2026, 11, 30)) == (2, 1)  # 0002 alerted, 0003 not


def test_the_same_goal_said_again_is_not_a_new_row(tmp_path):
    from tools.data.goals import set_goal
    from tools.data.opstate import opstate_for

    at = dt.datetime(2026, 11, 20, 9, 0, tzinfo=BRT)
    first = set_goal(tmp_path, "40010001", "brl", Decimal("180"), "web", at)
    again = set_goal(tmp_path, "40010001", "brl", Decimal("180.00"), "whatsapp", at + dt.timedelta(days=1))
    assert again == first
    set_goal(tmp_path, "40010001", "kwh", Decimal("180"), "web", at)
    assert opstate_for(tmp_path).query("SELECT count(*) AS n FROM goals")[0]["n"] == 2
