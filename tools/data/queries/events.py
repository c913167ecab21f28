"""Queries of the meter events: the event-code catalogue and meters with given codes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from tools.data.store import Store


def codes_for(store: Store, key_or_category: str, kind: str | None) -> list[int]:
    """Event codes whose key or category is ``key_or_category`` (of ``kind`` when given), ordered."""
    rows = store.rows(
        "SELECT code FROM event_codes WHERE (key = ? OR category = ?) AND (CAST(? AS VARCHAR) IS NULL OR kind = ?) ORDER BY code",
        [key_or_category, key_or_category, kind, kind],
    )
    return [int(r[0]) for r in rows]


def known_keys(store: Store) -> list[str]:
    """The event keys of the catalogue, vendor-specific ones left out."""
    return [
        r[0]
        for r in store.rows("SELECT DISTINCT key FROM event_codes WHERE key NOT LIKE 'vendor_%' ORDER BY key")
    ]


def meters_with_codes(store: Store, start: dt.datetime, end: dt.datetime, codes: Sequence[int]) -> int:
    """How many installations logged any of ``codes`` in ``[start, end)``."""
    n = store.scalar(
        "SELECT count(DISTINCT installation_id) FROM events WHERE ts >= ? AND ts < ? AND list_contains(?, code)",
        [start, end, list(codes)],
    )
    return int(n or 0)
