"""Power BI-friendly star schema written from the store as Parquet and CSV (set-based DuckDB SQL).

Tables (one file per table and format under ``<out>/parquet/`` and ``<out>/csv/``)::

    fact_consumption_daily   date_key, installation_id, posto -> intervals, kWh imported/exported
    fact_quality_daily       date_key, installation_id, phase -> 10-min voltage readings: count,
                             min/avg/max [V], adequada/precaria/critica counts (PRODIST bands)
    fact_events_daily        date_key, installation_id, code -> events
    dim_installation         installation attributes (never name, CPF, phone or customer key)
    dim_topology             topology_key (transformer, or feeder for customers without one)
    dim_date                 calendar with weekends, tariff holidays and business days
    dim_posto                posto codes in display order
    dim_event_code           event/alarm code, kind, key, category

The caller (``tools.api.export``) supplies what comes from reference data and the calendar:
the posto lookup per (distributor, group, date, minute of day), the voltage band table and the
date dimension. Nothing here reads the customer register.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from tools.data.sqltext import sql_str
from tools.data.store import Store

#: Installation columns exported (an allow-list: a new personal column never leaks).
INSTALLATION_EXPORT = (
    "installation_id", "meter_id", "group_code", "subgroup", "customer_class", "subclass", "phases",
    "nominal_voltage_v", "tariff_modality", "gd_kind", "gd_kwp", "gd_class", "gd_since", "distributor",
    "municipality", "area", "conjunto_id", "feeder_id", "transformer_id", "cycle_day", "interval_min",
    "contracted_demand_kw", "connected_since",
)  # fmt: skip
POSTO_ORDER = ("ponta", "intermediario", "fora_ponta", "unknown")

_TOPOLOGY_KEY = "coalesce(i.transformer_id, 'FEEDER:' || coalesce(i.feeder_id, 'unknown'))"

SQL: dict[str, str] = {
    "fact_consumption_daily": """
SELECT CAST(l.ts AS DATE) AS date_key, l.installation_id,
       coalesce(p.posto, 'unknown') AS posto,
       count(*) AS n_intervals,
       sum(l.interval_min) AS covered_minutes,
       count(*) FILTER (WHERE l.quality & 1 = 1) AS n_estimated,
       sum(coalesce(l.import_wh, 0)) / 1000.0 AS import_kwh,
       sum(coalesce(l.export_wh, 0)) / 1000.0 AS export_kwh
FROM load_profile l
JOIN installations i ON i.installation_id = l.installation_id
LEFT JOIN pbi_posto_lookup p
       ON p.distributor = i.distributor AND p.group_code = i.group_code
      AND p.day = CAST(l.ts AS DATE) AND p.minute_of_day = hour(l.ts) * 60 + minute(l.ts)
GROUP BY ALL
ORDER BY date_key, installation_id, posto
""",
    "fact_quality_daily": """
WITH inst AS (
    SELECT i.installation_id, b.a_lo, b.a_hi, b.p_lo, b.p_hi, b.low_dv
    FROM installations i
    JOIN pbi_bands b ON b.nominal_v = CAST(i.nominal_voltage_v AS DOUBLE)
),
long AS (
    SELECT r.installation_id, CAST(r.ts AS DATE) AS date_key,
           unnest(['A', 'B', 'C']) AS phase, unnest([r.v_a_dv, r.v_b_dv, r.v_c_dv]) AS v_dv
    FROM voltage_10min r
),
cls AS (
    SELECT l.date_key, l.installation_id, l.phase, l.v_dv,
           l.v_dv >= n.low_dv AS valid,
           CASE WHEN l.v_dv < n.low_dv THEN NULL
                WHEN l.v_dv BETWEEN n.a_lo AND n.a_hi THEN 0
                WHEN l.v_dv BETWEEN n.p_lo AND n.p_hi THEN 1 ELSE 2 END AS band
    FROM long l JOIN inst n ON n.installation_id = l.installation_id
    WHERE l.v_dv IS NOT NULL
)
SELECT date_key, installation_id, phase,
       count(*) AS n_readings,
       count(*) FILTER (WHERE NOT valid) AS n_below_01pu,
       min(v_dv) FILTER (WHERE valid) / 10.0 AS v_min,
       -- mean of the readings [0.1 V] to 0.01 V, half up on the exact mean (integer arithmetic: the same
       -- on every engine, where round() of a DOUBLE ties differently in DuckDB and Spark)
       (20 * sum(v_dv) FILTER (WHERE valid) + count(*) FILTER (WHERE valid))
           // nullif(2 * count(*) FILTER (WHERE valid), 0) / 100.0 AS v_avg,
       max(v_dv) FILTER (WHERE valid) / 10.0 AS v_max,
       count(*) FILTER (WHERE band = 0) AS n_adequada,
       count(*) FILTER (WHERE band = 1) AS n_precaria,
       count(*) FILTER (WHERE band = 2) AS n_critica
