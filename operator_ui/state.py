"""Typed accessors over ``st.session_state`` (one place that knows the keys)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import streamlit as st

_HISTORY = "copilot_history"
_SESSION = "copilot_session"
_QUEUED = "copilot_queued_question"


@dataclass
class ChatTurn:
    """One copilot exchange: the question and the assistant's response (with typed results)."""

    question: str
    response: Any  # assistant.ChatResponse


def chat_history() -> list[ChatTurn]:
    if _HISTORY not in st.session_state:
        st.session_state[_HISTORY] = []
    history: list[ChatTurn] = st.session_state[_HISTORY]
    return history


def copilot_session() -> str:
    """The assistant session id of this browser session (keeps follow-ups such as "e em agosto?")."""
    if _SESSION not in st.session_state:
        st.session_state[_SESSION] = f"op-{uuid.uuid4().hex[:10]}"
    sid: str = st.session_state[_SESSION]
    return sid


def reset_chat() -> None:
    st.session_state[_HISTORY] = []
    st.session_state[_SESSION] = f"op-{uuid.uuid4().hex[:10]}"


def queue_question(text: str) -> None:
    """A suggestion button was pressed: ask this on the next run."""
    st.session_state[_QUEUED] = text


def pop_queued_question() -> str | None:
    text: str | None = st.session_state.pop(_QUEUED, None)
    return text
