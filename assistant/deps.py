"""Dependencies of the assistant: store, sessions, retriever, clock, settings, audit log."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.config import AssistantSettings, get_settings
from assistant.masking import mask
from assistant.session import SessionState, SessionStore
from tools.api.admin import open_store
from tools.types import ToolResult

if TYPE_CHECKING:
    from assistant.engine import ChatRequest, ChatResponse

log = logging.getLogger(__name__)


@dataclass
class AssistantDeps:
    """Everything a turn needs. ``today`` is the data's today unless overridden."""

    home: Path
    store: Any
    sessions: SessionStore
    settings: AssistantSettings = field(default_factory=get_settings)
    today: dt.date | None = None
    clock: Callable[[], dt.datetime] | None = None  # the turn's instant with its offset (None: the system clock)
    _retriever: Any = None
    _today_generation: int | None = None  # store generation "today" was computed at (None: given)
    _retriever_failed: bool = False

    @classmethod
    def from_home(cls, home: str | Path, today: dt.date | None = None, read_only: bool = True,
                  settings: AssistantSettings | None = None) -> AssistantDeps:
        home = Path(home)
        store = open_store(home, read_only=read_only)
        s = settings or get_settings()
        sessions = SessionStore(home / "assistant.sqlite", idle_s=s.session_idle_min * 60)
        if today is None and s.today:
            today = dt.date.fromisoformat(s.today)
        return cls(home=home, store=store, sessions=sessions, settings=s, today=today)

    def data_today(self) -> dt.date:
        """The data's today (cached; computed again when the store moved to newer data after an ingest)."""
        generation = getattr(self.store, "generation", 0)
        if self.today is None or (self._today_generation is not None and self._today_generation != generation):
            self.today = self.store.data_today() or dt.date.today()
            self._today_generation = generation
        return self.today

    def now(self) -> dt.datetime | None:
        """The instant of this turn (a service request opened now is stamped with it); None: the system clock."""
        return self.clock() if self.clock is not None else None

    # ------------------------------------------------------------------ knowledge
    def retriever(self) -> Any:
        if self._retriever is None and not self._retriever_failed:
            try:
                from assistant.knowledge_tool import make_retriever

                self._retriever = make_retriever(self.home)
            except Exception:  # the index may not be built yet: answer "não sei" honestly
                log.warning("knowledge.retriever_unavailable", exc_info=True)
                self._retriever_failed = True
        return self._retriever

    def search_knowledge(self, query: str, audience: str) -> ToolResult[Any] | None:
        retriever = self.retriever()
        if retriever is None:
            return None
        from assistant.knowledge_tool import search_knowledge

        return search_knowledge(retriever, query, audience=audience, k=3)

    # ------------------------------------------------------------------ audit
    def audit(self, req: ChatRequest, resp: ChatResponse, state: SessionState, logged_text: str | None = None) -> None:
        """One JSON line per turn; personal data masked, text capped, file readable by its owner only."""
        path = self.home / "logs" / "audit.jsonl"
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            entry = {
                "ts": time.strftime("%Y-%m-%dT%H:%M:%S"),
                "session_id": resp.session_id,
                "channel": req.channel,
                "audience": req.audience,
                "identified": resp.identified,
                "installation_tail": (state.installation_id or "")[-4:] or None,
                "text": logged_text if logged_text is not None else mask(req.text[:2000]),
                "intent": resp.intent,
                "slots": resp.slots,
                "tool_calls": [
                    {"name": c["name"], "arguments": c.get("arguments"), "error": c.get("error"),
                     "digest": _digest(c.get("result"))}
                    for c in resp.tool_calls
                ],
                "refused": resp.refused,
                "handoff": resp.handoff,
                "engine": resp.engine,
                "latency_ms": resp.latency_ms,
            }
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")
        except OSError:
            log.warning("audit.write_failed")


def _digest(result: Any) -> str | None:
    if result is None:
        return None
    import hashlib

    return hashlib.sha256(json.dumps(result, sort_keys=True, default=str).encode()).hexdigest()[:16]
