"""The DuckDB engine of the fleet jobs (the embedded default) and the register snapshot for Spark."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from tools.data.sqltext import sql_str
from tools.data.store import Store

REGISTERS_DIR = "_registers"
#: Register tables published for the distributed engines (never ``customers``: personal data).
REGISTER_TABLES = ("installations", "event_codes", "service_requests")
#: Installation columns left out of the snapshot (the link to the customer register).
_PRIVATE_COLUMNS = ("customer_key",)


def publish_registers(store: Store, lake: str | Path | None = None) -> dict[str, int]:
    """Snapshot the register tables to ``<lake>/_registers/<table>.parquet``; rows per table.

    The lake tables are already Parquet; the registers live in the DuckDB file, so an engine
    that reads only the lake (Spark, on a cluster over an object store) reads this snapshot.
    """
    base = Path(lake or store.lake) / REGISTERS_DIR
    base.mkdir(parents=True, exist_ok=True)
    out: dict[str, int] = {}
    cur = store.cursor()
    try:
        for table in REGISTER_TABLES:
            cols = [r[0] for r in cur.execute(f"DESCRIBE {table}").fetchall() if r[0] not in _PRIVATE_COLUMNS]
            target = base / f"{table}.parquet"
            tmp = base / f".{table}.parquet.tmp"
            cur.execute(
                f"COPY (SELECT {', '.join(cols)} FROM {table} ORDER BY ALL) TO {sql_str(tmp)} "
                "(FORMAT PARQUET, COMPRESSION ZSTD)"
            )
            tmp.replace(target)
            out[table] = int(cur.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]
    finally:
        cur.close()
    return out


class DuckEngine:
    """The fleet-job engine over the embedded store (one cursor, so registered frames are visible)."""

    name = "duckdb"

    def __init__(self, store: Store) -> None:
        self.store = store
        self._cur = store.cursor()

    def register(self, name: str, frame: pd.DataFrame) -> None:
        self._cur.register(name, frame)

    def write(self, sql: str, params: Mapping[str, Any] | None, target: str) -> int:
        """Write the result of ``sql`` as one Parquet file at ``target``; returns its rows."""
        out = Path(target)
        out.parent.mkdir(parents=True, exist_ok=True)
        reader = self._cur.sql(sql, params=dict(params or {}) or None).to_arrow_reader(256_000)
        rows = 0
        with pq.ParquetWriter(str(out), reader.schema, compression="zstd") as writer:
            for batch in reader:
                writer.write_batch(batch)
                rows += batch.num_rows
        return rows

    def close(self) -> None:
        self._cur.close()
