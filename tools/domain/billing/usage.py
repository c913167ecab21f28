"""From interval data to billing quantities per cycle and posto (pure, pandas).

Input is a table of 15-minute slots as the data layer aggregates them:
``day`` (date), ``slot`` (minute of day of the slot start, multiple of 15), ``import_wh``,
``export_wh``, ``q1_varh``, ``q4_varh`` (sums over the slot) and ``readings`` (number of
interval readings in the slot). A row may also stand for a whole hour (``slot`` its first minute,
sums over the hour): it then carries ``peak_wh``, the largest 15-minute slot sum of ``import_wh``
in it, from which the demand is taken (without that column a row's ``import_wh`` is its slot's).
Energy sums stay integers (Wh) until they become :class:`decimal.Decimal` kWh at the boundary.

References
----------
REN 1.000/2021 art. 284 (billing from the meter's memoria de massa), art. 2 XIII (demand
integrated over 15 minutes), arts. 302-304 (hourly power factor, reactive excess).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from tools.domain.billing.model import Usage
from tools.domain.calendar import BillingCycle, PostoSchedule, classify_postos

ZERO = Decimal(0)
SLOT_COLUMNS = ("day", "slot", "import_wh", "export_wh", "q1_varh", "q4_varh", "readings")


@dataclass(frozen=True, slots=True)
class CycleUsage:
    """Usage of one cycle, with its data coverage (fraction of expected readings)."""

    cycle: BillingCycle
    usage: Usage
    readings: int
    expected_readings: int

    @property
    def coverage(self) -> float:
        return self.readings / self.expected_readings if self.expected_readings else 0.0


def split_register_delta(interval_kwh: Mapping[str, Decimal], register_kwh: Decimal) -> dict[str, Decimal]:
    """The cycle's register delta [kWh] split by posto in the proportion of the interval data.

    Billing reads the cumulative registers (REN 1.000 art. 284; regulation.md 1.4): a missing
    interval lowers the intervals' sum, never the register. The intervals only say how the
    energy divides between postos; the last posto takes the remainder so the parts add up to
    the register exactly. Without any interval energy, it all goes to fora de ponta (or total).
    """
    keys = [k for k, v in interval_kwh.items()]
    total = sum(interval_kwh.values(), ZERO)
    if total <= 0 or not keys:
        key = "total" if "total" in interval_kwh else "fora_ponta"
        return {k: (register_kwh if k == key else ZERO) for k in [*keys, key]}
    out: dict[str, Decimal] = {}
    for k in keys[:-1]:
        out[k] = interval_kwh[k] * register_kwh / total
    out[keys[-1]] = register_kwh - sum(out.values(), ZERO)
    return out


def _wh_to_kwh(wh: float | int) -> Decimal:
    return Decimal(int(round(float(wh)))) / 1000


def with_postos(slots: pd.DataFrame, schedule: PostoSchedule | None, group: str = "B") -> pd.DataFrame:
    """Add a ``posto`` column (all ``fora_ponta`` when the schedule is unknown)."""
    out = slots.copy()
    if out.empty:
        out["posto"] = pd.Series(dtype=object)
        return out
    if schedule is None:
        out["posto"] = "fora_ponta"
    else:
        out["posto"] = _posto_names(out, schedule, group)
    return out


def _posto_names(slots: pd.DataFrame, schedule: PostoSchedule | None, group: str) -> np.ndarray:
    """Posto of each slot (object array of names), as :func:`with_postos` assigns them."""
    if schedule is None:
        return np.full(len(slots), "fora_ponta", dtype=object)
    days = pd.to_datetime(slots["day"]).to_numpy(dtype="datetime64[D]")
    return classify_postos(days, slots["slot"].to_numpy(), schedule, group)


def _expected_per_day(interval_min: int) -> int:
    return 1440 // max(int(interval_min), 1)


def cycle_usages(
    slots: pd.DataFrame,
    cycles: Sequence[BillingCycle],
    schedule: PostoSchedule | None,
    *,
    group: str = "B",
    interval_min: int = 15,
    fp_reference: float = 0.92,
    capacitive_window: tuple[int, int] = (0, 360),
    end_cap: dt.date | None = None,
) -> list[CycleUsage]:
    """Energy per posto (and Group A demand/UFER) of each cycle.

    ``end_cap`` limits data to days ``<= end_cap`` (a cycle in progress); expected readings
    are then counted up to that day.
    """
    names = _posto_names(slots, schedule, group) if not slots.empty else None
    if names is None or not _exact_sums(slots, names, group):
        return _cycle_usages_frame(
            with_postos(slots, schedule, group),
            cycles,
            group=group,
            interval_min=interval_min,
            fp_reference=fp_reference,
            capacitive_window=capacitive_window,
            end_cap=end_cap,
        )
    # numpy over all cycles at once; the sums are of integer values, so exact in any order
    df = slots
    day = np.asarray(pd.to_datetime(df["day"]).to_numpy().astype("datetime64[D]").view("int64"))
    first_seen, names_seen = pd.factorize(names)
    order = np.argsort(np.asarray(names_seen, dtype=object))  # the sorted order of a groupby
    postos = np.asarray(names_seen, dtype=object)[order]
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    code = rank[first_seen]
    k = len(postos)
    imp = df["import_wh"].to_numpy()
    exp = df["export_wh"].to_numpy()
    readings_col = df["readings"].to_numpy()
    if group == "A":
        kw_all = slot_kw(df, interval_min)
        # hourly sums for the UFER: an hour lies in one day, so each cycle is a run of hours
        hour_key = day * 24 + (df["slot"].to_numpy() // 60).astype(int)
        hours, (h_ea, h_q1, h_q4) = _sums_by_key(
            hour_key, imp, df["q1_varh"].to_numpy(), df["q4_varh"].to_numpy()
        )
        hour_day = hours // 24
    per_day = _expected_per_day(interval_min)
    out: list[CycleUsage] = []
    for c in cycles:
        last = min(c.end, end_cap) if end_cap else c.end
        days = (last - c.start).days + 1 if last >= c.start else 0
        kwh: dict[str, Decimal] = {}
        inj: dict[str, Decimal] = {}
        demand: dict[str, Decimal] = {}
        ufer = ZERO
        readings = 0
        sel = (day >= (c.start - _EPOCH).days) & (day <= (last - _EPOCH).days)
        if sel.any():
            cm = code[sel]
            present = np.flatnonzero(np.bincount(cm, minlength=k))
            s_imp = _sum_by(cm, imp[sel], k)
            s_exp = _sum_by(cm, exp[sel], k)
            for j in present:
                kwh[str(postos[j])] = _wh_to_kwh(s_imp[j])
                inj[str(postos[j])] = _wh_to_kwh(s_exp[j])
            readings = int(readings_col[sel].sum())
            if group == "A":
                peak = np.full(k, -np.inf)
                np.maximum.at(peak, cm, kw_all[sel])
                demand = {str(postos[j]): Decimal(repr(round(float(peak[j]), 6))) for j in present}
                a, b = np.searchsorted(hour_day, [(c.start - _EPOCH).days, (last - _EPOCH).days + 1])
                ufer = _ufer(
                    hours[a:b] % 24, h_ea[a:b], h_q1[a:b], h_q4[a:b], fp_reference, capacitive_window
                )
        out.append(
            CycleUsage(
                cycle=c,
                usage=Usage(kwh=kwh, injected=inj, demand_kw=demand, ufer_kwh=ufer),
                readings=readings,
                expected_readings=days * per_day,
            )
        )
    return out


_EPOCH = dt.date(1970, 1, 1)
_EXACT_LIMIT = 2.0**52


def _exact_sums(df: pd.DataFrame, names: np.ndarray, group: str) -> bool:
    """True when the columns summed per cycle hold integers with small totals (so any summation
    order gives the same result) and the postos are names: the vectorised path applies."""
    cols = ["import_wh", "export_wh", "readings"] + (["q1_varh", "q4_varh"] if group == "A" else [])
    for name in cols:
        v = df[name].to_numpy()
        if v.dtype.kind in "iu":
            if len(v) and float(np.abs(v.astype(float)).sum()) >= _EXACT_LIMIT:
                return False
            continue
        if v.dtype.kind != "f":
            return False
        # NaN fails the first test, an infinity the second
        if not bool((v == np.floor(v)).all()) or not float(np.abs(v).sum()) < _EXACT_LIMIT:
            return False
    return set(map(type, names)) == {str}


def _sum_by(codes: np.ndarray, values: np.ndarray, k: int) -> np.ndarray:
    acc = np.zeros(k, dtype=values.dtype if values.dtype.kind == "f" else np.int64)
    np.add.at(acc, codes, values)
    return acc


def _sums_by_key(keys: np.ndarray, *values: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    uniq, inv = np.unique(keys, return_inverse=True)
    return uniq, [_sum_by(inv, v, len(uniq)) for v in values]


def _cycle_usages_frame(
    df: pd.DataFrame,
    cycles: Sequence[BillingCycle],
    *,
    group: str,
    interval_min: int,
    fp_reference: float,
    capacitive_window: tuple[int, int],
    end_cap: dt.date | None,
) -> list[CycleUsage]:
    """:func:`cycle_usages` with pandas (general path: empty data, non-integer sums)."""
    if not df.empty:
        df["day"] = pd.to_datetime(df["day"]).dt.date
    per_day = _expected_per_day(interval_min)
    out: list[CycleUsage] = []
    for c in cycles:
        last = min(c.end, end_cap) if end_cap else c.end
        days = (last - c.start).days + 1 if last >= c.start else 0
        part = df[(df["day"] >= c.start) & (df["day"] <= last)] if not df.empty else df
        kwh: dict[str, Decimal] = {}
        inj: dict[str, Decimal] = {}
        demand: dict[str, Decimal] = {}
        ufer = ZERO
        readings = 0
        if not part.empty:
            g = part.groupby("posto")[["import_wh", "export_wh"]].sum()
            for posto, row in g.iterrows():
                kwh[str(posto)] = _wh_to_kwh(row["import_wh"])
                inj[str(posto)] = _wh_to_kwh(row["export_wh"])
            readings = int(part["readings"].sum())
            if group == "A":
                # demand: slot energy over the slot length (15 min, or the interval if longer)
                minutes = max(15, int(interval_min))
                slot_wh = part["peak_wh"] if "peak_wh" in part.columns else part["import_wh"]
                kw = slot_wh.astype(float) / 1000.0 * 60.0 / minutes
                dem = kw.groupby(part["posto"]).max()
                demand = {str(p): Decimal(repr(round(float(v), 6))) for p, v in dem.items()}
                ufer = hourly_ufer(part, fp_reference, capacitive_window)
        out.append(
            CycleUsage(
                cycle=c,
                usage=Usage(kwh=kwh, injected=inj, demand_kw=demand, ufer_kwh=ufer),
                readings=readings,
                expected_readings=days * per_day,
            )
        )
    return out


def hourly_ufer(
    part: pd.DataFrame, fp_reference: float = 0.92, capacitive_window: tuple[int, int] = (0, 360)
) -> Decimal:
    """UFER [kWh]: sum over hours of ``EA * (f_R / f_T - 1)`` where f_T < f_R.

    Inside the capacitive window only capacitive reactive (Q4) counts; outside it only
    inductive (Q1) (REN 1.000 art. 304; equation form UNCONFIRMED for REN 1.000).
    """
    if part.empty:
        return ZERO
    h = part.assign(hour=(part["slot"] // 60).astype(int))
    hourly = h.groupby(["day", "hour"])[["import_wh", "q1_varh", "q4_varh"]].sum().reset_index()
    return _ufer(
        hourly["hour"].to_numpy(),
        hourly["import_wh"].to_numpy(),
        hourly["q1_varh"].to_numpy(),
        hourly["q4_varh"].to_numpy(),
        fp_reference,
        capacitive_window,
    )


def _ufer(
    hour: np.ndarray,
    import_wh: np.ndarray,
    q1_varh: np.ndarray,
    q4_varh: np.ndarray,
    fp_reference: float,
    capacitive_window: tuple[int, int],
) -> Decimal:
    """UFER [kWh] from hourly sums (rows in (day, hour) order)."""
    minute = hour * 60
    in_cap = (minute >= capacitive_window[0]) & (minute < capacitive_window[1])
    ea = import_wh.astype(float)
    er = np.where(in_cap, q4_varh.astype(float), q1_varh.astype(float))
    with np.errstate(divide="ignore", invalid="ignore"):
        ft = ea / np.sqrt(ea**2 + er**2)
        excess = np.where((ea > 0) & (ft < fp_reference), ea * (fp_reference / ft - 1.0), 0.0)
    total_wh = float(np.nansum(excess))
    return Decimal(repr(round(total_wh / 1000.0, 6)))


def daily_readings(slots: pd.DataFrame) -> dict[dt.date, int]:
    """Readings per day."""
    if slots.empty:
        return {}
    g = slots["readings"].groupby(_day_keys(slots)).sum()
    return {d: int(v) for d, v in zip(_dates(g.index), g.to_numpy(), strict=True)}


def slot_kw(slots: pd.DataFrame, interval_min: int) -> np.ndarray:
    """Group A demand of each row [kW]: its largest 15-minute energy (``peak_wh`` of an hourly row, else
    the slot's ``import_wh``) over the slot length (15 min, or the interval if longer)."""
    peak = slots["peak_wh"].to_numpy() if "peak_wh" in slots.columns else slots["import_wh"].to_numpy()
    return np.asarray(peak, dtype=float) / 1000.0 * 60.0 / max(15, int(interval_min))


def days_over(
    slots: pd.DataFrame, interval_min: int, limit_kw: Decimal, start: dt.date | None = None, end: dt.date | None = None
) -> list[tuple[dt.date, Decimal]]:
    """The days of ``[start, end]`` (all when None) whose largest 15-minute demand passed ``limit_kw``
    (the contracted demand plus the tolerance): ``(day, kW)``, highest first."""
    if slots.empty:
        return []
    g = pd.Series(slot_kw(slots, interval_min), index=slots.index).groupby(_day_keys(slots)).max()
    days = [(d, Decimal(repr(round(float(v), 3)))) for d, v in zip(_dates(g.index), g.to_numpy(), strict=True)]
    inside = [x for x in days if (start is None or x[0] >= start) and (end is None or x[0] <= end)]
    return sorted((x for x in inside if x[1] > limit_kw), key=lambda x: (-x[1], x[0]))


def daily_kwh(slots: pd.DataFrame) -> dict[dt.date, Decimal]:
    """Imported energy [kWh] per day of the 15-minute ``slots`` (``import_wh`` summed)."""
    if slots.empty:
        return {}
    g = slots["import_wh"].groupby(_day_keys(slots)).sum()
    return {d: _wh_to_kwh(v) for d, v in zip(_dates(g.index), g.to_numpy(), strict=True)}


def _day_keys(slots: pd.DataFrame) -> pd.Series:
    """The calendar day of each row as a day number (groups like ``.dt.date``, sorted)."""
    days = pd.to_datetime(slots["day"]).to_numpy().astype("datetime64[D]").view("int64")
    return pd.Series(days, index=slots.index)


def _dates(index: pd.Index) -> list[dt.date]:
    return list(np.asarray(index, dtype="int64").astype("datetime64[D]").astype(object))


def kwh_by_posto(slots: pd.DataFrame, schedule: PostoSchedule | None, group: str = "B") -> dict[str, Decimal]:
    """Imported energy [kWh] per posto of the ``slots`` under ``schedule`` (all fora ponta when None)."""
    if slots.empty:
        return {}
    g = slots["import_wh"].groupby(_posto_names(slots, schedule, group)).sum()
    return {str(p): _wh_to_kwh(v) for p, v in g.items()}


def quantile(values: Sequence[Decimal] | Mapping[dt.date, Decimal], q: float) -> Decimal:
    """Linear-interpolated quantile (numpy's default) of Decimal values, as Decimal."""
    vals = list(values.values()) if isinstance(values, Mapping) else list(values)
    if not vals:
        return ZERO
    x = float(np.quantile(np.array([float(v) for v in vals]), q))
    return Decimal(repr(round(x, 6))) if math.isfinite(x) else ZERO
