"""Copiloto: ask in Portuguese; each answer shows the figure, table, trail, SQL and downloads."""

from __future__ import annotations

import streamlit as st

from assistant import ChatRequest
from assistant.i18n import t
from operator_ui import resources
from operator_ui.components import show_result
from operator_ui.state import chat_history, copilot_session

st.title(t("ui.page.copilot"))
st.caption(t("ui.copilot_hint"))
history = chat_history()
question = st.chat_input(t("ui.ask_placeholder"), key="copilot_q")
if question:
    resp = resources.assistant().chat(ChatRequest(text=question, session_id=copilot_session(), channel="copilot",
                                                  audience="operator"))
    history.append({"q": question, "resp": resp})
for i, item in enumerate(reversed(history)):
    with st.chat_message("user"):
        st.write(item["q"])
    with st.chat_message("assistant"):
        resp = item["resp"]
        st.markdown(resp.reply)
        for j, result in enumerate(resp.results):
            show_result(result, key=f"chat-{i}-{j}")
