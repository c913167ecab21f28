"""Fast grouping of a long MDM CSV export that is in export order (issue 18).

The scan path of the ingest (``ingest._Batch._pivot_scan``) groups the records of a file by
their raw key (``installation_id``, ``ts``, ``interval_min`` and ``quality`` texts), keeping
each slot's value; its checks then run once per group. In an MDM export the records of one key
are *adjacent* (one line per channel of one interval), so the groups are the runs of equal
keys and need no hash table. :func:`group_runs` builds that grouping with Arrow and NumPy:
the file is parsed by ``pyarrow.csv`` (every field text), runs are found by comparing each
record with the previous one, and each record's value lands in its run's cell with one scatter.

Contract. :func:`group_runs` either raises :class:`Declined` (the caller groups the file the
usual way) or returns a table with one row per run of adjacent records with the same raw key:
``_iid``, ``_ts_raw`` and one ``_<field>`` text per key field of ``meta`` (as in the file),
``_v<i>`` (DOUBLE, the value of slot ``i``; null when the run has no record of that slot) and
``_n`` (records in the run). It returns a table only when, for every record,

* the file is plain (UTF-8, no quote, carriage return or NUL byte, no blank line, every line
  with the header's number of fields), so Arrow and DuckDB's ``read_csv`` read the same texts;
* the slot text is exactly one of ``codes`` and no run holds one slot twice;
* the value is digits with at most one inner decimal point (no sign, exponent, space, ``nan``
  or ``inf``): DuckDB's ``TRY_CAST(... AS DOUBLE)`` and Arrow's cast then give the same double,
  and there is no exponent for the energy check to see.

The rows are then the scan path's groups *when the runs' keys are distinct*; the caller checks
that (a key of two runs means records of one key that are not adjacent) and otherwise groups
with SQL. Nothing here decides whether a record is valid: the caller's checks run on the rows.

The file is mapped, not copied (:func:`mapped`; it must not change while it is read, as for the
sha256 taken before), and parsed in blocks of :data:`BLOCK_SIZE` whose memory the next block
reuses: on this machine first-touched pages cost more than the parse.
"""

from __future__ import annotations

import mmap
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

#: Parse block (bytes): one record batch each.
BLOCK_SIZE = 1 << 20


class Declined(Exception):
    """The file is not in the plain export form :func:`group_runs` handles (the reason)."""


def read_plain(data: bytes | mmap.mmap, columns: Sequence[str], delim: str) -> Iterator[pa.RecordBatch]:
    """Every field of a plain CSV (``data`` with its header line) as text, batch after batch (a
    batch's memory is reused by the next: fresh pages are costly here), or :class:`Declined`."""
    if data.find(b'"') >= 0 or data.find(b"\r") >= 0 or data.find(b"\x00") >= 0:
        raise Declined("quotes, carriage returns or NUL bytes")
    try:
        reader = pacsv.open_csv(
            pa.BufferReader(pa.py_buffer(data)),
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
        yield from reader
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
    line first), ``columns`` its canonical header.

    Each parse batch gives its runs' rows (key texts, slot bit mask, record count, cells); a run
    cut by the batch end goes on in the next batch, whose first segment is then folded into it."""
    nslots = len(codes)
    if nslots > 62:
        raise Declined("too many slots")
    key_fields = ["installation_id", "ts", *meta]
    keys: dict[str, list[pa.Array]] = {c: [] for c in key_fields}
    seen: list[np.ndarray] = []  # per batch, per run: slots seen (bit mask)
    sizes: list[np.ndarray] = []  # records
    cells: list[np.ndarray] = []  # (runs, nslots) values
    previous: dict[str, object] = {}
    for batch in read_plain(data, columns, delim):
        nb = batch.num_rows
        if nb == 0:
            continue
        cols = {c: batch.column(c) for c in key_fields}
        for c in ("installation_id", "ts"):
            if int(np.diff(_text_buffers(cols[c])[0]).min()) < 1:
                raise Declined(f"empty {c}")
        starts = np.empty(nb, dtype=bool)
        same = starts[1:]
        same[:] = True
        for c in key_fields:
            same &= _same_as_previous(cols[c])
        np.logical_not(same, out=same)
        starts[0] = not previous or any(cols[c][0].as_py() != previous[c] for c in key_fields)
        previous = {c: cols[c][nb - 1].as_py() for c in key_fields}
        first = np.flatnonzero(starts)
        for c in key_fields:
            keys[c].append(cols[c].take(pa.array(first)))
        slot = _slots(batch.column(slot_field), codes)
        value = _values(batch.column(value_field))
        # segments of the batch: its runs, after the end of the previous batch's last run if any
        cont = not starts[0]
        seg = np.concatenate(([0], first)) if cont else first
        segment = np.cumsum(starts, dtype=np.int64)
        if not cont:
            segment -= 1
        bits = np.bitwise_or.reduceat(np.left_shift(np.int64(1), slot), seg)
        size = np.diff(np.append(seg, nb))
        block = np.zeros(len(seg) * nslots, dtype=np.float64)
        segment *= nslots
        segment += slot
        block[segment] = value
        rows = block.reshape(len(seg), nslots)
        if cont:  # fold the first segment into the run it continues (absent cells hold 0)
            last = next(k for k in range(len(seen) - 1, -1, -1) if len(seen[k]))
            seen[last][-1] |= bits[0]
            sizes[last][-1] += size[0]
            cells[last][-1] += rows[0]
            bits, size, rows = bits[1:], size[1:], rows[1:]
        seen.append(bits)
        sizes.append(size)
        cells.append(rows)
    if not seen:
        raise Declined("no records")
    all_seen = np.concatenate(seen)
    all_sizes = np.concatenate(sizes)
    # one bit per record unless a slot repeats inside a run
    if not bool((np.bitwise_count(all_seen) == all_sizes).all()):
        raise Declined("a slot repeats inside a run")
    all_cells = np.concatenate(cells)
    n_runs = len(all_sizes)
    out: dict[str, pa.Array | pa.ChunkedArray] = {}
    for c in key_fields:
        out["_iid" if c == "installation_id" else "_ts_raw" if c == "ts" else f"_{c}"] = pa.chunked_array(
            keys[c], type=pa.string()
        )
    any_seen = int(np.bitwise_or.reduce(all_seen))
    for i in range(nslots):
        if (any_seen >> i) & 1:
            absent = ((all_seen >> i) & 1) == 0
            col = np.ascontiguousarray(all_cells[:, i])
            out[f"_v{i}"] = pa.array(col, type=pa.float64(), mask=absent if absent.any() else None)
        else:
            out[f"_v{i}"] = pa.nulls(n_runs, type=pa.float64())
    out["_n"] = pa.array(all_sizes.astype(np.int64))
    return pa.table(out)


def mapped(path: Path) -> mmap.mmap:
    """The file's bytes, mapped read-only (no copy); :class:`Declined` for an empty file."""
    with path.open("rb") as f:
        try:
            return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError as exc:  # an empty file cannot be mapped
            raise Declined("empty file") from exc
