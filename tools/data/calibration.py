"""Calibrate the storage-cost model on the project's own lake layout.

``calibrate`` writes a generated sample of each meter segment exactly as the lake stores it
(wide load profile, Hive ``month=YYYY-MM`` partitions, ZSTD Parquet written by DuckDB,
sorted by installation and time; 10-minute voltage, events and billing registers in their
own tables), reads the Parquet metadata back and measures the compressed bytes per
non-null value of every channel, per segment and load-profile interval. It can also
measure an existing lake directory (a real MDM export after ingest). The coefficients are
stored with their date and source in ``<home>/calibration.json``; the cost estimator uses
them instead of the literature defaults of ``shared/domain/storage-cost.md``.

The generated samples and the calibration over them (:func:`tools.demo.calibration.calibrate`)
live in :mod:`tools.demo`; this module writes and measures lakes and reads ``calibration.json``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from tools.data import lakefile, schema

CALIBRATION_FILE = "calibration.json"
CALIBRATION_VERSION = 1
#: Columns of the wide load profile that are not value channels (their bytes are row overhead).
#: Meters sampled for the events table (events are few per meter; small samples overstate B/event).
EVENT_SAMPLE_METERS = 2000
ROW_COLUMNS = ("installation_id", "ts", "interval_min", "quality")
LP_VALUE_COLUMNS = tuple(c for c in schema.LOAD_PROFILE_COLUMNS if c not in ROW_COLUMNS)
VOLTAGE_COLUMNS = ("v_a_dv", "v_b_dv", "v_c_dv")
#: a DuckDB connection of the writer (for the sample calibration of :mod:`tools.demo.calibration`)
Connection = duckdb.DuckDBPyConnection
#: How the lake writes Parquet: ``tools.data.lakefile`` (shared with the ingest and the scale generator).
PARQUET_OPTIONS = lakefile.DESCRIPTION


# ------------------------------------------------------------------------------ writing


def writer_connection() -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that writes the lake as it is meant to be: one thread.

    Measured: with 2 threads a partitioned ``COPY ... ORDER BY`` interleaves the threads' rows
    inside the partition files, which breaks the (installation, ts) order and makes the load
    profile 8-16 % bigger and the size non-deterministic.
    """
    con = duckdb.connect()
    con.execute("SET threads = 1")
    return con


def write_lake_table(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, lake: Path, table: str) -> None:
    """Write ``frame`` as lake table ``table`` exactly as the ingest writes it (``tools.data.lakefile``:
    typed columns, lake order, Hive month partitions, per-column encodings, ZSTD)."""
    cols = schema.LAKE_TABLES[table]
    sel = ", ".join(f"CAST({c} AS {t.split()[0]}) AS {c}" for c, t in cols.items())
    con.register("_calib_frame", frame)
    try:
        months = [
            m
            for (m,) in con.execute(
                "SELECT DISTINCT strftime(ts, '%Y-%m') FROM _calib_frame ORDER BY 1"
            ).fetchall()
        ]
        for month in months:
            target = lake / table / f"month={month}"
            target.mkdir(parents=True, exist_ok=True)
            lakefile.copy_sorted(
                con,
                f"SELECT {sel} FROM _calib_frame WHERE strftime(ts, '%Y-%m') = '{month}'",
                table,
                target / lakefile.part_name(0),
            )
    finally:
        con.unregister("_calib_frame")


# ------------------------------------------------------------------------------ measuring


@dataclass(frozen=True, slots=True)
class TableMeasurement:
    """Bytes of one lake table as stored: per-column compressed bytes and non-null values."""

    table: str
    files: int
    file_bytes: int
    rows: int
    row_groups: int
    column_bytes: Mapping[str, int]  # compressed column chunks incl. their bloom filters
    column_values: Mapping[str, int]  # non-null values per column
    footer_bytes: int = 0  # footers and magic numbers of all files (a per-file cost)

    @property
    def chunk_bytes(self) -> int:
        return sum(self.column_bytes.values())

    @property
    def index_bytes(self) -> int:
        """Page indexes and anything else outside chunks and footers (grows with the records)."""
        return self.file_bytes - self.chunk_bytes - self.footer_bytes

    @property
    def data_bytes(self) -> int:
        """Bytes that grow with the records: column chunks plus page indexes (no footers)."""
        return self.file_bytes - self.footer_bytes


def _lake_dir(path: str | Path) -> Path:
    p = Path(path)
    return p / "lake" if (p / "lake").is_dir() else p


