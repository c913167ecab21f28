"""Helpers shared by the quality-area tools (:mod:`tools.api.quality`, :mod:`tools.api.fleet`,
:mod:`tools.api.deadlines`, :mod:`tools.api.export`).

The rules built from ``tools/reference/quality_limits.json`` (read by
:mod:`tools.reference.quality`), the named SQL files of ``tools/data/sql``, the PRODIST band table as SQL list parameters, and the EUSD of an
installation-month (TUSD from the billing reference).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

import pandas as pd

from tools.data.queries import quality as quality_queries
from tools.data.queries import register
from tools.data.queries.common import usage_source
from tools.data.sqlfiles import sql_file  # re-exported: deadlines and the fleet jobs read it here
from tools.data.store import Store
from tools.domain import continuity as cont
from tools.domain import quality as q
from tools.domain.periods import month_bounds
from tools.errors import TariffNotFound
from tools.reference import load_reference
from tools.reference.quality import quality_limits, quality_versions
from tools.types import Issue, Step, TrailRef
from tools.units import d

# ----------------------------------------------------------------------------- reference + SQL

#: the parsed ``quality_limits.json`` and its version for provenance (loaded by tools.reference)
reference_data = quality_limits
reference_versions = quality_versions


@cache
def voltage_rules() -> q.VoltageRules:
    return q.parse_voltage_rules(reference_data())


@cache
def continuity_rules() -> cont.ContinuityRules:
    return cont.parse_continuity_rules(reference_data())


def text(x: Any) -> str | None:
    """A register attribute as str, None for SQL NULL / NaN."""
    return None if x is None or (isinstance(x, float) and pd.isna(x)) else str(x)


def band_params(nominals: Sequence[float | int | Decimal]) -> dict[str, list[float]]:
    """Band table as SQL list parameters (``$b_nom`` ... ``$b_phi``), limits in 0.1 V."""
    rules = voltage_rules()
    out: dict[str, list[float]] = {"b_nom": [], "b_alo": [], "b_ahi": [], "b_plo": [], "b_phi": []}
    for nom in sorted({float(x) for x in nominals if x is not None and not pd.isna(x)}):
        try:  # MT nominals are Group A meters reading the VT secondary
            band = q.meter_band(nom, rules, "A")
        except ValueError:
            continue
        a_lo, a_hi, p_lo, p_hi = band.limits_dv()
        for key, val in zip(out, (nom, a_lo, a_hi, p_lo, p_hi), strict=True):
            out[key].append(val)
    return out


def band_tr(nominals: Sequence[float]) -> list[float]:
    """TR of the readings [V] for each nominal of :func:`band_params` (same order): the nominal for
    BT, the VT secondary phase-neutral for MT (Group A) meters."""
    rules = voltage_rules()
    out = []
    for nom in sorted({float(x) for x in nominals if x is not None and not pd.isna(x)}):
        try:
            out.append(float(q.meter_band(nom, rules, "A").nominal_v))
        except ValueError:
            continue
    return out


def fleet_nominals(store: Store, installation_id: str | None = None) -> list[float]:
    """The nominal voltages whose bands a query needs: the fleet's, or one installation's own."""
    return register.nominal_voltages(store, installation_id)


def voltage_params(
    store: Store,
    start: dt.datetime,
    end: dt.datetime,
    end_ext: dt.datetime,
    installation_id: str | None = None,
) -> dict[str, Any]:
    """Parameters of ``quality_voltage_sets.sql`` (one installation, or the fleet when None)."""
    rules = voltage_rules()
    noms = fleet_nominals(store)
    midnights = start.time() == dt.time() and end_ext.time() == dt.time()
    ready = getattr(store, "voltage_days_ready", None)  # a Store; the Spark store reads the readings
    return {
        "start": start,
        "end": end,
        "end_ext": end_ext,
        "vdays": bool(midnights and ready is not None and ready()),
        "set_size": rules.set_size,
        "low_pu": float(rules.interruption_pu),
        "installation": installation_id,
        **band_params(noms),
        "b_tr": band_tr(noms),
    }


def voltage_sets(
    store: Store,
    start: dt.datetime,
    end: dt.datetime,
    end_ext: dt.datetime,
    installation_id: str | None = None,
) -> tuple[pd.DataFrame, str, dict[str, Any]]:
    """Per installation and set of 1.008 valid readings: counts, DRP/DRC (set-based SQL)."""
    params = voltage_params(store, start, end, end_ext, installation_id)
    sql = sql_file("quality_voltage_sets.sql")
    return store.df(sql, params), sql, params


@dataclass(frozen=True, slots=True)
class Tusd:
    """TUSD used as the EUSD base: energy [R$/MWh], demand [R$/kW]."""

    energy_rs_mwh: Decimal
    demand_rs_kw: Decimal
    ref: TrailRef
    fallback: bool


def tusd_for(group_code: str | None, on: dt.date, distributor: str | None = None) -> Tusd:
    """TUSD for the EUSD of a Group B or A installation.

    From the billing reference (:func:`tools.reference.load_reference`): B1 residencial
    convencional for Group B, A4 verde (fora ponta energy + demand) for Group A, of the
    installation's distributor, else of CPFL Paulista; when no record covers ``on``, the decoded
    REH 3.579/2026 values kept in ``quality_limits.json`` (UNCONFIRMED) with ``fallback=True``.
    """
    group = "A" if (group_code or "B").upper() == "A" else "B"
    for dist in dict.fromkeys([distributor or "CPFL_PAULISTA", "CPFL_PAULISTA"]):
        found = _billing_tusd(group, on, dist)
        if found is not None:
            return found
    e = reference_data()["eusd"]
    row = e["tusd_fallback"][group]
    return Tusd(d(row["tusd_rs_mwh"]), d(row["tusd_demand_rs_kw"]), TrailRef(e["source"], e["status"]), True)


def _billing_tusd(group: str, on: dt.date, distributor: str) -> Tusd | None:
    """TUSD from the billing module's reference data, or None when no record covers ``on``."""
    data = load_reference()
    try:
        if group == "B":
            recs = data.tariff_lines(distributor, "B1", "convencional", "residencial", on)
            rec = recs.get("total") or next(iter(recs.values()))
            return Tusd(rec.tusd, Decimal(0), rec.ref.trail(), False)
        energy = data.tariff_lines(distributor, "A4", "verde", "any", on)
        demand = data.tariff_lines(distributor, "A4", "verde", "any", on, component="demand")
    except TariffNotFound:
        return None
    e_rec = energy.get("fora_ponta") or next(iter(energy.values()))
    d_rec = next(iter(demand.values()))
    return Tusd(e_rec.tusd, d_rec.tusd, e_rec.ref.trail(), False)


