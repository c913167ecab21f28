"""Which lake files hold an installation, per month.

A month partition holds one file per installation bucket (``tools.data.lakefile``), so a
single-installation question needs one or two files a month; the lake views, in contrast, let
DuckDB open every file of every month, which grows with the fleet. :class:`LakeIndex` reads each
file's footer statistics (min/max of ``installation_id``) once and keeps them until the month
partition changes. A partition is only ever replaced whole, by renaming a new directory into place
(``Store.apply_swap``, the scale generator), so a month directory's inode and mtime identify its
content: checking costs one ``stat`` per month, not per file.

The min/max ranges are exact only when the files hold disjoint id ranges. The scale generator's
buckets are whole transformers, whose meters' ids interleave with other transformers', and a file
in ``(interval_min, installation_id)`` order spans the ids of both resolutions: at 100k meters an
id fell within the range of 26 of a month's 53 files on average (29 ms CPU for one installation's
two months, against 2.9 ms reading only its own files). So when the ranges leave more than one
candidate, the month's exact membership (each file's distinct ids, read once: ~0.5 s for the 53
files of a 100k month, ~2 MB kept) decides.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tools.data.sqltext import sql_str

_LOW, _HIGH = "", "\U0010ffff"


@dataclass(slots=True)
class _Month:
    key: tuple[int, int]  # (inode, mtime_ns) of the month directory
    files: tuple[tuple[str, str, str], ...]  # (min id, max id, path), by path
    #: exact membership, built the first time the ranges leave several candidates: every
    #: (id, file number) pair of the month, sorted by id (``ids`` UTF-8 bytes, ``owner`` file numbers)
    members: tuple[np.ndarray, np.ndarray] | None = field(default=None)

    def holders(self, installation_id: str) -> list[str]:
        """The files that hold ``installation_id`` (builds the membership once)."""
        if self.members is None:
            ids: list[bytes] = []
            owner: list[int] = []
            for n, (_lo, _hi, path) in enumerate(self.files):
                found = distinct_ids(path)
                ids += found
                owner += [n] * len(found)
            order = np.argsort(np.array(ids, dtype=object), kind="stable") if ids else np.array([], dtype=int)
            width = max((len(i) for i in ids), default=1)
            self.members = (np.array(ids, dtype=f"S{width}")[order], np.array(owner, dtype=np.int32)[order])
        keys, owners = self.members
        key = installation_id.encode()
        a, b = np.searchsorted(keys, key, "left"), np.searchsorted(keys, key, "right")
        return [self.files[n][2] for n in sorted(set(owners[a:b].tolist()))]


def id_range(path: str) -> tuple[str, str]:
    """Min and max installation_id in a file's row-group statistics (everything when unknown)."""
    try:
        md = pq.ParquetFile(path).metadata
        col = md.schema.names.index("installation_id")
        lo, hi = _HIGH, _LOW
        for g in range(md.num_row_groups):
            st = md.row_group(g).column(col).statistics
            if st is None or not st.has_min_max:
                return _LOW, _HIGH
            lo, hi = min(lo, str(st.min)), max(hi, str(st.max))
        return (lo, hi) if md.num_row_groups else (_HIGH, _LOW)
    except (OSError, ValueError):  # unreadable or without the column: let DuckDB decide
        return _LOW, _HIGH


def distinct_ids(path: str) -> list[bytes]:
    """The distinct installation ids of one file (UTF-8): the union of its row groups' dictionaries
    (the values are never decoded row by row: 0.6 s CPU for the 53 files of a 100k-meter month,
    against 4.8 s decoding the column)."""
    col = pq.read_table(path, columns=["installation_id"], read_dictionary=["installation_id"]).column(0)
    if col.num_chunks == 0:
        return []
    values = pa.chunked_array([chunk.dictionary for chunk in col.chunks])
    return [str(v).encode() for v in pc.unique(values).to_pylist() if v is not None]


