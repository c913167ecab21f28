"""Direct scale-fleet generator: the demo model, written as lake partitions in vectorised batches.

Same statistical model as ``tools.data.demo`` (it calls it: register and scenario roles from
``demo_fleet``, outages/tamper/gaps/silence from ``demo_events``, load shapes, PV and transformer
voltages from ``demo_grid``/``demo_load``, interval aggregation and billing registers from
``demo_output``), but instead of MDM CSV exports that are ingested afterwards, each
*installation bucket* (consecutive whole-transformer batches of about ``ROWS_PER_FILE`` rows a
month) is written once per month as a sorted ZSTD Parquet file of the lake
(``lake/<table>/month=YYYY-MM/part-NNNN.parquet``, see :mod:`tools.data.lakefile`), and the
registers go straight into DuckDB. Buckets are independent (a bucket carries its own billing
register state across months), so they run in ``workers`` processes; the output does not depend
on ``workers``. The workers also sum each bucket-month's load profile per installation and hour
(``usage_hourly``'s columns); those sums are loaded into the usage aggregates at the end instead
of re-reading the lake (:func:`_load_usage`; the same rows as ``usage.rebuild``, tested).

Differences from the CSV demo, all deliberate for scale:

* **the physics runs at the meter's own resolution.** Group B meters that record no 10-minute
  voltage (a 15- or 60-minute load profile) are simulated on a 15-minute grid
  (``COARSE_STEP_S``) instead of the 5-minute base grid: the same statistical model (load shapes,
  showers spread over the steps they overlap, PV, reactive power, transformer voltage drop) at a
  third of the steps. Group A meters (5-minute profile) and the 10-minute voltage sample below
  keep the 5-minute physics (:func:`fine_rows`). A transformer couples both kinds at 5 minutes
  (``demo_grid.simulate_split``): its phase power adds the coarse meters' steps spread evenly,
  its coarse meters see the transformer voltage averaged over their step and a meter noise of
  the 15-minute mean (sigma / sqrt 3). Outage, suspension and phase-loss windows cover a
  *fraction* of a 15-minute step exactly as of a 5-minute one (an outage over 6 minutes of an
  interval removes 6/15 of its energy); quality, scheduled events and register readings fall
  on the same intervals as in the CSV demo. The values of the coarse meters (and of the voltage
  of their transformer neighbours) therefore differ from the CSV demo's; the under/over-voltage
  events of coarse meters use 15-minute means and a run of two (30 minutes). A fleet with no
  coarse meter (every Group B meter sampled, e.g. 40 meters) equals the CSV demo row for row;
* no stream file: the last two days of the stream meters are in the lake like every other day;
* 10-minute voltage (PRODIST "tensão de leitura") for a sample of Group B meters: the scenario
  meters (ids up to ``demo_fleet.N_FIXED``), every meter of a weak transformer and every
  ``voltage_every``-th installation, over the last ``voltage_months`` months;
* no service requests (``demo_requests`` writes CSV for the ingest path).

The same arguments give the same lake (byte-identical files).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import multiprocessing as mp
import os
import resource
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from tools.data import lakefile, schema, usage
from tools.data.sqltext import sql_str_list
from tools.data.store import Store
from tools.demo.calendar import STEP_S, Grid, Weather, make_grid, make_weather, month_chunks, to_s
from tools.demo.events import Schedule, build_schedule
from tools.demo.fleet import N_FIXED, Fleet, build_fleet
from tools.demo.generator import _batches, _metadata, _write_events
from tools.demo.grid import BatchState, simulate_split
from tools.demo.output import (
    MeterIntervals,
    Registers,
    in_windows,
    intervals,
    register_rows,
    registers_table,
    step_min,
    step_sum,
    voltage_events,
)
from tools.demo.windows import Windows
from tools.domain.periods import add_months

VOLTAGE_EVERY = 10
#: Directory (next to the lake tables while building) of the hourly usage sums the workers
#: compute from the load-profile arrays; loaded into ``usage_hourly``/``usage_daily`` at the end
#: instead of re-reading the whole lake (see :func:`_load_usage`). Removed once loaded.
USAGE_STAGE = ".usage-stage"
#: Simulation step (s) of the meters that need no 5-minute physics (see the module docstring).
COARSE_STEP_S = 900
#: Installation columns the physics reads (``demo_load``, ``demo_grid``): the workers simulate
#: from a frame of these alone (slicing the 54-column register per batch cost more than the loads).
SIM_COLUMNS = (
    "ac_kw", "activity_w", "base_w", "branca_shift", "cap_frac", "day_occ", "dc_kw", "evening_share",
    "feeder_no", "fridge_period", "fridge_phase", "fridge_w", "gd_kwp", "has_ac", "has_shower", "idx",
    "kind", "people", "pf", "phase_conn", "phases", "refrig_w", "shop_kind", "shop_kw",
    "shower_challenge_day", "shower_kw", "tariff_modality", "transformer_no",
)  # fmt: skip
_NEVER = 2**62
_LP_CODES = {code: k for k, code in enumerate(schema.CHANNELS)}
_LP_COLUMNS = [col for col, _scale in schema.CHANNELS.values()]
_LP_SCALES = np.array([scale for _col, scale in schema.CHANNELS.values()], dtype=float)
_LP_TYPES = {
    "INTEGER": pa.int32(),
    "SMALLINT": pa.int16(),
}
_LP_PA = [_LP_TYPES[schema.LOAD_PROFILE_COLUMNS[col]] for col in _LP_COLUMNS]
_LP_NP = [typ.to_pandas_dtype() for typ in _LP_PA]


@dataclass(frozen=True)
class _Job:
    """Everything a bucket worker needs (inherited by forked workers, never pickled)."""

    lake: Path
    fleet: Fleet  # the physics' view: installation frame of SIM_COLUMNS
    sched: Schedule
    weather: Weather
    recs: list[dict[str, Any]]
    id_dict: pa.Array
    id_rank: np.ndarray  # (fleet rows,) position of the installation id in text order
    buckets: list[list[np.ndarray]]
    chunks: list[tuple[str, dt.date, dt.date]]
    start: dt.date
    v_start: dt.date
    voltage_rows: frozenset[int]
    fine: np.ndarray  # (fleet rows,) bool: simulated on the 5-minute grid
    seed: int
    threads: int


_JOB: _Job | None = None


def build_direct(
    home: Path,
    meters: int,
    months: int = 13,
    seed: int = 7,
    end: dt.date = dt.date(2026, 11, 25),
    voltage_months: int = 3,
    voltage_every: int = VOLTAGE_EVERY,
    workers: int = 1,
    rows_per_file: int = lakefile.ROWS_PER_FILE,
    progress: bool = False,
    note: Callable[[str], None] | None = None,
    memory_limit: str = "4GB",
    resume: bool = False,
) -> dict[str, Any]:
    """Generate a fleet into the (empty) store at ``home``; returns the demo metadata with a
    ``build`` section (timings, rows per table, lake bytes). ``memory_limit`` bounds DuckDB
    (aggregates, compaction). ``resume`` finishes a build whose lake is complete (registers,
    aggregates, metadata; the generation figures are then not known)."""
    global _JOB
    note = note or (lambda _s: None)
    home = Path(home)
    lake = home / "lake"
    resumed = lake.exists() and any(lake.rglob("*.parquet"))
    if resumed and not resume:
        raise FileExistsError(f"{lake} already holds data; build a scale fleet into an empty home")
    t0, c0 = time.perf_counter(), time.process_time()
    staging = home / ".lake-build"
    start = add_months(end, -months) + dt.timedelta(days=1)
    v_start = max(start, add_months(end, -voltage_months) + dt.timedelta(days=1))
    note("fleet register and schedules")
    fleet = build_fleet(meters, seed, start, end)
    sched = build_schedule(fleet, seed, start, end)
    weather = make_weather(seed, start, (end - start).days + 1)
    inst = fleet.inst
    buckets = plan_buckets(fleet, _batches(fleet), rows_per_file)
    setup_s = time.perf_counter() - t0
    totals: dict[str, int] = {}
    worker_cpu = 0.0
    compact_s = 0.0
    workers = max(1, min(workers, len(buckets)))
    if not resumed:
        shutil.rmtree(staging, ignore_errors=True)
        _JOB = _Job(
            lake=staging,
            fleet=_sim_fleet(fleet),
            sched=sched,
            weather=weather,
            recs=inst.to_dict("records"),
            id_dict=pa.array(inst["installation_id"].tolist()),
            id_rank=np.argsort(np.argsort(inst["installation_id"].astype(str).to_numpy(), kind="stable")),
            buckets=buckets,
            chunks=month_chunks(start, end),
            start=start,
            v_start=v_start,
            voltage_rows=(vrows := voltage_sample(fleet, voltage_every)),
            fine=fine_rows(fleet, vrows),
            seed=seed,
            threads=1 if workers > 1 else 2,
        )
        n_months = len(_JOB.chunks)
        bar = tqdm(
            total=len(buckets) * n_months, disable=not progress, desc="scale fleet", unit="bucket-month"
        )
        try:
            if workers == 1:
                for b in range(len(buckets)):  # inline: this process's CPU time already counts it
                    _add(totals, _run_bucket(b, bar.update))
            else:
                with mp.get_context("fork").Pool(workers) as pool:
                    for res in pool.imap_unordered(_run_bucket, range(len(buckets))):
                        worker_cpu += _add(totals, res)
                        bar.update(n_months)
        finally:
            bar.close()
            _JOB = None
        note("compacting the small tables")
        t_c = time.perf_counter()
        compact(staging, ("events", "billing_registers", "voltage_10min"), rows_per_file)
        compact_s = time.perf_counter() - t_c
        usage_stage = home / USAGE_STAGE
        shutil.rmtree(usage_stage, ignore_errors=True)
        if (staging / USAGE_STAGE).exists():
            (staging / USAGE_STAGE).rename(usage_stage)
        else:
            _place_lake(staging, lake)
    else:  # a build stopped after the lake was complete: registers and aggregates only
        for table in schema.LAKE_TABLES:
            totals[table] = sum(
                pq.ParquetFile(f).metadata.num_rows for f in (lake / table).glob("month=*/*.parquet")
            )
    lake_s = time.perf_counter() - t0 - setup_s
    note("registers and aggregates")
    t1, c1 = time.perf_counter(), time.process_time()
    with Store(home, memory_limit=memory_limit) as store:  # schema, views, usage aggregates
        t_reg = time.perf_counter()
        write_registers(store, fleet)  # first: the aggregates' installation buckets follow the register
        if not resumed and staging.exists():  # opened before the lake is in place: nothing aggregated
            _place_lake(staging, lake)
            _load_usage(store, lake, home / USAGE_STAGE)
        store.refresh_views()
        agg_s = time.perf_counter() - t_reg
    agg_cpu = time.process_time() - c1
    args = {
        "meters": meters,
        "months": months,
        "seed": seed,
        "end": str(end),
        "voltage_months": voltage_months,
    }
    meta = _metadata(fleet, sched, args, start, end, v_start)
    meta["generator"] = "tools.data.scale"
    meta["build"] = {
        "params": {**args, "direct": True, "voltage_every": voltage_every},
        "buckets": len(buckets),
        "resumed": resumed,
        "workers": workers,
        "rows": totals,
        "setup_s": round(setup_s, 2),
        "lake_s": round(lake_s, 2),
        "compact_s": round(compact_s, 2),
        "registers_and_aggregates_s": round(agg_s + (t_reg - t1), 2),
        "wall_s": round(time.perf_counter() - t0, 2),
        "cpu_s": round(time.process_time() - c0 + worker_cpu, 2),
        "worker_cpu_s": round(worker_cpu, 2),  # the bucket workers' share (0 when inline)
        "aggregates_cpu_s": round(agg_cpu, 2),  # this process, registers and usage aggregates
        "lake_bytes": sum(f.stat().st_size for f in lake.rglob("*.parquet")),
        "peak_rss_mb": round(
            max(
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
            )
            / 1024,
            1,
        ),
    }
    return meta


def _place_lake(staging: Path, lake: Path) -> None:
    if lake.exists():  # empty table directories of an earlier open
        shutil.rmtree(lake)
    staging.rename(lake)


def _load_usage(store: Store, lake: Path, stage_dir: Path) -> None:
    """Fill ``usage_hourly``/``usage_daily`` from the workers' hourly sums (the rows
    ``usage.stage_month`` would compute from the lake, in the same order) and record the lake's
    fingerprint, so the store's refresh finds them current; a month without staged sums is left
    to that refresh. One month at a time, each in its own transaction: a month of a 100k-meter
    fleet is ~72 M hourly rows, and holding every month's sorted copy at once spills tens of GB
    to DuckDB's temporary directory."""
    fp = usage.lake_fingerprint(lake / usage.SOURCE_TABLE)
    cur = store.cursor()
    try:
        usage.create_tables(cur)
        usage.relayout(cur)  # empty tables: split by the register before any row goes in
        for month in sorted(fp):
            files = sorted((stage_dir / f"month={month}").glob("*.parquet"))
            if not files:
                continue
            temp = f"_usage_direct_{month.replace('-', '')}"
            cur.execute(
                f"CREATE OR REPLACE TEMP TABLE {temp} AS SELECT * FROM read_parquet({sql_str_list(files)}) "
                "ORDER BY installation_id, day, hour"
            )
            try:
                cur.begin()
                try:
                    usage.apply_months(cur, {month: (temp, fp[month])})
                    cur.commit()
                except BaseException:
                    cur.rollback()
                    raise
            finally:
                cur.execute(f"DROP TABLE IF EXISTS {temp}")
    finally:
        cur.close()
    shutil.rmtree(stage_dir, ignore_errors=True)


