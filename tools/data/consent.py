"""Consents for proactive messages (LGPD art. 7º I and 8º: purpose, date, channel, revocable).

Append-only history (``consent_log``): every opt-in and opt-out is a row, never updated, so the
distributor can show what the customer agreed to and when. The current state of an
(installation, purpose) pair is its latest row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from tools.data.opstate import opstate_for, register_tables

Purpose = Literal["daily_digest", "goal_alerts", "outage_notices"]
PURPOSES: tuple[Purpose, ...] = ("daily_digest", "goal_alerts", "outage_notices")
Channel = Literal["whatsapp", "web", "voice", "rest", "operator"]

register_tables(
    "consent",
    "CREATE TABLE IF NOT EXISTS consent_log ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " installation_id TEXT NOT NULL,"
    " purpose TEXT NOT NULL,"
    " granted INTEGER NOT NULL,"  # 1 opt-in, 0 opt-out
    " channel TEXT NOT NULL,"
    " at TEXT NOT NULL,"  # ISO 8601 with offset
    " details TEXT NOT NULL DEFAULT '{}')",  # JSON: e.g. {"hour": 8} for the daily digest
    "CREATE INDEX IF NOT EXISTS consent_log_inst ON consent_log (installation_id, purpose, seq)",
)


@dataclass(frozen=True)
class Consent:
    installation_id: str
    purpose: str
    granted: bool
    channel: str
    at: datetime
    details: dict[str, Any]


def record_consent(home: str | Path, installation_id: str, purpose: Purpose, channel: Channel, granted: bool,
                   at: datetime, details: dict[str, Any] | None = None) -> None:
    """Append an opt-in (``granted=True``) or opt-out for one purpose."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown consent purpose: {purpose}")
    if at.tzinfo is None:
        raise ValueError("consent time must carry its UTC offset")
    with opstate_for(home).transaction() as db:
        db.execute(
            "INSERT INTO consent_log (installation_id, purpose, granted, channel, at, details) VALUES (?, ?, ?, ?, ?, ?)",
            (installation_id, purpose, int(granted), channel, at.isoformat(), json.dumps(details or {}, sort_keys=True)),
        )


def _row(r: Any) -> Consent:
    return Consent(r["installation_id"], r["purpose"], bool(r["granted"]), r["channel"],
                   datetime.fromisoformat(r["at"]), json.loads(r["details"]))


_LATEST = (
    "SELECT c.* FROM consent_log c JOIN (SELECT installation_id, purpose, max(seq) AS seq FROM consent_log"
    " GROUP BY installation_id, purpose) m ON c.seq = m.seq"
)


def current_consent(home: str | Path, installation_id: str, purpose: Purpose) -> Consent | None:
    """The latest decision of this installation for this purpose (``None``: never asked)."""
    rows = opstate_for(home).query(
        "SELECT * FROM consent_log WHERE installation_id = ? AND purpose = ? ORDER BY seq DESC LIMIT 1",
        (installation_id, purpose),
    )
    return _row(rows[0]) if rows else None


def has_consent(home: str | Path, installation_id: str, purpose: Purpose) -> bool:
    c = current_consent(home, installation_id, purpose)
    return c is not None and c.granted


def consented(home: str | Path, purpose: Purpose) -> list[Consent]:
    """Every installation whose latest decision for ``purpose`` is an opt-in, by installation id."""
    rows = opstate_for(home).query(f"{_LATEST} WHERE c.purpose = ? AND c.granted = 1 ORDER BY c.installation_id", (purpose,))
    return [_row(r) for r in rows]


def consent_history(home: str | Path, installation_id: str) -> list[Consent]:
    """Every decision of one installation, oldest first (what the customer can ask to see)."""
    rows = opstate_for(home).query("SELECT * FROM consent_log WHERE installation_id = ? ORDER BY seq", (installation_id,))
    return [_row(r) for r in rows]
