"""Glue for the pages: service-order payloads and the agent's suggested reply (no computation here)."""

from __future__ import annotations

from typing import Any

from assistant.i18n import t
from tools.domain.service_orders import service_orders as _orders
from tools.types import ToolResult, to_jsonable


def service_orders(result: ToolResult[Any]) -> list[dict[str, Any]]:
    value = to_jsonable(result.value)
    today = result.provenance.today.isoformat() if result.provenance.today else ""
    return _orders(value if isinstance(value, dict) else {}, today)


def suggested_reply(summary: dict[str, Any]) -> str:
    """A reply the agent can copy: greeting, what was asked, what the assistant already showed."""
    detail = summary.get("last_detail") or ""
    return t("ui.reply_template", question=summary.get("question", ""), detail=detail[:600])
