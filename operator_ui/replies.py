"""The reply an agent can copy for a handoff case, phrased from catalogue templates.

Figures come from the tool results shown on the page (formatted, never computed); sentences
come from ``ui.reply.*`` in ``assistant/messages/pt_BR/ui.toml``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from assistant.i18n import t
from assistant.render import fmt_value
from tools.types import ToolResult


def _bill_sentence(bill: ToolResult[Any]) -> str:
    v = bill.value
    change = ""
    delta = getattr(v, "change_rs", None)
    if isinstance(delta, Decimal) and delta != 0 and getattr(v, "previous_bill_month", None):
        key = "ui.reply.bill_up" if delta > 0 else "ui.reply.bill_down"
        change = " " + t(
            key, amount=fmt_value(abs(delta), "R$"), previous=fmt_value(v.previous_bill_month, "month")
        )
    return (
        t(
            "ui.reply.bill",
            month=fmt_value(v.bill_month, "month"),
            total=fmt_value(v.total_rs, "R$"),
            kwh=fmt_value(v.consumption_kwh, "kWh"),
            days=v.days,
        )
        + change
    )


def _consumption_sentence(cons: ToolResult[Any]) -> str:
    v = cons.value
    return t(
        "ui.reply.consumption",
        start=fmt_value(v.period.start),
        end=fmt_value(v.period.end),
        kwh=fmt_value(v.total_kwh, "kWh"),
        per_day=fmt_value(v.kwh_per_day, "kWh"),
    )


#: turns that are not the customer's question (asking for a person, greetings, identification)
_NOT_A_QUESTION = frozenset(
    {"handoff_to_agent", "greeting", "thanks", "identify", "clarify", "capabilities", None}
)


def case_question(summary: Mapping[str, Any]) -> str:
    """What the customer actually asked: the last message in words before "quero falar com atendente"
    (identification digits and requests for a person are not the question)."""
    for turn in reversed(list(summary.get("history") or [])):
        text = str(turn.get("text") or "")
        if (
            turn.get("role") == "user"
            and turn.get("intent") not in _NOT_A_QUESTION
            and sum(c.isalpha() for c in text) >= 3  # not the CPF digits or an installation number
        ):
            return text
    return str(summary.get("question") or "")


def suggested_reply(
    summary: Mapping[str, Any],
    bill: ToolResult[Any] | None = None,
    consumption: ToolResult[Any] | None = None,
) -> str:
    """Greeting, what the customer asked, the figures already checked, and the next step."""
    parts = [t("ui.reply.greeting")]
    question = case_question(summary).strip()
    if question:
        parts.append(t("ui.reply.question", question=question))
    if consumption is not None and not consumption.disqualified:
        parts.append(_consumption_sentence(consumption))
    if bill is not None and not bill.disqualified:
        parts.append(_bill_sentence(bill))
    if not summary.get("identified"):
        parts.append(t("ui.reply.identify"))
    parts.append(t("ui.reply.close"))
    return " ".join(parts)
