"""Calibrate the storage-cost model on the project's own lake layout.

``calibrate`` writes a generated sample of each meter segment exactly as the lake stores it
(wide load profile, Hive ``month=YYYY-MM`` partitions, ZSTD Parquet written by DuckDB,
sorted by installation and time; 10-minute voltage, events and billing registers in their
own tables), reads the Parquet metadata back and measures the compressed bytes per
non-null value of every channel, per segment and load-profile interval. It can also
measure an existing lake directory (a real MDM export after ingest). The coefficients are
stored with their date and source in ``<home>/calibration.json``; the cost estimator uses
them instead of the literature defaults of ``shared/domain/storage-cost.md``.

The sample generator (:mod:`tools.data.calibration_sample`) is self-contained numpy,
shaped like real data (daily shape, noise, showers, PV, integer Wh, 0.1 V, 0.01 A).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from tools.data import lakefile, schema
from tools.data.calibration_sample import SampleSpec, events_table, generate_tables

CALIBRATION_FILE = "calibration.json"
CALIBRATION_VERSION = 1
#: Columns of the wide load profile that are not value channels (their bytes are row overhead).
#: Meters sampled for the events table (events are few per meter; small samples overstate B/event).
EVENT_SAMPLE_METERS = 2000
ROW_COLUMNS = ("installation_id", "ts", "interval_min", "quality")
LP_VALUE_COLUMNS = tuple(c for c in schema.LOAD_PROFILE_COLUMNS if c not in ROW_COLUMNS)
VOLTAGE_COLUMNS = ("v_a_dv", "v_b_dv", "v_c_dv")
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


@dataclass(frozen=True, slots=True)
class SampleManifest:
    """What a written sample holds (per spec key): meters, meter-days and record counts."""

    lake: Path
    start: dt.date
    days: int
    composition: Mapping[str, Mapping[str, Any]]


def write_sample(
    lake: str | Path,
    specs: Sequence[SampleSpec],
    *,
    meters: int | Mapping[str, int],
    start: dt.date = dt.date(2026, 10, 1),
    days: int = 31,
    seed: int = 20261001,
    con: duckdb.DuckDBPyConnection | None = None,
) -> SampleManifest:
    """Generate ``specs`` (mixed in one lake, as a fleet would be) and write all lake tables."""
    lake = Path(lake)
    rng = np.random.default_rng(seed)
    frames: dict[str, list[pd.DataFrame]] = {t: [] for t in schema.LAKE_TABLES}
    composition: dict[str, dict[str, Any]] = {}
    offset = 0
    for spec in specs:
        n = meters[spec.key] if isinstance(meters, Mapping) else meters
        tables = generate_tables(spec, n, start, days, rng, id_offset=offset)
        offset += n
        for name, frame in tables.items():
            frames[name].append(frame)
        composition[spec.key] = {
            "group": spec.group,
            "phases": spec.phases,
            "pv": spec.pv,
            "interval_min": spec.interval_min,
            "meters": n,
            "meter_days": n * days,
            **{f"{name}_records": len(frame) for name, frame in tables.items()},
        }
    own = con is None
    c = con or writer_connection()
    try:
        for name, parts in frames.items():
            write_lake_table(c, pd.concat(parts, ignore_index=True), lake, name)
    finally:
        if own:
            c.close()
    return SampleManifest(lake, start, days, composition)


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


def calibrate_generated(
    work: Path,
    specs: Iterable[SampleSpec],
    intervals: Sequence[int] | None = None,
    *,
    meters_per_segment: int,
    days: int,
    seed: int,
    start: dt.date = dt.date(2026, 10, 1),
) -> dict[str, Any]:
    """Write one sample lake per segment and interval, measure each, return the coefficients.

    ``intervals`` None measures each spec at its own interval only. The other tables (10-min
    voltage, events, registers) do not depend on the load-profile interval and are measured once.
    """
    by_interval: dict[str, dict[str, Any]] = {}
    others: dict[str, dict[str, Any]] = {}
    footers: dict[str, list[float]] = {}
    with writer_connection() as con:
        for spec in specs:
            for k, interval in enumerate(intervals or (spec.interval_min,)):
                s = SampleSpec(spec.key, spec.group, spec.phases, spec.pv, interval)
                lake = work / f"{spec.key}_{interval}" / "lake"
                write_sample(
                    lake, [s], meters=meters_per_segment, start=start, days=days, seed=seed + k, con=con
                )
                tables = ("load_profile",) if k else tuple(schema.LAKE_TABLES)
                coefs = coefficients_from({t: measure_table(lake, t, con) for t in tables})
                by_interval.setdefault(str(interval), {})[spec.key] = coefs["load_profile"]
                if not k:
                    others[spec.key] = {p: coefs[p] for p in ("power_quality", "registers") if p in coefs}
                    others[spec.key]["events"] = _calibrate_events(
                        work, s, max(EVENT_SAMPLE_METERS, meters_per_segment), start, days, seed, con
                    )
                for table, size in coefs.get("footer_bytes_per_file", {}).items():
                    footers.setdefault(table, []).append(size)
                shutil.rmtree(lake.parent, ignore_errors=True)
    return {
        "load_profile": by_interval,
        "segments": others,
        "footer_bytes_per_file": {t: float(np.mean(v)) for t, v in footers.items()},
    }


def _calibrate_events(
    work: Path,
    spec: SampleSpec,
    meters: int,
    start: dt.date,
    days: int,
    seed: int,
    con: duckdb.DuckDBPyConnection,
) -> dict[str, Any]:
    """Events need many records before their per-event cost settles: sample them on more meters."""
    rng = np.random.default_rng(seed + 7919)
    ids = np.array([f"3{i:014d}" for i in range(meters)], dtype=object)
    frame = events_table(spec, rng, ids, np.datetime64(start.isoformat(), "m"), days)
    lake = work / f"{spec.key}_events" / "lake"
    write_lake_table(con, frame, lake, "events")
    coefs = coefficients_from({"events": measure_table(lake, "events", con)})
    shutil.rmtree(lake.parent, ignore_errors=True)
    result: dict[str, Any] = coefs["events"]
    return result


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


def calibrate(
    home: str | Path,
    specs: Sequence[SampleSpec],
    *,
    lake: str | Path | None = None,
    intervals: Sequence[int] = (5, 10, 15, 30, 60),
    meters_per_segment: int = 40,
    days: int = 31,
    seed: int = 20261001,
    write: bool = True,
) -> dict[str, Any]:
    """Calibrate and (by default) store ``<home>/calibration.json``; returns what was stored."""
    home = Path(home)
    home.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="calib_", dir=home))
    try:
        generated = calibrate_generated(
            work, specs, intervals, meters_per_segment=meters_per_segment, days=days, seed=seed
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    doc: dict[str, Any] = {
        "version": CALIBRATION_VERSION,
        "created": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "layout": "parquet_zstd_wide",
        "writer": f"pyarrow {pa.__version__} ({PARQUET_OPTIONS}), month partitions",
        "source": {
            "kind": "generated",
            "generator": "tools.data.calibration_sample",
            "seed": seed,
            "meters_per_segment": meters_per_segment,
            "days": days,
            "segments": [s.key for s in specs],
            "intervals": list(intervals),
        },
        "generated": generated,
    }
    if lake is not None:
        doc["lake"] = {"path": str(Path(lake).resolve()), **calibrate_lake(lake)}
        doc["source"]["lake"] = str(Path(lake).resolve())
    if write:
        (home / CALIBRATION_FILE).write_text(json.dumps(doc, indent=2, sort_keys=True), encoding="utf-8")
    return doc


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
