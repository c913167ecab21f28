"""Small server-side charts: SVG for the web chat, PNG for WhatsApp media. No CDN, no JS library.

Input is the chart data the assistant attaches to a reply: ``{"kind": "bar", "key": ...,
"data": [{label_field: ..., value_field: ...}, ...]}``. :func:`series` reads it into a
:class:`Series` (pt-BR labels, a value unit, a title); both renderers draw the same thing: a
title, a y-axis with pt-BR numbers and the unit, x labels (days as dd/mm, hours as 0h…23h,
months as out/26) and a pt-BR tooltip per bar.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import math
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from assistant.i18n import format_number, has, t

_BAR = "#0b6e4f"
_AXIS = "#444444"
_GRID = "#d9d9d9"
_MONTHS = ("jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez")

#: value fields, best first, with their unit
_VALUES: tuple[tuple[str, str], ...] = (
    ("kwh", "kWh"), ("total_kwh", "kWh"), ("value", ""), ("mean_w", "W"), ("weekday_w", "W"),
    ("rs", "R$"), ("amount_rs", "R$"),
)
_LABELS = ("day", "date", "hour", "month", "label", "name", "posto")


@dataclass(frozen=True)
class Series:
    title: str
    unit: str
    labels: list[str]  # short axis labels (dd/mm, 18h, out/26)
    long_labels: list[str]  # tooltip labels (25/11/2026, 18h às 19h, outubro de 2026)
    values: list[float]


def series(chart: dict[str, Any]) -> Series:
    data = [r for r in (chart.get("data") or []) if isinstance(r, dict)]
    key = str(chart.get("key", ""))
    title = str(chart.get("title") or (t(f"chart.{key}") if key and has(f"chart.{key}") else ""))
    if not data:
        return Series(title, "", [], [], [])
    first = data[0]
    value_key, unit = _value_field(first)
    if value_key is None:
        return Series(title, "", [], [], [])
    label_key = next((k for k in _LABELS if k in first), None)
    if label_key is None:
        label_key = next((k for k, v in first.items() if k != value_key and isinstance(v, str) and _num(v) is None), None)
    labels, long_labels = [], []
    for i, row in enumerate(data):
        short, long = _label(row.get(label_key) if label_key else i, label_key or "")
        labels.append(short)
        long_labels.append(long)
    values = [_num(r.get(value_key)) or 0.0 for r in data]
    if unit == "W" and label_key == "hour" and not chart.get("title") and has("chart.hourly_w"):
        title = t("chart.hourly_w")
    return Series(title, unit, labels, long_labels, values)


def drawable(chart: dict[str, Any]) -> bool:
    """Two bars or more: a single bar says nothing the sentence does not."""
    return len(series(chart).values) >= 2


def with_hour_of_day(charts: list[dict[str, Any]], results: list[Any], store: Any) -> list[dict[str, Any]]:
    """A one-day consumption ("ontem") is drawn by hour: that day's kWh in each hour (0h…23h), read
    through the profile tool under the same installation's scope. Other charts pass through."""
    out = []
    for chart in charts:
        data = chart.get("data") or []
        hourly = _day_by_hour(results, store) if chart.get("key") in ("daily", "daily_kwh", "by_day") and len(data) == 1 else None
        out.append(hourly or chart)
    return out


def _day_by_hour(results: list[Any], store: Any) -> dict[str, Any] | None:
    from tools.api import Scope, ToolContext, run_tool
    from tools.errors import ToolError

    for r in results:
        prov = getattr(r, "provenance", None)
        period = getattr(prov, "period", None)
        inst = getattr(prov, "installation_id", None)
        if getattr(r, "tool", "") != "consumption_summary" or period is None or inst is None or period.start != period.end:
            continue
        ctx = ToolContext(store=store, scope=Scope("integrator", frozenset({inst})))
        day = period.start.isoformat()
        try:
            profile = run_tool("consumption_profile", ctx, inst, {"period": {"start": day, "end": day}})
        except ToolError:
            return None
        hours = getattr(profile.value, "hourly", None) or []
        data = [{"hour": int(h.hour), "kwh": round(float(h.mean_w or 0) / 1000, 3)} for h in hours
                if getattr(h, "mean_w", None) is not None]
        if len(data) < 2:
            return None
        title = f"Consumo por hora em {period.start.strftime('%d/%m/%Y')} (kWh)"
        return {"kind": "bar", "key": "day_by_hour", "title": title, "data": data}
    return None


