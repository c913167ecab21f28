"""Copiloto: operators ask in Portuguese; each answer shows the figures, a table and a chart, the trail
and the SQL it ran, the citations and CSV/Parquet downloads.

Calls ``assistant.Assistant.chat`` with ``audience="operator"``; the typed results in
``ChatResponse.results`` are rendered by :func:`operator_ui.components.show_result`.
"""

from __future__ import annotations

import streamlit as st

from assistant.i18n import has, t
from operator_ui import components as ui
from operator_ui import resources
from operator_ui.state import (
    ChatTurn,
    chat_history,
    copilot_session,
    pop_queued_question,
    queue_question,
    reset_chat,
)

SUGGESTIONS = ("suggest.ranking", "suggest.exposure", "suggest.alarms", "suggest.completeness")

st.title(t("ui.page.copilot"))
st.caption(t("ui.copilot_hint"))
with st.sidebar:
    if st.button(t("ui.new_conversation"), key="chat-reset"):
        reset_chat()

history = chat_history()
question = st.chat_input(t("ui.ask_placeholder"), key="copilot_q") or pop_queued_question()
if question:
    with st.spinner(t("ui.thinking")):
        history.append(ChatTurn(question, resources.chat(question, copilot_session())))

if not history:
    with st.chat_message("assistant"):
        st.markdown(ui.md(t("copilot.greeting")))
        cols = st.columns(len(SUGGESTIONS))
        for col, key in zip(cols, SUGGESTIONS, strict=True):
            col.button(t(key), key=f"sugg-{key}", on_click=queue_question, args=(t(key),))


def _render_turn(i: int, turn: ChatTurn, latest: bool) -> None:
    resp = turn.response
    with st.chat_message("user"):
        st.markdown(ui.md(turn.question))
    with st.chat_message("assistant"):
        st.markdown(ui.md(resp.reply.replace("\n", "  \n")))
        intent = f"intent.{resp.intent}"
        st.caption(
            t(
                "ui.answer_meta",
                intent=t(intent) if resp.intent and has(intent) else (resp.intent or "—"),
                engine=resp.engine,
                ms=round(resp.latency_ms),
            )
        )
        if resp.refused:
            st.warning(t(f"refusal.{resp.refused}") if has(f"refusal.{resp.refused}") else resp.refused)
        for j, result in enumerate(resp.results):
            if len(resp.results) > 1:
                st.markdown(ui.md(f"**{t('ui.result_n', n=j + 1)}**"))
            if latest:
                ui.show_result(result, key=f"chat-{i}-{j}")
            else:
                with st.expander(t("ui.previous_answer_details")):
                    ui.show_result(result, key=f"chat-{i}-{j}")
        if resp.citations and not resp.results:
            with st.expander(t("ui.sources")):
                for c in resp.citations:
                    st.markdown(ui.md(f"- **{c.get('source', '')}** {c.get('excerpt', '')}"))
        if latest and resp.suggestions:
            cols = st.columns(min(4, len(resp.suggestions)))
            for k, text in enumerate(resp.suggestions[:4]):
                cols[k].button(text, key=f"next-{i}-{k}", on_click=queue_question, args=(text,))


for i, turn in enumerate(history):
    _render_turn(i, turn, latest=i == len(history) - 1)
