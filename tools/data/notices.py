"""Proactive notices sent (or deliberately not sent), for deduplication, throttling and the
copilot's engagement figures. One row per (installation, kind, key): ``key`` names what the notice
is about (``2026-11-25`` for a daily digest, ``goal:2026-11`` for a goal alert, an outage id), so a
job that runs twice sends once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tools.data.opstate import opstate_for, register_tables

register_tables(
    "notices",
    "CREATE TABLE IF NOT EXISTS notices_sent ("
    " installation_id TEXT NOT NULL,"
    " kind TEXT NOT NULL,"  # daily_digest | goal_alert | outage_down | outage_up | high_bill | ...
    " key TEXT NOT NULL,"
    " channel TEXT NOT NULL,"
    " at TEXT NOT NULL,"  # ISO 8601 with offset
    " message_sid TEXT,"
    " PRIMARY KEY (installation_id, kind, key))",
    "CREATE INDEX IF NOT EXISTS notices_sent_at ON notices_sent (installation_id, at)",
)


@dataclass(frozen=True)
class Notice:
    installation_id: str
    kind: str
    key: str
    channel: str
    at: datetime
    message_sid: str | None


def _row(r: Any) -> Notice:
    return Notice(r["installation_id"], r["kind"], r["key"], r["channel"], datetime.fromisoformat(r["at"]), r["message_sid"])


def claim_notice(home: str | Path, installation_id: str, kind: str, key: str, channel: str, at: datetime) -> bool:
    """Reserve (installation, kind, key) before sending; ``False`` when it was already claimed."""
    if at.tzinfo is None:
        raise ValueError("notice time must carry its UTC offset")
    with opstate_for(home).transaction() as db:
        cur = db.execute(
            "INSERT OR IGNORE INTO notices_sent (installation_id, kind, key, channel, at) VALUES (?, ?, ?, ?, ?)",
            (installation_id, kind, key, channel, at.isoformat()),
        )
        return cur.rowcount == 1


def release_notice(home: str | Path, installation_id: str, kind: str, key: str) -> None:
    """Undo a claim whose sending failed, so the next run tries again."""
    with opstate_for(home).transaction() as db:
        db.execute("DELETE FROM notices_sent WHERE installation_id = ? AND kind = ? AND key = ?", (installation_id, kind, key))


def mark_delivered(home: str | Path, installation_id: str, kind: str, key: str, message_sid: str | None) -> None:
    with opstate_for(home).transaction() as db:
        db.execute("UPDATE notices_sent SET message_sid = ? WHERE installation_id = ? AND kind = ? AND key = ?",
                   (message_sid, installation_id, kind, key))


def notices(home: str | Path, installation_id: str | None = None, kind: str | None = None,
            since: datetime | None = None) -> list[Notice]:
    """Notices recorded, oldest first, filtered by installation, kind and time."""
    where, params = ["1 = 1"], []
    if installation_id is not None:
        where.append("installation_id = ?")
        params.append(installation_id)
    if kind is not None:
        where.append("kind = ?")
        params.append(kind)
    rows = opstate_for(home).query(f"SELECT * FROM notices_sent WHERE {' AND '.join(where)} ORDER BY at", tuple(params))
    out = [_row(r) for r in rows]
    return [n for n in out if since is None or n.at >= since]
