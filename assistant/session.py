"""Conversation state, identification status and the handoff queue (embedded SQLite).

Session ids are **server-issued** random tokens (``s-`` + 32 URL-safe characters), never a
phone number or a name the client picked. Every session is bound to who opened it (``binding``:
the channel plus the API key, the anonymous web/REST caller, or the WhatsApp number verified by
the Twilio signature); a session presented under another binding is not loaded — the caller
gets a fresh session with a new id. A session idle longer than ``idle_s`` is over: its
identification is gone and the next message starts a fresh session (the web chat also keeps its
id only for the browser session).

In-process callers (the CLI, the copilot page, evaluations) pass no binding and may name their
own session ids; such sessions are never reachable with a binding, and vice versa.

Once a customer is identified, the conversation context is kept per installation, so the same
customer continues a live conversation (a turn within ``idle_s``) from WhatsApp and from the web
chat; an older context is not adopted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

#: Identification guard: failures before an installation/phone is locked (a person releases it);
#: failures an address may make before waiting; first wait, doubled per further failure; cap.
ID_LOCK_AFTER = 3
ID_FREE_PER_ADDRESS = 5
ID_BASE_DELAY_S = 60.0
ID_MAX_DELAY_S = 3600.0
#: Identification (and the whole conversation) expires after this much inactivity by default.
DEFAULT_IDLE_S = 30 * 60
MAX_HISTORY = 20


def new_session_id() -> str:
    """A server-issued session id: 192 random bits."""
    return f"s-{secrets.token_urlsafe(24)}"


def _guard_key(subject: str) -> str:
    """Guard subjects are stored hashed except installation ids (not personal data)."""
    kind, _, value = subject.partition(":")
    return subject if kind == "inst" else f"{kind}:" + hashlib.sha256(value.encode()).hexdigest()[:32]


def guard_subjects(installation_id: str | None, phone: str | None, address: str | None) -> list[str]:
    """The subjects one identification attempt counts against (installation first)."""
    out = [f"inst:{installation_id}"] if installation_id else []
    if phone:
        out.append(f"phone:{phone}")
    if address:
        out.append(f"addr:{address}")
    return out


def phone_binding(phone: str) -> str:
    """The binding of a WhatsApp conversation (the number itself is not the key)."""
    return "twilio:" + hashlib.sha256(phone.encode()).hexdigest()[:32]


@dataclass
class SessionState:
    session_id: str
    channel: str = "web"
    binding: str | None = None  # who may continue this session (None: an in-process caller)
    address: str | None = None  # the caller's network address this turn (identification rate limit)
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
    # a service request proposed and waiting for the customer's explicit "sim" (assistant/service_requests.py):
    # {"id": server-issued key, "tool": "open_service_request", "args": {...}}
    pending_action: dict[str, Any] | None = None


def _epoch(stamp: object) -> float:
    """A context's ``updated_at``: epoch seconds (older rows: an ISO timestamp; unreadable: long ago)."""
    try:
        return float(str(stamp))
    except ValueError:
        try:
            return dt.datetime.fromisoformat(str(stamp)).timestamp()
        except ValueError:
            return 0.0