FROM cls
GROUP BY ALL
ORDER BY date_key, installation_id, phase
""",
    "fact_events_daily": """
SELECT CAST(e.ts AS DATE) AS date_key, e.installation_id, CAST(e.code AS INTEGER) AS code, count(*) AS n_events
FROM events e
GROUP BY ALL
ORDER BY date_key, installation_id, code
""",
    "dim_installation": f"""
SELECT {", ".join("i." + c for c in INSTALLATION_EXPORT)}, {_TOPOLOGY_KEY} AS topology_key
FROM installations i
ORDER BY i.installation_id
""",
    "dim_topology": f"""
SELECT {_TOPOLOGY_KEY} AS topology_key,
       CASE WHEN i.transformer_id IS NULL THEN 'feeder' ELSE 'transformer' END AS level,
       any_value(i.transformer_id) AS transformer_id, any_value(i.feeder_id) AS feeder_id,
       any_value(i.conjunto_id) AS conjunto_id, any_value(i.distributor) AS distributor,
       any_value(i.municipality) AS municipality, count(*) AS n_installations
FROM installations i
GROUP BY ALL
ORDER BY topology_key
""",
    "dim_date": "SELECT * FROM pbi_dim_date ORDER BY date_key",
    "dim_posto": "SELECT * FROM pbi_dim_posto ORDER BY sort_order",
    "dim_event_code": """
