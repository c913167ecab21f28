"""Where ingest records come from: MDM CSV jobs, JSON-lines stream files, (later) Kafka.

A :class:`Source` *stages* its records into DuckDB temporary tables with every field as
VARCHAR under its canonical name (MDM aliases renamed once here, via ``schema.COLUMN_MAP``);
validation, typing and merging happen afterwards in SQL (``tools.data.ingest``), the same way
for every source. Records that cannot even be parsed (a CSV line with the wrong number of
fields, a stream line that is not a JSON object) are staged apart as rejects with their reason.
A CSV job also offers its records as a :class:`Scan` (the same ``read_csv``, nothing stored),
which the ingest's fast path reads straight into its pivot.

Implementations:

* :class:`CsvJobSource`: one MDM export file (``installations*.csv``, ``load_profile*.csv``...;
  ``.csv.gz`` too). The kind comes from the file-name prefix and is checked against the header.
* :class:`JsonlStreamSource`: a ``meter_reads*.jsonl`` file, one meter-read message per line
  as a "meter reads" Kafka topic carries them; flattened to long load-profile records.
* :class:`KafkaSource`: one batch of messages polled from a live topic (``confluent-kafka``, the
  ``kafka`` extra; the loop is :mod:`tools.data.kafka_ingest`), staged through the same JSON path.
"""

from __future__ import annotations

import abc
import csv
import dataclasses
import gzip
import hashlib
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from tools.data import schema
from tools.data.quarantine import Reason
from tools.data.sqltext import sql_str

CSV_SUFFIXES = (".csv", ".csv.gz", ".txt")
STREAM_SUFFIXES = (".jsonl", ".ndjson")

#: Canonical fields each export kind must have in its header (the others are optional).
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "installations": ("installation_id",),
    "customers": ("customer_key", "installation_id"),
    "load_profile": ("installation_id", "ts", "channel", "value"),
    "voltage_10min": ("installation_id", "ts", "phase", "voltage_v"),
    "events": ("installation_id", "ts", "code"),
    "billing_registers": ("installation_id", "ts", "register", "posto", "value_wh"),
    "service_requests": ("request_id", "installation_id", "opened_at"),
}
#: Ingest order inside one run: registers first, so readings find their installation.
KIND_ORDER = (
    "installations",
    "customers",
    "load_profile",
    "voltage_10min",
    "events",
    "billing_registers",
    "service_requests",
)

#: Export kinds holding personal data: their quarantined records are masked.
PERSONAL_KINDS = frozenset({"customers"})
_RID_STRIDE = 100_000  # max channels per stream message
_STREAM_FIELDS = ("installation_id", "ts", "interval_min", "channel", "value", "quality")


class SourceError(Exception):
    """A whole input cannot be ingested; ``code`` is stable (unknown_kind, bad_header, unreadable...)."""

    def __init__(
        self, code: str, source: str, detail: str = "", kind: str = "unknown", header: str = ""
    ) -> None:
        super().__init__(f"{code}: {source} {detail}".strip())
        self.code = code
        self.source = source
        self.detail = detail
        self.kind = kind  # the detected export kind, when known
        self.header = header  # the header line, for the quarantine trace


@dataclass(frozen=True, slots=True)
class Staged:
    """Records of one source, loaded into DuckDB temp tables (all fields VARCHAR).

    ``raw`` has the canonical ``columns``; ``idx_sql`` (over alias ``r``) orders records as
    they arrived (first one wins among duplicates); ``line_sql`` turns an index expression into
    the source line number; ``record_sql`` (over alias ``r``) rebuilds the raw record text for
    the quarantine. ``rejects`` (line_no, reason, record) holds records that did not parse.
    """

    kind: str
    raw: str
    columns: tuple[str, ...]
    idx_sql: str
    line_sql: str  # template with "{idx}"
    record_sql: str
    rejects: str
    input: int
    temp_tables: tuple[str, ...]

    def line_of(self, idx: str) -> str:
        return self.line_sql.format(idx=idx)

    def drop(self, con: duckdb.DuckDBPyConnection) -> None:
        for t in self.temp_tables:
            con.execute(f"DROP TABLE IF EXISTS {t}")


