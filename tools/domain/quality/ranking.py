"""Fleet ranking of meters, transformers and feeders by a quality indicator (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd

from tools.units import d


@dataclass(frozen=True, slots=True)
class RankedEntity:
    """One meter, transformer or feeder in a quality ranking (indicator values are means over meters)."""

    rank: int
    entity_id: str
    feeder_id: str | None
    n_meters: int
    value: Decimal  # mean of the meters' values [% or h or count]
    max_value: Decimal
    projected: Decimal  # mean of the meters' projections to the end of the period
    limit: Decimal
    n_violating: int  # meters above their limit
    n_at_risk: int  # meters projected to exceed before the period ends (not above yet)
    previous: Decimal | None  # same indicator in the previous period of equal length
    trend: Decimal | None  # value - previous
    violated: bool
    at_risk: bool


def _dec(x: Any, places: str = "0.001") -> Decimal:
    return d(float(x)).quantize(Decimal(places))


def rank_entities(
    current: pd.DataFrame, previous: pd.DataFrame | None, limit: Decimal, top: int
) -> tuple[RankedEntity, ...]:
    """Sort entities by mean value (then meters violating), attach trend and the predictive flag.

    ``current`` / ``previous`` have the columns of ``fleet_ranking_*.sql``. When a row carries its
    own ``limit_value`` (continuity limits differ by conjunto) it is used instead of ``limit``.
    """
    if current.empty:
        return ()
    cur = current.sort_values(["value", "n_violating", "entity_id"], ascending=[False, False, True]).head(top)
    prev = (
        {}
        if previous is None or previous.empty
        else dict(zip(previous["entity_id"], previous["value"], strict=True))
    )
    out = []
    for k, r in enumerate(cur.to_dict("records"), start=1):
        lim = _dec(r["limit_value"]) if "limit_value" in r and pd.notna(r.get("limit_value")) else limit
        value, projected = _dec(r["value"]), _dec(r["projected"])
        p = prev.get(r["entity_id"])
        p_dec = None if p is None or pd.isna(p) else _dec(p)
        out.append(
            RankedEntity(
                rank=k,
                entity_id=str(r["entity_id"]),
                feeder_id=None if pd.isna(r.get("feeder_id")) else str(r.get("feeder_id")),
                n_meters=int(r["n_meters"]),
                value=value,
                max_value=_dec(r["max_value"]),
                projected=projected,
                limit=lim,
                n_violating=int(r["n_violating"]),
                n_at_risk=int(r["n_at_risk"]),
                previous=p_dec,
                trend=None if p_dec is None else value - p_dec,
                violated=int(r["n_violating"]) > 0,
                at_risk=int(r["n_at_risk"]) > 0 or (projected > lim >= value),
            )
        )
    return tuple(out)

