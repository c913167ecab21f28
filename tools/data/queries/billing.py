"""Queries of the billing tools (:mod:`tools.api.billing`): the span of an installation's data,
its 15-minute slots (or day-posto rows from the hourly aggregate) and its midnight registers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd

from tools.data.queries.common import UsageSource, midnight, month_span, with_usage
from tools.data.sqlfiles import sql_file
from tools.data.store import Store

#: stands for an empty DATE[] (an empty list has no type for the binder)
_NO_DAY = dt.date(1900, 1, 1)


def span_sql(source: UsageSource) -> str:
    return with_usage("usage_span.sql", source, one_installation=True)


def data_span(store: Store, installation_id: str, source: UsageSource) -> tuple[Any, Any, str]:
    """(first, last) interval start (lake) or day (aggregate) with data, None when there is none,
    and the SQL."""
    sql = span_sql(source)
    found = store.rows(store.scope_sql(sql, installation_id), {"installation": installation_id})
    first = found[0][0] if found and found[0][0] is not None else None
    last = found[0][1] if found and found[0][1] is not None else None
    return first, last, sql


def slots_sql() -> str:
    return sql_file("billing_slots.sql")


def slots(store: Store, installation_id: str, start: dt.date, end: dt.date) -> tuple[pd.DataFrame, str]:
    """15-minute slots of ``[start, end]`` (closed dates): day, slot (minute of the day),
    import_wh, export_wh, q1_varh, q4_varh, readings."""
    sql = slots_sql()
    params = {
        "installation": installation_id,
        "start": midnight(start),
        "end": midnight(end + dt.timedelta(days=1)),
    }
    return store.df(store.scope_sql(sql, installation_id, month_span(start, end)), params), sql  # its months only


def posto_slots(
    store: Store,
    installation_id: str,
    start: dt.date,
    end: dt.date,
    fp_days: Sequence[dt.date],
    hour_posto: Sequence[str],
) -> tuple[pd.DataFrame, str]:
    """Group B, from ``usage_hourly``: one row per day of ``[start, end]`` and posto (see
    ``billing_posto_slots.sql``); ``fp_days``: fora-ponta days, ``hour_posto``: the posto of each
    hour of a working day."""
    sql = sql_file("billing_posto_slots.sql")
    params = {
        "installation": installation_id,
        "start": start,
        "end": end,
        "fp_days": list(fp_days) or [_NO_DAY],
        "hour_posto": list(hour_posto),
    }
    return store.df(sql, params), sql


def midnight_registers(
    store: Store, installation_id: str, first: dt.date, last: dt.date
) -> tuple[pd.DataFrame, str]:
    """Import (003) and export (103) total registers [Wh] read at 00:00 of each day of ``[first, last]``."""
    sql = sql_file("billing_registers_midnight.sql")
    params = {"installation": installation_id, "start": midnight(first), "end": midnight(last)}
    return store.df(store.scope_sql(sql, installation_id, month_span(first, last)), params), sql
