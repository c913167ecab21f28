"""ToolResult → pt-BR reply, "como calculei" detail, citations and chart data.

Numbers are formatted here (Brazilian formats) from tool results; nothing is computed.
Per-tool reply templates live in the catalogue under ``reply.<tool>``; each template's
placeholders are the result's value fields, formatted by their unit. A tool may have several
variants (``reply.<tool>.<variant>``) chosen by :data:`_VARIANTS`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import string
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from assistant.i18n import (
    catalogue,
    format_brl,
    format_date,
    format_kwh,
    format_month,
    format_number,
    format_pct,
    has,
    t,
    upper_first,
)
from tools.api.calendar import LOCAL_TZ, add_months
from tools.types import Step, ToolResult, to_jsonable


# ------------------------------------------------------------------ value formatting
def fmt_value(value: Any, unit: str = "") -> str:
    """Format one figure for people, by unit."""
    if value is None:
        return "—"
    if unit == "id":
        return str(value)
    if isinstance(value, bool):
        return "sim" if value else "não"
    if isinstance(value, dt.datetime):  # an instant with its offset is shown in local time
        return (value.astimezone(LOCAL_TZ) if value.tzinfo is not None else value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, str):
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return format_date(value)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?", value):
            return fmt_value(dt.datetime.fromisoformat(value))
        if re.fullmatch(r"\d{4}-\d{2}", value) and unit == "month":
            return format_month(value)
        try:
            value = Decimal(value) if re.fullmatch(r"-?\d+(\.\d+)?", value) else value
        except ArithmeticError:
            return value
        if isinstance(value, str):
            return value
    u = unit.lower()
    if isinstance(value, int | float | Decimal):
        if u in ("r$", "brl", "rs"):
            return format_brl(Decimal(str(value)))
        if u in ("usd", "us$"):
            return "US$ " + format_number(value, 2)
        if u == "kwh":
            return format_kwh(value, 1)
        if u in (
            "mwh",
            "gwh",
            "kw",
            "kvar",
            "kvarh",
            "v",
            "a",
            "gb",
            "tb",
            "bytes",
            "h",
            "min",
            "days",
            "wh",
        ):
            label = {"h": "h", "min": "min", "days": "dias", "bytes": "bytes"}.get(u, unit)
            decimals = 0 if u in ("bytes", "days") else (2 if u in ("gb", "tb") else 1)
            return f"{format_number(value, decimals)} {label}"
        if u in ("fraction", "ratio", "share"):
            return format_pct(value, 1)
        if u in ("%", "pct", "percent"):
            return format_pct(Decimal(str(value)) / 100, 1)
        if isinstance(value, int):
            return format_number(value, 0)
        dec = Decimal(str(value))
        return format_number(dec, 0 if dec == dec.to_integral_value() else 2)
    return str(value)


class _Fields(Mapping[str, str]):
    """Value fields formatted on first access (a template needs a handful of the dozens a result has)."""

    def __init__(self, raw: dict[str, tuple[Any, str]]) -> None:
        self._raw = raw
        self._done: dict[str, str] = {}

    def __getitem__(self, key: str) -> str:
        if key not in self._done:
            value, unit = self._raw[key]
            self._done[key] = fmt_value(value, unit)
        return self._done[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def __contains__(self, key: object) -> bool:
        return key in self._raw


def flat_fields(result: ToolResult[Any]) -> Mapping[str, str]:
    """Value fields (one level of nesting as ``a_b``) formatted by their unit (lazily)."""
    raw = jsonable_value(result)
    if not isinstance(raw, dict):
        raw = {"value": raw}
    units = dict(result.units)
    out: dict[str, tuple[Any, str]] = {}
    for key, v in raw.items():
        if isinstance(v, dict):
            for k2, v2 in v.items():
                if not isinstance(v2, dict | list):
                    out[f"{key}_{k2}"] = (v2, units.get(f"{key}.{k2}", units.get(k2, _guess_unit(k2))))
                if k2 == "request_type" and isinstance(v2, str):
                    name_key = f"deadlines.request_type.{v2}"
                    name = t(name_key if has(name_key) else "deadlines.request_type.solicitacao_geral")
                    out[f"{key}_request_name"] = (name, "")
        elif not isinstance(v, list):
            unit = units.get(key, _guess_unit(key))
            out[key] = (v, unit)
            num = _as_decimal(v)
            if num is not None:  # "{x_abs}" lets a template say "R$ 263,38 a mais" for a negative saving
                out[f"{key}_abs"] = (abs(num), unit)
    return _Fields(out)


_JSONABLE: dict[int, tuple[Any, Any]] = {}


def jsonable_value(result: ToolResult[Any]) -> Any:
    """``to_jsonable(result.value)``, memoised for the last few results (rendering reads it several times)."""
    key = id(result)
    hit = _JSONABLE.get(key)
    if hit is not None and hit[0] is result:
        return hit[1]
    value = result.value
    raw = (
        to_jsonable(value)
        if dataclasses.is_dataclass(value) or isinstance(value, Mapping)
        else {"value": value}
    )
    if len(_JSONABLE) > 32:
        _JSONABLE.clear()
    _JSONABLE[key] = (result, raw)
    return raw


def _as_decimal(v: Any) -> Decimal | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, int | float | Decimal) or (isinstance(v, str) and re.fullmatch(r"-?\d+(\.\d+)?", v)):
        return Decimal(str(v))
    return None


def _guess_unit(name: str) -> str:
    n = name.lower()
    if n.endswith("_id") or n in ("id", "protocol"):
        return "id"  # identifiers and protocol numbers stay as written ("20261126000001", not "20.261.126...")
    if n.endswith("_kwh") or n == "kwh":
        return "kWh"
    if n.endswith(("_brl", "_rs")) or n in ("total", "amount", "brl"):
        return "R$"
    if n.endswith(("_pct", "_share", "_ratio")):
        return "fraction"
    if n.endswith("_usd"):
        return "USD"
    if n.endswith("_hours") or n.endswith("_h"):
        return "h"
    if n.endswith("_min") or n.endswith("_minutes"):
        return "min"
    return ""


# ------------------------------------------------------------------ replies
_VARIANTS: dict[str, Callable[[ToolResult[Any], dict[str, Any]], str]] = {}


def variant(
    tool: str,
) -> Callable[
    [Callable[[ToolResult[Any], dict[str, Any]], str]], Callable[[ToolResult[Any], dict[str, Any]], str]
]:
    def deco(
        fn: Callable[[ToolResult[Any], dict[str, Any]], str],
    ) -> Callable[[ToolResult[Any], dict[str, Any]], str]:
        _VARIANTS[tool] = fn
        return fn

    return deco


def _template(key: str, fields: Mapping[str, str]) -> str | None:
    cat = catalogue()
    template = cat.get(key) or cat.get(f"{key}.text")
    if template is None:
        return None
    names = {f for _, f, _, _ in string.Formatter().parse(template) if f}
    if not names <= set(fields):
        return None
    return template.format(**{n: fields[n] for n in names})


MAX_SQL_ROWS = 10


def sql_reply(result: ToolResult[Any], limit: int = 1300) -> str:
    """The copilot's SQL fallback: the statement that ran and the first rows (pt-BR formats)."""
    raw = jsonable_value(result)
    rows = raw.get("rows", []) if isinstance(raw, dict) else []
    sql = str(raw.get("sql", "")) if isinstance(raw, dict) else ""
    head = (
        t("reply.sql_query.header", rows=format_number(len(rows), 0)) if rows else t("reply.sql_query.empty")
    )
    tail = [t("reply.sql_query.sql", sql=sql)] if sql else []
    replaced = next((i for i in result.issues if i.code == "issue.sql.column_replaced"), None)
    if replaced is not None:  # the column the operator meant, said before the rows
        head = t(replaced.code, **replaced.data) + " " + head
    budget = limit - len(head) - sum(len(x) + 1 for x in tail)
    lines, shown = [head], 0
    for row in rows[:MAX_SQL_ROWS]:
        cells = [f"{k}: {_cell(v)}" for k, v in row.items()] if isinstance(row, dict) else [str(row)]
        line = "• " + "; ".join(cells)
        if len(line) + 1 > budget:
            break
        lines.append(line)
        budget -= len(line) + 1
        shown += 1
    if len(rows) > shown:
        lines.append(t("reply.sql_query.more"))
    return "\n".join(lines + tail)


