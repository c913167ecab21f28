"""Vectorised load and generation models of the demo fleet (watts on the 5-minute base grid).

Every function takes a block of installations of one kind (rows of the fleet frame) and
returns ``(n_meters, n_steps)`` arrays. Randomness comes from per-installation, per-chunk
streams (``seed, idx, day``), so results do not depend on how meters are batched.

- Homes (B1/B2): standby base, fridge compressor cycling (duty grows with temperature),
  evening/morning activity with a weekend shape, electric showers (Brazilian pattern: short
  4.4-7.5 kW draws, mostly 18-21 h, some 6-8 h; later mornings at weekends; "inverno" setting
  in the cold months), air conditioning only in Dec-Mar on hot days (nights, weekend
  afternoons). Branca customers move showers out of 17-22 h; the shower-challenge home moves
  its evening showers to 22:00-23:30 from the challenge day on.
- Small commerce (B3): opening hours by kind (padaria, loja, escritorio), refrigeration,
  AC during opening hours in summer.
- Group A4: shifts on business days, base load at night, fixed capacitor bank (capacitive
  reactive at night).
- Rooftop PV: kWp x performance ratio x clear-sky x cloudiness (shared regional weather).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tools.demo.calendar import Grid, Weather

# fmt: off
_WEEKDAY_SHAPE = np.array([0.05, 0.04, 0.04, 0.04, 0.05, 0.15, 0.5, 0.7, 0.35, 0.2, 0.2, 0.25,
                           0.45, 0.35, 0.25, 0.25, 0.3, 0.5, 0.85, 1.0, 1.0, 0.85, 0.6, 0.25])
_WEEKEND_SHAPE = np.array([0.1, 0.06, 0.05, 0.04, 0.04, 0.05, 0.08, 0.15, 0.35, 0.55, 0.6, 0.75,
                           0.85, 0.7, 0.5, 0.5, 0.5, 0.55, 0.8, 0.9, 0.9, 0.8, 0.6, 0.35])
# fmt: on
SUMMER_MONTHS = (12, 1, 2, 3)


def _hourly(shape: np.ndarray, hour: np.ndarray) -> np.ndarray:
    """Periodic linear interpolation of a 24-value hourly shape at fractional hours."""
    x = np.arange(25) + 0.5
    y = np.concatenate([shape, shape[:1]])
    h = np.where(hour < 0.5, hour + 24, hour)
    return np.asarray(np.interp(h, x, y))


def _rngs(seed: int, idx: np.ndarray, grid: Grid, tag: int) -> list[np.random.Generator]:
    return [np.random.default_rng([seed, int(i), tag, int(grid.day_ord[0])]) for i in idx]


def _daily_temp(grid: Grid, weather: Weather) -> np.ndarray:
    return weather.temp_c[grid.day_ord]


def _fridge(p: pd.DataFrame, grid: Grid, temp_day: np.ndarray) -> np.ndarray:
    t_min = (grid.t0 + np.arange(grid.n) * grid.step_s + grid.step_s / 2) / 60.0
    period = p["fridge_period"].to_numpy()[:, None]
    phase = p["fridge_phase"].to_numpy()[:, None]
    duty = grid.per_step(np.clip(0.35 + 0.02 * (temp_day - 20.0), 0.3, 0.6))[None, :]
    on = ((t_min[None, :] + phase) % period) < duty * period
    return np.asarray(on * p["fridge_w"].to_numpy()[:, None])


def _showers(p: pd.DataFrame, grid: Grid, rngs: list[np.random.Generator]) -> np.ndarray:
    """Electric shower draws placed at minute resolution and spread over the grid's steps.

    Each meter's stream gives, in this order: uniforms for taking each candidate shower, for
    evening against morning (and, for branca customers, late against early evening), normals
    for the evening hour(s), the weekend and weekday morning hours and the duration, then a
    power factor per shower taken; the arithmetic runs over the block's draws at once."""
    n, d_n = len(p), grid.n_days
    out = np.zeros((n, grid.n))
    season = np.where(
        np.isin(grid.month, SUMMER_MONTHS), 0.7, np.where(np.isin(grid.month, (5, 6, 7, 8)), 1.0, 0.85)
    )
    has = p["has_shower"].to_numpy().astype(bool)
    people = p["people"].to_numpy().astype(int)
    branca = p["branca_shift"].to_numpy().astype(bool)
    params: dict[tuple[int, bool], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    idx, u_take, u_even, u_late, z_a, z_b, z_m9, z_m6, z_dur, uni, days = ([] for _ in range(11))
    for r, rng in enumerate(rngs):
        if not has[r]:
            rng.random(1)
            continue
        k = int(people[r]) * d_n
        br = bool(branca[r])
        if (k, br) not in params:
            locs = (22.4, 16.2, 9.3, 6.8, 10.0) if br else (19.4, 9.3, 6.8, 10.0)
            scales = (0.4, 0.4, 1.0, 0.45, 3.0) if br else (0.8, 1.0, 0.45, 3.0)
            params[(k, br)] = (
                np.repeat(locs, k),
                np.repeat(scales, k),
                np.repeat(np.arange(d_n), int(people[r])),
            )
        loc, scale, day = params[(k, br)]
        u = rng.random((3 if br else 2) * k)
        z = rng.normal(loc, scale)  # the same stream as one call per parameter pair, in order
        take = u[:k] < 0.9
        uni.append(rng.uniform(0.95, 1.0, int(take.sum())))
        idx.append(np.full(k, r))
        days.append(day)
        u_take.append(take)
        u_even.append(u[k : 2 * k])
        u_late.append(u[2 * k :] < 0.5 if br else np.zeros(k, bool))
        z_a.append(z[:k])
        o = 2 * k if br else k
        z_b.append(z[k:o] if br else z[:k])
        z_m9.append(z[o : o + k])
        z_m6.append(z[o + k : o + 2 * k])
        z_dur.append(z[o + 2 * k : o + 3 * k])
    if not idx:
        return out
    m_i = np.concatenate(idx)
    day = np.concatenate(days)
    take = np.concatenate(u_take)
    evening = np.concatenate(u_even) < p["evening_share"].to_numpy()[m_i]
    off = grid.offday[day]
    a, b = np.concatenate(z_a), np.concatenate(z_b)
    ev_h = np.where(
        branca[m_i],
        np.where(np.concatenate(u_late), np.clip(a, 22.0, 23.6), np.clip(b, 14.5, 16.9)),
        np.clip(a, 17.6, 22.3),
    )
    chall = p["shower_challenge_day"].to_numpy()[m_i]
    moved = (chall >= 0) & (grid.day_ord[day] >= chall)  # the shower challenge: evening showers after 22:00
    if moved.any():
        ev_h = np.where(moved, 22.0 + (ev_h - 17.6) / (22.3 - 17.6) * 1.5, ev_h)
    mo_h = np.where(off, np.clip(np.concatenate(z_m9), 7.0, 12.0), np.clip(np.concatenate(z_m6), 5.5, 8.2))
    start_min = np.where(evening, ev_h, mo_h) * 60.0 + day * 1440.0
    dur = np.clip(np.concatenate(z_dur), 5.0, 19.0)
    r_a = m_i[take]
    s_a = start_min[take]
    d_a = dur[take]
    w_a = p["shower_kw"].to_numpy()[r_a] * 1000.0 * season[day[take]] * np.concatenate(uni)
    e_a = s_a + d_a
    sm = grid.step_s // 60  # step in minutes
    k0 = (s_a // sm).astype(np.int64)
    for j in range(19 // sm + 2):  # a draw (<= 19 min) spans at most this many steps
        lo = (k0 + j) * float(sm)
        ov = np.clip(np.minimum(e_a, lo + sm) - np.maximum(s_a, lo), 0.0, float(sm))
        ok = (ov > 0) & (k0 + j < grid.n)
        np.add.at(out, (r_a[ok], (k0 + j)[ok]), w_a[ok] * ov[ok] / float(sm))
    return out


def homes(p: pd.DataFrame, grid: Grid, weather: Weather, seed: int) -> np.ndarray:
    t_n, d_n = grid.n, grid.n_days
    temp = _daily_temp(grid, weather)
    off = grid.per_step(grid.offday)
    shape = np.where(off, _hourly(_WEEKEND_SHAPE, grid.hour), _hourly(_WEEKDAY_SHAPE, grid.hour))
    daytime = (grid.hour >= 9) & (grid.hour < 17) & ~off
    rngs = _rngs(seed, p["idx"].to_numpy(), grid, 11)
    noise = np.stack([rng.lognormal(0.0, 0.25, t_n) for rng in rngs])
    day_lvl = np.stack([rng.lognormal(0.0, 0.18, d_n) for rng in rngs])
    occ = p["day_occ"].to_numpy()[:, None]
    act = p["activity_w"].to_numpy()[:, None] * shape[None, :] * np.where(daytime[None, :], 0.4 + occ, 1.0)
    if p["branca_shift"].any():
        in_peak = (grid.hour >= 18) & (grid.hour < 21) & ~off
        act = np.where(p["branca_shift"].to_numpy()[:, None] & in_peak[None, :], act * 0.8, act)
    act = act * noise * grid.per_step(day_lvl)
    base = p["base_w"].to_numpy()[:, None] * (0.95 + 0.1 * np.stack([rng.random(t_n) for rng in rngs]))
    # laundry: Saturday mornings (washing machine ~500 W for an hour) most weeks
    sat = grid.per_step(grid.dow == 5) & (grid.hour >= 9.5) & (grid.hour < 10.5)
    wash = np.stack([grid.per_step(rng.random(d_n) < 0.7) for rng in rngs]) & sat[None, :]
    load = base + _fridge(p, grid, temp) + act + 500.0 * wash + _showers(p, grid, rngs)
    load += _air_conditioning(p, grid, temp, rngs)
    return np.asarray(load)


def _air_conditioning(
    p: pd.DataFrame, grid: Grid, temp: np.ndarray, rngs: list[np.random.Generator]
) -> np.ndarray:
    has = p["has_ac"].to_numpy()
    if not has.any():
        return np.zeros((len(p), grid.n))
    summer = np.isin(grid.month, SUMMER_MONTHS)
    p_use = np.where(summer, 1.0 / (1.0 + np.exp(-(temp - 24.0) / 0.8)), 0.0)
    use = np.stack([grid.per_step(rng.random(grid.n_days) < p_use) for rng in rngs])
    h = grid.hour
    off = grid.per_step(grid.offday)
    window = (h >= 21) | (h < 1.0) | (off & (h >= 13) & (h < 17))
    heavy = (p["ac_kw"].to_numpy() > 2.0)[:, None] & ((h >= 14) & (h < 18))[None, :]
    k = grid.steps(1800)  # 30-minute modulation
    mod = 0.55 + 0.35 * np.stack(
        [np.convolve(rng.random(grid.n + k - 1), np.ones(k) / k, "valid")[: grid.n] for rng in rngs]
    )
    on = use & (window[None, :] | heavy) & has[:, None]
    return np.asarray(on * mod * p["ac_kw"].to_numpy()[:, None] * 1000.0)


def commerce(p: pd.DataFrame, grid: Grid, weather: Weather, seed: int) -> np.ndarray:
    t_n = grid.n
    h = grid.hour
    dow = grid.per_step(grid.dow)
    hol = grid.per_step(grid.offday & (grid.dow < 5))
    sunday = dow == 6
    hours = {
        "padaria": ((h >= 6) & (h < 20) & ~sunday & ~hol) | ((h >= 6.5) & (h < 13) & (sunday | hol)),
        "loja": ((h >= 9) & (h < 18) & (dow < 5) & ~hol) | ((h >= 9) & (h < 13) & (dow == 5)),
        "escritorio": (h >= 8) & (h < 18) & (dow < 5) & ~hol & ~((h >= 12) & (h < 13)),
    }
    open_ = np.stack([hours[k] for k in p["shop_kind"]])
    rngs = _rngs(seed, p["idx"].to_numpy(), grid, 12)
    noise = np.stack([rng.lognormal(0.0, 0.15, t_n) for rng in rngs])
    t_min = (grid.t0 + np.arange(t_n) * grid.step_s) / 60.0
    cyc = ((t_min[None, :] + p["fridge_phase"].to_numpy()[:, None]) % 30.0) < 18.0
    refrig = p["refrig_w"].to_numpy()[:, None] * (0.5 + 0.8 * cyc)
    shop = open_ * p["shop_kw"].to_numpy()[:, None] * 1000.0 * noise
    temp = _daily_temp(grid, weather)
    summer = np.isin(grid.month, SUMMER_MONTHS)
    hot = grid.per_step(summer & (temp > 23.0))
    ac = open_ & hot[None, :] & p["has_ac"].to_numpy()[:, None]
    ac_w = (
        ac
        * p["ac_kw"].to_numpy()[:, None]
        * 1000.0
        * (0.6 + 0.4 * np.stack([rng.random(t_n) for rng in rngs]))
    )
    return np.asarray(120.0 + refrig + shop + ac_w)


def group_a(p: pd.DataFrame, grid: Grid, weather: Weather, seed: int) -> np.ndarray:
    t_n = grid.n
    h = grid.hour
    dow = grid.per_step(grid.dow)
    off = grid.per_step(grid.offday)
    dc = p["dc_kw"].to_numpy()[:, None] * 1000.0
    rngs = _rngs(seed, p["idx"].to_numpy(), grid, 13)
    day_lvl = np.stack([grid.per_step(rng.uniform(0.78, 0.9, grid.n_days)) for rng in rngs])
    noise = np.stack([rng.normal(1.0, 0.05, t_n) for rng in rngs])
    shift = ((h >= 7) & (h < 17) & ~off) | ((h >= 7) & (h < 12) & (dow == 5) & ~off)
    ramp = np.clip((h - 6.5) * 2, 0, 1) * np.clip((17.5 - h) * 2, 0, 1)
    azul = (p["tariff_modality"] == "azul").to_numpy()[:, None]
    second = azul & ((h >= 17) & (h < 22) & ~off)[None, :]
    level = np.where(shift[None, :], day_lvl * np.maximum(ramp, 0.25)[None, :], 0.2)
    level = np.where(second, 0.5, level)
    return np.asarray(dc * np.maximum(level * noise, 0.1))


def pv(p: pd.DataFrame, grid: Grid, weather: Weather) -> np.ndarray:
    kwp = p["gd_kwp"].to_numpy()[:, None]
    if not (kwp > 0).any():
        return np.zeros((len(p), grid.n))
    orient = 0.9 + 0.15 * ((p["idx"].to_numpy()[:, None] * 37) % 10) / 10.0
    return np.asarray(kwp * 1000.0 * 0.8 * orient * (grid.sun * weather.intraday_cloud(grid))[None, :])


def reactive(p: pd.DataFrame, load_w: np.ndarray, grid: Grid) -> np.ndarray:
    """Net reactive power (var, + inductive) drawn by each installation."""
    kind = p["kind"].to_numpy()[:, None]
    tan = np.tan(np.arccos(p["pf"].to_numpy()))[:, None]
    q = load_w * tan
    cap = np.where(
        kind == "group_a", p["cap_frac"].to_numpy()[:, None] * p["dc_kw"].to_numpy()[:, None] * 1000.0, 25.0
    )
    return np.asarray(q - cap)
