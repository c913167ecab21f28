"""Interval readings on a regular grid of the coarsest interval present (pure)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def _regular_grid_frame(df: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """:func:`regular_grid` with pandas (general path: empty frames, NaT stamps)."""
    step = int(df["interval_min"].max())
    g = (
        df.assign(slot=df["ts"].dt.floor(f"{step}min"))
        .groupby("slot")
        .agg(import_wh=("import_wh", "sum"), export_wh=("export_wh", "sum"), minutes=("interval_min", "sum"))
    )
    full = pd.date_range(g.index.min(), g.index.max(), freq=f"{step}min")
    g = g.reindex(full)
    g.index.name = "ts"
    g["power_w"] = g["import_wh"] * 60.0 / step
    g.loc[g["minutes"] < step, "power_w"] = np.nan  # partial slot
    return g.reset_index(), step


def regular_grid(df: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Readings on a regular grid of the coarsest interval present (missing = NaN power).

    Input: a :func:`~tools.domain.consumption.prepare`-d frame (integer ``import_wh``,
    ``export_wh``, ``interval_min``); the sums per slot are exact integers.
    """
    ts = df["ts"].to_numpy() if len(df) else None
    cols = (df["import_wh"], df["export_wh"], df["interval_min"]) if ts is not None else ()
    if (
        ts is None
        or ts.dtype.kind != "M"
        or bool(np.isnat(ts).any())
        or any(c.dtype.kind not in "iu" for c in cols)
    ):
        return _regular_grid_frame(df)
    step = int(df["interval_min"].max())
    if step <= 0:
        return _regular_grid_frame(df)
    unit = np.datetime_data(ts.dtype)[0]
    ticks = ts.view("int64")
    per_step = np.timedelta64(step, "m").astype(f"timedelta64[{unit}]").view("int64")
    slot = ticks - ticks % per_step  # floor to the step grid
    slots, inv = np.unique(slot, return_inverse=True)
    sums = []
    for c in cols:
        acc = np.zeros(len(slots), dtype=np.int64)
        np.add.at(acc, inv, c.to_numpy())
        sums.append(acc)
    pos = (slots - slots[0]) // per_step
    n = int(pos[-1]) + 1
    if n != len(slots):  # missing slots: NaN (float columns, as a reindex gives them)
        full = []
        for acc in sums:
            col = np.full(n, np.nan)
            col[pos] = acc
            full.append(col)
        sums = full
    imp, exp, minutes = sums
    power = imp * 60.0 / step
    power[minutes < step] = np.nan  # partial slot
    grid = pd.DataFrame(
        {
            "ts": (slots[0] + np.arange(n, dtype=np.int64) * per_step).view(ts.dtype),
            "import_wh": imp,
            "export_wh": exp,
            "minutes": minutes,
            "power_w": power,
        }
    )
    return grid, step

