"""Challenges joined, points and badges earned (operational state), and the meter reads the
challenges need.

Tables on the operational state (:mod:`tools.data.opstate`):

``challenge_enrolments``
    One row per (installation, challenge, start): who joined which week challenge, when and by
    which channel (the copilot's participation figure).
``engagement_awards``
    One row per (installation, reason, key): the points and badge earned for a week, a month or
    a day under budget. ``INSERT OR IGNORE`` on the key: computing a status twice awards once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from tools.data.opstate import opstate_for, register_tables
from tools.data.store import Store

register_tables(
    "engagement",
    "CREATE TABLE IF NOT EXISTS challenge_enrolments ("
    " installation_id TEXT NOT NULL,"
    " challenge TEXT NOT NULL,"  # ponta_week | shower
    " start_date TEXT NOT NULL,"  # ISO date, a Monday
    " channel TEXT NOT NULL,"
    " at TEXT NOT NULL,"  # ISO 8601 with offset
    " PRIMARY KEY (installation_id, challenge, start_date))",
    "CREATE TABLE IF NOT EXISTS engagement_awards ("
    " installation_id TEXT NOT NULL,"
    " reason TEXT NOT NULL,"
    " key TEXT NOT NULL,"
    " points INTEGER NOT NULL,"
    " badge TEXT,"
    " day TEXT NOT NULL,"  # ISO date the award was earned
    " at TEXT NOT NULL,"
    " PRIMARY KEY (installation_id, reason, key))",
    "CREATE INDEX IF NOT EXISTS engagement_awards_day ON engagement_awards (installation_id, day)",
)

CHALLENGES = ("ponta_week", "shower")


@dataclass(frozen=True)
class Enrolment:
    installation_id: str
    challenge: str
    start: dt.date
    channel: str
    at: dt.datetime


@dataclass(frozen=True)
class AwardRow:
    installation_id: str
    reason: str
    key: str
    points: int
    badge: str | None
    day: dt.date


def enrol(home: str | Path, installation_id: str, challenge: str, start: dt.date, channel: str,
          at: dt.datetime) -> bool:
    """Join a week challenge starting ``start``; ``False`` when already joined."""
    if challenge not in CHALLENGES:
        raise ValueError(f"unknown challenge: {challenge}")
    if at.tzinfo is None:
        raise ValueError("enrolment time must carry its UTC offset")
    with opstate_for(home).transaction() as db:
        cur = db.execute(
            "INSERT OR IGNORE INTO challenge_enrolments (installation_id, challenge, start_date, channel, at)"
            " VALUES (?, ?, ?, ?, ?)",
            (installation_id, challenge, start.isoformat(), channel, at.isoformat()),
        )
        return cur.rowcount == 1


def enrolments(home: str | Path, installation_id: str | None = None) -> list[Enrolment]:
    """Enrolments, oldest week first (of one installation when given)."""
    sql = "SELECT * FROM challenge_enrolments"
    params: tuple[Any, ...] = ()
    if installation_id is not None:
        sql += " WHERE installation_id = ?"
        params = (installation_id,)
    rows = opstate_for(home).query(sql + " ORDER BY start_date, installation_id, challenge", params)
    return [Enrolment(r["installation_id"], r["challenge"], dt.date.fromisoformat(r["start_date"]), r["channel"],
                      dt.datetime.fromisoformat(r["at"])) for r in rows]


def record_awards(home: str | Path, installation_id: str, items: Iterable[tuple[str, str, int, str | None, dt.date]],
                  at: dt.datetime) -> int:
    """Store awards ``(reason, key, points, badge, day)``; returns how many were new."""
    new = 0
    with opstate_for(home).transaction() as db:
        for reason, key, points, badge, day in items:
            cur = db.execute(
                "INSERT OR IGNORE INTO engagement_awards (installation_id, reason, key, points, badge, day, at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (installation_id, reason, key, int(points), badge, day.isoformat(), at.isoformat()),
            )
            new += cur.rowcount
    return new


def awards_of(home: str | Path, installation_id: str | None = None) -> list[AwardRow]:
    """Awards stored, by day earned (of one installation when given)."""
    sql = "SELECT * FROM engagement_awards"
    params: tuple[Any, ...] = ()
    if installation_id is not None:
        sql += " WHERE installation_id = ?"
        params = (installation_id,)
    rows = opstate_for(home).query(sql + " ORDER BY day, reason, key", params)
    return [AwardRow(r["installation_id"], r["reason"], r["key"], int(r["points"]), r["badge"],
                     dt.date.fromisoformat(r["day"])) for r in rows]


# ----------------------------------------------------------------------------- meter reads

DAILY_SQL = """SELECT CAST(ts AS DATE) AS day, sum(import_wh) AS import_wh, sum(interval_min) AS minutes
FROM load_profile
WHERE installation_id = $installation AND ts >= $start AND ts < $end
  AND month BETWEEN $month_lo AND $month_hi
GROUP BY 1
ORDER BY 1"""


def daily_usage(store: Store, installation_id: str, start: dt.date, end: dt.date) -> tuple[pd.DataFrame, str]:
    """kWh and covered minutes per day of ``[start, end]`` (days without readings are absent)."""
    lo, hi = f"{start:%Y-%m}", f"{end:%Y-%m}"
    params = {
        "installation": installation_id,
        "start": dt.datetime.combine(start, dt.time()),
        "end": dt.datetime.combine(end + dt.timedelta(days=1), dt.time()),
        "month_lo": lo,
        "month_hi": hi,
    }
    sql = store.scope_sql(DAILY_SQL, installation_id, (lo, hi))
    return store.df(sql, params), DAILY_SQL
