"""Operator copilot (Streamlit): page setup, navigation and the shared sidebar only.

Pages live in ``app_pages/``; they call the assistant or ``tools.api`` through
:mod:`operator_ui.resources` (cached, read-only store). Run with ``smartmeter copilot``.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from assistant.i18n import format_date, t
from operator_ui import resources

st.set_page_config(page_title=t("ui.title"), page_icon=":material/bolt:", layout="wide")
PAGES = Path(__file__).parent / "app_pages"
nav = st.navigation(
    {
        t("ui.section.ask"): [
            st.Page(
                PAGES / "copilot_chat.py", title=t("ui.page.copilot"), icon=":material/forum:", default=True
            ),
        ],
        t("ui.section.network"): [
            st.Page(PAGES / "quality.py", title=t("ui.page.quality"), icon=":material/bolt:"),
            st.Page(PAGES / "compensation.py", title=t("ui.page.compensation"), icon=":material/payments:"),
            st.Page(PAGES / "events.py", title=t("ui.page.events"), icon=":material/notifications:"),
            st.Page(PAGES / "completeness.py", title=t("ui.page.completeness"), icon=":material/rule:"),
            st.Page(PAGES / "engagement.py", title=t("engagement.page.title"), icon=":material/emoji_events:"),
        ],
        t("ui.section.platform"): [
            st.Page(PAGES / "costs.py", title=t("ui.page.costs"), icon=":material/savings:"),
            st.Page(PAGES / "service.py", title=t("ui.page.service"), icon=":material/support_agent:"),
        ],
    }
)
with st.sidebar:
    st.caption(t("ui.title"))
    st.caption(t("ui.data_today", today=format_date(resources.data_today())))
    st.caption(t("ui.sidebar_note"))
nav.run()
