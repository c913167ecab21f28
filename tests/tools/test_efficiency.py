"""efficiency_tips (pure): which rules fire, hand-worked monthly savings, ranking, R$ at the average price."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from tools.domain import appliances as appl
from tools.domain import efficiency as eff
from tools.domain import profile as prof
from tools.types import Period

PERIOD = Period(dt.date(2026, 11, 11), dt.date(2026, 11, 25))  # 15 days


def flat_frame(watts: float = 60.0, evening_w: float = 0.0) -> pd.DataFrame:
    ts = pd.date_range("2026-11-11", periods=15 * 96, freq="15min")
    w = np.full(len(ts), watts) + np.where((ts.hour >= 18) & (ts.hour < 21), evening_w, 0.0)
    return pd.DataFrame(
        {"ts": ts, "interval_min": 15, "import_wh": (w / 4).round().astype(int), "export_wh": 0}
    )


def estimate(name: str, mid: float) -> appl.ApplianceEstimate:
    return appl.ApplianceEstimate(
        name, Decimal(str(mid)), Decimal(str(mid)), Decimal(str(mid)), 0.0, 0.0, 0.0, "medium", mid > 0, 0
    )


def inputs(
    shower_kwh: float = 0.0, standby_kwh: float = 0.0, ac_kwh: float = 0.0
) -> tuple[prof.ConsumptionProfile, appl.ApplianceBreakdown]:
    df = flat_frame()
    p = prof.compute_profile(df, PERIOD).value
    b = appl.breakdown(df, PERIOD).value
    b = dataclasses.replace(
        b,
        shower=estimate("shower", shower_kwh),
        standby=estimate("standby", standby_kwh),
        air_conditioning=estimate("air_conditioning", ac_kwh),
    )
    assert b.covered_days == 15.0
    return p, b


def test_shower_tips_hand_worked_and_ranked() -> None:
    # 30 kWh of shower in 15 days = 60 kWh/month; reduce time 25 % (15-35 %), summer mode 30 % (20-40 %)
    p, b = inputs(shower_kwh=30.0)
    r = eff.choose_tips(p, b, price_brl_kwh=Decimal("0.90"))
    keys = [t.key for t in r.value.tips]
    assert keys == ["tip.shower.summer_mode", "tip.shower.reduce_time"]  # November: hot month
    summer, short = r.value.tips
    assert (short.saving_kwh_month_low, short.saving_kwh_month, short.saving_kwh_month_high) == (
        Decimal("9.000"),
        Decimal("15.000"),
        Decimal("21.000"),
    )
    assert summer.saving_kwh_month == Decimal("18.000")
    assert short.saving_brl_month == Decimal("13.50") and summer.saving_brl_month == Decimal("16.20")
    assert short.placeholders["shower_kwh_month"] == Decimal("60.000")
    assert r.value.top_tip == summer and r.value.tip_count == 2
    assert any(i.code == eff.ISSUE_PRICE_AVERAGE for i in r.issues)


def test_shower_below_10_kwh_per_month_gives_no_shower_tip() -> None:
    p, b = inputs(shower_kwh=4.5)  # 9 kWh/month
    assert not [t for t in eff.choose_tips(p, b).value.tips if t.appliance == "shower"]


def test_standby_tip_counts_only_the_avoidable_part() -> None:
    # 80 W mean stand-by: (80 - 20) W x 720 h = 43.2 kWh/month avoidable; 30 % -> 12.96
    p, b = inputs(standby_kwh=80 * 24 * 15 / 1000)
    tip = next(t for t in eff.choose_tips(p, b).value.tips if t.key == "tip.standby.unplug")
    assert tip.saving_kwh_month == Decimal("12.960")
    assert tip.placeholders["standby_w"] == 80
    assert tip.saving_brl_month is None  # no price known


def test_ac_tip() -> None:
    p, b = inputs(ac_kwh=20.0)  # 40 kWh/month; 15 % -> 6 kWh
    tip = next(t for t in eff.choose_tips(p, b).value.tips if t.key == "tip.ac.setpoint")
    assert tip.saving_kwh_month == Decimal("6.000")


def test_base_load_rise_tip_ranks_first() -> None:
    p, b = inputs(shower_kwh=30.0)
    rise = prof.Anomaly(
        prof.ANOMALY_BASE_RISE, dt.date(2026, 11, 20), {"rise_w": 120.0, "since": dt.date(2026, 11, 20)}
    )
    p = dataclasses.replace(p, anomalies=(rise,))
    tips = eff.choose_tips(p, b).value.tips
    assert tips[0].key == "tip.base_load.check"
    assert tips[0].saving_kwh_month == Decimal("64.800")  # 120 W x 720 h = 86.4 kWh x 0.75


def test_branca_hint_for_a_convencional_home_with_little_peak_use() -> None:
    p, b = inputs()
    r = eff.choose_tips(p, b, modality="convencional")
    tip = next(t for t in r.value.tips if t.key == "tip.tariff.compare_branca")
    assert tip.placeholders["ponta_share_pct"] == pytest.approx(12.5)  # 3 of 24 flat hours
    assert tip.saving_kwh_month == Decimal("0.000")
    assert eff.choose_tips(p, b, modality="branca").value.tip_count == 0


def test_household_and_branca_gates() -> None:
    p, b = inputs(shower_kwh=30.0, standby_kwh=80 * 24 * 15 / 1000)
    shop = eff.choose_tips(p, b, modality="convencional", household=False).value
    assert [t.key for t in shop.tips] == ["tip.tariff.compare_branca"]  # no shower / stand-by tips
    social = eff.choose_tips(p, b, modality="convencional", branca_eligible=False).value  # baixa renda
    assert "tip.tariff.compare_branca" not in {t.key for t in social.tips}


def test_no_tips_is_said() -> None:
    p, b = inputs()
    r = eff.choose_tips(p, b, modality="branca")
    assert r.value.tips == () and r.value.top_tip is None
    assert [i.code for i in r.issues] == [eff.ISSUE_NO_TIPS]
