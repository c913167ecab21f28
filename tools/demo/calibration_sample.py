"""Seeded numpy generator of a realistic meter sample for storage calibration.

Shaped after the generator of ``shared/domain/storage-cost.md`` (appendix A) so the bytes
measured on it are comparable with the literature values there: log-normal monthly
consumption, a three-peak residential day (shower peaks morning and evening), AR(1) daily
factors, multiplicative noise scaled with the interval, electric-shower spikes, rooftop PV
with net metering, reactive quadrants, voltages with feeder-level noise and load drop,
currents from power. Quantised as a meter records it: integer Wh/varh, 0.1 V, 0.01 A.
Group B is independent of the demo generator on purpose. Group A meters (indirect metering:
VT secondary voltages, primary currents, a capacitor bank) are simulated with the demo fleet's
own Group A model (``tools.demo.load.group_a`` and ``tools.demo.grid.simulate``, aggregated by
``tools.demo.output.intervals``), so the calibration measures how the demo's Group A load profile
compresses; they get 4 fiscal reads a day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tools.data import schema
from tools.demo import fleet as demo_fleet
from tools.demo.calendar import make_grid, make_weather
from tools.demo.events import Schedule
from tools.demo.grid import simulate
from tools.demo.output import intervals
from tools.demo.windows import Windows

DAYS_PER_MONTH = 30.44


@dataclass(frozen=True, slots=True)
class SampleSpec:
    """One meter segment to sample: group A|B, phases 1..3, with or without PV, LP interval."""

    key: str
    group: str
    phases: int
    pv: bool
    interval_min: int


def _gauss(h: np.ndarray, mu: float, sigma: float) -> np.ndarray:
    d = (h - mu + 12.0) % 24.0 - 12.0  # circular distance in hours
    return np.asarray(np.exp(-0.5 * (d / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi)))


def _ar1(rng: np.random.Generator, shape: tuple[int, int], phi: float, sigma: float) -> np.ndarray:
    """Stationary AR(1) along axis 1 with marginal standard deviation ``sigma``."""
    eps = rng.normal(0.0, sigma * np.sqrt(1 - phi**2), shape)
    out = np.empty(shape)
    out[:, 0] = rng.normal(0.0, sigma, shape[0])
    for t in range(1, shape[1]):
        out[:, t] = phi * out[:, t - 1] + eps[:, t]
    return out


def _ids(n: int, offset: int) -> np.ndarray:
    return np.array([f"3{offset + i:014d}" for i in range(n)], dtype=object)


def _load_wh(
    spec: SampleSpec,
    rng: np.random.Generator,
    n: int,
    hours: np.ndarray,
    day: np.ndarray,
    weekday: np.ndarray,
) -> np.ndarray:
    """Group B active energy consumed per interval [Wh], float (before PV netting and rounding)."""
    iv = spec.interval_min
    days = int(day.max()) + 1
    mult = {1: 1.0, 2: 1.8, 3: 3.0}[spec.phases]
    monthly_kwh = rng.lognormal(np.log(150.0), 0.6, n) * mult
    shift = rng.normal(0.0, 0.6, (n, 1))
    h = hours[None, :] - shift
    shape = 0.45 + 0.9 * _gauss(h, 6.8, 0.9) + 0.5 * _gauss(h, 12.3, 1.2) + 1.6 * _gauss(h, 19.8, 1.7)
    shape = shape * np.where(weekday[None, :] >= 5, 1.08, 1.0)
    shape = shape / shape.mean(axis=1, keepdims=True)
    sigma = 0.4 * np.sqrt(15.0 / iv)
    daily = np.exp(_ar1(rng, (n, days), 0.7, 0.12))[:, day]
    mean_wh = (monthly_kwh * 1000.0 / (DAYS_PER_MONTH * 24.0) * iv / 60.0)[:, None]
    noise = rng.lognormal(-0.5 * sigma**2, sigma, (n, hours.size))
    wh = mean_wh * shape * daily * noise
    # electric showers: 5.5 kW for 5-15 min, morning and evening
    rate = 0.4 * (0.25 * _gauss(hours, 6.8, 0.8) + 0.35 * _gauss(hours, 19.5, 1.5)) * iv / 60.0
    hit = rng.random((n, hours.size)) < rate[None, :]
    minutes = np.minimum(rng.uniform(5, 15, (n, hours.size)), iv)
    return np.asarray(wh + hit * 5500.0 * minutes / 60.0)


def _group_a(
    spec: SampleSpec, rng: np.random.Generator, n: int, start: dt.date, days: int, id_offset: int
) -> dict[str, np.ndarray]:
    """Load-profile channels of ``n`` Group A meters from the demo fleet's model.

    The meters are the demo's extra Group A installations (contracted demand 80-500 kW, verde or
    azul) on their own feeders, without outages or scenario events; with ``spec.pv`` a rooftop
    plant is added. Values in the lake's units: Wh/varh, 0.1 V, 0.01 A.
    """
    seed = int(rng.integers(0, 2**31 - 1))
    rows = [demo_fleet._meter_params(id_offset + k + 1, "group_a_extra", seed) for k in range(n)]
    inst = pd.DataFrame(rows)
    inst["interval_min"] = spec.interval_min
    if spec.pv:
        inst["gd_kwp"] = np.round(rng.lognormal(np.log(4.0), 0.4, n) * np.sqrt(10.0), 1)
    transformers, feeders = demo_fleet._topology(inst, seed)
    demo_fleet._place(inst, transformers, feeders)
    inst["distributor"] = feeders.set_index("feeder_no").loc[inst["feeder_no"], "distributor"].to_numpy()
    inst["tariff_modality"] = inst["modality"]
    fleet = demo_fleet.Fleet(inst=inst, customers=pd.DataFrame(), transformers=transformers, feeders=feeders)
    none = Windows.empty()
    calm = Schedule(none, none, none, none, none, {}, {}, {}, {}, pd.DataFrame())
    grid = make_grid(start.strftime("%Y-%m"), start, start + dt.timedelta(days=days - 1), start)
    all_rows = np.arange(n)
    state = simulate(fleet, all_rows, grid, make_weather(seed, start, days), calm, seed)
    meters = intervals(state, inst.to_dict("records"), grid)
    out = {}
    for k, code in enumerate(meters[0].channels):
        values = np.stack([m.values[k] for m in meters]) * schema.CHANNELS[code][1]
        out[code] = np.rint(values).astype(np.int64)
    return out


def _group_b(
    spec: SampleSpec,
    rng: np.random.Generator,
    n: int,
    hours: np.ndarray,
    day: np.ndarray,
    weekday: np.ndarray,
) -> dict[str, np.ndarray]:
    """Load-profile channels of ``n`` Group B meters (lake units: Wh/varh, 0.1 V, 0.01 A)."""
    iv = spec.interval_min
    load = _load_wh(spec, rng, n, hours, day, weekday)
    gen = _pv_wh(spec, rng, n, hours, day) if spec.pv else np.zeros_like(load)
    imp = np.rint(np.clip(load - gen, 0, None)).astype(np.int64)
    exp_ = np.rint(np.clip(gen - load, 0, None)).astype(np.int64)
    pf = rng.uniform(0.86, 0.98, (n, 1))
    tan = np.sqrt(1 - pf**2) / pf
    ch = {
        "AE_FWD": imp,
        "AE_REV": exp_,
        "RE_Q1": np.rint(imp * tan * rng.lognormal(0, 0.15, imp.shape)).astype(np.int64),
        "RE_Q4": np.where(
            (imp > 0) & (rng.random(imp.shape) < 0.08), np.rint(rng.exponential(3.0, imp.shape)), 0
        ).astype(np.int64),
        "RE_Q2": np.where(
            (exp_ > 0) & (rng.random(imp.shape) < 0.3), np.rint(exp_ * rng.uniform(0, 0.05, imp.shape)), 0
        ).astype(np.int64),
        "RE_Q3": np.where(
            (exp_ > 0) & (rng.random(imp.shape) < 0.3), np.rint(exp_ * rng.uniform(0, 0.08, imp.shape)), 0
        ).astype(np.int64),
    }
    nominal = np.where(rng.random(n) < 0.8, 127.0, 220.0) * (1 + rng.uniform(-0.04, 0.045, n))
    kw = (imp + exp_) / (iv / 60.0) / 1000.0
    volts = _voltage_dv(spec, rng, n, hours, kw / spec.phases, nominal, iv)
    split = rng.dirichlet([4.0] * spec.phases, n)
    for p, name in enumerate("ABC"[: spec.phases]):
        amps = kw * 1000.0 * split[:, p : p + 1] / (np.maximum(volts[p], 500) / 10.0 * pf)
        amps = amps * rng.lognormal(0, 0.05, amps.shape)
        ch[f"V_{name}"] = volts[p].astype(np.int64)
        ch[f"I_{name}"] = np.rint(amps * 100).astype(np.int64)
    return ch


def _pv_wh(
    spec: SampleSpec, rng: np.random.Generator, n: int, hours: np.ndarray, day: np.ndarray
) -> np.ndarray:
    iv = spec.interval_min
    mult = 10.0 if spec.group == "A" else {1: 1.0, 2: 1.8, 3: 3.0}[spec.phases]
    kwp = rng.lognormal(np.log(4.0), 0.4, (n, 1)) * np.sqrt(mult)
    sun = np.clip(np.sin(np.pi * (hours - 5.8) / 12.8), 0, None) ** 1.3
    clear = np.where(rng.random((n, int(day.max()) + 1)) < 0.7, rng.beta(5, 2, (n, int(day.max()) + 1)), 0.3)
    cloud = 1.0 - np.abs(rng.normal(0, 0.15, (n, hours.size)))
    return np.asarray(np.clip(kwp * 1000.0 * iv / 60.0 * 0.8 * sun[None, :] * clear[:, day] * cloud, 0, None))


def _voltage_dv(
    spec: SampleSpec,
    rng: np.random.Generator,
    n: int,
    hours: np.ndarray,
    kw_phase: np.ndarray,
    base: np.ndarray,
    iv: int,
) -> list[np.ndarray]:
    """Phase-neutral voltage per phase [0.1 V] for ``n`` meters sharing ~40-meter feeders."""
    pattern = (
        -0.018 * np.exp(-0.5 * ((hours - 19.5) / 1.5) ** 2)
        + 0.008 * np.exp(-0.5 * ((hours - 12.5) / 2) ** 2)
        - 0.006 * np.exp(-0.5 * ((hours - 7.0) / 1.0) ** 2)
    )
    feeders = max(1, n // 40 + 1)
    fid = rng.integers(0, feeders, n)
    feeder_ar = _ar1(rng, (feeders, hours.size), float(np.exp(-iv / 120.0)), 0.006)[fid]
    out = []
    for _ in range(spec.phases):
        v = base[:, None] * (1 + pattern[None, :] + feeder_ar + rng.normal(0, 0.006, (n, 1))) - 0.6 * kw_phase
        v = v + rng.normal(0, 0.25 * (15.0 / iv) ** 0.25, v.shape)
        out.append(np.rint(v * 10).astype(np.int32))
    return out


def generate_tables(
    spec: SampleSpec, n: int, start: dt.date, days: int, rng: np.random.Generator, id_offset: int = 0
) -> dict[str, pd.DataFrame]:
    """Load profile, 10-min voltage, events and billing registers of ``n`` meters of ``spec``."""
    iv = spec.interval_min
    per_day = 1440 // iv
    steps = days * per_day
    t0 = np.datetime64(start.isoformat(), "m")
    ts = t0 + np.arange(steps) * np.timedelta64(iv, "m")
    hours = (np.arange(steps) % per_day) * iv / 60.0
    day = np.arange(steps) // per_day
    weekday = (np.asarray(start.weekday()) + day) % 7
    ids = _ids(n, id_offset)

    if spec.group == "A":
        ch = _group_a(spec, rng, n, start, days, id_offset)
    else:
        ch = _group_b(spec, rng, n, hours, day, weekday)
    imp, exp_ = ch["AE_FWD"], ch["AE_REV"]
    lp: dict[str, object] = {
        "installation_id": np.repeat(ids, steps),
        "ts": np.tile(ts, n),
        "interval_min": iv,
        "quality": 0,
    }
    for code, (col, _scale) in schema.CHANNELS.items():
        if code in ch:
            lp[col] = ch[code].ravel()
        else:
            lp[col] = pd.array([None] * (n * steps), dtype="Int32")
    load_profile = pd.DataFrame(lp)
    nominal = np.where(rng.random(n) < 0.8, 127.0, 220.0) * (1 + rng.uniform(-0.04, 0.045, n))

    return {
        "load_profile": load_profile,
        "voltage_10min": _voltage_10min(spec, rng, n, ids, start, days, nominal),
        "events": events_table(spec, rng, ids, t0, days),
        "billing_registers": _registers(
            spec, rng, ids, t0, days, imp, exp_, ch["RE_Q1"], ch["RE_Q4"], per_day
        ),
    }


def _voltage_10min(
    spec: SampleSpec,
    rng: np.random.Generator,
    n: int,
    ids: np.ndarray,
    start: dt.date,
    days: int,
    nominal: np.ndarray,
) -> pd.DataFrame:
    steps = days * 144
    ts = np.datetime64(start.isoformat(), "m") + np.arange(steps) * np.timedelta64(10, "m")
    hours = (np.arange(steps) % 144) / 6.0
    base_kw = 0.3 + 0.5 * _gauss(hours, 19.8, 1.7)[None, :] * rng.lognormal(0, 0.5, (n, 1))
    kw = base_kw * rng.lognormal(0, 0.3, (n, steps))
    volts = _voltage_dv(spec, rng, n, hours, kw / spec.phases, nominal, 10)
    frame: dict[str, object] = {"installation_id": np.repeat(ids, steps), "ts": np.tile(ts, n)}
    for p, name in enumerate(("a", "b", "c")):
        frame[f"v_{name}_dv"] = (
            volts[p].ravel() if p < spec.phases else pd.array([None] * (n * steps), dtype="Int32")
        )
    return pd.DataFrame(frame)


def events_table(
    spec: SampleSpec, rng: np.random.Generator, ids: np.ndarray, t0: np.datetime64, days: int
) -> pd.DataFrame:
    """Events and alarms: 1.5 (B) or 3 (A) per meter-day, Zipf-like codes, 30 % with a payload."""
    rate = 3.0 if spec.group == "A" else 1.5
    codes = np.array([e.code for e in schema.event_catalogue()])
    weights = 1.0 / np.arange(1, codes.size + 1) ** 1.1
    weights /= weights.sum()
    counts = rng.poisson(rate * days, ids.size)
    total = int(counts.sum())
    secs = rng.integers(0, days * 86400, total)
    value = np.where(rng.random(total) < 0.3, np.round(rng.normal(127, 8, total), 1), np.nan)
    frame = pd.DataFrame(
        {
            "installation_id": np.repeat(ids, counts),
            "ts": t0 + secs.astype("timedelta64[s]"),
            "code": rng.choice(codes, total, p=weights),
            "value": value,
        }
    )
    return frame.drop_duplicates(["installation_id", "ts", "code"])


def _registers(
    spec: SampleSpec,
    rng: np.random.Generator,
    ids: np.ndarray,
    t0: np.datetime64,
    days: int,
    imp: np.ndarray,
    exp_: np.ndarray,
    q1: np.ndarray,
    q4: np.ndarray,
    per_day: int,
) -> pd.DataFrame:
    """Fiscal page: cumulative registers per posto read 1x (B) or 4x (A) a day, plus max demand."""
    reads = 4 if spec.group == "A" else 1
    block = per_day // reads
    n, steps = imp.shape
    nblocks = steps // block

    def blocksum(x: np.ndarray) -> np.ndarray:
        return np.asarray(x[:, : nblocks * block].reshape(n, nblocks, block).sum(axis=2))

    share = {"total": 1.0, "ponta": 0.14, "intermediario": 0.09, "fora_ponta": 0.77}
    iv_h = 24.0 / per_day
    parts = []
    read_ts = t0 + (np.arange(1, nblocks + 1) * block * int(iv_h * 60)).astype("timedelta64[m]")
    for code, series in (("003", imp), ("103", exp_), ("024", q1), ("027", q4)):
        sums = blocksum(series)
        start_val = rng.integers(0, 5_000_000, (n, 1)) if code == "003" else rng.integers(0, 50_000, (n, 1))
        for posto, frac in share.items():
            f = frac if posto == "total" else frac * rng.uniform(0.8, 1.2, (n, nblocks))
            cum = start_val * frac + np.cumsum(np.rint(sums * f), axis=1)
            parts.append((code, posto, cum.astype(np.int64)))
    peak = np.asarray(imp[:, : nblocks * block].reshape(n, nblocks, block).max(axis=2)) / iv_h
    for posto, frac in share.items():
        f = 1.0 if posto == "total" else rng.uniform(0.6, 1.0, (n, nblocks)) * min(1.0, 3 * frac)
        parts.append(("006", posto, np.rint(peak * f).astype(np.int64)))
    frames = [
        pd.DataFrame(
            {
                "installation_id": np.repeat(ids, nblocks),
                "ts": np.tile(read_ts, n),
                "register": code,
                "posto": posto,
                "value_wh": values.ravel(),
            }
        )
        for code, posto, values in parts
    ]
    return pd.concat(frames, ignore_index=True)
