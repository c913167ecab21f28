"""Calibrate the storage-cost model on generated samples written in the project's own lake layout.

:func:`calibrate` writes a sample of each meter segment (:mod:`tools.demo.calibration_sample`:
self-contained numpy shaped like real data: daily shape, noise, showers, PV, integer Wh, 0.1 V,
0.01 A) exactly as the lake stores it (:func:`tools.data.calibration.write_lake_table`), measures
it (:mod:`tools.data.calibration`) and stores the coefficients in ``<home>/calibration.json``.
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

import numpy as np
import pandas as pd
import pyarrow as pa

from tools.data import schema
from tools.data.calibration import (
    CALIBRATION_FILE,
    CALIBRATION_VERSION,
    EVENT_SAMPLE_METERS,
    PARQUET_OPTIONS,
    Connection,
    calibrate_lake,
    coefficients_from,
    measure_table,
    write_lake_table,
    writer_connection,
)
from tools.demo.calibration_sample import SampleSpec, events_table, generate_tables


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
    con: Connection | None = None,
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
    con: Connection,
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
            "generator": "tools.demo.calibration_sample",
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
