"""Conversation state, identification status and the handoff queue (embedded SQLite).

Channel-agnostic: a session id comes from the channel (web cookie, WhatsApp number, REST
caller). Once a customer is identified, the conversation context is kept per installation,
so the same customer continues the same context from WhatsApp and from the web chat.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class SessionState:
    session_id: str
    channel: str = "web"
    audience: str = "customer"
    installation_id: str | None = None  # identified installation (LGPD scope)
    identified_by: str | None = None  # phone+cpf | installation+cpf | integrator
    candidate_installation: str | None = None  # awaiting confirmation
    awaiting: str | None = None  # "installation" | "cpf" | None
    id_attempts: int = 0
    phone: str | None = None
    failures: int = 0
    pending_text: str | None = None  # question asked before identification
    last_intent: str | None = None
    last_slots: dict[str, Any] = field(default_factory=dict)
    last_detail: str = ""
    history: list[dict[str, Any]] = field(default_factory=list)  # masked turns (role, text, intent)
    opted_out: bool = False
    clarify_options: list[str] = field(default_factory=list)  # intents offered in a clarifying question
    clarify_text: str | None = None  # the ambiguous question, answered once the customer picks an option


class SessionStore:
    """SQLite-backed store; thread-safe; one file under ``<home>/assistant.sqlite``."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self.db = sqlite3.connect(str(path), check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL") if path != ":memory:" else None
        self.db.executescript(
            """
            CREATE TABLE IF NOT EXISTS sessions (session_id TEXT PRIMARY KEY, state TEXT, updated_at TEXT);
            CREATE TABLE IF NOT EXISTS contexts (installation_id TEXT PRIMARY KEY, state TEXT, updated_at TEXT);
            CREATE TABLE IF NOT EXISTS handoffs (
                id TEXT PRIMARY KEY, session_id TEXT, installation_id TEXT, channel TEXT, reason TEXT,
                summary TEXT, status TEXT, created_at TEXT);
            CREATE TABLE IF NOT EXISTS seen_messages (message_id TEXT PRIMARY KEY, reply TEXT, created_at TEXT);
            """
        )
        self.db.commit()

    # -------------------------------------------------------------- sessions
    def load(self, session_id: str | None, channel: str = "web", audience: str = "customer") -> SessionState:
        sid = session_id or f"s-{uuid.uuid4().hex[:12]}"
        with self._lock:
            row = self.db.execute("SELECT state FROM sessions WHERE session_id = ?", [sid]).fetchone()
        if row:
            data = json.loads(row[0])
            state = SessionState(**data)
            state.channel = channel or state.channel
            return state
        return SessionState(session_id=sid, channel=channel, audience=audience)

    def save(self, state: SessionState) -> None:
        state.history = state.history[-20:]
        now = dt.datetime.now(dt.UTC).isoformat()
        payload = json.dumps(asdict(state), ensure_ascii=False, default=str)
        with self._lock:
            self.db.execute(
                "INSERT OR REPLACE INTO sessions VALUES (?, ?, ?)", [state.session_id, payload, now]
            )
            if state.installation_id and state.audience == "customer":
                ctx = {
                    "last_intent": state.last_intent,
                    "last_slots": state.last_slots,
                    "history": state.history,
                }
                self.db.execute(
                    "INSERT OR REPLACE INTO contexts VALUES (?, ?, ?)",
                    [state.installation_id, json.dumps(ctx, ensure_ascii=False, default=str), now],
                )
            self.db.commit()

    def adopt_context(self, state: SessionState) -> None:
        """After identification, continue the installation's conversation from any channel."""
        if not state.installation_id:
            return
        with self._lock:
            row = self.db.execute(
                "SELECT state FROM contexts WHERE installation_id = ?", [state.installation_id]
            ).fetchone()
        if row:
            ctx = json.loads(row[0])
            state.last_intent = ctx.get("last_intent")
            state.last_slots = ctx.get("last_slots") or {}
            state.history = (ctx.get("history") or []) + state.history

    # -------------------------------------------------------------- handoff queue
    def add_handoff(self, state: SessionState, reason: str, summary: dict[str, Any]) -> str:
        hid = f"h-{uuid.uuid4().hex[:10]}"
        now = dt.datetime.now(dt.UTC).isoformat()
        with self._lock:
            self.db.execute(
                "INSERT INTO handoffs VALUES (?, ?, ?, ?, ?, ?, 'aberto', ?)",
                [
                    hid,
                    state.session_id,
                    state.installation_id,
                    state.channel,
                    reason,
                    json.dumps(summary, ensure_ascii=False, default=str),
                    now,
                ],
            )
            self.db.commit()
        return hid

    def handoffs(self, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        sql = "SELECT id, session_id, installation_id, channel, reason, summary, status, created_at FROM handoffs"
        params: list[Any] = []
        if status:
            sql += " WHERE status = ?"
            params.append(status)
        sql += " ORDER BY created_at DESC LIMIT ?"
        params.append(limit)
        with self._lock:
            rows = self.db.execute(sql, params).fetchall()
        keys = ("id", "session_id", "installation_id", "channel", "reason", "summary", "status", "created_at")
        out = []
        for r in rows:
            d = dict(zip(keys, r, strict=True))
            d["summary"] = json.loads(d["summary"])
            out.append(d)
        return out

    def close_handoff(self, handoff_id: str) -> None:
        with self._lock:
            self.db.execute("UPDATE handoffs SET status = 'encerrado' WHERE id = ?", [handoff_id])
            self.db.commit()

    # -------------------------------------------------------------- channel dedup (e.g. Twilio MessageSid)
    def seen(self, message_id: str) -> str | None:
        with self._lock:
            row = self.db.execute(
                "SELECT reply FROM seen_messages WHERE message_id = ?", [message_id]
            ).fetchone()
        return row[0] if row else None

    def remember(self, message_id: str, reply: str) -> bool:
        """Record a processed message; False if it was already recorded."""
        now = dt.datetime.now(dt.UTC).isoformat()
        with self._lock:
            try:
                self.db.execute("INSERT INTO seen_messages VALUES (?, ?, ?)", [message_id, reply, now])
                self.db.commit()
                return True
            except sqlite3.IntegrityError:
                return False