class LakeIndex:
    """Per-month file ranges of one lake table directory (thread-safe). Footers are read lazily,
    only for the months asked about, and kept per process (:func:`index_for`)."""

    def __init__(self, table_dir: Path) -> None:
        self.table_dir = table_dir
        self._months: dict[str, _Month] = {}
        self._lock = threading.Lock()

    def _months_in(self, lo_m: str, hi_m: str) -> list[_Month]:
        """The months ``[lo_m, hi_m]`` present, their footers read (again only when a month changed)."""
        try:
            entries = sorted(
                (e.name[len("month=") :], e)
                for e in os.scandir(self.table_dir)
                if e.name.startswith("month=") and e.is_dir()
            )
        except FileNotFoundError:
            return []
        out: list[_Month] = []
        for month, e in entries:
            if not lo_m <= month <= hi_m:
                continue
            st = e.stat()
            key = (st.st_ino, st.st_mtime_ns)
            with self._lock:
                cur = self._months.get(month)
            if cur is None or cur.key != key:
                files = sorted(f.path for f in os.scandir(e.path) if f.name.endswith(".parquet"))
                cur = _Month(key, tuple((*id_range(f), f) for f in files))
                with self._lock:
                    self._months[month] = cur
            out.append(cur)
        return out

    def files_for(self, installation_id: str, months: tuple[str, str] | None = None) -> list[str]:
        out: list[str] = []
        for cur in self._months_in(*(months or ("", "9999-99"))):
            candidates = [p for lo, hi, p in cur.files if lo <= installation_id <= hi]
            if len(candidates) > 1:
                try:
                    candidates = cur.holders(installation_id)
                except (OSError, ValueError, KeyError):  # unreadable: let DuckDB decide among the candidates
                    pass
            out += candidates
        return out

    def warm(self) -> int:
        """Read every month's footers now, and the membership of the months whose file ranges
        overlap (a service's first questions then pay nothing: ~7 s for 13 months of a 100k-meter
        load profile, once per process); returns the months whose membership was read."""
        built = 0
        for cur in self._months_in("", "9999-99"):
            spans = sorted((lo, hi) for lo, hi, _p in cur.files)
            if cur.members is None and any(b[0] <= a[1] for a, b in zip(spans, spans[1:], strict=False)):
                try:
                    cur.holders("")
                    built += 1
                except (OSError, ValueError, KeyError):
                    pass
        return built


_INDEXES: dict[Path, LakeIndex] = {}
_INDEXES_LOCK = threading.Lock()


def index_for(table_dir: Path) -> LakeIndex:
    """The process-wide index of a lake table directory (shared by every Store on that lake)."""
    key = table_dir.resolve()
    with _INDEXES_LOCK:
        if key not in _INDEXES:
            _INDEXES[key] = LakeIndex(key)
        return _INDEXES[key]


def disjoint_groups(paths: list[str]) -> list[list[str]]:
    """``paths`` grouped so that no installation has rows in two groups (files whose
    installation_id ranges overlap end in the same group); each group can be aggregated alone."""
    spans = sorted((*id_range(p), p) for p in paths)
    groups: list[list[str]] = []
    hi_cur = None
    for lo, hi, p in spans:
        if groups and hi_cur is not None and lo <= hi_cur:
            groups[-1].append(p)
            hi_cur = max(hi_cur, hi)
        else:
            groups.append([p])
            hi_cur = hi
    return groups


#: installations aggregated in one pass over a group of overlapping files (see :func:`aggregation_passes`)
PASS_INSTALLATIONS = 2000


def aggregation_passes(paths: list[str]) -> list[tuple[list[str], str]]:
    """``(files, condition on installation_id)`` pairs that together cover every row of ``paths``
    once, in installation order, each small enough to aggregate alone: a group of
    :func:`disjoint_groups` of one file as it is; a group of overlapping files (the scale
    generator's interleaved buckets, or an ingested month's 15- and 60-minute files) in passes of
    :data:`PASS_INSTALLATIONS` installations, split at its files' ids, each pass reading only the
    row groups whose id range meets its own. A 100k-meter month (53 overlapping files, 74 M hourly
    rows) aggregated at once took 63 s wall (118 s CPU); in passes, 35 s (66 s CPU)."""
    out: list[tuple[list[str], str]] = []
    for group in disjoint_groups(paths):
        ids = sorted({i for p in group for i in distinct_ids(p)}) if len(group) > 1 else []
        bounds = [i.decode() for i in ids[PASS_INSTALLATIONS::PASS_INSTALLATIONS]]
        edges: list[str | None] = [None, *bounds, None]
        for lo, hi in zip(edges, edges[1:], strict=False):
            cond = [f"installation_id >= {sql_str(lo)}"] if lo is not None else []
            cond += [f"installation_id < {sql_str(hi)}"] if hi is not None else []
            out.append((group, " AND ".join(cond) or "true"))
    return out or [([], "true")]
