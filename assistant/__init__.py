"""Routing, tool calling and phrasing; no numbers of its own.

Public API: :class:`Assistant`, :class:`ChatRequest`, :class:`ChatResponse`, :class:`AssistantDeps`.
Imported lazily so that light modules (``assistant.i18n``) stay cheap to import.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Assistant", "AssistantDeps", "ChatRequest", "ChatResponse"]


def __getattr__(name: str) -> Any:
    if name in ("Assistant", "ChatRequest", "ChatResponse"):
        from assistant import engine

        return getattr(engine, name)
    if name == "AssistantDeps":
        from assistant.deps import AssistantDeps

        return AssistantDeps
    raise AttributeError(name)
