"""pt-BR renderings of a cost estimate: a terminal summary and a self-contained HTML report.

Labels come from the catalogue (``assistant/messages/pt_BR/costs.toml``); numbers are only
formatted here, never computed (the estimate comes from :func:`tools.api.costs.estimate`).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from assistant.i18n import catalogue, format_brl, format_number, format_pct, t
from tools.types import Step, ToolResult

PRODUCTS = ("registers", "load_profile", "power_quality", "events", "alarms", "platform", "total")


def label(key: str, fallback: str = "") -> str:
    return catalogue().get(key) or fallback or key.rsplit(".", 1)[-1]


def small_brl(x: Decimal | float) -> str:
    """Fractions of a cent per meter: R$ 0,003107."""
    v = Decimal(str(x))
    return format_brl(v, 2 if abs(v) >= 1 else 6)


def small_usd(x: Decimal | float) -> str:
    v = Decimal(str(x))
    return "US$ " + format_number(v, 2 if abs(v) >= 1 else 6)


def usd(x: Decimal | float | None) -> str:
    return "—" if x is None else "US$ " + format_number(Decimal(str(x)), 2)


def unit_price(x: Decimal | None) -> str:
    return "—" if x is None else format_number(x, 6 if abs(x) < 1 else 2)


def coefficients_label(source: str) -> str:
    if source.startswith("calibrated"):
        return t(
            "cost.ui.coefficients_calibrated",
            date=source.removeprefix("calibrated").strip()[:16].replace("T", " "),
        )
    return t("cost.ui.coefficients_literature")


def issue_lines(result: ToolResult[Any]) -> list[str]:
    out = []
    for i in result.issues:
        data = {k: (", ".join(map(str, v)) if isinstance(v, list) else v) for k, v in i.data.items()}
        try:
            out.append(t(i.code, **data))
        except (KeyError, IndexError):
            out.append(i.code)
    return out


# ------------------------------------------------------------------------------ terminal


def text_summary(result: ToolResult[Any]) -> str:
    v = result.value
    lines = [t("cost.ui.title"), ""]
    lines.append(
        f"{t('cost.ui.answer')}: {small_brl(v.answer_brl_per_meter_month)} {t('cost.ui.per_meter_month')} "
        f"({small_usd(v.answer_usd_per_meter_month)}); {format_brl(v.answer_brl_per_1000_meters_month)} "
        f"{t('cost.ui.per_1000_meters_month')}; {t('cost.ui.total_month')}: {format_brl(v.answer_brl_month)} "
        f"({format_number(v.answer_meters, 0)} {t('cost.ui.meters').lower()})"
    )
    for sc in v.scenarios:
        lines += [
            "",
            f"{t('cost.ui.scenario')}: {sc.name} | {sc.provider} | {t('cost.ui.eval_month')} {sc.eval_month} | "
            f"{format_number(sc.meters, 0)} {t('cost.ui.meters').lower()} | {coefficients_label(sc.coefficients)} | "
            f"{t('cost.ui.total_month')} "
            f"{format_brl(sc.total_brl_month)} ({usd(sc.total_usd_month)})",
        ]
        lines.append(f"  {t('cost.ui.by_segment')} (R$):")
        head = f"  {'':<44}" + "".join(f"{label('cost.product.' + p)[:14]:>16}" for p in PRODUCTS)
        lines.append(head)
        for seg in sc.segments:
            row = f"  {label('cost.segment.' + seg.key)[:44]:<44}"
            row += "".join(f"{format_number(seg.brl_per_meter_month[p], 6):>16}" for p in PRODUCTS)
            lines.append(row)
        lines.append(f"  {t('cost.ui.lines')}:")
        for ln in sc.lines:
            kind = t("cost.ui.fixed") if ln.fixed else t("cost.ui.variable")
            lines.append(
                f"    {label('cost.line.' + ln.key)[:70]:<70} {format_brl(ln.brl_month):>14} {usd(ln.usd_month):>14}"
                f"  {kind}, {label('cost.status.' + ln.price_status)}"
            )
    if v.comparison:
        lines += ["", t("cost.ui.comparison") + ":"]
        for dlt in v.comparison:
            lines.append(
                f"  {dlt.name}: {small_brl(dlt.brl_per_meter_month)} {t('cost.ui.per_meter_month')}, "
                f"{format_brl(dlt.brl_month)} / mês ({format_pct(dlt.pct, 1)})"
            )
    if v.sensitivity:
        lines += ["", t("cost.ui.sensitivity") + ":"]
        for it in v.sensitivity[:6]:
            lines.append(
                f"  {label('cost.param.' + it.parameter)}: {it.low} -> {small_brl(it.brl_per_meter_month_low)}, "
                f"{it.high} -> {small_brl(it.brl_per_meter_month_high)} ({format_pct(it.swing_pct, 0)})"
            )
    warn = issue_lines(result)
    if warn:
        lines += ["", t("cost.ui.issues") + ":"] + [f"  - {w}" for w in warn]
    return "\n".join(lines)


# ------------------------------------------------------------------------------ HTML

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1200px;color:#1d2733;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:2px solid #e3e8ee;padding-bottom:.3rem}
table{border-collapse:collapse;width:100%;font-size:.85rem;margin:.5rem 0}
th,td{border:1px solid #dde3ea;padding:.3rem .45rem;text-align:right;vertical-align:top}
th{background:#f3f6f9}td.l,th.l{text-align:left}
.answer{background:#eef6ff;border:1px solid #b8d6ff;padding:1rem;border-radius:6px;font-size:1.05rem}
.bar{background:#4a88d8;height:.8rem;display:inline-block}.muted{color:#66727f;font-size:.85rem}
.ref{color:#9a5b00}.warn{color:#9a3b00}details{margin:.4rem 0}code{font-size:.8rem}
"""


