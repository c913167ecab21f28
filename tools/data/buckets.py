"""Per-installation derived tables split by installation bucket, so that one customer's query
costs the same in a fleet of 1k or 1M installations.

DuckDB checks the zone map of every row group of a table a query scans: with one table per
aggregate, a single installation's query walks every row group of the fleet (measured at 100k
meters x 13 months: 7,740 row groups of ``usage_hourly``, 6.0 ms CPU for two months of one
installation against 1.4 ms at 1k; ``docs/scale.md``). So each bucketed table is stored as one
physical table per range of installation ids, of about :data:`TARGET` installations each:

    <table>__b0000, <table>__b0001, ...   rows of the installations in [low_k, low_k+1)
    <table>                               a view: their UNION ALL (fleet jobs, anything unrouted)
    derived_buckets                       (table_name, bucket, low): the ranges, per table

A query of one installation names its bucket's table (:meth:`tools.data.store.Store.scope_sql`)
and walks the row groups of about :data:`TARGET` installations whatever the fleet size; the view
gives the same rows to every other query.

The ranges follow the installation register: :func:`relayout` (run by every sync of the derived
tables) splits the rows again when a bucket has grown past twice :data:`TARGET` (a fleet that
doubled, or a block of new ids), in one transaction per table, copying from the current tables
(no lake read). A home from before buckets (one plain table) becomes bucket 0 by a rename and is
split at its next sync.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence

import duckdb

from tools.data.sqltext import sql_str

#: installations per bucket (a bucket is split again when it holds more than twice this)
TARGET = 1000

LAYOUT_TABLE = "derived_buckets"
_LAYOUT_DDL = f"CREATE TABLE IF NOT EXISTS {LAYOUT_TABLE} (table_name VARCHAR, bucket INTEGER, low VARCHAR)"

_GENERATION = [0]  # bumped whenever this process changes a layout (a writer's cache key)


def generation() -> int:
    """Changes whenever this process created or split a bucketed table."""
    return _GENERATION[0]


#: the bucket layout of one table: the lowest installation id of each bucket, ascending; the first is ''
Lows = list[str]


def physical(table: str, bucket: int) -> str:
    """Name of bucket ``bucket``'s table of ``table``."""
    return f"{table}__b{bucket:04d}"


def bucket_of(lows: Sequence[str], installation_id: str) -> int:
    """The bucket holding ``installation_id`` (every id has one: the first low is '')."""
    return max(0, bisect.bisect_right(lows, installation_id) - 1)


def range_filter(lows: Sequence[str], bucket: int) -> str:
    """SQL condition on ``installation_id`` selecting bucket ``bucket``'s rows."""
    parts = []
    if bucket > 0:
        parts.append(f"installation_id >= {sql_str(lows[bucket])}")
    if bucket + 1 < len(lows):
        parts.append(f"installation_id < {sql_str(lows[bucket + 1])}")
    return " AND ".join(parts) or "true"


def layout(con: duckdb.DuckDBPyConnection, table: str) -> Lows:
    """The stored bucket lows of ``table`` (empty when it is not bucketed yet)."""
    try:
        rows = con.execute(
            f"SELECT low FROM {LAYOUT_TABLE} WHERE table_name = ? ORDER BY bucket", [table]
        ).fetchall()
    except duckdb.CatalogException:
        return []
    return [str(r[0]) for r in rows]


def layouts(con: duckdb.DuckDBPyConnection) -> dict[str, Lows]:
    """Every bucketed table's lows (one query; a reader keeps them per snapshot)."""
    try:
        rows = con.execute(f"SELECT table_name, low FROM {LAYOUT_TABLE} ORDER BY table_name, bucket").fetchall()
    except duckdb.CatalogException:
        return {}
    out: dict[str, Lows] = {}
    for table, low in rows:
        out.setdefault(str(table), []).append(str(low))
    return out


def _columns(con: duckdb.DuckDBPyConnection, name: str) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = ? "
        "ORDER BY column_index",
        [name],
    ).fetchall()
    return [str(r[0]) for r in rows]


