"""Voltage readings to indicators: classification, DRP/DRC per set of valid readings and the
PRODIST Modulo 8 compensation (pure)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from tools.domain.quality.rules import VoltageBand, VoltageRules
from tools.types import Step
from tools.units import d, money

ADEQUADA, PRECARIA, CRITICA, MISSING = 0, 1, 2, -1
PHASES = ("a", "b", "c")
_HUNDRED = Decimal(100)


def classify_dv(values_dv: Any, band: VoltageBand) -> np.ndarray:
    """Classify readings given in 0.1 V: 0 adequada, 1 precaria, 2 critica, -1 missing."""
    v = np.asarray(values_dv, dtype="float64")
    a_lo, a_hi, p_lo, p_hi = band.limits_dv()
    out = np.full(v.shape, CRITICA, dtype="int8")
    out[(v >= p_lo) & (v <= p_hi)] = PRECARIA
    out[(v >= a_lo) & (v <= a_hi)] = ADEQUADA
    out[np.isnan(v)] = MISSING
    return out


def classify_v(value_v: float | Decimal, band: VoltageBand) -> str:
    """Classify one reading in volts; returns ``adequada`` | ``precaria`` | ``critica``."""
    code = int(classify_dv([float(d(value_v) * 10)], band)[0])
    return ("adequada", "precaria", "critica")[code]


def interrupted_windows(
    ts: Sequence[Any] | pd.Series, interruptions: Sequence[tuple[Any, Any]], window_min: int = 10
) -> np.ndarray:
    """Boolean mask: True where the window ``[ts, ts + window)`` overlaps an interruption.

    ``interruptions`` are ``(start, end)`` pairs (power-down, power-up) of any duration.
    """
    t = pd.to_datetime(pd.Series(ts)).to_numpy(dtype="datetime64[ns]")
    mask = np.zeros(t.shape, dtype=bool)
    width = np.timedelta64(window_min, "m")
    for start, end in interruptions:
        s = np.datetime64(pd.Timestamp(start), "ns")
        e = np.datetime64(pd.Timestamp(end), "ns")
        mask |= (t < e) & (t + width > s)
    return mask


@dataclass(frozen=True, slots=True)
class PhaseCounts:
    phase: str
    n_readings: int
    n_precaria: int
    n_critica: int


@dataclass(frozen=True, slots=True)
class VoltageSet:
    """One set of (up to) 1.008 valid readings and its indicators."""

    start: dt.datetime
    end: dt.datetime  # start of the last window in the set
    n_valid: int
    complete: bool
    phases: tuple[PhaseCounts, ...]
    nlp: int
    nlc: int
    drp_pct: Decimal  # nlp / n x 100, n = 1008 when complete, else n_valid (indicative)
    drc_pct: Decimal
    drp_violated: bool
    drc_violated: bool


@dataclass(frozen=True, slots=True)
class VoltageIndicators:
    band: VoltageBand
    sets: tuple[VoltageSet, ...]
    n_windows: int  # readings fetched (period + completion)
    n_discarded_interruption: int
    n_discarded_missing: int
    steps: tuple[Step, ...] = field(default_factory=tuple)

    @property
    def worst(self) -> VoltageSet | None:
        if not self.sets:
            return None
        return max(self.sets, key=lambda s: (s.drp_violated or s.drc_violated, s.drc_pct, s.drp_pct))


def drp_drc(nlp: int, nlc: int, n: int = 1008) -> tuple[Decimal, Decimal]:
    """DRP and DRC [%] from the counts (exact Decimal, no rounding)."""
    return Decimal(nlp) * _HUNDRED / Decimal(n), Decimal(nlc) * _HUNDRED / Decimal(n)


def voltage_indicators(
    readings: pd.DataFrame,
    band: VoltageBand,
    rules: VoltageRules,
    *,
    interruptions: Sequence[tuple[Any, Any]] = (),
    period_end: dt.datetime | None = None,
    phases: Sequence[str] = PHASES,
) -> VoltageIndicators:
    """DRP/DRC per set of ``rules.set_size`` valid readings.

    Parameters
    ----------
    readings : DataFrame
        ``ts`` (window start) and ``v_a_dv``, ``v_b_dv``, ``v_c_dv`` [0.1 V]; missing phases
        may be absent or null. An optional boolean ``interrupted`` column marks windows the
        meter flagged as interrupted.
    band : VoltageBand
        Limits for the installation's tensao de referencia.
    interruptions : sequence of (start, end)
        Supply interruptions (power-down to power-up, any duration).
    period_end : datetime, optional
        Exclusive end of the requested period. Valid readings from ``period_end`` on are used
        only to complete the last set (PRODIST replaces expurgated readings); the number of
        sets is ``ceil(valid readings in the period / 1008)``.
    phases : sequence of str
        Phases to evaluate (``"a"``, ``"b"``, ``"c"``).

    Returns
    -------
    VoltageIndicators
    """
    df = readings.sort_values("ts").reset_index(drop=True)
    n_windows = len(df)
    cols = [f"v_{p}_dv" for p in phases if f"v_{p}_dv" in df.columns and df[f"v_{p}_dv"].notna().any()]
    vals = df[cols].astype("float64").to_numpy(copy=True) if cols else np.empty((n_windows, 0))
    missing = np.isnan(vals).all(axis=1) if cols else np.ones(n_windows, dtype=bool)
    # a phase below 0,1 pu is interrupted, not critica: drop that phase's reading; a window
    # with every phase interrupted is an interruption window
    vals[np.nan_to_num(vals, nan=np.inf) < float(rules.interruption_pu * band.nominal_v * 10)] = np.nan
    all_low = ~missing & np.isnan(vals).all(axis=1) if cols else np.zeros(n_windows, dtype=bool)
    interrupted = interrupted_windows(df["ts"], interruptions, rules.window_min) | all_low
    if "interrupted" in df.columns:
        interrupted |= df["interrupted"].fillna(False).astype(bool).to_numpy()
    keep = ~interrupted & ~missing
    valid = df.loc[keep].reset_index(drop=True)
    kept_vals = vals[keep]
    classes = {c: classify_dv(kept_vals[:, j], band) for j, c in enumerate(cols)}
    n_in_period = (
        int((valid["ts"] < pd.Timestamp(period_end)).sum()) if period_end is not None else len(valid)
    )
    size = rules.set_size
    n_sets = -(-n_in_period // size) if n_in_period else 0
    sets = []
    for k in range(n_sets):
        lo, hi = k * size, min((k + 1) * size, len(valid))
        per_phase = tuple(
            PhaseCounts(
                c[2],
                int((classes[c][lo:hi] != MISSING).sum()),
                int((classes[c][lo:hi] == PRECARIA).sum()),
                int((classes[c][lo:hi] == CRITICA).sum()),
            )
            for c in cols
        )
        nlp = max((p.n_precaria for p in per_phase), default=0)
        nlc = max((p.n_critica for p in per_phase), default=0)
        n = hi - lo
        complete = n == size
        drp, drc = drp_drc(nlp, nlc, size if complete else n)
        sets.append(
            VoltageSet(
                valid["ts"].iloc[lo].to_pydatetime(),
                valid["ts"].iloc[hi - 1].to_pydatetime(),
                n,
                complete,
                per_phase,
                nlp,
                nlc,
                drp,
                drc,
                drp > rules.drp_lim_pct,
                drc > rules.drc_lim_pct,
            )
        )
    return VoltageIndicators(
        band=band,
        sets=tuple(sets),
        n_windows=n_windows,
        n_discarded_interruption=int((interrupted & ~missing).sum()),
        n_discarded_missing=int(missing.sum()),
        steps=_indicator_steps(band, tuple(sets), rules, n_windows, int((interrupted & ~missing).sum())),
    )


def _indicator_steps(
    band: VoltageBand, sets: tuple[VoltageSet, ...], rules: VoltageRules, n_windows: int, n_interrupted: int
) -> tuple[Step, ...]:
    steps = [
        Step(
            "quality.step.band",
            {"nominal_v": band.nominal_v, "kind": band.kind, "level": band.level},
            "adequate_lo <= TL <= adequate_hi; precaria_lo <= TL < adequate_lo or adequate_hi < TL <= precaria_hi",
            {
                "adequate_lo": band.adequate_lo,
                "adequate_hi": band.adequate_hi,
                "precaria_lo": band.precaria_lo,
                "precaria_hi": band.precaria_hi,
            },
            "V",
            (band.ref,),
        ),
        Step(
            "quality.step.valid_readings",
            {"windows": n_windows, "discarded_interruption": n_interrupted},
            "valid = windows - overlapping interruptions - missing; sets of set_size valid readings",
            sum(s.n_valid for s in sets),
            "readings",
            (rules.limits_ref,),
        ),
    ]
    for i, s in enumerate(sets):
        n = rules.set_size if s.complete else s.n_valid
        steps.append(
            Step(
                "quality.step.drp",
                {"set": i, "nlp": s.nlp, "n": n, "per_phase": {p.phase: p.n_precaria for p in s.phases}},
                "DRP = nlp / n * 100",
                s.drp_pct,
                "%",
                (rules.limits_ref,),
            )
        )
        steps.append(
            Step(
                "quality.step.drc",
                {"set": i, "nlc": s.nlc, "n": n, "per_phase": {p.phase: p.n_critica for p in s.phases}},
                "DRC = nlc / n * 100",
                s.drc_pct,
                "%",
                (rules.limits_ref,),
            )
        )
    return tuple(steps)


@dataclass(frozen=True, slots=True)
class VoltageCompensation:
    amount_rs: Decimal  # rounded for the invoice line (REN 1.000 art. 657)
    raw_rs: Decimal  # unrounded
    k1: Decimal
    k2: Decimal
    eusd_rs: Decimal
    step: Step


def voltage_compensation(
    drp_pct: Decimal, drc_pct: Decimal, eusd_rs: Decimal, level: str, rules: VoltageRules
) -> VoltageCompensation:
    """PRODIST Modulo 8 compensation for DRP/DRC above the limits [R$].

    ``Valor = [(DRP - DRPlim)/100 x k1 + (DRC - DRClim)/100 x k2] x EUSD`` with k1 = 3 when
    DRP > DRPlim (else 0) and k2 = 7 (BT) / 5 (MT) / 3 (AT) when DRC > DRClim (else 0).
    """
    k1 = rules.k1 if drp_pct > rules.drp_lim_pct else Decimal(0)
    k2 = rules.k2[level] if drc_pct > rules.drc_lim_pct else Decimal(0)
    raw = (
        (drp_pct - rules.drp_lim_pct) / _HUNDRED * k1 + (drc_pct - rules.drc_lim_pct) / _HUNDRED * k2
    ) * eusd_rs
    step = Step(
        "quality.step.compensation",
        {
            "drp_pct": drp_pct,
            "drp_lim_pct": rules.drp_lim_pct,
            "k1": k1,
            "drc_pct": drc_pct,
            "drc_lim_pct": rules.drc_lim_pct,
            "k2": k2,
            "eusd_rs": eusd_rs,
            "level": level,
        },
        "((drp_pct - drp_lim_pct)/100 * k1 + (drc_pct - drc_lim_pct)/100 * k2) * eusd_rs",
        raw,
        "R$",
        (rules.compensation_ref,),
    )
    return VoltageCompensation(money(raw), raw, k1, k2, eusd_rs, step)

