"""Queries of the billing tools (:mod:`tools.api.billing`): the span of an installation's data,
its 15-minute slots (or day-posto / hour rows from the hourly aggregate) and its midnight registers."""

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
    and the SQL.

    From the aggregate over four months or more, the installation's days in the aggregate's first
    two and last two months answer first (``usage_span_daily_near.sql``: those months' row groups
    only); a bound they leave open (an installation that started or stopped in between) is read
    from every month (``usage_span.sql``)."""
    params: dict[str, Any] = {"installation": installation_id}
    first = last = None
    months = store.usage_months() if source == "daily" else []
    if len(months) >= 4:
        near = sql_file("usage_span_daily_near.sql")
        near_params = {
            **params,
            "first_before": dt.date.fromisoformat(months[2] + "-01"),
            "last_from": dt.date.fromisoformat(months[-2] + "-01"),
        }
        first, last = store.rows(store.scope_buckets(near, installation_id), near_params)[0]
        if first is not None and last is not None:
            return first, last, near
    sql = span_sql(source)
    found = store.rows(store.scope_sql(sql, installation_id), params)
    full_first = found[0][0] if found and found[0][0] is not None else None
    full_last = found[0][1] if found and found[0][1] is not None else None
    return (first if first is not None else full_first), (last if last is not None else full_last), sql


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
    return store.df(store.scope_buckets(sql, installation_id), params), sql  # its bucket only


def hour_slots(store: Store, installation_id: str, start: dt.date, end: dt.date) -> tuple[pd.DataFrame, str]:
    """From ``usage_hourly``: one row per hour of ``[start, end]`` with its 15-minute peak
    (``peak_wh``) and reactive sums (see ``billing_hour_slots.sql``)."""
    sql = sql_file("billing_hour_slots.sql")
    params = {"installation": installation_id, "start": start, "end": end}
    return store.df(store.scope_buckets(sql, installation_id), params), sql


def midnight_registers(
    store: Store, installation_id: str, first: dt.date, last: dt.date
) -> tuple[pd.DataFrame, str]:
    """Import (003) and export (103) total registers [Wh] read at 00:00 of each day of ``[first, last]``:
    from the ``midnight_registers`` table when it matches the lake, else from the register files."""
    params: dict[str, Any] = {
        "installation": installation_id,
        "start": midnight(first),
        "end": midnight(last),
    }
    if store.midnight_registers_ready():
        sql = sql_file("billing_registers_midnight_months.sql")
        lo, hi = month_span(first, last)
        return store.df(store.scope_buckets(sql, installation_id), {**params, "month_lo": lo, "month_hi": hi}), sql
    sql = sql_file("billing_registers_midnight.sql")
    return store.df(store.scope_sql(sql, installation_id, month_span(first, last)), params), sql
