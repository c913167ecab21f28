"""Per installation and day, what the DRP/DRC sets need to know about the 10-minute voltage
readings without reading them again: ``voltage_days``, derived from the ``voltage_10min`` lake.

One row per (installation, day) with at least one phase reading:

``n_any``           rows with a reading on any phase
``on_grid``         every such row starts on the 10-minute grid (hh:m0:00)
``a_min`` ... ``c_max``  lowest and highest reading per phase [0.1 V] (NULL: no reading)
``first_ts``, ``last_ts``  first and last such row

The table holds no band, no limit and no interruption: it is the same whatever the installation
register or the reference says, so it never goes stale when they change. The monthly DRP/DRC
query (``tools/data/sql/quality_voltage_sets.sql``) calls a day *simple* when it is complete
(144 rows on the grid), untouched by an interruption and every reading lies in the adequate band
of the installation (min and max in range): then its counts are known without its readings.

Maintained like the usage aggregates (:mod:`tools.data.usage`): ``voltage_days_sources`` records
the fingerprint of the partition files each month was computed from, :func:`sync` rebuilds the
months that differ (every read-write open, after each ingest) and :func:`ready` tells a reader
whether the table matches the lake (the query reads the readings otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb

from tools.data import usage
from tools.data.lakeindex import aggregation_passes
from tools.data.sqltext import sql_str, sql_str_list

SOURCE_TABLE = "voltage_10min"
TABLE = "voltage_days"
SOURCES = "voltage_days_sources"
COLUMNS: dict[str, str] = {
    "installation_id": "VARCHAR",
    "month": "VARCHAR",
    "day": "DATE",
    "n_any": "SMALLINT",
    "on_grid": "BOOLEAN",
    "a_min": "SMALLINT",
    "a_max": "SMALLINT",
    "b_min": "SMALLINT",
    "b_max": "SMALLINT",
    "c_min": "SMALLINT",
    "c_max": "SMALLINT",
    "first_ts": "TIMESTAMP",
    "last_ts": "TIMESTAMP",
}
_EXPECTED = {TABLE: COLUMNS, SOURCES: usage.SOURCES_COLUMNS}


def tables_exist(con: duckdb.DuckDBPyConnection) -> bool:
    rows = con.execute(
        "SELECT table_name, list(column_name ORDER BY column_index) FROM duckdb_columns() "
        "WHERE schema_name = 'main' AND table_name IN (?, ?) GROUP BY table_name",
        [TABLE, SOURCES],
    ).fetchall()
    found = {t: list(cols) for t, cols in rows}
    return all(found.get(t) == list(cols) for t, cols in _EXPECTED.items())


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the tables (an older layout is dropped first: derived data, rebuilt by :func:`sync`)."""
    if tables_exist(con):
        return
    for table, cols in _EXPECTED.items():
        con.execute(f"DROP TABLE IF EXISTS {table}")
        con.execute(f"CREATE TABLE {table} ({', '.join(f'{c} {t}' for c, t in cols.items())})")


def empty_view_sql() -> str:
    """A typed empty ``voltage_days`` (a read-only connection to a home built before the table)."""
    sel = ", ".join(f"CAST(NULL AS {t}) AS {c}" for c, t in COLUMNS.items())
    return f"CREATE OR REPLACE TEMP VIEW {TABLE} AS SELECT {sel} WHERE false"


def stored_fingerprint(con: duckdb.DuckDBPyConnection) -> usage.Fingerprint:
    return {str(m): str(f) for m, f in con.execute(f"SELECT month, files FROM {SOURCES}").fetchall()}


def stage_month(con: duckdb.DuckDBPyConnection, files: Sequence[Path], temp: str) -> None:
    """One month's rows into the temp table ``temp``, a range of installations at a time."""
    for k, (group, where) in enumerate(aggregation_passes([str(f) for f in files])):
        select = f"""SELECT installation_id, CAST(ts AS DATE) AS day, CAST(count(*) AS SMALLINT) AS n_any,
               bool_and(minute(ts) % 10 = 0 AND second(ts) = 0 AND microsecond(ts) = 0) AS on_grid,
               min(v_a_dv) AS a_min, max(v_a_dv) AS a_max, min(v_b_dv) AS b_min, max(v_b_dv) AS b_max,
               min(v_c_dv) AS c_min, max(v_c_dv) AS c_max, min(ts) AS first_ts, max(ts) AS last_ts
        FROM read_parquet({sql_str_list(group)})
        WHERE {where} AND coalesce(v_a_dv, v_b_dv, v_c_dv) IS NOT NULL
        GROUP BY installation_id, CAST(ts AS DATE)
        ORDER BY installation_id, day"""
        if k == 0:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {temp} AS {select}")
        else:
            con.execute(f"INSERT INTO {temp} {select}")


def apply_months(con: duckdb.DuckDBPyConnection, staged: Mapping[str, tuple[str | None, str | None]]) -> None:
    """Replace the rows of each month by its staged temp table (inside the caller's transaction)."""
    for table in (TABLE, SOURCES):
        con.execute(
            f"DELETE FROM {table} WHERE month IN (SELECT unnest(CAST(? AS VARCHAR[])))", [list(staged)]
        )
    parts = [(m, t, fp) for m, (t, fp) in sorted(staged.items()) if t is not None and fp is not None]
    for m, t, _fp in parts:
        con.execute(
            f"INSERT INTO {TABLE} SELECT installation_id, {sql_str(m)}, day, n_any, on_grid, a_min, a_max, "
            f"b_min, b_max, c_min, c_max, first_ts, last_ts FROM {t}"
        )
    if parts:
        con.executemany(f"INSERT INTO {SOURCES} VALUES (?, ?)", [[m, fp] for m, _t, fp in parts])


def sync(con: duckdb.DuckDBPyConnection, table_dir: Path) -> list[str]:
    """Rebuild the months whose ``voltage_10min`` files changed; returns them (one transaction)."""
    create_tables(con)
    return usage.sync_months(con, table_dir, stored_fingerprint(con), stage_month, apply_months, "_vdays_")


def ready(con: duckdb.DuckDBPyConnection, table_dir: Path) -> bool:
    """The table exists and matches the lake's ``voltage_10min`` partitions."""
    return tables_exist(con) and stored_fingerprint(con) == usage.lake_fingerprint(table_dir)
