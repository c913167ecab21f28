"""Every text an operator reads on a copilot page (AppTest), for the pt-BR text sweep.

Collected: titles, headers, captions, Markdown, metrics (label and value), alerts, badges, widget
labels and options, expander labels, table headers and text cells, chart titles (axis, legend
and tooltip titles of the Vega-Lite spec). Left out on purpose: ``st.code`` blocks (the SQL a
result ran and its parameters, shown to operators as code) and downloads.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pandas as pd
from streamlit.testing.v1 import AppTest

#: Markdown the pages write on purpose: "**bold**" labels (rendered, never shown raw) and escaped "$".
_MD_BOLD = "**"


def _clean(text: str) -> str:
    return str(text).replace(_MD_BOLD, "").replace("\\$", "$").replace("  \n", "\n")


def _chart_titles(spec: Any) -> Iterator[str]:
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key == "title" and isinstance(value, str):
                yield value
            elif key == "text" and isinstance(value, str) and "field" not in spec:
                yield value
            else:
                yield from _chart_titles(value)
    elif isinstance(spec, list):
        for item in spec:
            yield from _chart_titles(item)


def chart_specs(at: AppTest) -> list[dict[str, Any]]:
    """The Vega-Lite specs of the page's charts."""
    out = []
    for el in [*at.get("arrow_vega_lite_chart"), *at.get("vega_lite_chart")]:
        proto = getattr(el, "proto", None)
        spec = getattr(proto, "spec", "") if proto is not None else ""
        if spec:
            out.append(json.loads(spec))
    return out


def _frame_texts(df: pd.DataFrame) -> Iterator[str]:
    for col in df.columns:
        yield str(col)
        if df[col].dtype == object:
            yield from (str(v) for v in df[col].dropna().astype(str).unique()[:200])


def page_texts(at: AppTest) -> list[tuple[str, str]]:
    """(element kind, text) for everything the page shows in words."""
    out: list[tuple[str, str]] = []

    def add(kind: str, text: Any) -> None:
        if text is not None and str(text).strip():
            out.append((kind, _clean(str(text))))

    for kind in (
        "title",
        "header",
        "subheader",
        "caption",
        "markdown",
        "info",
        "warning",
        "error",
        "success",
    ):
        for el in getattr(at, kind):
            add(kind, el.value)
    for m in at.metric:
        add("metric label", m.label)
        add("metric value", m.value)
    for el in at.get("badge"):
        add("badge", getattr(el.proto, "label", ""))
    for kind in ("button", "toggle", "slider", "number_input", "text_input", "chat_input"):
        for el in getattr(at, kind):
            add(f"{kind} label", getattr(el, "label", None) or getattr(el, "placeholder", None))
    for kind in ("selectbox", "radio", "multiselect"):
        for el in getattr(at, kind):
            add(f"{kind} label", el.label)
            for opt in el.options:
                add(f"{kind} option", opt)
    for el in at.expander:
        add("expander", el.label)
    for el in at.dataframe:
        for text in _frame_texts(el.value):
            add("table", text)
    for spec in chart_specs(at):
        for text in _chart_titles(spec):
            add("chart", text)
    return out
