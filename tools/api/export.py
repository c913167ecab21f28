"""Exports for other systems: the Power BI star schema and field-service order payloads.

``export_powerbi(source, out)`` builds what comes from reference data and the tariff calendar
(posto lookup per distributor/group/date/minute from :mod:`tools.domain.calendar`, PRODIST
voltage bands, the date dimension) and lets :mod:`tools.data.export` write the tables with
set-based DuckDB SQL. It returns a :class:`ToolResult` whose trail carries each table's SQL.
It is not a registered tool: it writes files, which the assistant never does.

``service_orders(result)`` maps an ``events_summary`` result to order payloads
(:mod:`tools.domain.service_orders`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tools.api.quality_common import band_params, band_tr, fleet_nominals, reference_versions, voltage_rules
from tools.data import export as dx
from tools.data.store import Store
from tools.domain import calendar
from tools.domain.calendar import PostoSchedule
from tools.domain.service_orders import service_orders as _orders
from tools.reference import load_reference
from tools.types import Issue, Provenance, Step, ToolResult, TrailRef, to_jsonable

_DAY = dt.timedelta(days=1)
CALENDAR_REF = TrailRef("REN 1.000/2021 art. 2 XXXVIII", "confirmed")


@dataclass(frozen=True, slots=True)
class PowerBiTable:
    name: str
    kind: str  # fact | dimension
    rows: int
    columns: tuple[str, ...]
    files: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PowerBiExport:
    out_dir: str
    first_day: dt.date | None
    last_day: dt.date | None
    tables: tuple[PowerBiTable, ...]
    relationships: tuple[tuple[str, str], ...]
    n_files: int


# ----------------------------------------------------------------------------- reference frames


def posto_lookup(
    schedules: Mapping[str, PostoSchedule], start: dt.date, end: dt.date, minutes: Sequence[int]
) -> pd.DataFrame:
    """Posto of every (distributor, group, day, minute of day): :func:`calendar.classify_postos`."""
    cols = ["distributor", "group_code", "day", "minute_of_day", "posto"]
    if end < start or not minutes:
        return pd.DataFrame(columns=cols)
    days = np.arange(np.datetime64(start, "D"), np.datetime64(end + _DAY, "D"))
    mins = np.asarray(sorted(set(minutes)), dtype=np.int64)
    day_grid = np.repeat(days, len(mins))
    min_grid = np.tile(mins, len(days))
    parts = []
    for dist, sched in sorted(schedules.items()):
        for group in ("A", "B"):
            parts.append(
                pd.DataFrame(
                    {
                        "distributor": dist,
                        "group_code": group,
                        "day": day_grid.astype("datetime64[ns]"),
                        "minute_of_day": min_grid,
                        "posto": calendar.classify_postos(day_grid, min_grid, sched, group),
                    }
                )
            )
    if not parts:
        return pd.DataFrame(columns=cols)
    out = pd.concat(parts, ignore_index=True)
    out["day"] = out["day"].dt.date
    return out


def date_dimension(start: dt.date, end: dt.date) -> pd.DataFrame:
    """One row per day: calendar parts, weekend, tariff holiday, business day, fora-ponta day."""
    rows = []
    d = start
    while d <= end:
        rows.append(
            {
                "date_key": d,
                "year": d.year,
                "quarter": (d.month - 1) // 3 + 1,
                "month": d.month,
                "day": d.day,
                "year_month": f"{d.year:04d}-{d.month:02d}",
                "month_start": d.replace(day=1),
                "iso_weekday": d.isoweekday(),
                "is_weekend": d.weekday() >= 5,
                "is_tariff_holiday": calendar.is_tariff_holiday(d),
                "is_business_day": calendar.is_business_day(d),
                "is_fora_ponta_day": calendar.is_fora_ponta_day(d),
            }
        )
        d += _DAY
    return pd.DataFrame(rows)


def band_table(nominals: Sequence[float]) -> pd.DataFrame:
    """PRODIST Modulo 8 bands per nominal voltage in 0.1 V, with the 0.1 pu interruption floor."""
    p = band_params(nominals)
    low = float(voltage_rules().interruption_pu)
    return pd.DataFrame(
        {
            "nominal_v": p["b_nom"],
            "a_lo": p["b_alo"],
            "a_hi": p["b_ahi"],
            "p_lo": p["b_plo"],
            "p_hi": p["b_phi"],
            "low_dv": [low * n * 10 for n in band_tr(nominals)],
        }
    )


# ----------------------------------------------------------------------------- Power BI export


def export_powerbi(
    source: Store | str | Path, out: str | Path, formats: Sequence[str] = ("parquet", "csv")
) -> ToolResult[PowerBiExport]:
    """Write the star schema under ``out``; ``source`` is an open store or a home (opened read-only)."""
    if isinstance(source, Store):
        return _export(source, Path(out), formats)
    with Store(source, read_only=True) as store:
        return _export(store, Path(out), formats)


def _export(store: Store, out: Path, formats: Sequence[str]) -> ToolResult[PowerBiExport]:
    rng = dx.data_range(store)
    first, last = rng if rng else (None, None)
    ref = load_reference()
    issues: list[Issue] = []
    schedules: dict[str, PostoSchedule] = {}
    for dist in dx.distributors(store):
        sched = ref.posto_schedule(dist)
        if sched is None:
            issues.append(Issue("export.issue.posto_schedule_missing", "warning", {"distributor": dist}))
        else:
            schedules[dist] = sched
    minutes = dx.load_profile_minutes(store)
    lookup = (
        posto_lookup(schedules, first, last, minutes)
        if first and last
        else posto_lookup({}, dt.date.min, dt.date.min, [])
    )
    dates = (
        date_dimension(first, last) if first and last else pd.DataFrame({"date_key": pd.Series([], "object")})
    )
    bands = band_table(fleet_nominals(store))
    if first is None:
        issues.append(Issue("export.issue.no_data", "warning", {}))
    tables = dx.write_star_schema(
        store,
        out,
        posto_lookup=lookup,
        bands=bands,
        dim_date=dates,
        formats=formats,
        manifest={"first_day": first, "last_day": last, "generated_by": "smartmeter export powerbi"},
    )
    posto_refs = tuple(TrailRef(s.source, s.status) for s in schedules.values())  # type: ignore[arg-type]
    table_refs: dict[str, tuple[TrailRef, ...]] = {
        "fact_consumption_daily": (*posto_refs, CALENDAR_REF),
        "fact_quality_daily": (voltage_rules().limits_ref,),
        "dim_date": (CALENDAR_REF,),
    }
    trail = [
        Step(
            "export.step.posto_lookup",
            {
                "distributors": sorted(schedules),
                "minutes": len(minutes),
                "first_day": first,
                "last_day": last,
            },
            "calendar.classify_postos per (distributor, group, day, minute of day)",
            len(lookup),
            "rows",
            (*posto_refs, CALENDAR_REF),
        ),
        Step(
            "export.step.bands",
            {"nominals": list(bands["nominal_v"])},
            "PRODIST Modulo 8 adequada/precaria limits x nominal, 0.1 V",
            len(bands),
            "rows",
            (voltage_rules().limits_ref,),
        ),
        *(
            Step(
                "export.step.table",
                {"table": x.name, "kind": x.kind, "files": list(x.files)},
                "COPY (set-based SQL) TO Parquet; CSV from the Parquet file",
                x.rows,
                "rows",
                table_refs.get(x.name, ()),
                x.sql,
            )
            for x in tables
        ),
    ]
    value = PowerBiExport(
        out_dir=str(out),
        first_day=first,
        last_day=last,
        tables=tuple(PowerBiTable(x.name, x.kind, x.rows, x.columns, x.files) for x in tables),
        relationships=dx.RELATIONSHIPS,
        n_files=sum(len(x.files) for x in tables) + 1,
    )
    return ToolResult(
        tool="export_powerbi",
        value=value,
        units={"rows": "rows"},
        trail=tuple(trail),
        issues=tuple(issues),
        provenance=Provenance(
            period=None,
            today=last,
            reference_versions=reference_versions(),
            queries=tuple(x.sql for x in tables),
        ),
        citations=(CALENDAR_REF, voltage_rules().limits_ref),
    )


# ----------------------------------------------------------------------------- service orders


def service_orders(
    result: ToolResult[Any], include_tamper_without_drop: bool = False
) -> list[dict[str, Any]]:
    """Field-service order payloads (JSON-ready) from an ``events_summary`` result."""
    if result.tool != "events_summary":
        raise ValueError(f"service orders come from events_summary, not {result.tool}")
    value = to_jsonable(result.value)
    today = result.provenance.today.isoformat() if result.provenance.today else ""
    return _orders(value if isinstance(value, dict) else {}, today, include_tamper_without_drop)
