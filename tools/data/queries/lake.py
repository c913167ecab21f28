"""Composition of a lake (for the storage-cost check of :mod:`tools.api.cost_calibration`):
interval rows and meters per segment, days covered, events and registers per group, voltage
values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tools.data.store import Store

_COMPOSITION_SQL = """
SELECT i.group_code, i.phases, coalesce(i.gd_kind, 'none') <> 'none' AS pv, lp.interval_min,
       count(DISTINCT i.installation_id) AS meters, count(*) AS lp_rows
FROM load_profile lp JOIN installations i USING (installation_id)
GROUP BY ALL ORDER BY ALL
"""
_COUNTS_SQL = """
SELECT i.group_code,
       (SELECT count(*) FROM events e JOIN installations x USING (installation_id) WHERE x.group_code = i.group_code),
       (SELECT count(*) FROM billing_registers r JOIN installations x USING (installation_id)
          WHERE x.group_code = i.group_code)
FROM (SELECT DISTINCT group_code FROM installations) i ORDER BY 1
"""
_QEE_SQL = "SELECT count(v_a_dv) + count(v_b_dv) + count(v_c_dv) FROM voltage_10min"
_DAYS_SQL = "SELECT date_diff('day', min(ts)::DATE, max(ts)::DATE) + 1 FROM load_profile"

#: the four statements, as they go in the trail
COMPOSITION_SQL = ";\n".join(s.strip() for s in (_COMPOSITION_SQL, _COUNTS_SQL, _QEE_SQL, _DAYS_SQL))


@dataclass(frozen=True, slots=True)
class LakeComposition:
    """``segments``: (group_code, phases, pv, interval_min, meters, lp_rows) rows (empty when the
    lake has no load profile); ``days``: days from the first to the last interval;
    ``counts``: group -> (events, register rows); ``voltage_values``: non-null phase voltages."""

    segments: list[tuple[Any, ...]]
    days: float
    counts: dict[str, tuple[int, int]]
    voltage_values: float


def lake_composition(store: Store) -> LakeComposition:
    comp = store.rows(_COMPOSITION_SQL)
    if not comp:
        return LakeComposition([], 0.0, {}, 0.0)
    return LakeComposition(
        segments=comp,
        days=float(store.scalar(_DAYS_SQL)),
        counts={g: (ev, reg) for g, ev, reg in store.rows(_COUNTS_SQL)},
        voltage_values=float(store.scalar(_QEE_SQL) or 0),
    )
