"""Per-batch physics of the demo fleet: scenario modifiers, net metering, transformer-driven
voltages and currents on the 5-minute base grid.

Voltage model (per transformer phase, per unit of the nominal TR)::

    V_tr = Vn * (tap + src_feeder(t) + imbalance - 0.22 * tanh(z * 3 * P_phase(t) / S_rated / 0.22))
    V_meter = V_tr - r_service * I_meter + noise

``P_phase`` is the net active power of the meters on that phase (negative when rooftop PV
exports, which raises the voltage). Normal transformers: tap 1.02, z 0.04. The two *weak*
transformers (undersized, long secondary): tap 1.0, z 0.10, so the evening peak drags their
meters into the precaria and critica bands (regulation.md §4.2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tools.demo import load as demo_load
from tools.demo.calendar import Grid, Weather
from tools.demo.events import Schedule
from tools.demo.fleet import Fleet
from tools.demo.windows import coverage

A_VT_RATIO = 120.0  # Group A: indirect metering, VT 13800/115 V → secondary phase-neutral ~66.4 V
A_PRIMARY_PN_V = 13800.0 / np.sqrt(3.0)
Z_NORMAL, Z_WEAK = 0.04, 0.10  # per-unit drop at rated per-phase loading
DROP_CAP = 0.22  # soft limit of the drop/rise (tanh), per unit


@dataclass
class BatchState:
    rows: np.ndarray  # fleet rows of this batch
    p_imp: np.ndarray  # (n, T) W imported
    p_exp: np.ndarray  # (n, T) W exported
    q: np.ndarray  # (n, T) var, + inductive (only meaningful while importing)
    v: np.ndarray  # (n, 3, T) V per meter element (A, B, C)
    i: np.ndarray  # (n, 3, T) A per meter element
    on: np.ndarray  # (n, T) fraction of the step with supply


def _after(grid: Grid, rows: np.ndarray, since: dict[int, int]) -> np.ndarray:
    """(n, T) boolean: step starts at/after the row's ``since`` time."""
    t = grid.t0 + np.arange(grid.n) * grid.step_s
    lim = np.array([since.get(int(r), np.iinfo(np.int64).max) for r in rows], dtype=np.int64)
    return np.asarray(t[None, :] >= lim[:, None])


