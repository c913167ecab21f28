"""What the query modules share: the usage source (lake or aggregate) and month bounds."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from tools.data.sqlfiles import sql_file
from tools.data.store import Store

#: where per-installation energy sums come from: the 15-minute lake rows or the per-day aggregate
UsageSource = Literal["lake", "daily"]

_USAGE_FILES: dict[UsageSource, str] = {"lake": "usage_lake.sql", "daily": "usage_daily.sql"}


def usage_source(store: Store) -> UsageSource:
    """``"daily"`` when the ``usage_daily`` aggregate matches the lake, else ``"lake"``."""
    return "daily" if store.usage_ready() else "lake"


def with_usage(name: str, source: UsageSource, *, one_installation: bool = False) -> str:
    """The SQL file ``name`` with its ``{{usage}}`` part read from ``source``.

    The part has the columns ``installation_id``, ``t`` (interval start TIMESTAMP for the lake,
    DATE for the aggregate), ``import_wh``, ``minutes`` and ``month`` (YYYY-MM).
    ``one_installation``: the part keeps only ``$installation`` (``FROM load_profile WHERE``, which
    :meth:`~tools.data.store.Store.scope_sql` narrows to the files that may hold it)."""
    part = sql_file(_USAGE_FILES[source]).rstrip()
    if one_installation:
        part += " WHERE installation_id = $installation"
    return sql_file(name).replace("{{usage}}", part)


def month_span(start: dt.date, end: dt.date) -> tuple[str, str]:
    """``(YYYY-MM of start, YYYY-MM of end)``: the lake partitions a closed date range touches."""
    return f"{start.year:04d}-{start.month:02d}", f"{end.year:04d}-{end.month:02d}"


def midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())