SELECT CAST(code AS INTEGER) AS code, kind, key, category FROM event_codes ORDER BY code
""",
}
FACTS = ("fact_consumption_daily", "fact_quality_daily", "fact_events_daily")
DIMENSIONS = ("dim_installation", "dim_topology", "dim_date", "dim_posto", "dim_event_code")

#: (from table.column, to table.column): many-to-one relationships for the model.
RELATIONSHIPS: tuple[tuple[str, str], ...] = (
    ("fact_consumption_daily.date_key", "dim_date.date_key"),
    ("fact_consumption_daily.installation_id", "dim_installation.installation_id"),
    ("fact_consumption_daily.posto", "dim_posto.posto"),
    ("fact_quality_daily.date_key", "dim_date.date_key"),
    ("fact_quality_daily.installation_id", "dim_installation.installation_id"),
    ("fact_events_daily.date_key", "dim_date.date_key"),
    ("fact_events_daily.installation_id", "dim_installation.installation_id"),
    ("fact_events_daily.code", "dim_event_code.code"),
    ("dim_installation.topology_key", "dim_topology.topology_key"),
)


@dataclass(frozen=True, slots=True)
class TableExport:
    name: str
    kind: str  # fact | dimension
    rows: int
    columns: tuple[str, ...]
    files: tuple[str, ...]  # relative to the output directory
    sql: str


def data_range(store: Store) -> tuple[dt.date, dt.date] | None:
    """First and last day with load profile, voltage or events."""
    row = store.rows(
        "SELECT min(d0), max(d1) FROM ("
        " SELECT min(ts) AS d0, max(ts) AS d1 FROM load_profile"
        " UNION ALL SELECT min(ts), max(ts) FROM voltage_10min"
        " UNION ALL SELECT min(ts), max(ts) FROM events)"
    )[0]
    if row[0] is None:
        return None
    return row[0].date(), row[1].date()


def load_profile_minutes(store: Store) -> list[int]:
    """Distinct interval-start minutes of the day in the load profile."""
    return [
        int(r[0])
        for r in store.rows("SELECT DISTINCT hour(ts) * 60 + minute(ts) FROM load_profile ORDER BY 1")
    ]


def distributors(store: Store) -> list[str]:
    return [
        str(r[0])
        for r in store.rows(
            "SELECT DISTINCT distributor FROM installations WHERE distributor IS NOT NULL ORDER BY 1"
        )
    ]


def write_star_schema(
    store: Store,
    out: str | Path,
    *,
    posto_lookup: pd.DataFrame,
    bands: pd.DataFrame,
    dim_date: pd.DataFrame,
    formats: Sequence[str] = ("parquet", "csv"),
    manifest: Mapping[str, Any] | None = None,
) -> list[TableExport]:
    """Write every table as ``<out>/parquet/<name>.parquet`` and ``<out>/csv/<name>.csv``.

    ``posto_lookup``: distributor, group_code, day, minute_of_day, posto. ``bands``: nominal_v,
    a_lo, a_hi, p_lo, p_hi, low_dv (0.1 V). ``dim_date``: one row per date_key.
    A ``manifest.json`` (tables, columns, rows, relationships, plus ``manifest``) is written too.
    """
    out = Path(out)
    for fmt in {"parquet", *formats}:  # Parquet is written first; CSV is read back from it
        (out / fmt).mkdir(parents=True, exist_ok=True)
    cur = store.cursor()
    try:
        cur.register("pbi_posto_lookup", posto_lookup)
        cur.register("pbi_bands", bands)
        cur.register("pbi_dim_date", dim_date)
        cur.register(
            "pbi_dim_posto",
            pd.DataFrame({"posto": list(POSTO_ORDER), "sort_order": range(1, len(POSTO_ORDER) + 1)}),
        )
        results = [_write_table(cur, out, name, formats) for name in (*FACTS, *DIMENSIONS)]
    finally:
        cur.close()
    if "parquet" not in formats:
        (out / "parquet").rmdir()
    doc = {
        **dict(manifest or {}),
        "tables": [
            {
                "name": r.name,
                "kind": r.kind,
                "rows": r.rows,
                "columns": list(r.columns),
                "files": list(r.files),
            }
            for r in results
        ],
        "relationships": [{"from": a, "to": b, "cardinality": "many_to_one"} for a, b in RELATIONSHIPS],
    }
    (out / "manifest.json").write_text(json.dumps(doc, indent=2, default=str), encoding="utf-8")
    return results


def _write_table(cur: Any, out: Path, name: str, formats: Sequence[str]) -> TableExport:
    sql = SQL[name].strip()
    parquet = out / "parquet" / f"{name}.parquet"
    cur.execute(f"COPY ({sql}) TO {sql_str(parquet)} (FORMAT PARQUET, COMPRESSION ZSTD)")
    files = [f"parquet/{name}.parquet"] if "parquet" in formats else []
    if "csv" in formats:
        csv = out / "csv" / f"{name}.csv"
        cur.execute(
            f"COPY (SELECT * FROM read_parquet({sql_str(parquet)})) TO {sql_str(csv)} (HEADER, DELIMITER ',')"
        )
        files.append(f"csv/{name}.csv")
    rel = cur.execute(f"SELECT * FROM read_parquet({sql_str(parquet)}) LIMIT 0")
    columns = tuple(d[0] for d in rel.description)
    rows = int(cur.execute(f"SELECT count(*) FROM read_parquet({sql_str(parquet)})").fetchone()[0])
    if "parquet" not in formats:
        parquet.unlink()
    return TableExport(name, "fact" if name in FACTS else "dimension", rows, columns, tuple(files), sql)
