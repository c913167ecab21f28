"""Glue for the events page (field-service orders from an ``events_summary`` result) and for the
service page (the service requests the assistant opened, from ``service_request_queue``).

The payloads are built by ``tools.api.export.service_orders`` and ``tools.api.service_requests`` (no
logic here); this module only serialises them and lays them out as tables.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from assistant.i18n import has, t
from assistant.render import fmt_value
from tools.api.calendar import LOCAL_TZ
from tools.api.export import service_orders
from tools.types import ToolResult


def orders_for(result: ToolResult[Any], include_tamper_without_drop: bool = False) -> list[dict[str, Any]]:
    return service_orders(result, include_tamper_without_drop=include_tamper_without_drop)


def orders_json(orders: list[dict[str, Any]]) -> bytes:
    """The JSON document a field-service system takes: ``{"orders": [...]}``."""
    return json.dumps({"orders": orders}, ensure_ascii=False, indent=2).encode("utf-8")


def order_frame(orders: list[dict[str, Any]]) -> pd.DataFrame:
    rows = [
        {
            "order_id": o["order_id"],
            "type": o["type"],
            "priority": o["priority"],
            "installation_id": o["location"].get("installation_id"),
            "transformer_id": o["location"].get("transformer_id"),
            "feeder_id": o["location"].get("feeder_id"),
            "start": o["window"].get("start"),
        }
        for o in orders
    ]
    frame = pd.DataFrame(rows)
    if not frame.empty:
        frame["start"] = pd.to_datetime(frame["start"], errors="coerce")
    return frame


# ---------------------------------------------------------------------------- the assistant's outbox (issue 21)


def outbox_frame(result: ToolResult[Any]) -> pd.DataFrame:
    """The requests of a ``service_request_queue`` result, one row each, in pt-BR (dates dd/mm/aaaa)."""
    def name(rtype: str) -> str:
        key = f"deadlines.request_type.{rtype}"
        return t(key) if has(key) else rtype

    def when(x: Any) -> str:
        local = x.astimezone(LOCAL_TZ) if x.tzinfo is not None else x
        return f"{local:%d/%m/%Y %H:%M}"

    rows = [
        {
            "protocol": r.protocol,
            "created_at": when(r.created_at),
            "request_type": name(r.request_type),
            "installation_id": r.installation_id,
            "channel": t(f"ui.channel.{r.channel}") if has(f"ui.channel.{r.channel}") else r.channel,
            "regulated_deadline": when(r.due_at) if r.deadline_unit == "hours" else fmt_value(r.due_date),
            "status": t(f"service.status.{r.status}") if has(f"service.status.{r.status}") else r.status,
            "overdue": t("ui.yes") if r.overdue else t("ui.no"),
            "exported": t("ui.yes") if r.exported_at is not None else t("ui.no"),
        }
        for r in result.value.requests
    ]
    columns = ["protocol", "created_at", "request_type", "installation_id", "channel", "regulated_deadline", "status", "overdue",
               "exported"]
    return pd.DataFrame(rows, columns=columns)

