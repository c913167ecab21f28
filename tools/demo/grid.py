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
    t = grid.t0 + np.arange(grid.n) * 300
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


def simulate(
    fleet: Fleet, rows: np.ndarray, grid: Grid, weather: Weather, sch: Schedule, seed: int
) -> BatchState:
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
    peak = coverage(sch.demand_peaks, rows, grid.t0, t_n)
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
    relay = 1.0 - coverage(sch.suspensions, rows, grid.t0, t_n)
    loss = coverage(sch.phase_loss, rows, grid.t0, t_n)
    on = 1.0 - coverage(sch.outages, rows, grid.t0, t_n)
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
    v, i = _voltages(fleet, p, rows, grid, net, q, on, seed)
    sag_after = _after(grid, rows, sch.sag)
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
        rows=rows, p_imp=np.maximum(net, 0.0), p_exp=np.maximum(-net, 0.0), q=q, v=v, i=i, on=on
    )


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
