"""Render tool results: value cards, tables, charts, the trail, the SQL, issues, citations, downloads.

Presentation only: values come from typed :class:`ToolResult` objects and are formatted with
:mod:`assistant.render` / :mod:`assistant.i18n` (Brazilian formats); labels come from the
``ui.*`` catalogue. Nothing here computes a figure.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import pandas as pd
import streamlit as st

from assistant.i18n import has, t
from assistant.operator_answers import operator_issue_text
from assistant.render import clean_source, flat_fields, fmt_value
from tools.api.fleet.common import place_name
from tools.types import Step, ToolResult, TrailRef

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
_MAX_METRICS = 8
#: Columns whose values are catalogue codes, shown translated (downloads keep the codes).
CODE_LABELS: dict[str, str] = {
    "request_type": "deadlines.request_type",
    "family": "deadlines.family",
    "state": "deadlines.state",
    "meter_flag": "deadlines.meter_flag",
    "done_source": "deadlines.done_source",
    "deadline_unit": "deadlines.unit",
    "level": "ui.levels",
    "key": "ui.event",
    "top_code": "ui.event",
    "category": "ui.event_category",
    "kind": "ui.kinds",
    "day_type": "ui.day_type",
    "posto": "billing.posto",
    "parameter": "cost.param",
    "segment": "cost.segment",
    "infrastructure": "cost.infra",
    "type": "ui.order_type",
    "priority": "ui.priority",
    "basis": "ui.basis",
    "reason": "ui.interruption_reason",
    "period.label": "ui.periods",
}
#: Value fields that are not data for people (the reply's phrase keys): never shown as a table.
HIDDEN_RECORDS = frozenset({"answer"})


# ----------------------------------------------------------------------------- labels and values


def money_words(text: str) -> str:
    """ "-R$ 13,90" → "R$ 13,90 a menos" (a sign before money is easy to miss)."""
    m = re.fullmatch(r"-\s?(R\$\s?[\d.,]+)", text.strip())
    return t("ui.money_less", amount=m.group(1)) if m else text


def md(text: str) -> str:
    """Text for Streamlit Markdown: "$" kept literal (two R$ amounts would otherwise render as LaTeX)."""
    return str(text).replace("$", "\\$")


def label(name: str) -> str:
    """pt-BR label of a value field or column (``ui.field.<name>``), else the name spaced out."""
    leaf = name.rsplit(".", 1)[-1]
    for key in (name.replace(".", "_"), leaf):
        if has(f"ui.field.{key}"):
            return t(f"ui.field.{key}")
    return leaf.replace("_", " ")


def plain(value: Any) -> Any:
    """A table cell: Decimal → float, enums → value, lists of scalars → text; dates kept."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(str(plain(v)) for v in value)
    return value


def _flatten(prefix: str, obj: Any, out: dict[str, Any]) -> None:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        obj = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
    if isinstance(obj, Mapping):
        for k, v in obj.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, out)
        return
    if (
        isinstance(obj, list | tuple)
        and obj
        and (isinstance(obj[0], Mapping) or dataclasses.is_dataclass(obj[0]))
    ):
        out[prefix] = len(obj)  # nested records: count only
        return
    out[prefix] = plain(obj)


def code_label(prefix: str, value: Any) -> Any:
    """The catalogue label of a code (``ui.event.power_down`` → "queda de energia"), else the code."""
    if not isinstance(value, str):
        return value
    key = f"{prefix}.{value}" if prefix else value
    if has(key):
        try:
            return t(key)
        except (KeyError, IndexError):
            return value
    vendor = re.fullmatch(r"vendor_(?:event|alarm)_(\d+)", value)
    if vendor:  # a manufacturer code outside the standard table
        return t("ui.vendor_event", code=vendor.group(1))
    return value


def _cell_text(v: Any) -> Any:
    """A cell of a mixed column: numbers and months in pt-BR ("1,5", "11/2026"), empty for None."""
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return ""
    if isinstance(v, bool):
        return t("ui.yes") if v else t("ui.no")
    if isinstance(v, int | float | Decimal):
        return fmt_value(v)
    if isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}", v):
        return f"{v[5:]}/{v[:4]}"
    return v


def is_id_column(name: str) -> bool:
    """Identifiers (installation, transformer, request...) are text: never "40.010.023"."""
    leaf = name.rsplit(".", 1)[-1]
    return leaf in ID_COLUMNS or leaf.endswith("_id") or leaf == "id"


