"""Efficiency tips chosen by rules over the profile and the appliance breakdown (pure).

Each tip is a catalogue key (``tip.*``) with placeholders and an estimated monthly saving
range [kWh/month]; tips are ranked by the mid saving. Savings are normalised to 30 days of
readings. When an average price [R$/kWh] is known (the period's estimated cost divided by
its kWh, from the billing helper) the saving is also given in R$ — an approximation, since
the marginal price of a kWh differs from the average (custo de disponibilidade, ICMS bands).

Rules (factors are typical values, status "reference", not measured for this home; the
shower, stand-by and night tips apply to homes only):

=============================  ====================================================  ===========================
key                            fires when                                            saving (share of the load)
=============================  ====================================================  ===========================
``tip.shower.reduce_time``     shower >= 10 kWh/month                                25 % (15-35 %) of shower
``tip.shower.summer_mode``     shower >= 10 kWh/month and month in Oct-Mar           30 % (20-40 %) of shower
``tip.ac.setpoint``            air conditioning >= 15 kWh/month                      15 % (8-20 %) of AC
``tip.standby.unplug``         stand-by >= 50 W mean                                 30 % (20-40 %) of (stand-by - 20 W)
``tip.base_load.check``        base-load rise anomaly                                50-100 % of the rise
``tip.night.reduce``           night share >= 30 %, night use above the base, no GD   30 % (20-40 %) of that excess
``tip.tariff.compare_branca``  eligible, convencional, weekday 18-21 h share < 15 %  none in kWh (see compare_tariffs)
=============================  ====================================================  ===========================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tools.domain.appliances import ApplianceBreakdown
from tools.domain.consumption import kwh
from tools.domain.profile import ANOMALY_BASE_RISE, NIGHT_HOURS, ConsumptionProfile
from tools.types import Issue, Period, Step, ToolResult, TrailRef
from tools.units import d, money

HOT_MONTHS = (10, 11, 12, 1, 2, 3)
SHOWER_MIN_KWH_MONTH = 10.0
AC_MIN_KWH_MONTH = 15.0
STANDBY_MIN_W = 50.0
STANDBY_UNAVOIDABLE_W = 20.0
NIGHT_MIN_SHARE = 0.30
PONTA_HOURS = (18, 21)
BRANCA_MAX_PONTA_SHARE = 0.15
#: (low, mid, high) saving factors
FACTORS: dict[str, tuple[float, float, float]] = {
    "tip.shower.reduce_time": (0.15, 0.25, 0.35),
    "tip.shower.summer_mode": (0.20, 0.30, 0.40),
    "tip.ac.setpoint": (0.08, 0.15, 0.20),
    "tip.standby.unplug": (0.20, 0.30, 0.40),
    "tip.base_load.check": (0.50, 0.75, 1.00),
    "tip.night.reduce": (0.20, 0.30, 0.40),
    "tip.tariff.compare_branca": (0.0, 0.0, 0.0),
}
ISSUE_NO_TIPS = "consumption.issue.no_tips"
ISSUE_PRICE_AVERAGE = "consumption.issue.saving_at_average_price"
TIPS_REF = TrailRef("PROCEL dicas de economia; typical saving factors", "reference")


@dataclass(frozen=True, slots=True)
class Tip:
    key: str  # catalogue key
    appliance: str | None
    saving_kwh_month: Decimal  # mid [kWh/month]
    saving_kwh_month_low: Decimal
    saving_kwh_month_high: Decimal
    saving_brl_month: Decimal | None  # at the average price of the period [R$/month]
    placeholders: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EfficiencyTips:
    period: Period
    tips: tuple[Tip, ...]  # ranked by saving_kwh_month, largest first
    price_brl_kwh: Decimal | None  # average price used for R$ savings
    top_tip: Tip | None = None  # the first of ``tips``
    tip_count: int = 0
    is_estimate: bool = True


def _per_month(x_kwh: float, covered_days: float) -> float:
    return x_kwh * 30.0 / covered_days if covered_days > 0 else 0.0


def choose_tips(
    profile: ConsumptionProfile,
    breakdown: ApplianceBreakdown,
    *,
    modality: str = "",
    branca_eligible: bool = True,
    household: bool = True,
    price_brl_kwh: Decimal | None = None,
) -> ToolResult[EfficiencyTips]:
    """Pick and rank tips for one installation.

    Parameters
    ----------
    profile, breakdown : results of :func:`tools.domain.profile.compute_profile` and
        :func:`tools.domain.appliances.breakdown` over the same period.
    modality : tariff modality (convencional | branca | ...), for the tariff tip.
    branca_eligible : the installation may opt for the Tarifa Branca (Group B, not baixa renda /
        desconto social / iluminacao publica; REN 1.000 art. 219).
    household : a home (shower, stand-by and night tips apply only to homes).
    price_brl_kwh : average price [R$/kWh] to express savings in R$, when known.
    """
    days = breakdown.covered_days or float(profile.days_used) or 1.0
    cand: list[
        tuple[str, str | None, float, dict[str, Any]]
    ] = []  # key, appliance, base kWh/month, placeholders

    def month(name: str) -> float:
        item = breakdown.item(name)
        return _per_month(float(item.kwh_mid), days) if item is not None else 0.0

    shower = month("shower") if household else 0.0
    if shower >= SHOWER_MIN_KWH_MONTH:
        cand.append(("tip.shower.reduce_time", "shower", shower, {"shower_kwh_month": kwh(shower * 1000)}))
        if profile.period.end.month in HOT_MONTHS:
            cand.append(
                ("tip.shower.summer_mode", "shower", shower, {"shower_kwh_month": kwh(shower * 1000)})
            )
    ac = month("air_conditioning")
    if ac >= AC_MIN_KWH_MONTH:
        cand.append(("tip.ac.setpoint", "air_conditioning", ac, {"ac_kwh_month": kwh(ac * 1000)}))
    standby_w = month("standby") * 1000 / (30 * 24)
    if household and standby_w >= STANDBY_MIN_W:
        avoidable = (standby_w - STANDBY_UNAVOIDABLE_W) * 24 * 30 / 1000
        cand.append(("tip.standby.unplug", "standby", avoidable, {"standby_w": round(standby_w)}))
    for a in profile.anomalies:
        if a.code == ANOMALY_BASE_RISE:
            rise = float(a.data.get("rise_w", 0.0)) * 24 * 30 / 1000
            cand.append(
                (
                    "tip.base_load.check",
                    None,
                    rise,
                    {"rise_w": a.data.get("rise_w"), "since": a.data.get("since")},
                )
            )
    night_floor_kwh = profile.base_load_w * (NIGHT_HOURS[1] - NIGHT_HOURS[0]) / 1000 * days
    night_excess = max(0.0, float(profile.night_kwh) - night_floor_kwh)
    solar = breakdown.export_kwh > 0  # daytime import is masked: the night share is not meaningful
    if household and profile.night_share >= NIGHT_MIN_SHARE and night_excess > 0 and not solar:
        cand.append(
            (
                "tip.night.reduce",
                None,
                _per_month(night_excess, days),
                {
                    "night_share_pct": round(100 * profile.night_share, 1),
                    "night_kwh_month": kwh(_per_month(float(profile.night_kwh), days) * 1000),
                },
            )
        )
    weekday = [h.weekday_w or 0.0 for h in profile.hourly]
    ponta_share = sum(weekday[PONTA_HOURS[0] : PONTA_HOURS[1]]) / sum(weekday) if sum(weekday) else 0.0
    if branca_eligible and modality == "convencional" and 0 < ponta_share < BRANCA_MAX_PONTA_SHARE:
        cand.append(
            ("tip.tariff.compare_branca", None, 0.0, {"ponta_share_pct": round(100 * ponta_share, 1)})
        )

    tips: list[Tip] = []
    for key, appliance, base, ph in cand:
        lo, mid, hi = (base * f for f in FACTORS[key])
        brl = money(d(round(mid, 6)) * price_brl_kwh) if price_brl_kwh is not None and mid > 0 else None
        saving = kwh(mid * 1000)
        placeholders = {
            **ph,
            "saving_kwh": saving,
            "saving_kwh_low": kwh(lo * 1000),
            "saving_kwh_high": kwh(hi * 1000),
        }
        tips.append(Tip(key, appliance, saving, kwh(lo * 1000), kwh(hi * 1000), brl, placeholders))
    tips.sort(key=lambda t: (-t.saving_kwh_month, t.key))

    issues: list[Issue] = []
    if not tips:
        issues.append(Issue(ISSUE_NO_TIPS, "warning", {}))
    if price_brl_kwh is not None and any(t.saving_brl_month is not None for t in tips):
        issues.append(Issue(ISSUE_PRICE_AVERAGE, "warning", {"price_brl_kwh": price_brl_kwh}))
    steps = [
        Step(
            "consumption.step.tip",
            {
                "tip": t.key,
                "covered_days": round(days, 2),
                "factors": FACTORS[t.key],
                "price_brl_kwh": price_brl_kwh,
            },
            "load_kwh * 30 / covered_days * factor; saving_brl = saving_kwh * price_brl_kwh",
            t.saving_kwh_month,
            "kWh/month",
            (TIPS_REF,),
        )
        for t in tips
    ]
    return ToolResult(
        tool="efficiency_tips",
        value=EfficiencyTips(
            period=profile.period,
            tips=tuple(tips),
            price_brl_kwh=price_brl_kwh,
            top_tip=tips[0] if tips else None,
            tip_count=len(tips),
        ),
        units={"saving_kwh_month": "kWh/month", "saving_brl_month": "BRL/month", "price_brl_kwh": "BRL/kWh"},
        trail=tuple(steps),
        issues=tuple(issues),
    )