def _value_field(row: dict[str, Any]) -> tuple[str | None, str]:
    for name, unit in _VALUES:
        if name in row and _num(row[name]) is not None:
            return name, unit
    for k, v in row.items():
        if isinstance(v, bool) or _num(v) is None or k in _LABELS:
            continue
        unit = "kWh" if k.endswith("_kwh") else "R$" if k.endswith("_rs") else "W" if k.endswith("_w") else ""
        return k, unit
    return None, ""


def _num(v: Any) -> float | None:
    if v is None or isinstance(v, bool):
        return None
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _label(raw: Any, key: str) -> tuple[str, str]:
    text = "" if raw is None else str(raw)
    if key == "hour" or (isinstance(raw, int) and 0 <= raw <= 23 and key != "month"):
        h = int(float(text)) if _num(text) is not None else 0
        return f"{h}h", f"{h}h às {(h + 1) % 24}h"
    if len(text) >= 10 and text[4] == "-" and text[7] == "-":
        try:
            d = dt.date.fromisoformat(text[:10])
        except ValueError:
            return text[:8], text
        return d.strftime("%d/%m"), d.strftime("%d/%m/%Y")
    if len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit() and 1 <= int(text[5:]) <= 12:
        m = int(text[5:])
        return f"{_MONTHS[m - 1]}/{text[2:4]}", f"{_MONTHS[m - 1]}/{text[:4]}"
    return text[:8], text


