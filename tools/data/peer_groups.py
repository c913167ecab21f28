"""Similar-homes groups: ``peer_groups``, derived from the installation register, so that a
customer's similar homes are a range of ranks instead of a scan of the whole register.

One row per installation:

``peer_group``  number of its (customer_class, subgroup, phases) combination; NULL when one of
                them is unknown (such an installation has no similar homes)
``eligible``    it can be someone's similar home: no distributed generation
                (``gd_kind`` none or unknown and ``gd_kwp`` 0 or unknown)
``pos``         how many eligible installations of its group have an id <= its own (so the
                eligible ones are numbered 1, 2, ... in id order)

The similar homes of an installation are the ``half`` eligible ones of its group with the nearest
ids below it and the ``half`` nearest above (``tools/data/sql/consumption_peer_ids_groups.sql``):
with ``k = pos - eligible`` eligible ids below its own, they are the eligible rows with ``pos`` in
``[k - half + 1, k + half + eligible]`` other than itself. Same installations as reading the
register (``consumption_peer_ids_register.sql``), at a cost that does not grow with the fleet.

Kept like the usage aggregates: ``peer_groups_source`` records the fingerprint of the register
columns it was built from (row count and the XOR of each row's hash); :func:`sync` rebuilds it
when they differ (every read-write open, after each ingest: ``Store.sync_usage``) and
:func:`ready` tells whether it matches the register (the query reads the register otherwise;
a writer always does, see ``Store.peer_groups_ready``).
"""

from __future__ import annotations

import duckdb

TABLE = "peer_groups"
SOURCE = "peer_groups_source"
COLUMNS: dict[str, str] = {
    "installation_id": "VARCHAR PRIMARY KEY",  # an index lookup for the asking installation
    "peer_group": "INTEGER",
    "eligible": "BOOLEAN",
    "pos": "INTEGER",
}
SOURCE_COLUMNS: dict[str, str] = {"n": "BIGINT", "h": "UBIGINT"}
_EXPECTED = {TABLE: COLUMNS, SOURCE: SOURCE_COLUMNS}
#: the register columns the groups depend on (a change to any of them changes the fingerprint)
_KEY = "installation_id, customer_class, subgroup, phases, gd_kind, gd_kwp"
_FINGERPRINT = f"SELECT count(*), coalesce(bit_xor(hash({_KEY})), 0) FROM installations"
_BUILD = f"""
INSERT INTO {TABLE}
SELECT installation_id,
       CASE WHEN customer_class IS NULL OR subgroup IS NULL OR phases IS NULL THEN NULL
            ELSE CAST(dense_rank() OVER (ORDER BY customer_class, subgroup, phases) AS INTEGER) END,
       eligible,
       CAST(sum(CAST(eligible AS INTEGER)) OVER (
           PARTITION BY customer_class, subgroup, phases ORDER BY installation_id
           ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS INTEGER)
FROM (SELECT *, coalesce(gd_kind, 'none') = 'none' AND coalesce(gd_kwp, 0) = 0 AS eligible FROM installations)
ORDER BY 2, 4, 1
"""


def tables_exist(con: duckdb.DuckDBPyConnection) -> bool:
    rows = con.execute(
        "SELECT table_name, list(column_name ORDER BY column_index) FROM duckdb_columns() "
        "WHERE schema_name = 'main' AND table_name IN (?, ?) GROUP BY table_name",
        [TABLE, SOURCE],
    ).fetchall()
    found = {t: list(cols) for t, cols in rows}
    return all(found.get(t) == list(cols) for t, cols in _EXPECTED.items())


def register_fingerprint(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    n, h = con.execute(_FINGERPRINT).fetchone()  # type: ignore[misc]
    return int(n), int(h)


def stored_fingerprint(con: duckdb.DuckDBPyConnection) -> tuple[int, int] | None:
    row = con.execute(f"SELECT n, h FROM {SOURCE}").fetchone()
    return None if row is None else (int(row[0]), int(row[1]))


def sync(con: duckdb.DuckDBPyConnection) -> bool:
    """Rebuild the table when the register changed (one transaction); True when it was rebuilt."""
    if tables_exist(con) and stored_fingerprint(con) == register_fingerprint(con):
        return False
    con.execute("BEGIN TRANSACTION")
    try:
        for table, cols in _EXPECTED.items():
            con.execute(f"DROP TABLE IF EXISTS {table}")
            con.execute(f"CREATE TABLE {table} ({', '.join(f'{c} {t}' for c, t in cols.items())})")
        con.execute(_BUILD)
        con.execute(f"INSERT INTO {SOURCE} VALUES (?, ?)", list(register_fingerprint(con)))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return True


def ready(con: duckdb.DuckDBPyConnection) -> bool:
    """The table exists and was built from the register as it is (scans the register: O(fleet),
    so a reader asks once per snapshot, see ``Store.peer_groups_ready``)."""
    return tables_exist(con) and stored_fingerprint(con) == register_fingerprint(con)
