"""Token buckets per API key, WhatsApp number and client address, shared by every worker.

The buckets live in SQLite (``<home>/ratelimit.sqlite``, mode 0600, WAL): several uvicorn worker
processes draw from the same bucket and a restart does not refill it. Keys are stored hashed
(a phone number is personal data). Without a path (unit tests) the buckets are in memory.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path


class RateLimiter:
    def __init__(self, path: str | Path | None = None, clock: Callable[[], float] = time.time) -> None:
        self._lock = threading.Lock()
        self.clock = clock
        target = ":memory:"
        if path is not None:
            p = Path(path)
            p.parent.mkdir(parents=True, exist_ok=True)
            if not p.exists():
                os.close(os.open(p, os.O_CREAT | os.O_WRONLY, 0o600))
            os.chmod(p, 0o600)
            target = str(p)
        self.db = sqlite3.connect(target, check_same_thread=False, timeout=10, isolation_level=None)
        if target != ":memory:":
            self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS buckets (key TEXT PRIMARY KEY, tokens REAL, last REAL)")

    def allow(self, key: str, per_minute: int) -> bool:
        """Take one token from ``key``'s bucket (capacity = per_minute, refilled continuously)."""
        hkey = hashlib.sha256(key.encode()).hexdigest()[:32]
        rate = per_minute / 60.0
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                now = self.clock()
                row = self.db.execute("SELECT tokens, last FROM buckets WHERE key = ?", [hkey]).fetchone()
                tokens, last = (float(per_minute), now) if row is None else (float(row[0]), float(row[1]))
                tokens = min(float(per_minute), tokens + max(0.0, now - last) * rate)
                allowed = tokens >= 1.0
                self.db.execute("INSERT OR REPLACE INTO buckets VALUES (?, ?, ?)",
                                [hkey, tokens - 1.0 if allowed else tokens, now])
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
        return allowed
