"""Signatures in interval data: electric-shower spikes and air-conditioning blocks over the
household routine (pure)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from tools.domain.appliances.model import (
    AC_BASE_PERCENTILE,
    AC_HOURS,
    AC_MAX_CV,
    AC_MIN_EXCESS_W,
    AC_MIN_MIN,
    AC_ROUTINE_LOW_Q,
    AC_WINDOW_H,
    COOL_MONTHS,
    SHOWER_CLUSTER_MAX_MIN,
    SHOWER_CLUSTER_MAX_MIN_HOURLY,
    SHOWER_HOURS,
    SHOWER_MAX_MIN,
    SHOWER_MIN_WH,
    SPIKE_WINDOW_MIN,
)


def hot_threshold_w(interval: int) -> float:
    """Excess power above which an interval may hold a shower [W] (0.15 kWh/15 min at 15 min)."""
    if interval <= 5:
        return 2000.0
    if interval <= 15:
        return 700.0
    return 400.0


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