@dataclass(frozen=True, slots=True)
class Scan:
    """Records of one source as a ``SELECT`` (every field VARCHAR, canonical ``columns``) with its
    parameters, evaluated where it is used: nothing staged, no record index, no line numbers."""

    sql: str
    params: tuple[object, ...]
    columns: tuple[str, ...]
    #: a UTF-8 CSV file the ingest may group in export order (``tools.data.ingest_fast``)
    path: Path | None = None
    delim: str = ","


class Source(abc.ABC):
    """A batch of MDM records of one kind."""

    name: str
    kind: str

    def fingerprint(self) -> str | None:
        """Content hash (sha256) when the batch is a file; None for live streams."""
        return None

    def size_bytes(self) -> int:
        return 0

    @abc.abstractmethod
    def stage(self, con: duckdb.DuckDBPyConnection) -> Staged:
        """Load the records into temp tables on ``con`` (see :class:`Staged`)."""

    def scan(self) -> Scan | None:
        """The records as one ``SELECT`` read where it is used (the ingest's fast path); None
        when the source can only be staged."""
        return None

    def done(self) -> None:  # noqa: B027 - optional hook
        """Called once the batch is durably stored (a stream source commits its offsets here)."""


class FileSource(Source):
    """A batch held in one file: its sha256 (computed once) and size."""

    path: Path
    _sha: str | None = None

    def fingerprint(self) -> str:
        if self._sha is None:
            self._sha = sha256_file(self.path)
        return self._sha

    def size_bytes(self) -> int:
        return self.path.stat().st_size


def _token() -> str:
    return uuid.uuid4().hex[:12]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _has_suffix(path: Path, suffixes: tuple[str, ...]) -> bool:
    name = path.name.lower()
    return any(name.endswith(s) for s in suffixes)


def is_data_file(path: Path) -> bool:
    return _has_suffix(path, CSV_SUFFIXES + STREAM_SUFFIXES)


def canonical(header: list[str]) -> list[str]:
    """MDM header names → canonical names (``schema.COLUMN_MAP``; case and spaces ignored)."""
    out = []
    for h in header:
        key = h.strip().lower().lstrip("\ufeff")
        out.append(schema.COLUMN_MAP.get(key, key))
    return out


def kind_from_name(path: Path) -> str | None:
    name = path.name.lower()
    for fmt in sorted(schema.EXPORT_FORMATS, key=lambda f: -len(f.prefix)):
        if name.startswith(fmt.prefix):
            return fmt.kind
    return None


def kind_from_header(columns: list[str]) -> str | None:
    """The kind whose full export header equals ``columns`` (as a set), if exactly one."""
    hits = [f.kind for f in schema.EXPORT_FORMATS if set(f.header) == set(columns)]
    return hits[0] if len(hits) == 1 else None


# ---------------------------------------------------------------------------------- CSV jobs


