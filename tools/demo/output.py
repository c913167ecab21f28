"""From base-grid physics to MDM-shaped exports: interval aggregation, billing registers, the
long CSV writers and the JSON-lines stream.

Energy per interval is an integer (Wh, varh, rounded per interval like a meter register); the
cumulative billing registers are exactly the initial reading plus the sum of those interval
values (including intervals that never reached the CSV because of a communication gap or
because they travel in the stream file).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from tools.data import schema
from tools.demo.calendar import POSTO_NAMES, STEP_S, Grid
from tools.demo.crafted import BANDS
from tools.demo.grid import BatchState
from tools.demo.windows import Windows

B_ENERGY = ("AE_FWD", "AE_REV", "RE_Q1", "RE_Q4")
A_CHANNELS = tuple(schema.CHANNELS)
REGISTER_OF = {"AE_FWD": "003", "AE_REV": "103", "RE_Q1": "024", "RE_Q4": "027"}
_WRITE = pacsv.WriteOptions(include_header=False, quoting_style="none")
MAX_ROWS_PER_FILE = 40_000_000


def channels_of(kind: str, phases: int, gd: bool) -> tuple[str, ...]:
    """Long-format channels exported for a meter (Group A: all 12; Group B: see scenarios.md)."""
    if kind == "group_a":
        return A_CHANNELS
    energy = ("AE_FWD", "AE_REV", "RE_Q1", "RE_Q4") if gd else ("AE_FWD", "RE_Q1", "RE_Q4")
    return energy + tuple(f"V_{c}" for c in "ABC"[:phases]) + tuple(f"I_{c}" for c in "ABC"[:phases])


@dataclass
class MeterIntervals:
    row: int
    interval_min: int
    channels: tuple[str, ...]
    ts_s: np.ndarray  # (n_int,) interval starts
    values: np.ndarray  # (n_ch, n_int)
    quality: np.ndarray  # (n_int,) uint8
    posto: np.ndarray  # (n_int,) posto code of the interval


def intervals(state: BatchState, recs: list[dict[str, Any]], grid: Grid) -> list[MeterIntervals]:
    """Aggregate the 5-minute physics to each meter's load-profile interval (the meters of one
    interval length at once; each value is the same sum per meter and interval)."""
    step_min_ = grid.step_s // 60
    steps = np.array([int(recs[int(row)]["interval_min"]) // step_min_ for row in state.rows])
    out: dict[int, MeterIntervals] = {}
    for step in (int(s) for s in np.unique(steps)):
        ks = np.flatnonzero(steps == step)
        n_int = grid.n // step

        def agg(x: np.ndarray, step: int = step) -> np.ndarray:
            return step_sum(x, step)

        on = state.on[ks]
        q = state.q[ks]
        energy = np.rint(
            np.stack(
                [
                    agg(state.p_imp[ks]),
                    agg(state.p_exp[ks]),
                    agg(np.maximum(q, 0.0)),
                    agg(np.maximum(-q, 0.0)),
                ],
                axis=1,
            )
            * grid.step_s
            / 3600.0
        )  # (m, 4, n_int): AE_FWD, AE_REV, RE_Q1, RE_Q4
        on_sum = agg(on)[:, None, :]
        volts = np.round(
            np.where(on_sum > 0, agg(state.v[ks] * on[:, None, :]) / np.maximum(on_sum, 1e-9), 0.0), 1
        )
        amps = np.round(agg(state.i[ks]) / step, 2)
        zeros = np.zeros((len(ks), 1, n_int))
        full = np.concatenate([energy[:, :3], zeros, zeros, energy[:, 3:], volts, amps], axis=1)
        quality = np.where(step_min(on, step) < 1.0, schema.QUALITY_INTERRUPTED, schema.QUALITY_OK).astype(
            np.uint8
        )
        ts_s = grid.t0 + np.arange(n_int) * step * grid.step_s
        for m, k in enumerate(ks):
            row = int(state.rows[k])
            r = recs[row]
            chans = channels_of(str(r["kind"]), int(r["phases"]), float(r["gd_kwp"]) > 0)
            posto_src = grid.posto(str(r["distributor"]), "A" if r["kind"] == "group_a" else "B")
            out[int(k)] = MeterIntervals(
                row=row,
                interval_min=int(r["interval_min"]),
                channels=chans,
                ts_s=ts_s,
                values=full[m, [_FULL_INDEX[c] for c in chans]],
                quality=quality[m],
                posto=posto_src[::step],
            )
    return [out[k] for k in range(len(state.rows))]


def step_sum(x: np.ndarray, step: int) -> np.ndarray:
    """Sums of consecutive groups of ``step`` values along the last axis, equal to the last bit
    to ``x.reshape(..., -1, step).sum(axis=-1)`` (numpy adds up to 7 values in order and 8-15
    as a pairwise block of 8 then in order) but several times faster for short groups, which
    numpy reduces one small group at a time."""
    if step == 1:
        return np.array(x, dtype=float)
    c = [x[..., k::step] for k in range(step)]
    if step < 8:
        acc = c[0] + c[1]
        for k in range(2, step):
            acc += c[k]
        return acc
    if step >= 16:
        return np.asarray(x.reshape(*x.shape[:-1], -1, step).sum(axis=-1))
    acc = ((c[0] + c[1]) + (c[2] + c[3])) + ((c[4] + c[5]) + (c[6] + c[7]))
    for k in range(8, step):
        acc += c[k]
    return acc


def step_min(x: np.ndarray, step: int) -> np.ndarray:
    """Minimum of consecutive groups of ``step`` values along the last axis."""
    acc = np.array(x[..., 0::step])
    for k in range(1, step):
        np.minimum(acc, x[..., k::step], out=acc)
    return acc


#: Position of each channel in the stacked per-interval values of :func:`intervals`.
_FULL_INDEX = {c: k for k, c in enumerate(schema.CHANNELS)}


def in_windows(win: Windows, row: int, ts_s: np.ndarray) -> np.ndarray:
    sel = win.rows == row
    if not sel.any():
        return np.zeros(len(ts_s), bool)
    starts, ends = win.start[sel], win.end[sel]
    j = np.searchsorted(starts, ts_s, side="right") - 1
    return np.asarray((j >= 0) & (ts_s < ends[np.maximum(j, 0)]))


class Sink:
    """CSV files per kind and month (``<prefix>_<YYYY-MM>.csv``, ``_p2``... past 40 M rows)."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.files: dict[str, int] = {}
        self._open: dict[tuple[str, str], tuple[Any, str, int]] = {}

    def write(self, prefix: str, month: str, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        key = (prefix, month)
        fh, name, part = self._open.get(key, (None, "", 0))
        if fh is None or self.files[name] + table.num_rows > MAX_ROWS_PER_FILE and self.files[name] > 0:
            if fh is not None:
                fh.close()
            part += 1
            name = f"{prefix}_{month}.csv" if part == 1 else f"{prefix}_{month}_p{part}.csv"
            fh = open(self.out_dir / name, "wb")  # kept open across batches
            fmt = next(f for f in schema.EXPORT_FORMATS if f.prefix == prefix)
            fh.write((",".join(fmt.header) + "\n").encode())
            self.files[name] = 0
        pacsv.write_csv(table, fh, _WRITE)
        self.files[name] += table.num_rows
        self._open[key] = (fh, name, part)

    def close_month(self, month: str) -> None:
        for key in [k for k in self._open if k[1] == month]:
            fh = self._open.pop(key)[0]
            fh.close()

    def close(self) -> None:
        for fh, _, _ in self._open.values():
            fh.close()
        self._open.clear()


def _ids(rows: np.ndarray, id_dict: pa.Array) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(rows.astype(np.int32)), id_dict)


