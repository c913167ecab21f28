"""Render a ToolResult: figures, tables, chart, trail, SQL, issues, citations, downloads."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
import streamlit as st

from assistant.i18n import has, t
from assistant.render import flat_fields, issue_text, trail_text
from tools.types import ToolResult, to_jsonable


def tables_of(result: ToolResult[Any]) -> dict[str, pd.DataFrame]:
    """Every list-of-records field of the value as a DataFrame."""
    raw = to_jsonable(result.value)
    out: dict[str, pd.DataFrame] = {}
    if isinstance(raw, dict):
        for key, v in raw.items():
            if isinstance(v, list) and v and isinstance(v[0], dict):
                out[key] = pd.DataFrame(v)
    return out


def label(key: str) -> str:
    return t(f"ui.field.{key}") if has(f"ui.field.{key}") else key.replace("_", " ")


def show_result(result: ToolResult[Any], key: str) -> None:
    for issue in result.issues:
        (st.error if issue.severity == "disqualifying" else st.warning)(issue_text(issue.code, issue.data))
    fields = flat_fields(result)
    scalars = list(fields.items())[:8]
    if scalars:
        cols = st.columns(min(4, len(scalars)))
        for i, (k, v) in enumerate(scalars):
            cols[i % len(cols)].metric(label(k), v)
    tables = tables_of(result)
    for name, df in tables.items():
        st.markdown(f"**{label(name)}**")
        st.dataframe(df, use_container_width=True, hide_index=True)
        numeric = df.select_dtypes("number").columns
        if len(df) > 1 and len(numeric):
            st.bar_chart(df[[numeric[0]]].head(60))
    main = next(iter(tables.values()), pd.DataFrame([fields]))
    c1, c2 = st.columns(2)
    c1.download_button(t("ui.download_csv"), main.to_csv(index=False).encode("utf-8"), f"{result.tool}.csv",
                       "text/csv", key=f"csv-{key}")
    buf = io.BytesIO()
    main.astype(str).to_parquet(buf, index=False)
    c2.download_button(t("ui.download_parquet"), buf.getvalue(), f"{result.tool}.parquet",
                       "application/octet-stream", key=f"pq-{key}")
    with st.expander(t("ui.trail")):
        st.text(trail_text(result.trail))
    sqls = [s.sql for s in result.trail if s.sql] + list(result.provenance.queries)
    if sqls:
        with st.expander(t("ui.sql")):
            for sql in dict.fromkeys(sqls):
                st.code(sql, language="sql")
    refs = {r.source for s in result.trail for r in s.refs} | {c.source for c in result.citations}
    if refs:
        st.caption(t("ui.sources") + " " + "; ".join(sorted(refs)))
