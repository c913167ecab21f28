"""From interval data to billing quantities per cycle and posto (pure, pandas).

Input is a table of 15-minute slots as the data layer aggregates them:
``day`` (date), ``slot`` (minute of day of the slot start, multiple of 15), ``import_wh``,
``export_wh``, ``q1_varh``, ``q4_varh`` (sums over the slot) and ``readings`` (number of
interval readings in the slot). Energy sums stay integers (Wh) until they become
:class:`decimal.Decimal` kWh at the boundary.

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

from tools.domain.billing import Usage
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


def _wh_to_kwh(wh: float | int) -> Decimal:
    return Decimal(int(round(float(wh)))) / 1000


def with_postos(slots: pd.DataFrame, schedule: PostoSchedule | None, group: str = "B") -> pd.DataFrame:
    """Add a ``posto`` column (all ``fora_ponta`` when the schedule is unknown)."""
    out = slots.copy()
    if out.empty:
        out["posto"] = pd.Series(dtype=object)
        return out
    days = pd.to_datetime(out["day"]).to_numpy(dtype="datetime64[D]")
    if schedule is None:
        out["posto"] = "fora_ponta"
    else:
        out["posto"] = classify_postos(days, out["slot"].to_numpy(), schedule, group)
    return out


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
    df = with_postos(slots, schedule, group)
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
                kw = part["import_wh"].astype(float) / 1000.0 * 60.0 / minutes
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
    minute = hourly["hour"] * 60
    in_cap = (minute >= capacitive_window[0]) & (minute < capacitive_window[1])
    ea = hourly["import_wh"].astype(float)
    er = np.where(in_cap, hourly["q4_varh"].astype(float), hourly["q1_varh"].astype(float))
    with np.errstate(divide="ignore", invalid="ignore"):
        ft = ea / np.sqrt(ea**2 + er**2)
        excess = np.where((ea > 0) & (ft < fp_reference), ea * (fp_reference / ft - 1.0), 0.0)
    total_wh = float(np.nansum(excess))
    return Decimal(repr(round(total_wh / 1000.0, 6)))


def daily_readings(slots: pd.DataFrame) -> dict[dt.date, int]:
    """Readings per day."""
    if slots.empty:
        return {}
    g = slots.groupby(pd.to_datetime(slots["day"]).dt.date)["readings"].sum()
    return {d: int(v) for d, v in g.items()}


def daily_kwh(slots: pd.DataFrame) -> dict[dt.date, Decimal]:
    if slots.empty:
        return {}
    g = slots.groupby(pd.to_datetime(slots["day"]).dt.date)["import_wh"].sum()
    return {d: _wh_to_kwh(v) for d, v in g.items()}


def kwh_by_posto(slots: pd.DataFrame, schedule: PostoSchedule | None, group: str = "B") -> dict[str, Decimal]:
    df = with_postos(slots, schedule, group)
    if df.empty:
        return {}
    g = df.groupby("posto")["import_wh"].sum()
    return {str(p): _wh_to_kwh(v) for p, v in g.items()}


def quantile(values: Sequence[Decimal] | Mapping[dt.date, Decimal], q: float) -> Decimal:
    """Linear-interpolated quantile (numpy's default) of Decimal values, as Decimal."""
    vals = list(values.values()) if isinstance(values, Mapping) else list(values)
    if not vals:
        return ZERO
    x = float(np.quantile(np.array([float(v) for v in vals]), q))
    return Decimal(repr(round(x, 6))) if math.isfinite(x) else ZERO
