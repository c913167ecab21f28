"""Crafted voltage weeks with a known DRP/DRC, for the voltage-quality tests.

PRODIST Modulo 8 bands for BT phase-neutral readings (regulation.md §4.2, verification.md §1a)::

    127 V: adequada 117-133, precaria 110 <= TL < 117 or 133 < TL <= 135, critica < 110 or > 135
    220 V: adequada 202-231, precaria 191 <= TL < 202 or 231 < TL <= 233, critica < 191 or > 233

``DRP = nlp / 1008 * 100`` and ``DRC = nlc / 1008 * 100`` where nlp/nlc are the largest, among
the phases, numbers of precaria/critica readings (regulation.md §4.3).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

#: nominal → (critica_low, precaria_low, adequada_low, adequada_high, precaria_high); a reading
#: is adequada in [adequada_low, adequada_high], precaria in [precaria_low, adequada_low) or
#: (adequada_high, precaria_high], critica otherwise.
BANDS: dict[int, tuple[float, float, float, float, float]] = {
    127: (110.0, 110.0, 117.0, 133.0, 135.0),
    220: (191.0, 191.0, 202.0, 231.0, 233.0),
}
#: Boundary readings that catch off-by-one comparisons (first used in each band).
_EDGES = {
    127: {"adequada": (117.0, 133.0), "precaria": (116.9, 110.0, 133.1, 135.0), "critica": (109.9, 135.1)},
    220: {"adequada": (202.0, 231.0), "precaria": (201.9, 191.0, 231.1, 233.0), "critica": (190.9, 233.1)},
}
READINGS_PER_WEEK = 1008

#: Named cases: (n_precaria, n_critica, interruption_windows) → expected DRP/DRC in docs/scenarios.md.
CRAFTED_CASES: dict[str, tuple[int, int, int]] = {
    "all_adequate": (0, 0, 0),
    "drp_at_limit": (30, 5, 0),  # DRP 2.976 %, DRC 0.496 %: no violation
    "drp_drc_violated": (31, 6, 0),  # DRP 3.075 %, DRC 0.595 %: both violated
    "regulation_example": (40, 7, 0),  # DRP 3.968 %, DRC 0.694 % (regulation.md §4.6)
    "with_interruptions": (20, 5, 4),  # 4 windows at 0 V to expurgate: DRP 1.984 %, DRC 0.496 %
}


def classify(v: np.ndarray, nominal_v: int) -> np.ndarray:
    """0 adequada, 1 precaria, 2 critica (readings of 0 V count as critica: expurgate first)."""
    crit_lo, prec_lo, ad_lo, ad_hi, prec_hi = BANDS[nominal_v]
    v = np.asarray(v, dtype=float)
    adequate = (v >= ad_lo) & (v <= ad_hi)
    precaria = ((v >= prec_lo) & (v < ad_lo)) | ((v > ad_hi) & (v <= prec_hi))
    return np.where(adequate, 0, np.where(precaria, 1, 2))


def _values(rng: np.random.Generator, nominal_v: int, band: str, n: int) -> np.ndarray:
    crit_lo, prec_lo, ad_lo, ad_hi, prec_hi = BANDS[nominal_v]
    edges = list(_EDGES[nominal_v][band])[:n]
    k = n - len(edges)
    if band == "adequada":
        rest = rng.uniform(ad_lo + 1.0, min(ad_hi - 1.0, nominal_v * 1.03), k)
    elif band == "precaria":
        rest = rng.uniform(prec_lo + 0.2, ad_lo - 0.2, k)  # under-voltage side (evening peak)
    else:
        rest = rng.uniform(crit_lo - 8.0, crit_lo - 0.3, k)
    return np.round(np.concatenate([np.array(edges), rest]), 1)


def crafted_voltage_week(
    installation_id: str,
    start: dt.datetime,
    nominal_v: int,
    n_precaria: int,
    n_critica: int,
    interruption_windows: int = 0,
    *,
    phases: int = 1,
    seed: int = 0,
) -> pd.DataFrame:
    """A week of 10-minute readings (long format: installation_id, ts, phase, voltage_v).

    Phase A holds exactly ``n_precaria`` precaria and ``n_critica`` critica readings among
    1,008 valid readings, mostly in the 18-21 h windows. ``interruption_windows`` extra
    windows (all phases at 0.0 V, supply interrupted) are interleaved, so the frame has
    ``1008 + interruption_windows`` timestamps and a tool must expurgate them to find
    ``DRP = n_precaria/1008*100`` and ``DRC = n_critica/1008*100``. With ``phases=3``, phases
    B and C carry fewer violations (n//2 each) so phase A sets nlp/nlc.
    """
    if nominal_v not in BANDS:
        raise ValueError(f"nominal_v must be one of {sorted(BANDS)}")
    if n_precaria < 0 or n_critica < 0 or n_precaria + n_critica > READINGS_PER_WEEK - 2:
        raise ValueError("n_precaria + n_critica must be between 0 and 1006")
    rng = np.random.default_rng([seed, nominal_v, n_precaria, n_critica, interruption_windows])
    total = READINGS_PER_WEEK + interruption_windows
    ts = pd.Timestamp(start).floor("10min") + pd.to_timedelta(np.arange(total) * 10, unit="min")
    interrupted = np.zeros(total, bool)
    if interruption_windows:
        interrupted[np.linspace(50, total - 50, interruption_windows).astype(int)] = True
    valid_pos = np.flatnonzero(~interrupted)
    frames = []
    for ph_k, phase in enumerate("ABC"[:phases]):
        n_p = n_precaria if ph_k == 0 else n_precaria // 2
        n_c = n_critica if ph_k == 0 else n_critica // 2
        hours = ts[valid_pos].hour
        evening = valid_pos[(hours >= 18) & (hours < 21)]
        other = valid_pos[~((hours >= 18) & (hours < 21))]
        order = np.concatenate([rng.permutation(evening), rng.permutation(other)])
        v = np.zeros(total)
        band_pos = {
            "critica": order[:n_c],
            "precaria": order[n_c : n_c + n_p],
            "adequada": order[n_c + n_p :],
        }
        for band, pos in band_pos.items():
            v[pos] = _values(rng, nominal_v, band, len(pos))
        frames.append(
            pd.DataFrame({"installation_id": installation_id, "ts": ts, "phase": phase, "voltage_v": v})
        )
    out = (
        pd.concat(frames, ignore_index=True)
        .sort_values(["ts", "phase"], kind="stable")
        .reset_index(drop=True)
    )
    return out
