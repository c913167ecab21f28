"""Tariff calendar: holidays, postos tarifarios, reading cycles and business days (pure).

All times are local wall-clock time in America/Sao_Paulo (no DST since 2019).

Holidays
    :func:`tariff_holidays` returns the national holidays on which the whole day is *fora de
    ponta* for the hourly tariffs (Tarifa Branca, Group A verde/azul): 1 Jan, Carnival Tuesday
    (Easter - 47), Good Friday (Easter - 2), 21 Apr, 1 May, Corpus Christi (Easter + 60), 7 Sep,
    12 Oct, 2 Nov, 15 Nov, 20 Nov (since 2024) and 25 Dec. State and municipal holidays are not
    in the list.

Postos
    :func:`posto_of` classifies an instant (or, vectorised, :func:`classify_postos` a table of
    intervals) into ``ponta``, ``intermediario`` or ``fora_ponta`` with half-open windows
    ``[start, end)``. On weekends and tariff holidays every hour is fora de ponta. The
    intermediario posto exists only for Group B (Tarifa Branca); for Group A it is fora ponta.

Reading cycles
    Group B is read about every 30 days, at least 27 and at most 33 days apart. The nominal
    reading day of each month is the installation's ``cycle_day``; a reading that falls on a
    weekend or holiday moves to the next business day (distributor practice, a reference
    assumption), and the interval is then kept within [27, 33] days. A cycle covers the days
    ``[previous reading, reading)``. Group A is billed by calendar month.

Business days
    :func:`is_business_day`, :func:`next_business_day`, :func:`roll_forward` and
    :func:`add_business_days` count Monday-Friday minus the national holidays above (pass state
    or municipal holidays in ``extra``), as REN 1.000 art. 656 counting needs.

References
----------
REN 1.000/2021 art. 2 XXXVIII (postos, holiday list; 20 Nov added by REN 1.101/2024),
arts. 260 and 285 (27-33 day reading interval), art. 261/286 (Group A calendar month),
art. 656 (counting of deadlines).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import numpy as np

from tools.types import Period

Posto = Literal["ponta", "intermediario", "fora_ponta"]

_DAY = dt.timedelta(days=1)
#: local time of the distributor's customers (America/Sao_Paulo: UTC-3, no DST since 2019)
LOCAL_TZ = dt.timezone(dt.timedelta(hours=-3), "BRT")

# ----------------------------------------------------------------------------- holidays

#: Fixed-date national holidays in the REN 1.000 art. 2 XXXVIII list, with the first year
#: each applies (20 Nov: REN 1.101/2024, national holiday by Lei 14.759/2023).
FIXED_HOLIDAYS: tuple[tuple[int, int, int], ...] = (
    (1, 1, 1900),
    (4, 21, 1900),
    (5, 1, 1900),
    (9, 7, 1900),
    (10, 12, 1900),
    (11, 2, 1900),
    (11, 15, 1900),
    (11, 20, 2024),
    (12, 25, 1900),
)
#: Moveable holidays as offsets in days from Easter Sunday.
EASTER_OFFSETS: dict[str, int] = {"carnaval_tuesday": -47, "good_friday": -2, "corpus_christi": 60}


def easter(year: int) -> dt.date:
    """Easter Sunday (Gregorian computus, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ll = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ll) // 451
    month, day = divmod(h + ll - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


@lru_cache(maxsize=256)
def tariff_holidays(year: int) -> frozenset[dt.date]:
    """National holidays of ``year`` on which the whole day is fora de ponta."""
    days = {dt.date(year, m, d) for m, d, since in FIXED_HOLIDAYS if year >= since}
    e = easter(year)
    days.update(e + dt.timedelta(days=off) for off in EASTER_OFFSETS.values())
    return frozenset(days)


def tariff_holidays_between(start: dt.date, end: dt.date) -> frozenset[dt.date]:
    """The tariff holidays of every year from ``start``'s to ``end``'s (whole years)."""
    out: set[dt.date] = set()
    for year in range(start.year, end.year + 1):
        out |= tariff_holidays(year)
    return frozenset(out)


def is_tariff_holiday(d: dt.date) -> bool:
    """Whether ``d`` is a national holiday of the tariff list (REN 1.000/2021 art. 2 XXXVIII a)."""
    return d in tariff_holidays(d.year)


def is_fora_ponta_day(d: dt.date) -> bool:
    """Weekends and tariff holidays are fora de ponta all day."""
    return d.weekday() >= 5 or is_tariff_holiday(d)


# ----------------------------------------------------------------------------- business days


def is_business_day(d: dt.date, extra: Iterable[dt.date] = ()) -> bool:
    """Monday-Friday that is not a national (tariff-list) holiday nor in ``extra``."""
    return d.weekday() < 5 and not is_tariff_holiday(d) and d not in set(extra)


def next_business_day(d: dt.date, extra: Iterable[dt.date] = ()) -> dt.date:
    """First business day strictly after ``d``."""
    ex = frozenset(extra)
    n = d + _DAY
    while not is_business_day(n, ex):
        n += _DAY
    return n


def roll_forward(d: dt.date, extra: Iterable[dt.date] = ()) -> dt.date:
    """``d`` itself when it is a business day, else the next business day (REN 1.000 art. 656)."""
    ex = frozenset(extra)
    return d if is_business_day(d, ex) else next_business_day(d, ex)


def add_business_days(d: dt.date, n: int, extra: Iterable[dt.date] = ()) -> dt.date:
    """The ``n``-th business day after ``d`` (``d`` itself excluded); ``n`` >= 0."""
    ex = frozenset(extra)
    out = d
    for _ in range(n):
        out = next_business_day(out, ex)
    return out


# ----------------------------------------------------------------------------- postos


@dataclass(frozen=True, slots=True)
class PostoSchedule:
    """Posto windows of a distributor, in minutes of the day, half-open ``[start, end)``."""

    distributor: str
    ponta: tuple[tuple[int, int], ...]
    intermediario: tuple[tuple[int, int], ...] = ()
    status: str = "reference"  # confirmed | unconfirmed | reference (weakest of the windows)
    source: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    cite: str = ""  # short citation shown to people

    def window_text(self) -> dict[str, str]:
        def fmt(ws: tuple[tuple[int, int], ...]) -> str:
            return ", ".join(f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in ws)

        return {"ponta": fmt(self.ponta), "intermediario": fmt(self.intermediario)}


def _in(windows: Sequence[tuple[int, int]], minute: int) -> bool:
    return any(a <= minute < b for a, b in windows)


def posto_of(ts: dt.datetime, schedule: PostoSchedule, group: str = "B") -> Posto:
    """Posto of the instant ``ts`` (REN 1.000 art. 2 XXXVIII)."""
    if is_fora_ponta_day(ts.date()):
        return "fora_ponta"
    minute = ts.hour * 60 + ts.minute
    if _in(schedule.ponta, minute):
        return "ponta"
    if group == "B" and _in(schedule.intermediario, minute):
        return "intermediario"
    return "fora_ponta"


@lru_cache(maxsize=1024)
def fora_ponta_days(start: dt.date, end: dt.date) -> frozenset[dt.date]:
    """Weekend days and tariff holidays in ``[start, end]``."""
    out = set()
    d = start
    while d <= end:
        if is_fora_ponta_day(d):
            out.add(d)
        d += _DAY
    return frozenset(out)


def classify_postos(
    days: np.ndarray, minute_of_day: np.ndarray, schedule: PostoSchedule, group: str = "B"
) -> np.ndarray:
    """Vectorised :func:`posto_of` for interval starts.

    ``days`` are ``datetime64[D]`` (or ``datetime.date`` objects) and ``minute_of_day`` the
    interval start in minutes. Intervals are assumed not to cross a posto boundary (true for
    5/15/60-minute data and whole- or quarter-hour windows). Returns an object array of posto names.
    """
    days64 = np.asarray(days, dtype="datetime64[D]")
    minutes = np.asarray(minute_of_day, dtype=np.int64)
    out = np.full(days64.shape, "fora_ponta", dtype=object)
    if days64.size == 0:
        return out
    lo = days64.min().astype(dt.date)
    hi = days64.max().astype(dt.date)
    fp_days = np.array(sorted(fora_ponta_days(lo, hi)), dtype="datetime64[D]")
    working = ~np.isin(days64, fp_days)
    is_ponta = np.zeros(days64.shape, dtype=bool)
    for a, b in schedule.ponta:
        is_ponta |= (minutes >= a) & (minutes < b)
    out[working & is_ponta] = "ponta"
    if group == "B":
        is_int = np.zeros(days64.shape, dtype=bool)
        for a, b in schedule.intermediario:
            is_int |= (minutes >= a) & (minutes < b)
        out[working & is_int & ~is_ponta] = "intermediario"
    return out


# ----------------------------------------------------------------------------- reading cycles

MIN_CYCLE_DAYS = 27
MAX_CYCLE_DAYS = 33
_EPOCH_YEAR = 2018  # reading dates are computed forward from here so results never depend on the caller


@dataclass(frozen=True, slots=True)
class BillingCycle:
    """A reading cycle: consumption of the days ``[start, end]``, read on ``reading_date``.

    ``reading_date`` is the day after ``end``. The bill is named after the reading month
    (``label`` ``"YYYY-MM"``). For Group A, ``start``/``end`` are the calendar month.
    """

    start: dt.date
    end: dt.date
    reading_date: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    monthly: bool = False  # Group A calendar-month cycle

    @property
    def label(self) -> str:
        """Bill month: the reading month (Group B) or the month billed (Group A)."""
        d = self.start if self.monthly else self.reading_date
        return f"{d.year:04d}-{d.month:02d}"

    def period(self) -> Period:
        return Period(self.start, self.end, f"cycle:{self.label}")


def _nominal_reading(year: int, month: int, cycle_day: int) -> dt.date:
    last = (dt.date(year + (month == 12), month % 12 + 1, 1) - _DAY).day
    return dt.date(year, month, min(max(cycle_day, 1), last))


def _roll_back(d: dt.date) -> dt.date:
    while not is_business_day(d):
        d -= _DAY
    return d


@lru_cache(maxsize=64)
def _reading_dates(cycle_day: int, last_year: int) -> tuple[dt.date, ...]:
    """All reading dates from the epoch to the end of ``last_year``.

    Nominal day -> next business day; if that makes the interval longer than 33 days, the
    previous business day instead; intervals shorter than 27 days are pushed to 27 (next
    business day) and longer than 33 cut to 33.
    """
    out: list[dt.date] = []
    prev: dt.date | None = None
    for year in range(_EPOCH_YEAR, last_year + 1):
        for month in range(1, 13):
            nominal = _nominal_reading(year, month, cycle_day)
            r = roll_forward(nominal)
            if prev is not None:
                if (r - prev).days > MAX_CYCLE_DAYS:
                    r = _roll_back(nominal)
                if (r - prev).days < MIN_CYCLE_DAYS:
                    r = roll_forward(prev + dt.timedelta(days=MIN_CYCLE_DAYS))
                if (r - prev).days > MAX_CYCLE_DAYS:
                    r = prev + dt.timedelta(days=MAX_CYCLE_DAYS)
            out.append(r)
            prev = r
    return tuple(out)


def cycle_containing(cycle_day: int, day: dt.date) -> BillingCycle:
    """The cycle whose consumption days include ``day``."""
    allr = _reading_dates(int(cycle_day), day.year + 1)
    for prev, r in zip(allr, allr[1:], strict=False):
        if prev <= day < r:
            return BillingCycle(prev, r - _DAY, r)
    raise ValueError(f"no cycle for {day}")


def cycles_read_between(cycle_day: int, start: dt.date, end: dt.date) -> list[BillingCycle]:
    """Cycles whose reading date is in ``[start, end]``, oldest first."""
    allr = _reading_dates(int(cycle_day), end.year + 1)
    out = []
    for prev, r in zip(allr, allr[1:], strict=False):
        if start <= r <= end:
            out.append(BillingCycle(prev, r - _DAY, r))
    return out


def cycle_for_label(cycle_day: int, label: str) -> BillingCycle:
    """The cycle read in month ``label`` (``"YYYY-MM"``)."""
    year, month = int(label[:4]), int(label[5:7])
    first = dt.date(year, month, 1)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    cycles = cycles_read_between(cycle_day, first, nxt - _DAY)
    if not cycles:  # cannot happen with 27-33 day cycles, kept for safety
        raise ValueError(f"no reading in {label}")
    return cycles[-1]


def month_cycle(year: int, month: int) -> BillingCycle:
    """Group A: the calendar month, read on the first day of the next month."""
    start = dt.date(year, month, 1)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return BillingCycle(start, nxt - _DAY, nxt, monthly=True)
