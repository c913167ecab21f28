"""Time grid, tariff calendar, solar geometry and shared weather for the demo fleet generator.

Everything runs on a 5-minute *base grid* in local wall-clock time (America/Sao_Paulo, no DST
since 2019). Meters with 15- or 60-minute load profiles aggregate 3 or 12 base steps.

Postos come from the reference data (``tools.reference`` postos.toml: CPFL ponta 18:00-20:59,
intermediario 17:00-17:59 and 21:00-21:59, the interim default of verification.md) and the
holiday calendar of :mod:`tools.domain.calendar`; Group A (verde/azul) uses ponta / fora de
ponta only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from tools.domain.calendar import PostoSchedule, classify_postos, tariff_holidays
from tools.reference import load_reference

STEP_S = 300  # base grid step in seconds
STEPS_PER_DAY = 288
POSTO_FORA_PONTA, POSTO_INTERMEDIARIO, POSTO_PONTA = 0, 1, 2
POSTO_NAMES = {POSTO_FORA_PONTA: "fora_ponta", POSTO_INTERMEDIARIO: "intermediario", POSTO_PONTA: "ponta"}

LATITUDE_DEG = -22.9  # Campinas
LONGITUDE_DEG = -47.06
STANDARD_MERIDIAN_DEG = -45.0  # UTC-3

#: Climatological mean daily temperature in Campinas by month (degC), drives AC and fridges.
MONTH_TEMP_C = (24.5, 24.8, 24.2, 22.5, 20.0, 18.8, 18.5, 20.3, 22.0, 23.5, 23.8, 24.3)
#: Probability of an overcast day by month (wet summer, dry winter in the Sao Paulo interior).
MONTH_CLOUDY_P = (0.45, 0.40, 0.35, 0.25, 0.20, 0.15, 0.12, 0.12, 0.20, 0.30, 0.35, 0.45)
_EPOCH = np.datetime64("1970-01-01T00:00:00", "s")


def month_chunks(start: dt.date, end: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    """Calendar months intersecting ``[start, end]`` as ``(label, first_day, last_day)``."""
    out = []
    d = start
    while d <= end:
        nxt = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
        last = min(end, nxt - dt.timedelta(days=1))
        out.append((f"{d.year:04d}-{d.month:02d}", d, last))
        d = nxt
    return out


def to_s(ts: dt.datetime | dt.date) -> int:
    """Seconds since the epoch of a naive local timestamp (the generator's time axis)."""
    if not isinstance(ts, dt.datetime):
        ts = dt.datetime.combine(ts, dt.time())
    return int((np.datetime64(ts, "s") - _EPOCH).astype(np.int64))


def from_s(s: int) -> dt.datetime:
    return dt.datetime(1970, 1, 1) + dt.timedelta(seconds=int(s))


def fmt_s(s: int) -> str:
    return from_s(s).strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class Grid:
    """Base 5-minute grid of one chunk (usually one calendar month of the period)."""

    label: str
    first: dt.date
    last: dt.date
    t0: int  # epoch seconds of the first step
    n_days: int
    day_ord: np.ndarray  # (D,) day index inside the whole generated period
    dow: np.ndarray  # (D,) 0 = Monday
    offday: np.ndarray  # (D,) weekend or national holiday
    month: np.ndarray  # (D,) 1..12
    hour: np.ndarray  # (T,) hour of day at the step centre (float)
    sun: np.ndarray  # (T,) clear-sky irradiance fraction (0 at night)
    _postos: dict[tuple[str, str], np.ndarray]
    step_s: int = STEP_S  # the scale generator also simulates on a coarser (15-minute) grid

    @property
    def steps_per_day(self) -> int:
        return 86400 // self.step_s

    def posto(self, distributor: str, group: str) -> np.ndarray:
        """(T,) POSTO_* code of each step for a distributor's schedule (group "A" or "B")."""
        key = (distributor, group)
        if key not in self._postos:
            sched = _schedule(distributor)
            days = np.repeat(
                np.arange(np.datetime64(self.first), np.datetime64(self.last) + 1), self.steps_per_day
            )
            minutes = np.tile(np.arange(self.steps_per_day) * (self.step_s // 60), self.n_days)
            names = classify_postos(days, minutes, sched, group)
            code = {v: k for k, v in POSTO_NAMES.items()}
            self._postos[key] = np.array([code[x] for x in names], dtype=np.int8)
        return self._postos[key]

    @property
    def n(self) -> int:
        return self.n_days * self.steps_per_day

    def per_step(self, daily: np.ndarray) -> np.ndarray:
        return np.repeat(daily, self.steps_per_day, axis=-1)

    def steps(self, seconds: int) -> int:
        """Number of steps of this grid in ``seconds`` (a smoothing window, a run length)."""
        return max(1, seconds // self.step_s)


def make_grid(label: str, first: dt.date, last: dt.date, period_start: dt.date, step_s: int = STEP_S) -> Grid:
    """The chunk's grid: 5-minute base steps, or ``step_s`` (a divisor of a day) for the scale
    generator's coarse simulation of meters whose output needs no 5-minute detail."""
    spd = 86400 // step_s
    n_days = (last - first).days + 1
    days = [first + dt.timedelta(days=i) for i in range(n_days)]
    hol: set[dt.date] = set()
    for y in {first.year, last.year}:
        hol |= tariff_holidays(y)
    dow = np.array([d.weekday() for d in days])
    offday = np.array([d.weekday() >= 5 or d in hol for d in days])
    month = np.array([d.month for d in days])
    doy = np.array([d.timetuple().tm_yday for d in days])
    hour_day = (np.arange(spd) * step_s + step_s / 2) / 3600.0
    hour = np.tile(hour_day, n_days)
    return Grid(
        label=label,
        first=first,
        last=last,
        t0=to_s(first),
        n_days=n_days,
        day_ord=np.arange(n_days) + (first - period_start).days,
        dow=dow,
        offday=offday,
        month=month,
        hour=hour,
        sun=_clear_sky(np.repeat(doy, spd), hour),
        _postos={},
        step_s=step_s,
    )


def _schedule(distributor: str) -> PostoSchedule:
    postos = load_reference().postos
    return postos.get(distributor) or postos["CPFL_PAULISTA"]


def _clear_sky(doy: np.ndarray, hour: np.ndarray) -> np.ndarray:
    """Clear-sky global irradiance on a latitude-tilted north-facing roof, as a fraction of 1 kW/m2."""
    b = 2 * np.pi * (doy - 81) / 364.0
    eot_min = 9.87 * np.sin(2 * b) - 7.53 * np.cos(b) - 1.5 * np.sin(b)
    solar_h = hour + (4 * (LONGITUDE_DEG - STANDARD_MERIDIAN_DEG) + eot_min) / 60.0
    omega = np.radians(15.0 * (solar_h - 12.0))
    decl = np.radians(23.45) * np.sin(2 * np.pi * (284 + doy) / 365.0)
    lat = np.radians(LATITUDE_DEG)
    sin_el = np.sin(lat) * np.sin(decl) + np.cos(lat) * np.cos(decl) * np.cos(omega)
    sin_el = np.clip(sin_el, 0.0, None)
    # tilt gain: a roof tilted at the latitude gains most in winter (low sun in the north)
    tilt_gain = 1.0 + 0.12 * np.cos(2 * np.pi * (doy - 172) / 365.0)
    return np.asarray(np.where(sin_el > 0.02, 1.05 * sin_el**1.15 * tilt_gain, 0.0))


@dataclass
class Weather:
    """Daily weather shared by the whole fleet (one region): cloudiness and temperature."""

    cloud: np.ndarray  # (days,) daily clearness factor 0.15..1
    temp_c: np.ndarray  # (days,) daily mean temperature
    seed: int

    def intraday_cloud(self, grid: Grid) -> np.ndarray:
        """Per-step clearness for the chunk: daily factor times smoothed intraday variability."""
        rng = np.random.default_rng([self.seed, 900, int(grid.day_ord[0])])
        daily = self.cloud[grid.day_ord]
        k = grid.steps(3600)
        noise = rng.random(grid.n + k - 1)
        kernel = np.ones(k) / float(k)
        smooth = np.convolve(noise, kernel, mode="valid")[: grid.n]  # ~1 h correlation
        spread = grid.per_step(np.where(daily > 0.87, 0.08, 0.7))  # clear days are steady
        level = grid.per_step(daily)
        return np.asarray(np.clip(level * (1 - spread / 2 + spread * smooth), 0.05, 1.05))


def make_weather(seed: int, start: dt.date, n_days: int) -> Weather:
    rng = np.random.default_rng([seed, 901])
    months = np.array([(start + dt.timedelta(days=i)).month for i in range(n_days)])
    p_cloudy = np.array(MONTH_CLOUDY_P)[months - 1]
    u = rng.random(n_days)
    kind = np.where(u < p_cloudy, 0, np.where(u < p_cloudy + 0.3, 1, 2))
    lo = np.array([0.15, 0.55, 0.88])[kind]
    hi = np.array([0.50, 0.85, 1.00])[kind]
    cloud = lo + (hi - lo) * rng.random(n_days)
    anomaly = np.zeros(n_days)
    eps = rng.normal(0.0, 1.2, n_days)
    for i in range(1, n_days):  # AR(1) over days (a few hundred iterations)
        anomaly[i] = 0.7 * anomaly[i - 1] + eps[i]
    temp = np.array(MONTH_TEMP_C)[months - 1] + anomaly - 1.5 * (kind == 0)
    return Weather(cloud=cloud, temp_c=temp, seed=seed)
