"""Queries of the quality tools (:mod:`tools.api.quality`, :mod:`tools.api.quality_common`):
one installation's 10-minute voltages, its power-down/up events and its energy in a month."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from tools.data.queries.common import UsageSource, midnight, with_usage
from tools.data.sqlfiles import sql_file
from tools.data.store import Store


def readings_sql() -> str:
    return sql_file("quality_readings.sql")


def power_events_sql() -> str:
    return sql_file("quality_power_events.sql")


def voltage_readings(
    store: Store, installation_id: str, start: dt.datetime, end: dt.datetime
) -> tuple[pd.DataFrame, str]:
    """10-minute phase voltages [0.1 V] (ts, v_a_dv, v_b_dv, v_c_dv) in ``[start, end)``."""
    sql = readings_sql()
    params = {"installation": installation_id, "start": start, "end": end}
    return store.df(store.scope_sql(sql, installation_id), params), sql  # only the files that may hold it


def power_events(
    store: Store, installation_id: str, start: dt.datetime, end: dt.datetime
) -> tuple[pd.DataFrame, str]:
    """Power-down (1) and power-up (2) events (ts, code) in ``[start, end)``."""
    sql = power_events_sql()
    params = {"installation": installation_id, "start": start, "end": end}
    return store.df(store.scope_sql(sql, installation_id), params), sql


def month_energy(
    store: Store, installation_id: str, first: dt.date, last: dt.date, source: UsageSource
) -> tuple[int, int, str]:
    """(Wh imported in ``[first, last]``, days with data, SQL)."""
    sql = with_usage("usage_month_energy.sql", source, one_installation=True)
    after = last + dt.timedelta(days=1)
    start, end = (first, after) if source == "daily" else (midnight(first), midnight(after))
    params = {"installation": installation_id, "start": start, "end": end}
    wh, days = store.rows(store.scope_sql(sql, installation_id), params)[0]
    return int(wh), int(days), sql