def _cell(v: Any) -> str:
    """A SQL cell: identifiers stay as written ("40010001", "TR-0012"); numbers and dates in pt-BR."""
    if isinstance(v, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?)?", v):
        return v
    return fmt_value(v)


def render_one(tool: str, result: ToolResult[Any], slots: dict[str, Any], audience: str = "customer") -> str:
    """The reply sentence of one result; an operator gets ``reply.<tool>.operator.<variant>`` when the
    catalogue has it (about the installation, not "sua")."""
    if tool == "sql_query" and not result.disqualified:
        return sql_reply(result)
    fields = flat_fields(result)
    if result.disqualified:
        issue = next(i for i in result.issues if i.severity == "disqualifying")
        return issue_text(issue.code, issue.data)
    chosen = _VARIANTS[tool](result, slots) if tool in _VARIANTS else ""
    keys = ([chosen] if chosen.startswith("reply.") else [f"reply.{tool}.{chosen}"]) if chosen else []
    if audience == "operator" and chosen and not chosen.startswith("reply."):
        keys.insert(0, f"reply.{tool}.operator.{chosen}")
    keys.append(f"reply.{tool}")
    for key in keys:
        text = _template(key, fields)
        if text:
            return text
    return _generic(tool, fields)


def _generic(tool: str, fields: Mapping[str, str]) -> str:
    lines = [upper_first(t(f"intent.{tool}")) + ":"] if has(f"intent.{tool}") else []
    for key in list(fields)[:8]:
        val = fields[key]
        label = catalogue().get(f"field.{key}", key.replace("_", " "))
        lines.append(f"• {label}: {val}")
    return "\n".join(lines)


