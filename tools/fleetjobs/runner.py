"""Run a fleet job with an engine and write its result tables as Parquet.

Layout of the results (the same for both engines)::

    <out>/<job>/<table>.parquet      one file per table (a directory of parts on an object store)
    <out>/<job>/_job.json            engine, period, today, tables with rows and seconds

``<out>`` defaults to ``<home>/fleet``; the ``powerbi`` job's tables are the star schema
``smartmeter export powerbi`` writes, so a Power BI folder source can point at ``<out>/powerbi``.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, cast

from tools.data.engines import DuckEngine, publish_registers
from tools.data.store import Store
from tools.errors import InvalidArguments
from tools.fleetjobs.jobs import JOBS, JobInput


@dataclass(frozen=True, slots=True)
class TableResult:
    table: str
    target: str
    rows: int
    seconds: float


@dataclass(frozen=True, slots=True)
class JobResult:
    job: str
    engine: str
    today: dt.date
    period: str | None
    tables: tuple[TableResult, ...]
    seconds: float


def _join(base: str, *parts: str) -> str:
    return "/".join([base.rstrip("/"), *parts])


def run_job(
    engine: Any,
    job: str,
    out: str,
    *,
    today: dt.date,
    period: str | None = None,
    tables: tuple[str, ...] | None = None,
    note: Callable[[str], None] | None = None,
) -> JobResult:
    """Write the result tables of ``job`` (all, or those in ``tables``) under ``<out>/<job>/``."""
    if job not in JOBS:
        raise InvalidArguments("unknown fleet job", job=job, known=sorted(JOBS))
    t0 = time.perf_counter()
    spec = JOBS[job]
    queries = spec.build(JobInput(cast(Store, engine.store), today, period), engine)
    results = []
    for q in queries:
        if tables is not None and q.table not in tables:
            continue
        t1 = time.perf_counter()
        target = _join(out, job, f"{q.table}.parquet")
        rows = engine.write(q.sql, q.params, target)
        results.append(TableResult(q.table, target, rows, round(time.perf_counter() - t1, 3)))
        if note:
            note(f"{q.table}: {rows} rows in {results[-1].seconds:.1f} s")
    res = JobResult(job, engine.name, today, period, tuple(results), round(time.perf_counter() - t0, 3))
    if "://" not in out:
        Path(out, job).mkdir(parents=True, exist_ok=True)
        Path(out, job, "_job.json").write_text(json.dumps(asdict(res), indent=2, default=str), encoding="utf-8")
    return res


def duck_engine(store: Store) -> DuckEngine:
    return DuckEngine(store)


def spark_engine(store: Store | None, lake: str | None, master: str) -> Any:
    """A Spark engine over ``lake`` (default: the store's lake, its register snapshot refreshed first)."""
    from tools.data.engines.spark import SparkEngine  # pyspark is an optional extra

    if store is not None and (lake is None or "://" not in lake):
        publish_registers(store, lake)
    return SparkEngine(lake or str(store.lake if store else ""), master)
