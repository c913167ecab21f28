"""Queries of the regulated-deadline tools: where the requests come from (the CRM's export, the
assistant's outbox, or both), the set-based evidence query, and the kWh per month for the VRC.

The parameters (bands, rule types, filters) are put together in :mod:`tools.api.deadlines`; this
module holds the SQL and runs it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from tools.data import outbox
from tools.data.sqlfiles import sql_file, with_parts
from tools.data.store import Store

_REQUEST_COLS = "request_id, installation_id, request_type, opened_at, closed_at, status, area, region"
_OUTBOX_SELECT = (
    "SELECT CAST(request_id AS VARCHAR) AS request_id, CAST(installation_id AS VARCHAR) AS installation_id,"
    " CAST(request_type AS VARCHAR) AS request_type, CAST(opened_at AS TIMESTAMP) AS opened_at,"
    " CAST(closed_at AS TIMESTAMP) AS closed_at, CAST(status AS VARCHAR) AS status,"
    f" CAST(area AS VARCHAR) AS area, CAST(region AS VARCHAR) AS region FROM {outbox.OUTBOX_RELATION}"
)
#: What the deadline query reads its requests from (``{requests}`` in deadline_requests.sql).
CRM_REQUESTS = "service_requests"
CRM_AND_OUTBOX = f"(SELECT {_REQUEST_COLS} FROM service_requests UNION ALL {_OUTBOX_SELECT})"
OUTBOX_ONLY = f"({_OUTBOX_SELECT})"


def requests_sql(source: str, window_rows: int) -> str:
    """The text of the deadline evidence query over ``source``; ``window_rows``: a voltage set's
    readings minus one (the window frame)."""
    return (
        with_parts("deadline_requests.sql", request_rows="deadline_request_rows.sql")
        .replace("{window_rows}", str(window_rows))
        .replace("{requests}", source)
    )


def run_requests(
    store: Store,
    sql: str,
    params: Mapping[str, Any],
    installation_id: str | None,
    outbox_rows: pd.DataFrame | None,
) -> pd.DataFrame:
    """Run the evidence query; one installation reads only its lake files (same rows as the views);
    ``outbox_rows``: the outbox's requests, registered for the query (``source`` included them)."""
    run = sql if installation_id is None else store.scope_sql(sql, installation_id)
    if outbox_rows is None:
        return store.df(run, dict(params))
    return outbox.query_with_outbox(store, run, dict(params), outbox_rows)


def crm_requests_exist(store: Store, filters: Mapping[str, Any]) -> bool:
    """Whether the CRM's export holds a request matching ``filters`` (the parameters of
    ``deadline_request_rows.sql``): without one the evidence query has nothing to find, and
    planning it alone costs ~20 ms."""
    sql = sql_file("deadline_request_rows.sql").replace("{requests}", CRM_REQUESTS)
    return bool(store.scalar(f"SELECT count(*) > 0 FROM ({sql})", dict(filters)))


def month_kwh(
    store: Store, ids: Sequence[str], start: dt.datetime, as_of: dt.datetime
) -> tuple[pd.DataFrame, str]:
    """kWh imported per installation and calendar month (for the VRC), and the SQL that ran."""
    if not ids:
        empty = pd.DataFrame(columns=["installation_id", "month", "import_wh", "days"])
        return empty, sql_file("deadline_month_kwh.sql")
    midnights = start.time() == dt.time() and as_of.time() == dt.time()
    daily = midnights and store.usage_ready()
    sql = sql_file("deadline_month_kwh_daily.sql" if daily else "deadline_month_kwh.sql")
    one = sorted(set(ids))
    run = store.scope_sql(sql, one[0]) if len(one) == 1 else sql  # one customer: its lake files only
    df = store.df(run, {"ids": one, "start": start, "as_of": as_of})
    return df, sql
