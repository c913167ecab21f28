"""Builders for small real stores in tests: register rows, load-profile frames, lake partitions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from tools.data import schema
from tools.data.store import Store


def write_lake(home: Path, table: str, df: pd.DataFrame) -> None:
    """Write ``df`` as one Parquet file per month into ``<home>/lake/<table>/month=YYYY-MM/``."""
    months = pd.to_datetime(df["ts"]).dt.strftime("%Y-%m")
    for month, part in df.groupby(months):
        folder = home / "lake" / table / f"month={month}"
        folder.mkdir(parents=True, exist_ok=True)
        part.to_parquet(folder / "part-0000.parquet", index=False)


def with_load_profile_columns(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every canonical load-profile column, in order: absent channels NULL, quality 0."""
    out = df.copy()
    for c in schema.LOAD_PROFILE_COLUMNS:
        if c not in out:
            out[c] = 0 if c == "quality" else pd.array([None] * len(out), dtype="Int32")
    return out[list(schema.LOAD_PROFILE_COLUMNS)]


def insert_installations(store: Store, rows: Iterable[Mapping[str, object]]) -> None:
    """Insert register rows; a column a row leaves out is NULL."""
    for row in rows:
        cols = list(row)
        store.con.execute(
            f"INSERT INTO installations ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
            [row[c] for c in cols],
        )
