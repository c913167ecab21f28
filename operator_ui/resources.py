"""Cached, read-only resources shared by the copilot pages (store + assistant)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import streamlit as st

from assistant import Assistant, AssistantDeps
from assistant.session import SessionStore
from tools.api import Scope, ToolContext, run_tool
from tools.types import ToolResult


def home() -> Path:
    return Path(os.environ.get("SMARTMETER_HOME", ".smartmeter"))


@st.cache_resource(show_spinner=False)
def assistant() -> Assistant:
    return Assistant(AssistantDeps.from_home(home()))


@st.cache_resource(show_spinner=False)
def sessions() -> SessionStore:
    return SessionStore(home() / "assistant.sqlite")


def operator_ctx() -> ToolContext:
    deps = assistant().deps
    return ToolContext(store=deps.store, scope=Scope.operator(), today=deps.data_today())


@st.cache_data(show_spinner=False, ttl=300)
def tool(name: str, installation_id: str | None = None, **args: Any) -> ToolResult[Any]:
    """Run a tool as an operator (cached for 5 minutes per argument set)."""
    clean = {k: v for k, v in args.items() if v is not None}
    return run_tool(name, operator_ctx(), installation_id, clean)
