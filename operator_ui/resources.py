"""Cached, read-only resources shared by the copilot pages.

* :func:`assistant` — one :class:`assistant.Assistant` per home (``st.cache_resource``); its
  DuckDB store is opened **read-only** (the API server may hold the same files). Released
  (store and session database closed) when the resource cache is cleared.
* :func:`tool` — run a registered tool as an operator; results cached per home and arguments
  for five minutes (``st.cache_data``).
* :func:`topology` — installation attributes (no personal data) for the drill-down pickers.

Every cached function takes the home as an argument, so two homes never share an entry (AppTest
runs apps in-process; tests point ``SMARTMETER_HOME`` at their own store).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import streamlit as st

from assistant import Assistant, AssistantDeps, ChatRequest, ChatResponse
from tools import registry
from tools.api import Scope, ToolContext, run_tool
from tools.api.admin import list_installations
from tools.errors import ToolError
from tools.types import ToolResult

CACHE_TTL_S = 300


def home() -> str:
    """The store home of this app (``$SMARTMETER_HOME``, else ``./.smartmeter``)."""
    return str(Path(os.environ.get("SMARTMETER_HOME", ".smartmeter")).resolve())


def _release(obj: Assistant) -> None:
    try:
        obj.deps.store.close()
    finally:
        obj.deps.sessions.db.close()


@st.cache_resource(show_spinner=False, on_release=_release)
def _assistant(home_dir: str) -> Assistant:
    return Assistant(AssistantDeps.from_home(home_dir, read_only=True))


def assistant() -> Assistant:
    return _assistant(home())


def data_today() -> Any:
    return assistant().deps.data_today()


@st.cache_data(show_spinner=False, ttl=CACHE_TTL_S, max_entries=512)
def _tool(home_dir: str, name: str, installation_id: str | None, args_json: str) -> ToolResult[Any]:
    ctx = ToolContext(
        store=_assistant(home_dir).deps.store,
        scope=Scope.operator(),
        today=_assistant(home_dir).deps.data_today(),
    )
    return run_tool(name, ctx, installation_id, json.loads(args_json))


def tool(name: str, installation_id: str | None = None, **args: Any) -> ToolResult[Any]:
    """Run a registered tool as an operator (cached for five minutes per argument set).

    ``None`` arguments are dropped so the tool's defaults apply. Raises ``ToolError``.
    """
    clean = {k: v for k, v in args.items() if v is not None}
    return _tool(home(), name, installation_id, json.dumps(clean, sort_keys=True, default=str))


def replay(name: str, installation_id: str | None, args: dict[str, Any]) -> ToolResult[Any] | None:
    """Re-run a tool call the assistant made (arguments it accepts only); None if not replayable."""
    try:
        spec = registry.get(name)
    except ToolError:
        return None
    if spec.needs_installation and not installation_id:
        return None
    clean = {k: v for k, v in args.items() if k in spec.args_model.model_fields}
    try:
        return tool(name, installation_id if spec.needs_installation else None, **clean)
    except ToolError:
        return None


@st.cache_data(show_spinner=False, ttl=CACHE_TTL_S)
def _topology(home_dir: str) -> list[dict[str, Any]]:
    return list_installations(home_dir)


def topology() -> list[dict[str, Any]]:
    """Installations with feeder/transformer and attributes (never name, CPF or phone)."""
    return _topology(home())


def chat(text: str, session_id: str) -> ChatResponse:
    """One operator-copilot turn (not cached: the conversation has state)."""
    return assistant().chat(
        ChatRequest(text=text, session_id=session_id, channel="copilot", audience="operator")
    )


def handoffs(status: str | None = None) -> list[dict[str, Any]]:
    """The human-handoff queue of the assistant (open urgent cases first, then the longest waiting; read at every run)."""
    return assistant().deps.sessions.handoffs(status=status, limit=200)


def service_queue() -> ToolResult[Any]:
    """The service requests the assistant opened (the CRM outbox), read at every run: never cached."""
    ctx = ToolContext(store=assistant().deps.store, scope=Scope.operator(), today=data_today())
    return run_tool("service_request_queue", ctx, None, {})


def close_handoff(handoff_id: str) -> None:
    assistant().deps.sessions.close_handoff(handoff_id)


def clear() -> None:
    """Drop every cached tool result and resource (closes the stores). Used by tests."""
    st.cache_data.clear()
    st.cache_resource.clear()
