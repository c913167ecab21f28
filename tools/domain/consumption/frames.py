"""Interval readings prepared for the consumption figures: validated integer columns, the period's
rows, and exact sums by day (pure)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd

from tools.domain.consumption.model import (
    DailyPoint,
    MonthKwh,
    kwh,
)
from tools.types import Period


def _empty_prepared() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ts": pd.Series([], dtype="datetime64[us]"),
            "interval_min": pd.Series([], dtype="int64"),
            "import_wh": pd.Series([], dtype="int64"),
            "export_wh": pd.Series([], dtype="int64"),
            "quality": pd.Series([], dtype="int64"),
            "power_w": pd.Series([], dtype="float64"),
        }
    )


def _prepare_frame(intervals: pd.DataFrame, period: Period | None = None) -> pd.DataFrame:
    """:func:`prepare` with pandas frame operations (general path: NaT stamps, odd columns)."""
    df = intervals.copy()
    df["ts"] = pd.to_datetime(df["ts"])
    if "import_wh" in df:  # a row without active energy is not a reading (it must not count as covered)
        df = df[df["import_wh"].notna()]
    for col in ("import_wh", "export_wh", "interval_min"):
        if col not in df:
            df[col] = 0 if col != "interval_min" else 15
        df[col] = pd.to_numeric(df[col]).fillna(0).astype("int64")
    if "quality" not in df:
        df["quality"] = 0
    df["quality"] = pd.to_numeric(df["quality"]).fillna(0).astype("int64")
    if period is not None:
        df = df[
            (df["ts"] >= pd.Timestamp(period.start_ts()))
            & (df["ts"] < pd.Timestamp(period.end_ts_exclusive()))
        ]
    df = df.drop_duplicates("ts").sort_values("ts").reset_index(drop=True)
    df["power_w"] = df["import_wh"] * 60.0 / df["interval_min"].clip(lower=1)
    return df


def _as_int64(col: pd.Series) -> np.ndarray:
    """``pd.to_numeric(col).fillna(0).astype("int64")`` as an array (shortcuts for integer columns)."""
    dtype = col.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        return col.to_numpy().astype(np.int64, copy=False)
    if isinstance(dtype, pd.api.extensions.ExtensionDtype) and pd.api.types.is_integer_dtype(dtype):
        return col.to_numpy(dtype="int64", na_value=0)
    return np.asarray(pd.to_numeric(col).fillna(0).astype("int64").to_numpy())


def prepare(intervals: pd.DataFrame, period: Period | None = None) -> pd.DataFrame:
    """Normalise an interval frame: types, one row per ``ts``, inside ``period``, power [W].

    Rows whose ``import_wh`` is missing are dropped (they do not count as coverage); a missing
    ``export_wh`` is 0. The first row of a repeated ``ts`` is kept; rows are sorted by ``ts``.
    """
    if intervals.empty:
        return _empty_prepared()
    if not intervals.columns.is_unique:
        return _prepare_frame(intervals, period)
    ts = pd.to_datetime(intervals["ts"])
    stamps = ts.to_numpy()
    if stamps.dtype.kind != "M" or bool(np.isnat(stamps).any()):
        return _prepare_frame(intervals, period)
    n = len(stamps)
    keep = np.array(intervals["import_wh"].notna()) if "import_wh" in intervals else np.ones(n, bool)
    if period is not None:
        keep &= stamps >= pd.Timestamp(period.start_ts()).as_unit("us").to_datetime64()
        keep &= stamps < pd.Timestamp(period.end_ts_exclusive()).as_unit("us").to_datetime64()
    pos = np.flatnonzero(keep)
    t = stamps[pos]
    if len(t) > 1 and not bool((t[1:] > t[:-1]).all()):  # first row of each ts, sorted by ts
        _, first = np.unique(t, return_index=True)
        pos = pos[first]
    ints = {
        "import_wh": 0,
        "export_wh": 0,
        "interval_min": 15,
    }
    out: dict[str, object] = {}
    for name in intervals.columns:
        if name == "ts":
            out[name] = ts.take(pos).reset_index(drop=True)
        elif name in ints or name == "quality":
            out[name] = _as_int64(intervals[name])[pos]
        else:
            out[name] = intervals[name].take(pos).reset_index(drop=True)
    for name, default in ints.items():
        if name not in out:
            out[name] = np.full(len(pos), default, dtype="int64")
    if "quality" not in out:
        out["quality"] = np.zeros(len(pos), dtype="int64")
    imp = out["import_wh"]
    iv = out["interval_min"]
    assert isinstance(imp, np.ndarray) and isinstance(iv, np.ndarray)
    out["power_w"] = imp * 60.0 / np.maximum(iv, 1)
    return pd.DataFrame(out)


_EPOCH = dt.date(1970, 1, 1)


def day_numbers(ts: pd.Series) -> np.ndarray:
    """Calendar day of each timestamp as days since 1970-01-01 (int64)."""
    return np.asarray(pd.to_datetime(ts).to_numpy().astype("datetime64[D]").view("int64"))


def sums_by_key(keys: np.ndarray, *values: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Sorted distinct ``keys`` and the sums of each of ``values`` per key (exact for integers)."""
    uniq, inv = np.unique(keys, return_inverse=True)
    out = []
    for v in values:
        acc = np.zeros(len(uniq), dtype=v.dtype if v.dtype.kind == "f" else np.int64)
        np.add.at(acc, inv, v)
        out.append(acc)
    return uniq, out


def daily_points(df: pd.DataFrame, period: Period) -> tuple[DailyPoint, ...]:
    """One point per calendar day of ``period`` (days without readings have coverage 0)."""
    days, (imp, exp, minutes) = sums_by_key(
        day_numbers(df["ts"]),
        df["import_wh"].to_numpy(),
        df["export_wh"].to_numpy(),
        df["interval_min"].to_numpy(),
    )
    at = {int(k): i for i, k in enumerate(days)}
    out = []
    first = (period.start - _EPOCH).days
    for i in range(period.days):
        day = period.start + dt.timedelta(days=i)
        j = at.get(first + i)
        if j is not None:
            out.append(DailyPoint(day, kwh(imp[j]), kwh(exp[j]), round(min(1.0, minutes[j] / 1440), 4)))
        else:
            out.append(DailyPoint(day, Decimal("0.000"), Decimal("0.000"), 0.0))
    return tuple(out)



def month_totals(daily: tuple[DailyPoint, ...]) -> tuple[MonthKwh, ...]:
    """The calendar months of a daily series: kWh of their days in the series, the share of the
    whole month's minutes that was read (a month cut by the period counts its missing days as
    unread) and whether all its days are in the series."""
    months: dict[dt.date, tuple[Decimal, float, int]] = {}
    for p in daily:
        key = p.day.replace(day=1)
        total, covered, n = months.get(key, (Decimal("0.000"), 0.0, 0))
        months[key] = (total + p.kwh, covered + p.coverage, n + 1)
    out = []
    for key, (total, covered, n) in months.items():
        days_in_month = ((key + dt.timedelta(days=32)).replace(day=1) - key).days
        out.append(MonthKwh(key, total, round(covered / days_in_month, 4), n == days_in_month))
    return tuple(out)
