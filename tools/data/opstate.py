"""Operational state written while the product runs: what customers and channels decide, as
opposed to what meters measured.

The meter store (DuckDB over the lake) is written by ingest and read through snapshots, so a
running server cannot write to it. State that comes from a conversation or a channel — consents
(LGPD: purpose, date, channel), goals, points and badges, proactive notices sent, the
service-request outbox — lives in one SQLite file in the home, ``operational.sqlite`` (WAL,
readable by its owner only). Each topic module in ``tools.data`` declares its tables with
:func:`register_tables` at import time; :func:`opstate_for` opens (once per home and process) the
file with every declared table created.

Only ``tools.data`` touches this file; tools reach it through ``ToolContext.store.home``.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

FILE_NAME = "operational.sqlite"

_DDL: dict[str, tuple[str, ...]] = {}
_OPEN: dict[Path, OpState] = {}
_OPEN_LOCK = threading.Lock()


def register_tables(topic: str, *ddl: str) -> None:
    """Declare a topic's ``CREATE TABLE IF NOT EXISTS`` / ``CREATE INDEX IF NOT EXISTS`` statements."""
    _DDL[topic] = tuple(ddl)


class OpState:
    """One SQLite connection per home, serialised by a lock (writes are small and rare)."""

    def __init__(self, home: str | Path) -> None:
        self.path = Path(home).resolve() / FILE_NAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        os.chmod(self.path, 0o600)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, timeout=10.0, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._created: set[str] = set()
        self._ensure_tables()

    def _ensure_tables(self) -> None:
        for topic, statements in list(_DDL.items()):
            if topic in self._created:
                continue
            for stmt in statements:
                self._db.execute(stmt)
            self._created.add(topic)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``with state.transaction() as db: db.execute(...)`` — one atomic write."""
        with self._lock:
            self._ensure_tables()
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def query(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            self._ensure_tables()
            return list(self._db.execute(sql, params).fetchall())

    def close(self) -> None:
        with self._lock:
            self._db.close()


def opstate_for(home: str | Path) -> OpState:
    """The process-wide :class:`OpState` of ``home`` (opened on first use)."""
    key = Path(home).resolve()
    with _OPEN_LOCK:
        state = _OPEN.get(key)
        if state is None:
            state = _OPEN[key] = OpState(key)
        return state
