"""Queries of the consumption tools (:mod:`tools.api.consumption`): one installation's interval
readings, its energy per comparison window and the similar-homes statistics."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from tools.data import buckets
from tools.data.queries.common import UsageSource, midnight, month_span, with_usage
from tools.data.sqlfiles import sql_file
from tools.data.store import Store

#: at most this many similar homes are compared (the nearest installation ids of the same class,
#: subgroup and phases, half on each side): the answer costs the same in a fleet of 1k or 1M
PEER_LIMIT = 400


def intervals(store: Store, installation_id: str, start: dt.date, end: dt.date) -> tuple[pd.DataFrame, str]:
    """Interval readings (ts, interval_min, import_wh, export_wh, quality) of ``[start, end]``
    (closed dates), and the SQL for the trail."""
    lo, hi = month_span(start, end)
    params = {
        "installation": installation_id,
        "start": midnight(start),
        "end": midnight(end + dt.timedelta(days=1)),
        "month_lo": lo,
        "month_hi": hi,
    }
    sql = sql_file("consumption_intervals.sql")
    return store.df(store.scope_sql(sql, installation_id, (lo, hi)), params), sql  # only its files


@dataclass(frozen=True, slots=True)
class WindowRow:
    """Imported energy [Wh] and covered minutes of one comparison window."""

    import_wh: int
    covered_minutes: int


def windows(
    store: Store, installation_id: str, spans: Mapping[str, tuple[dt.date, dt.date]], source: UsageSource
) -> tuple[dict[str, WindowRow], str]:
    """Energy and covered minutes of each window ``basis -> (first day, last day)`` (one query)."""
    params: dict[str, Any] = {"installation": installation_id}
    rows_sql = []
    ranges = []
    for n, (basis, (first, last)) in enumerate(spans.items()):
        after = last + dt.timedelta(days=1)
        start, end = (first, after) if source == "daily" else (midnight(first), midnight(after))
        params.update({f"w{n}_basis": basis, f"w{n}_start": start, f"w{n}_end": end})
        rows_sql.append(f"($w{n}_basis, $w{n}_start, $w{n}_end)")
        ranges.append(f"(t >= $w{n}_start AND t < $w{n}_end)")
    sql = (
        with_usage("consumption_windows.sql", source)
        .replace("{windows}", ", ".join(rows_sql))
        .replace("{ranges}", " OR ".join(ranges) or "false")
    )
    rows = store.rows(store.scope_buckets(sql, installation_id), params)
    return {r[0]: WindowRow(int(r[1]), int(r[2])) for r in rows}, sql


@dataclass(frozen=True, slots=True)
class PeerRow:
    """kWh/day statistics of the similar homes (None when there are none)."""

    peers: int
    median_kwh_day: float | None
    p25_kwh_day: float | None
    p75_kwh_day: float | None
    share_below: float | None
    customer_class: str
    subgroup: str
    phases: int


def peers(
    store: Store,
    installation_id: str,
    first: dt.date,
    last: dt.date,
    *,
    min_minutes: int,
    this_kwh_day: float,
    source: UsageSource,
) -> tuple[PeerRow, str]:
    """Similar homes over ``[first, last]``: count, median and quartiles of kWh/day, and the share of
    them below ``this_kwh_day``; only peers with at least ``min_minutes`` of readings count."""
    lo, hi = month_span(first, last)
    after = last + dt.timedelta(days=1)
    params: dict[str, Any] = {
        "installation": installation_id,
        "start": first if source == "daily" else midnight(first),
        "end": after if source == "daily" else midnight(after),
        "month_lo": lo,
        "month_hi": hi,
        "min_minutes": min_minutes,
        "this_kwh_day": this_kwh_day,
    }
    part = "consumption_peer_ids_groups.sql" if store.peer_groups_ready() else "consumption_peer_ids_register.sql"
    peer_ids = sql_file(part).replace("{half}", str(PEER_LIMIT // 2))
    sql = with_usage("consumption_peers.sql", source).replace("{{peer_ids}}", peer_ids)
    run = sql
    lows = store.bucket_layouts().get("usage_daily", []) if source == "daily" else []
    if len(lows) > 1:
        # The similar homes are drawn from the installation's bucket of the aggregate and its two
        # neighbours (about 3,000 installations, tools/data/buckets.py): the nearest ids of its
        # class there, so the cost does not follow the fleet. A dense class finds its PEER_LIMIT
        # there; a sparse one compares with fewer homes (the nearest ids of the whole fleet,
        # scattered over many buckets, cost 23 ms at 100k meters against 9 ms).
        k = buckets.bucket_of(lows, installation_id)
        run = store.scope_buckets(sql, lows[max(k - 1, 0)], lows[min(k + 1, len(lows) - 1)])
    r = store.rows(run, params)[0]
    return (
        PeerRow(
            peers=int(r[0]),
            median_kwh_day=r[1],
            p25_kwh_day=r[2],
            p75_kwh_day=r[3],
            share_below=r[4],
            customer_class=str(r[5] or ""),
            subgroup=str(r[6] or ""),
            phases=int(r[7] or 0),
        ),
        sql,
    )
