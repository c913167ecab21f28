"""Physical layout of the lake files: the one place for file size, order, row groups and encodings.

Both writers of the lake use it: the ingest (``tools.data.ingest``, merged month partitions) and
the direct scale generator (``tools.data.scale``). A month partition
``lake/<table>/month=YYYY-MM/`` holds one or more ``part-NNNN.parquet`` files; each file holds a
range of installations (an *installation bucket*), sorted by :data:`ORDER`, so each row group
covers a narrow installation range and a single-installation query reads one or two row groups
per month whatever the fleet size (Parquet min/max statistics on ``installation_id`` let DuckDB
skip the others). ``docs/scale.md`` has the measurements behind the choices:

* ``load_profile`` is ordered by ``(interval_min, installation_id, ts)``: an installation has one
  interval, so its rows stay contiguous, and row groups hold values of one resolution (15-minute
  and hourly energy compress differently, and the per-resolution bytes can be read back from
  the row-group statistics);
* per-column encodings, then ZSTD: integer interval values (energy, reactive, current) use
  BYTE_STREAM_SPLIT (the high bytes of small integers are almost always zero and compress to
  nothing; about 0.87 B per 15-minute kWh reading against 1.1-1.3 B for plain or dictionary
  pages), voltages, timestamps and cumulative registers DELTA_BINARY_PACKED, ids and flags
  dictionaries. DuckDB reads all of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tools.data import schema

ROWS_PER_FILE = 4_000_000
ROW_GROUP_SIZE = 122_880
COMPRESSION_LEVEL = 3
#: Physical row order of each lake table inside a file.
ORDER: dict[str, tuple[str, ...]] = {
    "load_profile": ("interval_min", "installation_id", "ts"),
    "voltage_10min": ("installation_id", "ts"),
    "events": ("installation_id", "ts", "code"),
    "billing_registers": ("installation_id", "ts", "register", "posto"),
}
#: One line for reports (calibration.json "writer").
DESCRIPTION = (
    f"Parquet, ZSTD level {COMPRESSION_LEVEL}, {ROW_GROUP_SIZE:,}-row groups, page index; "
    "BYTE_STREAM_SPLIT energy/current, DELTA_BINARY_PACKED time/voltage/registers, dictionary ids"
)
_BYTE_SPLIT = frozenset(
    [c for code, (c, _s) in schema.CHANNELS.items() if code not in schema.VOLTAGE_CHANNELS] + ["value"]
)
_DELTA = frozenset(["ts", "interval_min", "v_a_dv", "v_b_dv", "v_c_dv", "value_wh", "code"])
_DICTIONARY = frozenset(["installation_id", "quality", "register", "posto"])


def part_name(bucket: int) -> str:
    """File name of installation bucket ``bucket`` inside a month partition."""
    return f"part-{int(bucket):04d}.parquet"


def order_sql(table: str) -> str:
    return ", ".join(ORDER[table])


def arrow_schema(table: str) -> pa.Schema:
    """The Arrow schema of a lake table's files (the DuckDB types of ``schema.LAKE_TABLES``)."""
    types = {
        "VARCHAR": pa.string(),
        "TIMESTAMP": pa.timestamp("us"),
        "SMALLINT": pa.int16(),
        "INTEGER": pa.int32(),
        "BIGINT": pa.int64(),
        "UTINYINT": pa.uint8(),
        "DOUBLE": pa.float64(),
    }
    return pa.schema([(c, types[t.split()[0]]) for c, t in schema.LAKE_TABLES[table].items()])


def _writer(path: Path, table: str) -> pq.ParquetWriter:
    cols = list(schema.LAKE_TABLES[table])
    return pq.ParquetWriter(
        str(path),
        arrow_schema(table),
        compression="zstd",
        compression_level=COMPRESSION_LEVEL,
        use_dictionary=[c for c in cols if c in _DICTIONARY],
        column_encoding={c: "BYTE_STREAM_SPLIT" for c in cols if c in _BYTE_SPLIT}
        | {c: "DELTA_BINARY_PACKED" for c in cols if c in _DELTA},
        write_statistics=True,
        write_page_index=True,  # DuckDB skips the pages of other installations inside a row group
    )


def write_batches(path: Path, table: str, batches: Iterable[pa.RecordBatch]) -> int:
    """Write record batches (already in :data:`ORDER`, lake column types) to one file; returns rows."""
    n = 0
    target = arrow_schema(table)
    pending: list[pa.RecordBatch] = []
    size = 0
    with _writer(path, table) as w:
        for b in batches:  # full row groups whatever the batch sizes of the producer
            if b.num_rows == 0:
                continue
            pending.append(b)
            size += b.num_rows
            n += b.num_rows
            if size >= ROW_GROUP_SIZE:
                t = pa.Table.from_batches(pending)
                keep = size - size % ROW_GROUP_SIZE
                w.write_table(
                    t.slice(0, keep).select(target.names).cast(target), row_group_size=ROW_GROUP_SIZE
                )
                pending = t.slice(keep).to_batches()
                size -= keep
        if size:
            t = pa.Table.from_batches(pending)
            w.write_table(t.select(target.names).cast(target), row_group_size=ROW_GROUP_SIZE)
    return n


def write_split(
    directory: Path, table: str, batches: Iterable[pa.RecordBatch], rows_per_file: int
) -> list[Path]:
    """Write sorted record batches into consecutive files ``part-NNNN.parquet`` of about
    ``rows_per_file`` rows each in ``directory``; returns the files written."""
    out: list[Path] = []
    chunk: list[pa.RecordBatch] = []
    size = 0
    for b in batches:
        if b.num_rows == 0:
            continue
        chunk.append(b)
        size += b.num_rows
        if size >= rows_per_file:
            out.append(directory / part_name(len(out)))
            write_batches(out[-1], table, chunk)
            chunk, size = [], 0
    if chunk:
        out.append(directory / part_name(len(out)))
        write_batches(out[-1], table, chunk)
    return out


def copy_sorted(con: duckdb.DuckDBPyConnection, select: str, table: str, path: Path) -> int:
    """Write the rows of ``select`` (lake columns) in lake order to ``path``; returns rows.

    The rows are fetched unsorted and ordered in Arrow by the :data:`ORDER` columns alone (a
    stable sort, bytewise on text like DuckDB's): an ``ORDER BY`` in DuckDB carries every column
    through its sort, about three times the CPU on the load profile (docs/scale.md). Holds the
    file's rows in memory (at most ``ROWS_PER_FILE``)."""
    rows = con.sql(f"SELECT * FROM ({select})").to_arrow_table()  # no pending result left
    order = pc.sort_indices(rows, sort_keys=[(c, "ascending") for c in ORDER[table]])
    return write_batches(path, table, rows.take(order).to_batches(ROW_GROUP_SIZE))