def eusd(kwh: Decimal, contracted_kw: Decimal, tusd: Tusd) -> Decimal:
    """EUSD [R$] = kWh x TUSD/1000 + contracted kW x TUSD demand."""
    return kwh * tusd.energy_rs_mwh / 1000 + contracted_kw * tusd.demand_rs_kw


def month_kwh(store: Store, installation_id: str, month_start: dt.date) -> tuple[Decimal, int, int, str]:
    """(kWh imported in the calendar month, days with data, days in month, SQL)."""
    _, m_end = month_bounds(month_start.year, month_start.month)
    wh, days, sql = quality_queries.month_energy(store, installation_id, month_start, m_end, usage_source(store))
    return Decimal(wh) / 1000, days, m_end.day, sql


def monthly_eusd(
    store: Store, inst: Mapping[str, Any], month_start: dt.date
) -> tuple[Decimal, Step, list[Issue]]:
    """EUSD of the installation for a calendar month, with its trail step and caveats."""
    kwh, days, month_days, sql = month_kwh(store, str(inst["installation_id"]), month_start)
    issues: list[Issue] = []
    if 0 < days < month_days:  # scale a partial month to the whole month
        kwh = kwh * month_days / days
        issues.append(
            Issue("quality.issue.eusd_partial_month", "warning", {"days": days, "month_days": month_days})
        )
    tusd = tusd_for(text(inst.get("group_code")), month_start, text(inst.get("distributor")))
    kw = inst.get("contracted_demand_kw")
    ckw = d(kw) if text(inst.get("group_code")) == "A" and kw is not None and not pd.isna(kw) else Decimal(0)
    value = eusd(kwh, ckw, tusd)
    if tusd.fallback or tusd.ref.status != "confirmed":
        issues.append(
            Issue(
                "quality.issue.eusd_reference",
                "warning",
                {"tusd_rs_mwh": tusd.energy_rs_mwh, "status": tusd.ref.status},
            )
        )
    step = Step(
        "quality.step.eusd",
        {
            "month": month_start.strftime("%Y-%m"),
            "kwh": kwh,
            "tusd_rs_mwh": tusd.energy_rs_mwh,
            "contracted_kw": ckw,
            "tusd_demand_rs_kw": tusd.demand_rs_kw,
        },
        "kwh * tusd_rs_mwh / 1000 + contracted_kw * tusd_demand_rs_kw",
        value,
        "R$",
        (tusd.ref,),
        sql,
    )
    return value, step, issues


def fetch_interruptions(
    store: Store, installation_id: str, start: dt.datetime, end: dt.datetime
) -> list[cont.Interruption]:
    """Power-down/up pairs of one installation around ``[start, end)``."""
    ev, _ = quality_queries.power_events(
        store, installation_id, start - dt.timedelta(days=2), end + dt.timedelta(days=2)
    )
    return cont.pair_power_events(ev)