def _e(x: Any) -> str:
    return html.escape(str(x))


def _table(head: Sequence[str], rows: Iterable[Sequence[Any]], left: int = 1) -> str:
    th = "".join(f'<th class="{"l" if i < left else ""}">{_e(h)}</th>' for i, h in enumerate(head))
    body = "".join(
        "<tr>" + "".join(f'<td class="{"l" if i < left else ""}">{c}</td>' for i, c in enumerate(r)) + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def _scenario_html(sc: Any) -> str:
    out = [
        f"<h2>{_e(t('cost.ui.scenario'))}: {_e(sc.name)}</h2>",
        f'<p class="muted">{_e(t("cost.ui.provider"))}: {_e(sc.provider)} ({_e(label("cost.infra." + sc.infrastructure))})'
        f" · {_e(t('cost.ui.eval_month'))}: {_e(sc.eval_month)} · {_e(t('cost.ui.meters'))}: "
        f"{_e(format_number(sc.meters, 0))} · {_e(t('cost.ui.coefficients'))}: {_e(coefficients_label(sc.coefficients))}</p>",
        f"<h3>{_e(t('cost.ui.by_segment'))} (R$)</h3>",
    ]
    head = [t("cost.ui.segment"), t("cost.ui.meters"), t("cost.ui.interval")] + [
        label("cost.product." + p) for p in PRODUCTS
    ]
    rows = [
        [_e(label("cost.segment." + s.key)), _e(format_number(s.meters, 0)), _e(s.interval_min)]
        + [_e(format_number(s.brl_per_meter_month[p], 6)) for p in PRODUCTS]
        for s in sc.segments
    ]
    out.append(_table(head, rows))
    out.append(f"<h3>{_e(t('cost.ui.kb_per_meter_month'))}</h3>")
    head = [t("cost.ui.segment")] + [label("cost.product." + p) for p in PRODUCTS[:5]]
    out.append(
        _table(
            head,
            [
                [_e(label("cost.segment." + s.key))]
                + [_e(format_number(s.kb_per_meter_month[p], 2)) for p in PRODUCTS[:5]]
                for s in sc.segments
            ],
        )
    )
    out.append(f"<h3>{_e(t('cost.ui.lines'))}</h3>")
    head = [
        t("cost.ui.line"),
        t("cost.ui.category"),
        "",
        t("cost.ui.quantity"),
        t("cost.ui.unit_price"),
        t("cost.ui.usd"),
        t("cost.ui.brl"),
        t("cost.ui.status"),
    ]
    rows = [
        [
            _e(label("cost.line." + ln.key)),
            _e(label("cost.category." + ln.category)),
            _e(t("cost.ui.fixed") if ln.fixed else t("cost.ui.variable")),
            _e(f"{format_number(ln.quantity, 2)} {ln.unit}"),
            _e(unit_price(ln.unit_price_usd)),
            _e(usd(ln.usd_month)),
            _e(format_brl(ln.brl_month)),
            f'<span class="{"ref" if ln.price_status != "confirmed" else ""}">{_e(label("cost.status." + ln.price_status))}'
            f'</span><br><span class="muted">{_e(ln.price_source)}</span>',
        ]
        for ln in sc.lines
    ]
    rows.append(
        [
            f"<b>{_e(t('cost.ui.total_month'))}</b>",
            "",
            "",
            "",
            "",
            f"<b>{_e(usd(sc.total_usd_month))}</b>",
            f"<b>{_e(format_brl(sc.total_brl_month))}</b>",
            "",
        ]
    )
    out.append(_table(head, rows, left=3))
    vol = sc.volumes
    out.append(f"<h3>{_e(t('cost.ui.volumes'))}</h3>")
    out.append(
        _table(
            ["", ""], [[_e(label("cost.volume." + k, k)), _e(format_number(v, 3))] for k, v in vol.items()]
        )
    )
    if sc.timeline:
        out.append(f"<h3>{_e(t('cost.ui.timeline'))}</h3>")
        out.append(
            _table(
                [
                    t("cost.ui.month"),
                    t("cost.ui.meters"),
                    t("cost.ui.archive_tb"),
                    t("cost.ui.usd"),
                    t("cost.ui.per_meter_month") + " (US$)",
                ],
                [
                    [
                        _e(p.month),
                        _e(format_number(p.meters, 0)),
                        _e(format_number(p.archive_tb, 3)),
                        _e(usd(p.usd_month)),
                        _e(format_number(p.usd_per_meter_month, 6)),
                    ]
                    for p in sc.timeline
                ],
            )
        )
        out.append(
            f"<p>{_e(t('cost.ui.horizon_total'))}: {_e(format_brl(sc.horizon_brl))} ({_e(usd(sc.horizon_usd))})</p>"
        )
    return "\n".join(out)


def _trail_html(steps: Sequence[Step]) -> str:
    rows = []
    for s in steps:
        refs = "; ".join(f"{r.source} [{r.status}]" for r in s.refs)
        rows.append(
            [
                _e(label(s.key)),
                f"<code>{_e(s.formula)}</code>",
                f"<code>{_e(s.output)}</code> {_e(s.unit)}",
                f'<span class="muted">{_e(refs)}</span>',
            ]
        )
    return _table(
        [t("cost.ui.line"), t("cost.ui.formula"), t("cost.ui.output"), t("cost.ui.source")], rows, left=4
    )


def render_html(result: ToolResult[Any], calibration: ToolResult[Any] | None, generated_at: str) -> str:
    v = result.value
    parts = [
        f'<!doctype html><html lang="pt-BR"><head><meta charset="utf-8"><title>{_e(t("cost.ui.title"))}</title>'
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{_e(t('cost.ui.title'))}</h1>",
        f'<p class="muted">{_e(t("cost.ui.generated_on"))} {_e(generated_at)} · {_e(t("cost.ui.fx"))}: '
        f"{_e(format_number(v.fx_brl_per_usd, 4))} R$/US$</p>",
        f'<div class="answer"><b>{_e(t("cost.ui.answer"))}:</b> {_e(small_brl(v.answer_brl_per_meter_month))} '
        f"{_e(t('cost.ui.per_meter_month'))} ({_e(small_usd(v.answer_usd_per_meter_month))}) · "
        f"{_e(format_brl(v.answer_brl_per_1000_meters_month))} {_e(t('cost.ui.per_1000_meters_month'))} · "
        f"{_e(t('cost.ui.total_month'))}: {_e(format_brl(v.answer_brl_month))} "
        f"({_e(format_number(v.answer_meters, 0))} {_e(t('cost.ui.meters').lower())})</div>",
    ]
    warn = issue_lines(result)
    if warn:
        parts.append(
            f"<h2>{_e(t('cost.ui.issues'))}</h2><ul>"
            + "".join(f'<li class="warn">{_e(w)}</li>' for w in warn)
            + "</ul>"
        )
    if len(v.scenarios) > 1:
        parts.append(f"<h2>{_e(t('cost.ui.scenarios'))}</h2>")
        deltas = {d.name: d for d in v.comparison}
        rows = []
        for sc in v.scenarios:
            dl = deltas.get(sc.name)
            rows.append(
                [
                    _e(sc.name),
                    _e(sc.provider),
                    _e(small_brl(sc.answer_brl_per_meter_month)),
                    _e(format_brl(sc.answer_brl_month)),
                    _e(f"{small_brl(dl.brl_per_meter_month)} ({format_pct(dl.pct, 1)})") if dl else "—",
                ]
            )
        parts.append(
            _table(
                [
                    t("cost.ui.scenario"),
                    t("cost.ui.provider"),
                    t("cost.ui.per_meter_month"),
                    t("cost.ui.total_month"),
                    t("cost.ui.difference"),
                ],
                rows,
                left=2,
            )
        )
    for sc in v.scenarios:
        parts.append(_scenario_html(sc))
    if v.sensitivity:
        top = max((i.swing_brl for i in v.sensitivity), default=Decimal(1)) or Decimal(1)
        parts.append(f"<h2>{_e(t('cost.ui.sensitivity'))}</h2>")
        rows = [
            [
                _e(label("cost.param." + i.parameter)),
                _e(i.base),
                _e(f"{i.low} → {small_brl(i.brl_per_meter_month_low)}"),
                _e(f"{i.high} → {small_brl(i.brl_per_meter_month_high)}"),
                _e(format_pct(i.swing_pct, 1)),
                f'<span class="bar" style="width:{int(200 * i.swing_brl / top)}px"></span>',
            ]
            for i in v.sensitivity
        ]
        parts.append(
            _table(
                [t("cost.ui.parameter"), "base", t("cost.ui.low"), t("cost.ui.high"), t("cost.ui.swing"), ""],
                rows,
            )
        )
    parts.append(f"<h2>{_e(t('cost.ui.calibration'))}</h2>")
    if calibration is None:
        parts.append(f"<p>{_e(t('cost.ui.no_calibration'))}</p>")
    else:
        cv = calibration.value
        parts.append(
            f'<p class="muted">{_e(cv.path)} · {_e(cv.created)} · {_e(cv.source.get("kind", ""))}</p>'
        )
        parts.append(
            _table(
                [
                    t("cost.ui.segment"),
                    t("cost.ui.interval"),
                    t("cost.ui.item"),
                    t("cost.ui.calibrated"),
                    t("cost.ui.literature"),
                ],
                [
                    [
                        _e(label("cost.segment." + r.segment)),
                        _e(r.interval_min),
                        _e(label("cost.product." + r.item, r.item)),
                        _e(format_number(r.calibrated, 3)),
                        _e(format_number(r.literature, 3)),
                    ]
                    for r in cv.rows
                ],
                left=3,
            )
        )
    parts.append(
        f"<h2>{_e(t('cost.ui.trail'))}</h2><details><summary>{_e(len(result.trail))}</summary>"
        f"{_trail_html(result.trail)}</details>"
    )
    parts.append("</body></html>")
    return "\n".join(parts)