def translated(df: pd.DataFrame, names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """A display copy: coded columns translated, ids as text, empty cells blank, pt-BR headers."""
    out = df.copy()
    for col, prefix in CODE_LABELS.items():
        if col in out.columns:
            out[col] = out[col].map(lambda v, p=prefix: code_label(p, v))
    for col in out.columns:
        if str(col) in PLACE_COLUMNS:
            out[col] = out[col].map(lambda v: place_name(v) if isinstance(v, str) else v)
        if is_id_column(str(col)):
            out[col] = out[col].map(
                lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)
            )
        elif out[col].dtype == object:
            out[col] = out[col].map(_cell_text)
        elif pd.api.types.is_float_dtype(out[col]) and str(col) not in FRACTION_COLUMNS:
            out[col] = out[col].round(2)  # no "30,278" nor R$ with three decimals
    return out.rename(columns=dict(names) if names else headers(list(out.columns)))


def headers(columns: Sequence[str]) -> dict[str, str]:
    """pt-BR headers, unique (a repeated label gets the field name appended)."""
    names: dict[str, str] = {}
    used: set[str] = set()
    for col in columns:
        lab = label(col)
        names[col] = lab if lab not in used else f"{lab} ({col})"
        used.add(names[col])
    return names


def calendar_frame(df: pd.DataFrame, date_column: str) -> pd.DataFrame:
    """Rows per date (what falls due on each day), for a calendar chart."""
    counts = df.groupby(date_column).size().rename("n_requests").reset_index()
    counts[date_column] = counts[date_column].astype(str)
    return counts


def frame(items: Iterable[Any]) -> pd.DataFrame:
    """Records (dataclasses or mappings) as a DataFrame with one flat column per leaf field."""
    rows = []
    for item in items:
        row: dict[str, Any] = {}
        _flatten("", item, row)
        rows.append(row)
    df = pd.DataFrame(rows)
    # a nested record missing in some rows (``period=None``) leaves an empty stub beside its leaves
    stubs = [c for c in df.columns if any(str(o).startswith(f"{c}.") for o in df.columns) and df[c].isna().all()]
    return df.drop(columns=stubs)


def record_fields(result: ToolResult[Any]) -> dict[str, pd.DataFrame]:
    """Every list-of-records field of the result's value, as a DataFrame (in field order)."""
    value = result.value
    fields = (
        {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        if dataclasses.is_dataclass(value)
        else dict(value)
        if isinstance(value, Mapping)
        else {}
    )
    out: dict[str, pd.DataFrame] = {}
    for name, v in fields.items():
        if name in HIDDEN_RECORDS:
            continue
        if (
            isinstance(v, list | tuple)
            and v
            and (isinstance(v[0], Mapping) or dataclasses.is_dataclass(v[0]))
        ):
            out[name] = frame(v)
    return out


def scalar_fields(result: ToolResult[Any], limit: int = _MAX_METRICS) -> list[tuple[str, str]]:
    """(field, formatted value) for the value's headline scalars: numbers first, then short texts."""
    value = result.value
    if not dataclasses.is_dataclass(value):
        return []
    formatted = flat_fields(result)
    numbers, nested, texts = [], [], []
    for f in dataclasses.fields(value):
        v = getattr(value, f.name)
        if dataclasses.is_dataclass(v) and f.name != "period":
            for sub in dataclasses.fields(v):
                sv, name = getattr(v, sub.name), f"{f.name}_{sub.name}"
                if isinstance(sv, int | float | Decimal) and not isinstance(sv, bool) and name in formatted:
                    nested.append((name, formatted[name]))
            continue
        if isinstance(v, bool) or f.name not in formatted:
            continue
        if isinstance(v, int | float | Decimal):
            numbers.append((f.name, formatted[f.name]))
        elif isinstance(v, str) and 0 < len(v) <= 40 and f.name not in ("unit", "label"):
            shown = code_label(CODE_LABELS[f.name], v) if f.name in CODE_LABELS else formatted[f.name]
            texts.append((f.name, str(shown)))
    return (numbers + nested + texts)[:limit]


def fmt(result: ToolResult[Any], name: str) -> str:
    """One value field of ``result`` formatted for people (unit from the result); a negative amount
    of money reads "R$ 13,90 a menos"."""
    formatted = flat_fields(result)
    if name in formatted:
        return money_words(formatted[name])
    return fmt_value(getattr(result.value, name, None), result.units.get(name, ""))


# ----------------------------------------------------------------------------- building blocks


def metrics(items: Sequence[tuple[str, str]], columns: int = 4) -> None:
    """Value cards: ``(label, formatted value)``."""
    if not items:
        return
    cols = st.columns(min(columns, len(items)))
    for i, (lab, val) in enumerate(items):
        cols[i % len(cols)].metric(md(lab), val)


def result_metrics(result: ToolResult[Any], names: Sequence[str], columns: int = 4) -> None:
    metrics([(label(n), fmt(result, n)) for n in names], columns=columns)


#: Municipality columns shown as officially written (the register stores ASCII names).
PLACE_COLUMNS = frozenset({"region", "municipality"})
#: Identifier columns shown as text (no thousands separator).
ID_COLUMNS = frozenset({"installation_id", "request_id", "order_id", "entity_id", "group_id", "code", "id"})
#: Fraction columns (0..1) shown as percentages.
FRACTION_COLUMNS = frozenset({"completeness", "drop_share", "swing_pct", "pct", "share", "coverage"})
#: Units worth a header suffix.
HEADER_UNITS = frozenset({"%", "h", "R$", "kWh", "kW", "min", "V", "kWh/d", "W"})


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


#: Vega-Lite locale for pt-BR (d3-format / d3-time-format): 1.234,5 · R$ 1.234,56 · 12/10/2026 · out
PT_BR_LOCALE: dict[str, Any] = {
    "number": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["R$ ", ""]},
    "time": {
        "dateTime": "%A, %e de %B de %Y. %X",
        "date": "%d/%m/%Y",
        "time": "%H:%M:%S",
        "periods": ["AM", "PM"],
        "days": ["domingo", "segunda", "terça", "quarta", "quinta", "sexta", "sábado"],
        "shortDays": ["dom", "seg", "ter", "qua", "qui", "sex", "sáb"],
        "months": [
            "janeiro",
            "fevereiro",
            "março",
            "abril",
            "maio",
            "junho",
            "julho",
            "agosto",
            "setembro",
            "outubro",
            "novembro",
            "dezembro",
        ],
        "shortMonths": ["jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez"],
    },
}
#: d3 number formats per unit (read with PT_BR_LOCALE)
UNIT_FORMATS: dict[str, str] = {
    "R$": "$,.2f",
    "R$/medidor": "$,.4f",
    "%": ",.1f",
    "fraction": ".1%",
    "kWh": ",.1f",
    "h": ",.1f",
    "count": ",d",
}
DATE_FORMAT = "%d/%m/%Y"
SERIES_COLORS = ("#1f4e79", "#a9c4e0", "#e07b39", "#6b6b6b")


