"""Small server-side charts: SVG for the web chat, PNG for WhatsApp media. No CDN, no JS library.

Input is the chart data the assistant attaches to a reply: ``{"kind": "bar", "key": ...,
"data": [{label_field: ..., value_field: ...}, ...]}``. Labels and values are picked from the
first text-like and first numeric field of the records.
"""

from __future__ import annotations

import html
import io
from typing import Any

from PIL import Image, ImageDraw

_BAR = "#0b6e4f"
_AXIS = "#444444"


def series(chart: dict[str, Any]) -> tuple[list[str], list[float]]:
    data = chart.get("data") or []
    if not data:
        return [], []
    first = data[0]
    label_key = next((k for k, v in first.items() if isinstance(v, str) and _num(v) is None), None)
    numeric = [k for k, v in first.items() if k != label_key and not isinstance(v, bool) and _num(v) is not None]
    # prefer an energy/money field ("kwh", "rs") over coverage shares and counts
    value_key = next((k for k in numeric if k in ("kwh", "value", "rs") or k.endswith(("_kwh", "_rs"))), None)
    value_key = value_key or (numeric[0] if numeric else None)
    if value_key is None:
        return [], []
    labels = [str(r.get(label_key, i)) if label_key else str(i) for i, r in enumerate(data)]
    values = [_num(r.get(value_key)) or 0.0 for r in data]
    return [_short(x) for x in labels], values


def _num(v: Any) -> float | None:
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _short(label: str) -> str:
    if len(label) >= 10 and label[4] == "-" and label[7] == "-":  # ISO date → dd/mm
        return f"{label[8:10]}/{label[5:7]}"
    return label[:8]


def to_svg(chart: dict[str, Any], title: str = "", width: int = 320, height: int = 160) -> str:
    labels, values = series(chart)
    if not values:
        return ""
    top = max(values) or 1.0
    n = len(values)
    pad_l, pad_b, pad_t = 8, 18, 18
    bw = (width - pad_l * 2) / n
    bars = []
    for i, (lab, v) in enumerate(zip(labels, values, strict=True)):
        h = (height - pad_b - pad_t) * (v / top)
        x = pad_l + i * bw
        y = height - pad_b - h
        bars.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(bw - 1, 1):.1f}" height="{h:.1f}" fill="{_BAR}">'
            f"<title>{html.escape(lab)}: {v:.1f}</title></rect>"
        )
    ticks = [0, n // 2, n - 1] if n > 2 else list(range(n))
    texts = [
        f'<text x="{pad_l + i * bw + bw / 2:.1f}" y="{height - 4}" font-size="10" text-anchor="middle" fill="{_AXIS}">'
        f"{html.escape(labels[i])}</text>"
        for i in sorted(set(ticks))
    ]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{html.escape(title)}" width="100%">'
        f'<text x="{pad_l}" y="12" font-size="11" fill="{_AXIS}">{html.escape(title)}</text>'
        + "".join(bars)
        + "".join(texts)
        + "</svg>"
    )


def to_png(chart: dict[str, Any], width: int = 640, height: int = 320) -> bytes:
    labels, values = series(chart)
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    if values:
        top = max(values) or 1.0
        n = len(values)
        bw = (width - 40) / n
        for i, v in enumerate(values):
            h = (height - 50) * (v / top)
            x0 = 20 + i * bw
            draw.rectangle([x0, height - 30 - h, x0 + max(bw - 2, 1), height - 30], fill=_BAR)
        for i in sorted({0, n // 2, n - 1}):
            draw.text((20 + i * bw, height - 25), labels[i], fill=_AXIS)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()
