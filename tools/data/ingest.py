"""Ingestion of MDM exports into the store: validate in SQL, quarantine, merge, swap.

Size (over 600 lines): load profile, voltage, events and registers share one validation →
quarantine → merge → swap transaction; it splits into validators and the lake writer with the
typed single-pass rewrite measured in docs/scale.md (issue 18).

Every input record ends in exactly one bucket, and ``accepted + duplicate + quarantined ==
input`` holds per file (checked before anything is committed):

* **accepted**: new data (a new cell of the wide load profile, a new event, a new or changed
  register row);
* **duplicate**: already stored with the same value (or repeated inside the input, or a
  rejected record already in quarantine). Re-ingesting a file whose sha256 is in
  ``ingest_log`` short-circuits and reports all its records as duplicates;
* **quarantined**: rejected, one ``quarantine`` row with a reason code
  (:class:`tools.data.quarantine.Reason`), including ``duplicate_conflict`` when a key is
  already stored with a different value (the first stored value is kept).

Heavy lifting is DuckDB SQL over the staged VARCHAR records (see ``tools.data.sources``):
typing with ``TRY_CAST``, validation as one ``CASE`` per record, long→wide pivot with the
``schema.CHANNELS`` scales, dedup with joins against the affected month partitions. No Python
loop touches individual records. Interval-data CSV jobs first take the *scan path*
(``_Batch._pivot_scan``): the file is read by the pivot itself, nothing staged, and the checks
run per pivoted row; any record it cannot accept as the staged path would (and any conflict with
stored data) sends the file to the staged path, so outputs are the same either way
(``tests/data/test_ingest_scan.py``). A plain CSV export in its own order (records of one key
adjacent) is grouped by :mod:`tools.data.ingest_fast` (runs of equal keys, no hash table) and
then checked by the same SQL (``tests/data/test_ingest_fast.py``).

Lake writes are crash-safe: each affected month partition is rewritten in full (existing rows
merged with the accepted ones, sorted by installation and time, ZSTD) into a dot-prefixed
temporary directory; the planned swaps go into the ``lake_swaps`` journal in the same DuckDB
transaction as the quarantine rows and the ``ingest_log`` entry; then directories are swapped
with renames and the journal cleared. A crash before the commit leaves the old data (temporary
directories are discarded at the next open); a crash after it is rolled forward by
``Store.recover()``. See ``docs/data-model.md``.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from tqdm import tqdm

from tools.data import ingest_fast, lakefile, quarantine, schema, usage
from tools.data.quarantine import Reason
from tools.data.sources import (
    FileSource,
    Scan,
    Source,
    SourceError,
    Staged,
    is_data_file,
    kind_rank,
    open_source,
)
from tools.data.sqltext import sql_str_list
from tools.data.store import (
    OLD_PREFIX,
    SERVICE_REQUEST_COLUMNS,
    TMP_PREFIX,
    Store,
    partition_dir_name,
)

log = logging.getLogger(__name__)

#: A month partition above this many rows is split into several files, each holding a
#: contiguous installation_id range (the "meter bucket"; see docs/data-model.md, tools.data.lakefile).
ROWS_PER_FILE = lakefile.ROWS_PER_FILE
INTERVALS_MIN = (1, 5, 10, 15, 30, 60)
BT_MAX_VOLTAGE_V = 600.0
#: A reading later than the ingest's clock (America/Sao_Paulo) plus this is quarantined as
#: ``future_timestamp``: one meter with a wrong clock must not move "today" for everyone.
FUTURE_TOLERANCE = dt.timedelta(hours=1)
_SAO_PAULO = dt.timezone(dt.timedelta(hours=-3))  # no DST since 2019 (docs/data-model.md)
_INT_MAX = {"SMALLINT": 32767, "INTEGER": 2147483647, "BIGINT": 9223372036854775807, "UTINYINT": 255}

#: Interval-data CSV jobs first try the scan path (no staging; see ``_Batch._pivot_scan``) and are
#: staged only when it cannot decide them alone. Tests turn it off to compare both paths.
SCAN_PATH = True
#: The scan path groups a file in export order without a hash table (``tools.data.ingest_fast``).
FAST_PATH = True

Note = Callable[[str], None]


# ---------------------------------------------------------------------------------- reports


@dataclass(frozen=True, slots=True)
class FileReport:
    """Outcome of one input (file or stream batch)."""

    source: str
    kind: str
    input: int = 0
    accepted: int = 0
    duplicate: int = 0
    quarantined: int = 0
    reasons: Mapping[str, int] = field(default_factory=dict)  # quarantined records by reason code
    sha256: str | None = None
    partitions: tuple[str, ...] = ()  # month partitions rewritten (lake kinds)
    skipped: bool = False  # content already ingested (same sha256): every record is a duplicate
    error: str | None = None  # whole input refused: unknown_kind, bad_header, unreadable...
    seconds: float = 0.0

    @property
    def balanced(self) -> bool:
        return self.accepted + self.duplicate + self.quarantined == self.input


@dataclass(frozen=True, slots=True)
class IngestReport:
    """Per-input reports and totals of one ingest run."""

    files: tuple[FileReport, ...]
    ignored: tuple[str, ...] = ()  # paths that are not data files (e.g. metadata.json)
    seconds: float = 0.0
    input: int = 0
    accepted: int = 0
    duplicate: int = 0
    quarantined: int = 0
    reasons: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def of(
        cls, files: Sequence[FileReport], ignored: Sequence[str] = (), seconds: float = 0.0
    ) -> IngestReport:
        reasons: Counter[str] = Counter()
        for f in files:
            reasons.update(f.reasons)
        return cls(
            files=tuple(files),
            ignored=tuple(ignored),
            seconds=seconds,
            input=sum(f.input for f in files),
            accepted=sum(f.accepted for f in files),
            duplicate=sum(f.duplicate for f in files),
            quarantined=sum(f.quarantined for f in files),
            reasons=dict(sorted(reasons.items())),
        )

    @property
    def balanced(self) -> bool:
        return self.accepted + self.duplicate + self.quarantined == self.input

    @property
    def errors(self) -> tuple[FileReport, ...]:
        return tuple(f for f in self.files if f.error)

    @property
    def ok(self) -> bool:
        return self.balanced and not self.errors


class IngestError(Exception):
    """The ingest could not complete a batch (nothing of it was committed)."""


class _NeedsStaging(Exception):
    """The scan path cannot decide this input alone (a rejected or repeated record, a line that
    does not parse, a conflict with stored data): nothing was committed; stage it."""


# ---------------------------------------------------------------------------------- entry points


def expand(paths: Iterable[str | Path]) -> tuple[list[Path], list[str]]:
    """Files to ingest (directories expanded recursively) and the non-data files set aside."""
    files: list[Path] = []
    ignored: list[str] = []
    for p in map(Path, paths):
        candidates = sorted(x for x in p.rglob("*") if x.is_file()) if p.is_dir() else [p]
        for c in candidates:
            if is_data_file(c) or not c.exists():  # a missing path is reported as unreadable
                files.append(c)
            else:
                ignored.append(str(c))
    return files, ignored


def ingest_paths(
    store: Store,
    paths: Iterable[str | Path],
    *,
    progress: bool = False,
    force: bool = False,
    rows_per_file: int = ROWS_PER_FILE,
) -> IngestReport:
    """Ingest files (CSV jobs, ``meter_reads*.jsonl`` streams, or directories of them).

    Registers are ingested first (installations, customers), then the interval data, whatever
    the order given. ``force`` re-processes files whose content was already ingested.
    """
    t0 = time.perf_counter()
    files, ignored = expand(paths)
    reports: list[FileReport] = []
    sources: list[Source] = []
    for f in files:
        try:
            sources.append(open_source(f))
        except SourceError as exc:
            reports.append(FileReport(source=str(f), kind="unknown", error=exc.code))
            _trace_refused(store, exc)
    sources.sort(key=lambda s: kind_rank(s.kind))
    store.recover()
    total = sum(s.size_bytes() for s in sources)
    bar = tqdm(
        total=total,
        unit="B",
        unit_scale=True,
        desc="ingest",
        file=sys.stderr,
        disable=not progress,
        leave=False,
    )
    hashing = ThreadPoolExecutor(1, thread_name_prefix="sha256")
    try:
        ahead: Future[str | None] | None = None
        for k, src in enumerate(sources):
            if ahead is not None:
                ahead.exception()  # wait; a failure is met again (and reported) by ingest_source
            # the next file's sha256 is taken on the other core while this one is ingested
            nxt = sources[k + 1] if k + 1 < len(sources) else None
            ahead = hashing.submit(nxt.fingerprint) if isinstance(nxt, FileSource) else None
            bar.set_postfix_str(Path(src.name).name)
            try:
                rep = ingest_source(
                    store, src, force=force, rows_per_file=rows_per_file, note=_noter(bar, src)
                )
            except (
                duckdb.Error,
                SourceError,
                UnicodeError,
            ) as exc:  # this input only; nothing of it committed
                log.error("ingest of %s failed: %s", src.name, exc)
                rep = FileReport(source=src.name, kind=src.kind, error=f"ingest_failed:{type(exc).__name__}")
            reports.append(rep)
            bar.update(src.size_bytes())
    finally:
        hashing.shutdown(wait=True, cancel_futures=True)
        bar.close()
        store.refresh_views()
    return IngestReport.of(reports, ignored, time.perf_counter() - t0)


def _trace_refused(store: Store, exc: SourceError) -> None:
    """A refused file leaves a quarantine row (line 0) and the refusal in the log."""
    log.warning("ingest refused %s: %s %s", exc.source, exc.code, exc.detail)
    now = dt.datetime.now().replace(microsecond=0)
    cur = store.cursor()
    try:
        quarantine.add_file(
            cur, source=exc.source, kind=exc.kind, reason=exc.code, record=exc.header, now=now
        )
    finally:
        cur.close()


def future_limit() -> str:
    """SQL literal of the latest acceptable reading time (now in São Paulo + tolerance)."""
    limit = dt.datetime.now(_SAO_PAULO).replace(tzinfo=None, microsecond=0) + FUTURE_TOLERANCE
    return f"TIMESTAMP '{limit.isoformat(sep=' ')}'"


def _noter(bar: tqdm, src: Source) -> Note:
    name = Path(src.name).name

    def note(stage: str) -> None:
        bar.set_postfix_str(f"{name}: {stage}")

    return note


def ingest_source(
    store: Store,
    src: Source,
    *,
    force: bool = False,
    rows_per_file: int = ROWS_PER_FILE,
    note: Note | None = None,
) -> FileReport:
    """Ingest one source: stage, validate, merge, commit (see module docstring)."""
    t0 = time.perf_counter()
    note = note or (lambda _s: None)
    sha = src.fingerprint()
    if sha and not force:
        prev = store.rows(
            "SELECT input FROM ingest_log WHERE sha256 = ? ORDER BY finished_at DESC LIMIT 1", [sha]
        )
        if prev:
            n = int(prev[0][0])
            return FileReport(
                src.name,
                src.kind,
                input=n,
                duplicate=n,
                sha256=sha,
                skipped=True,
                seconds=time.perf_counter() - t0,
            )
    con = store.cursor()
    try:
        scan = src.scan() if SCAN_PATH and src.kind in _WIDE else None
        if scan is not None:
            batch = _Batch(store, con, src, uuid.uuid4().hex[:12], rows_per_file, note, scan)
            try:
                return batch.run(sha, t0)
            except _NeedsStaging as why:
                log.info("ingest of %s: staged path (%s)", src.name, why)
            finally:
                batch.cleanup()
        batch = _Batch(store, con, src, uuid.uuid4().hex[:12], rows_per_file, note)
        try:
            return batch.run(sha, t0)
        finally:
            batch.cleanup()
    finally:
        con.close()


# ---------------------------------------------------------------------------------- SQL helpers


def _ts_sql(x: str) -> str:
    """Parse a local timestamp; ISO (T or space), dd/mm/yyyy, or with an offset (→ Sao Paulo time)."""
    return (
        f"CASE WHEN length({x}) > 19 AND regexp_matches({x}, '(Z|[+-][0-9]{{2}}:?[0-9]{{2}})$') "
        f"THEN CAST(timezone('America/Sao_Paulo', TRY_CAST({x} AS TIMESTAMPTZ)) AS TIMESTAMP) "
        f"ELSE coalesce(TRY_CAST({x} AS TIMESTAMP), "
        f"try_strptime({x}, ['%d/%m/%Y %H:%M:%S', '%d/%m/%Y %H:%M', '%d/%m/%Y'])) END"
    )


def _num_sql(x: str) -> str:
    # the decimal-comma rewrite only for values that do not parse as they are (hot path: no copy)
    return f"coalesce(TRY_CAST({x} AS DOUBLE), TRY_CAST(replace({x}, ',', '.') AS DOUBLE))"


def _nz(col: str, present: Iterable[str]) -> str:
    return f"nullif(trim(r.{col}), '')" if col in set(present) else "CAST(NULL AS VARCHAR)"


def _sql_list(values: Iterable[object]) -> str:
    return ", ".join(f"'{v}'" if isinstance(v, str) else str(v) for v in values)


def _base_type(t: str) -> str:
    return t.split()[0]


@dataclass(frozen=True, slots=True)
class _Slot:
    code: str
    column: str
    scale: int
    family: str  # energy | voltage | current


def _family(code: str) -> str:
    if code in schema.ENERGY_CHANNELS:
        return "energy"
    if code in schema.VOLTAGE_CHANNELS:
        return "voltage"
    return "current"


LOAD_SLOTS = tuple(_Slot(code, col, scale, _family(code)) for code, (col, scale) in schema.CHANNELS.items())
VOLTAGE_SLOTS = (
    _Slot("A", "v_a_dv", 10, "voltage"),
    _Slot("B", "v_b_dv", 10, "voltage"),
    _Slot("C", "v_c_dv", 10, "voltage"),
)
_SLOT_ALIASES = {"V_A": "A", "V_B": "B", "V_C": "C", "1": "A", "2": "B", "3": "C"}


@dataclass(frozen=True, slots=True)
class _Wide:
    table: str
    slot_field: str
    value_field: str
    slots: tuple[_Slot, ...]
    fixed_interval: int | None  # voltage_10min: 10; load_profile: from record / installation


_WIDE = {
    "load_profile": _Wide("load_profile", "channel", "value", LOAD_SLOTS, None),
    "voltage_10min": _Wide("voltage_10min", "phase", "voltage_v", VOLTAGE_SLOTS, 10),
}
_ROW_TABLES = ("events", "billing_registers")
_REGISTERS: dict[str, tuple[dict[str, str], str]] = {
    "installations": (schema.INSTALLATION_COLUMNS, "installation_id"),
    "customers": (schema.CUSTOMER_COLUMNS, "customer_key"),
    "service_requests": (SERVICE_REQUEST_COLUMNS, "request_id"),
}


# ---------------------------------------------------------------------------------- one batch


class _Batch:
    """State of one source's ingest: temp tables on a private cursor, planned swaps, counts."""

    def __init__(
        self,
        store: Store,
        con: duckdb.DuckDBPyConnection,
        src: Source,
        batch: str,
        rows_per_file: int,
        note: Note,
        scan: Scan | None = None,
    ) -> None:
        self.store, self.con, self.src, self.batch = store, con, src, batch
        self.scan = scan  # set: the scan path (interval data, nothing staged)
        self.rows_per_file = rows_per_file
        self.note = note
        self.t = batch  # temp-table suffix
        self.accepted = 0
        self.duplicate = 0
        self.swaps: list[tuple[str, str, str, str]] = []  # (table, month, tmp_dir, old_dir)
        self.in_txn_sql: list[str] = []
        self.committed = False
        self.staged: Staged | None = None
        self.temps: list[str] = []
        self.views: list[str] = []

    # -- helpers
    def tmp(self, name: str) -> str:
        t = f"_{name}_{self.t}"
        self.temps.append(t)
        return t

    def view(self, name: str) -> str:
        """Name of a temp view (a query evaluated where it is used, never stored)."""
        v = f"_{name}_{self.t}"
        self.views.append(v)
        return v

    def x(self, sql: str, params: list[object] | None = None) -> duckdb.DuckDBPyConnection:
        return self.con.execute(sql, params or [])

    def one(self, sql: str, params: list[object] | None = None) -> int:
        rows = self.con.execute(sql, params or []).fetchall()  # no pending result left on the cursor
        return int(rows[0][0] or 0) if rows else 0

    def cleanup(self) -> None:
        try:
            if self.con is not None and not self.committed:
                try:
                    self.con.rollback()
                except duckdb.Error:
                    pass
            for v in self.views:  # views first: they read the temp tables
                self.con.execute(f"DROP VIEW IF EXISTS {v}")
            if self.staged is not None:
                self.staged.drop(self.con)
            for t in self.temps:
                self.con.execute(f"DROP TABLE IF EXISTS {t}")
        finally:
            if not self.committed:  # uncommitted partition versions are garbage
                for table, _m, tmp_dir, _old in self.swaps:
                    shutil.rmtree(self.store.lake / table / tmp_dir, ignore_errors=True)

    # -- flow
    def run(self, sha: str | None, t0: float) -> FileReport:
        src = self.src
        # (_idx, reason) of records rejected after staging; rebuilt into quarantine rows at the end
        self.qidx = self.tmp("qidx")
        self.x(f"CREATE TEMP TABLE {self.qidx} (_idx BIGINT, reason VARCHAR)")
        qst = self.tmp("qst")
        if self.scan is not None:  # every record valid, or _NeedsStaging: no quarantine rows
            self.note("validating")
            n_input = self._wide(_WIDE[src.kind], None)
            self.x(f"CREATE TEMP TABLE {qst} (line_no BIGINT, reason VARCHAR, record VARCHAR)")
        else:
            self.note("staging")
            staged = self.staged = src.stage(self.con)
            n_input = staged.input
            self.note("validating")
            if src.kind in _WIDE:
                self._wide(_WIDE[src.kind], staged)
            elif src.kind in _ROW_TABLES:
                self._rows(src.kind, staged)
            elif src.kind in _REGISTERS:
                self._register(src.kind, staged)
            else:  # pragma: no cover - sources only produce known kinds
                raise IngestError(f"unsupported kind {src.kind}")
            self.x(
                f"CREATE TEMP TABLE {qst} AS SELECT line_no, reason, record FROM {staged.rejects} UNION ALL "
                f"SELECT {staged.line_of('q._idx')} AS line_no, q.reason, {staged.record_sql} AS record "
                f"FROM {self.qidx} q JOIN {staged.raw} r ON {staged.idx_sql} = q._idx"
            )
        n_q = self.one(f"SELECT count(*) FROM {qst}")
        if self.accepted + self.duplicate + n_q != n_input:
            raise IngestError(
                f"unbalanced ingest of {src.name}: {self.accepted}+{self.duplicate}+{n_q} != {n_input}"
            )
        # usage aggregates of the rewritten load-profile months, from their new (not yet visible) files
        usage_months = self._stage_usage()
        # ---- commit point: quarantine, register upserts, swap journal, ingest_log and the usage
        # aggregates of the rewritten months together
        self.note("committing")
        now = dt.datetime.now().replace(microsecond=0)
        self.con.begin()
        by_reason, already = quarantine.add(self.con, qst, source=src.name, kind=src.kind, now=now)
        for sql in self.in_txn_sql:
            self.x(sql)
        if usage_months:
            usage.apply_months(self.con, usage_months)
        for table, month, tmp_dir, old_dir in self.swaps:
            self.x(
                "INSERT INTO lake_swaps VALUES (?, ?, ?, ?, ?)", [self.batch, table, month, tmp_dir, old_dir]
            )
        quarantined = sum(by_reason.values())
        duplicate = self.duplicate + already
        if sha is not None:  # one row per distinct content (a forced re-run replaces it)
            self.x("DELETE FROM ingest_log WHERE sha256 = ?", [sha])
            self.x(
                "INSERT INTO ingest_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [src.name, sha, src.kind, n_input, self.accepted, duplicate, quarantined, now],
            )
        self.con.commit()
        self.committed = True
        # ---- apply: swap directories (a crash here is rolled forward by Store.recover)
        self.note("swapping")
        for table, month, tmp_dir, old_dir in self.swaps:
            self.store.apply_swap(table, month, tmp_dir, old_dir)
        if self.swaps:
            self.x("DELETE FROM lake_swaps WHERE batch = ?", [self.batch])
        src.done()
        return FileReport(
            source=src.name,
            kind=src.kind,
            input=n_input,
            accepted=self.accepted,
            duplicate=duplicate,
            quarantined=quarantined,
            reasons=dict(sorted(by_reason.items())),
            sha256=sha,
            partitions=tuple(sorted({m for _t, m, _d, _o in self.swaps})),
            seconds=time.perf_counter() - t0,
        )

    def _stage_usage(self) -> dict[str, tuple[str | None, str | None]]:
        """``{month: (temp table, fingerprint)}``: usage aggregates of each rewritten load-profile month."""
        out: dict[str, tuple[str | None, str | None]] = {}
        for table, month, tmp_dir, _old in self.swaps:
            if table != usage.SOURCE_TABLE:
                continue
            self.note(f"aggregating {month}")
            files = sorted((self.store.lake / table / tmp_dir).glob("*.parquet"))
            temp = self.tmp(f"usage{month.replace('-', '')}")
            usage.stage_month(self.con, files, temp)
            # renaming the directory keeps each file's name, size and mtime: this is the fingerprint
            # the partition will have once swapped in
            out[month] = (temp, usage.file_fingerprint(files))
        return out

    # ------------------------------------------------------------------ wide lake tables
    def _wide(self, spec: _Wide, st: Staged | None) -> int:
        """Long records (installation, ts, channel, value) → cells of the wide table, merged per
        month; returns the number of input records. ``st`` None: the scan path (``self.scan``)."""
        new = self.tmp("new")
        # `new`: one row per (installation, ts) with the cells c0..cN, month, interval_min,
        # quality and _n (valid records folded into the row, one per cell)
        if st is None:
            n_input, live = self._pivot_scan(spec, new), None
        else:
            n_input, live = st.input, self._pivot_staged(spec, st, new)
        self._merge_wide(spec, new, live)
        return n_input

    def _pivot_staged(self, spec: _Wide, st: Staged, new: str) -> str:
        """Pivot of the staged records into ``new``; the rejected ones into ``self.qidx``.

        Returns the relation of the validated records (``_idx``, ``reason``, key, ``slot``) for
        the conflicts with stored data: the validation view, or a stored copy when a key
        repeats inside the input."""
        cols = st.columns
        rec, slots = self.view("rec"), self.tmp("slots")
        codes = {s.code: i for i, s in enumerate(spec.slots)}
        if spec.table == "voltage_10min":
            codes.update({alias: codes[code] for alias, code in _SLOT_ALIASES.items()})
        codes.update({code.lower(): i for code, i in list(codes.items())})
        table_cols = schema.LAKE_TABLES[spec.table]
        rows = [
            (code, i, spec.slots[i].scale, spec.slots[i].family, _base_type(table_cols[spec.slots[i].column]))
            for code, i in codes.items()
        ]
        values = ", ".join(f"('{c}', {i}, {sc}, '{fam}', '{ct}')" for c, i, sc, fam, ct in rows)
        self.x(
            f"CREATE TEMP TABLE {slots} AS SELECT * FROM (VALUES {values}) v(code, slot, scale, family, ctype)"
        )
        interval = str(spec.fixed_interval) if spec.fixed_interval else "coalesce(t._int, i.interval_min, 15)"
        int_max = " ".join(f"WHEN '{k}' THEN {v}" for k, v in _INT_MAX.items())

        def field(col: str) -> str:  # hot path: no trim (numbers and timestamps tolerate no padding)
            return f"nullif(r.{col}, '')" if col in cols else "CAST(NULL AS VARCHAR)"

        # One view from the staged records through typing and the reason CASE: scanned once for the
        # quarantined minority and once by the pivot, never stored whole (storing 4 M validated
        # records cost ten times computing them; docs/scale.md).
        self.x(
            f"""CREATE TEMP VIEW {rec} AS
            WITH p AS (
              SELECT {st.idx_sql} AS _idx, {field("installation_id")} AS _iid, {field("ts")} AS _ts_raw,
                     {field(spec.slot_field)} AS _slot_raw, {field(spec.value_field)} AS _v_raw,
                     {field("interval_min")} AS _int_raw, {field("quality")} AS _q_raw
              FROM {st.raw} r
            ), t AS (
              SELECT p.*, {_ts_sql("_ts_raw")} AS _ts, {_num_sql("_v_raw")} AS _v,
                     TRY_CAST(_int_raw AS DOUBLE) AS _int, TRY_CAST(_q_raw AS DOUBLE) AS _q
              FROM p
            ), c AS (
              SELECT t.*, s.slot, s.scale, s.family, s.ctype, i.installation_id AS _known,
                     {interval} AS _interval,
                     CASE WHEN coalesce(i.nominal_voltage_v, 0) <= 1000 THEN {BT_MAX_VOLTAGE_V}
                          ELSE i.nominal_voltage_v * 1.5 END AS _vmax
              FROM t LEFT JOIN {slots} s ON s.code = t._slot_raw
                     LEFT JOIN installations i ON i.installation_id = t._iid
            )
            SELECT _idx, _iid AS installation_id, _ts AS ts, slot,
                   TRY_CAST(_interval AS SMALLINT) AS interval_min, TRY_CAST(coalesce(_q, 0) AS UTINYINT) AS quality,
                   TRY_CAST(round(_v * scale) AS BIGINT) AS val,
              CASE
                WHEN _iid IS NULL OR _ts_raw IS NULL OR _slot_raw IS NULL OR _v_raw IS NULL THEN '{Reason.MISSING_FIELD}'
                WHEN _ts IS NULL THEN '{Reason.BAD_TIMESTAMP}'
                WHEN _ts > {future_limit()} THEN '{Reason.FUTURE_TIMESTAMP}'
                WHEN slot IS NULL THEN '{Reason.UNKNOWN_CHANNEL}'
                WHEN _v IS NULL OR NOT isfinite(_v) OR (_int_raw IS NOT NULL AND _int IS NULL)
                     OR (_q_raw IS NOT NULL AND _q IS NULL) THEN '{Reason.NON_NUMERIC}'
                WHEN _known IS NULL THEN '{Reason.UNKNOWN_INSTALLATION}'
                WHEN _interval NOT IN ({_sql_list(INTERVALS_MIN)})
                     OR CAST(epoch(_ts) AS BIGINT) % CAST(_interval * 60 AS BIGINT) <> 0 THEN '{Reason.BAD_INTERVAL}'
                WHEN family = 'energy' AND _v < 0 THEN '{Reason.NEGATIVE_ENERGY}'
                WHEN family = 'voltage' AND (_v < 0 OR _v > _vmax OR round(_v * scale) > 32767)
                     THEN '{Reason.IMPOSSIBLE_VOLTAGE}'
                WHEN _v < 0 OR round(_v * scale) > CASE ctype {int_max} END
                     OR _q < 0 OR _q > 255 OR _q <> floor(_q)
                     OR (family = 'energy' AND (_v <> floor(_v) OR strpos(lower(_v_raw), 'e') > 0))
                     THEN '{Reason.OUT_OF_RANGE}'
              END AS reason
            FROM c"""
        )
        nslots = len(spec.slots)
        aggs = ", ".join(f"max(val) FILTER (WHERE slot = {i}) AS c{i}" for i in range(nslots))
        group = (
            "installation_id, ts, strftime(ts, '%Y-%m') AS month, any_value(interval_min) AS interval_min, "
            f"bit_or(quality) AS quality, {aggs}, count(slot) AS _n"
        )

        def pivot(valid: str) -> None:  # _n: records folded into the row (more than its cells: repeats)
            self.x(
                f"CREATE OR REPLACE TEMP TABLE {new} AS SELECT {group} "
                f"FROM {valid} WHERE reason IS NULL GROUP BY installation_id, ts"
            )

        self.note("pivoting")
        # One pass over the view: the valid records' fields (nulled on a rejected record, which
        # every aggregate ignores) pivot into their (installation, ts) row, and the rejected
        # records ride along as a list on the row of their key (NULL keys form a row of their own).
        # Rows holding only rejected records are dropped once their list is in the quarantine.
        self.x(
            f"""CREATE OR REPLACE TEMP TABLE {new} AS
            SELECT {group}, list(struct_pack(i := _idx, r := _r)) FILTER (WHERE _r IS NOT NULL) AS _rej
            FROM (SELECT installation_id, ts, _idx, reason AS _r,
                         CASE WHEN reason IS NULL THEN slot END AS slot,
                         CASE WHEN reason IS NULL THEN val END AS val,
                         CASE WHEN reason IS NULL THEN interval_min END AS interval_min,
                         CASE WHEN reason IS NULL THEN quality END AS quality
                  FROM {rec})
            GROUP BY installation_id, ts"""
        )
        self.x(
            f"INSERT INTO {self.qidx} SELECT q.i, q.r FROM (SELECT unnest(_rej) AS q FROM {new} WHERE _rej IS NOT NULL)"
        )
        self.x(f"DELETE FROM {new} WHERE _n = 0")
        # valid records, and per slot the cells holding a value
        row = self.x(
            f"SELECT sum(_n), {', '.join(f'count(c{i})' for i in range(nslots))} FROM {new}"
        ).fetchall()[0]
        n_ok, per_slot = int(row[0] or 0), [int(n or 0) for n in row[1:]]
        # Each record is one cell unless a key repeats inside the input (then classify the repeats
        # on a stored copy of the valid records: the rare path).
        live = rec
        if sum(per_slot) != n_ok:
            live = self.tmp("valid")
            self.x(f"CREATE TEMP TABLE {live} AS SELECT * FROM {rec} WHERE reason IS NULL")
            self._in_file_duplicates(live, ("installation_id", "ts", "slot"), mark=True)
            pivot(live)
        return live

    def _pivot_scan(self, spec: _Wide, new: str) -> int:
        """The scan path: the records of ``self.scan`` pivoted into ``new``, nothing staged;
        returns the number of records, or raises :class:`_NeedsStaging` unless every record
        would be accepted by the staged path's validation with the same value.

        The raw fields are grouped by their raw key (``installation_id``, ``ts``, ``interval_min``
        and ``quality`` texts): each slot keeps its record's value, so the timestamp parsing, the
        installation join and every check of the reason ``CASE`` (``_pivot_staged``) run once per
        row instead of once per record. A file in export order is grouped by
        ``ingest_fast.group_runs`` (runs of adjacent records, no hash table) when it accepts the
        file and the runs' keys are distinct; otherwise by a ``GROUP BY`` over the file. A row is
        accepted only when its records hold one value per cell (none missing, unknown, unparsable
        or repeated) and the checks pass for each cell; keys are unique once parsed. Anything else
        (and a line the reader cannot parse) is left to the staged path, which knows line numbers."""
        assert self.scan is not None
        if FAST_PATH and self.scan.path is not None:
            meta = tuple(c for c in ("interval_min", "quality") if c in self.scan.columns)
            try:
                runs = ingest_fast.group_runs(
                    ingest_fast.mapped(self.scan.path),
                    columns=self.scan.columns,
                    delim=self.scan.delim,
                    slot_field=spec.slot_field,
                    value_field=spec.value_field,
                    codes=[s.code for s in spec.slots],
                    meta=meta,
                )
            except ingest_fast.Declined as why:
                log.info("ingest of %s: grouped in SQL (%s)", self.src.name, why)
            else:
                name = f"_runs_{self.t}"
                self.con.register(name, runs)
                try:
                    n_input = self._pivot_groups(spec, new, name, fast=True)
                    if n_input is not None:
                        return n_input
                finally:
                    self.con.unregister(name)
                log.info("ingest of %s: records of one key are not adjacent; grouped in SQL", self.src.name)
                self.x(f"DROP TABLE {new}")
        n_input = self._pivot_groups(spec, new, None, fast=False)
        assert n_input is not None
        return n_input

    def _pivot_groups(self, spec: _Wide, new: str, runs: str | None, *, fast: bool) -> int | None:
        """Rows of ``new`` from the groups of the scan (``runs``: the relation of
        ``ingest_fast.group_runs``, else a ``GROUP BY`` over the file); returns the number of
        records, None when the runs of ``runs`` repeat a key (group in SQL instead), or raises
        :class:`_NeedsStaging`."""
        assert self.scan is not None
        cols = self.scan.columns
        table_cols = schema.LAKE_TABLES[spec.table]
        nslots = len(spec.slots)
        # energy cells keep their text in the SQL grouping (the exponent check reads it), the others
        # their DOUBLE: a value that does not cast leaves its cell empty, which the cell count
        # catches. The fast grouping gives DOUBLEs only (its values hold no exponent).
        text = [s.family == "energy" and not fast for s in spec.slots]
        cells = ", ".join(
            f"max(CASE WHEN {spec.slot_field} = '{s.code}' THEN {spec.value_field} END) AS _r{i}"
            if text[i]
            else f"max(CASE WHEN {spec.slot_field} = '{s.code}' THEN TRY_CAST({spec.value_field} AS DOUBLE) END) AS _v{i}"
            for i, s in enumerate(spec.slots)
        )
        # interval and quality join the group key: records of one (installation, ts) with different
        # texts there make two rows of one key, which sends the input to the staged path
        meta = [c for c in ("interval_min", "quality") if c in cols]

        def same(c: str) -> tuple[str, str]:
            """(field ``c`` of the row's records as DOUBLE, its check); an empty text is no value."""
            if c not in meta:
                return "CAST(NULL AS DOUBLE)", "true"
            value = f"TRY_CAST(nullif(_{c}, '') AS DOUBLE)"
            return value, f"(nullif(_{c}, '') IS NULL OR {value} IS NOT NULL)"

        int_v, int_ok = same("interval_min")
        q_v, q_ok = same("quality")
        interval = (
            str(spec.fixed_interval) if spec.fixed_interval else f"coalesce({int_v}, i.interval_min, 15)"
        )
        values, checks = [], []
        for i, s in enumerate(spec.slots):
            v, ctype = f"_v{i}", _base_type(table_cols[s.column])
            check = f"isfinite({v}) AND {v} >= 0 AND round({v} * {s.scale}) <= {_INT_MAX[ctype]}"
            if text[i]:
                values.append(f"TRY_CAST(nullif(_r{i}, '') AS DOUBLE) AS {v}")
                check = f"{v} IS NOT NULL AND {check} AND {v} = floor({v}) AND strpos(lower(_r{i}), 'e') = 0"
            elif s.family == "energy":
                check = f"{check} AND {v} = floor({v})"
            elif s.family == "voltage":
                check += f" AND {v} <= _vmax" + (
                    f" AND round({v} * {s.scale}) <= 32767" if ctype != "SMALLINT" else ""
                )
            checks.append(f"({'_r' if text[i] else '_v'}{i} IS NULL OR ({check}))")
        n_cells = " + ".join(
            f"(nullif(_r{i}, '') IS NOT NULL)::INTEGER" if text[i] else f"(_v{i} IS NOT NULL)::INTEGER"
            for i in range(nslots)
        )
        ok = " AND ".join(
            [
                "_known IS NOT NULL",
                "_ts IS NOT NULL",
                f"_ts <= {future_limit()}",
                f"{n_cells} = _n",
                int_ok,
                q_ok,
                f"_interval IN ({_sql_list(INTERVALS_MIN)})",
                "CAST(epoch(_ts) AS BIGINT) % CAST(_interval * 60 AS BIGINT) = 0",
                "(_q IS NULL OR (_q >= 0 AND _q <= 255 AND _q = floor(_q)))",
                *checks,
            ]
        )
        if runs is None:
            groups = (
                f"SELECT installation_id AS _iid, ts AS _ts_raw, {''.join(f'{c} AS _{c}, ' for c in meta)}{cells}, "
                f"count(*) AS _n FROM ({self.scan.sql}) GROUP BY ALL"
            )
            params = list(self.scan.params)
        else:
            groups, params = f"SELECT * FROM {runs}", []
        self.note("pivoting")
        try:
            self.x(
                f"""CREATE TEMP TABLE {new} AS
                WITH g AS ({groups}), t AS (
                  SELECT g.*, {_ts_sql("nullif(_ts_raw, '')")} AS _ts, {"".join(f"{v}, " for v in values)}{q_v} AS _q,
                         i.installation_id AS _known, {interval} AS _interval,
                         CASE WHEN coalesce(i.nominal_voltage_v, 0) <= 1000 THEN {BT_MAX_VOLTAGE_V}
                              ELSE i.nominal_voltage_v * 1.5 END AS _vmax
                  FROM g LEFT JOIN installations i ON i.installation_id = g._iid
                )
                SELECT _iid AS installation_id, _ts AS ts, strftime(_ts, '%Y-%m') AS month,
                       TRY_CAST(_interval AS SMALLINT) AS interval_min, TRY_CAST(coalesce(_q, 0) AS UTINYINT) AS quality,
                       {", ".join(f"TRY_CAST(round(_v{i} * {s.scale}) AS BIGINT) AS c{i}" for i, s in enumerate(spec.slots))},
                       _n, coalesce({ok}, false) AS _ok
                FROM t""",
                params,
            )
        except duckdb.Error as exc:  # a line the reader cannot parse (the staged path keeps it apart)
            raise _NeedsStaging(f"scan failed: {type(exc).__name__}") from exc
        # keys counted by their hash: equal keys share it, so a repeated key is never missed (a
        # collision only sends the input to the slower path)
        bad, n, rows, keys = self.con.execute(
            f"SELECT count(*) FILTER (WHERE NOT _ok), sum(_n), count(*), count(DISTINCT hash(installation_id, ts)) "
            f"FROM {new}"
        ).fetchall()[0]
        if runs is not None and keys != rows:
            return None  # runs that repeat a key: the SQL grouping may merge them
        if bad or keys != rows:
            raise _NeedsStaging(f"{bad} rows with a rejected or repeated record, {rows - keys} repeated keys")
        return int(n or 0)

    def _merge_wide(self, spec: _Wide, new: str, live: str | None) -> None:
        """Merge the pivoted rows of ``new`` into their month partitions (dedup against the stored
        cells; a conflicting record, found in ``live``, is quarantined)."""
        nslots = len(spec.slots)
        table_cols = schema.LAKE_TABLES[spec.table]
        per_slot = [
            int(n or 0)
            for n in self.x(
                f"SELECT {', '.join(f'count(c{i})' for i in range(nslots))} FROM {new}"
            ).fetchall()[0]
        ]
        present = [i for i in range(nslots) if per_slot[i]]
        cells_sql = " + ".join(f"(c{i} IS NOT NULL)::INTEGER" for i in present) or "0"
        by_month = self.x(
            f"SELECT month, sum({cells_sql}), count(*) FROM {new} GROUP BY 1 ORDER BY 1"
        ).fetchall()
        month_cells = {m: int(c) for m, c, _r in by_month}
        month_rows = {m: int(r) for m, _c, r in by_month}
        months = sorted(month_cells)
        colnames = [s.column for s in spec.slots]
        has_meta = "interval_min" in table_cols

        def typed(c: str) -> str:
            return _base_type(table_cols[c])

        for month in months:
            self.note(f"merging {month}")
            files = self.store.partition_files(spec.table, month)
            cells = int(month_cells[month])
            if not files:
                self.accepted += cells
                sel = ", ".join(
                    ["installation_id", "ts"]
                    + (["CAST(interval_min AS SMALLINT) AS interval_min"] if has_meta else [])
                    + [f"CAST(c{i} AS {typed(c)}) AS {c}" for i, c in enumerate(colnames)]
                    + (["CAST(quality AS UTINYINT) AS quality"] if has_meta else [])
                )
                self._write(
                    spec.table,
                    month,
                    f"SELECT {sel} FROM {new} WHERE month = '{month}'",
                    rows=month_rows[month],
                )
                continue
            flist = sql_str_list(files)
            m = month.replace("-", "")
            cmp_, conf = self.tmp(f"cmp{m}"), self.tmp(f"conf{m}")
            self.x(
                f"CREATE TEMP TABLE {cmp_} AS SELECT n.installation_id, n.ts, "
                + ", ".join(f"n.c{i} AS n{i}, e.{colnames[i]} AS e{i}" for i in present)
                + f" FROM (SELECT * FROM {new} WHERE month = ?) n JOIN read_parquet({flist}) e "
                "ON e.installation_id = n.installation_id AND e.ts = n.ts",
                [month],
            )
            dup = self.one(
                "SELECT "
                + (" + ".join(f"count(*) FILTER (WHERE n{i} = e{i})" for i in present) or "0")
                + f" FROM {cmp_}"
            )
            self.x(
                f"CREATE TEMP TABLE {conf} AS "
                + " UNION ALL ".join(
                    f"SELECT installation_id, ts, {i} AS slot FROM {cmp_} WHERE n{i} <> e{i}" for i in present
                )
            )
            n_conf = self.one(f"SELECT count(*) FROM {conf}")
            if n_conf:
                if live is None:  # the scan path has no record index to quarantine them by
                    raise _NeedsStaging(f"{n_conf} cells conflict with stored values in {month}")
                self.x(
                    f"INSERT INTO {self.qidx} SELECT o._idx, '{Reason.DUPLICATE_CONFLICT}' FROM {live} o "
                    f"SEMI JOIN {conf} c ON c.installation_id = o.installation_id AND c.ts = o.ts AND c.slot = o.slot "
                    "WHERE o.reason IS NULL"
                )
            self.duplicate += dup
            accepted = cells - dup - n_conf
            self.accepted += accepted
            if accepted == 0:
                continue
            # rows of the merged partition: the stored ones plus the new keys (a key is unique per file set)
            n_stored = self.one(f"SELECT count(*) FROM read_parquet({flist})")
            n_matched = self.one(f"SELECT count(*) FROM {cmp_}")
            sel = ", ".join(
                [
                    "coalesce(e.installation_id, n.installation_id) AS installation_id",
                    "coalesce(e.ts, n.ts) AS ts",
                ]
                + (
                    ["CAST(coalesce(e.interval_min, n.interval_min) AS SMALLINT) AS interval_min"]
                    if has_meta
                    else []
                )
                + [f"CAST(coalesce(e.{c}, n.c{i}) AS {typed(c)}) AS {c}" for i, c in enumerate(colnames)]
                + (
                    ["CAST(coalesce(e.quality, 0) | coalesce(n.quality, 0) AS UTINYINT) AS quality"]
                    if has_meta
                    else []
                )
            )
            self._write(
                spec.table,
                month,
                f"SELECT {sel} FROM read_parquet({flist}) e FULL OUTER JOIN (SELECT * FROM {new} WHERE month = '{month}') n "
                "ON e.installation_id = n.installation_id AND e.ts = n.ts",
                rows=n_stored + month_rows[month] - n_matched,
            )

    def _in_file_duplicates(
        self, table: str, key: Sequence[str], value: str = "val", mark: bool = False
    ) -> None:
        """Classify keys repeated inside the input: the first record wins; a repeat with the same
        value is a duplicate, with another value a ``duplicate_conflict``. Repeats leave ``table``
        (deleted, or with ``mark`` flagged ``reason = '~repeat'``)."""
        keys = ", ".join(key)
        live = "WHERE reason IS NULL" if mark else ""
        cls = self.tmp("dupcls")
        self.x(
            f"""CREATE OR REPLACE TEMP TABLE {cls} AS
            WITH rep AS (SELECT {keys} FROM {table} {live} GROUP BY {keys} HAVING count(*) > 1)
            SELECT o._idx, row_number() OVER w AS rn,
                   o.{value} IS NOT DISTINCT FROM first_value(o.{value}) OVER w AS same
            FROM (SELECT * FROM {table} {live}) o SEMI JOIN rep ON {" AND ".join(f"rep.{k} = o.{k}" for k in key)}
            WINDOW w AS (PARTITION BY {", ".join(f"o.{k}" for k in key)} ORDER BY o._idx)"""
        )
        self.duplicate += self.one(f"SELECT count(*) FROM {cls} WHERE rn > 1 AND same")
        self.x(
            f"INSERT INTO {self.qidx} SELECT _idx, '{Reason.DUPLICATE_CONFLICT}' FROM {cls} WHERE rn > 1 AND NOT same"
        )
        repeats = f"SELECT _idx FROM {cls} WHERE rn > 1"
        if mark:
            self.x(f"UPDATE {table} SET reason = '~repeat' WHERE _idx IN ({repeats})")
        else:
            self.x(f"DELETE FROM {table} WHERE _idx IN ({repeats})")

    # ------------------------------------------------------------------ row lake tables
    def _rows(self, table: str, st: Staged) -> None:
        cols = st.columns
        rec, ok = self.tmp("rec"), self.tmp("ok")
        table_cols = schema.LAKE_TABLES[table]
        key = schema.LAKE_KEYS[table]
        if table == "events":
            typed = (
                f"{_nz('installation_id', cols)} AS _iid, {_nz('ts', cols)} AS _ts_raw, "
                f"{_nz('code', cols)} AS _code_raw, {_nz('value', cols)} AS _v_raw"
            )
            reason = f"""CASE
                WHEN _iid IS NULL OR _ts_raw IS NULL OR _code_raw IS NULL THEN '{Reason.MISSING_FIELD}'
                WHEN _ts IS NULL THEN '{Reason.BAD_TIMESTAMP}'
                WHEN _ts > {future_limit()} THEN '{Reason.FUTURE_TIMESTAMP}'
                WHEN _code IS NULL OR (_v_raw IS NOT NULL AND (_v IS NULL OR NOT isfinite(_v))) THEN '{Reason.NON_NUMERIC}'
                WHEN _code <> floor(_code) OR NOT EXISTS (SELECT 1 FROM event_codes ec WHERE ec.code = _code)
                     THEN '{Reason.UNKNOWN_EVENT_CODE}'
                WHEN _known IS NULL THEN '{Reason.UNKNOWN_INSTALLATION}' END"""
            parsed = f"{_ts_sql('_ts_raw')} AS _ts, TRY_CAST(_code_raw AS DOUBLE) AS _code, {_num_sql('_v_raw')} AS _v"
            out = "TRY_CAST(_code AS SMALLINT) AS code, _v AS value"
            value = "value"
        else:
            registers = _sql_list(schema.REGISTERS)
            postos = _sql_list(schema.POSTOS)
            typed = (
                f"{_nz('installation_id', cols)} AS _iid, {_nz('ts', cols)} AS _ts_raw, "
                f"lpad({_nz('register', cols)}, 3, '0') AS _reg, lower({_nz('posto', cols)}) AS _posto, "
                f"{_nz('value_wh', cols)} AS _v_raw"
            )
            reason = f"""CASE
                WHEN _iid IS NULL OR _ts_raw IS NULL OR _reg IS NULL OR _posto IS NULL OR _v_raw IS NULL
                     THEN '{Reason.MISSING_FIELD}'
                WHEN _ts IS NULL THEN '{Reason.BAD_TIMESTAMP}'
                WHEN _ts > {future_limit()} THEN '{Reason.FUTURE_TIMESTAMP}'
                WHEN _reg NOT IN ({registers}) OR _posto NOT IN ({postos}) THEN '{Reason.UNKNOWN_REGISTER}'
                WHEN _v IS NULL OR NOT isfinite(_v) THEN '{Reason.NON_NUMERIC}'
                WHEN _known IS NULL THEN '{Reason.UNKNOWN_INSTALLATION}'
                WHEN _v < 0 THEN '{Reason.NEGATIVE_ENERGY}'
                WHEN round(_v) > {_INT_MAX["BIGINT"] // 2} OR _v <> floor(_v) OR strpos(lower(_v_raw), 'e') > 0
                     THEN '{Reason.OUT_OF_RANGE}' END"""
            parsed = f"{_ts_sql('_ts_raw')} AS _ts, {_num_sql('_v_raw')} AS _v"
            out = "_reg AS register, _posto AS posto, TRY_CAST(round(_v) AS BIGINT) AS value_wh"
            value = "value_wh"
        self.x(
            f"""CREATE TEMP TABLE {rec} AS
            WITH p AS (SELECT {st.idx_sql} AS _idx, {typed} FROM {st.raw} r),
            t AS (SELECT p.*, {parsed} FROM p),
            c AS (SELECT t.*, i.installation_id AS _known FROM t LEFT JOIN installations i ON i.installation_id = t._iid)
            SELECT _idx, _iid AS installation_id, _ts AS ts, {out}, {reason} AS reason FROM c"""
        )
        self.x(f"INSERT INTO {self.qidx} SELECT _idx, reason FROM {rec} WHERE reason IS NOT NULL")
        self.x(
            f"CREATE TEMP TABLE {ok} AS SELECT _idx, {', '.join(table_cols)}, strftime(ts, '%Y-%m') AS month "
            f"FROM {rec} WHERE reason IS NULL"
        )
        self.x(f"DROP TABLE {rec}")
        if self.one(f"SELECT count(*) - count(DISTINCT ({', '.join(key)})) FROM {ok}"):
            self._in_file_duplicates(ok, key, value=value)
        on = " AND ".join(f"e.{k} = n.{k}" for k in key)
        sel = ", ".join(f"CAST({c} AS {_base_type(t)}) AS {c}" for c, t in table_cols.items())
        for (month,) in self.x(f"SELECT DISTINCT month FROM {ok} ORDER BY 1").fetchall():
            self.note(f"merging {month}")
            files = self.store.partition_files(table, month)
            n_new = self.one(f"SELECT count(*) FROM {ok} WHERE month = ?", [month])
            if not files:
                self.accepted += n_new
                self._write(table, month, f"SELECT {sel} FROM {ok} WHERE month = '{month}'")
                continue
            flist = sql_str_list(files)
            hit = self.tmp(f"hit{month.replace('-', '')}")
            self.x(
                f"CREATE TEMP TABLE {hit} AS SELECT n._idx, n.{value} IS NOT DISTINCT FROM e.{value} AS same "
                f"FROM (SELECT * FROM {ok} WHERE month = ?) n JOIN read_parquet({flist}) e ON {on}",
                [month],
            )
            dup = self.one(f"SELECT count(*) FROM {hit} WHERE same")
            self.x(
                f"INSERT INTO {self.qidx} SELECT _idx, '{Reason.DUPLICATE_CONFLICT}' FROM {hit} WHERE NOT same"
            )
            n_hit = self.one(f"SELECT count(*) FROM {hit}")
            self.duplicate += dup
            accepted = n_new - n_hit
            self.accepted += accepted
            if accepted == 0:
                continue
            self._write(
                table,
                month,
                f"SELECT {sel} FROM read_parquet({flist}) UNION ALL SELECT {sel} FROM {ok} n "
                f"WHERE month = '{month}' AND NOT EXISTS (SELECT 1 FROM {hit} h WHERE h._idx = n._idx)",
            )

    # ------------------------------------------------------------------ registers (DuckDB tables)
    def _register(self, kind: str, st: Staged) -> None:
        ddl, key = _REGISTERS[kind]
        table = kind
        present = [c for c in ddl if c in st.columns]
        rec, ok = self.tmp("rec"), self.tmp("ok")
        required = [key] + (["installation_id"] if kind != "installations" else [])
        required += ["opened_at"] if kind == "service_requests" else []
        raw_checks = [
            "WHEN "
            + " OR ".join(f"nullif(trim(r.{c}), '') IS NULL" for c in required)
            + f" THEN '{Reason.MISSING_FIELD}'"
        ]
        typed: list[str] = []
        value_checks: list[str] = []  # on raw text, after the type checks
        typed_checks: list[str] = []  # on the typed columns (alias _t)
        # installations: an optional valid_from (the day a change takes effect) beside the attributes
        extra = ["valid_from"] if kind == "installations" and "valid_from" in st.columns else []
        for c in present + extra:
            t = _base_type(ddl.get(c, "DATE"))
            raw = f"nullif(trim(r.{c}), '')"
            if c == "cpf":
                expr = f"nullif(regexp_replace({raw}, '[^0-9]', '', 'g'), '')"
                value_checks.append(
                    f"WHEN {raw} IS NOT NULL AND length(coalesce({expr}, '')) <> 11 THEN '{Reason.INVALID_VALUE}'"
                )
            elif c == "group_code":
                expr = f"upper({raw})"
                value_checks.append(f"WHEN {expr} NOT IN ('A', 'B') THEN '{Reason.INVALID_VALUE}'")
            elif t in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT"):
                num = _num_sql(raw)
                expr = f"TRY_CAST({num} AS {t})"
                raw_checks.append(f"WHEN {raw} IS NOT NULL AND {num} IS NULL THEN '{Reason.NON_NUMERIC}'")
                value_checks.append(
                    f"WHEN {raw} IS NOT NULL AND ({num} <> floor({num}) OR {expr} IS NULL) THEN '{Reason.OUT_OF_RANGE}'"
                )
            elif t == "DOUBLE":
                expr = _num_sql(raw)
                raw_checks.append(
                    f"WHEN {raw} IS NOT NULL AND ({expr} IS NULL OR NOT isfinite({expr})) THEN '{Reason.NON_NUMERIC}'"
                )
            elif t in ("DATE", "TIMESTAMP"):
                expr = _ts_sql(raw) if t == "TIMESTAMP" else f"CAST({_ts_sql(raw)} AS DATE)"
                raw_checks.append(f"WHEN {raw} IS NOT NULL AND {expr} IS NULL THEN '{Reason.BAD_TIMESTAMP}'")
            else:
                expr = raw
            typed.append(f"{expr} AS {c}")
        if "phases" in present:
            typed_checks.append(f"WHEN _t.phases NOT IN (1, 2, 3) THEN '{Reason.INVALID_VALUE}'")
        if "cycle_day" in present:
            typed_checks.append(f"WHEN _t.cycle_day NOT BETWEEN 1 AND 31 THEN '{Reason.INVALID_VALUE}'")
        if "interval_min" in present:
            typed_checks.append(
                f"WHEN _t.interval_min NOT IN ({_sql_list(INTERVALS_MIN)}) THEN '{Reason.BAD_INTERVAL}'"
            )
        if kind == "service_requests" and "closed_at" in present:
            typed_checks.append(f"WHEN _t.closed_at < _t.opened_at THEN '{Reason.BAD_TIMESTAMP}'")
        if kind != "installations":
            typed_checks.append(
                "WHEN NOT EXISTS (SELECT 1 FROM installations i WHERE i.installation_id = _t.installation_id) "
                f"THEN '{Reason.UNKNOWN_INSTALLATION}'"
            )
        self.x(
            f"""CREATE TEMP TABLE {rec} AS
            WITH t AS (SELECT {st.idx_sql} AS _idx, {", ".join(typed)},
                              CASE {" ".join(raw_checks + value_checks)} END AS _r0
                       FROM {st.raw} r)
            SELECT _t.* EXCLUDE (_r0), CASE WHEN _r0 IS NOT NULL THEN _r0 {" ".join(typed_checks)} END AS reason
            FROM t AS _t"""
        )
        self.x(f"INSERT INTO {self.qidx} SELECT _idx, reason FROM {rec} WHERE reason IS NOT NULL")
        self.x(
            f"CREATE TEMP TABLE {ok} AS SELECT _idx, struct_pack({', '.join(f'{c} := {c}' for c in present)}) AS _row, "
            f"{', '.join(present + extra)} FROM {rec} WHERE reason IS NULL"
        )
        self.x(f"DROP TABLE {rec}")
        if self.one(f"SELECT count(*) - count(DISTINCT {key}) FROM {ok}"):
            self._in_file_duplicates(ok, (key,), value="_row")
        if kind == "installations":
            self._installation_versions(ok, present, bool(extra))
            return
        n_ok = self.one(f"SELECT count(*) FROM {ok}")
        stored = f"struct_pack({', '.join(f'{c} := s.{c}' for c in present)})"
        dup = self.one(
            f"SELECT count(*) FROM {ok} o JOIN {table} s ON s.{key} = o.{key} WHERE o._row IS NOT DISTINCT FROM {stored}"
        )
        self.duplicate += dup
        self.accepted += n_ok - dup
        if n_ok - dup == 0:
            return
        acc = self.tmp("acc")
        self.x(
            f"CREATE TEMP TABLE {acc} AS SELECT {', '.join(present)} FROM {ok} o WHERE NOT EXISTS "
            f"(SELECT 1 FROM {table} s WHERE s.{key} = o.{key} AND o._row IS NOT DISTINCT FROM {stored})"
        )
        updates = [c for c in present if c != key]
        conflict = (
            f"DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in updates)}" if updates else "DO NOTHING"
        )
        self.in_txn_sql.append(
            f"INSERT INTO {table} ({', '.join(present)}) SELECT {', '.join(present)} FROM {acc} ON CONFLICT ({key}) {conflict}"
        )

    def _installation_versions(self, ok: str, present: Sequence[str], has_valid_from: bool) -> None:
        """Installation rows as versions of the register (schema.INSTALLATION_HISTORY_COLUMNS).

        * a new installation: its first version, from ``valid_from`` (else ``connected_since``);
        * the same attributes as a stored version: a duplicate;
        * other attributes: a change, accepted only with a ``valid_from`` after the latest version
          (``register_conflict`` otherwise) and when the meter's voltages of the
          ``REGISTER_CHECK_DAYS`` from ``valid_from`` agree with the new nominal voltage and phases
          (``contradicts_readings`` otherwise). An accepted change closes the version in force
          (``valid_to`` = the day before) and becomes the installation's current row.
        """
        attrs = [c for c in present if c != "installation_id"]
        vf = "o.valid_from" if has_valid_from else "CAST(NULL AS DATE)"
        same_any = " AND ".join(f"h.{c} IS NOT DISTINCT FROM o.{c}" for c in attrs) or "true"
        stored = f"struct_pack({', '.join(f'{c} := s.{c}' for c in present)})"
        cls = self.tmp("regcls")
        self.x(
            f"""CREATE TEMP TABLE {cls} AS
            SELECT o.*, {vf} AS _vf, s.installation_id IS NOT NULL AS _known,
                   s.installation_id IS NOT NULL AND (o._row IS NOT DISTINCT FROM {stored} OR EXISTS (
                       SELECT 1 FROM installation_history h WHERE h.installation_id = o.installation_id AND {same_any}
                       AND ({vf} IS NULL OR ({vf} >= h.valid_from AND ({vf} <= h.valid_to OR h.valid_to IS NULL))))
                   ) AS _same,
                   (SELECT max(h.valid_from) FROM installation_history h WHERE h.installation_id = o.installation_id) AS _last
            FROM {ok} o LEFT JOIN installations s ON s.installation_id = o.installation_id"""
        )
        self.duplicate += self.one(f"SELECT count(*) FROM {cls} WHERE _same")
        self.x(
            f"INSERT INTO {self.qidx} SELECT _idx, '{Reason.REGISTER_CONFLICT}' FROM {cls} "
            "WHERE _known AND NOT _same AND (_vf IS NULL OR (_last IS NOT NULL AND _vf <= _last))"
        )
        # the version a change would create: the current row with the file's columns over it
        merged = ", ".join(
            f"o.{c} AS {c}" if c in present else f"s.{c} AS {c}" for c in schema.INSTALLATION_COLUMNS
        )
        chg = self.tmp("regchg")
        self.x(
            f"""CREATE TEMP TABLE {chg} AS SELECT o._idx, o._vf, {merged}
            FROM {cls} o JOIN installations s ON s.installation_id = o.installation_id
            WHERE o._known AND NOT o._same AND o._vf IS NOT NULL AND (o._last IS NULL OR o._vf > o._last)"""
        )
        tol = schema.REGISTER_VOLTAGE_TOLERANCE
        vt_pn = schema.VT_SECONDARY_LINE_V / 3**0.5
        self.x(
            f"""INSERT INTO {self.qidx}
            WITH v AS (
                SELECT c._idx, count(*) AS n, count(r.v_a_dv) AS na, count(r.v_b_dv) AS nb, count(r.v_c_dv) AS nc,
                       median(coalesce(r.v_a_dv, r.v_b_dv, r.v_c_dv)) / 10.0 AS v_med,
                       any_value(CASE WHEN upper(c.group_code) = 'A' AND c.nominal_voltage_v > 1000
                                      THEN {vt_pn} ELSE c.nominal_voltage_v END) AS tr,
                       any_value(c.phases) AS phases
                FROM {chg} c JOIN voltage_10min r ON r.installation_id = c.installation_id
                 AND r.ts >= c._vf AND r.ts < c._vf + INTERVAL {int(schema.REGISTER_CHECK_DAYS)} DAY
                GROUP BY c._idx
            )
            SELECT _idx, '{Reason.CONTRADICTS_READINGS}' FROM v
            WHERE n >= {int(schema.REGISTER_CHECK_MIN_READINGS)} AND (
                (tr > 0 AND abs(v_med / tr - 1) > {tol})
                OR (phases IS NOT NULL AND CAST(na > n / 2 AS INTEGER) + CAST(nb > n / 2 AS INTEGER)
                    + CAST(nc > n / 2 AS INTEGER) <> phases))"""
        )
        acc = self.tmp("regacc")
        self.x(
            f"CREATE TEMP TABLE {acc} AS SELECT * FROM {chg} c WHERE c._idx NOT IN (SELECT _idx FROM {self.qidx})"
        )
        new = self.tmp("regnew")
        self.x(f"CREATE TEMP TABLE {new} AS SELECT * FROM {cls} WHERE NOT _known")
        n_new, n_chg = self.one(f"SELECT count(*) FROM {new}"), self.one(f"SELECT count(*) FROM {acc}")
        self.accepted += n_new + n_chg
        cols = list(schema.INSTALLATION_COLUMNS)
        src = self.src.name.replace("'", "''")
        now = "CAST(now() AS TIMESTAMP)"
        if n_new:
            first = (
                "coalesce(_vf, connected_since, DATE '1900-01-01')"
                if "connected_since" in present
                else ("coalesce(_vf, DATE '1900-01-01')")
            )
            self.in_txn_sql += [
                f"INSERT INTO installations ({', '.join(present)}) SELECT {', '.join(present)} FROM {new}",
                f"INSERT INTO installation_history ({', '.join(present)}, valid_from, valid_to, recorded_at, source) "
                f"SELECT {', '.join(present)}, {first}, NULL, {now}, '{src}' FROM {new}",
            ]
        if n_chg:
            self.in_txn_sql += [
                f"UPDATE installation_history h SET valid_to = c._vf - 1 FROM {acc} c "
                "WHERE h.installation_id = c.installation_id AND h.valid_to IS NULL",
                f"INSERT INTO installation_history ({', '.join(cols)}, valid_from, valid_to, recorded_at, source) "
                f"SELECT {', '.join(cols)}, _vf, NULL, {now}, '{src}' FROM {acc}",
                f"UPDATE installations s SET {', '.join(f'{c} = c.{c}' for c in attrs)} FROM {acc} c "
                "WHERE s.installation_id = c.installation_id",
            ]

    # ------------------------------------------------------------------ partition writes
    def _write(self, table: str, month: str, select: str, rows: int | None = None) -> None:
        """Write the new version of a month partition into a dot-prefixed temp dir (not yet visible).

        ``rows`` (the partition's row count, when the caller knows it): a partition that fits one
        file is sorted and written straight from ``select``, without a stored copy."""
        base = self.store.lake / table
        base.mkdir(parents=True, exist_ok=True)
        final = partition_dir_name(month)
        tmp_dir, old_dir = f"{TMP_PREFIX}{self.batch}-{final}", f"{OLD_PREFIX}{self.batch}-{final}"
        self.swaps.append((table, month, tmp_dir, old_dir))
        target = base / tmp_dir
        target.mkdir()
        self.note(f"writing {table}/{month}")
        if rows is not None and rows <= self.rows_per_file:
            lakefile.copy_sorted(self.con, select, table, target / lakefile.part_name(0))
            return
        part = self.tmp(f"part{month.replace('-', '')}")
        self.x(f"CREATE TEMP TABLE {part} AS {select}")
        n = self.one(f"SELECT count(*) FROM {part}")
        if n <= self.rows_per_file:
            lakefile.copy_sorted(self.con, f"SELECT * FROM {part}", table, target / lakefile.part_name(0))
        else:  # split into contiguous installation ranges of about rows_per_file rows
            buckets = self.tmp("buckets")
            self.x(
                f"CREATE TEMP TABLE {buckets} AS SELECT installation_id, "
                f"CAST((sum(cnt) OVER (ORDER BY installation_id) - cnt) // {self.rows_per_file} AS INTEGER) AS b "
                f"FROM (SELECT installation_id, count(*) AS cnt FROM {part} GROUP BY 1)"
            )
            for (b,) in self.x(f"SELECT DISTINCT b FROM {buckets} ORDER BY 1").fetchall():
                lakefile.copy_sorted(
                    self.con,
                    f"SELECT p.* FROM {part} p SEMI JOIN (SELECT installation_id FROM {buckets} WHERE b = {int(b)}) k "
                    "ON k.installation_id = p.installation_id",
                    table,
                    target / lakefile.part_name(int(b)),
                )
            self.x(f"DROP TABLE {buckets}")
        self.x(f"DROP TABLE {part}")
