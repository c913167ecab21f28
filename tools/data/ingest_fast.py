"""Fast grouping of a long MDM CSV export that is in export order (issue 18).

The scan path of the ingest (``ingest._Batch._pivot_scan``) groups the records of a file by
their raw key (``installation_id``, ``ts``, ``interval_min`` and ``quality`` texts), keeping
each slot's value; its checks then run once per group. In an MDM export the records of one key
are *adjacent* (one line per channel of one interval), so the groups are the runs of equal
keys and need no hash table. :func:`group_runs` builds that grouping with Arrow and NumPy:
the file is parsed by ``pyarrow.csv`` (every field text), runs are found by comparing each
record with the previous one, and each record's value lands in its run's cell with one scatter.

Contract. :func:`group_runs` returns either ``None`` (it declines: the caller groups the file the
usual way) or a table with one row per run of adjacent records with the same raw key:
``_iid``, ``_ts_raw`` and one ``_<field>`` text per key field of ``meta`` (as in the file),
``_v<i>`` (DOUBLE, the value of slot ``i``; null when the run has no record of that slot) and
``_n`` (records in the run). It returns a table only when, for every record,

* the file is plain (UTF-8, no quote, no carriage return, no blank line, every line with the
  header's number of fields), so Arrow and DuckDB's ``read_csv`` read the same texts;
* the slot text is exactly one of ``codes`` and no run holds one slot twice;
* the value is digits with at most one inner decimal point (no sign, exponent, space, ``nan``
  or ``inf``): DuckDB's ``TRY_CAST(... AS DOUBLE)`` and Arrow's cast then give the same double,
  and there is no exponent for the energy check to see.

The rows are then the scan path's groups *when the runs' keys are distinct*; the caller checks
that (a key of two runs means records of one key that are not adjacent) and otherwise groups
with SQL. Nothing here decides whether a record is valid: the caller's checks run on the rows.
"""

from __future__ import annotations

import mmap
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

#: Parse block (bytes): blocks are parsed on Arrow's threads.
BLOCK_SIZE = 1 << 22


class Declined(Exception):
    """The file is not in the plain export form :func:`group_runs` handles (the reason)."""


def read_plain(data: bytes | mmap.mmap, columns: Sequence[str], delim: str) -> pa.Table:
    """Every field of a plain CSV (``data`` with its header line) as text, or :class:`Declined`."""
    if data.find(b'"') >= 0 or data.find(b"\r") >= 0:
        raise Declined("quotes or carriage returns")
    try:
        return pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(skip_rows=1, column_names=list(columns), block_size=BLOCK_SIZE),
            parse_options=pacsv.ParseOptions(
                delimiter=delim,
                quote_char=False,
                double_quote=False,
                escape_char=False,
                newlines_in_values=False,
                ignore_empty_lines=False,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in columns},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise Declined(f"parse: {exc}") from exc


