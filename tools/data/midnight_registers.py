"""The midnight readings of the energy registers, per installation and month: ``midnight_registers``,
derived from the ``billing_registers`` lake, so that a year of bills reads a dozen short rows
instead of a year of register files.

A Group B bill's energy is the difference between the cumulative registers read at 00:00 of the
cycle's first day and of the day after its last (``tools/data/sql/billing_registers_midnight.sql``,
REN 1.000 art. 284). One row per (installation, month partition) with at least one such reading:

``ts``        the readings' timestamps (hour, minute and second 0), in (ts, register) order
``register``  their register: ``003`` (active import) or ``103`` (active export), posto ``total``
``value_wh``  the largest value read at that instant for that register (as the lake query takes it)

The three lists are parallel (element *k* of each is one reading). Unnesting them gives the rows
``billing_registers_midnight.sql`` returns for that installation and month.

Maintained like the usage aggregates (:mod:`tools.data.usage`): ``midnight_registers_sources``
records the fingerprint of the partition files each month was computed from, :func:`sync` rebuilds
the months that differ (every read-write open, after each ingest: ``Store.sync_usage``) and
:func:`ready` tells a reader whether the table matches the lake (the query reads the lake
otherwise; same rows).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb

from tools.data import buckets, usage
from tools.data.lakeindex import aggregation_passes
from tools.data.sqltext import sql_str, sql_str_list

SOURCE_TABLE = "billing_registers"
TABLE = "midnight_registers"
SOURCES = "midnight_registers_sources"
COLUMNS: dict[str, str] = {
    "installation_id": "VARCHAR",
    "month": "VARCHAR",
    "ts": "TIMESTAMP[]",
    "register": "VARCHAR[]",
    "value_wh": "BIGINT[]",
}
#: the row order within a bucket (months appended in turn, each in installation order)
ORDER = "month, installation_id"


def tables_exist(con: duckdb.DuckDBPyConnection) -> bool:
    return buckets.derived_readable(con, {TABLE: COLUMNS}, SOURCES, usage.SOURCES_COLUMNS)


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the tables, :data:`TABLE` split by installation bucket (:mod:`tools.data.buckets`;
    a home from before buckets keeps its rows, an older layout is dropped and rebuilt by :func:`sync`)."""
    buckets.create_derived(con, {TABLE: COLUMNS}, SOURCES, usage.SOURCES_COLUMNS)


def stored_fingerprint(con: duckdb.DuckDBPyConnection) -> usage.Fingerprint:
    return {str(m): str(f) for m, f in con.execute(f"SELECT month, files FROM {SOURCES}").fetchall()}


def stage_month(con: duckdb.DuckDBPyConnection, files: Sequence[Path], temp: str) -> None:
    """One month's rows into the temp table ``temp``, a range of installations at a time."""
    for k, (group, where) in enumerate(aggregation_passes([str(f) for f in files])):
        select = f"""SELECT installation_id, list(ts ORDER BY ts, register) AS ts,
               list(register ORDER BY ts, register) AS register,
               list(value_wh ORDER BY ts, register) AS value_wh
        FROM (SELECT installation_id, ts, register, max(value_wh) AS value_wh
              FROM read_parquet({sql_str_list(group)})
              WHERE {where} AND posto = 'total' AND register IN ('003', '103')
                AND hour(ts) = 0 AND minute(ts) = 0 AND second(ts) = 0
              GROUP BY installation_id, ts, register)
        GROUP BY installation_id
        ORDER BY installation_id"""
        if k == 0:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {temp} AS {select}")
        else:
            con.execute(f"INSERT INTO {temp} {select}")


def apply_months(con: duckdb.DuckDBPyConnection, staged: Mapping[str, tuple[str | None, str | None]]) -> None:
    """Replace the rows of each month by its staged temp table (inside the caller's transaction)."""
    buckets.delete_months(con, TABLE, list(staged))
    con.execute(f"DELETE FROM {SOURCES} WHERE month IN (SELECT unnest(CAST(? AS VARCHAR[])))", [list(staged)])
    parts = [(m, t, fp) for m, (t, fp) in sorted(staged.items()) if t is not None and fp is not None]
    for m, t, _fp in parts:
        buckets.insert(
            con,
            TABLE,
            f"SELECT installation_id, {sql_str(m)}, ts, register, value_wh FROM {t} WHERE {{range}} "
            "ORDER BY installation_id",
        )
    if parts:
        con.executemany(f"INSERT INTO {SOURCES} VALUES (?, ?)", [[m, fp] for m, _t, fp in parts])


def sync(con: duckdb.DuckDBPyConnection, table_dir: Path) -> list[str]:
    """Rebuild the months whose ``billing_registers`` files changed; returns them (one transaction)."""
    create_tables(con)
    buckets.relayout(con, TABLE, COLUMNS, buckets.register_ids(con), ORDER)
    return usage.sync_months(con, table_dir, stored_fingerprint(con), stage_month, apply_months, "_midreg_")


def ready(con: duckdb.DuckDBPyConnection, lake: usage.Fingerprint) -> bool:
    """The table exists and matches ``lake``, the fingerprint of the ``billing_registers`` lake."""
    return tables_exist(con) and stored_fingerprint(con) == lake
