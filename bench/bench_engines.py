"""Fleet jobs on DuckDB vs Spark local[2] over the same lake: seconds per job and per reading.

    python bench/bench_engines.py --home DIR [--jobs completeness,consumption] [--master local[2]]

DIR is a store home (``smartmeter setup``, the test fleet, or a scale fleet of bench_scale.py).
Prints one row per job and engine: seconds, load-profile rows read in the period, rows per second.
Spark's start-up (JVM + session) is reported apart. The register snapshot is written under
DIR/lake/_registers.
"""

from __future__ import annotations

import argparse
import os
import time

from tools.data.engines import DuckEngine, publish_registers
from tools.data.engines.spark import SparkEngine
from tools.data.store import Store
from tools.domain.periods import resolve_period
from tools.fleetjobs import run_job


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--home", required=True)
    ap.add_argument("--jobs", default="completeness,consumption")
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--out", default="/tmp/bench_engines")
    args = ap.parse_args()
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    store = Store(args.home, read_only=True)
    today = store.data_today()
    assert today is not None
    period = resolve_period("last_month", today, default="last_month")
    rows = store.scalar(
        "SELECT count(*) FROM load_profile WHERE ts >= ? AND ts < ?", [period.start_ts(), period.end_ts_exclusive()]
    )
    meters = store.scalar("SELECT count(*) FROM installations")
    print(f"home {args.home}: {meters} meters, {rows} load-profile rows in {period.start}..{period.end}")
    publish_registers(store)
    t0 = time.perf_counter()
    spark = SparkEngine(str(store.lake), args.master)
    print(f"spark start-up: {time.perf_counter() - t0:.1f} s")
    duck = DuckEngine(store)
    for job in args.jobs.split(","):
        for eng in (duck, spark):
            res = run_job(eng, job, f"{args.out}/{eng.name}", today=today)
            print(
                f"{job:<13} {eng.name:<7} {res.seconds:8.1f} s  {rows / res.seconds:12,.0f} rows/s  "
                + ", ".join(f"{t.table} {t.seconds:.1f}" for t in res.tables)
            )
    spark.close()
    duck.close()
    store.close()


if __name__ == "__main__":
    main()
