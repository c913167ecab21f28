"""Appliance breakdown from interval data: an honest, ranged estimate (pure).

Non-intrusive load disaggregation from 5/15-minute (or, with lower confidence, 60-minute)
net import. Every figure is a *range* (``kwh_low`` .. ``kwh_high``) with a mid value,
and the result carries ``is_estimate = True``. The categories partition the imported
energy of the period (plus the measured export of a solar installation):

``standby``
    What stays on all the time, minus the part attributed to refrigeration. The always-on
    floor is the 10th percentile of night power [00:00, 05:00) (as the profile's base load,
    but after removing the detected shower and air-conditioning energy). The refrigerator's mean power is assumed to sit inside that floor except for the
    part above it at night (at most half: compressor duty cycle ~ 40-50 %).
``refrigeration``
    Typical refrigerator/freezer consumption (25..70 W mean, i.e. 0.6..1.7 kWh/day) bounded
    by the night mean power (the refrigerator runs at night too). Interval data at 15 min
    cannot separate its cycling from stand-by reliably, so this is prior-based; the night
    ripple (P75 - P25 of night power) is reported as evidence.
``shower``
    Electric shower (4-7.5 kW): short spikes (at most 30 min) of excess power over a rolling
    median (2 h 15 min window), with at least 0.3 kWh per event, starting in [05:00, 11:00)
    or [16:00, 24:00). Range: -20 %/+30 % at 15 min (baseline, coincident loads, showers too
    short or split across intervals), -10 %/+15 % at 5 min, -40 %/+60 % at 60 min.
``air_conditioning``
    Long, steady mid-power blocks: at least 2 h (3 h with hourly data) of excess >= 500 W over
    the 24 h rolling 20th percentile and the household routine at that hour, mostly in
    [12:00, 06:00), outside June-August. The routine is the installation's own cool-season
    (July) hour-of-day profile when given; without it, the 25th percentile of the period's
    days, so a unit used on most days is missed (a warning says so). Range -30 %/+30 %
    (15 min), -50 %/+60 % (60 min).
``solar_export``
    Energy injected into the grid (measured, not an estimate). Self-consumed solar energy is
    not visible in net readings, so daytime use of a solar home is under-estimated; the
    always-on loads (stand-by, refrigeration) are counted only over intervals without export.
``other``
    The remainder: lighting, TV, cooking, washing, pumps...

All constants are heuristics with status "reference" (not calibrated on labelled Brazilian
sub-metering data) and are listed in the trail.

References
----------
Hart, G. W. (1992). Nonintrusive appliance load monitoring. Proc. IEEE 80(12).
PROCEL/Eletrobras, Pesquisa de Posse e Habitos de Uso de Equipamentos Eletricos (PPH 2019):
typical refrigerator and electric-shower consumption in Brazilian homes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

import numpy as np
import pandas as pd

from tools.domain.consumption import kwh, prepare
from tools.domain.sufficiency import Thresholds, assess_intervals, require
from tools.errors import InsufficientData, NoData
from tools.types import Issue, Period, Step, ToolResult, TrailRef, to_jsonable

APPLIANCES = ("standby", "refrigeration", "shower", "air_conditioning", "solar_export", "other")
ApplianceName = Literal["standby", "refrigeration", "shower", "air_conditioning", "solar_export", "other"]
Confidence = Literal["measured", "medium", "low"]

NIGHT_HOURS = (0, 5)
BASE_PERCENTILE = 10.0
FRIDGE_W = (25.0, 42.0, 70.0)  # low, mid, high mean power [W]
FRIDGE_SHARE_ABOVE_FLOOR = 0.5  # at most this share of the fridge's mean power lies above the night floor
RIPPLE_MIN_W = 10.0  # night P75 - P25 taken as a sign of compressor cycling (<= 15 min data)
SPIKE_WINDOW_MIN = 135
SHOWER_MAX_MIN = 30
SHOWER_CLUSTER_MAX_MIN = 120
SHOWER_CLUSTER_MAX_MIN_HOURLY = 180
SHOWER_MIN_WH = 300.0
SHOWER_HOURS = ((5, 12), (14, 24))
AC_MIN_EXCESS_W = 500.0
AC_MAX_CV = 0.5
AC_ROUTINE_LOW_Q = 0.25
AC_MIN_MIN = 120
AC_WINDOW_H = 24
AC_BASE_PERCENTILE = 0.20
AC_HOURS = (12, 6)  # wraps midnight: [12:00, 24:00) and [00:00, 06:00)
COOL_MONTHS = (6, 7, 8)
MIN_DAYS = 7
MAX_INTERVAL_MIN = 60
#: (low, high) relative uncertainty by interval length [min]
SHOWER_BAND = {5: (0.10, 0.15), 15: (0.20, 0.30), 60: (0.40, 0.60)}
AC_BAND = {5: (0.25, 0.25), 15: (0.30, 0.30), 60: (0.50, 0.60)}

ISSUE_HOURLY = "consumption.issue.hourly_low_confidence"
ISSUE_COARSE = "consumption.issue.interval_too_coarse"
ISSUE_SOLAR_MASK = "consumption.issue.solar_masks_daytime"
ISSUE_OTHER_CLIPPED = "consumption.issue.breakdown_scaled"
ISSUE_AC_NO_REFERENCE = "consumption.issue.ac_no_cool_reference"
ISSUE_NOT_A_HOME = "consumption.issue.not_a_home"
HEURISTIC_REF = TrailRef("NILM heuristics (Hart 1992; PROCEL PPH 2019 typical values)", "reference")


@dataclass(frozen=True, slots=True)
class ApplianceEstimate:
    appliance: str  # one of APPLIANCES
    kwh_low: Decimal
    kwh_mid: Decimal
    kwh_high: Decimal
    share_low: float  # of imported kWh (0 for solar_export)
    share_mid: float
    share_high: float
    confidence: str  # measured | medium | low
    detected: bool  # signature seen in the data (events, blocks, export)
    events: int  # shower uses / AC blocks found
    direction: str = "import"  # import | export
    is_estimate: bool = True


@dataclass(frozen=True, slots=True)
class ApplianceBreakdown:
    period: Period
    interval_min: int
    total_kwh: Decimal
    export_kwh: Decimal
    items: tuple[ApplianceEstimate, ...]
    top_appliance: str | None  # largest mid kWh among import items other than "other"
    requested: str | None
    covered_days: float  # days of readings behind the figures
    # the same estimates as ``items``, one field each (flat access for reply templates)
    standby: ApplianceEstimate
    refrigeration: ApplianceEstimate
    shower: ApplianceEstimate
    air_conditioning: ApplianceEstimate
    other: ApplianceEstimate
    solar_export: ApplianceEstimate | None = None
    is_estimate: bool = True

    def item(self, name: str) -> ApplianceEstimate | None:
        """The estimate of one appliance (the named field; ``None`` for absent solar export)."""
        found: ApplianceEstimate | None = getattr(self, name)
        return found


def _band(table: Mapping[int, tuple[float, float]], interval: int) -> tuple[float, float]:
    for limit in sorted(table):
        if interval <= limit:
            return table[limit]
    return table[max(table)]


def hot_threshold_w(interval: int) -> float:
    """Excess power above which an interval may hold a shower [W] (0.15 kWh/15 min at 15 min)."""
    if interval <= 5:
        return 2000.0
    if interval <= 15:
        return 700.0
    return 400.0


def _regular_grid_frame(df: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """:func:`regular_grid` with pandas (general path: empty frames, NaT stamps)."""
    step = int(df["interval_min"].max())
    g = (
        df.assign(slot=df["ts"].dt.floor(f"{step}min"))
        .groupby("slot")
        .agg(import_wh=("import_wh", "sum"), export_wh=("export_wh", "sum"), minutes=("interval_min", "sum"))
    )
    full = pd.date_range(g.index.min(), g.index.max(), freq=f"{step}min")
    g = g.reindex(full)
    g.index.name = "ts"
    g["power_w"] = g["import_wh"] * 60.0 / step
    g.loc[g["minutes"] < step, "power_w"] = np.nan  # partial slot
    return g.reset_index(), step


def regular_grid(df: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Readings on a regular grid of the coarsest interval present (missing = NaN power).

    Input: a :func:`~tools.domain.consumption.prepare`-d frame (integer ``import_wh``,
    ``export_wh``, ``interval_min``); the sums per slot are exact integers.
    """
    ts = df["ts"].to_numpy() if len(df) else None
    cols = (df["import_wh"], df["export_wh"], df["interval_min"]) if ts is not None else ()
    if (
        ts is None
        or ts.dtype.kind != "M"
        or bool(np.isnat(ts).any())
        or any(c.dtype.kind not in "iu" for c in cols)
    ):
        return _regular_grid_frame(df)
    step = int(df["interval_min"].max())
    if step <= 0:
        return _regular_grid_frame(df)
    unit = np.datetime_data(ts.dtype)[0]
    ticks = ts.view("int64")
    per_step = np.timedelta64(step, "m").astype(f"timedelta64[{unit}]").view("int64")
    slot = ticks - ticks % per_step  # floor to the step grid
    slots, inv = np.unique(slot, return_inverse=True)
    sums = []
    for c in cols:
        acc = np.zeros(len(slots), dtype=np.int64)
        np.add.at(acc, inv, c.to_numpy())
        sums.append(acc)
    pos = (slots - slots[0]) // per_step
    n = int(pos[-1]) + 1
    if n != len(slots):  # missing slots: NaN (float columns, as a reindex gives them)
        full = []
        for acc in sums:
            col = np.full(n, np.nan)
            col[pos] = acc
            full.append(col)
        sums = full
    imp, exp, minutes = sums
    power = imp * 60.0 / step
    power[minutes < step] = np.nan  # partial slot
    grid = pd.DataFrame(
        {
            "ts": (slots[0] + np.arange(n, dtype=np.int64) * per_step).view(ts.dtype),
            "import_wh": imp,
            "export_wh": exp,
            "minutes": minutes,
            "power_w": power,
        }
    )
    return grid, step


