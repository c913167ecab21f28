"""Reads behind the proactive outage notices: the outage inference (``fleet_outage_inference.sql``,
the same query as the copilot's events summary) cut at a moment, the installations under an
outage, and each installation's own interruption (``outages`` table).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd

from tools.data.sqlfiles import sql_file
from tools.data.store import Store

OWN_SQL = """SELECT installation_id, start_ts, end_ts, duration_min
FROM outages
WHERE list_contains($ids, installation_id) AND start_ts >= $start AND start_ts <= $end
ORDER BY installation_id, start_ts"""

UNDER_SQL = """SELECT installation_id FROM installations
WHERE (list_contains($transformers, transformer_id))
   OR ($feeder IS NOT NULL AND feeder_id = $feeder AND transformer_id IS NULL)
ORDER BY installation_id"""


def inference_sql() -> str:
    return sql_file("fleet_outage_inference.sql")


def infer_outages(
    store: Store,
    start: dt.datetime,
    end: dt.datetime,
    window_min: int,
    min_meters: int,
    min_share: float,
    codes: Sequence[int],
    min_minutes: int,
) -> tuple[pd.DataFrame, str, dict[str, Any]]:
    """Outages inferred from the power-down bursts of ``[start, end)`` (events after ``end`` unseen)."""
    params: dict[str, Any] = {
        "start": start,
        "end": end,
        "window_min": window_min,
        "min_meters": min_meters,
        "min_share": min_share,
        "codes": list(codes),
        "min_minutes": min_minutes,
    }
    sql = inference_sql()
    return store.df(sql, params), sql, params


def installations_under(store: Store, level: str, feeder_id: str, transformers: Sequence[str]) -> list[str]:
    """Installations of the transformers (and, for a feeder outage, those fed by the feeder directly)."""
    rows = store.rows(
        UNDER_SQL,
        {"transformers": list(transformers) or [""], "feeder": feeder_id if level == "feeder" else None},
    )
    return [str(r[0]) for r in rows]


def own_interruptions(store: Store, ids: Sequence[str], start: dt.datetime, end: dt.datetime) -> pd.DataFrame:
    """Each installation's interruptions starting in ``[start, end]`` (the ``outages`` table)."""
    return store.df(OWN_SQL, {"ids": list(ids) or [""], "start": start, "end": end})


def meters_down(store: Store, start: dt.datetime, end: dt.datetime, codes: Sequence[int]) -> set[str]:
    """Installations with a power-down in ``[start, end)``."""
    rows = store.rows(
        "SELECT DISTINCT installation_id FROM events WHERE ts >= ? AND ts < ? AND list_contains(?, code)",
        [start, end, list(codes)],
    )
    return {str(r[0]) for r in rows}