def _fmt(value: float, unit: str, step: float | None = None) -> str:
    """pt-BR number with its unit; axis ticks get the decimals their step needs (2,5 → 1 decimal)."""
    if step is None:
        decimals = 0 if abs(value) >= 100 else 1
    else:
        decimals = next((d for d in (0, 1, 2, 3) if abs(step * 10**d - round(step * 10**d)) < 1e-9), 3)
    num = format_number(round(value, decimals), decimals)
    if unit == "R$":
        return f"R$ {num}"
    return f"{num} {unit}".strip()


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """0 and round steps (1, 2, 2,5, 5 × 10^k) up to at least ``top``."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    n = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(n + 1)]


def _x_ticks(n: int, max_labels: int) -> list[int]:
    if n <= max_labels:
        return list(range(n))
    every = math.ceil(n / max_labels)
    return list(range(0, n, every))


def _goal_amount(x: Any, unit: str) -> str:
    from assistant.i18n import format_brl, format_kwh

    v = _num(x)
    if v is None:
        return ""
    return format_brl(round(v, 2)) if unit == "brl" else format_kwh(round(v, 1))


def goal_svg(chart: dict[str, Any], width: int = 300) -> str:
    """The goal card of the web chat: what was spent, the projection and its range against the goal
    (a bar with the goal marked), the share of the cycle gone and what still fits per day."""
    unit = str(chart.get("unit") or "brl")
    goal, spent, proj = _num(chart.get("goal")), _num(chart.get("spent")), _num(chart.get("projected"))
    low, high = _num(chart.get("projected_low")), _num(chart.get("projected_high"))
    if goal is None or spent is None or proj is None or goal <= 0:
        return ""
    above = chart.get("status") in ("above", "already_over")
    top = max(goal, proj, high or 0.0) * 1.08
    x0, bar_w, bar_y, bar_h = 8.0, width - 16.0, 44.0, 22.0

    def x(v: float) -> float:
        return x0 + bar_w * min(max(v, 0.0), top) / top

    share = _num(chart.get("share_elapsed")) or 0.0
    color = "#b3261e" if above else _BAR
    f = {"goal": _goal_amount(goal, unit), "spent": _goal_amount(spent, unit), "projected": _goal_amount(proj, unit),
         "low": _goal_amount(low, unit), "high": _goal_amount(high, unit), "share": f"{round(share * 100):d}%",
         "budget": _goal_amount(chart.get("daily_budget"), unit), "remaining": str(chart.get("days_remaining") or 0)}
    title = t("chart.goal.title", **f)
    status = t("chart.goal.above" if above else "chart.goal.on_track", **f)
    lines = [t("chart.goal.spent", **f), t("chart.goal.projection", **f)]
    if low is not None and high is not None:
        lines.append(t("chart.goal.range", **f))
    if chart.get("daily_budget") is not None:
        lines.append(t("chart.goal.budget", **f))
    height = int(bar_y + bar_h + 26 + 18 * len(lines))
    e = html.escape
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-label="{e(title)}: '
        f'{e(status)}" width="100%" class="chart-svg goal-card">',
        f'<text x="{x0}" y="14" font-size="13" font-weight="700" fill="{_AXIS}">{e(title)}</text>',
        f'<text x="{x0}" y="32" font-size="12" font-weight="600" fill="{color}">{e(status)}</text>',
        f'<rect x="{x0}" y="{bar_y}" width="{bar_w:.1f}" height="{bar_h}" rx="6" fill="#e7ece8"/>',
    ]
    if low is not None and high is not None:  # the projection's range
        parts.append(f'<rect x="{x(low):.1f}" y="{bar_y + 6}" width="{max(x(high) - x(low), 1):.1f}" height="{bar_h - 12}" '
                     f'fill="{color}" opacity="0.25"><title>{e(t("chart.goal.range", **f))}</title></rect>')
    parts.append(f'<rect x="{x0}" y="{bar_y}" width="{max(x(spent) - x0, 1):.1f}" height="{bar_h}" rx="6" fill="{_BAR}">'
                 f'<title>{e(t("chart.goal.spent", **f))}</title></rect>')
    parts.append(f'<line x1="{x(proj):.1f}" y1="{bar_y - 3}" x2="{x(proj):.1f}" y2="{bar_y + bar_h + 3}" stroke="{color}" '
                 f'stroke-width="3" stroke-dasharray="4 2"/>')
    gx = x(goal)
    parts.append(f'<line x1="{gx:.1f}" y1="{bar_y - 6}" x2="{gx:.1f}" y2="{bar_y + bar_h + 6}" stroke="{_AXIS}" stroke-width="2"/>')
    anchor = "end" if gx > width - 60 else "middle"
    parts.append(f'<text x="{gx:.1f}" y="{bar_y + bar_h + 18}" font-size="11" text-anchor="{anchor}" fill="{_AXIS}">'
                 f'{e(t("chart.goal.goal_mark"))}</text>')
    y = bar_y + bar_h + 36
    for line in lines:
        parts.append(f'<text x="{x0}" y="{y:.0f}" font-size="12" fill="{_AXIS}">{e(line)}</text>')
        y += 18
    parts.append("</svg>")
    return "".join(parts)


def to_svg(chart: dict[str, Any], title: str = "", width: int = 300, height: int = 190) -> str:
    if chart.get("kind") == "goal":
        return goal_svg(chart, width)
    s = series(chart)
    if not s.values or len(s.values) < 2:  # one bar says nothing a sentence does not
        return ""
    title = title or s.title
    ticks = nice_ticks(max(s.values))
    top = ticks[-1]
    step = ticks[1] - ticks[0]
    tick_texts = [_fmt(v, s.unit, step) for v in ticks]
    pad_l = 8 + 6 * max(len(x) for x in tick_texts)
    pad_r, pad_t, pad_b = 6, 26, 20
    plot_w, plot_h = width - pad_l - pad_r, height - pad_t - pad_b
    n = len(s.values)
    bw = plot_w / n
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{html.escape(title)}" width="100%" class="chart-svg">',
        f'<text x="0" y="13" font-size="12.5" font-weight="600" fill="{_AXIS}">{html.escape(title)}</text>',
    ]
    for v, label in zip(ticks, tick_texts, strict=True):
        y = pad_t + plot_h * (1 - v / top)
        parts.append(f'<line x1="{pad_l}" y1="{y:.1f}" x2="{width - pad_r}" y2="{y:.1f}" stroke="{_GRID}" stroke-width="1"/>')
        parts.append(f'<text x="{pad_l - 4}" y="{y + 3.5:.1f}" font-size="10.5" text-anchor="end" fill="{_AXIS}">'
                     f"{html.escape(label)}</text>")
    for i, v in enumerate(s.values):
        h = plot_h * (v / top)
        x = pad_l + i * bw
        y = pad_t + plot_h - h
        tip = f"{s.long_labels[i]}: {_fmt(v, s.unit)}"
        parts.append(
            f'<rect x="{x + 0.5:.1f}" y="{y:.1f}" width="{max(bw - 1.5, 1):.1f}" height="{h:.1f}" fill="{_BAR}">'
            f"<title>{html.escape(tip)}</title></rect>"
        )
    for i in _x_ticks(n, 6 if n > 12 else 12):
        parts.append(
            f'<text x="{pad_l + i * bw + bw / 2:.1f}" y="{height - 5}" font-size="10.5" text-anchor="middle" '
            f'fill="{_AXIS}">{html.escape(s.labels[i])}</text>'
        )
    parts.append(f'<line x1="{pad_l}" y1="{pad_t + plot_h}" x2="{width - pad_r}" y2="{pad_t + plot_h}" stroke="{_AXIS}"/>')
    parts.append("</svg>")
    return "".join(parts)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"):
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def to_png(chart: dict[str, Any], width: int = 800, height: int = 440) -> bytes:
    """The same chart as :func:`to_svg`, as a PNG for WhatsApp (title, y-axis with unit, x labels)."""
    s = series(chart)
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    title_font, font = _font(26), _font(18)
    draw.text((20, 14), s.title, fill=_AXIS, font=title_font)
    if s.values:
        ticks = nice_ticks(max(s.values))
        top = ticks[-1]
        step = ticks[1] - ticks[0]
        tick_texts = [_fmt(v, s.unit, step) for v in ticks]
        pad_l = 24 + int(max(draw.textlength(x, font=font) for x in tick_texts))
        pad_r, pad_t, pad_b = 20, 64, 44
        plot_w, plot_h = width - pad_l - pad_r, height - pad_t - pad_b
        for v, label in zip(ticks, tick_texts, strict=True):
            y = pad_t + plot_h * (1 - v / top)
            draw.line([(pad_l, y), (width - pad_r, y)], fill=_GRID, width=1)
            draw.text((pad_l - 8, y), label, fill=_AXIS, font=font, anchor="rm")
        n = len(s.values)
        bw = plot_w / n
        for i, v in enumerate(s.values):
            h = plot_h * (v / top)
            x0 = pad_l + i * bw
            draw.rectangle([x0 + 1, pad_t + plot_h - h, x0 + max(bw - 2, 1), pad_t + plot_h], fill=_BAR)
        draw.line([(pad_l, pad_t + plot_h), (width - pad_r, pad_t + plot_h)], fill=_AXIS, width=2)
        for i in _x_ticks(n, 8 if n > 12 else 12):
            draw.text((pad_l + i * bw + bw / 2, height - pad_b + 10), s.labels[i], fill=_AXIS, font=font, anchor="mt")
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()
