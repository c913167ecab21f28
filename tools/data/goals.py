"""Monthly goals the customers set by chat (R$ or kWh per billing cycle), on the operational state.

Append-only like the consent log: every goal set (or cleared) is a row, the installation's current
goal is its latest row, so "when did I set it?" has an answer and nothing is overwritten.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import tools.data.notices  # noqa: F401  (the notices_sent table goal_outcomes reads)
from tools.data.opstate import opstate_for, register_tables

GoalUnit = Literal["brl", "kwh"]
UNITS: tuple[GoalUnit, ...] = ("brl", "kwh")

register_tables(
    "goals",
    "CREATE TABLE IF NOT EXISTS goals ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " installation_id TEXT NOT NULL,"
    " unit TEXT,"  # brl | kwh; NULL with amount NULL: the goal was cleared
    " amount TEXT,"  # Decimal as text (exact)
    " channel TEXT NOT NULL,"
    " at TEXT NOT NULL)",  # ISO 8601 with offset
    "CREATE INDEX IF NOT EXISTS goals_inst ON goals (installation_id, seq)",
)


@dataclass(frozen=True)
class Goal:
    installation_id: str
    unit: GoalUnit
    amount: Decimal
    channel: str
    at: datetime


def set_goal(home: str | Path, installation_id: str, unit: GoalUnit, amount: Decimal, channel: str,
             at: datetime) -> Goal:
    """Record the installation's goal per cycle (it replaces the previous one); the same goal said
    again is the goal in force, not a new row."""
    if unit not in UNITS:
        raise ValueError(f"unknown goal unit: {unit}")
    if amount <= 0:
        raise ValueError("goal must be positive")
    if at.tzinfo is None:
        raise ValueError("goal time must carry its UTC offset")
    now = current_goal(home, installation_id)
    if now is not None and (now.unit, now.amount) == (unit, amount):
        return now
    with opstate_for(home).transaction() as db:
        db.execute("INSERT INTO goals (installation_id, unit, amount, channel, at) VALUES (?, ?, ?, ?, ?)",
                   (installation_id, unit, str(amount), channel, at.isoformat()))
    return Goal(installation_id, unit, amount, channel, at)


def clear_goal(home: str | Path, installation_id: str, channel: str, at: datetime) -> None:
    """The customer gave the goal up: a row without amount."""
    if at.tzinfo is None:
        raise ValueError("goal time must carry its UTC offset")
    with opstate_for(home).transaction() as db:
        db.execute("INSERT INTO goals (installation_id, unit, amount, channel, at) VALUES (?, NULL, NULL, ?, ?)",
                   (installation_id, channel, at.isoformat()))


def _row(r: Any) -> Goal | None:
    if r["amount"] is None:
        return None
    return Goal(r["installation_id"], r["unit"], Decimal(r["amount"]), r["channel"], datetime.fromisoformat(r["at"]))


def current_goal(home: str | Path, installation_id: str) -> Goal | None:
    """The goal in force (``None``: never set, or cleared)."""
    rows = opstate_for(home).query(
        "SELECT * FROM goals WHERE installation_id = ? ORDER BY seq DESC LIMIT 1", (installation_id,))
    return _row(rows[0]) if rows else None


def goals_in_force(home: str | Path) -> list[Goal]:
    """Every installation's goal in force, by installation id (for the proactive goal alerts)."""
    rows = opstate_for(home).query(
        "SELECT g.* FROM goals g JOIN (SELECT installation_id, max(seq) AS seq FROM goals GROUP BY installation_id) m"
        " ON g.seq = m.seq WHERE g.amount IS NOT NULL ORDER BY g.installation_id")
    return [g for g in (_row(r) for r in rows) if g is not None]


def daily_budget(home: str | Path, installation_id: str, month_start: date) -> Decimal | None:
    """kWh a day of a goal in kWh in force on ``month_start`` (goal ÷ days of that month); ``None``
    without a goal or for a goal in R$ (its kWh depend on the tariff: ``goal_progress`` has them)."""
    rows = opstate_for(home).query(
        "SELECT * FROM goals WHERE installation_id = ? AND substr(at, 1, 10) <= ? ORDER BY seq DESC LIMIT 1",
        (installation_id, month_start.isoformat()))
    goal = _row(rows[0]) if rows else None
    if goal is None or goal.unit != "kwh":
        return None
    days = monthrange(month_start.year, month_start.month)[1]
    return goal.amount / days


def goal_outcomes(home: str | Path, start: date, end: date) -> tuple[int, int]:
    """(installations that set a goal in ``[start, end]``, those of them sent no goal alert in that
    period: their projection never passed the goal, as far as the alerts know)."""
    lo, hi = start.isoformat(), end.isoformat()
    setters = {r["installation_id"] for r in opstate_for(home).query(
        "SELECT DISTINCT installation_id FROM goals WHERE amount IS NOT NULL AND substr(at, 1, 10) BETWEEN ? AND ?",
        (lo, hi))}
    alerted = {r["installation_id"] for r in opstate_for(home).query(
        "SELECT DISTINCT installation_id FROM notices_sent WHERE kind = 'goal_alert' AND substr(at, 1, 10) BETWEEN ? AND ?",
        (lo, hi))} if setters else set()
    return len(setters), len(setters - alerted)