def measure_table(
    lake: str | Path, table: str, con: duckdb.DuckDBPyConnection | None = None
) -> TableMeasurement:
    """Measure one lake table from its Parquet metadata (no data pages are read)."""
    files = sorted((_lake_dir(lake) / table).glob("**/*.parquet"))
    if not files:
        return TableMeasurement(table, 0, 0, 0, 0, {}, {})
    own = con is None
    c = con or duckdb.connect()
    try:
        names = [str(f) for f in files]
        per_col = c.execute(
            "SELECT path_in_schema, sum(total_compressed_size + coalesce(bloom_filter_length, 0)), "
            "sum(num_values - coalesce(stats_null_count, 0)) "
            "FROM parquet_metadata(?) GROUP BY path_in_schema",
            [names],
        ).fetchall()
        rows, row_groups, footers = c.execute(
            "SELECT sum(num_rows), sum(num_row_groups), sum(footer_size) FROM parquet_file_metadata(?)",
            [names],
        ).fetchall()[0]
    finally:
        if own:
            c.close()
    return TableMeasurement(
        table=table,
        files=len(files),
        file_bytes=sum(f.stat().st_size for f in files),
        rows=int(rows or 0),
        row_groups=int(row_groups or 0),
        column_bytes={str(k): int(b) for k, b, _ in per_col},
        column_values={str(k): int(v) for k, _, v in per_col},
        footer_bytes=int(footers or 0) + 12 * len(files),  # footer, its 4-byte length, 2 x 4-byte magic
    )


def measure_lake(lake: str | Path) -> dict[str, TableMeasurement]:
    """Measure every lake table under ``lake`` (a home or its ``lake/`` folder)."""
    with duckdb.connect() as con:
        return {t: measure_table(lake, t, con) for t in schema.LAKE_TABLES}


def lake_intervals(lake: str | Path) -> dict[int, int]:
    """Load-profile rows per interval (minutes) found in a lake."""
    files = sorted((_lake_dir(lake) / "load_profile").glob("**/*.parquet"))
    if not files:
        return {}
    with duckdb.connect() as con:
        got = con.execute(
            "SELECT interval_min, count(*) FROM read_parquet(?) GROUP BY 1", [[str(f) for f in files]]
        ).fetchall()
    return {int(i): int(n) for i, n in got if i is not None}


def coefficients_from(measured: Mapping[str, TableMeasurement]) -> dict[str, Any]:
    """Bytes per value per channel, per row, per event and per register value from measurements."""
    out: dict[str, Any] = {}
    lp = measured.get("load_profile")
    if lp and lp.rows:
        channels: dict[str, float] = {}
        overhead = sum(lp.column_bytes.get(c, 0) for c in ROW_COLUMNS)
        for col in LP_VALUE_COLUMNS:
            values = lp.column_values.get(col, 0)
            if values > 0:
                channels[col] = lp.column_bytes[col] / values
            else:  # absent channel (all NULL): its few bytes are row overhead
                overhead += lp.column_bytes.get(col, 0)
        out["load_profile"] = {
            "channels": channels,
            # ids, timestamps, flags, absent channels and the file's own metadata (footer, page index)
            "row_overhead": (overhead + lp.index_bytes) / lp.rows,
            "rows": lp.rows,
            "values": {c: lp.column_values.get(c, 0) for c in LP_VALUE_COLUMNS},
            "bytes": lp.file_bytes,
        }
    qee = measured.get("voltage_10min")
    if qee and qee.rows:
        readings = sum(qee.column_values.get(c, 0) for c in VOLTAGE_COLUMNS)
        out["power_quality"] = {
            "b_per_value": qee.data_bytes / readings,
            "values": readings,
            "bytes": qee.file_bytes,
        }
    ev = measured.get("events")
    if ev and ev.rows:
        out["events"] = {"b_per_event": ev.data_bytes / ev.rows, "values": ev.rows, "bytes": ev.file_bytes}
    reg = measured.get("billing_registers")
    if reg and reg.rows:
        out["registers"] = {
            "b_per_value": reg.data_bytes / reg.rows,
            "values": reg.rows,
            "bytes": reg.file_bytes,
        }
    files = sum(m.files for m in measured.values())
    if files:
        out["footer_bytes_per_file"] = {t: m.footer_bytes / m.files for t, m in measured.items() if m.files}
    return out


# ------------------------------------------------------------------------------ calibrating


def calibrate_lake(lake: str | Path) -> dict[str, Any]:
    """Measure an existing lake (all segments mixed): lake-wide coefficients."""
    measured = measure_lake(lake)
    coefs = coefficients_from(measured)
    intervals = lake_intervals(lake)
    return {
        "intervals": {str(k): v for k, v in sorted(intervals.items())},
        "coefficients": coefs,
        "tables": {
            t: {"files": m.files, "bytes": m.file_bytes, "rows": m.rows, "row_groups": m.row_groups}
            for t, m in measured.items()
        },
    }


def load_calibration(home: str | Path) -> dict[str, Any] | None:
    """The stored calibration of ``home``, or None."""
    path = Path(home) / CALIBRATION_FILE
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def lake_bytes(lake: str | Path) -> dict[str, int]:
    """Bytes on disk per lake table (all Parquet files)."""
    base = _lake_dir(lake)
    return {t: sum(f.stat().st_size for f in (base / t).glob("**/*.parquet")) for t in schema.LAKE_TABLES}
