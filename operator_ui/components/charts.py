"""Charts in pt-BR formats (Vega-Lite locale, number formats per unit, a limit line)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from assistant.i18n import t
from operator_ui.components.labels import (
    CODE_LABELS,
    FRACTION_COLUMNS,
    PLACE_COLUMNS,
    code_label,
    headers,
    label,
)
from tools.api.fleet.common import place_name

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

