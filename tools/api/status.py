"""Store readiness for health checks (counts only; no personal data)."""

from __future__ import annotations

from typing import Any

from tools.data.queries import register
from tools.data.store import Store


def store_status(store: Store) -> dict[str, Any]:
    try:
        n = register.installation_count(store)
    except Exception:  # noqa: BLE001 - a broken store is "not ready", not a crash
        n = 0
    return {"installations": int(n or 0)}