class CsvJobSource(FileSource):
    """One MDM CSV export (long format for interval data)."""

    def __init__(self, path: str | Path, kind: str | None = None) -> None:
        self.path = Path(path)
        self.name = str(self.path)
        try:
            sample = self._sample()
        except OSError as exc:
            raise SourceError("unreadable", self.name, str(exc)) from exc
        self.encoding = _encoding(sample)
        first = sample.decode(self.encoding, errors="replace").splitlines()
        if not first or not first[0].strip():
            raise SourceError(
                "empty_file", self.name, "empty file", kind=kind or kind_from_name(self.path) or "unknown"
            )
        self.delim = _sniff_delim(first[0])
        self.header = next(csv.reader([first[0]], delimiter=self.delim))
        self.columns = canonical(self.header)
        line = first[0][:500]
        detected = kind or kind_from_name(self.path) or kind_from_header(self.columns)
        if len(set(self.columns)) != len(self.columns):
            raise SourceError(
                "bad_header", self.name, "repeated column", kind=detected or "unknown", header=line
            )
        if detected is None:
            raise SourceError("unknown_kind", self.name, header=line)
        missing = [c for c in REQUIRED_FIELDS[detected] if c not in self.columns]
        if missing:
            raise SourceError(
                "bad_header", self.name, "missing " + ",".join(missing), kind=detected, header=line
            )
        self.kind = detected

    def _sample(self) -> bytes:
        opener: Any = gzip.open if self.path.name.lower().endswith(".gz") else open
        with opener(self.path, "rb") as f:
            data: bytes = f.read(1 << 20)
        return data

    def _read_sql(self, options: str = "") -> str:
        """``SELECT`` of the file's records, every field VARCHAR under its canonical name (the
        path is the one parameter); ``options`` are extra ``read_csv`` options."""
        cols = "{" + ", ".join(f"{sql_str(h)}: 'VARCHAR'" for h in self.header) + "}"
        select = ", ".join(f"{_q(h)} AS {_q(c)}" for h, c in zip(self.header, self.columns, strict=True))
        encoding = "latin-1" if self.encoding == "latin-1" else "utf-8"
        return (
            f"SELECT {select} FROM read_csv(?, columns = {cols}, header = true, "
            f"delim = {sql_str(self.delim)}, quote = '\"', escape = '\"', auto_detect = false, "
            f"encoding = '{encoding}'{options})"
        )

    def scan(self) -> Scan:
        """The file's records as a ``SELECT``, never stored. Unlike :meth:`stage`, a line that
        does not parse makes the statement fail (the ingest then stages the file, which keeps
        such lines with their line numbers)."""
        plain = self.encoding == "utf-8" and not self.path.name.lower().endswith(".gz")
        return Scan(
            self._read_sql(), (str(self.path),), tuple(self.columns), self.path if plain else None, self.delim
        )

    def stage(self, con: duckdb.DuckDBPyConnection) -> Staged:
        t = _token()
        raw, rej, rej_scan, rejects, thr = (
            f"_raw_{t}",
            f"_rej_{t}",
            f"_rejscan_{t}",
            f"_rejects_{t}",
            f"_rejthr_{t}",
        )
        con.execute(
            f"CREATE TEMP TABLE {raw} AS "
            + self._read_sql(f", store_rejects = true, rejects_table = '{rej}', rejects_scan = '{rej_scan}'"),
            [str(self.path)],
        )
        con.execute(
            f"CREATE TEMP TABLE {rejects} AS SELECT line AS line_no, '{Reason.MALFORMED_ROW.value}' AS reason, "
            f"first(csv_line ORDER BY column_idx) AS record FROM {rej} GROUP BY line"
        )
        # Line numbers: parsed record k (0-based) sits on line k + 2 plus the rejected lines before it.
        con.execute(
            f"CREATE TEMP TABLE {thr} AS SELECT line_no - 2 - (row_number() OVER (ORDER BY line_no) - 1) AS t "
            f"FROM {rejects}"
        )
        n_rej = con.execute(f"SELECT count(*) FROM {rejects}").fetchone()[0]  # type: ignore[index]
        line_sql = (
            "({idx} + 2)"
            if n_rej == 0
            else f"({{idx}} + 2 + (SELECT count(*) FROM {thr} WHERE t <= {{idx}}))"
        )
        n_raw = con.execute(f"SELECT count(*) FROM {raw}").fetchone()[0]  # type: ignore[index]
        record_sql = (
            f"concat_ws({sql_str(self.delim)}, "
            + ", ".join(f"coalesce(r.{_q(c)}, '')" for c in self.columns)
            + ")"
        )
        if self.kind in PERSONAL_KINDS:  # LGPD: quarantine keeps keys and a hash, never name/CPF/phone
            keys = [c for c in ("customer_key", "installation_id") if c in self.columns]
            record_sql = (
                f"concat_ws({sql_str(self.delim)}, "
                + "".join(f"coalesce(r.{_q(c)}, ''), " for c in keys)
                + f"'sha256:' || sha256({record_sql}))"
            )
            con.execute(f"UPDATE {rejects} SET record = 'sha256:' || sha256(record)")
        return Staged(
            kind=self.kind,
            raw=raw,
            columns=tuple(self.columns),
            idx_sql="r.rowid",
            line_sql=line_sql,
            record_sql=record_sql,
            rejects=rejects,
            input=int(n_raw) + int(n_rej),
            temp_tables=(raw, rej, rej_scan, rejects, thr),
        )


def _encoding(sample: bytes) -> str:
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:  # not just a multi-byte char cut by the sample end
            return "latin-1"
    return "utf-8"


