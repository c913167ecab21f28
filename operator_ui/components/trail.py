"""The working behind a result: issues, the trail of steps, the SQL, citations and provenance."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

from assistant.i18n import has, t
from assistant.operator_answers import operator_issue_text
from assistant.render import clean_source, fmt_value
from operator_ui.components.labels import (
    md,
    plain,
)
from tools.types import Step, ToolResult, TrailRef


def issues(result: ToolResult[Any]) -> None:
    seen: set[str] = set()
    for issue in result.issues:
        text = operator_issue_text(issue.code, dict(issue.data))
        if text in seen:
            continue
        seen.add(text)
        (st.error if issue.severity == "disqualifying" else st.warning)(text)


def _step_label(step: Step) -> str:
    if has(step.key):
        try:
            return t(step.key)
        except (KeyError, IndexError):
            pass
    return step.key.rsplit(".", 1)[-1].replace("_", " ")


#: what an internal note refers to, in words (ui.source_kind.<kind>); first match wins
_SOURCE_KINDS: tuple[tuple[str, str], ...] = (
    ("limits", r"limit"),
    ("fx", r"fx_brl|ptax|c[aâ]mbio|exchange"),
    ("fio_b", r"fio b|custo administrativo|inspec"),
    ("tariff", r"\btusd\b|\bREH\b|tarif"),
    ("postos", r"\bponta\b|intermedi"),
    ("cloud_prices", r"\bS3\b|EBS|\bMSK\b|m6i|egress|PUT|sa-east|us-east|azure|gcp|blob|bigquery|snowflake"),
    ("onprem_prices", r"ceph|minio|server|socket|FTE|kafka|redpanda|vcpu"),
    ("platform", r"orchestration|monitoring|storage-cost"),
    ("records", r"10-year|records"),
)


def source_words(source: str) -> str:
    """A source in plain words: the citable reference ("REN 1.000/2021, art. 440"), or what an
    internal note is about ("preços públicos dos provedores"), never the note itself."""
    cited = clean_source(source)
    if cited:
        return re.sub(r"\bpar\.\s*", "§ ", cited.replace(" and ", " e "))
    for kind, pattern in _SOURCE_KINDS:
        if re.search(pattern, source, re.IGNORECASE):
            return t(f"ui.source_kind.{kind}")
    return t("ui.source_kind.other")


def _ref_text(ref: TrailRef) -> str:
    words = source_words(ref.source)
    if ref.status == "confirmed":
        return words
    return f"{words} ({t(f'ui.status.{ref.status}') if has(f'ui.status.{ref.status}') else ref.status})"


def trail_frame(result: ToolResult[Any]) -> pd.DataFrame:
    rows = []
    for step in result.trail:
        out = step.output if not isinstance(step.output, Mapping | list | tuple) else None
        rows.append(
            {
                "step": _step_label(step),
                "output": fmt_value(out, step.unit) if out is not None else "",
                "refs": "; ".join(dict.fromkeys(_ref_text(r) for r in step.refs)),
            }
        )
    return pd.DataFrame(rows)


def sqls(result: ToolResult[Any]) -> list[str]:
    """Distinct SQL the result ran (trail steps first, then provenance queries that are SQL)."""
    found = [s.sql for s in result.trail if s.sql]
    found += [q for q in result.provenance.queries if q.lstrip().upper().startswith(("SELECT", "WITH", "--"))]
    return list(dict.fromkeys(found))


def trail(result: ToolResult[Any], key: str, expanded: bool = False) -> None:
    """The computation trail as a table, the SQL it ran, and the references it cites."""
    with st.expander(t("ui.trail"), expanded=expanded):
        df = trail_frame(result)
        if df.empty:
            st.caption(t("ui.empty"))
        else:
            st.dataframe(
                df.rename(columns=lambda c: t(f"ui.trail_col.{c}")), width="stretch", hide_index=True
            )
    queries = sqls(result)
    if queries:
        with st.expander(t("ui.sql_count", count=len(queries))):
            for i, sql in enumerate(queries):
                params = next((s.inputs for s in result.trail if s.sql == sql and s.inputs), None)
                st.code(sql.strip(), language="sql")
                if params:
                    st.caption(t("ui.sql_params"))
                    st.code(
                        "\n".join(f"{k} = {_short(v)}" for k, v in params.items()),
                        language=None,
                        wrap_lines=True,
                    )
                if i >= 7:
                    break
    citations(result)


def _short(v: Any) -> str:
    text = str(plain(v))
    return text if len(text) <= 80 else text[:77] + "..."


def citations(result: ToolResult[Any]) -> None:
    """Sources in plain words; a "valor de referência" badge when any value is not confirmed."""
    refs = list(result.citations) + [r for s in result.trail for r in s.refs]
    shown = list(dict.fromkeys(source_words(r.source) for r in refs))
    if not shown:
        return
    if any(r.status != "confirmed" for r in refs):
        st.badge(t("ui.reference_badge"), icon=":material/info:", color="orange")
    st.caption(md(t("ui.sources") + " " + "; ".join(shown)))


def provenance(result: ToolResult[Any]) -> None:
    p = result.provenance
    parts = []
    if p.period is not None:
        parts.append(t("ui.period_range", start=fmt_value(p.period.start), end=fmt_value(p.period.end)))
    if p.today is not None:
        parts.append(t("ui.data_today", today=fmt_value(p.today)))
    if parts:
        st.caption(" · ".join(parts))

