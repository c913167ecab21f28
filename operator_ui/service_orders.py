"""Glue for the events page: field-service orders from an ``events_summary`` result.

The payloads are built by ``tools.api.export.service_orders`` (no logic here); this module only
serialises them and lays them out as a table.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

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
