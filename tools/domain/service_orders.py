"""Field-service order payloads from an events summary (pure).

Each inferred transformer/feeder outage and each possible non-technical loss becomes one order
a field-service system can take: a stable id, type, priority, location keys and evidence.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

_OUTAGE_KEYS = ("inferred_outages", "outages", "transformer_outages", "feeder_outages")
_NTL_KEYS = ("possible_ntl", "ntl_suspects", "tamper_suspects", "non_technical_losses", "tamper_with_drop")


def service_orders(value: Mapping[str, Any], generated_on: str) -> list[dict[str, Any]]:
    orders: list[dict[str, Any]] = []
    for key in _OUTAGE_KEYS:
        for item in value.get(key) or []:
            orders.append(_order("inspect_outage", "high", item, generated_on))
    for key in _NTL_KEYS:
        for item in value.get(key) or []:
            orders.append(_order("inspect_tamper", "medium", item, generated_on))
    return orders


def _order(kind: str, priority: str, evidence: Mapping[str, Any], generated_on: str) -> dict[str, Any]:
    digest = hashlib.sha1(json.dumps(evidence, sort_keys=True, default=str).encode()).hexdigest()[:10]
    return {
        "order_id": f"OS-{kind[:3].upper()}-{digest}",
        "type": kind,
        "priority": priority,
        "installation_id": evidence.get("installation_id"),
        "transformer_id": evidence.get("transformer_id"),
        "feeder_id": evidence.get("feeder_id"),
        "generated_on": generated_on,
        "evidence": dict(evidence),
    }