def _ts(ts_s: np.ndarray) -> pa.Array:
    return pa.array(ts_s.astype("datetime64[s]"))


def lp_table(
    parts: list[tuple[MeterIntervals, np.ndarray]], id_dict: pa.Array, ch_dict: pa.Array
) -> pa.Table:
    """Long load-profile rows (one per meter, interval and channel) of the kept intervals."""
    code = {c: k for k, c in enumerate(ch_dict.to_pylist())}
    rows, ts, imin, ch, val, q = [], [], [], [], [], []
    for mi, keep in parts:
        n_ch, n_k = len(mi.channels), int(keep.sum())
        if n_k == 0:
            continue
        rows.append(np.full(n_ch * n_k, mi.row, np.int32))
        ts.append(np.repeat(mi.ts_s[keep], n_ch))
        imin.append(np.full(n_ch * n_k, mi.interval_min, np.int16))
        ch.append(np.tile(np.array([code[c] for c in mi.channels], np.int8), n_k))
        val.append(mi.values[:, keep].T.ravel())
        q.append(np.repeat(mi.quality[keep], n_ch))
    if not rows:
        return pa.table({"x": pa.array([], pa.int8())}).slice(0, 0)
    return pa.table(
        {
            "installation_id": _ids(np.concatenate(rows), id_dict),
            "ts": _ts(np.concatenate(ts)),
            "interval_min": pa.array(np.concatenate(imin)),
            "channel": pa.DictionaryArray.from_arrays(pa.array(np.concatenate(ch)), ch_dict),
            "value": pa.array(np.concatenate(val)),
            "quality": pa.array(np.concatenate(q)),
        }
    )