def phase_weights(p: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(n, 3) share of each meter's power on transformer phases, and (n, 3) element → phase map."""
    n = len(p)
    conn = p["phase_conn"].to_numpy()
    ph = p["phases"].to_numpy()
    elem = (conn[:, None] + np.arange(3)[None, :]) % 3
    share = np.zeros((n, 3))
    share[ph == 1, 0] = 1.0
    share[ph == 2, 0], share[ph == 2, 1] = 0.55, 0.45
    share[ph == 3] = (0.36, 0.33, 0.31)
    w = np.zeros((n, 3))
    for j in range(3):
        np.add.at(w, (np.arange(n), elem[:, j]), share[:, j])
    return w, elem


@dataclass
class _Power:
    """Active/reactive power of a block of meters on one grid, before the voltages."""

    p: pd.DataFrame
    rows: np.ndarray
    net: np.ndarray  # (n, T) W, load minus PV
    q: np.ndarray  # (n, T) var
    on: np.ndarray  # (n, T) fraction of the step with supply
    loss: np.ndarray  # (n, T) fraction of the step with phase B lost


def simulate(
    fleet: Fleet, rows: np.ndarray, grid: Grid, weather: Weather, sch: Schedule, seed: int
) -> BatchState:
    pw = _power(fleet, rows, grid, weather, sch, seed)
    v, i = _voltages(fleet, pw.p, rows, grid, pw.net, pw.q, pw.on, seed)
    return _finish(pw, v, i, grid, sch, seed)


def _power(fleet: Fleet, rows: np.ndarray, grid: Grid, weather: Weather, sch: Schedule, seed: int) -> _Power:
    p = fleet.inst.iloc[rows]
    n, t_n = len(rows), grid.n
    load = np.zeros((n, t_n))
    for kind, fn in (
        ("home", demo_load.homes),
        ("commerce", demo_load.commerce),
        ("group_a", demo_load.group_a),
    ):
        sel = np.flatnonzero(p["kind"].to_numpy() == kind)
        if len(sel):
            load[sel] = fn(p.iloc[sel], grid, weather, seed)
    pv = demo_load.pv(p, grid, weather)
    # scenario modifiers
    step_s = grid.step_s
    peak = coverage(sch.demand_peaks, rows, grid.t0, t_n, step_s)
    if peak.any():
        dc = p["dc_kw"].to_numpy()[:, None] * 1000.0
        load = np.where(
            peak > 0, np.maximum(load, 1.15 * dc * (1 + 0.02 * np.sin(np.arange(t_n)))[None, :]), load
        )
    # (the modifiers below are skipped where they change nothing: multiplying by 1.0 or
    # selecting the unchanged value is exact, so the values are the same)
    tamper_since = {r: s for r, (s, _) in sch.tamper.items()}
    tampered = _after(grid, rows, tamper_since)
    if tampered.any():
        factor = np.array([sch.tamper.get(int(r), (0, 1.0))[1] for r in rows])[:, None]
        load = np.where(tampered, load * factor, load)
    vacant = _after(grid, rows, sch.vacant)
    if vacant.any():
        load = np.where(vacant, 0.0, load)
    relay = 1.0 - coverage(sch.suspensions, rows, grid.t0, t_n, step_s)
    loss = coverage(sch.phase_loss, rows, grid.t0, t_n, step_s)
    on = 1.0 - coverage(sch.outages, rows, grid.t0, t_n, step_s)
    if (relay != 1.0).any():
        load = load * relay
        pv = pv * relay
    if loss.any():
        load = load * (1.0 - loss / 3.0)
    if (on != 1.0).any():
        load = load * on
        pv = pv * on
    net = load - pv
    q = demo_load.reactive(p, load, grid)
    q[net <= 0] = 0.0
    if (on != 1.0).any():
        q *= on
    return _Power(p=p, rows=rows, net=net, q=q, on=on, loss=loss)


def _finish(pw: _Power, v: np.ndarray, i: np.ndarray, grid: Grid, sch: Schedule, seed: int) -> BatchState:
    """Scenario effects on the meter's voltages and currents (sag, phase loss, outages)."""
    on, loss, net = pw.on, pw.loss, pw.net
    sag_after = _after(grid, pw.rows, sch.sag)
    if sag_after.any():
        rng = np.random.default_rng([seed, 770, int(grid.day_ord[0])])
        extra = grid.per_step(rng.uniform(0, 6, grid.n_days))[None, :]
        v[:, 2] = np.where(sag_after, v[:, 2] - (6.0 + 0.8 * i[:, 2] + extra), v[:, 2])
    if loss.any():
        v[:, 1] *= 1.0 - loss
        i[:, 1] *= 1.0 - loss
    if (on != 1.0).any():
        i *= on[:, None]
    return BatchState(
        rows=pw.rows, p_imp=np.maximum(net, 0.0), p_exp=np.maximum(-net, 0.0), q=pw.q, v=v, i=i, on=on
    )


def simulate_split(
    fleet: Fleet,
    rows: np.ndarray,
    fine: np.ndarray,
    grid: Grid,
    coarse: Grid,
    weather: Weather,
    sch: Schedule,
    seed: int,
) -> list[tuple[BatchState, Grid]]:
    """:func:`simulate` for the scale generator: the ``fine`` rows (boolean mask over ``rows``)
    on the 5-minute ``grid``, the others on the ``coarse`` grid (a multiple of 5 minutes that
    divides their load-profile interval). A transformer couples its meters at 5 minutes: its
    phase power adds the fine meters' steps and the coarse meters' steps spread evenly, and its
    coarse meters see the mean of the resulting transformer voltage over each coarse step; the
    meter's own noise is that of the mean of the 5-minute noise (sigma / sqrt(ratio)).
    Returns ``(state, grid)`` pairs (fine first), empty blocks left out."""
    if fine.all() or not (~fine).any():
        return [(simulate(fleet, rows, grid, weather, sch, seed), grid)]
    r = coarse.step_s // grid.step_s
    assert r * grid.step_s == coarse.step_s
    rf, rc = rows[fine], rows[~fine]
    pws = [
        _power(fleet, rf, grid, weather, sch, seed) if len(rf) else None,
        _power(fleet, rc, coarse, weather, sch, seed),
    ]
    t_no_all = fleet.inst["transformer_no"].to_numpy()
    assert (t_no_all[rows] >= 0).all(), "Group A meters are simulated on the 5-minute grid"
    rng = np.random.default_rng([seed, 731, int(rows[0]), int(grid.day_ord[0])])
    feeders = {int(f): _src(int(f), grid, seed) for f in np.unique(fleet.inst["feeder_no"].to_numpy()[rows])}
    trs = fleet.transformers
    tr_weak = trs["weak"].to_numpy().astype(bool)
    tr_vn = trs["nominal_v"].to_numpy().astype(float)
    tr_kva = trs["kva"].to_numpy().astype(float)
    tr_feeder = trs["feeder_no"].to_numpy().astype(int)
    parts: list[_Block | None] = []
    for pw, g in zip(pws, (grid, coarse), strict=True):
        if pw is None:
            parts.append(None)
            continue
        w, elem = phase_weights(pw.p)
        tn = pw.p["transformer_no"].to_numpy()
        members = {int(t): np.flatnonzero(tn == t) for t in np.unique(tn)}
        n = len(pw.rows)
        parts.append(
            _Block(
                pw=pw,
                grid=g,
                elem=elem,
                phases=pw.p["phases"].to_numpy(),
                s_va=np.sqrt(pw.net**2 + pw.q**2),
                members=members,
                p_ph={t: np.einsum("mp,mt->pt", w[sel], pw.net[sel]) for t, sel in members.items()},
                v=np.zeros((n, 3, g.n)),
                i=np.zeros((n, 3, g.n)),
            )
        )
    f_part, c_part = parts
    assert c_part is not None
    imb = np.array([0.0, 0.004, -0.003])[:, None]
    for t in (int(x) for x in np.unique(t_no_all[rows])):
        weak = bool(tr_weak[t])
        vn = float(tr_vn[t])
        tap, z, r_s = (1.0, Z_WEAK, 0.06) if weak else (1.02, Z_NORMAL, 0.03)
        p_ph = np.zeros((3, grid.n))
        if f_part is not None and t in f_part.p_ph:
            p_ph += f_part.p_ph[t]
        if t in c_part.p_ph:
            p_ph += np.repeat(c_part.p_ph[t], r, axis=1)
        src = feeders[int(tr_feeder[t])][None, :]
        drop = DROP_CAP * np.tanh(z * 3.0 * p_ph / (float(tr_kva[t]) * 1000.0) / DROP_CAP)
        v_tr = vn * (tap + src + imb - drop)  # (3, T) on the 5-minute grid
        for part, ratio in ((f_part, 1), (c_part, r)):
            if part is None or t not in part.members:
                continue
            sel = part.members[t]
            v_g = v_tr if ratio == 1 else v_tr.reshape(3, -1, ratio).mean(axis=2)
            sigma = 0.25 / float(np.sqrt(ratio))
            _meter_voltages(
                part.v,
                part.i,
                sel,
                v_g,
                part.elem[sel],
                part.phases[sel],
                part.s_va[sel],
                vn,
                r_s,
                rng,
                sigma,
            )
    return [(_finish(b.pw, b.v, b.i, b.grid, sch, seed), b.grid) for b in parts if b is not None]


@dataclass
class _Block:
    """The meters of a batch on one grid, while :func:`simulate_split` couples them."""

    pw: _Power
    grid: Grid
    elem: np.ndarray  # (n, 3) element -> transformer phase
    phases: np.ndarray  # (n,)
    s_va: np.ndarray  # (n, T) apparent power
    members: dict[int, np.ndarray]  # transformer_no -> positions in the block
    p_ph: dict[int, np.ndarray]  # transformer_no -> (3, T) net W per phase
    v: np.ndarray  # (n, 3, T)
    i: np.ndarray  # (n, 3, T)


def _meter_voltages(
    v: np.ndarray,
    i: np.ndarray,
    sel: np.ndarray,
    v_tr: np.ndarray,
    elem: np.ndarray,
    ph: np.ndarray,
    s_va: np.ndarray,
    vn: float,
    r_s: float,
    rng: np.random.Generator,
    sigma: float,
) -> None:
    """Voltages and currents of one transformer's meters (rows ``sel`` of ``v``/``i``)."""
    share = np.where(
        ph[:, None] == 1, [1.0, 0, 0], np.where(ph[:, None] == 2, [0.55, 0.45, 0], [0.36, 0.33, 0.31])
    )
    t_n = v_tr.shape[1]
    for j in range(3):
        used = np.flatnonzero(share[:, j] > 0)
        if len(used) == 0:
            continue
        i_est = share[used, j, None] * s_va[used] / vn
        noise = rng.standard_normal((len(used), t_n), dtype=np.float32)
        vj = v_tr[elem[used, j]] - r_s * i_est + sigma * noise
        v[sel[used], j] = vj
        i[sel[used], j] = i_est * vn / np.maximum(vj, 1.0)


def _src(feeder: int, grid: Grid, seed: int) -> np.ndarray:
    """Medium-voltage variation of a feeder (per unit): evening dip plus slow noise."""
    rng = np.random.default_rng([seed, 730, feeder, int(grid.day_ord[0])])
    h = grid.hour
    dip = -0.012 * np.exp(-(((h - 19.5) / 1.6) ** 2)) + 0.004 * np.exp(-(((h - 3.5) / 2.5) ** 2))
    noise = np.convolve(rng.normal(0, 0.004, grid.n + 23), np.ones(24) / 24 * 2.5, mode="valid")[: grid.n]
    return np.asarray(dip + noise)


def _voltages(
    fleet: Fleet,
    p: pd.DataFrame,
    rows: np.ndarray,
    grid: Grid,
    net: np.ndarray,
    q: np.ndarray,
    on: np.ndarray,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    n, t_n = len(rows), grid.n
    rng = np.random.default_rng([seed, 731, int(rows[0]), int(grid.day_ord[0])])
    s_va = np.sqrt(net**2 + q**2)
    v = np.zeros((n, 3, t_n))
    i = np.zeros((n, 3, t_n))
    feeders = {int(f): _src(int(f), grid, seed) for f in np.unique(p["feeder_no"])}
    t_no = p["transformer_no"].to_numpy()
    w, elem = phase_weights(p)
    trs = fleet.transformers
    for t in np.unique(t_no[t_no >= 0]):
        sel = np.flatnonzero(t_no == t)
        tr = trs.iloc[int(t)]
        weak = bool(tr["weak"])
        vn = float(tr["nominal_v"])
        tap, z, r_s = (1.0, Z_WEAK, 0.06) if weak else (1.02, Z_NORMAL, 0.03)
        imb = np.array([0.0, 0.004, -0.003])[:, None]
        p_ph = np.einsum("mp,mt->pt", w[sel], net[sel])  # (3, T) net W per transformer phase
        src = feeders[int(tr["feeder_no"])][None, :]
        drop = DROP_CAP * np.tanh(z * 3.0 * p_ph / (float(tr["kva"]) * 1000.0) / DROP_CAP)
        v_tr = vn * (tap + src + imb - drop)  # (3, T)
        ph = p["phases"].to_numpy()[sel]
        share = np.where(
            ph[:, None] == 1, [1.0, 0, 0], np.where(ph[:, None] == 2, [0.55, 0.45, 0], [0.36, 0.33, 0.31])
        )
        for j in range(3):
            i_est = share[:, j, None] * s_va[sel] / vn
            vj = v_tr[elem[sel, j]] - r_s * i_est + rng.normal(0, 0.25, (len(sel), t_n))
            v[sel, j] = np.where(share[:, j, None] > 0, vj, 0.0)
            i[sel, j] = np.where(share[:, j, None] > 0, i_est * vn / np.maximum(vj, 1.0), 0.0)
    a_sel = np.flatnonzero(t_no < 0)
    if len(a_sel):
        dc = p["dc_kw"].to_numpy()[a_sel, None] * 1000.0
        for j in range(3):
            src = np.stack([feeders[int(f)] for f in p["feeder_no"].to_numpy()[a_sel]])
            pu = 1.0 + 0.01 + src - 0.015 * net[a_sel] / dc + (j - 1) * 0.002
            v[a_sel, j] = A_PRIMARY_PN_V / A_VT_RATIO * pu + rng.normal(0, 0.05, (len(a_sel), t_n))
            i[a_sel, j] = s_va[a_sel] / 3.0 / (A_PRIMARY_PN_V * pu)
    return v, i
