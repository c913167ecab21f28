"""A whole result on a page: issues, value cards, tables with one chart, the trail and downloads."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from assistant.i18n import t
from assistant.render import fmt_value
from operator_ui.components.charts import (
    chart,
)
from operator_ui.components.labels import (
    label,
    md,
    money_words,
    record_fields,
    scalar_fields,
)
from operator_ui.components.tables import (
    downloads,
    metrics,
    table,
)
from operator_ui.components.trail import (
    issues,
    provenance,
    trail,
)
from tools.types import ToolResult

#: Preferred (label column, value column, chart kind) for a tool's list fields.
CHARTS: dict[tuple[str, str], tuple[str, str, str]] = {
    ("quality_ranking", "entities"): ("entity_id", "value", "bar"),
    ("compensation_exposure", "groups"): ("group_id", "amount_rs", "bar"),
    ("events_summary", "by_code"): ("key", "n_events", "bar"),
    ("events_summary", "by_group"): ("group_id", "n_events", "bar"),
    ("data_completeness", "by_group"): ("group_code", "completeness", "bar"),
    ("fleet_consumption", "rows"): ("key", "import_kwh", "bar"),
    ("fleet_consumption", "load_curve"): ("hour", "avg_kw", "line"),
    ("storage_cost", "scenarios"): ("name", "answer_brl_per_meter_month", "bar"),
    ("storage_cost", "sensitivity"): ("parameter", "swing_brl", "bar"),
    ("deadline_exposure", "groups"): ("request_type", "compensation_owed", "bar"),
    ("consumption_summary", "daily"): ("day", "kwh", "bar"),
    ("consumption_profile", "hourly"): ("hour", "mean_w", "line"),
}


def show_result(result: ToolResult[Any], key: str) -> None:
    """Everything about one result: issues, value cards, tables (+ chart), trail, SQL, sources, downloads."""
    provenance(result)
    issues(result)
    metrics([(label(n), money_words(v)) for n, v in scalar_fields(result)])
    tables = record_fields(result)
    if result.tool == "sql_query":
        tables = {"rows": pd.DataFrame([dict(r) for r in result.value.rows])}
    charted = False
    for name, df in tables.items():
        st.markdown(md(f"**{label(name)}**"))
        spec = CHARTS.get((result.tool, name))
        if not charted and len(df) > 1:
            x, y, kind = spec or _guess_chart(df)
            if x and y:
                value = result.value
                limit = getattr(value, "limit", None) if result.tool == "quality_ranking" else None
                unit = getattr(value, "unit", "") or ""
                chart(
                    df,
                    x,
                    y,
                    kind,
                    unit=result.units.get(y) or unit or None,
                    limit=float(limit) if limit is not None else None,
                    limit_label=f"{t('ui.limit')}: {fmt_value(limit, unit)}" if limit is not None else None,
                )
                charted = True
        table(df, f"{key}-{name}", download=f"{result.tool}_{name}", units=result.units)
    if not tables:
        downloads(pd.DataFrame([dict(scalar_fields(result, limit=100))]), result.tool, key)
    trail(result, key)


def _guess_chart(df: pd.DataFrame) -> tuple[str, str, str]:
    numeric = [
        c
        for c in df.columns
        if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
    ]
    texts = [
        c for c in df.columns if c not in numeric and df[c].map(lambda v: isinstance(v, str | dt.date)).all()
    ]
    if numeric and texts:
        return texts[0], numeric[0], "bar"
    return "", "", "bar"