def compact(lake: Path, tables: tuple[str, ...], rows_per_file: int) -> None:
    """Merge the per-bucket files of each month of ``tables`` into files of about
    ``rows_per_file`` rows in lake order (events and registers are small: one file per bucket
    would mean many tiny files for every query to open). A month whose files already hold
    ``rows_per_file / 8`` rows on average is left as written (at 100k meters the voltage
    sample's bucket files hold about a million rows each: re-sorting them bought nothing)."""
    con = duckdb.connect(config={"memory_limit": "3GB"})
    try:
        for table in tables:
            for month_dir in sorted((lake / table).glob("month=*")):
                files = sorted(month_dir.glob("*.parquet"))
                rows = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
                if len(files) <= max(1, -(-rows // rows_per_file)) or rows >= len(files) * (
                    rows_per_file // 8
                ):
                    continue
                tmp = month_dir.with_name(".compact-" + month_dir.name)
                shutil.rmtree(tmp, ignore_errors=True)
                tmp.mkdir()
                reader = con.sql(
                    f"SELECT * FROM read_parquet({sql_str_list(files)}) ORDER BY {lakefile.order_sql(table)}"
                ).to_arrow_reader(lakefile.ROW_GROUP_SIZE)
                try:
                    lakefile.write_split(tmp, table, reader, rows_per_file)
                finally:
                    reader.close()
                shutil.rmtree(month_dir)
                tmp.rename(month_dir)
    finally:
        con.close()


def _add(totals: dict[str, int], res: dict[str, float]) -> float:
    for k, v in res.items():
        if k != "cpu_s":
            totals[k] = totals.get(k, 0) + int(v)
    return float(res.get("cpu_s", 0.0))


def rows_per_month(interval_min: np.ndarray) -> np.ndarray:
    return np.asarray(30.44 * 1440.0 / np.maximum(interval_min, 1))


def plan_buckets(fleet: Fleet, batches: list[np.ndarray], rows_per_file: int) -> list[list[np.ndarray]]:
    """Consecutive batches grouped so that a bucket holds about ``rows_per_file`` rows a month."""
    est = rows_per_month(fleet.inst["interval_min"].to_numpy())
    out: list[list[np.ndarray]] = []
    cur: list[np.ndarray] = []
    size = 0.0
    for b in batches:
        rows = float(est[b].sum())
        if cur and size + rows > rows_per_file:
            out.append(cur)
            cur, size = [], 0.0
        cur.append(b)
        size += rows
    if cur:
        out.append(cur)
    return out


def _sim_fleet(fleet: Fleet) -> Fleet:
    slim = fleet.inst[list(SIM_COLUMNS)].copy()
    for c in slim.columns:
        if pd.api.types.is_string_dtype(slim[c]):
            slim[c] = slim[c].astype(object)
    return dataclasses.replace(fleet, inst=slim)


def fine_rows(fleet: Fleet, voltage_rows: frozenset[int]) -> np.ndarray:
    """(fleet rows,) True where the meter is simulated on the 5-minute grid: its load profile
    is not a multiple of ``COARSE_STEP_S`` (Group A, 5 minutes) or it records 10-minute voltage."""
    imin = fleet.inst["interval_min"].to_numpy().astype(int)
    fine = (imin * 60) % COARSE_STEP_S != 0
    fine[list(voltage_rows)] = True
    return np.asarray(fine)


def voltage_sample(fleet: Fleet, every: int) -> frozenset[int]:
    """Fleet rows with 10-minute voltage: scenario meters, weak-transformer meters, every n-th id."""
    inst = fleet.inst
    idx = inst["idx"].to_numpy()
    pick = (idx <= N_FIXED) | inst["weak"].to_numpy().astype(bool) | (idx % max(every, 1) == 0)
    pick &= inst["kind"].to_numpy() != "group_a"
    return frozenset(int(r) for r in np.flatnonzero(pick))


# ---------------------------------------------------------------------------------- one bucket


def _run_bucket(b: int, tick: Callable[[int], Any] | None = None) -> dict[str, float]:
    job = _JOB
    assert job is not None
    c0 = time.process_time()
    batches = job.buckets[b]
    rows = np.sort(np.concatenate(batches))
    regs = Registers()
    for row in rows:
        regs.init_meter(int(row), job.recs[int(row)], job.seed)
    sched_b = _bucket_schedule(job.sched, rows)
    counts = {"load_profile": 0, "voltage_10min": 0, "events": 0, "billing_registers": 0, "meter_months": 0}
    v_start_s = to_s(job.v_start)
    silent, gaps = job.sched.silent, sched_b.gaps

    def keep_voltage(row: int, t10: np.ndarray) -> np.ndarray:
        if row not in job.voltage_rows:
            return np.zeros(len(t10), bool)
        return np.asarray((t10 >= v_start_s) & (t10 < silent.get(row, _NEVER)) & ~in_windows(gaps, row, t10))

    for c_no, (label, first, last) in enumerate(job.chunks):
        grid = make_grid(label, first, last, job.start)
        coarse = make_grid(label, first, last, job.start, COARSE_STEP_S)
        final = c_no == len(job.chunks) - 1
        lp: list[MeterIntervals] = []
        keeps: list[np.ndarray] = []
        reg_frames: list[dict[str, np.ndarray]] = []
        volts: list[dict[str, np.ndarray]] = []
        derived: list[tuple[int, int, int, float]] = []
        for batch in batches:
            fine = job.fine[batch]
            sims = simulate_split(job.fleet, batch, fine, grid, coarse, job.weather, sched_b, job.seed)
            for state, g in sims:
                for mi in intervals(state, job.recs, g):
                    since = silent.get(mi.row, _NEVER)
                    lp.append(mi)
                    keeps.append((mi.ts_s < since) & ~in_windows(gaps, mi.row, mi.ts_s))
                    reg = register_rows(mi, job.recs[mi.row], regs, g, final)
                    ok = (reg["ts_s"] < since) & ~in_windows(gaps, mi.row, reg["ts_s"])
                    reg_frames.append({k: v[ok] for k, v in reg.items()})
                if last >= job.v_start and g.step_s == STEP_S:
                    vt = _voltage_wide(state, job.recs, g, keep_voltage)
                    if vt is not None:
                        volts.append(vt)
                derived += voltage_events(state, job.recs, g)
        part = job.lake / "{table}" / f"month={label}" / lakefile.part_name(b)
        counts["load_profile"] += _write_load_profile(lp, keeps, job.id_dict, part)
        counts["billing_registers"] += _write_registers(reg_frames, job.id_dict, part)
        counts["voltage_10min"] += _write_voltage(volts, job.id_dict, job.id_rank, part)
        counts["events"] += _write_month_events(sched_b, grid, last, derived, job.id_dict, part)
        counts["meter_months"] += len(rows)
        if tick is not None:
            tick(1)
    return {**counts, "cpu_s": time.process_time() - c0}


def _bucket_schedule(sched: Schedule, rows: np.ndarray) -> Schedule:
    """The schedule's windows and events of the bucket's rows only: the lookups per meter and
    batch (coverage, gaps) then scan the bucket's windows, not the whole fleet's (the same
    result: windows of other rows are ignored anyway)."""

    def sub(w: Windows) -> Windows:
        m = np.isin(w.rows, rows)
        return Windows(w.rows[m], w.start[m], w.end[m])

    return dataclasses.replace(
        sched,
        outages=sub(sched.outages),
        suspensions=sub(sched.suspensions),
        phase_loss=sub(sched.phase_loss),
        gaps=sub(sched.gaps),
        demand_peaks=sub(sched.demand_peaks),
        events=sched.events[sched.events["row"].isin(rows)],
    )


def _target(part: Path, table: str) -> Path:
    path = Path(str(part).replace("{table}", table))
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _write_load_profile(
    parts: list[MeterIntervals],
    keeps: list[np.ndarray],
    id_dict: pa.Array,
    part: Path,
) -> int:
    """Wide rows (one per kept interval) of the bucket's meters, in lake order (interval, installation)."""
    order = sorted(range(len(parts)), key=lambda k: (parts[k].interval_min, parts[k].row))
    counts = [int(keeps[k].sum()) for k in order]
    n = sum(counts)
    if n == 0:
        return 0
    n_ch = len(_LP_COLUMNS)
    vals = [np.zeros(n, dtype=_LP_NP[j]) for j in range(n_ch)]
    valid = np.zeros((n_ch, n), dtype=bool)
    row_a = np.empty(n, np.int32)
    ts_a = np.empty(n, np.int64)
    imin = np.empty(n, np.int16)
    qual = np.empty(n, np.uint8)
    pos = 0
    for k, m in zip(order, counts, strict=True):
        if m == 0:
            continue
        mi, keep = parts[k], keeps[k]
        sl = slice(pos, pos + m)
        whole = m == len(keep)  # nothing left out: no copy of the meter's arrays
        row_a[sl] = mi.row
        ts_a[sl] = mi.ts_s if whole else mi.ts_s[keep]
        imin[sl] = mi.interval_min
        qual[sl] = mi.quality if whole else mi.quality[keep]
        slots = _slots(mi.channels)
        scaled = np.rint((mi.values if whole else mi.values[:, keep]) * _LP_SCALES[slots, None])
        for j, slot in enumerate(slots):
            vals[slot][sl] = scaled[j]
        valid[slots, sl] = True
        pos += m
    cols: dict[str, pa.Array] = {
        "installation_id": id_dict.take(pa.array(row_a)),
        "ts": pa.array(ts_a.astype("datetime64[s]")),
        "interval_min": pa.array(imin),
    }
    for j, col in enumerate(_LP_COLUMNS):
        mask = None if valid[j].all() else ~valid[j]
        cols[col] = pa.array(vals[j], type=_LP_PA[j], mask=mask)
    cols["quality"] = pa.array(qual)
    _copy(pa.table(cols), "load_profile", part)
    ch = {c: (vals[j], valid[j]) for j, c in enumerate(_LP_COLUMNS)}
    hourly = _hourly_usage(row_a, ts_a, imin, qual, ch, id_dict)
    _copy(hourly, USAGE_STAGE, part)
    return n


def _hourly_usage(
    row_a: np.ndarray,
    ts_a: np.ndarray,
    imin: np.ndarray,
    qual: np.ndarray,
    ch: dict[str, tuple[np.ndarray, np.ndarray]],
    id_dict: pa.Array,
) -> pa.Table:
    """The ``usage_hourly`` rows (plus ``last_ts``) of a bucket-month's load profile, as
    ``usage.stage_month`` computes them from the lake file (column semantics in
    :mod:`tools.data.usage`), from the arrays in hand. The rows are in lake order (interval,
    installation, time): an installation's hours are contiguous."""
    hour_s = ts_a // 3600 * 3600
    new = np.ones(len(ts_a), bool)
    new[1:] = (row_a[1:] != row_a[:-1]) | (hour_s[1:] != hour_s[:-1])
    starts = np.flatnonzero(new)
    n_rows = np.diff(np.append(starts, len(ts_a)))

    def total(v: np.ndarray) -> np.ndarray:
        return np.add.reduceat(v.astype(np.int64), starts)

    minute = (ts_a % 3600) // 60
    quarters = np.left_shift(1, minute // 15).astype(np.int64)
    mask = np.bitwise_or.reduceat(quarters, starts)
    slots = sum(((mask >> b) & 1) for b in range(4))
    imp, exp, q1, q4 = ch["import_wh"], ch["export_wh"], ch["q1_varh"], ch["q4_varh"]
    readings = total(imp[1])
    n_exp, n_q1, n_q4 = total(exp[1]), total(q1[1]), total(q4[1])
    imp_wh = np.where(imp[1], imp[0], 0).astype(np.int64)
    quarter = minute // 15
    # the largest 15-minute slot sum of import among the quarters with rows (a slot without a value counts 0)
    peak = np.full(len(starts), np.iinfo(np.int64).min, np.int64)
    for q in range(4):
        s_q = np.add.reduceat(np.where(quarter == q, imp_wh, 0), starts)
        peak = np.where((mask >> q) & 1 == 1, np.maximum(peak, s_q), peak)
    h0 = hour_s[starts]
    return pa.table(
        {
            "installation_id": id_dict.take(pa.array(row_a[starts])),
            "day": pa.array((h0 // 86400).astype(np.int32), type=pa.date32()),
            "hour": pa.array(((h0 % 86400) // 3600).astype(np.int8)),
            "import_wh": pa.array(total(np.where(imp[1], imp[0], 0)), mask=readings == 0),
            "export_wh": pa.array(total(np.where(exp[1], exp[0], 0)), mask=n_exp == 0),
            "minutes": pa.array(total(imin).astype(np.int32)),
            "readings": pa.array(readings.astype(np.int32)),
            "slots": pa.array(np.asarray(slots).astype(np.int16)),
            "rows": pa.array(n_rows.astype(np.int16)),
            "estimated": pa.array(total(qual & 1).astype(np.int16)),
            "q1_varh": pa.array(total(np.where(q1[1], q1[0], 0)), mask=n_q1 == 0),
            "q4_varh": pa.array(total(np.where(q4[1], q4[0], 0)), mask=n_q4 == 0),
            "peak_wh": pa.array(peak),
            "last_ts": pa.array(np.maximum.reduceat(ts_a, starts).astype("datetime64[s]")).cast(
                pa.timestamp("us")
            ),
        }
    )


_SLOTS: dict[tuple[str, ...], np.ndarray] = {}


def _slots(channels: tuple[str, ...]) -> np.ndarray:
    got = _SLOTS.get(channels)
    if got is None:
        got = _SLOTS[channels] = np.array([_LP_CODES[c] for c in channels])
    return got


def _copy(table: pa.Table, lake_table: str, part: Path) -> None:
    """Write an Arrow table (already in lake order) with the lake's column types."""
    if lake_table == USAGE_STAGE:  # not a lake table: the staged hourly sums (plain Parquet)
        pq.write_table(table, _target(part, lake_table), compression="zstd")
        return
    if "installation_id" in table.column_names and pa.types.is_dictionary(
        table.schema.field("installation_id").type
    ):
        table = table.set_column(
            table.schema.get_field_index("installation_id"),
            "installation_id",
            table.column("installation_id").cast(pa.string()),
        )
    lakefile.write_batches(_target(part, lake_table), lake_table, table.to_batches())


def _write_registers(frames: list[dict[str, np.ndarray]], id_dict: pa.Array, part: Path) -> int:
    frames = [f for f in frames if len(f["row"])]
    if not frames:
        return 0
    cols = {k: np.concatenate([f[k] for f in frames]) for k in frames[0]}
    order = np.lexsort((cols["posto"], cols["reg"], cols["ts_s"], cols["row"]))
    cols = {k: v[order] for k, v in cols.items()}
    table = registers_table(cols, id_dict)
    _copy(table, "billing_registers", part)
    return table.num_rows


def _voltage_wide(
    state: BatchState,
    recs: list[dict[str, Any]],
    grid: Grid,
    keep_fn: Callable[[int, np.ndarray], np.ndarray],
) -> dict[str, np.ndarray] | None:
    """The lake's wide 10-minute voltage rows of a 5-minute state (what :func:`voltage_table`
    gives the CSV demo, one row per meter and window, a phase the meter lacks left NULL):
    ``row``, ``ts_s``, ``dv`` (n, 3) decivolts and ``valid`` (n, 3)."""
    t10 = grid.t0 + np.arange(grid.n // 2) * 600
    on_ok = step_min(state.on, 2) >= 1.0
    keep = np.stack([on_ok[k] & keep_fn(int(row), t10) for k, row in enumerate(state.rows)])
    sel = np.flatnonzero(keep.any(axis=1))
    if len(sel) == 0:
        return None
    nph = np.array([int(recs[int(state.rows[k])]["phases"]) for k in sel])
    v10 = np.round(step_sum(state.v[sel], 2) / 2.0, 1)  # (s, 3, T10) 10-minute means
    m_i, t_i = np.nonzero(keep[sel])
    return {
        "row": state.rows[sel][m_i].astype(np.int32),
        "ts_s": t10[t_i],
        "dv": np.rint(v10[m_i, :, t_i] * 10).astype(np.int16),
        "valid": np.arange(3)[None, :] < nph[m_i, None],
    }


def _write_voltage(
    frames: list[dict[str, np.ndarray]], id_dict: pa.Array, id_rank: np.ndarray, part: Path
) -> int:
    if not frames:
        return 0
    cols = {k: np.concatenate([f[k] for f in frames]) for k in frames[0]}
    order = np.lexsort((cols["ts_s"], id_rank[cols["row"]]))  # lake order: installation_id, ts
    cols = {k: v[order] for k, v in cols.items()}
    table = pa.table(
        {
            "installation_id": id_dict.take(pa.array(cols["row"])),
            "ts": pa.array(cols["ts_s"].astype("datetime64[s]")),
        }
        | {
            f"v_{p}_dv": pa.array(cols["dv"][:, j], type=pa.int16(), mask=~cols["valid"][:, j])
            for j, p in enumerate("abc")
        }
    )
    _copy(table, "voltage_10min", part)
    return table.num_rows


class _Capture:
    """A ``demo_output.Sink`` stand-in that keeps the table ``demo._write_events`` hands it."""

    def __init__(self) -> None:
        self.table: pa.Table | None = None

    def write(self, _prefix: str, _month: str, table: pa.Table) -> None:
        self.table = table


def _write_month_events(
    sched: Schedule,
    grid: Grid,
    last: dt.date,
    derived: list[tuple[int, int, int, float]],
    id_dict: pa.Array,
    part: Path,
) -> int:
    cap = _Capture()
    _write_events(cap, grid.label, grid.t0, to_s(last + dt.timedelta(days=1)), sched, derived, id_dict)  # type: ignore[arg-type]
    if cap.table is None or cap.table.num_rows == 0 or "installation_id" not in cap.table.column_names:
        return 0
    _copy(cap.table, "events", part)
    return int(cap.table.num_rows)


# ---------------------------------------------------------------------------------- registers


def write_registers(store: Store, fleet: Fleet) -> None:
    """Installations and customers into DuckDB, typed as the ingest would type the CSV rows."""
    inst = fleet.inst[list(schema.INSTALLATION_COLUMNS)].copy()
    inst["gd_kwp"] = inst["gd_kwp"].round(1)
    _insert(store, "installations", inst, schema.INSTALLATION_COLUMNS)
    _insert(
        store, "customers", fleet.customers[list(schema.CUSTOMER_COLUMNS)].copy(), schema.CUSTOMER_COLUMNS
    )


def _insert(store: Store, table: str, df: pd.DataFrame, ddl: dict[str, str]) -> None:
    for c in df.columns:
        # empty strings are NULL, as the ingest reads an empty CSV field
        if df[c].dtype == object or pd.api.types.is_string_dtype(df[c]):
            df[c] = df[c].astype(object).map(lambda v: None if isinstance(v, str) and v.strip() == "" else v)
        elif df[c].dtype.kind == "f":
            df[c] = df[c].astype("Float64")
    cur = store.cursor()
    try:
        cur.register("_df", df)
        sel = ", ".join(f"CAST({c} AS {t.split()[0]})" for c, t in ddl.items())
        cur.execute(f"INSERT INTO {table} SELECT {sel} FROM _df")
        cur.unregister("_df")
    finally:
        cur.close()


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))
