"""Consumption profile: hour-of-day and weekday/weekend shape, base load, peaks, anomalies (pure).

Definitions (all from interval readings; power of an interval = ``import_wh * 60 /
interval_min`` [W], the mean power over the interval):

* **base load** ("consumo parado"): the 10th percentile of interval power in the night
  window [00:00, 05:00) over the period [W]. It is what stays on when nobody uses anything
  (refrigerator, stand-by, router...). The percentile (not the minimum) resists single odd
  readings.
* **hourly shape**: mean power per hour of day [W], for all days, weekdays and weekends
  (Saturdays, Sundays and, when given, national holidays).
* **peak hours**: up to 3 hours of day with the highest mean power, above the overall mean; ``peak_to_base`` = highest
  hourly mean / base load (a flat profile has a low ratio).
* **night share**: share of imported energy in [00:00, 06:00) ("madrugada").
* **anomalies** (over the period plus up to 28 days of history before it):
  - ``consumption.anomaly.base_load_rise``: median nightly base of the last 5 nights is at
    least 30 % and 40 W above the median of the 28 nights before (something left on, a
    failing refrigerator seal...);
  - ``consumption.anomaly.unusual_day_high`` / ``_low``: a day whose kWh is a robust outlier
    among days of its kind (working vs weekend/holiday): |x - median| / (1.4826 * MAD) >= 3.5,
    and at least 30 % and 1.5 kWh away from the median.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from tools.domain.consumption import kwh, prepare, sums_by_key
from tools.domain.sufficiency import Thresholds, assess_intervals, require
from tools.errors import NoData
from tools.types import Issue, Period, Step, ToolResult

BASE_HOURS = (0, 5)  # base-load window [start hour, end hour)
BASE_PERCENTILE = 10.0
NIGHT_HOURS = (0, 6)  # "madrugada" for the night share
PEAK_HOURS_N = 3
MIN_PROFILE_DAYS = 3  # qualifying days (>= 75 % readings) needed for a profile
HISTORY_DAYS = 28
BASE_RECENT_NIGHTS = 5
BASE_MIN_REF_NIGHTS = 7
BASE_RISE_RATIO = 1.3
BASE_RISE_MIN_W = 40.0
UNUSUAL_Z = 3.5
UNUSUAL_MIN_REL = 0.30
UNUSUAL_MIN_KWH = 1.5
UNUSUAL_MAX = 3
MAD_TO_SIGMA = 1.4826

ANOMALY_BASE_RISE = "consumption.anomaly.base_load_rise"
ANOMALY_DAY_HIGH = "consumption.anomaly.unusual_day_high"
ANOMALY_DAY_LOW = "consumption.anomaly.unusual_day_low"
ISSUE_SHORT_HISTORY = "consumption.issue.anomaly_history_short"


@dataclass(frozen=True, slots=True)
class HourShape:
    hour: int
    mean_w: float  # all days [W]
    weekday_w: float | None
    weekend_w: float | None


@dataclass(frozen=True, slots=True)
class Anomaly:
    code: str  # catalogue key
    day: dt.date | None
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ConsumptionProfile:
    period: Period
    interval_min: int
    days_used: int  # qualifying days in the period
    hourly: tuple[HourShape, ...]
    base_load_w: float
    base_load_kwh_day: Decimal  # base load over 24 h [kWh/day]
    mean_w: float
    peak_hours: tuple[int, ...]
    peak_hour: int  # the hour of day with the highest mean power
    peak_hour_w: float
    peak_to_base: float | None
    load_factor: float  # mean / highest hourly mean
    night_kwh: Decimal
    night_share: float
    weekday_kwh_day: Decimal | None
    weekend_kwh_day: Decimal | None
    weekend_vs_weekday: float | None  # weekend per day / weekday per day - 1
    anomalies: tuple[Anomaly, ...]


_US_PER_HOUR = 3_600_000_000
_US_PER_DAY = 86_400_000_000


@dataclass(frozen=True, slots=True)
class _Readings:
    """Columns of a prepared interval frame as numpy arrays (``day`` = days since 1970-01-01)."""

    ts: np.ndarray  # the frame's datetime64 values
    us: np.ndarray  # int64 microseconds
    day: np.ndarray  # int64
    hour: np.ndarray  # int64 hour of day
    minutes: np.ndarray  # interval_min
    quality: np.ndarray
    import_wh: np.ndarray
    power: np.ndarray  # power_w

    @classmethod
    def of(cls, df: pd.DataFrame) -> _Readings:
        ts = pd.to_datetime(df["ts"]).to_numpy()
        us = ts.astype("datetime64[us]").view("int64")

        def col(name: str) -> np.ndarray:
            return df[name].to_numpy() if name in df else np.zeros(len(df), dtype="int64")

        return cls(
            ts=ts,
            us=us,
            day=us // _US_PER_DAY,
            hour=(us // _US_PER_HOUR) % 24,
            minutes=col("interval_min"),
            quality=col("quality"),
            import_wh=col("import_wh"),
            power=df["power_w"].to_numpy(dtype="float64"),
        )

    def take(self, sel: np.ndarray) -> _Readings:
        return _Readings(*(getattr(self, f)[sel] for f in self.__slots__))

    @classmethod
    def concat(cls, first: _Readings, second: _Readings) -> _Readings:
        return cls(*(np.concatenate((getattr(first, f), getattr(second, f))) for f in cls.__slots__))

    def in_hours(self, hours: tuple[int, int]) -> np.ndarray:
        return (self.hour >= hours[0]) & (self.hour < hours[1])


def _date_index(days: np.ndarray) -> pd.Index:
    """``datetime.date`` index (named ``ts``, as a groupby over ``ts.dt.date``) of day numbers."""
    return pd.Index(days.astype("datetime64[D]").astype(object), dtype=object, name="ts")


def _base_load(r: _Readings) -> float:
    night = r.power[r.in_hours(BASE_HOURS)]
    return float(np.percentile(night, BASE_PERCENTILE)) if len(night) else float("nan")


def base_load_w(df: pd.DataFrame) -> float:
    """10th percentile of interval power in [00:00, 05:00) [W] (NaN without night readings)."""
    return _base_load(_Readings.of(df))


def _nightly_base(r: _Readings, min_share: float = 0.75) -> pd.Series:
    sel = r.in_hours(BASE_HOURS)
    if not sel.any():
        return pd.Series(dtype="float64")
    days = r.day[sel]
    g = pd.Series(r.power[sel], name="power_w").groupby(days)
    base = g.quantile(BASE_PERCENTILE / 100.0)
    minutes = pd.Series(r.minutes[sel]).groupby(days).sum()
    keep = (minutes >= min_share * 60 * (BASE_HOURS[1] - BASE_HOURS[0])).to_numpy()
    out = base[keep]
    out.index = _date_index(out.index.to_numpy())
    return out


def nightly_base(df: pd.DataFrame, min_share: float = 0.75) -> pd.Series:
    """Base load per night (date of the night's 00:00) [W]; nights with few readings dropped."""
    return _nightly_base(_Readings.of(df), min_share)


def _daily_kwh(r: _Readings, min_coverage: float = 0.75) -> pd.Series:
    if len(r.day) == 0:
        return pd.Series(dtype="float64")
    days, (wh, m) = sums_by_key(r.day, r.import_wh, r.minutes)  # exact integer sums per day
    keep = m >= min_coverage * 1440
    wh, m = wh[keep], m[keep]
    return pd.Series(wh / 1000.0 * 1440 / m, index=_date_index(days[keep]), dtype="float64")


def daily_kwh(df: pd.DataFrame, min_coverage: float = 0.75) -> pd.Series:
    """Coverage-normalised kWh per day for days with at least ``min_coverage`` readings."""
    if df.empty:
        return pd.Series(dtype="float64")
    return _daily_kwh(_Readings.of(df), min_coverage)


def _off_days(day: np.ndarray, holidays: Collection[dt.date]) -> np.ndarray:
    """Weekend or holiday, per day number (1970-01-01 was a Thursday)."""
    off = (day + 3) % 7 >= 5
    hol = [h for h in holidays if type(h) is dt.date]
    if hol:
        off |= np.isin(day, np.array(hol, dtype="datetime64[D]").view("int64"))
    return off


def detect_base_rise(nightly: pd.Series, end: dt.date) -> tuple[Anomaly | None, int]:
    """Base-load rise at the end of the series; returns (anomaly, reference nights used)."""
    s = nightly[[k <= end for k in nightly.index]].sort_index()
    recent = s.iloc[-BASE_RECENT_NIGHTS:]
    ref = s.iloc[:-BASE_RECENT_NIGHTS]
    ref = ref[[k > end - dt.timedelta(days=HISTORY_DAYS + BASE_RECENT_NIGHTS) for k in ref.index]]
    if len(recent) < BASE_RECENT_NIGHTS or len(ref) < BASE_MIN_REF_NIGHTS:
        return None, len(ref)
    before, after = float(ref.median()), float(recent.median())
    if after < before * BASE_RISE_RATIO or after - before < BASE_RISE_MIN_W:
        return None, len(ref)
    level = before + 0.5 * (after - before)
    since = s.index[-1]
    for k in reversed(list(s.index)):
        if s[k] < level:
            break
        since = k
    data = {
        "before_w": round(before, 1),
        "after_w": round(after, 1),
        "rise_w": round(after - before, 1),
        "since": since,
    }
    return Anomaly(ANOMALY_BASE_RISE, since, data), len(ref)


def detect_unusual_days(
    daily: pd.Series, period: Period, holidays: Collection[dt.date] = ()
) -> tuple[Anomaly, ...]:
    """Robust outlier days inside ``period`` (median/MAD over the period plus history).

    Working days and weekend/holiday days are compared with their own kind when each kind
    has at least 7 days (a shop closed on Sundays is not "unusual" every Sunday).
    """
    if len(daily) < 7:
        return ()
    off = np.array([d.weekday() >= 5 or d in holidays for d in daily.index])
    groups = [daily[off], daily[~off]] if min(off.sum(), (~off).sum()) >= 7 else [daily]
    found = []
    for group in groups:
        med = float(group.median())
        mad = float((group - med).abs().median()) * MAD_TO_SIGMA
        if mad <= 0 or med <= 0:
            continue
        for day, value in group.items():
            if not (period.start <= day <= period.end):
                continue
            dev = float(value) - med
            z = dev / mad
            if abs(z) >= UNUSUAL_Z and abs(dev) >= UNUSUAL_MIN_REL * med and abs(dev) >= UNUSUAL_MIN_KWH:
                code = ANOMALY_DAY_HIGH if dev > 0 else ANOMALY_DAY_LOW
                data = {
                    "day": day,
                    "kwh": round(float(value), 3),
                    "typical_kwh": round(med, 3),
                    "z": round(z, 2),
                }
                found.append((abs(z), Anomaly(code, day, data)))
    found.sort(key=lambda t: -t[0])
    return tuple(a for _, a in found[:UNUSUAL_MAX])


def compute_profile(
    intervals: pd.DataFrame,
    period: Period,
    *,
    history: pd.DataFrame | None = None,
    holidays: Collection[dt.date] = (),
    thresholds: Thresholds | None = None,
    sql: Mapping[str, str] | None = None,
) -> ToolResult[ConsumptionProfile]:
    """Profile of one installation's consumption in ``period``.

    Parameters
    ----------
    intervals : readings in the period (ts, interval_min, import_wh [Wh], ...).
    history : readings of up to 28 days before the period (for anomalies), optional.
    holidays : dates counted as weekend days (national holidays, tools.domain.calendar).

    Raises
    ------
    InsufficientData : fewer than ``MIN_PROFILE_DAYS`` days (or the whole period, when shorter)
        with >= 75 % of readings.
    """
    sql = dict(sql or {})
    thresholds = thresholds or Thresholds(min_days=min(MIN_PROFILE_DAYS, period.days))
    start_us = int(np.datetime64(period.start_ts(), "us").view("int64"))
    end_us = int(np.datetime64(period.end_ts_exclusive(), "us").view("int64"))
    if history is not None and history is intervals:  # one frame for both: prepare it once
        full = _Readings.of(prepare(intervals))
        r = full.take((full.us >= start_us) & (full.us < end_us))
        both = full.take(full.us < end_us)  # the history before the period, then the period
    else:
        r = _Readings.of(prepare(intervals, period))
        hist = _Readings.of(prepare(history)) if history is not None else None
        both = _Readings.concat(hist.take(hist.us < start_us), r) if hist is not None and len(hist.us) else r
    suff = assess_intervals(
        pd.Series(r.ts),
        r.minutes,
        period.start_ts(),
        period.end_ts_exclusive(),
        quality=r.quality,
        thresholds=thresholds,
    )
    if suff.intervals == 0:
        raise NoData("no readings in period", start=period.start.isoformat(), end=period.end.isoformat())
    require(suff, tool="consumption_profile")
    issues: list[Issue] = list(suff.issues)
    steps: list[Step] = []
    values, counts = np.unique(r.minutes, return_counts=True)
    interval_min = int(values[int(np.argmax(counts))])  # the mode (the smallest of ties)

    hours = r.hour
    weekend = _off_days(r.day, set(holidays))
    weekday = ~weekend
    shape = []
    for h in range(24):
        sel = hours == h
        allw = r.power[sel]
        wd = r.power[sel & weekday]
        we = r.power[sel & weekend]
        shape.append(
            HourShape(
                h,
                round(float(allw.mean()), 1) if len(allw) else 0.0,
                round(float(wd.mean()), 1) if len(wd) else None,
                round(float(we.mean()), 1) if len(we) else None,
            )
        )
    base = _base_load(r)
    base = 0.0 if np.isnan(base) else base
    mean_w = float(r.power.mean())
    ranked = sorted(shape, key=lambda s: -s.mean_w)
    above = [s for s in ranked[:PEAK_HOURS_N] if s.mean_w > mean_w] or ranked[:1]
    peak_hours = tuple(sorted(s.hour for s in above))
    peak_w = ranked[0].mean_w
    ratio = round(peak_w / base, 2) if base > 0 else None
    steps.append(
        Step(
            "consumption.step.base_load",
            {
                "night_start_hour": BASE_HOURS[0],
                "night_end_hour": BASE_HOURS[1],
                "percentile": BASE_PERCENTILE,
            },
            "percentile(import_wh * 60 / interval_min for ts in night window, 10)",
            round(base, 1),
            "W",
            sql=sql.get("intervals", ""),
        )
    )
    steps.append(
        Step(
            "consumption.step.peak_hours",
            {"hours": list(peak_hours), "peak_hour_w": peak_w, "base_load_w": round(base, 1)},
            "top 3 hours by mean(import_wh * 60 / interval_min); peak_to_base = max hourly mean / base load",
            ratio,
            "",
        )
    )
    night_wh = int(r.import_wh[r.in_hours(NIGHT_HOURS)].sum())
    total_wh = int(r.import_wh.sum())
    night_share = round(night_wh / total_wh, 4) if total_wh else 0.0
    steps.append(
        Step(
            "consumption.step.night_share",
            {
                "night_wh": night_wh,
                "total_wh": total_wh,
                "night_start_hour": NIGHT_HOURS[0],
                "night_end_hour": NIGHT_HOURS[1],
            },
            "night_wh / total_wh",
            night_share,
            "fraction",
        )
    )

    daily = _daily_kwh(r, thresholds.day_min_coverage)
    wk = (
        _off_days(np.array(daily.index, dtype="datetime64[D]").view("int64"), set(holidays))
        if len(daily)
        else np.array([])
    )
    wd_k = float(daily[~wk].mean()) if len(daily) and (~wk).any() else None
    we_k = float(daily[wk].mean()) if len(daily) and wk.any() else None
    wvw = round(we_k / wd_k - 1.0, 4) if wd_k and we_k is not None else None
    steps.append(
        Step(
            "consumption.step.weekday_weekend",
            {
                "weekday_days": int((~wk).sum()),
                "weekend_days": int(wk.sum()),
                "weekday_kwh_day": wd_k,
                "weekend_kwh_day": we_k,
            },
            "mean(kWh/day on weekends and holidays) / mean(kWh/day on weekdays) - 1",
            wvw,
            "fraction",
        )
    )

    anomalies: list[Anomaly] = []
    rise, ref_nights = detect_base_rise(_nightly_base(both), period.end)
    if rise is not None:
        anomalies.append(rise)
    if ref_nights < BASE_MIN_REF_NIGHTS:
        issues.append(
            Issue(ISSUE_SHORT_HISTORY, "warning", {"nights": ref_nights, "min_nights": BASE_MIN_REF_NIGHTS})
        )
    anomalies.extend(
        detect_unusual_days(_daily_kwh(both, thresholds.day_min_coverage), period, set(holidays))
    )
    steps.append(
        Step(
            "consumption.step.anomalies",
            {"reference_nights": ref_nights, "history_days": HISTORY_DAYS, "found": len(anomalies)},
            "base rise: median(last 5 nightly bases) >= 1.3 * median(28 nights before) and +40 W; "
            "unusual day: |kWh - median| / (1.4826 * MAD) >= 3.5",
            [a.code for a in anomalies],
            "",
            sql=sql.get("history", ""),
        )
    )

    value = ConsumptionProfile(
        period=period,
        interval_min=interval_min,
        days_used=suff.qualifying_days,
        hourly=tuple(shape),
        base_load_w=round(base, 1),
        base_load_kwh_day=kwh(base * 24),
        mean_w=round(mean_w, 1),
        peak_hours=peak_hours,
        peak_hour=ranked[0].hour,
        peak_hour_w=peak_w,
        peak_to_base=ratio,
        load_factor=round(mean_w / peak_w, 4) if peak_w > 0 else 0.0,
        night_kwh=kwh(night_wh),
        night_share=night_share,
        weekday_kwh_day=kwh(wd_k * 1000) if wd_k is not None else None,
        weekend_kwh_day=kwh(we_k * 1000) if we_k is not None else None,
        weekend_vs_weekday=wvw,
        anomalies=tuple(anomalies),
    )
    return ToolResult(
        tool="consumption_profile",
        value=value,
        units={
            "base_load_w": "W",
            "mean_w": "W",
            "peak_hour_w": "W",
            "hourly": "W",
            "base_load_kwh_day": "kWh/day",
            "night_kwh": "kWh",
            "night_share": "fraction",
            "weekday_kwh_day": "kWh/day",
            "weekend_kwh_day": "kWh/day",
            "weekend_vs_weekday": "fraction",
            "load_factor": "fraction",
        },
        trail=tuple(steps),
        issues=tuple(issues),
    )


__all__ = [
    "Anomaly",
    "ConsumptionProfile",
    "HourShape",
    "base_load_w",
    "compute_profile",
    "daily_kwh",
    "detect_base_rise",
    "detect_unusual_days",
    "nightly_base",
]