def issue_text(code: str, data: Mapping[str, Any]) -> str:
    if not has(code):
        return t("error.insufficient_data")
    placeholders = {k: _placeholder(k, v) for k, v in data.items()}
    try:
        return t(code, **placeholders)
    except (KeyError, IndexError):
        return t("error.insufficient_data")


def _placeholder(key: str, value: Any) -> str:
    """An issue placeholder in words: months as "outubro/2026", reference items by their pt-BR names."""
    if isinstance(value, str) and (key == "month" or key.endswith("_month") or key == "months"):
        months = [m.strip() for m in value.split(",")]
        if all(re.fullmatch(r"\d{4}-\d{2}", m) for m in months):
            names = [format_month(m) for m in months]
            return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " e " + names[-1]
    if key == "items" and isinstance(value, str):
        names = [
            t(f"answer.reference_item.{x.strip()}")
            for x in value.split(",")
            if has(f"answer.reference_item.{x.strip()}")
        ]
        return ", ".join(names) if names else t("answer.reference_item.tariff")
    if key == "subclass" and isinstance(value, str) and has(f"answer.subclass.{value}"):
        return t(f"answer.subclass.{value}")
    return fmt_value(value)


def render(
    intent: str, results: list[ToolResult[Any]], slots: dict[str, Any], today: dt.date, audience: str = "customer"
) -> tuple[str, str, list[dict[str, Any]]]:
    """Reply (WhatsApp-sized), detail ("como calculei") and chart data."""
    parts = [render_one(intent, r, slots, audience) for r in results]
    reply = "\n\n".join(p for p in parts if p)
    warnings = _warnings(results, already=reply)
    if warnings:
        reply += "\n" + warnings
    if any(_uses_reference_values(r) for r in results):
        reply += "\n" + t("copilot.reference_value" if audience == "operator" else "chat.reference_value")
    from assistant.render_detail import detail_text

    detail = detail_text(results)
    srcs = sorted({c["source"] for c in citations_of(results)})
    if srcs:
        reply += "\n" + t("chat.sources_header") + " " + "; ".join(srcs[:3])
    charts = [c for r in results for c in charts_of(intent, r)]
    return fit(reply), detail, charts


def _warnings(results: list[ToolResult[Any]], already: str = "") -> str:
    """The caveats of the results, each once, leaving out one the reply already says."""
    texts = []
    for r in results:
        for issue in r.issues:
            if issue.severity == "warning" and has(issue.code):
                txt = issue_text(issue.code, issue.data)
                if txt not in texts and txt not in already:
                    texts.append(txt)
    return "\n".join(f"⚠ {x}" for x in texts[:2])


def _uses_reference_values(result: ToolResult[Any]) -> bool:
    refs = [ref for step in result.trail for ref in step.refs] + list(result.citations)
    return any(ref.status in ("unconfirmed", "reference") for ref in refs)


def trail_text(trail: tuple[Step, ...]) -> str:
    """The steps of a trail in plain pt-BR (labels and values with units; no formulas)."""
    from assistant.render_detail import trail_lines

    return "\n".join(trail_lines(trail))


