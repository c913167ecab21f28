"""Fleet-wide schedules of the demo generator: outages, suspensions, tamper, silence, gaps,
phase problems, and the events/alarms they produce (codes from ``schema.event_catalogue``).

All times are epoch seconds of naive local time (``demo_calendar.to_s``). Windows are
half-open ``[start, end)``. Rows are positions in ``Fleet.inst``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tools.data import schema
from tools.demo.calendar import fmt_s, to_s
from tools.demo.fleet import Fleet
from tools.demo.windows import Windows, merge_windows, next_business_8h, suspension_day
from tools.domain.calendar import is_business_day

DAY_S = 86400
HOUR_S = 3600


@dataclass
class Schedule:
    outages: Windows
    suspensions: Windows
    phase_loss: Windows
    gaps: Windows
    demand_peaks: Windows
    tamper: dict[int, tuple[int, float]]
    silent: dict[int, int]
    vacant: dict[int, int]
    sag: dict[int, int]
    events: pd.DataFrame  # row, ts_s, code, value
    meta: dict[str, Any] = field(default_factory=dict)


class _Builder:
    def __init__(self, fleet: Fleet, seed: int, start: dt.date, end: dt.date) -> None:
        self.f, self.seed, self.start, self.end = fleet, seed, start, end
        self.ps, self.pe = to_s(start), to_s(end + dt.timedelta(days=1))
        self.span_days = (end - start).days + 1
        self.months = self.span_days / 30.44
        self.inst = fleet.inst
        self.row_of = {str(i): k for k, i in enumerate(self.inst["installation_id"])}
        self.role_rows: dict[str, list[int]] = {}
        for k, role in enumerate(self.inst["role"]):
            self.role_rows.setdefault(str(role), []).append(k)
        self.ev: list[tuple[int, int, int, float]] = []
        self.meta: dict[str, Any] = {}

    def at(self, day: dt.date, hh: int, mm: int, ss: int = 0) -> int:
        return to_s(dt.datetime.combine(day, dt.time(hh, mm, ss)))

    def in_period(self, s: int, e: int | None = None) -> bool:
        return self.ps <= s and (e if e is not None else s) < self.pe

    def rows(self, role: str) -> list[int]:
        return self.role_rows.get(role, [])

    # ------------------------------------------------------------------ outages
    def outages(self) -> Windows:
        feeders = self.f.feeders
        f_win: dict[int, list[tuple[int, int]]] = {int(f): [] for f in feeders["feeder_no"]}
        kinds: dict[tuple[int, int], str] = {}
        span = self.pe - self.ps
        for f in f_win:
            rng = np.random.default_rng([self.seed, 700, f])
            for _ in range(rng.poisson(0.5 * self.months)):
                s = self.ps + int(rng.integers(0, span - 8 * HOUR_S))
                f_win[f].append((s, s + int(60 * np.clip(rng.lognormal(np.log(80), 0.7), 5, 360))))
            for _ in range(rng.poisson(0.7 * self.months)):
                s = self.ps + int(rng.integers(0, span - HOUR_S))
                f_win[f].append((s, s + int(rng.integers(20, 170))))
        long_f = 1 if len(f_win) > 1 else 0
        demo_f = int(self.inst["feeder_no"].iloc[0])
        end_month = dt.date(self.end.year, self.end.month, 1)
        dic = []
        targets: list[dt.date] = []
        for back in (2, 5):
            m = end_month
            for _ in range(back):
                m = (m - dt.timedelta(days=1)).replace(day=1)
            if m.replace(day=8) < self.start:  # short periods: the month before the last one
                m = (end_month - dt.timedelta(days=1)).replace(day=1)
            if m.replace(day=8) >= self.start and m.replace(day=20) <= self.end and m not in targets:
                targets.append(m)
        for m in targets:
            designed = [
                (self.at(m.replace(day=8), 13, 10), 5 * HOUR_S + 20 * 60),
                (self.at(m.replace(day=19), 16, 40), 3 * HOUR_S + 50 * 60),
            ]
            for s, dur in designed:
                f_win[long_f].append((s, s + dur))
            dic.append(
                {
                    "feeder_id": feeders["feeder_id"].iloc[long_f],
                    "month": f"{m:%Y-%m}",
                    "designed_hours": round(sum(d for _, d in designed) / HOUR_S, 2),
                }
            )
        short = []
        for days_back, hh, mm, ss, dur in ((3, 10, 15, 20, 95), (10, 15, 2, 10, 150)):
            s = self.at(self.end - dt.timedelta(days=days_back), hh, mm, ss)
            if self.in_period(s):
                f_win[demo_f].append((s, s + dur))
                short.append(
                    {
                        "feeder_id": feeders["feeder_id"].iloc[demo_f],
                        "start": fmt_s(s),
                        "end": fmt_s(s + dur),
                        "duration_s": dur,
                    }
                )
        s_y = self.at(self.end, 19, 42)
        f_win[demo_f].append((s_y, s_y + 48 * 60))
        t_win: dict[int, list[tuple[int, int]]] = {}
        for t in range(len(self.f.transformers)):
            rng = np.random.default_rng([self.seed, 710, t])
            t_win[t] = []
            for _ in range(rng.poisson(0.12 * self.months)):
                s = self.ps + int(rng.integers(0, span - 10 * HOUR_S))
                t_win[t].append((s, s + int(60 * np.clip(rng.lognormal(np.log(120), 0.5), 10, 480))))
        listing = []
        for f, wins in f_win.items():
            f_win[f] = merge_windows([(s, min(e, self.pe - 60)) for s, e in wins if s < self.pe - 120])
            for s, e in f_win[f]:
                kinds[(f, s)] = "short" if e - s < schema.INTERRUPTION_MIN_MINUTES * 60 else "long"
                listing.append(
                    {
                        "level": "feeder",
                        "id": feeders["feeder_id"].iloc[f],
                        "start": fmt_s(s),
                        "end": fmt_s(e),
                        "duration_min": round((e - s) / 60, 2),
                        "kind": kinds[(f, s)],
                    }
                )
        for t, wins in t_win.items():
            t_win[t] = merge_windows([(s, min(e, self.pe - 60)) for s, e in wins])
            for s, e in t_win[t]:
                listing.append(
                    {
                        "level": "transformer",
                        "id": self.f.transformers["transformer_id"].iloc[t],
                        "start": fmt_s(s),
                        "end": fmt_s(e),
                        "duration_min": round((e - s) / 60, 2),
                        "kind": "long",
                    }
                )
        items: list[tuple[int, int, int]] = []
        for row, (f, t, idx) in enumerate(
            zip(self.inst["feeder_no"], self.inst["transformer_no"], self.inst["idx"], strict=True)
        ):
            wins = list(f_win[int(f)]) + (t_win[int(t)] if t >= 0 else [])
            rng = np.random.default_rng([self.seed, 720, int(idx)])
            for s, e in merge_windows(wins):
                s2, e2 = s + int(rng.integers(0, 20)), e + int(rng.integers(0, 30))
                items.append((row, s2, e2))
                self.ev += [
                    (row, s2, schema.EVENT_POWER_DOWN, np.nan),
                    (row, s2, schema.ALARM_LAST_GASP, np.nan),
                    (row, e2, schema.EVENT_POWER_UP, np.nan),
                ]
        merged: list[tuple[int, int, int]] = []
        for row, s, e in sorted(items):  # jitter may make neighbours touch: merge per row
            if merged and merged[-1][0] == row and s <= merged[-1][2]:
                merged[-1] = (row, merged[-1][1], max(e, merged[-1][2]))
            else:
                merged.append((row, s, e))
        self.meta.update(
            long_outage_feeder=feeders["feeder_id"].iloc[long_f],
            dic_exceeded=dic,
            short_outages=short,
            yesterday_outage={
                "feeder_id": feeders["feeder_id"].iloc[demo_f],
                "start": fmt_s(s_y),
                "end": fmt_s(s_y + 48 * 60),
            },
            outages=sorted(listing, key=lambda x: (x["start"], x["id"])),
        )
        return Windows.of(merged)

    # ------------------------------------------------------------------ customer scenarios
    def suspensions(self) -> Windows:
        plan = (
            (40, (9, 40), (11, 35), 4 * HOUR_S + 10 * 60),
            (25, (14, 5), None, 30 * HOUR_S + 15 * 60),
            (12, (10, 30), (19, 5), None),
        )
        items, meta = [], []
        for row, (back, cut, pay, delay) in zip(self.rows("suspension"), plan, strict=False):
            want = 3 if back == 12 else None
            d = suspension_day(self.end - dt.timedelta(days=back), self.start)
            while d is not None and want is not None and d.weekday() != want:
                d = suspension_day(d - dt.timedelta(days=1), self.start)
            if d is None:
                continue
            s = self.at(d, *cut)
            p = self.at(d, *pay) if pay else self.at(d + dt.timedelta(days=1), 10, 20)
            count_from = next_business_8h(p)
            e = p + delay if delay else count_from + 23 * HOUR_S + 30 * 60
            if not self.in_period(s, e):
                continue
            items.append((row, s, e))
            self.ev += [
                (row, s, 30, np.nan),
                (row, e, 31, np.nan),
                (row, e + 2, schema.EVENT_POWER_UP, np.nan),
            ]
            meta.append(
                {
                    "installation_id": self.inst["installation_id"].iloc[row],
                    "disconnect_ts": fmt_s(s),
                    "payment_ts": fmt_s(p),
                    "count_from_ts": fmt_s(count_from),
                    "reconnect_ts": fmt_s(e),
                    "hours_after_payment": round((e - p) / HOUR_S, 2),
                    "area": self.inst["area"].iloc[row],
                }
            )
        self.meta["suspensions"] = meta
        return Windows.of(items)

    def tamper(self) -> dict[int, tuple[int, float]]:
        back = min(75, self.span_days // 2)
        plan = (((2, 13), (102,), 0.45), ((14, 47), (104,), 0.5), ((23, 5), (102, 104), 0.35))
        out, meta = {}, []
        for k, row in enumerate(self.rows("tamper")[: len(plan)]):
            (hh, mm), codes, factor = plan[k]
            s = self.at(self.end - dt.timedelta(days=back - 3 * k), hh, mm)
            out[row] = (s, factor)
            for j, c in enumerate(codes):
                self.ev.append((row, s + j * 2 * DAY_S, c, np.nan))
            if k == 1:  # a repeat alarm on the last day ("tamper alarm yesterday")
                self.ev.append((row, self.at(self.end, 22, 31, 7), 104, np.nan))
            meta.append(
                {
                    "installation_id": self.inst["installation_id"].iloc[row],
                    "alarm_ts": fmt_s(s),
                    "codes": list(codes),
                    "consumption_factor": factor,
                }
            )
        self.meta["tamper"] = meta
        return out

    def silent(self) -> dict[int, int]:
        out = {}
        for row, (back, hh, mm) in zip(self.rows("silent"), ((5, 14, 35), (9, 3, 10)), strict=False):
            out[row] = max(self.ps, self.at(self.end - dt.timedelta(days=back), hh, mm))
        self.meta["silent_since"] = {self.inst["installation_id"].iloc[r]: fmt_s(s) for r, s in out.items()}
        return out

    def vacant(self) -> dict[int, int]:
        out = {
            r: max(self.ps, self.at(self.end - dt.timedelta(days=12), 0, 0))
            for r in self.rows("zero_consumption")
        }
        self.meta["zero_consumption_since"] = {
            self.inst["installation_id"].iloc[r]: fmt_s(s) for r, s in out.items()
        }
        return out

    def gaps(self) -> Windows:
        items: list[tuple[int, int, int]] = []
        span = self.pe - self.ps
        meta: dict[str, list[dict[str, Any]]] = {}
        for row, idx, role in zip(range(len(self.inst)), self.inst["idx"], self.inst["role"], strict=True):
            rng = np.random.default_rng([self.seed, 740, int(idx)])
            if role == "comm_gaps":
                n = max(2, rng.poisson(3 * self.months))
                hours = rng.uniform(2, 8, n)
            elif rng.random() < 0.05 and role in ("ordinary", "commerce_ordinary"):
                n = rng.poisson(0.5 * self.months)
                hours = rng.uniform(1, 4, n)
            else:
                continue
            starts = self.ps + rng.integers(0, span - 9 * HOUR_S, len(hours)) // 300 * 300
            wins = [(int(a), int(a + h * HOUR_S)) for a, h in zip(starts, hours, strict=True)]
            if role == "comm_gaps" and int(idx) == max(self.rows_idx("comm_gaps")):
                a = self.at(self.end - dt.timedelta(days=20), 9, 0)
                wins.append((a, a + 26 * HOUR_S))
            merged = merge_windows(wins)
            items += [(row, a, e) for a, e in merged]
            if role == "comm_gaps":
                meta[self.inst["installation_id"].iloc[row]] = [
                    {"start": fmt_s(a), "end": fmt_s(e)} for a, e in merged
                ]
                self.ev += [(row, a + 120, 106, round((e - a) / HOUR_S, 2)) for a, e in merged]
        self.meta["comm_gap_windows"] = meta
        return Windows.of(items)

    def rows_idx(self, role: str) -> list[int]:
        return [int(self.inst["idx"].iloc[r]) for r in self.rows(role)]

    def phase_problems(self) -> tuple[Windows, dict[int, int]]:
        sag = {
            r: self.at(max(self.start, self.end - dt.timedelta(days=70)), 0, 0)
            for r in self.rows("phase_sag")
        }
        items = []
        for row in self.rows("phase_loss"):
            rng = np.random.default_rng([self.seed, 750, row])
            d = self.end - dt.timedelta(days=2)
            while d >= self.start:
                s = self.at(d, int(rng.integers(0, 20)), int(rng.integers(0, 60)))
                e = s + int(rng.uniform(3, 10) * HOUR_S)
                items.append((row, s, min(e, self.pe - 60)))
                self.ev += [(row, s, 4, np.nan), (row, min(e, self.pe - 60), 6, np.nan)]
                d -= dt.timedelta(days=int(rng.integers(8, 16)))
        self.meta["phase_sag_since"] = {
            self.inst["installation_id"].iloc[r]: fmt_s(s) for r, s in sag.items()
        }
        self.meta["phase_loss_windows"] = [
            {"installation_id": self.inst["installation_id"].iloc[r], "start": fmt_s(s), "end": fmt_s(e)}
            for r, s, e in sorted(items)
        ]
        return Windows.of(items), sag

    def demand_peaks(self) -> Windows:
        items, meta = [], []
        end_month = dt.date(self.end.year, self.end.month, 1)
        m = (end_month - dt.timedelta(days=1)).replace(day=1)
        for row in self.rows("group_a_verde")[:1]:
            if m < self.start:
                m = end_month
            days = [m + dt.timedelta(days=k) for k in range(4, 28)]
            days = [d for d in days if is_business_day(d) and d <= self.end][:3]
            for d in days:
                items.append((row, self.at(d, 14, 0), self.at(d, 15, 30)))
            meta.append(
                {
                    "installation_id": self.inst["installation_id"].iloc[row],
                    "month": f"{m:%Y-%m}",
                    "contracted_kw": float(self.inst["contracted_demand_kw"].iloc[row]),
                    "days": [f"{d}" for d in days],
                    "approx_factor": 1.15,
                }
            )
        self.meta["demand_exceeded"] = meta
        return Windows.of(items)

    # ------------------------------------------------------------------ background events
    def _times(self, rng: np.random.Generator, span: int) -> Any:
        def times(rate: float) -> np.ndarray:
            return np.asarray(self.ps + rng.integers(0, span, rng.poisson(rate * self.months)))

        return times

    def background(self) -> None:
        span = self.pe - self.ps
        vendor_ev = [e.code for e in schema.event_catalogue() if e.key.startswith("vendor_event")]
        vendor_al = [e.code for e in schema.event_catalogue() if e.key.startswith("vendor_alarm")]
        fw_day = self.end - dt.timedelta(days=45)
        for row, idx, kind in zip(range(len(self.inst)), self.inst["idx"], self.inst["kind"], strict=True):
            rng = np.random.default_rng([self.seed, 760, int(idx)])
            r_v = float(self.inst["nominal_v"].iloc[row]) if kind != "group_a" else 0.0
            times = self._times(rng, span)
            for s in times(0.8):
                self.ev.append((row, int(s), 20, float(rng.choice([-1, 1]) * rng.integers(2, 40))))
            for s in times(0.05):
                self.ev.append((row, int(s), 21, np.nan))
            for s in times(0.3):
                self.ev.append(
                    (row, int(s), 14 if rng.random() < 0.7 else 15, round(float(rng.uniform(0.5, 0.88)), 2))
                )
            for s in times(0.2 if r_v else 0.0):  # brief over/under-voltage excursions (< one 10-min window)
                up = rng.random() < 0.4
                dur = int(rng.integers(60, 480))
                v = float(r_v * (rng.uniform(1.07, 1.12) if up else rng.uniform(0.8, 0.86)))
                self.ev += [
                    (row, int(s), 10 if up else 12, round(v, 1)),
                    (row, int(s) + dur, 11 if up else 13, round(r_v, 1)),
                ]
            for s in times(0.25):
                self.ev.append((row, int(s), int(rng.choice(vendor_ev)), float(rng.integers(0, 256))))
            for s in times(0.15):
                self.ev.append((row, int(s), int(rng.choice(vendor_al)), float(rng.integers(0, 256))))
            for s in times(0.02):
                self.ev.append((row, int(s), int(rng.choice([107, 108, 109, 112])), np.nan))
            if rng.random() < 0.03:
                self.ev.append((row, self.ps + int(rng.integers(0, span)), 110, np.nan))
            if kind == "group_a":
                for s in times(0.3):
                    self.ev.append((row, int(s), 111, round(float(rng.uniform(1.05, 1.3)), 2)))
            if fw_day >= self.start:
                self.ev.append((row, self.at(fw_day, 1, 0) + int(rng.integers(0, 3 * HOUR_S)), 22, 312.0))
            # billing (and demand) resets: cycle day for Group B, day 1 for Group A
            cday = 1 if kind == "group_a" else int(self.inst["cycle_day"].iloc[row])
            d = self.start.replace(day=1)
            while d <= self.end:
                s = self.at(d.replace(day=cday), 0, 0, 5)
                if self.in_period(s):
                    self.ev.append((row, s, 40, np.nan))
                    if kind == "group_a":
                        self.ev.append((row, s + 1, 41, np.nan))
                d = (d + dt.timedelta(days=32)).replace(day=1)
        self.meta["firmware_campaign_day"] = f"{fw_day}" if fw_day >= self.start else None


def build_schedule(fleet: Fleet, seed: int, start: dt.date, end: dt.date) -> Schedule:
    b = _Builder(fleet, seed, start, end)
    outages = b.outages()
    susp = b.suspensions()
    tamper = b.tamper()
    silent = b.silent()
    vacant = b.vacant()
    gaps = b.gaps()
    loss, sag = b.phase_problems()
    peaks = b.demand_peaks()
    b.background()
    ev = pd.DataFrame(b.ev, columns=["row", "ts_s", "code", "value"])
    ev = ev[(ev["ts_s"] >= b.ps) & (ev["ts_s"] < b.pe)]
    for row, since in silent.items():
        ev = ev[~((ev["row"] == row) & (ev["ts_s"] >= since))]
    ev = ev.drop_duplicates(["row", "ts_s", "code"]).reset_index(drop=True)
    return Schedule(
        outages=outages,
        suspensions=susp,
        phase_loss=loss,
        gaps=gaps,
        demand_peaks=peaks,
        tamper=tamper,
        silent=silent,
        vacant=vacant,
        sag=sag,
        events=ev,
        meta=b.meta,
    )
