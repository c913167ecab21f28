"""Field-service order payloads from an ``events_summary`` value (pure).

Input is the JSON form of :class:`tools.api.fleet.EventsSummary` (``to_jsonable``): its
``outages`` (inferred transformer/feeder outages) and ``tamper`` (tamper alarms with the
consumption before/after) lists. Each inferred outage and each tamper alarm followed by a
consumption drop (``possible_ntl``, a possible non-technical loss) becomes one order a
field-service system can take; tamper alarms without a drop are included only on request.

Order shape (JSON, ASCII keys and codes; the field system translates them)::

    order_id     "OS-OUT-<10 hex>" / "OS-NTL-..." / "OS-TMP-...": stable for the same evidence,
                 so re-exporting never duplicates an order
    type         outage_inspection | ntl_inspection | tamper_inspection
    priority     high (outage still open, no end) | medium (long interruption >= 3 min, or
                 possible NTL) | low (short outage, tamper without a drop)
    status       "new"
    created_on   the data's "today" (ISO date)
    location     level, feeder_id, transformer_id(s), installation_id
    window       start / end of the evidence
    evidence     the figures behind the order (meters down, drop share, alarm codes...)
    source       system, tool, period

The thresholds behind ``possible_ntl`` and the outage inference are the tool's (see
``tools/api/fleet.py``); this module only maps its results.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

ORDER_TYPES = ("outage_inspection", "ntl_inspection", "tamper_inspection")
_PREFIX = {"outage_inspection": "OUT", "ntl_inspection": "NTL", "tamper_inspection": "TMP"}
_PRIORITY_RANK = {"high": 0, "medium": 1, "low": 2}


def order_id(order_type: str, *parts: Any) -> str:
    """Stable id: the same evidence always gives the same id."""
    digest = hashlib.sha1(json.dumps([order_type, *parts], default=str).encode("utf-8")).hexdigest()[:10]
    return f"OS-{_PREFIX[order_type]}-{digest.upper()}"


def outage_priority(outage: Mapping[str, Any]) -> str:
    """Priority of an outage inspection: high while open, medium for a long interruption, else low."""
    if outage.get("end") is None:
        return "high"
    return "medium" if outage.get("long_interruption") else "low"


def outage_order(outage: Mapping[str, Any], created_on: str, source: Mapping[str, Any]) -> dict[str, Any]:
    """A field-service order to inspect an inferred outage (a feeder or transformer)."""
    level = str(outage.get("level") or "")
    transformers = list(outage.get("transformers") or [])
    return {
        "order_id": order_id("outage_inspection", level, outage.get("entity_id"), outage.get("start")),
        "type": "outage_inspection",
        "priority": outage_priority(outage),
        "status": "new",
        "created_on": created_on,
        "location": {
            "level": level,
            "feeder_id": outage.get("feeder_id"),
            "transformer_id": outage.get("entity_id") if level == "transformer" else None,
            "transformer_ids": transformers,
            "installation_id": None,
        },
        "window": {"start": outage.get("start"), "end": outage.get("end")},
        "evidence": {
            "duration_min": outage.get("duration_min"),
            "long_interruption": bool(outage.get("long_interruption")),
            "meters_down": outage.get("meters_down"),
            "meters_under": outage.get("meters_under"),
            "transformers_down": outage.get("n_transformers"),
            "feeder_transformers": outage.get("feeder_transformers"),
        },
        "source": dict(source),
    }


def tamper_order(flag: Mapping[str, Any], created_on: str, source: Mapping[str, Any]) -> dict[str, Any]:
    """A field-service order to inspect a tampered meter (NTL inspection when consumption dropped)."""
    kind = "ntl_inspection" if flag.get("possible_ntl") else "tamper_inspection"
    return {
        "order_id": order_id(kind, flag.get("installation_id"), flag.get("first_tamper")),
        "type": kind,
        "priority": "medium" if kind == "ntl_inspection" else "low",
        "status": "new",
        "created_on": created_on,
        "location": {
            "level": "installation",
            "feeder_id": flag.get("feeder_id"),
            "transformer_id": flag.get("transformer_id"),
            "transformer_ids": [flag["transformer_id"]] if flag.get("transformer_id") else [],
            "installation_id": flag.get("installation_id"),
        },
        "window": {"start": flag.get("first_tamper"), "end": None},
        "evidence": {
            "alarm_codes": list(flag.get("codes") or []),
            "n_alarms": flag.get("n_alarms"),
            "before_kwh_day": flag.get("before_kwh_day"),
            "after_kwh_day": flag.get("after_kwh_day"),
            "drop_share": flag.get("drop_share"),
            "possible_ntl": bool(flag.get("possible_ntl")),
        },
        "source": dict(source),
    }


def service_orders(
    value: Mapping[str, Any], created_on: str, include_tamper_without_drop: bool = False
) -> list[dict[str, Any]]:
    """Orders for every inferred outage and possible NTL (and, optionally, every tamper alarm).

    Sorted by priority (high first), then window start, then id.
    """
    period = value.get("period") or {}
    source = {
        "system": "smartmeter",
        "tool": "events_summary",
        "period_start": period.get("start") if isinstance(period, Mapping) else None,
        "period_end": period.get("end") if isinstance(period, Mapping) else None,
    }
    orders = [outage_order(o, created_on, source) for o in _records(value.get("outages"))]
    for flag in _records(value.get("tamper")):
        if flag.get("possible_ntl") or include_tamper_without_drop:
            orders.append(tamper_order(flag, created_on, source))
    orders.sort(key=lambda o: (_PRIORITY_RANK[o["priority"]], str(o["window"]["start"] or ""), o["order_id"]))
    return orders


def _records(items: Any) -> Sequence[Mapping[str, Any]]:
    if not isinstance(items, list | tuple):
        return ()
    return [i for i in items if isinstance(i, Mapping)]
