"""Value cards, tables (column formats, translated headers) and their downloads (CSV, Parquet)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from assistant.i18n import t
from operator_ui.components.labels import (
    FRACTION_COLUMNS,
    HEADER_UNITS,
    fmt,
    headers,
    is_id_column,
    label,
    md,
    translated,
)
from tools.types import ToolResult


def metrics(items: Sequence[tuple[str, str]], columns: int = 4) -> None:
    """Value cards: ``(label, formatted value)``."""
    if not items:
        return
    cols = st.columns(min(columns, len(items)))
    for i, (lab, val) in enumerate(items):
        cols[i % len(cols)].metric(md(lab), val)


def result_metrics(result: ToolResult[Any], names: Sequence[str], columns: int = 4) -> None:
    metrics([(label(n), fmt(result, n)) for n in names], columns=columns)


def column_config(df: pd.DataFrame) -> dict[str, Any]:
    """pt-BR friendly cells: numbers in the browser's locale, fractions as %, dd/mm/yyyy dates."""
    cfg: dict[str, Any] = {}
    for col in df.columns:
        s = df[col]
        if is_id_column(str(col)):
            cfg[col] = st.column_config.TextColumn()
            continue
        if pd.api.types.is_bool_dtype(s):
            cfg[col] = st.column_config.CheckboxColumn(disabled=True)
            continue
        if pd.api.types.is_numeric_dtype(s):
            cfg[col] = st.column_config.NumberColumn(
                format="percent" if col in FRACTION_COLUMNS else "localized"
            )
        elif pd.api.types.is_datetime64_any_dtype(s):
            cfg[col] = st.column_config.DatetimeColumn(format="DD/MM/YYYY HH:mm")
        elif (
            s.notna().any()
            and s.dropna().map(lambda v: isinstance(v, dt.date) and not isinstance(v, dt.datetime)).all()
        ):
            cfg[col] = st.column_config.DateColumn(format="DD/MM/YYYY")
    return cfg


def table(
    df: pd.DataFrame,
    key: str,
    columns: Sequence[str] | None = None,
    download: str | None = None,
    units: Mapping[str, str] | None = None,
) -> None:
    """A labelled table (pt-BR headers, codes translated); ``download`` adds CSV/Parquet buttons."""
    if df.empty:
        st.caption(t("ui.empty"))
        return
    shown = df[[c for c in columns if c in df.columns]] if columns else df
    names = headers(list(shown.columns))
    for col, unit in (units or {}).items():
        if col in names and unit in HEADER_UNITS and f"({unit})" not in names[col]:
            names[col] = f"{names[col]} ({unit})"
    cfg = {names[c]: v for c, v in column_config(shown).items()}
    st.dataframe(translated(shown, names), width="stretch", hide_index=True, column_config=cfg)
    if download:
        downloads(shown, download, key)


def downloads(df: pd.DataFrame, name: str, key: str) -> None:
    """CSV and Parquet of exactly what the table shows (machine column names)."""
    c1, c2, _ = st.columns([1, 1, 1])
    c1.download_button(
        t("ui.download_csv"),
        df.to_csv(index=False).encode("utf-8"),
        f"{name}.csv",
        "text/csv",
        key=f"csv-{key}",
    )
    c2.download_button(
        t("ui.download_parquet"),
        to_parquet(df),
        f"{name}.parquet",
        "application/vnd.apache.parquet",
        key=f"pq-{key}",
    )


def to_parquet(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    try:
        df.to_parquet(buf, index=False)
    except Exception:  # mixed object columns: fall back to text
        buf = io.BytesIO()
        df.astype(str).to_parquet(buf, index=False)
    return buf.getvalue()