def _ticks(fmt: str) -> dict[str, Any]:
    """Counts get whole-number ticks (no "0, 0, 1, 1, 1" axis)."""
    return {"tickMinStep": 1} if fmt == ",d" else {}


def _number_format(column: str, unit: str | None) -> str:
    if column in FRACTION_COLUMNS:
        return ".1%"
    if unit and unit in UNIT_FORMATS:
        return UNIT_FORMATS[unit]
    if column.endswith(("_rs", "_brl")) or column in ("compensation", "compensation_owed", "amount_rs"):
        return "$,.2f"
    if column.startswith("n_") or column in ("n_events", "n_meters", "n_requests", "open", "due_soon"):
        return ",d"
    return ",.2~f"


def chart(
    df: pd.DataFrame,
    x: str,
    y: str | list[str],
    kind: str = "bar",
    color: str | None = None,
    unit: str | None = None,
    limit: float | None = None,
    limit_label: str | None = None,
    title: str | None = None,
) -> None:
    """Bar or line chart of ``y`` by ``x`` with pt-BR axes and tooltips (Vega-Lite locale and formats);
    ``limit`` draws the regulatory limit as a dashed line with its value."""
    import altair as alt

    ys = [y] if isinstance(y, str) else list(y)
    needed = [x, *ys, *([color] if color else [])]
    if df.empty or not all(c in df.columns for c in needed):
        return
    data = df[needed].copy()
    if x in CODE_LABELS:
        data[x] = data[x].map(lambda v: code_label(CODE_LABELS[x], v))
    if x in PLACE_COLUMNS:
        data[x] = data[x].map(lambda v: place_name(v) if isinstance(v, str) else v)
    monthly = bool(data[x].notna().any() and data[x].dropna().astype(str).str.fullmatch(r"\d{4}-\d{2}").all())
    temporal = (
        monthly
        or pd.api.types.is_datetime64_any_dtype(data[x])
        or (data[x].notna().any() and data[x].dropna().map(lambda v: isinstance(v, dt.date)).all())
    )
    date_format = "%b/%Y" if monthly else DATE_FORMAT
    if temporal:
        data[x] = pd.to_datetime(data[x])
    elif not pd.api.types.is_numeric_dtype(data[x]) or x.endswith("_id"):
        data[x] = data[x].astype(str)
    for c in ys:
        data[c] = pd.to_numeric(data[c], errors="coerce")
    names = headers(list(data.columns))
    fmt = _number_format(ys[0], unit)
    series = t("ui.chart_series")
    color_field: str | None
    if len(ys) > 1:  # one bar per y column, side by side (current vs previous)
        long = data.melt(id_vars=[x], value_vars=ys, var_name="_series", value_name="_value")
        long["_series"] = long["_series"].map(lambda c: names[c])
        data, yname, color_field = long.rename(columns={x: names[x]}), "_value", "_series"
        y_title = unit_title(ys[0], unit)
    else:
        data = data.rename(columns=names)
        yname, color_field = names[ys[0]], (names[color] if color else None)
        y_title = unit_title(ys[0], unit, names[ys[0]])
    xname = names[x]
    horizontal = (
        kind == "bar"
        and not temporal
        and len(ys) == 1
        and not color_field
        and limit is None
        and data[xname].astype(str).str.len().max() > 14
    )
    x_enc = (
        alt.X(f"{xname}:T", title=xname, axis=alt.Axis(format=date_format, labelAngle=0))
        if temporal
        else alt.X(
            f"{xname}:{'Q' if kind == 'line' and pd.api.types.is_numeric_dtype(data[xname]) else 'N'}",
            title=xname,
            sort=None,
            axis=alt.Axis(labelAngle=0, labelLimit=140, labelOverlap=True),
        )
    )
    tooltip = [
        alt.Tooltip(f"{xname}:T", title=xname, format=date_format)
        if temporal
        else alt.Tooltip(f"{xname}:N", title=xname),
        alt.Tooltip(f"{yname}:Q", title=y_title, format=fmt),
    ]
    enc: dict[str, Any] = {
        "x": x_enc,
        "y": alt.Y(f"{yname}:Q", title=y_title, axis=alt.Axis(format=fmt, **_ticks(fmt))),
        "tooltip": tooltip,
    }
    if color_field:
        if color_field == "_series":  # the current period darkest, the previous lighter
            scale = alt.Scale(domain=[names[c] for c in ys], range=list(SERIES_COLORS[: len(ys)]))
            enc["color"] = alt.Color(f"{color_field}:N", title=series, scale=scale)
        else:
            enc["color"] = alt.Color(f"{color_field}:N", title=color_field, legend=alt.Legend(labelLimit=320))
        enc["tooltip"] = [
            *tooltip,
            alt.Tooltip(f"{color_field}:N", title=series if color_field == "_series" else color_field),
        ]
        if kind == "bar":
            enc["xOffset"] = alt.XOffset(f"{color_field}:N")
    base = alt.Chart(data)
    if fmt == ".1%" and kind == "bar":  # 99 % vs 100 %: dots on a scale that does not start at zero
        enc["y"] = alt.Y(
            f"{yname}:Q",
            title=y_title,
            axis=alt.Axis(format=fmt, **_ticks(fmt)),
            scale=alt.Scale(zero=False),
        )
        layer = base.mark_point(filled=True, size=140)
    else:
        layer = base.mark_bar() if kind == "bar" else base.mark_line(point=True)
    if horizontal:  # long category names: read them on the left, bars to the right
        enc["x"], enc["y"] = (
            alt.X(f"{yname}:Q", title=y_title, axis=alt.Axis(format=fmt, **_ticks(fmt))),
            alt.Y(f"{xname}:N", title=None, sort=None, axis=alt.Axis(labelLimit=260)),
        )
    chart_ = layer.encode(**enc)
    if limit is not None:
        one = alt.Data(values=[{"_limit": float(limit), "_label": limit_label or t("ui.limit")}])  # inline
        rule = (
            alt.Chart(one)
            .mark_rule(color="#c62828", strokeDash=[6, 4], size=2)
            .encode(
                y=alt.Y("_limit:Q"),
                tooltip=[
                    alt.Tooltip("_label:N", title=t("ui.limit")),
                    alt.Tooltip("_limit:Q", title=t("ui.value"), format=fmt),
                ],
            )
        )
        text = (
            alt.Chart(one)
            .mark_text(align="right", dx=-4, dy=-6, color="#c62828", fontWeight="bold")
            .encode(y=alt.Y("_limit:Q"), x=alt.value("width"), text=alt.Text("_label:N"))
        )
        chart_ = alt.layer(chart_, rule, text)
    if title:
        chart_ = chart_.properties(title=title)
    chart_ = chart_.properties(height=320).configure(locale=PT_BR_LOCALE)
    st.altair_chart(chart_, width="stretch")


def unit_title(column: str, unit: str | None, name: str | None = None) -> str:
    """An axis title with its unit ("Compensação (R$)")."""
    base = name or label(column)
    shown = {"fraction": "%", "count": ""}.get(unit or "", unit or "")
    if not shown and (column.endswith("_rs") or column.endswith("_brl")):
        shown = "R$"
    if not shown and column.endswith("_kwh"):
        shown = "kWh"
    return f"{base} ({shown})" if shown and f"({shown})" not in base else base


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


# ----------------------------------------------------------------------------- whole result


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
