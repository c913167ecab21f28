"""Row-for-row comparison of two Parquet result tables written by different engines."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

REL_TOL = 1e-9


def _cell(v: Any) -> Any:
    """One canonical value: numbers as float, timestamps as datetime, lists as sorted tuples."""
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, int | Decimal):
        return float(v)
    if isinstance(v, dt.datetime):
        return v.replace(tzinfo=None)
    if isinstance(v, list | tuple):
        return tuple(sorted((_cell(x) for x in v), key=repr))
    return v


def rows(path: Path) -> tuple[list[str], list[tuple[Any, ...]]]:
    table = pq.read_table(path)
    cols = table.column_names
    data = [tuple(_cell(r[c]) for c in cols) for r in table.to_pylist()]
    return cols, sorted(data, key=lambda r: tuple((x is None, repr(x)) for x in r))


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-9)
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def differences(left: Path, right: Path, limit: int = 5) -> list[str]:
    """Human-readable differences between two result tables ([] when equal row for row)."""
    lc, lr = rows(left)
    rc, rr = rows(right)
    if lc != rc:
        return [f"columns differ: {lc} != {rc}"]
    if len(lr) != len(rr):
        return [f"row counts differ: {len(lr)} != {len(rr)}"]
    out = []
    for i, (a, b) in enumerate(zip(lr, rr, strict=True)):
        bad = [c for c, x, y in zip(lc, a, b, strict=True) if not same(x, y)]
        if bad:
            out.append(f"row {i}: " + ", ".join(f"{c}: {a[lc.index(c)]!r} != {b[lc.index(c)]!r}" for c in bad))
            if len(out) >= limit:
                break
    return out
