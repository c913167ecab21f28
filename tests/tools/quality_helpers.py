"""Builders for hand-worked voltage weeks and installation rows (shared by the quality tests)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from tests.lake import insert_installations, with_load_profile_columns, write_lake
from tools.data.store import Store

WEEK_START = dt.datetime(2026, 11, 16)  # a Monday
STEP = dt.timedelta(minutes=10)


def crafted_week(
    start: dt.datetime = WEEK_START,
    n: int = 1008,
    counts: dict[str, tuple[int, int]] | None = None,
    adequate_dv: int = 1270,
    precaria_dv: int = 1150,
    critica_dv: int = 1050,
) -> pd.DataFrame:
    """``n`` 10-minute readings; per phase ``(n_precaria, n_critica)`` placed at known positions.

    Precaria readings take positions 0, 7, 14...; critica readings positions 3, 10, 17...
    (never the same window), so the counts are exact whatever the phase.
    """
    counts = counts or {"a": (0, 0), "b": (0, 0), "c": (0, 0)}
    ts = [start + i * STEP for i in range(n)]
    out = {"ts": ts}
    for ph in ("a", "b", "c"):
        v = np.full(n, adequate_dv, dtype="float64")
        if ph in counts:
            n_p, n_c = counts[ph]
            v[[7 * k for k in range(n_p)]] = precaria_dv
            v[[7 * k + 3 for k in range(n_c)]] = critica_dv
        else:
            v[:] = np.nan
        out[f"v_{ph}_dv"] = v
    return pd.DataFrame(out)


def installation_row(installation_id: str, **kw: object) -> dict[str, object]:
    row: dict[str, object] = {
        "installation_id": installation_id,
        "meter_id": "M" + installation_id,
        "customer_key": "C" + installation_id,
        "group_code": "B",
        "subgroup": "B1",
        "customer_class": "residencial",
        "subclass": "residencial",
        "phases": 3,
        "nominal_voltage_v": 127,
        "tariff_modality": "convencional",
        "gd_kind": "none",
        "gd_kwp": 0.0,
        "gd_class": "none",
        "gd_since": None,
        "distributor": "CPFL_PAULISTA",
        "municipality": "Campinas",
        "area": "urbana",
        "conjunto_id": "CJ-TEST",
        "feeder_id": "AL-01",
        "transformer_id": "TR-01",
        "cycle_day": 10,
        "interval_min": 15,
        "contracted_demand_kw": None,
        "connected_since": dt.date(2020, 1, 1),
    }
    row.update(kw)
    return row


def load_profile_frame(
    installation_id: str, start: str, end: str, import_wh: int, freq_min: int = 15
) -> pd.DataFrame:
    """A flat load profile with every canonical column (nulls where unused)."""
    lp = pd.DataFrame(
        {
            "installation_id": installation_id,
            "ts": pd.date_range(start, end, freq=f"{freq_min}min"),
            "interval_min": freq_min,
            "import_wh": import_wh,
        }
    )
    return with_load_profile_columns(lp)


@contextmanager
def small_store(
    home: Path, rows: list[dict[str, object]], tables: Mapping[str, pd.DataFrame]
) -> Iterator[Store]:
    """A real store at ``home``: register ``rows`` and lake ``tables`` ({table: frame}), views fresh."""
    store = Store(home)
    try:
        insert_installations(store, rows)
        for table, frame in tables.items():
            write_lake(home, table, frame)
        store.refresh_views()
        yield store
    finally:
        store.close()
