"""Ingest throughput and stored bytes per reading, against a naive pandas baseline in the same run.

Generates a seeded fleet with the demo generator (MDM long CSV + stream files), ingests it into
a fresh store (validation, quarantine, dedup, long→wide pivot, sorted ZSTD Parquet by month),
then runs the naive baselines on the same load-profile CSV files:

* ``pandas → CSV``: ``pandas.read_csv`` of the long export, ``to_csv`` of the same long table
  (no validation, no dedup): what a script-based pipeline stores;
* ``pandas → Parquet long``: the same frame written as long Parquet (pyarrow defaults, snappy),
  to separate the layout effect from the codec effect (storage-cost.md §2).

A *reading* is one channel value of one interval. Figures vary with machine load.

    .venv/bin/python bench/bench_ingest.py                    # 500 meters x 1 month
    .venv/bin/python bench/bench_ingest.py --meters 2000 --months 1 --keep /tmp/bench
    .venv/bin/python bench/bench_ingest.py --export ../scale-data/ingest-300/export   # reuse exports (read only)
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.api import admin  # noqa: E402
from tools.data import schema  # noqa: E402

KEY_COLUMNS = ("installation_id", "ts", "interval_min", "quality")


def parquet_column_bytes(files: list[Path]) -> tuple[dict[str, int], dict[str, int], int, int]:
    """Compressed bytes and non-null values per column, total rows and total file bytes."""
    size: dict[str, int] = defaultdict(int)
    values: dict[str, int] = defaultdict(int)
    rows = total = 0
    for f in files:
        total += f.stat().st_size
        md = pq.ParquetFile(f).metadata
        rows += md.num_rows
        for rg in range(md.num_row_groups):
            group = md.row_group(rg)
            for c in range(group.num_columns):
                col = group.column(c)
                name = col.path_in_schema
                size[name] += col.total_compressed_size
                nulls = (
                    col.statistics.null_count
                    if col.statistics is not None and col.statistics.has_null_count
                    else 0
                )
                values[name] += col.num_values - nulls
    return dict(size), dict(values), rows, total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--meters", type=int, default=500)
    ap.add_argument("--months", type=int, default=1)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--end", default="2026-11-25")
    ap.add_argument("--keep", type=Path, default=None, help="Work in this directory and keep it.")
    ap.add_argument(
        "--export", type=Path, default=None, help="Reuse these MDM exports (read only) instead of generating."
    )
    args = ap.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="bench_ingest_"))
    work.mkdir(parents=True, exist_ok=True)
    export, home, naive = args.export or work / "export", work / "home", work / "naive"
    for d in (home, naive) if args.export else (export, home, naive):
        shutil.rmtree(d, ignore_errors=True)
    naive.mkdir()
    try:
        t0 = time.perf_counter()
        if args.export is None:
            admin.generate_demo(
                export,
                meters=args.meters,
                months=args.months,
                seed=args.seed,
                end=dt.date.fromisoformat(args.end),
            )
        gen_s = time.perf_counter() - t0
        meters = (
            sum(1 for _ in (export / "installations.csv").open()) - 1 if args.export else args.meters
        )  # with --export, --months must match the exports
        csv_bytes = sum(p.stat().st_size for p in export.iterdir() if p.suffix in (".csv", ".jsonl"))

        # ---- our ingest: registers first, then the load-profile CSV files alone (timed: wall and
        # CPU of this process, DuckDB threads included), then the rest
        t0, c0 = time.perf_counter(), time.process_time()
        first = admin.ingest_paths(home, [export / "installations.csv", export / "customers.csv"])
        lp_csv = sorted(export.glob("load_profile*.csv"))
        t1, c1 = time.perf_counter(), time.process_time()
        lp_report = admin.ingest_paths(home, lp_csv)
        lp_s, lp_cpu = time.perf_counter() - t1, time.process_time() - c1
        rest = admin.ingest_paths(
            home,
            [
                p
                for p in sorted(export.iterdir())
                if p not in lp_csv and p.name not in ("installations.csv", "customers.csv")
            ],
        )
        ingest_s, ingest_cpu = time.perf_counter() - t0, time.process_time() - c0
        report = admin.IngestReport.of([*first.files, *lp_report.files, *rest.files], rest.ignored, ingest_s)
        lp_readings = lp_report.input
        size, values, rows, total = parquet_column_bytes(
            sorted((home / "lake" / "load_profile").rglob("*.parquet"))
        )
        channel_cols = [c for c, _ in schema.CHANNELS.values()]
        stored_readings = sum(values.get(c, 0) for c in channel_cols)

        # ---- naive baselines on the same long CSV files
        t0, c0 = time.perf_counter(), time.process_time()
        df = pd.concat([pd.read_csv(p) for p in lp_csv], ignore_index=True)
        read_s, read_cpu = time.perf_counter() - t0, time.process_time() - c0
        naive_csv, naive_pq = naive / "load_profile_long.csv", naive / "load_profile_long.parquet"
        t0, c0 = time.perf_counter(), time.process_time()
        df.to_csv(naive_csv, index=False)
        csv_s, csv_cpu = read_s + time.perf_counter() - t0, read_cpu + time.process_time() - c0
        t0, c0 = time.perf_counter(), time.process_time()
        df.to_parquet(naive_pq, index=False)
        pq_s, pq_cpu = read_s + time.perf_counter() - t0, read_cpu + time.process_time() - c0
        naive_readings = len(df)
        del df
        # bytes of each CSV line (with separators and newline), by channel
        csv_per_channel = dict(
            duckdb.sql(
                f"SELECT channel, avg(length(concat_ws(',', installation_id, ts, interval_min, channel, value, quality)) + 1) "
                f"FROM read_csv('{naive_csv}', all_varchar = true) GROUP BY channel"
            ).fetchall()
        )

        # ---- report
        print(
            f"fleet: {args.export} (reused), {csv_bytes / 1e6:.1f} MB of MDM exports"
            if args.export
            else f"fleet: {args.meters} meters x {args.months} month(s), seed {args.seed}; generated in {gen_s:.1f} s, "
            f"{csv_bytes / 1e6:.1f} MB of MDM exports"
        )
        print(f"load average at the start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        print(
            f"ingest (all {len(report.files)} files): {report.input:,} records in {ingest_s:.1f} s, CPU {ingest_cpu:.1f} s "
            f"({report.input / ingest_s:,.0f} records/s); balanced {report.balanced}; accepted {report.accepted:,}, duplicate {report.duplicate:,}, "
            f"quarantined {report.quarantined:,}"
        )
        print()
        print(
            f"{'pipeline':<44} {'readings':>12} {'seconds':>8} {'readings/s':>12} {'CPU s':>7} "
            f"{'readings/CPU-s':>14} {'bytes/reading':>14}"
        )
        for name, n, secs, cpu, bpr in (
            ("smartmeter ingest (validate+dedup+wide ZSTD)", lp_readings, lp_s, lp_cpu, total / stored_readings),
            ("naive pandas read_csv -> to_csv (long)", naive_readings, csv_s, csv_cpu,
             naive_csv.stat().st_size / naive_readings),
            ("naive pandas -> Parquet long (snappy)", naive_readings, pq_s, pq_cpu,
             naive_pq.stat().st_size / naive_readings),
        ):  # fmt: skip
            print(
                f"{name:<44} {n:>12,} {secs:>8.1f} {n / secs:>12,.0f} {cpu:>7.1f} {n / max(cpu, 1e-9):>14,.0f} "
                f"{bpr:>14.2f}"
            )
        print(
            f"ours against naive read_csv -> to_csv: x{csv_cpu / lp_cpu * lp_readings / naive_readings:.2f} per CPU-second, "
            f"x{csv_s / lp_s * lp_readings / naive_readings:.2f} per wall second (targets: >= x5, >= 2 M readings/s wall)"
        )
        print()
        key_bytes = sum(size.get(c, 0) for c in KEY_COLUMNS)
        print(
            f"stored lake: {rows:,} wide rows, {total / 1e6:.2f} MB, {stored_readings / rows:.2f} readings/row, "
            f"keys (id, ts, interval, quality) {key_bytes / rows:.2f} B/row; "
            f"{total / 1e3 / max(1, meters * args.months):.1f} KB per meter-month"
        )
        print(
            f"{'channel':<8} {'column':<10} {'readings':>11} {'wide ZSTD B/reading':>20} {'naive CSV B/reading':>20}"
        )
        for code, (col, _scale) in schema.CHANNELS.items():
            n = values.get(col, 0)
            if not n:
                continue
            print(
                f"{code:<8} {col:<10} {n:>11,} {size[col] / n:>20.2f} {csv_per_channel.get(code, float('nan')):>20.2f}"
            )
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
