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


def run(
    home: str | Path,
    job: str,
    *,
    engine: str = "duckdb",
    master: str = "local[2]",
    lake: str | None = None,
    out: str | None = None,
    period: str | None = None,
    today: dt.date | None = None,
    conf: dict[str, str] | None = None,
    note: Callable[[str], None] | None = None,
) -> list[JobResult]:
    """Run ``job`` (or every job for ``all``) on the store at ``home`` with ``engine``.

    DuckDB reads the home's lake; Spark reads ``lake`` (default the home's lake: its register
    snapshot is refreshed first; for an object-store lake, publish it there beforehand).
    Results go under ``out`` (default ``<home>/fleet``).
    """
    names = sorted(JOBS) if job == "all" else [job]
    for name in names:
        if name not in JOBS:
            raise InvalidArguments("unknown fleet job", job=name, known=["all", *sorted(JOBS)])
    if engine not in ("duckdb", "spark"):
        raise InvalidArguments("unknown engine", engine=engine, known=["duckdb", "spark"])
    target = out or str(Path(home) / "fleet")
    with Store(home, read_only=True) as store:
        day = today or store.data_today()
        if day is None:
            raise InvalidArguments("the store has no load profile: give --today", home=str(home))
        eng: Any
        if engine == "duckdb":
            eng = DuckEngine(store)
        else:
            from tools.data.engines.spark import SparkEngine  # pyspark: the optional extra ``spark``

            if lake is None or "://" not in lake:
                publish_registers(store, lake)
            eng = SparkEngine(lake or str(store.lake), master, conf)
        try:
            return [run_job(eng, name, target, today=day, period=period, note=note) for name in names]
        finally:
            eng.close()




def publish(home: str | Path, lake: str | None = None) -> dict[str, int]:
    """Write the register snapshot of the store at ``home`` under ``<lake>/_registers/``."""
    with Store(home, read_only=True) as store:
        return publish_registers(store, lake)
