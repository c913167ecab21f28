"""The Spark engine: the store's query interface (``df``, ``rows``, ``scalar``) on PySpark.

:class:`SparkStore` registers temporary views with the names and columns the DuckDB store has
(``load_profile``, ``voltage_10min``, ``events``, ``billing_registers`` over the month partitions
of the lake; ``installations``, ``event_codes``, ``service_requests`` from the register snapshot
under ``<lake>/_registers/``; ``outages`` from the same SQL as the DuckDB view), then runs the
project's DuckDB SQL through :mod:`tools.data.engines.dialect`. The lake may be a local path or
any URI Spark's Hadoop file systems read (``s3a://bucket/lake``, ``abfss://c@account.dfs.core.windows.net/lake``).

The same functions that build a tool's parameters and run its query on a :class:`~tools.data.store.Store`
accept a :class:`SparkStore` (duck-typed: the same method names and results as DataFrames), so
the parameters, the SQL and its post-processing are one definition for both engines.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import sqlglot

from tools.data import schema, voltage_days
from tools.data.engines.dialect import to_spark
from tools.data.engines.duck import REGISTER_TABLES, REGISTERS_DIR
from tools.data.store import _OUTAGES_VIEW

log = logging.getLogger(__name__)


_SPARK_TYPES = {
    "VARCHAR": "STRING",
    "TIMESTAMP": "TIMESTAMP_NTZ",
    "DATE": "DATE",
    "TINYINT": "TINYINT",
    "UTINYINT": "SMALLINT",
    "SMALLINT": "SMALLINT",
    "INTEGER": "INT",
    "BIGINT": "BIGINT",
    "DOUBLE": "DOUBLE",
    "BOOLEAN": "BOOLEAN",
}

_lock = threading.Lock()


def _is_remote(uri: str) -> bool:
    return "://" in uri and not uri.startswith("file://")


def spark_session(master: str = "local[2]", conf: Mapping[str, str] | None = None) -> Any:
    """A (shared) SparkSession: UTC, NTZ timestamps, no UI, few shuffle partitions for local runs."""
    from pyspark.sql import SparkSession  # optional dependency (extra ``spark``)

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = (
        SparkSession.builder.master(master)
        .appName("smartmeter-fleet")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.timestampType", "TIMESTAMP_NTZ")
        .config("spark.sql.parquet.inferTimestampNTZ.enabled", "true")
        .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.ansi.enabled", "false")
    )
    if master.startswith("local"):
        # one small machine: few shuffle partitions; a JVM tuned for short jobs (C1 JIT, serial GC)
        builder = (
            builder.config("spark.sql.shuffle.partitions", "4")
            .config("spark.driver.memory", "2g")
            .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
        )
    for k, v in (conf or {}).items():
        builder = builder.config(k, v)
    with _lock:
        session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


class SparkStore:
    """The lake and register snapshot as Spark views, with the :class:`Store` query methods."""

    engine = "spark"
    read_only = True
    aggregates_enabled = False

    def __init__(self, lake: str | Path, session: Any) -> None:
        self.lake = str(lake).rstrip("/")
        self.spark = session
        self._register_views()

    # ------------------------------------------------------------------ views
    def _path(self, *parts: str) -> str:
        return "/".join([self.lake, *parts])

    def _has_files(self, table: str) -> bool:
        if _is_remote(self.lake):
            try:
                self.spark.read.parquet(self._path(table, "month=*", "*.parquet")).limit(0)
                return True
            except Exception:  # noqa: BLE001 - an empty prefix raises (path does not exist)
                return False
        return any(Path(self.lake, table).glob("month=*/*.parquet"))

    def _empty(self, cols: Mapping[str, str], extra: str = "") -> Any:
        ddl = ", ".join(f"{c} {_SPARK_TYPES[t.split()[0]]}" for c, t in cols.items()) + extra
        return self.spark.createDataFrame([], schema=ddl)

    def _register_views(self) -> None:
        for table, cols in schema.LAKE_TABLES.items():
            if self._has_files(table):
                frame = (
                    self.spark.read.option("basePath", self._path(table))
                    .parquet(self._path(table, "month=*", "*.parquet"))
                    .select(*cols, "month")
                )
            else:
                frame = self._empty(cols, ", month STRING")
            frame.createOrReplaceTempView(table)
        for table in REGISTER_TABLES:
            path = self._path(REGISTERS_DIR, f"{table}.parquet")
            try:
                self.spark.read.parquet(path).createOrReplaceTempView(table)
            except Exception as exc:  # noqa: BLE001 - AnalysisException: path does not exist
                raise FileNotFoundError(
                    f"{path}: register snapshot missing (run `smartmeter fleet publish` on the store first)"
                ) from exc
        outages = sqlglot.parse_one(_OUTAGES_VIEW, read="duckdb").expression  # the view's SELECT
        self.spark.sql(to_spark(outages.sql(dialect="duckdb"))).createOrReplaceTempView("outages")
        # the DRP/DRC query names voltage_days; Spark computes the same figures from the readings
        # (``voltage_params`` sets $vdays FALSE for a store without ``voltage_days_ready``)
        self._empty(voltage_days.COLUMNS, "").createOrReplaceTempView(voltage_days.TABLE)

    def register(self, name: str, frame: pd.DataFrame) -> None:
        """A small pandas frame as a temporary view (reference tables computed in Python)."""
        self.spark.createDataFrame(frame).createOrReplaceTempView(name)

    # ------------------------------------------------------------------ Store query interface
    def sql(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        """The Spark DataFrame of one DuckDB statement (parameters bound)."""
        if params and not isinstance(params, Mapping):
            raise TypeError("the Spark engine takes named parameters ($name) only")
        return self.spark.sql(to_spark(sql, params))

    def df(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        return self.sql(sql, params).toPandas()

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.sql(sql, params).collect()]

    def scalar(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        r = self.rows(sql, params)
        return r[0][0] if r else None

    def usage_ready(self) -> bool:
        return False  # the per-hour/day aggregates live in the DuckDB file: read the lake

    def data_today(self) -> dt.date | None:
        last = self.scalar("SELECT max(ts) FROM load_profile")
        return None if last is None else (last + dt.timedelta(minutes=60)).date()

    # ------------------------------------------------------------------ results
    def write(self, sql: str, params: Mapping[str, Any] | None, target: str) -> int:
        """Write the result as Parquet at ``target``; returns its rows.

        Local targets get one file ``<target>`` (like the DuckDB engine); object-store targets a
        directory of part files (Spark's layout, read as one table by DuckDB, Power BI and Spark).
        """
        frame = self.sql(sql, params)
        if _is_remote(target):
            frame.write.mode("overwrite").parquet(target)
            return int(self.spark.read.parquet(target).count())
        tmp = Path(f"{target}.spark-tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        frame.coalesce(1).write.mode("overwrite").option("compression", "zstd").parquet(str(tmp))
        parts = sorted(tmp.glob("part-*.parquet"))
        out = Path(target)
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.is_dir():
            shutil.rmtree(out)
        if parts:
            parts[0].replace(out)
        shutil.rmtree(tmp, ignore_errors=True)
        return int(self.spark.read.parquet(str(out)).count()) if parts else 0

    def close(self) -> None:
        """Drop this store's views (the session is shared and stays up)."""
        for name in (*schema.LAKE_TABLES, *REGISTER_TABLES, "outages", voltage_days.TABLE):
            self.spark.catalog.dropTempView(name)


class SparkEngine:
    """The fleet-job engine on Spark (see :mod:`tools.data.engines`)."""

    name = "spark"

    def __init__(self, lake: str, master: str = "local[2]", conf: Mapping[str, str] | None = None) -> None:
        self.store = SparkStore(lake, spark_session(master, conf))

    def register(self, name: str, frame: pd.DataFrame) -> None:
        self.store.register(name, frame)

    def write(self, sql: str, params: Mapping[str, Any] | None, target: str) -> int:
        return self.store.write(sql, params, target)

    def close(self) -> None:
        self.store.close()
