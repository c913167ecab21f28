"""Which lake files may hold an installation: min/max of ``installation_id`` per file, per month.

A month partition holds one file per installation bucket (``tools.data.lakefile``), so a
single-installation question needs one or two files a month; the lake views, in contrast, let
DuckDB open every file of every month, which grows with the fleet. :class:`LakeIndex` reads each
file's footer statistics once and keeps them until the month partition changes. A partition is
only ever replaced whole, by renaming a new directory into place (``Store.apply_swap``, the scale
generator), so a month directory's inode and mtime identify its content: checking costs one
``stat`` per month, not per file.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

_LOW, _HIGH = "", "\U0010ffff"


@dataclass(frozen=True, slots=True)
class _Month:
    key: tuple[int, int]  # (inode, mtime_ns) of the month directory
    files: tuple[tuple[str, str, str], ...]  # (min id, max id, path), by path


def _id_range(path: str) -> tuple[str, str]:
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


class LakeIndex:
    """Per-month file ranges of one lake table directory (thread-safe)."""

    def __init__(self, table_dir: Path) -> None:
        self.table_dir = table_dir
        self._months: dict[str, _Month] = {}
        self._lock = threading.Lock()

    def _refresh(self) -> dict[str, _Month]:
        seen: dict[str, _Month] = {}
        try:
            entries = list(os.scandir(self.table_dir))
        except FileNotFoundError:
            entries = []
        for e in entries:
            if not e.name.startswith("month=") or not e.is_dir():
                continue
            st = e.stat()
            key = (st.st_ino, st.st_mtime_ns)
            month = e.name[len("month=") :]
            cur = self._months.get(month)
            if cur is None or cur.key != key:
                files = sorted(f.path for f in os.scandir(e.path) if f.name.endswith(".parquet"))
                cur = _Month(key, tuple((*_id_range(f), f) for f in files))
            seen[month] = cur
        return seen

    def files_for(self, installation_id: str, months: tuple[str, str] | None = None) -> list[str]:
        with self._lock:
            self._months = self._refresh()
            snapshot = dict(self._months)
        lo_m, hi_m = months or ("", "9999-99")
        out: list[str] = []
        for month in sorted(snapshot):
            if lo_m <= month <= hi_m:
                out += [p for lo, hi, p in snapshot[month].files if lo <= installation_id <= hi]
        return out