def _text_buffers(a: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, data bytes) of a string array, zero copy."""
    _validity, offsets, data = a.buffers()
    off = np.frombuffer(offsets, dtype=np.int32, count=len(a) + 1, offset=a.offset * 4)
    if data is None:
        return off, np.zeros(0, dtype=np.uint8)
    return off, np.frombuffer(data, dtype=np.uint8)


_WORDS = {8: np.uint64, 4: np.uint32, 2: np.uint16, 1: np.uint8}


def _same_as_previous(a: pa.Array) -> np.ndarray:
    """``out[j]``: text ``j + 1`` equals text ``j`` (length ``len(a) - 1``)."""
    n = len(a)
    off, data = _text_buffers(a)
    lengths = np.diff(off)
    width = int(lengths[0]) if n else 0
    if n > 1 and width <= 32 and bool((lengths == width).all()):
        # equal widths: the texts are a (n, width) byte matrix; compare it by machine words
        # (the last word may overlap the previous one)
        same = np.ones(n - 1, dtype=bool)
        size = next((w for w in (8, 4, 2, 1) if w <= width), 0)
        starts = list(range(0, width - size + 1, size)) if size else []
        if size and starts[-1] + size < width:
            starts.append(width - size)
        for pos in starts:
            word = np.ndarray(
                (n,), dtype=_WORDS[size], buffer=data, offset=int(off[0]) + pos, strides=(width,)
            )
            same &= word[1:] == word[:-1]
        return same
    eq = pc.equal(a.slice(1), a.slice(0, n - 1))
    return np.asarray(eq.to_numpy(zero_copy_only=False), dtype=bool)


def _values(a: pa.Array) -> np.ndarray:
    """The values as DOUBLE, or :class:`Declined` unless each is digits with at most one inner point."""
    off, data = _text_buffers(a)
    if len(a) == 0:
        return np.zeros(0)
    if int(np.diff(off).min()) < 1:
        raise Declined("empty value")
    body = data[off[0] : off[-1]]
    shifted = body - np.uint8(ord("."))  # '.' → 0, '/' → 1, '0'..'9' → 2..11
    if bool(((shifted > 11) | (shifted == 1)).any()):
        raise Declined("value not plain digits")
    first, last = data[off[:-1]], data[off[1:] - 1]
    if bool(((first - np.uint8(48)) > 9).any() or ((last - np.uint8(48)) > 9).any()):
        raise Declined("value starts or ends with a point")
    try:
        v = pc.cast(a, pa.float64())  # fails on a second point
    except pa.ArrowInvalid as exc:
        raise Declined("value does not parse") from exc
    return np.asarray(v.to_numpy(zero_copy_only=False), dtype=np.float64)


def _slots(a: pa.Array, codes: Sequence[str]) -> np.ndarray:
    idx = pc.index_in(a, value_set=pa.array(list(codes), type=pa.string()))
    if idx.null_count:
        raise Declined("unknown slot text")
    return np.asarray(idx.to_numpy(zero_copy_only=False), dtype=np.int64)


def group_runs(
    data: bytes | mmap.mmap,
    *,
    columns: Sequence[str],
    delim: str,
    slot_field: str,
    value_field: str,
    codes: Sequence[str],
    meta: Sequence[str],
) -> pa.Table:
    """Runs of adjacent records with the same raw key, one row each (see the module docstring);
    :class:`Declined` when the file is not in that form. ``data`` is the whole file (header
    line first), ``columns`` its canonical header."""
    if len(codes) > 62:
        raise Declined("too many slots")
    table = read_plain(data, columns, delim)
    n = table.num_rows
    if n == 0:
        raise Declined("no records")
    key_fields = ["installation_id", "ts", *meta]
    new_run: list[np.ndarray] = []  # per batch: record starts a run
    slots: list[np.ndarray] = []
    values: list[np.ndarray] = []
    keys: dict[str, list[pa.Array]] = {c: [] for c in key_fields}
    previous: dict[str, object] = {}
    for batch in table.to_batches():
        if batch.num_rows == 0:
            continue
        cols = {c: batch.column(batch.schema.get_field_index(c)) for c in key_fields}
        for c in ("installation_id", "ts"):
            if int(np.diff(_text_buffers(cols[c])[0]).min()) < 1:
                raise Declined(f"empty {c}")
        starts = np.empty(batch.num_rows, dtype=bool)
        same = starts[1:]
        same[:] = True
        for c in key_fields:
            same &= _same_as_previous(cols[c])
        np.logical_not(same, out=same)
        first = {c: cols[c][0].as_py() for c in key_fields}
        starts[0] = not previous or any(first[c] != previous[c] for c in key_fields)
        previous = {c: cols[c][batch.num_rows - 1].as_py() for c in key_fields}
        take = pa.array(np.flatnonzero(starts))
        for c in key_fields:
            keys[c].append(cols[c].take(take))
        new_run.append(starts)
        slots.append(_slots(batch.column(batch.schema.get_field_index(slot_field)), codes))
        values.append(_values(batch.column(batch.schema.get_field_index(value_field))))
    run_flag = np.concatenate(new_run)
    slot = np.concatenate(slots)
    value = np.concatenate(values)
    first_rec = np.flatnonzero(run_flag)
    n_runs = len(first_rec)
    sizes = np.diff(np.append(first_rec, n))
    # slots seen by each run as a bit mask: one bit per record unless a slot repeats
    seen = np.bitwise_or.reduceat(np.left_shift(np.int64(1), slot), first_rec)
    if not bool((np.bitwise_count(seen) == sizes).all()):
        raise Declined("a slot repeats inside a run")
    # cell of each record, slot-major (each slot's cells contiguous): slot * n_runs + run
    cell = np.cumsum(run_flag, dtype=np.int64)
    cell -= 1
    cell += slot * n_runs
    nslots = len(codes)
    flat = np.zeros(n_runs * nslots, dtype=np.float64)
    flat[cell] = value
    out: dict[str, pa.Array | pa.ChunkedArray] = {}
    for c in key_fields:
        col = pa.chunked_array(keys[c], type=pa.string())
        out["_iid" if c == "installation_id" else "_ts_raw" if c == "ts" else f"_{c}"] = col
    any_seen = np.bitwise_or.reduce(seen)
    for i in range(nslots):
        if (any_seen >> i) & 1:
            absent = ((seen >> i) & 1) == 0
            cells = flat[i * n_runs : (i + 1) * n_runs]
            out[f"_v{i}"] = pa.array(cells, type=pa.float64(), mask=absent if absent.any() else None)
        else:
            out[f"_v{i}"] = pa.nulls(n_runs, type=pa.float64())
    out["_n"] = pa.array(sizes.astype(np.int64))
    return pa.table(out)


def mapped(path: Path) -> mmap.mmap:
    """The file's bytes, mapped read-only (no copy); :class:`Declined` for an empty file."""
    with path.open("rb") as f:
        try:
            return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError as exc:  # an empty file cannot be mapped
            raise Declined("empty file") from exc