def stream_lines(parts: list[tuple[MeterIntervals, np.ndarray]], ids: list[str]) -> pd.DataFrame:
    """JSON messages (schema.STREAM_PREFIX format) with their ts and id, for sorting."""
    frames = []
    for mi, keep in parts:
        if not keep.any():
            continue
        ts = pc.strftime(_ts(mi.ts_s[keep]), format="%Y-%m-%dT%H:%M:%S")
        pieces: list[Any] = [
            '{"installation_id": "' + ids[mi.row] + '", "ts": "',
            ts,
            '", "interval_min": ' + str(mi.interval_min) + ', "channels": {',
        ]
        for j, c in enumerate(mi.channels):
            pieces += [
                ("" if j == 0 else ", ") + f'"{c}": ',
                pc.cast(pa.array(mi.values[j, keep]), pa.string()),
            ]
        pieces += ['}, "quality": ', pc.cast(pa.array(mi.quality[keep]), pa.string()), "}"]
        line = pc.binary_join_element_wise(*pieces, "")
        frames.append(
            pd.DataFrame(
                {"ts_s": mi.ts_s[keep], "id": ids[mi.row], "line": line.to_numpy(zero_copy_only=False)}
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["ts_s", "id", "line"])


def voltage_table(
    state: BatchState, recs: list[dict[str, Any]], grid: Grid, keep_fn: Any, id_dict: pa.Array
) -> pa.Table:
    """10-minute voltage rows (phase A/B/C); windows with any interruption are omitted. Group A
    meters record the voltage transformers' secondary (phase-neutral ~66,4 V for 13,8 kV)."""
    t10 = grid.t0 + np.arange(grid.n // 2) * 600
    on_ok = step_min(state.on, 2) >= 1.0
    keep = np.stack([on_ok[k] & keep_fn(int(row), t10) for k, row in enumerate(state.rows)])
    sel = np.flatnonzero(keep.any(axis=1))
    if len(sel) == 0:
        return pa.table({"x": pa.array([], pa.int8())}).slice(0, 0)
    nph = np.array([int(recs[int(state.rows[k])]["phases"]) for k in sel])
    v10 = np.round(step_sum(state.v[sel], 2) / 2.0, 1)  # (s, 3, T10) 10-minute means
    # one row per kept meter, 10-minute window and phase, in that order
    pick = keep[sel][:, :, None] & (np.arange(3)[None, None, :] < nph[:, None, None])
    m_i, t_i, p_i = np.nonzero(pick)
    return pa.table(
        {
            "installation_id": _ids(state.rows[sel][m_i], id_dict),
            "ts": _ts(t10[t_i]),
            "phase": pa.DictionaryArray.from_arrays(pa.array(p_i.astype(np.int8)), pa.array(["A", "B", "C"])),
            "voltage_v": pa.array(v10.transpose(0, 2, 1)[pick]),
        }
    )


def voltage_events(
    state: BatchState, recs: list[dict[str, Any]], grid: Grid
) -> list[tuple[int, int, int, float]]:
    """Under/over-voltage start/end events (codes 12/13, 10/11) from 10-minute means in the
    critica band lasting at least 30 minutes; phase losses (< 50 % of nominal) excluded.
    Listed by meter, phase, kind (under, over) and time, a start before its end.

    On a coarse grid (the scale generator's 15-minute simulation) the windows are the grid's
    steps and a run needs as many of them as make 30 minutes."""
    win = 2 if grid.step_s == STEP_S else 1  # base steps per window
    w_s = win * grid.step_s
    min_run = -(-1800 // w_s)
    t10 = grid.t0 + np.arange(grid.n // win) * w_s
    ks = np.array([k for k, row in enumerate(state.rows) if recs[int(row)]["kind"] != "group_a"], dtype=int)
    if len(ks) == 0:
        return []
    rows = state.rows[ks]
    vn = np.array([int(recs[int(r)]["nominal_v"]) for r in rows])
    nph = np.array([int(recs[int(r)]["phases"]) for r in rows])
    crit_lo = np.array([BANDS[int(x)][0] for x in vn])[:, None, None]
    prec_hi = np.array([BANDS[int(x)][4] for x in vn])[:, None, None]
    on_ok = (step_min(state.on[ks], win) >= 1.0)[:, None, :]
    live = on_ok & (np.arange(3)[None, :, None] < nph[:, None, None])
    v10 = step_sum(state.v[ks], win) / float(win)  # (m, 3, T10)
    under = (v10 < crit_lo) & (v10 > 0.5 * vn[:, None, None]) & live
    over = (v10 > prec_hi) & live
    cond = np.stack([under, over], axis=2)  # (m, 3, 2, T10)
    if not cond.any():
        return []
    pad = np.zeros((*cond.shape[:3], 1), np.int8)
    d = np.diff(np.concatenate([pad, cond.astype(np.int8), pad], axis=3), axis=3)
    m_s, j_s, c_s, s_i = np.nonzero(d == 1)  # run starts and ends, in the same run order
    e_i = np.nonzero(d == -1)[3]
    codes = ((12, 13), (10, 11))
    ev: list[tuple[int, int, int, float]] = []
    n10 = len(t10)
    for m, j, c, s, e in zip(m_s, j_s, c_s, s_i, e_i, strict=True):
        if e - s >= min_run:
            row = int(rows[m])
            ev.append((row, int(t10[s] + w_s), codes[c][0], round(float(v10[m, j, s]), 1)))
            if e < n10:
                ev.append((row, int(t10[e] + w_s), codes[c][1], round(float(v10[m, j, e]), 1)))
    return ev


@dataclass
class Registers:
    """Cumulative billing-register state carried across chunks (months)."""

    energy: dict[tuple[int, str, str], int] = field(default_factory=dict)
    demand_prev: dict[tuple[int, str], int] = field(default_factory=dict)

    def init_meter(self, row: int, r: dict[str, Any], seed: int) -> None:
        rng = np.random.default_rng([seed, int(r["idx"]), 3])
        postos = _postos(r)
        for ch in B_ENERGY:
            reg = REGISTER_OF[ch]
            if ch == "AE_REV" and not (float(r["gd_kwp"]) > 0):
                continue
            scale = {"AE_FWD": 1.0, "AE_REV": 0.4, "RE_Q1": 0.25, "RE_Q4": 0.05}[ch]
            total = int(rng.uniform(3e6, 6e7) * scale * (40 if r["kind"] == "group_a" else 1))
            shares = {"ponta": 0.12, "intermediario": 0.08} if len(postos) == 4 else {"ponta": 0.15}
            rest = total
            for p in postos[1:]:
                if p != "fora_ponta":
                    v = int(total * shares[p])
                    self.energy[(row, reg, p)] = v
                    rest -= v
            if len(postos) > 1:
                self.energy[(row, reg, "fora_ponta")] = rest
            self.energy[(row, reg, "total")] = total


def _postos(r: dict[str, Any]) -> tuple[str, ...]:
    if r["kind"] == "group_a":
        return ("total", "ponta", "fora_ponta")
    if r["tariff_modality"] == "branca":
        return ("total", "ponta", "intermediario", "fora_ponta")
    return ("total",)


REG_CODES = ("003", "103", "024", "027", "006")
POSTO_LIST = ("total", "ponta", "intermediario", "fora_ponta")


def register_rows(
    mi: MeterIntervals, r: dict[str, Any], regs: Registers, grid: Grid, final: bool
) -> dict[str, np.ndarray]:
    """Register readings of one meter in a chunk: every day at 00:00 (Group B) or every 6 h
    (Group A), plus the closing reading at the end of the period when ``final``.

    Returns column arrays: ts_s, reg (index in REG_CODES), posto (index in POSTO_LIST), value.
    """
    is_a = r["kind"] == "group_a"
    block_s = 6 * 3600 if is_a else 86400
    per_block = block_s // (mi.interval_min * 60)
    n_blocks = len(mi.ts_s) // per_block
    j = np.arange(n_blocks + (1 if final else 0))
    t_reg = grid.t0 + j * block_s
    bounds = j * per_block
    postos = _postos(r)
    if postos == ("total",) and not is_a:
        return _total_register_rows(mi, regs, t_reg, bounds)
    ts, reg_i, posto_i, val = [], [], [], []

    def add(code: str, p: str, v: np.ndarray) -> None:
        ts.append(t_reg[: len(v)] if len(v) == len(t_reg) else t_reg[j > 0])
        reg_i.append(np.full(len(v), REG_CODES.index(code), np.int8))
        posto_i.append(np.full(len(v), POSTO_LIST.index(p), np.int8))
        val.append(v)

    for ch, code in REGISTER_OF.items():
        if ch not in mi.channels or (mi.row, code, "total") not in regs.energy:
            continue
        e = mi.values[mi.channels.index(ch)].astype(np.int64)
        for p in postos:
            cs = np.concatenate([[0], np.cumsum(e if p == "total" else e * (mi.posto == _code(p)))])
            base = regs.energy[(mi.row, code, p)]
            add(code, p, base + cs[bounds])
            regs.energy[(mi.row, code, p)] = base + int(cs[-1])
    if is_a:
        e = mi.values[mi.channels.index("AE_FWD")]
        d15 = (e.reshape(-1, 3).sum(axis=1) * 4).astype(np.int64)  # W, 15-minute integrated demand
        p15 = mi.posto[::3]
        for p in postos:
            cm = np.maximum.accumulate(d15 if p == "total" else np.where(p15 == _code(p), d15, 0))
            vals = cm[np.maximum(bounds // 3 - 1, 0)]
            prev = regs.demand_prev.get((mi.row, p))
            if prev is not None:
                vals[0] = prev
                add("006", p, vals)
            else:
                add("006", p, vals[1:])
            regs.demand_prev[(mi.row, p)] = int(cm[-1])
    n = sum(len(v) for v in val)
    return {
        "row": np.full(n, mi.row, np.int32),
        "ts_s": np.concatenate(ts),
        "reg": np.concatenate(reg_i),
        "posto": np.concatenate(posto_i),
        "value": np.concatenate(val).astype(np.int64),
    }


def _total_register_rows(
    mi: MeterIntervals, regs: Registers, t_reg: np.ndarray, bounds: np.ndarray
) -> dict[str, np.ndarray]:
    """:func:`register_rows` of a meter with the total posto alone (most Group B meters): the
    channels at once, the same rows in the same order."""
    chans = [
        (mi.channels.index(ch), code)
        for ch, code in REGISTER_OF.items()
        if ch in mi.channels and (mi.row, code, "total") in regs.energy
    ]
    n_t = len(t_reg)
    if not chans:
        empty = np.zeros(0, np.int64)
        return {"row": np.zeros(0, np.int32), "ts_s": empty, "reg": empty.astype(np.int8),
                "posto": empty.astype(np.int8), "value": empty}  # fmt: skip
    e = mi.values[[k for k, _c in chans]].astype(np.int64)
    cs = np.zeros((len(chans), e.shape[1] + 1), np.int64)
    np.cumsum(e, axis=1, out=cs[:, 1:])
    base = np.array([regs.energy[(mi.row, code, "total")] for _k, code in chans], np.int64)
    vals = base[:, None] + cs[:, bounds]
    for (_k, code), b, last in zip(chans, base, cs[:, -1], strict=True):
        regs.energy[(mi.row, code, "total")] = int(b) + int(last)
    n = n_t * len(chans)
    return {
        "row": np.full(n, mi.row, np.int32),
        "ts_s": np.tile(t_reg, len(chans)),
        "reg": np.repeat(np.array([REG_CODES.index(code) for _k, code in chans], np.int8), n_t),
        "posto": np.full(n, POSTO_LIST.index("total"), np.int8),
        "value": vals.ravel(),
    }


def _code(posto: str) -> int:
    return next(k for k, v in POSTO_NAMES.items() if v == posto)


def registers_table(cols: dict[str, np.ndarray], id_dict: pa.Array) -> pa.Table:
    return pa.table(
        {
            "installation_id": _ids(cols["row"], id_dict),
            "ts": _ts(cols["ts_s"]),
            "register": pa.DictionaryArray.from_arrays(pa.array(cols["reg"]), pa.array(REG_CODES)),
            "posto": pa.DictionaryArray.from_arrays(pa.array(cols["posto"]), pa.array(POSTO_LIST)),
            "value_wh": pa.array(cols["value"]),
        }
    )


def events_table(ev: pd.DataFrame, id_dict: pa.Array) -> pa.Table:
    return pa.table(
        {
            "installation_id": _ids(ev["row"].to_numpy(), id_dict),
            "ts": _ts(ev["ts_s"].to_numpy()),
            "code": pa.array(ev["code"].to_numpy(dtype=np.int16)),
            "value": pa.array(ev["value"].to_numpy(dtype=float), from_pandas=True),
        }
    )