class SessionStore:
    """SQLite-backed store; thread-safe; one file under ``<home>/assistant.sqlite`` (mode 0600)."""

    def __init__(self, path: str | Path = ":memory:", idle_s: float = DEFAULT_IDLE_S,
                 clock: Callable[[], float] = time.time) -> None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            _private_file(Path(path))
        self._lock = threading.Lock()
        self.idle_s = idle_s
        self.clock = clock
        self.db = sqlite3.connect(str(path), check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL") if path != ":memory:" else None
        self.db.executescript(
            """
            DROP TABLE IF EXISTS sessions;  -- unbound sessions of earlier versions: never valid again
            CREATE TABLE IF NOT EXISTS chat_sessions (
                session_id TEXT PRIMARY KEY, binding TEXT, state TEXT, created_at REAL, updated_at REAL);
            CREATE INDEX IF NOT EXISTS chat_sessions_binding ON chat_sessions (binding, updated_at);
            CREATE TABLE IF NOT EXISTS contexts (installation_id TEXT PRIMARY KEY, state TEXT, updated_at TEXT);
            CREATE TABLE IF NOT EXISTS handoffs (
                id TEXT PRIMARY KEY, session_id TEXT, installation_id TEXT, channel TEXT, reason TEXT,
                summary TEXT, status TEXT, created_at TEXT);
            CREATE TABLE IF NOT EXISTS seen_messages (message_id TEXT PRIMARY KEY, reply TEXT, created_at TEXT);
            CREATE TABLE IF NOT EXISTS id_guard (subject TEXT PRIMARY KEY, failures INTEGER, last REAL, locked INTEGER);
            """
        )
        self.db.commit()
        if path != ":memory:":
            for suffix in ("-wal", "-shm"):
                _private_file(Path(str(path) + suffix), create=False)

    # -------------------------------------------------------------- sessions
    def load(self, session_id: str | None, channel: str = "web", audience: str = "customer",
             binding: str | None = None) -> SessionState:
        """The session ``session_id`` if it exists under the same binding and is not idle-expired;
        otherwise a fresh one (server-issued id whenever a binding is given)."""
        row = None
        if session_id:
            with self._lock:
                row = self.db.execute(
                    "SELECT binding, state, updated_at FROM chat_sessions WHERE session_id = ?", [session_id]
                ).fetchone()
        if row and row[0] == binding and self.clock() - float(row[2]) <= self.idle_s:
            state = SessionState(**json.loads(row[1]))
            state.channel = channel or state.channel
            return state
        reuse = session_id if (session_id and binding is None and row is None) else None  # in-process, new
        return SessionState(session_id=reuse or new_session_id(), channel=channel, audience=audience,
                            binding=binding)

    def latest_for(self, binding: str) -> str | None:
        """The live session of a binding (a WhatsApp number continues its conversation)."""
        with self._lock:
            row = self.db.execute(
                "SELECT session_id FROM chat_sessions WHERE binding = ? AND updated_at >= ? "
                "ORDER BY updated_at DESC LIMIT 1", [binding, self.clock() - self.idle_s]
            ).fetchone()
        return str(row[0]) if row else None

    def save(self, state: SessionState) -> None:
        state.history = state.history[-MAX_HISTORY:]
        now = self.clock()
        data = asdict(state)
        data["address"] = None  # per turn only: not kept
        payload = json.dumps(data, ensure_ascii=False, default=str)
        with self._lock:
            row = self.db.execute("SELECT binding, created_at FROM chat_sessions WHERE session_id = ?",
                                  [state.session_id]).fetchone()
            if row and row[0] != state.binding:  # never overwrite another binding's session
                raise PermissionError("session bound to another caller")
            self.db.execute("INSERT OR REPLACE INTO chat_sessions VALUES (?, ?, ?, ?, ?)",
                            [state.session_id, state.binding, payload, row[1] if row else now, now])
            if state.installation_id and state.audience == "customer":
                ctx = {"last_intent": state.last_intent, "last_slots": state.last_slots, "history": state.history}
                self.db.execute(
                    "INSERT OR REPLACE INTO contexts VALUES (?, ?, ?)",
                    [state.installation_id, json.dumps(ctx, ensure_ascii=False, default=str), str(now)],
                )
            self.db.commit()

    def adopt_context(self, state: SessionState) -> None:
        """After identification, continue the installation's conversation from any channel, if it
        is still live (a turn within ``idle_s``): a question asked days later is a new conversation,
        not a follow-up of the last one."""
        if not state.installation_id:
            return
        with self._lock:
            row = self.db.execute(
                "SELECT state, updated_at FROM contexts WHERE installation_id = ?", [state.installation_id]
            ).fetchone()
        if row and self.clock() - _epoch(row[1]) <= self.idle_s:
            ctx = json.loads(row[0])
            state.last_intent = ctx.get("last_intent")
            state.last_slots = ctx.get("last_slots") or {}
            state.history = (ctx.get("history") or []) + state.history

    # -------------------------------------------------------------- identification guard (H1)
    def id_guard(self, subjects: list[str]) -> tuple[bool, float]:
        """``(locked, wait_s)`` over ``subjects`` (``inst:…``, ``phone:…``, ``addr:…``).

        An installation or a phone with ``ID_LOCK_AFTER`` failures is locked until a person
        releases it (:meth:`id_release`); an address gets ``ID_FREE_PER_ADDRESS`` failures free,
        then waits ``ID_BASE_DELAY_S`` doubling with every further failure (at most an hour).
        """
        now = self.clock()
        locked, wait = False, 0.0
        with self._lock:
            for subject in subjects:
                row = self.db.execute("SELECT failures, last, locked FROM id_guard WHERE subject = ?",
                                      [_guard_key(subject)]).fetchone()
                if row is None:
                    continue
                failures, last, is_locked = int(row[0]), float(row[1]), bool(row[2])
                locked = locked or is_locked
                if subject.startswith("addr:") and failures >= ID_FREE_PER_ADDRESS:
                    delay = min(ID_BASE_DELAY_S * 2 ** (failures - ID_FREE_PER_ADDRESS), ID_MAX_DELAY_S)
                    wait = max(wait, last + delay - now)
        return locked, max(0.0, wait)

    def id_failure(self, subjects: list[str]) -> tuple[int, bool]:
        """Count one failed identification on each subject; returns (failures of the first subject,
        True when this failure locked an installation or phone that was not locked)."""
        now = self.clock()
        first, newly = 0, False
        with self._lock:
            for i, subject in enumerate(subjects):
                key = _guard_key(subject)
                row = self.db.execute("SELECT failures, locked FROM id_guard WHERE subject = ?", [key]).fetchone()
                failures = (int(row[0]) if row else 0) + 1
                was_locked = bool(row[1]) if row else False
                lock = was_locked or (not subject.startswith("addr:") and failures >= ID_LOCK_AFTER)
                newly = newly or (lock and not was_locked)
                self.db.execute("INSERT OR REPLACE INTO id_guard VALUES (?, ?, ?, ?)", [key, failures, now, int(lock)])
                if i == 0:
                    first = failures
            self.db.commit()
        return first, newly

    def id_success(self, subjects: list[str]) -> None:
        """A confirmed identification clears the failures of its installation and phone (not of the address)."""
        with self._lock:
            for subject in subjects:
                if not subject.startswith("addr:"):
                    self.db.execute("DELETE FROM id_guard WHERE subject = ? AND locked = 0", [_guard_key(subject)])
            self.db.commit()

    def id_release(self, subject: str) -> bool:
        """A person releases a locked installation or phone (``smartmeter identification unlock``)."""
        with self._lock:
            cur = self.db.execute("DELETE FROM id_guard WHERE subject = ?", [_guard_key(subject)])
            self.db.commit()
        return cur.rowcount > 0

    # -------------------------------------------------------------- handoff queue
    def add_handoff(self, state: SessionState, reason: str, summary: dict[str, Any]) -> str:
        hid = f"h-{uuid.uuid4().hex[:10]}"
        now = dt.datetime.fromtimestamp(self.clock(), dt.UTC).isoformat()  # the store's clock: the queue's age
        with self._lock:
            self.db.execute(
                "INSERT INTO handoffs VALUES (?, ?, ?, ?, ?, ?, 'aberto', ?)",
                [hid, state.session_id, state.installation_id, state.channel, reason,
                 json.dumps(summary, ensure_ascii=False, default=str), now],
            )
            self.db.commit()
        return hid

    def handoffs(self, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """The handoff queue in the order an agent takes it: open urgent cases first, then open cases
        by age (oldest first), then closed cases (newest first)."""
        sql = "SELECT id, session_id, installation_id, channel, reason, summary, status, created_at FROM handoffs"
        params: list[Any] = []
        if status:
            sql += " WHERE status = ?"
            params.append(status)
        # the agent's order: open cases before closed ones; among open ones, urgent (emergencies:
        # risk to life, a fallen wire, fire...) first, then the longest waiting; closed ones newest first
        sql += (
            " ORDER BY status = 'aberto' DESC,"
            " CASE WHEN status = 'aberto' THEN json_extract(summary, '$.priority') = 'urgent' END DESC,"
            " CASE WHEN status = 'aberto' THEN created_at END ASC, created_at DESC LIMIT ?"
        )
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
            row = self.db.execute("SELECT reply FROM seen_messages WHERE message_id = ?", [message_id]).fetchone()
        return row[0] if row else None

    def set_reply(self, message_id: str, reply: str) -> None:
        """The answer given to a processed message (a channel retry gets the same answer)."""
        with self._lock:
            self.db.execute("UPDATE seen_messages SET reply = ? WHERE message_id = ?", [reply, message_id])
            self.db.commit()

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


def _private_file(path: Path, create: bool = True) -> None:
    """Create (or fix) ``path`` readable by its owner only (0600)."""
    try:
        if create and not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        if path.exists():
            os.chmod(path, 0o600)
    except OSError:
        pass