def _is_base_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = ?", [name]
        ).fetchone()[0]  # type: ignore[index]
    )


def _ddl(name: str, columns: Mapping[str, str]) -> str:
    return f"CREATE TABLE {name} ({', '.join(f'{c} {t}' for c, t in columns.items())})"


def _view_sql(table: str, n: int) -> str:
    union = " UNION ALL ".join(f"SELECT * FROM {physical(table, k)}" for k in range(n))
    return f"CREATE OR REPLACE VIEW {table} AS {union}"


def exists(con: duckdb.DuckDBPyConnection, table: str, columns: Mapping[str, str]) -> bool:
    """``table`` is bucketed, its buckets have ``columns`` and its view is in place."""
    lows = layout(con, table)
    return bool(lows) and _columns(con, physical(table, 0)) == list(columns) and not _is_base_table(con, table)


def drop(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Remove ``table`` whatever its layout (its view, buckets and layout rows, or a plain table)."""
    con.execute(_LAYOUT_DDL)
    con.execute(f"DROP VIEW IF EXISTS {table}")
    con.execute(f"DROP TABLE IF EXISTS {table}")
    for k in range(len(layout(con, table))):
        con.execute(f"DROP TABLE IF EXISTS {physical(table, k)}")
    con.execute(f"DELETE FROM {LAYOUT_TABLE} WHERE table_name = ?", [table])
    _GENERATION[0] += 1


def create(con: duckdb.DuckDBPyConnection, table: str, columns: Mapping[str, str]) -> bool:
    """Make ``table`` a bucketed table with ``columns``; returns False when it already was one.

    A plain table of the same columns (a home from before buckets) becomes bucket 0 by a rename,
    rows kept; anything else of that name is dropped (derived data: the caller rebuilds it)."""
    con.execute(_LAYOUT_DDL)
    if exists(con, table, columns):
        return False
    if _is_base_table(con, table) and _columns(con, table) == list(columns) and not layout(con, table):
        con.execute(f"ALTER TABLE {table} RENAME TO {physical(table, 0)}")
    else:
        drop(con, table)
        con.execute(_ddl(physical(table, 0), columns))
    con.execute(f"DELETE FROM {LAYOUT_TABLE} WHERE table_name = ?", [table])
    con.execute(f"INSERT INTO {LAYOUT_TABLE} VALUES (?, 0, '')", [table])
    con.execute(_view_sql(table, 1))
    _GENERATION[0] += 1
    return True


def derived_exist(
    con: duckdb.DuckDBPyConnection,
    tables: Mapping[str, Mapping[str, str]],
    sources: str,
    sources_columns: Mapping[str, str],
) -> bool:
    """A derived family is in place: ``tables`` bucketed with their columns, and the ``sources``
    table (per-month fingerprints of the lake it is computed from) with ``sources_columns``."""
    return _columns(con, sources) == list(sources_columns) and all(exists(con, t, c) for t, c in tables.items())


def derived_readable(
    con: duckdb.DuckDBPyConnection,
    tables: Mapping[str, Mapping[str, str]],
    sources: str,
    sources_columns: Mapping[str, str],
) -> bool:
    """The family can be read: bucketed as :func:`derived_exist` says, or the plain tables of a
    home from before buckets (a reader's snapshot of a home no writer has opened since)."""
    return _columns(con, sources) == list(sources_columns) and all(
        exists(con, t, c) or (_is_base_table(con, t) and _columns(con, t) == list(c)) for t, c in tables.items()
    )


def create_derived(
    con: duckdb.DuckDBPyConnection,
    tables: Mapping[str, Mapping[str, str]],
    sources: str,
    sources_columns: Mapping[str, str],
) -> None:
    """Create a derived family (see :func:`derived_exist`). Rows are kept when every table is
    bucketed or plain (a home from before buckets: renamed to bucket 0, split at the next sync)
    with this version's columns and the fingerprints are there; otherwise everything is dropped
    and created empty (derived data: the caller's sync rebuilds it)."""
    con.execute(_LAYOUT_DDL)
    if derived_exist(con, tables, sources, sources_columns):
        return
    if not derived_readable(con, tables, sources, sources_columns):
        for table in tables:
            drop(con, table)
        con.execute(f"DROP TABLE IF EXISTS {sources}")
    for table, cols in tables.items():
        create(con, table, cols)
    con.execute(_ddl(sources, sources_columns).replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS", 1))


def delete_months(con: duckdb.DuckDBPyConnection, table: str, months: Sequence[str]) -> None:
    """Delete the rows of ``months`` from every bucket of ``table``."""
    for k in range(len(layout(con, table))):
        con.execute(
            f"DELETE FROM {physical(table, k)} WHERE month IN (SELECT unnest(CAST(? AS VARCHAR[])))",
            [list(months)],
        )


def insert(con: duckdb.DuckDBPyConnection, table: str, select: str) -> None:
    """``INSERT`` the rows of ``select`` into their buckets: ``select`` holds ``{range}`` where its
    condition on ``installation_id`` goes (one statement per bucket; a source sorted by
    installation lets each read only its bucket's row groups)."""
    lows = layout(con, table)
    for k in range(len(lows)):
        con.execute(f"INSERT INTO {physical(table, k)} {select.replace('{range}', range_filter(lows, k))}")


def wanted_lows(ids: Sequence[str], target: int | None = None) -> Lows:
    """Lows splitting the sorted ``ids`` into buckets of ``target`` installations (the last one
    takes a remainder smaller than half a bucket)."""
    target = target or TARGET
    lows = [""] + [str(ids[i]) for i in range(target, len(ids), target)]
    if len(lows) > 1 and len(ids) - target * (len(lows) - 1) < target // 2:
        lows.pop()
    return lows


def overfull(lows: Sequence[str], ids: Sequence[str], target: int | None = None) -> bool:
    """Some bucket of ``lows`` holds more than twice ``target`` of the sorted ``ids``."""
    limit = 2 * (target or TARGET)
    bounds = [bisect.bisect_left(ids, low) for low in lows[1:]]
    edges = [0, *bounds, len(ids)]
    return any(b - a > limit for a, b in zip(edges, edges[1:], strict=False))


def register_ids(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The installation register's ids, sorted (empty without a register)."""
    try:
        return [str(r[0]) for r in con.execute("SELECT installation_id FROM installations ORDER BY 1").fetchall()]
    except duckdb.CatalogException:
        return []


def relayout(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Mapping[str, str],
    ids: Sequence[str],
    order_by: str,
    target: int | None = None,
) -> bool:
    """Split ``table`` again by ``ids`` (sorted) when one of its buckets holds more than twice
    ``target`` of them; returns whether it did. One transaction: the new buckets are filled from the
    current view in ``order_by`` order, then replace the old ones (same rows, new ranges)."""
    lows = layout(con, table)
    if not lows or not overfull(lows, ids, target):
        return False
    new = wanted_lows(ids, target)
    con.begin()
    try:
        for k in range(len(new)):
            tmp = f"{table}__n{k:04d}"
            con.execute(f"DROP TABLE IF EXISTS {tmp}")
            con.execute(_ddl(tmp, columns))
            con.execute(f"INSERT INTO {tmp} SELECT * FROM {table} WHERE {range_filter(new, k)} ORDER BY {order_by}")
        con.execute(f"DROP VIEW {table}")
        for k in range(len(lows)):
            con.execute(f"DROP TABLE {physical(table, k)}")
        for k in range(len(new)):
            con.execute(f"ALTER TABLE {table}__n{k:04d} RENAME TO {physical(table, k)}")
        con.execute(f"DELETE FROM {LAYOUT_TABLE} WHERE table_name = ?", [table])
        con.executemany(f"INSERT INTO {LAYOUT_TABLE} VALUES (?, ?, ?)", [[table, k, low] for k, low in enumerate(new)])
        con.execute(_view_sql(table, len(new)))
        con.commit()
    except BaseException:
        con.rollback()
        raise
    finally:
        _GENERATION[0] += 1
    return True
