"""DuckDB over a Parquet lake under ``--home``.

Layout::

    <home>/smartmeter.duckdb                         register tables + views over the lake
    <home>/lake/<table>/month=YYYY-MM/part-NNNN.parquet   interval tables (Hive partitions)

Views ``load_profile``, ``voltage_10min``, ``events``, ``billing_registers`` read the lake;
``outages`` is derived from power-down/up pairs. One connection per Store; use
``cursor()`` per thread. All queries take bound parameters.

Derived tables ``usage_hourly`` / ``usage_daily`` (:mod:`tools.data.usage`) hold per-installation
sums of the load profile; :meth:`Store.usage_ready` says whether they match the lake (a
read-write store rebuilds stale months on open, after an ingest and on demand), and tools fall
back to the lake views when they do not.

Crash safety (see ``tools.data.ingest`` and ``docs/data-model.md``): a month partition is
never modified in place. The ingest writes the new version of each affected partition to a
dot-prefixed sibling directory (``.tmp-<batch>-month=YYYY-MM``, invisible to the views'
``month=*`` glob), records the planned swaps in the ``lake_swaps`` journal table in the same
DuckDB transaction as the quarantine rows and the ``ingest_log`` entry (the commit point), then
swaps directories with renames and clears the journal. :meth:`Store.recover` (run at every
read-write open and before every ingest) rolls committed swaps forward and discards
uncommitted temporary directories.

One writer, many readers (H4): a read-only Store never opens ``smartmeter.duckdb`` (a DuckDB
file lock would stop the ingest). The writer publishes a **snapshot** of the catalogue —
``snapshots/snap-<ns>.duckdb``, named by ``snapshots/CURRENT`` — after it opens, after every
ingest (``refresh_views``) and when it closes; readers open the current snapshot read-only and
switch to a newer one at their next query. A reader in the same process as a live writer shares
the writer's connection instead (DuckDB allows one configuration per file per process).

Relocatable (issue 15 #8): the lake views name their Parquet files *relative to the home*
(``lake/<table>/month=*/*.parquet``) and every connection — writer, reader, snapshot — is opened
with DuckDB's ``file_search_path`` set to the home's absolute path, resolved at each open; so a
copied home, or a service started from another working directory, reads its own lake.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from tools.data import buckets, midnight_registers, peer_groups, schema, usage, voltage_days
from tools.data.lakeindex import index_for
from tools.data.sqltext import sql_str, sql_str_list

log = logging.getLogger(__name__)

#: Service requests (protocols) exported by the CRM/MDM: a register table keyed by request_id.
SERVICE_REQUEST_COLUMNS: dict[str, str] = {
    "request_id": "VARCHAR PRIMARY KEY",
    "installation_id": "VARCHAR",
    "request_type": "VARCHAR",
    "opened_at": "TIMESTAMP",
    "closed_at": "TIMESTAMP",  # NULL while open
    "status": "VARCHAR",
    "area": "VARCHAR",
    "region": "VARCHAR",
}

#: Journal of committed partition swaps not yet applied (see module docstring).
LAKE_SWAPS_COLUMNS: dict[str, str] = {
    "batch": "VARCHAR",
    "lake_table": "VARCHAR",
    "month": "VARCHAR",
    "tmp_dir": "VARCHAR",  # directory name under lake/<table>/ holding the new partition
    "old_dir": "VARCHAR",  # name the current partition is moved to before removal
}

_SCOPED = re.compile(r"\bFROM\s+(" + "|".join(schema.LAKE_TABLES) + r")\s+WHERE\b")
#: ``FROM <table>`` of the tables a sync may split by installation bucket (not their bucket tables)
_BUCKETED_FROM = re.compile(r"\bFROM\s+(" + "|".join([*usage.BUCKETED, midnight_registers.TABLE]) + r")\b(?!__)")

TMP_PREFIX = ".tmp-"
OLD_PREFIX = ".old-"
SNAPSHOT_DIR = "snapshots"
SNAPSHOT_POINTER = "CURRENT"
#: "<snapshot name> <size>:<mtime_ns>:<wal size>" of the database file the current snapshot copies
SNAPSHOT_SOURCE = "SOURCE"

#: Open read-write Stores of this process, by database path (readers share their connection).
_WRITERS: dict[Path, Store] = {}
_WRITERS_LOCK = threading.Lock()


def _private(path: Path) -> None:
    try:
        os.chmod(path, 0o600)
    except OSError:
        pass


def _ddl(table: str, cols: dict[str, str]) -> str:
    body = ", ".join(f"{c} {t}" for c, t in cols.items())
    return f"CREATE TABLE IF NOT EXISTS {table} ({body})"


def partition_dir_name(month: str) -> str:
    return f"month={month}"


class Store:
    """The embedded meter-data store."""

    def __init__(self, home: str | Path, read_only: bool = False, memory_limit: str | None = None) -> None:
        """``memory_limit`` (e.g. "4GB") bounds DuckDB's memory (it spills to disk beyond it);
        default DuckDB's own (80 % of RAM)."""
        self.home = Path(home).resolve()  # absolute: independent of the working directory
        self._memory_limit = memory_limit
        self.home.mkdir(parents=True, exist_ok=True)
        self.lake = self.home / "lake"
        self.db_path = self.home / "smartmeter.duckdb"
        self.snapshot_dir = self.home / SNAPSHOT_DIR
        self.read_only = read_only and self.db_path.exists()
        self._lock = threading.Lock()
        #: False makes every tool read the lake views (the pre-aggregate query path; benchmarks)
        self.aggregates_enabled = True
        self._usage_fp: usage.Fingerprint | None = None  # lake fingerprint the aggregates match
        #: data_today() of the aggregates matching this lake fingerprint (it scans every installation)
        self._today: tuple[usage.Fingerprint, dt.date | None] | None = None
        #: increases whenever a reader switches to a newer snapshot (callers cache "today" by it)
        self.generation = 0
        self._snapshot: str | None = None  # name of the snapshot a reader has open
        self._shared = False  # a reader sharing a same-process writer's connection
        self._retired: list[duckdb.DuckDBPyConnection] = []
        self._vdays_missing = False  # a read-only catalogue from before voltage_days (see _open)
        self._has_table: dict[tuple[str, str], bool] = {}  # (snapshot, table) -> exists (has_table)
        self._peers_ready: dict[str, bool] = {}  # snapshot -> peer_groups matches its register
        #: snapshot -> the fingerprint midnight_registers was built from (None: no such table)
        self._midreg_fp: dict[str, usage.Fingerprint | None] = {}
        #: (snapshot or writer generation, {table: bucket lows}) of the bucketed derived tables
        self._layouts: tuple[str, dict[str, buckets.Lows]] | None = None
        #: per thread, inside :meth:`one_call`: depth, and the lake fingerprints taken ({table: fp})
        self._call = threading.local()
        self.con = self._connect()
        if not self.read_only:
            with _WRITERS_LOCK:
                _WRITERS[self.db_path] = self
            _private(self.db_path)
            self._init_schema()
            self.recover()
        self.refresh_views()

    def _config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"file_search_path": str(self.home)}  # the views' relative lake paths
        if self._memory_limit:
            config["memory_limit"] = self._memory_limit
        return config

    def _open(self, path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        """A connection with the store's settings. Parquet footers are cached per connection
        (``parquet_metadata_cache``): a customer's lake query re-reads the same one or two files a
        month, and parsing their footers was a third of its time at 10k meters. DuckDB checks each
        cached footer against the file (a swapped partition's files are new files; tested).
        A read-only catalogue from before ``voltage_days`` gets an empty one (the query that reads
        it is told it is not ready, see :meth:`voltage_days_ready`)."""
        con = duckdb.connect(str(path), read_only=read_only, config=self._config())
        con.execute("SET parquet_metadata_cache = true")
        self._vdays_missing = read_only and not voltage_days.tables_exist(con)
        if self._vdays_missing:
            con.execute(voltage_days.empty_view_sql())
        return con

    def _connect(self) -> duckdb.DuckDBPyConnection:
        if not self.read_only:
            return self._open(self.db_path)
        with _WRITERS_LOCK:
            writer = _WRITERS.get(self.db_path)
        if writer is not None:
            # This process holds the read-write connection (DuckDB refuses a second configuration
            # of one file): share it, and keep this Store read-only by contract.
            self._shared = True
            return self._open(self.db_path)
        name = self._current_snapshot() or self._bootstrap_snapshot()
        self._snapshot = name
        return self._open(self.snapshot_dir / name, read_only=True)

    # ------------------------------------------------------------------ snapshots (one writer, many readers)
    def _current_snapshot(self) -> str | None:
        try:
            name = (self.snapshot_dir / SNAPSHOT_POINTER).read_text().strip()
        except OSError:
            return None
        return name if name and (self.snapshot_dir / name).is_file() else None

    def _bootstrap_snapshot(self) -> str:
        """A home written before snapshots existed: take one from the database file (no writer is open)."""
        con = duckdb.connect(str(self.db_path), read_only=True, config=self._config())
        try:
            con.execute("SELECT 1").fetchall()
            return self._copy_to_snapshot()
        finally:
            con.close()

    def _db_stamp(self) -> str:
        st = self.db_path.stat()
        wal = self.db_path.with_name(self.db_path.name + ".wal")
        return f"{st.st_size}:{st.st_mtime_ns}:{wal.stat().st_size if wal.exists() else 0}"

    def _copy_to_snapshot(self) -> str:
        """Copy the (checkpointed) database file as the readers' next snapshot, unless the current
        snapshot already copies this very file (same size, modification time and log): a 100k-meter
        store is 8-9 GB, and a writer that opens and changes nothing must not copy it again."""
        self.snapshot_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        stamp = self._db_stamp()
        current = self._current_snapshot()
        try:
            published = (self.snapshot_dir / SNAPSHOT_SOURCE).read_text().strip()
        except OSError:
            published = ""
        if current is not None and published == f"{current} {stamp}" and stamp.endswith(":0"):
            return current  # (a log left beside the file is copied every time: its content may differ)
        name = f"snap-{time.time_ns()}.duckdb"
        tmp = self.snapshot_dir / f".{name}.tmp"
        shutil.copyfile(self.db_path, tmp)
        wal = self.db_path.with_name(self.db_path.name + ".wal")
        if wal.exists() and wal.stat().st_size > 0:  # not checkpointed (a crash): keep its log beside it
            shutil.copyfile(wal, self.snapshot_dir / f"{name}.wal")
        _private(tmp)
        os.replace(tmp, self.snapshot_dir / name)
        pointer = self.snapshot_dir / f".{SNAPSHOT_POINTER}.{os.getpid()}.tmp"
        pointer.write_text(name)
        os.replace(pointer, self.snapshot_dir / SNAPSHOT_POINTER)
        source = self.snapshot_dir / f".{SNAPSHOT_SOURCE}.{os.getpid()}.tmp"
        source.write_text(f"{name} {stamp}")
        os.replace(source, self.snapshot_dir / SNAPSHOT_SOURCE)
        keep = {name, f"{name}.wal"}
        for old in sorted(self.snapshot_dir.glob("snap-*"))[:-4]:  # readers may still hold the last ones
            if old.name not in keep:
                old.unlink(missing_ok=True)
        return name

    def publish_snapshot(self) -> str | None:
        """Writer: checkpoint and publish the catalogue for readers in other processes."""
        if self.read_only:
            return None
        try:
            with self._lock:
                self.con.execute("CHECKPOINT")
                return self._copy_to_snapshot()
        except (duckdb.Error, OSError):
            log.warning("snapshot not published", exc_info=True)
            return None

    def _maybe_switch(self) -> None:
        """Reader: move to the writer's newer snapshot, if there is one (cheap: one small file read)."""
        if not self.read_only or self._shared:
            return
        name = self._current_snapshot()
        if name is None or name == self._snapshot:
            return
        with self._lock:
            if name == self._snapshot:
                return
            try:
                con = self._open(self.snapshot_dir / name, read_only=True)
            except duckdb.Error:
                log.warning("snapshot %s not opened; staying on %s", name, self._snapshot, exc_info=True)
                return
            old, self.con, self._snapshot = self.con, con, name
            self._usage_fp = None
            self.generation += 1
            for retired in self._retired[:-1]:  # cursors of the previous generation may still run
                retired.close()
            self._retired = [*self._retired[-1:], old]

    # ------------------------------------------------------------------ schema
    def _init_schema(self) -> None:
        c = self.con
        c.execute(_ddl("installations", schema.INSTALLATION_COLUMNS))
        c.execute(_ddl("installation_history", schema.INSTALLATION_HISTORY_COLUMNS))
        # homes built before the register was versioned: their rows become the first versions
        cols = ", ".join(schema.INSTALLATION_COLUMNS)
        c.execute(
            f"INSERT INTO installation_history SELECT {cols}, coalesce(connected_since, DATE '1900-01-01'), "
            "NULL, NULL, 'installations' FROM installations i WHERE NOT EXISTS "
            "(SELECT 1 FROM installation_history h WHERE h.installation_id = i.installation_id)"
        )
        # a customer's register versions by index: a scan of the column grows with the fleet
        c.execute("CREATE INDEX IF NOT EXISTS installation_history_id ON installation_history (installation_id)")
        c.execute(_ddl("customers", schema.CUSTOMER_COLUMNS))
        c.execute(_ddl("service_requests", SERVICE_REQUEST_COLUMNS))
        c.execute(_ddl("quarantine", schema.QUARANTINE_COLUMNS))
        c.execute(_ddl("lake_swaps", LAKE_SWAPS_COLUMNS))
        c.execute(
            "CREATE TABLE IF NOT EXISTS ingest_log (source VARCHAR, sha256 VARCHAR, kind VARCHAR, "
            "input BIGINT, accepted BIGINT, duplicate BIGINT, quarantined BIGINT, finished_at TIMESTAMP)"
        )
        c.execute(
            "CREATE TABLE IF NOT EXISTS event_codes (code SMALLINT PRIMARY KEY, kind VARCHAR, key VARCHAR, category VARCHAR)"
        )
        if c.execute("SELECT count(*) FROM event_codes").fetchone()[0] == 0:  # type: ignore[index]
            values = ", ".join(
                f"({e.code}, '{e.kind}', '{e.key}', '{e.category}')" for e in schema.event_catalogue()
            )
            c.execute(f"INSERT INTO event_codes VALUES {values}")  # one statement: executemany is slow
        usage.create_tables(c)
        voltage_days.create_tables(c)
        for table in schema.LAKE_TABLES:
            (self.lake / table).mkdir(parents=True, exist_ok=True)

    def partition_glob(self, table: str) -> str:
        return str(self.lake / table / "month=*" / "*.parquet")

    def partition_files(self, table: str, month: str) -> list[Path]:
        """The visible Parquet files of one month partition (empty if the month has no data)."""
        return sorted((self.lake / table / partition_dir_name(month)).glob("*.parquet"))

    def installation_files(
        self, table: str, installation_id: str, months: tuple[str, str] | None = None
    ) -> list[str]:
        """The visible Parquet files of ``table`` that may hold ``installation_id`` (their footer
        min/max of installation_id spans it), optionally only of months ``[lo, hi]`` (YYYY-MM).

        A single-installation query over these files opens one or two files a month whatever the
        fleet size (the view opens every file). See :class:`tools.data.lakeindex.LakeIndex`.
        """
        return index_for(self.lake / table).files_for(installation_id, months)

    def warm_lake_index(self) -> int:
        """Read the lake index of every lake table now (see :meth:`tools.data.lakeindex.LakeIndex.warm`); returns the
        months whose file membership was read. A serving process runs it in the background at start."""
        return sum(index_for(self.lake / table).warm() for table in schema.LAKE_TABLES)

    def scope_sql(self, sql: str, installation_id: str, months: tuple[str, str] | None = None) -> str:
        """``sql`` with each ``FROM <lake view> WHERE`` reading only the files that may hold
        ``installation_id`` (the query must filter on that installation). Same rows as the view.
        When no file may hold it (e.g. a comparison window before the first month of data), the
        relation is empty and typed like the view: the view would open every file of the lake."""

        def repl(m: re.Match[str]) -> str:
            table = m.group(1)
            files = self.installation_files(table, installation_id, months)
            if not files:
                return f"FROM ({_empty_lake_select(table)}) AS {table} WHERE"
            src = (
                f"read_parquet({sql_str_list(files)}, hive_partitioning = true, "
                "hive_types = {'month': VARCHAR})"
            )
            cols = ", ".join(schema.LAKE_TABLES[table])
            return f"FROM (SELECT {cols}, month FROM {src}) AS {table} WHERE"

        return self.scope_buckets(_SCOPED.sub(repl, sql), installation_id)

    def bucket_layouts(self) -> dict[str, buckets.Lows]:
        """The bucket lows of every bucketed derived table (:mod:`tools.data.buckets`). A reader
        reads them once per snapshot (never modified); a writer, or a reader sharing its
        connection, again whenever this process changed a layout."""
        self._maybe_switch()
        if self.read_only and not self._shared:
            key = f"s:{self._snapshot}"
        else:
            key = f"w:{buckets.generation()}"
        cached = self._layouts
        if cached is None or cached[0] != key:
            cur = self.cursor()
            try:
                cached = (key, buckets.layouts(cur))
            finally:
                cur.close()
            self._layouts = cached
        return cached[1]

    def scope_buckets(self, sql: str, installation_id: str, last_id: str | None = None) -> str:
        """``sql`` with each ``FROM <bucketed table>`` reading the table of the bucket holding
        ``installation_id`` (or the buckets spanning ``installation_id`` .. ``last_id``) instead of the
        view over every bucket; the query must keep only those installations. Same rows."""
        layouts = self.bucket_layouts()
        if not layouts:
            return sql

        def repl(m: re.Match[str]) -> str:
            table = m.group(1)
            lows = layouts.get(table)
            if not lows:
                return m.group(0)
            first = buckets.bucket_of(lows, installation_id)
            last = first if last_id is None else buckets.bucket_of(lows, last_id)
            if first == last:
                return f"FROM {buckets.physical(table, first)}"
            union = " UNION ALL ".join(f"SELECT * FROM {buckets.physical(table, k)}" for k in range(first, last + 1))
            return f"FROM ({union}) AS {table}"

        return _BUCKETED_FROM.sub(repl, sql)

    def has_lake_data(self, table: str) -> bool:
        return any((self.lake / table).glob("month=*/*.parquet"))

    def lake_view_sql(self, table: str, absolute: bool = False) -> str:
        """``CREATE OR REPLACE VIEW <table>`` over the lake (typed and empty when the table has no
        files). The glob is relative to the home (resolved by the connection's ``file_search_path``),
        or absolute for a connection of its own (the guarded SQL)."""
        cols = schema.LAKE_TABLES[table]
        if self.has_lake_data(table):
            sel = ", ".join(cols)
            base = (self.lake / table).resolve() if absolute else Path("lake") / table
            glob = str(base / "month=*" / "*.parquet")
            return (
                f"CREATE OR REPLACE VIEW {table} AS SELECT {sel}, month FROM read_parquet("
                f"{sql_str(glob)}, hive_partitioning = true, hive_types = {{'month': VARCHAR}})"
            )
        return f"CREATE OR REPLACE VIEW {table} AS {_empty_lake_select(table)}"

    @staticmethod
    def outages_view_sql() -> str:
        return _OUTAGES_VIEW

    def refresh_views(self) -> None:
        """(Re)create the views over the lake, refresh the usage aggregates and publish a snapshot
        for readers (a reader has nothing to do: its snapshot's views resolve in its own home)."""
        if self.read_only:
            return
        with self._lock:
            for table in schema.LAKE_TABLES:
                self._replace_view(table, self.lake_view_sql(table))
            self._replace_view("outages", _OUTAGES_VIEW)
        self.sync_usage()
        self.publish_snapshot()

    def _replace_view(self, name: str, create_sql: str) -> None:
        """``CREATE OR REPLACE VIEW`` only when the view's definition differs: rewriting an equal
        view still changes the database file, and a changed file is copied again for the readers
        (8-9 GB at 100k meters). The new definition is compared through a temporary probe view
        (in memory), normalised by DuckDB like the stored one."""
        probe = f"__probe_{name}"
        head = re.match(rf"\s*CREATE OR REPLACE VIEW {name} AS\s", create_sql)
        if head is None:
            self.con.execute(create_sql)
            return
        body = create_sql[head.end():]
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {probe} AS {body}")
        try:
            rows = dict(
                self.con.execute(
                    "SELECT view_name, sql FROM duckdb_views() WHERE view_name IN (?, ?) AND NOT internal",
                    [name, probe],
                ).fetchall()
            )
        finally:
            self.con.execute(f"DROP VIEW IF EXISTS {probe}")
        wanted = str(rows.get(probe, "")).replace(f"CREATE TEMP VIEW {probe} AS ", f"CREATE VIEW {name} AS ", 1)
        if rows.get(name) != wanted:
            self.con.execute(create_sql)

    # ------------------------------------------------------------------ usage aggregates
    def sync_usage(self) -> list[str]:
        """Rebuild the usage aggregates of the months whose lake files changed (read-write only)."""
        if self.read_only:
            return []
        with self._lock:
            cur = self.con.cursor()
            try:
                months = usage.sync(cur, self.lake / usage.SOURCE_TABLE)
                self._usage_fp = usage.stored_fingerprint(cur)
                voltage_days.sync(cur, self.lake / voltage_days.SOURCE_TABLE)
                midnight_registers.sync(cur, self.lake / midnight_registers.SOURCE_TABLE)
                peer_groups.sync(cur)
            finally:
                cur.close()
        return months

    def voltage_days_ready(self) -> bool:
        """True when ``voltage_days`` matches the ``voltage_10min`` lake (the DRP/DRC query then
        reads it instead of every reading; it reads the readings otherwise, same result)."""
        if not self.aggregates_enabled:
            return False
        cur = self.cursor()
        try:
            return voltage_days.ready(cur, self.lake / voltage_days.SOURCE_TABLE)
        finally:
            cur.close()

    def peer_groups_ready(self) -> bool:
        """True when ``peer_groups`` matches the installation register (the similar-homes query then
        reads a range of it instead of scanning the register; same homes either way). Checking
        scans the register, so only a reader uses the table, checking once per snapshot (a snapshot
        is never modified); a writer's register may change at any statement, so a writer (and a
        reader sharing its connection) reads the register."""
        if not self.aggregates_enabled or not self.read_only or self._shared:
            return False
        self._maybe_switch()
        snapshot = self._snapshot
        if snapshot is None:
            return False
        if snapshot not in self._peers_ready:
            cur = self.cursor()
            try:
                self._peers_ready[snapshot] = peer_groups.ready(cur)
            finally:
                cur.close()
        return self._peers_ready[snapshot]

    def rebuild_usage(self) -> list[str]:
        """Rebuild ``usage_hourly`` / ``usage_daily`` from the whole lake; returns the months built."""
        if self.read_only:
            raise PermissionError("read-only store")
        with self._lock:
            cur = self.con.cursor()
            try:
                months = usage.rebuild(cur, self.lake / usage.SOURCE_TABLE)
                self._usage_fp = usage.stored_fingerprint(cur)
            finally:
                cur.close()
        return months

    def _stored_usage_fp(self) -> usage.Fingerprint | None:
        cur = self.con.cursor()
        try:
            return usage.stored_fingerprint(cur) if usage.tables_exist(cur) else None
        finally:
            cur.close()

    @contextlib.contextmanager
    def one_call(self) -> Iterator[None]:
        """Inside (one tool call, this thread): each lake table is listed once, by the first
        readiness check of a table derived from it (:meth:`usage_ready`,
        :meth:`midnight_registers_ready`), and later ones in the call compare with that listing (a
        tool asks 2-5 times; a listing costs ~0.2-0.6 ms). Nested calls share the outer listings."""
        depth = getattr(self._call, "depth", 0)
        if depth == 0:
            self._call.lake_fp = {}
        self._call.depth = depth + 1
        try:
            yield
        finally:
            self._call.depth = depth
            if depth == 0:
                self._call.lake_fp = {}

    def _lake_fp(self, table: str, fresh: bool = False) -> usage.Fingerprint:
        """The fingerprint of a lake table's partitions (listed once per :meth:`one_call`).

        A reader on its snapshot takes an unchanged month directory's fingerprint from the last
        listing (:func:`tools.data.usage.lake_fingerprint` ``by_directory``: one stat a month
        instead of one a file, 3.4 ms a call at 100k meters); ``fresh`` lists every file, which a
        reader does when that fingerprint disagrees with its snapshot (a file rewritten in place by
        another program). A writer always lists every file: it is the one that repairs."""
        by_directory = not fresh and self.read_only and not self._shared
        if getattr(self._call, "depth", 0) == 0:
            return usage.lake_fingerprint(self.lake / table, by_directory=by_directory)
        taken: dict[str, usage.Fingerprint] = self._call.lake_fp
        if fresh or table not in taken:
            taken[table] = usage.lake_fingerprint(self.lake / table, by_directory=by_directory)
        return taken[table]

    def midnight_registers_ready(self) -> bool:
        """True when ``midnight_registers`` matches the ``billing_registers`` lake (a bill's register
        readings then come from it instead of the register files; same rows). A reader's snapshot is
        never modified, so the fingerprint it was built from is read once per snapshot."""
        if not self.aggregates_enabled:
            return False
        lake = self._lake_fp(midnight_registers.SOURCE_TABLE)
        self._maybe_switch()
        snapshot = self._snapshot if self.read_only and not self._shared else None
        if snapshot is not None and snapshot in self._midreg_fp:
            stored = self._midreg_fp[snapshot]
        else:
            cur = self.cursor()
            try:
                stored = (
                    midnight_registers.stored_fingerprint(cur) if midnight_registers.tables_exist(cur) else None
                )
            finally:
                cur.close()
            if snapshot is not None:
                self._midreg_fp[snapshot] = stored
        if stored is not None and stored != lake and snapshot is not None:
            lake = self._lake_fp(midnight_registers.SOURCE_TABLE, fresh=True)
        return stored == lake

    def usage_ready(self) -> bool:
        """True when ``usage_hourly`` / ``usage_daily`` match the load-profile lake.

        Costs a directory listing (~0.2 ms; once per :meth:`one_call`). A read-write store
        rebuilds stale months here; a read-only one answers False (tools then read the lake views:
        slower, same results).
        """
        if not self.aggregates_enabled:
            return False
        lake = self._lake_fp(usage.SOURCE_TABLE)
        if lake == self._usage_fp:
            return True
        stored = self._stored_usage_fp()  # another cursor (an ingest) may have updated it
        if stored is not None and stored != lake and self.read_only:
            lake = self._lake_fp(usage.SOURCE_TABLE, fresh=True)
        if stored == lake:
            self._usage_fp = stored
            return True
        if self.read_only:
            return False
        try:
            self.sync_usage()
        except (duckdb.Error, OSError):  # e.g. a partition swapped away while it was being read
            log.warning("usage aggregates not rebuilt; reading the lake", exc_info=True)
            return False
        return self._usage_fp == lake

    def usage_months(self) -> list[str]:
        """The months (YYYY-MM) the usage aggregates were last seen to match the lake with (sorted;
        empty before :meth:`usage_ready` answered True). A hint for narrowing a query (no I/O): a
        query must give the same rows whatever it returns."""
        return sorted(self._usage_fp or ())

    # ------------------------------------------------------------------ crash recovery
    def apply_swap(self, lake_table: str, month: str, tmp_dir: str, old_dir: str) -> None:
        """Make ``tmp_dir`` the visible partition of ``month`` (idempotent, safe to repeat)."""
        base = self.lake / lake_table
        final, tmp, old = base / partition_dir_name(month), base / tmp_dir, base / old_dir
        if tmp.exists():
            if final.exists():
                final.rename(old)
            tmp.rename(final)
        if old.exists():
            shutil.rmtree(old)

    def recover(self) -> int:
        """Finish committed partition swaps and discard uncommitted temp dirs; returns swaps applied."""
        if self.read_only:
            return 0
        pending = self.con.execute(
            "SELECT batch, lake_table, month, tmp_dir, old_dir FROM lake_swaps ORDER BY batch, lake_table, month"
        ).fetchall()
        for _batch, table, month, tmp_dir, old_dir in pending:
            log.warning("recover: completing swap of %s/%s", table, month)
            self.apply_swap(table, month, tmp_dir, old_dir)
        if pending:
            self.con.execute("DELETE FROM lake_swaps")
        for table in schema.LAKE_TABLES:
            base = self.lake / table
            if not base.exists():
                continue
            for leftover in base.iterdir():
                if leftover.name.startswith(TMP_PREFIX):  # never committed: discard
                    log.warning("recover: discarding uncommitted %s", leftover)
                    shutil.rmtree(leftover, ignore_errors=True)
                elif leftover.name.startswith(OLD_PREFIX):
                    month_dir = base / leftover.name.split("-", 2)[2]
                    if month_dir.exists():
                        shutil.rmtree(leftover, ignore_errors=True)
                    else:  # defensive: a partition moved aside without a committed replacement
                        leftover.rename(month_dir)
        if pending:
            self.refresh_views()
        return len(pending)

    # ------------------------------------------------------------------ queries
    def cursor(self) -> duckdb.DuckDBPyConnection:
        self._maybe_switch()
        cur = self.con.cursor()
        if self._vdays_missing:  # a temp view belongs to one connection: each cursor needs its own
            cur.execute(voltage_days.empty_view_sql())
        return cur

    def has_table(self, name: str) -> bool:
        """Whether the catalogue holds a table or view ``name``. A reader's snapshot is never
        modified (a newer catalogue is a new snapshot), so the answer is kept per snapshot."""
        self._maybe_switch()
        snapshot = self._snapshot if self.read_only and not self._shared else None
        if snapshot is not None and (snapshot, name) in self._has_table:
            return self._has_table[(snapshot, name)]
        found = bool(
            self.scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name])
        )
        if snapshot is not None:
            self._has_table[(snapshot, name)] = found
        return found

    def _run(self, fetch: Any, sql: str, params: list[Any] | dict[str, Any] | None) -> Any:
        """A reader retries once when an ingest swapped a lake partition under the query."""
        for attempt in (0, 1):
            cur = self.cursor()
            try:
                return fetch(cur.execute(sql, params or []))
            except duckdb.IOException:
                if not self.read_only or attempt:
                    raise
                log.info("lake changed during a read; retrying")
            finally:
                cur.close()
        raise AssertionError("unreachable")

    def df(self, sql: str, params: list[Any] | dict[str, Any] | None = None) -> pd.DataFrame:
        """Run a parameterised query and return a DataFrame (thread-safe cursor)."""
        frame: pd.DataFrame = self._run(lambda c: c.df(), sql, params)
        return frame

    def rows(self, sql: str, params: list[Any] | dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        out: list[tuple[Any, ...]] = self._run(lambda c: c.fetchall(), sql, params)
        return out

    def scalar(self, sql: str, params: list[Any] | dict[str, Any] | None = None) -> Any:
        r = self.rows(sql, params)
        return r[0][0] if r else None

    def data_today(self) -> dt.date | None:
        """The data's "today": the day after the latest complete day of load-profile data.

        Never one meter's word: it is the latest reading reached by at least half of the
        installations (the upper median of each one's last reading), so a meter with a wrong clock,
        or one that kept reporting after the others stopped, moves nothing; future readings are
        also quarantined at ingest (``future_timestamp``).
        """
        if self.usage_ready():
            fp = self._usage_fp  # the aggregates are a function of the lake files: so is the answer
            if fp is not None and self._today is not None and self._today[0] == fp:
                return self._today[1]
            today = _day_after(self.scalar(_HALF_OF_METERS.format(per_meter=_LAST_PER_METER_DAILY)))
            if fp is not None:
                self._today = (fp, today)
            return today
        return _day_after(self.scalar(_HALF_OF_METERS.format(per_meter=_LAST_PER_METER_LAKE)))

    def close(self) -> None:
        if not self.read_only:
            self.publish_snapshot()
            with _WRITERS_LOCK:
                if _WRITERS.get(self.db_path) is self:
                    del _WRITERS[self.db_path]
        for retired in self._retired:
            retired.close()
        self._retired = []
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _empty_lake_select(table: str) -> str:
    """No rows, with the columns and types of the lake view ``table`` (``month`` included)."""
    sel = ", ".join(f"CAST(NULL AS {t.split()[0]}) AS {c}" for c, t in schema.LAKE_TABLES[table].items())
    return f"SELECT {sel}, CAST(NULL AS VARCHAR) AS month WHERE false"


def _day_after(last: dt.datetime | None) -> dt.date | None:
    """ts is the interval start and intervals are <= 60 min: a day whose last interval starts at
    23:00 or later is complete, so "today" is the next day; otherwise the last day is "today"."""
    return None if last is None else (last + dt.timedelta(minutes=60)).date()


_LAST_PER_METER_DAILY = "SELECT max(last_ts) AS m FROM usage_daily GROUP BY installation_id"
_LAST_PER_METER_LAKE = "SELECT max(ts) AS m FROM load_profile GROUP BY installation_id"

# The last reading reached by at least half of the installations: the ceil(n/2)-th latest of the
# per-installation last readings.
_HALF_OF_METERS = """
SELECT m FROM (
  SELECT m, row_number() OVER (ORDER BY m DESC) AS rn, count(*) OVER () AS n FROM ({per_meter}) WHERE m IS NOT NULL
) WHERE rn = (n + 1) // 2
"""

# Interruptions from power-down/up pairs: each power_down is matched with the next power_up of
# the same installation. Duration in minutes; PRODIST counts interruptions of >= 3 minutes.
_OUTAGES_VIEW = f"""
CREATE OR REPLACE VIEW outages AS
WITH ev AS (
  SELECT installation_id, ts, code,
         lead(ts) OVER (PARTITION BY installation_id ORDER BY ts, code) AS next_ts,
         lead(code) OVER (PARTITION BY installation_id ORDER BY ts, code) AS next_code
  FROM events WHERE code IN ({schema.EVENT_POWER_DOWN}, {schema.EVENT_POWER_UP})
)
SELECT installation_id, ts AS start_ts, next_ts AS end_ts,
       date_diff('second', ts, next_ts) / 60.0 AS duration_min,
       date_diff('second', ts, next_ts) >= {schema.INTERRUPTION_MIN_MINUTES * 60} AS counts_as_interruption
FROM ev WHERE code = {schema.EVENT_POWER_DOWN} AND next_code = {schema.EVENT_POWER_UP}
"""
