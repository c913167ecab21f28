"""The appliance breakdown of a period: ranged estimates per category and their trail (pure)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from tools.domain.appliances.detect import detect_ac, detect_showers, routine_profile
from tools.domain.appliances.grid import regular_grid
from tools.domain.appliances.model import (
    AC_BAND,
    AC_MIN_EXCESS_W,
    AC_MIN_MIN,
    BASE_PERCENTILE,
    COOL_MONTHS,
    FRIDGE_SHARE_ABOVE_FLOOR,
    FRIDGE_W,
    HEURISTIC_REF,
    ISSUE_AC_NO_REFERENCE,
    ISSUE_COARSE,
    ISSUE_HOURLY,
    ISSUE_NOT_A_HOME,
    ISSUE_OTHER_CLIPPED,
    ISSUE_SOLAR_MASK,
    MAX_INTERVAL_MIN,
    MIN_DAYS,
    NIGHT_HOURS,
    RIPPLE_MIN_W,
    SHOWER_BAND,
    SHOWER_MAX_MIN,
    SHOWER_MIN_WH,
    ApplianceBreakdown,
    ApplianceEstimate,
    Confidence,
    _band,
)
from tools.domain.consumption import kwh, prepare
from tools.domain.sufficiency import Thresholds, assess_intervals, require
from tools.errors import InsufficientData, NoData
from tools.types import Issue, Period, Step, ToolResult, to_jsonable


def _item(
    name: str,
    low: float,
    mid: float,
    high: float,
    total_wh: float,
    confidence: Confidence,
    detected: bool,
    events: int = 0,
    direction: str = "import",
) -> ApplianceEstimate:
    def share(x: float) -> float:
        return round(x / total_wh, 4) if total_wh > 0 and direction == "import" else 0.0

    return ApplianceEstimate(
        appliance=name,
        kwh_low=kwh(low),
        kwh_mid=kwh(mid),
        kwh_high=kwh(high),
        share_low=share(low),
        share_mid=share(mid),
        share_high=share(high),
        confidence=confidence,
        detected=detected,
        events=events,
        direction=direction,
        is_estimate=confidence != "measured",
    )


def breakdown(
    intervals: pd.DataFrame,
    period: Period,
    *,
    appliance: str | None = None,
    has_gd: bool = False,
    household: bool = True,
    reference: pd.DataFrame | None = None,
    thresholds: Thresholds | None = None,
    sql: Mapping[str, str] | None = None,
) -> ToolResult[ApplianceBreakdown]:
    """Estimate the appliance breakdown of one installation's imported energy in ``period``.

    ``reference`` are readings of a cool-season month of the same installation (no air
    conditioning expected), used as the household routine for the AC estimate. For a
    ``household=False`` installation (shop, office, industry) no shower or household
    refrigerator is estimated: the always-on floor is reported whole as ``standby``.

    Raises
    ------
    NoData : no readings in the period.
    InsufficientData : fewer than 7 days (or the whole period when shorter) with >= 75 %
        readings, or readings coarser than 60 min.
    """
    sql = dict(sql or {})
    df = prepare(intervals, period)
    th = thresholds or Thresholds(min_days=min(MIN_DAYS, period.days))
    suff = assess_intervals(
        df["ts"],
        df["interval_min"],
        period.start_ts(),
        period.end_ts_exclusive(),
        quality=df["quality"],
        thresholds=th,
    )
    if suff.intervals == 0:
        raise NoData("no readings in period", start=period.start.isoformat(), end=period.end.isoformat())
    require(suff, tool="appliance_breakdown")
    issues: list[Issue] = list(suff.issues)
    grid, step = regular_grid(df)
    if step > MAX_INTERVAL_MIN:
        raise InsufficientData(
            "interval too coarse",
            issues=[to_jsonable(Issue(ISSUE_COARSE, "disqualifying", {"interval_min": step}))],
        )
    low_conf: Confidence = "low" if step >= 60 else "medium"
    if step >= 60:
        issues.append(Issue(ISSUE_HOURLY, "warning", {"interval_min": step}))

    total_wh = float(df["import_wh"].sum())
    export_wh = float(df["export_wh"].sum())
    # always-on loads are visible only while the import is not masked by solar generation:
    # quarter-hours with export are left out of their hours (their energy came from the panels)
    masked_min = float(df.loc[df["export_wh"] > 0, "interval_min"].sum())
    hours_cov = max(0.0, suff.covered_minutes - masked_min) / 60.0
    if household:
        shower_slot_wh, showers = detect_showers(grid, step)
    else:  # no electric showers or household refrigerators in shops, offices and industries
        shower_slot_wh, showers = np.zeros(len(grid)), 0
        issues.append(Issue(ISSUE_NOT_A_HOME, "warning", {}))
    routine = None
    if reference is not None and len(reference):
        ref_grid, ref_step = regular_grid(prepare(reference))
        if ref_step == step and len(ref_grid) >= MIN_DAYS * 1440 // step:
            routine = routine_profile(ref_grid, step)
    if routine is None and not set(grid["ts"].dt.month.unique()) <= set(COOL_MONTHS):
        issues.append(Issue(ISSUE_AC_NO_REFERENCE, "warning", {}))
    ac_slot_wh, blocks = detect_ac(grid, step, shower_slot_wh, routine)
    # night statistics on the residual power (detected shower / AC removed)
    residual = grid["power_w"] - (shower_slot_wh + ac_slot_wh) * 60.0 / step
    hours_of = grid["ts"].dt.hour
    night = residual[(hours_of >= NIGHT_HOURS[0]) & (hours_of < NIGHT_HOURS[1])].dropna()
    floor_w = float(np.percentile(night, BASE_PERCENTILE)) if len(night) else 0.0
    night_mean = float(night.mean()) if len(night) else 0.0
    ripple = float(night.quantile(0.75) - night.quantile(0.25)) if len(night) else 0.0

    f_low = min(FRIDGE_W[0], 0.5 * night_mean)
    f_high = min(FRIDGE_W[2], night_mean)
    f_mid = min(max(FRIDGE_W[1], f_low), f_high)
    above_floor = max(0.0, night_mean - floor_w)  # night power above the floor (cycling, night use)
    in_floor = f_mid - min(FRIDGE_SHARE_ABOVE_FLOOR * f_mid, above_floor)
    s_low = max(0.0, floor_w - f_high)
    s_mid = max(0.0, floor_w - in_floor)
    s_high = max(s_mid, floor_w - FRIDGE_SHARE_ABOVE_FLOOR * f_low)
    if not household:
        f_low = f_mid = f_high = 0.0
        s_low = s_mid = s_high = floor_w

    sh_mid = float(shower_slot_wh.sum())
    sh_lo, sh_hi = _band(SHOWER_BAND, step)
    ac_mid = float(ac_slot_wh.sum())
    ac_lo, ac_hi = _band(AC_BAND, step)

    named = {
        "standby": (s_low * hours_cov, s_mid * hours_cov, s_high * hours_cov),
        "refrigeration": (f_low * hours_cov, f_mid * hours_cov, f_high * hours_cov),
        "shower": (sh_mid * (1 - sh_lo), sh_mid, sh_mid * (1 + sh_hi)),
        "air_conditioning": (ac_mid * (1 - ac_lo), ac_mid, ac_mid * (1 + ac_hi)),
    }
    mids = sum(v[1] for v in named.values())
    if mids > total_wh > 0:  # more attributed than measured: scale the mids down
        factor = total_wh / mids
        named = {k: (lo * factor, mid * factor, hi * factor) for k, (lo, mid, hi) in named.items()}
        issues.append(Issue(ISSUE_OTHER_CLIPPED, "warning", {"factor_pct": round(100 * factor, 1)}))
    other_mid = max(0.0, total_wh - sum(v[1] for v in named.values()))
    other_low = max(0.0, total_wh - sum(v[2] for v in named.values()))
    other_high = max(0.0, total_wh - sum(v[0] for v in named.values()))

    items = [
        _item("standby", *named["standby"], total_wh, low_conf, floor_w > 0),
        _item(
            "refrigeration", *named["refrigeration"], total_wh, "low", step <= 15 and ripple >= RIPPLE_MIN_W
        ),
        _item("shower", *named["shower"], total_wh, low_conf, showers > 0, showers),
        _item("air_conditioning", *named["air_conditioning"], total_wh, low_conf, blocks > 0, blocks),
    ]
    if export_wh > 0 or has_gd:
        items.append(
            _item(
                "solar_export",
                export_wh,
                export_wh,
                export_wh,
                total_wh,
                "measured",
                export_wh > 0,
                0,
                "export",
            )
        )
        issues.append(Issue(ISSUE_SOLAR_MASK, "warning", {"export_kwh": kwh(export_wh)}))
    items.append(_item("other", other_low, other_mid, other_high, total_wh, "low", True))
    by_name = {i.appliance: i for i in items}
    ranked = [i for i in items if i.direction == "import" and i.appliance != "other"]
    top = max(ranked, key=lambda i: i.kwh_mid).appliance if total_wh > 0 else None

    steps = _steps(
        sql,
        suff.covered_minutes,
        step,
        total_wh,
        floor_w,
        night_mean,
        ripple,
        showers,
        sh_mid,
        blocks,
        ac_mid,
        items,
        routine is not None,
        hours_cov,
    )
    value = ApplianceBreakdown(
        period=period,
        interval_min=step,
        total_kwh=kwh(total_wh),
        export_kwh=kwh(export_wh),
        items=tuple(items),
        top_appliance=top,
        requested=appliance,
        covered_days=round(suff.covered_minutes / 1440, 4),
        standby=by_name["standby"],
        refrigeration=by_name["refrigeration"],
        shower=by_name["shower"],
        air_conditioning=by_name["air_conditioning"],
        other=by_name["other"],
        solar_export=by_name.get("solar_export"),
    )
    return ToolResult(
        tool="appliance_breakdown",
        value=value,
        units={
            "kwh_low": "kWh",
            "kwh_mid": "kWh",
            "kwh_high": "kWh",
            "share_mid": "fraction",
            "total_kwh": "kWh",
        },
        trail=tuple(steps),
        issues=tuple(issues),
    )


def _steps(
    sql: Mapping[str, str],
    covered_minutes: int,
    step: int,
    total_wh: float,
    floor_w: float,
    night_mean: float,
    ripple: float,
    showers: int,
    sh_mid: float,
    blocks: int,
    ac_mid: float,
    items: list[ApplianceEstimate],
    has_reference: bool,
    always_on_hours: float,
) -> list[Step]:
    ref = (HEURISTIC_REF,)
    hours = round(covered_minutes / 60.0, 2)
    by = {i.appliance: i for i in items}
    out = [
        Step(
            "consumption.step.breakdown_input",
            {"interval_min": step, "covered_hours": hours, "total_wh": int(total_wh)},
            "sum(import_wh) / 1000",
            kwh(total_wh),
            "kWh",
            sql=sql.get("intervals", ""),
        ),
        Step(
            "consumption.step.standby",
            {
                "floor_w": round(floor_w, 1),
                "always_on_hours": round(always_on_hours, 2),
                "fridge_share_above_floor": FRIDGE_SHARE_ABOVE_FLOOR,
            },
            "(floor_w - (fridge_mid_w - min(0.5 * fridge_mid_w, night_mean_w - floor_w))) * always_on_hours / 1000; "
            "floor_w = P10(night power 00-05h, detected shower and AC removed)",
            by["standby"].kwh_mid,
            "kWh",
            ref,
        ),
        Step(
            "consumption.step.refrigeration",
            {
                "night_mean_w": round(night_mean, 1),
                "night_ripple_w": round(ripple, 1),
                "fridge_low_w": FRIDGE_W[0],
                "fridge_high_w": FRIDGE_W[2],
            },
            "clip(typical fridge mean power, <= night_mean_w) * always_on_hours / 1000",
            by["refrigeration"].kwh_mid,
            "kWh",
            ref,
        ),
        Step(
            "consumption.step.shower",
            {
                "events": showers,
                "excess_wh": round(sh_mid),
                "min_event_wh": SHOWER_MIN_WH,
                "max_minutes": SHOWER_MAX_MIN,
            },
            "sum(power - rolling_median_2h15) over spikes <= 30 min (or <= 2 h at >= 2 kW mean), >= 0.3 kWh, "
            "starting 05-12h or 14-24h",
            by["shower"].kwh_mid,
            "kWh",
            ref,
        ),
        Step(
            "consumption.step.air_conditioning",
            {
                "blocks": blocks,
                "excess_wh": round(ac_mid),
                "min_excess_w": AC_MIN_EXCESS_W,
                "min_minutes": AC_MIN_MIN,
                "cool_reference": has_reference,
            },
            "sum(power - P20_24h - routine(hour)) over steady blocks >= 2 h of >= 500 W, 12-06h, not Jun-Aug",
            by["air_conditioning"].kwh_mid,
            "kWh",
            ref,
            sql.get("reference", ""),
        ),
        Step(
            "consumption.step.other",
            {"total_wh": int(total_wh)},
            "total - standby - refrigeration - shower - air_conditioning",
            by["other"].kwh_mid,
            "kWh",
        ),
    ]
    return out

