"""Typed accessors over st.session_state."""

from __future__ import annotations

import uuid
from typing import Any

import streamlit as st


def chat_history() -> list[dict[str, Any]]:
    if "copilot_history" not in st.session_state:
        st.session_state["copilot_history"] = []
    history: list[dict[str, Any]] = st.session_state["copilot_history"]
    return history


def copilot_session() -> str:
    if "copilot_session" not in st.session_state:
        st.session_state["copilot_session"] = f"op-{uuid.uuid4().hex[:10]}"
    sid: str = st.session_state["copilot_session"]
    return sid