def _run_bounds(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Starts and (exclusive) ends of the runs of consecutive True values."""
    m = np.asarray(mask, dtype=bool)
    edges = np.diff(np.concatenate(([0], m.view(np.int8), [0])))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def _hour_table(lookup: Mapping[int, float] | pd.Series) -> np.ndarray:
    """``lookup.get(hour, 0.0)`` for the hours 0..23 (index it with an array of hours)."""
    return np.array([float(lookup.get(h, 0.0)) for h in range(24)])


def cluster_min_w(interval: int) -> float:
    """Mean excess power that makes a longer run a cluster of back-to-back showers [W]."""
    return 2000.0 if interval <= 15 else 1000.0


def spike_excess(grid: pd.DataFrame, step: int) -> np.ndarray:
    """Power above a local baseline [W]: rolling median, recomputed without the hot slots."""
    n_win = 7 if step >= 60 else max(3, int(round(SPIKE_WINDOW_MIN / step)) | 1)
    power = grid["power_w"]
    p = power.to_numpy(dtype="float64")
    base1 = power.rolling(n_win, center=True, min_periods=n_win // 2 + 1).median()
    hot1 = (p - base1.to_numpy()) >= hot_threshold_w(step)
    cool = pd.Series(np.where(hot1, np.nan, p), index=power.index)  # power.where(~hot1)
    base2 = cool.rolling(n_win, center=True, min_periods=2).median()
    base = base2.interpolate(limit_direction="both").fillna(base1).to_numpy()
    out = p - base
    out[np.isnan(out)] = 0.0
    return out


def detect_showers(grid: pd.DataFrame, step: int) -> tuple[np.ndarray, int]:
    """Excess energy per slot attributed to the shower [Wh] and the number of events.

    An event is a run of slots with excess >= :func:`hot_threshold_w`, starting in the
    shower hours, with at least 0.3 kWh, and either at most 30 min long (one shower) or at
    most 2 h long with a mean excess >= :func:`cluster_min_w` (back-to-back showers; an air
    conditioner does not draw 2 kW on average).
    """
    excess = spike_excess(grid, step)
    hot = excess >= hot_threshold_w(step)
    shower_wh = np.zeros(len(grid))
    events = 0
    hours = grid["ts"].dt.hour.to_numpy()
    single_max = max(SHOWER_MAX_MIN, step)
    longest = SHOWER_CLUSTER_MAX_MIN if step < 60 else SHOWER_CLUSTER_MAX_MIN_HOURLY
    starts, ends = _run_bounds(hot)
    # runs too long to be a shower or a cluster, or starting outside the shower hours, never count
    start_hour = hours[starts]
    in_hours = np.zeros(len(starts), dtype=bool)
    for lo, hi in SHOWER_HOURS:
        in_hours |= (start_hour >= lo) & (start_hour < hi)
    maybe = in_hours & ((ends - starts) * step <= max(single_max, longest))
    for a, b in zip(starts[maybe].tolist(), ends[maybe].tolist(), strict=True):
        minutes = (b - a) * step
        single = minutes <= single_max
        # a cluster (back-to-back showers) only matters for runs too long for one shower
        if not single and not (minutes <= longest and float(excess[a:b].mean()) >= cluster_min_w(step)):
            continue
        wh = excess[a:b] * step / 60.0
        if wh.sum() < SHOWER_MIN_WH:
            continue
        shower_wh[a:b] = wh
        events += 1
    return shower_wh, events


def _ac_excess(grid: pd.DataFrame, step: int, shower_wh: np.ndarray) -> np.ndarray:
    """Power above the 24 h rolling 20th percentile, showers removed [W]."""
    power = grid["power_w"].to_numpy(dtype="float64") - shower_wh * 60.0 / step
    n24 = int(AC_WINDOW_H * 60 / step)
    floor = pd.Series(power).rolling(n24, center=True, min_periods=n24 // 4).quantile(AC_BASE_PERCENTILE)
    out = power - floor.to_numpy()
    out[np.isnan(out)] = 0.0
    return out


def routine_profile(grid: pd.DataFrame, step: int) -> dict[int, float]:
    """Median excess per hour of day [W] of a cool-season reference (no air conditioning).

    Parameters
    ----------
    grid, step : output of :func:`regular_grid` for the reference readings (e.g. July).
    """
    shower_wh, _ = detect_showers(grid, step)
    excess = _ac_excess(grid, step, shower_wh)
    prof = pd.Series(excess).groupby(grid["ts"].dt.hour.to_numpy()).median().clip(lower=0.0)
    return {int(h): float(v) for h, v in prof.items()}


def detect_ac(
    grid: pd.DataFrame, step: int, shower_wh: np.ndarray, routine: Mapping[int, float] | None = None
) -> tuple[np.ndarray, int]:
    """Energy per slot attributed to air conditioning [Wh] and the number of blocks.

    Excess is measured over the 24 h rolling 20th percentile (showers removed), minus the
    household routine at that hour: the installation's own cool-season profile when given
    (``routine``, see :func:`routine_profile`), else the 25th percentile of the period's days
    at that hour (then a unit used on most days is missed). Blocks: the 3-slot mean stays
    >= 500 W for >= 2 h (3 h with hourly data), steady (coefficient of variation <= 0.5),
    mostly in [12:00, 06:00), not in June-August.
    """
    excess = _ac_excess(grid, step, shower_wh)
    hours = grid["ts"].dt.hour.to_numpy()
    months = grid["ts"].dt.month.to_numpy()
    if routine is not None:
        base = _hour_table(routine)[hours]
    else:
        prof = pd.Series(excess).groupby(hours).quantile(AC_ROUTINE_LOW_Q).clip(lower=0.0)
        base = _hour_table(prof)[hours]
    resid = excess - base
    smooth = pd.Series(resid).rolling(3, center=True, min_periods=1).mean().to_numpy() if step < 60 else resid
    in_window = (hours >= AC_HOURS[0]) | (hours < AC_HOURS[1])
    min_slots = max(3 if step >= 60 else 2, AC_MIN_MIN // step)
    ac_w = np.zeros(len(grid))
    blocks = 0
    starts, ends = _run_bounds(smooth >= AC_MIN_EXCESS_W)
    maybe = ((ends - starts) >= min_slots) & ~np.isin(months[starts], COOL_MONTHS)
    for a, b in zip(starts[maybe].tolist(), ends[maybe].tolist(), strict=True):
        seg = resid[a:b]
        steady = float(np.std(seg)) <= AC_MAX_CV * max(float(np.mean(seg)), 1.0)
        if b - a < min_slots or in_window[a:b].mean() < 0.5 or months[a] in COOL_MONTHS or not steady:
            continue
        ac_w[a:b] = np.clip(seg, 0.0, None)
        blocks += 1
    return ac_w * step / 60.0, blocks


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
