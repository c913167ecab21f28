"""The "Como calculei" detail: the computation in plain pt-BR steps with units.

Each step is its catalogue label (``Step.key``) and its output formatted with its unit; formulas,
SQL and field names never reach people. After the steps come the notes kept out of the reply
(reference values, method caveats) and the sources, in plain words.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from assistant.i18n import catalogue, format_brl, format_number, format_pct, has, t
from assistant.render import citations_of, fmt_value, issue_text
from tools.types import Step, ToolResult

MAX_DETAIL_STEPS = 14

# unit of a step output → how it reads ("{n} leituras", "R$ 0,73945 por kWh")
_COUNT_UNITS = {
    "readings": "answer.unit.readings",
    "interruptions": "answer.count.interruption",
    "events": "answer.unit.events",
    "rows": "answer.unit.rows",
    "meters": "answer.unit.meters",
    "installations": "answer.unit.installations",
    "d": "answer.count.day",
    "days": "answer.count.day",
}


def as_decimal(x: Any) -> Decimal | None:
    """A number from a tool result as a Decimal (None for missing, booleans and non-numbers)."""
    if x is None or isinstance(x, bool):
        return None
    try:
        return Decimal(str(x))
    except InvalidOperation:
        return None


def step_value(output: Any, unit: str) -> str:
    """A step's output in pt-BR with its unit ("" when it is not a single figure)."""
    if output is None or isinstance(output, dict | list | tuple):
        return ""
    if isinstance(output, bool):
        return t("answer.unit.yes") if output else t("answer.unit.no")
    u = (unit or "").strip()
    d = as_decimal(output)
    if d is None:
        return "" if isinstance(output, str) and "_" in output else fmt_value(output, u)
    key = _COUNT_UNITS.get(u)
    if key:
        n = int(d.to_integral_value())
        return t(key, count=format_number(n, 0)) if n != 1 else t(key, count=1)
    if u in ("R$/kWh", "BRL/kWh", "R$/unit before taxes"):
        return t("answer.unit.per_kwh", value=format_brl(d, 5 if abs(d) < 1 else 2))
    if u in ("kWh/day", "kWh/dia"):
        return t("answer.unit.kwh_day", value=format_number(d, 2))
    if u in ("kWh/month",):
        return t("answer.unit.kwh_month", value=format_number(d, 1))
    if u in ("BRL/month",):
        return t("answer.unit.brl_month", value=format_brl(d))
    if u == "factor":
        return format_number(d, 4)
    if u in ("fraction", "ratio", "share"):
        text = format_pct(abs(d), 2 if abs(d) < Decimal("0.1") else 1)
        return t("answer.unit.brl_negative", value=text) if d < 0 else text
    if u in ("BRL", "R$", "R$ (with taxes)"):
        return t("answer.unit.brl_negative", value=format_brl(-d)) if d < 0 else format_brl(d)
    if u == "W":
        return f"{format_number(d, 0)} W"
    if u == "kW":
        return f"{format_number(d, 1)} kW"
    if u == "V":
        return f"{format_number(d, 1)} V"
    if u in ("", "count"):
        return format_number(d, 0 if d == d.to_integral_value() else 2)
    return fmt_value(d, u)


def step_label(step: Step) -> str | None:
    """The step's catalogue label; None when the catalogue has no plain label for it."""
    if not has(step.key):
        return None
    template = catalogue().get(step.key) or catalogue().get(f"{step.key}.text") or ""
    if "{" not in template:
        return t(step.key)
    try:
        return t(step.key, **{k: fmt_value(v) for k, v in step.inputs.items()})
    except (KeyError, IndexError, ValueError):
        return None


def trail_lines(trail: tuple[Step, ...]) -> list[str]:
    lines: list[str] = []
    seen: set[str] = set()
    for step in trail:
        label = step_label(step)
        if label is None:
            continue
        value = step_value(step.output, step.unit)
        line = f"• {label}" + (f": {value}" if value else "")
        if line in seen:
            continue
        seen.add(line)
        lines.append(line)
    if len(lines) > MAX_DETAIL_STEPS:
        extra = len(lines) - MAX_DETAIL_STEPS
        lines = lines[:MAX_DETAIL_STEPS] + [f"• {t('answer.count.step', count=extra)}"]
    return lines


def _uses_reference_values(result: ToolResult[Any]) -> bool:
    refs = [ref for step in result.trail for ref in step.refs] + list(result.citations)
    return any(ref.status in ("unconfirmed", "reference") for ref in refs)


def notes(results: list[ToolResult[Any]]) -> list[str]:
    """Warnings and the reference-value note, in plain words (deduplicated)."""
    out: list[str] = []
    for r in results:
        for issue in r.issues:
            if issue.severity == "warning" and has(issue.code):
                text = issue_text(issue.code, issue.data)
                if text not in out:
                    out.append(text)
    if any(_uses_reference_values(r) for r in results):
        out.append(t("chat.reference_value"))
    return out


def detail_text(results: list[ToolResult[Any]]) -> str:
    """ "Como calculei:" steps, then notes, then sources ("" when no result has a trail)."""
    steps = [line for r in results for line in trail_lines(r.trail)]
    if not steps:
        return ""
    parts = [t("chat.detail_header"), *steps]
    extra = notes(results)
    if extra:
        parts += ["", t("answer.detail.notes"), *[f"• {x}" for x in extra]]
    sources = sorted({c["source"] for c in citations_of(results)})
    if sources:
        parts += ["", t("chat.sources_header") + " " + "; ".join(sources[:4]) + "."]
    return "\n".join(parts)