def _sniff_delim(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


# ---------------------------------------------------------------------------------- JSON lines


def _stage_jsonl(con: duckdb.DuckDBPyConnection, path: Path, kind: str, keep_blank: bool = False) -> Staged:
    """Stage a JSON-lines file of meter-read messages as long load-profile records.

    Blank lines are skipped in files; with ``keep_blank`` (one message a line, from a topic) an
    empty message is a record too (``malformed_json``), so every message is accounted for.
    """
    t = _token()
    lines, msg, raw, rejects = f"_lines_{t}", f"_msg_{t}", f"_raw_{t}", f"_rejects_{t}"
    keep = "OR line_no < n" if keep_blank else ""
    con.execute(
        f"""CREATE TEMP TABLE {lines} AS
        SELECT line_no, rtrim(line, chr(13)) AS line FROM (
          SELECT unnest(s) AS line, generate_subscripts(s, 1) AS line_no, len(s) AS n
          FROM (SELECT string_split(content, chr(10)) AS s FROM read_text(?))
        ) WHERE trim(line) <> '' {keep}""",
        [str(path)],
    )
    con.execute(
        f"""CREATE TEMP TABLE {msg} AS
        WITH v AS (SELECT line_no, line, CASE WHEN json_valid(line) THEN line::JSON END AS j FROM {lines}),
        o AS (SELECT *, CASE WHEN json_type(j) = 'OBJECT' THEN json_type(j -> 'channels') END AS ct FROM v)
        SELECT line_no, line, j,
          CASE WHEN ct IS DISTINCT FROM 'OBJECT' THEN '{Reason.MALFORMED_JSON.value}'
               WHEN json_keys(j -> 'channels') = [] THEN '{Reason.MISSING_FIELD.value}' END AS reason
        FROM o"""
    )
    con.execute(
        f"CREATE TEMP TABLE {rejects} AS SELECT line_no, reason, line AS record FROM {msg} WHERE reason IS NOT NULL"
    )
    # one record per channel reading; _rid = line * 100000 + position in the message (unique, ordered)
    con.execute(
        f"""CREATE TEMP TABLE {raw} AS
        SELECT line_no * {_RID_STRIDE} + pos AS _rid, line_no AS _line,
               j ->> 'installation_id' AS installation_id, j ->> 'ts' AS ts,
               j ->> 'interval_min' AS interval_min, e.key AS channel, e.value ->> '$' AS value,
               j ->> 'quality' AS quality
        FROM (SELECT line_no, j, unnest(entries) AS e, generate_subscripts(entries, 1) AS pos
              FROM (SELECT line_no, j, map_entries(CAST(j -> 'channels' AS MAP(VARCHAR, JSON))) AS entries
                    FROM {msg} WHERE reason IS NULL))"""
    )
    con.execute(f"DROP TABLE {lines}")
    n_raw = con.execute(f"SELECT count(*) FROM {raw}").fetchone()[0]  # type: ignore[index]
    n_rej = con.execute(f"SELECT count(*) FROM {rejects}").fetchone()[0]  # type: ignore[index]
    record_sql = (
        "CAST(to_json(struct_pack(line := r._line, "
        + ", ".join(f"{c} := r.{c}" for c in _STREAM_FIELDS)
        + ")) AS VARCHAR)"
    )
    return Staged(
        kind=kind,
        raw=raw,
        columns=_STREAM_FIELDS,
        idx_sql="r._rid",
        line_sql=f"({{idx}} // {_RID_STRIDE})",
        record_sql=record_sql,
        rejects=rejects,
        input=int(n_raw) + int(n_rej),
        temp_tables=(msg, raw, rejects),
    )


class JsonlStreamSource(FileSource):
    """A ``meter_reads*.jsonl`` stream file; the unit of a record is one channel reading.

    A line that is not a JSON object with a ``channels`` object counts as one record
    (``malformed_json``); so does a message with no channels (``missing_field``).
    """

    kind = "load_profile"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.name = str(self.path)
        if not self.path.is_file():
            raise SourceError("unreadable", self.name)

    def stage(self, con: duckdb.DuckDBPyConnection) -> Staged:
        return _stage_jsonl(con, self.path, self.kind)


@dataclass(frozen=True, slots=True)
class KafkaMessage:
    """One message of a "meter reads" topic: where it sits and its raw value."""

    topic: str
    partition: int
    offset: int
    value: bytes


class KafkaSource(Source):
    """One batch of messages polled from a live "meter reads" topic (same format as the stream files).

    The consumer loop (:mod:`tools.data.kafka_ingest`) polls the batch, then ingests it through the
    same staging, validation, quarantine and crash-safe partition swap as a file; it commits the
    offsets only after the swap. The fingerprint names the (topic, partition, offset range) of the
    batch, so a batch re-delivered whole after a crash is recognised in ``ingest_log``; a batch cut
    differently is absorbed by the dedup. Quarantined records carry topic, partition and offset,
    and their ``line_no`` is the message's offset.
    """

    kind = "load_profile"

    def __init__(self, topic: str, messages: list[KafkaMessage]) -> None:
        self.topic = topic
        self.name = f"kafka:{topic}"
        self.messages = messages
        self._spool: Path | None = None

    def fingerprint(self) -> str | None:
        if not self.messages:
            return None
        ranges: dict[int, list[int]] = {}
        for m in self.messages:
            ranges.setdefault(m.partition, []).append(m.offset)
        text = ";".join(f"{self.topic}:{p}:{min(o)}-{max(o)}:{len(o)}" for p, o in sorted(ranges.items()))
        return hashlib.sha256(("kafka\n" + text).encode()).hexdigest()

    def size_bytes(self) -> int:
        return sum(len(m.value) for m in self.messages)

    def next_offsets(self) -> dict[int, int]:
        """Per partition, the offset to commit once the batch is stored (last offset + 1)."""
        out: dict[int, int] = {}
        for m in self.messages:
            out[m.partition] = max(out.get(m.partition, -1), m.offset + 1)
        return out

    def stage(self, con: duckdb.DuckDBPyConnection) -> Staged:
        with tempfile.NamedTemporaryFile("wb", suffix=".jsonl", delete=False) as spool:
            self._spool = Path(spool.name)
            for m in self.messages:  # one message a line (a newline inside a value would split it)
                spool.write(m.value.replace(b"\r", b" ").replace(b"\n", b" ") + b"\n")
        staged = _stage_jsonl(con, self._spool, self.kind, keep_blank=True)
        offs = f"_koffs_{_token()}"
        con.execute(f"CREATE TEMP TABLE {offs} (line_no BIGINT, kpartition INTEGER, koffset BIGINT)")
        con.execute(
            f"INSERT INTO {offs} SELECT * FROM (SELECT unnest(?) AS line_no, unnest(?) AS kpartition, unnest(?) AS koffset)",
            [
                list(range(1, len(self.messages) + 1)),
                [m.partition for m in self.messages],
                [m.offset for m in self.messages],
            ],
        )
        topic = sql_str(self.topic)
        # malformed messages: the raw value wrapped with where it came from; line_no = offset
        con.execute(
            f"""UPDATE {staged.rejects} SET
                  record = CAST(to_json(struct_pack(topic := {topic}, partition := o.kpartition,
                                                    "offset" := o.koffset, message := {staged.rejects}.record)) AS VARCHAR),
                  line_no = o.koffset
                FROM {offs} o WHERE o.line_no = {staged.rejects}.line_no"""
        )
        where = f"(SELECT o.{{col}} FROM {offs} o WHERE o.line_no = r._line)"
        record_sql = (
            f"CAST(to_json(struct_pack(topic := {topic}, partition := {where.format(col='kpartition')}, "
            f'"offset" := {where.format(col="koffset")}, '
            + ", ".join(f"{c} := r.{c}" for c in _STREAM_FIELDS)
            + ")) AS VARCHAR)"
        )
        line_sql = f"(SELECT o.koffset FROM {offs} o WHERE o.line_no = ({{idx}} // {_RID_STRIDE}))"
        return dataclasses.replace(
            staged,
            record_sql=record_sql,
            line_sql=line_sql,
            temp_tables=(*staged.temp_tables, offs),
        )

    def done(self) -> None:
        if self._spool is not None:
            self._spool.unlink(missing_ok=True)


# ---------------------------------------------------------------------------------- factory


def open_source(path: str | Path) -> Source:
    """The source for one file: stream files by name (``meter_reads*.jsonl``), else a CSV job."""
    p = Path(path)
    if not p.is_file():
        raise SourceError("unreadable", str(p), "not a file")
    if _has_suffix(p, STREAM_SUFFIXES):
        if not p.name.lower().startswith(schema.STREAM_PREFIX):
            raise SourceError("unknown_kind", str(p))
        return JsonlStreamSource(p)
    return CsvJobSource(p)


def kind_rank(kind: str) -> int:
    return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)


__all__ = [
    "CsvJobSource",
    "JsonlStreamSource",
    "KafkaSource",
    "Scan",
    "Source",
    "SourceError",
    "Staged",
    "canonical",
    "is_data_file",
    "kind_from_name",
    "open_source",
]
