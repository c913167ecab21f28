"""Time windows of the demo generator (outages, gaps, suspensions...) and their coverage of the
5-minute base grid. Times are epoch seconds of naive local time; windows are ``[start, end)``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from tools.demo.calendar import STEP_S, to_s
from tools.domain.calendar import is_business_day, is_tariff_holiday, next_business_day


@dataclass
class Windows:
    rows: np.ndarray
    start: np.ndarray
    end: np.ndarray

    @classmethod
    def empty(cls) -> Windows:
        return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64))

    @classmethod
    def of(cls, items: list[tuple[int, int, int]]) -> Windows:
        if not items:
            return cls.empty()
        a = np.array(sorted(items), dtype=np.int64)
        return cls(a[:, 0], a[:, 1], a[:, 2])


def coverage(win: Windows, row_map: np.ndarray, t0: int, n_steps: int, step_s: int = STEP_S) -> np.ndarray:
    """Fraction of each base step covered by the windows: ``(len(row_map), n_steps)``.

    ``row_map`` lists fleet rows of the block; windows of other rows are ignored. Windows of
    one row must not overlap (they are merged when built).
    """
    out = np.zeros((len(row_map), n_steps + 1))
    if len(win.rows) == 0 or len(row_map) == 0:
        return out[:, :n_steps]
    size = int(max(win.rows.max(), row_map.max())) + 1
    pos = np.full(size, -1, dtype=np.int64)
    pos[row_map] = np.arange(len(row_map))
    rel_s = np.clip(win.start - t0, 0, n_steps * step_s)
    rel_e = np.clip(win.end - t0, 0, n_steps * step_s)
    ok = (rel_e > rel_s) & (pos[win.rows] >= 0)
    rows = pos[win.rows[ok]]
    rel_s, rel_e = rel_s[ok], rel_e[ok]
    if len(rows) == 0:
        return out[:, :n_steps]
    k_s, k_e = rel_s // step_s, rel_e // step_s
    same = k_s == k_e
    np.add.at(out, (rows[same], k_s[same]), (rel_e[same] - rel_s[same]) / step_s)
    d = ~same
    np.add.at(out, (rows[d], k_s[d]), ((k_s[d] + 1) * step_s - rel_s[d]) / step_s)
    np.add.at(out, (rows[d], k_e[d]), (rel_e[d] - k_e[d] * step_s) / step_s)
    diff = np.zeros_like(out)
    inner = d & (k_e > k_s + 1)
    np.add.at(diff, (rows[inner], k_s[inner] + 1), 1.0)
    np.add.at(diff, (rows[inner], k_e[inner]), -1.0)
    out += np.cumsum(diff, axis=1)
    return np.asarray(np.clip(out[:, :n_steps], 0.0, 1.0))


def merge_windows(items: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(items):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def suspension_day(d: dt.date, lo: dt.date) -> dt.date | None:
    """Latest day <= d (>= lo) where a suspension is allowed: Mon-Thu, not a holiday or its eve."""
    while d >= lo:
        if d.weekday() <= 3 and not is_tariff_holiday(d) and not is_tariff_holiday(d + dt.timedelta(days=1)):
            return d
        d -= dt.timedelta(days=1)
    return None


def next_business_8h(s: int) -> int:
    """Start of the religacao count: s if on a business day 08-18 h, else next business day 08:00."""
    t = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=s)
    if is_business_day(t.date()) and 8 <= t.hour < 18:
        return s
    d = t.date() if (is_business_day(t.date()) and t.hour < 8) else next_business_day(t.date())
    return to_s(dt.datetime.combine(d, dt.time(8)))