def fit(text: str, limit: int = 1600) -> str:
    """Keep WhatsApp-sized replies (≤ 1.600 characters), cutting at a line boundary."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 2].rsplit("\n", 1)[0]
    return cut + "\n…"


_CITABLE = re.compile(r"^(REN|PRODIST|Lei|REH|ANEEL|Resolu|Decreto|LGPD|ABNT|Portaria|Despacho|Nota T)", re.I)
_ACCENTS = {
    "Modulo": "Módulo",
    "secao": "seção",
    "Secao": "Seção",
    "Resolucao": "Resolução",
    "Nota Tecnica": "Nota Técnica",
}


def clean_source(source: str) -> str | None:
    """A short, citable reference ("REN 1.000/2021, art. 284"), or None for internal notes."""
    s = source.strip()
    if not _CITABLE.match(s):
        return None
    s = re.split(r"\s\(|;|\s-\s", s, maxsplit=1)[0].strip().rstrip(",")
    for ascii_word, pt in _ACCENTS.items():
        s = s.replace(ascii_word, pt)
    return s


def citations_of(results: list[ToolResult[Any]]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for r in results:
        refs = list(r.citations) + [ref for step in r.trail for ref in step.refs]
        for ref in refs:
            src = clean_source(ref.source)
            if src and src not in seen:
                seen[src] = {"source": src, "title": "", "excerpt": "", "status": ref.status, "url": ref.url}
    return list(seen.values())[:6]


def charts_of(intent: str, result: ToolResult[Any]) -> list[dict[str, Any]]:
    """Small series the web chat / copilot can draw (daily consumption, tariff comparison...)."""
    raw = jsonable_value(result)
    charts: list[dict[str, Any]] = []
    if result.tool in ("goal_progress", "set_goal") and isinstance(raw, dict) and isinstance(raw.get("progress"), dict):
        g = raw["progress"]  # the web chat's goal card: spent, projection and its range against the goal
        keys = ("goal", "spent", "projected", "projected_low", "projected_high", "share_elapsed", "status",
                "daily_budget", "days_remaining", "days_elapsed", "days_total")
        return [{"kind": "goal", "key": "goal_progress", "unit": raw.get("unit"), **{k: g.get(k) for k in keys}}]
    if isinstance(raw, dict):
        for key in ("daily", "daily_kwh", "series", "by_day", "hourly", "by_hour", "monthly"):
            series = raw.get(key)
            if isinstance(series, list) and series and isinstance(series[0], dict):
                charts.append({"kind": "bar", "key": key, "data": series[:62]})
                break
    return charts


def knowledge_reply(result: ToolResult[Any], message: str = "") -> tuple[str, list[dict[str, Any]]]:
    """Knowledge answer (the sentence that answers first; sources go to the citations).

    ``message``: the customer's latest message, when the search query also carries the
    conversation's topic (a follow-up); the kind of answer is read from it.
    """
    from assistant.answers import knowledge_answer

    raw = jsonable_value(result)
    passages = raw.get("passages", []) if isinstance(raw, dict) else []
    if not passages:
        return "", []
    query = str(raw.get("query", "")) if isinstance(raw, dict) else ""
    cites = [
        {
            "source": p.get("source", ""),
            "title": p.get("title", ""),
            "excerpt": str(p.get("text", ""))[:240],
            "article_id": p.get("article_id", ""),
            "status": p.get("status", "confirmed"),
        }
        for p in passages[:3]
        if p.get("article_id") == passages[0].get("article_id")  # the answer is read from the best article only
    ]
    context = raw.get("context", []) if isinstance(raw, dict) else []
    focus = message if message and message.strip() != query.strip() else ""
    return fit(knowledge_answer(query, passages, context, focus), 1300), cites


def suggestions_for(intent: str, audience: str) -> list[str]:
    if audience == "operator":
        return [t("suggest.ranking"), t("suggest.exposure"), t("suggest.alarms")]
    base = {
        "consumption_summary": ["suggest.previous_month", "suggest.explain_bill", "suggest.how"],
        "explain_bill": ["suggest.how", "suggest.compare_tariffs", "suggest.forecast"],
        "compare_tariffs": ["suggest.how", "suggest.explain_bill", "suggest.agent"],
        "goal_progress": ["engagement.suggest.tips", "engagement.suggest.digest", "suggest.how"],
        "set_goal": ["engagement.suggest.goal_progress", "engagement.suggest.tips", "engagement.suggest.digest"],
        "daily_digest": ["engagement.suggest.digest", "engagement.suggest.goal_progress", "suggest.how"],
    }.get(intent, ["suggest.how", "suggest.explain_bill", "suggest.agent"])
    return [t(k) for k in base]


def previous_month_label(label: Any, today: dt.date) -> str:
    """The month before a period label ("last_month" → "month_before_last", "2026-09" → "2026-08")."""
    if label == "last_month":
        return "month_before_last"
    if isinstance(label, str) and re.fullmatch(r"\d{4}-\d{2}", label):
        d = add_months(dt.date(int(label[:4]), int(label[5:]), 1), -1)
        return f"{d.year:04d}-{d.month:02d}"
    if label == "month_before_last":
        d = add_months(today.replace(day=1), -3)
        return f"{d.year:04d}-{d.month:02d}"
    return "last_month"


from assistant import render_variants as _render_variants  # noqa: E402,F401  (registers the variants)
