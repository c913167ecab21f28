"""Operator copilot (Streamlit): navigation and shared frame only; pages live in app_pages/."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from assistant.i18n import t

st.set_page_config(page_title=t("ui.title"), layout="wide")
PAGES = Path(__file__).parent / "app_pages"
nav = st.navigation(
    [
        st.Page(str(PAGES / "copilot_chat.py"), title=t("ui.page.copilot"), default=True),
        st.Page(str(PAGES / "quality.py"), title=t("ui.page.quality")),
        st.Page(str(PAGES / "compensation.py"), title=t("ui.page.compensation")),
        st.Page(str(PAGES / "events.py"), title=t("ui.page.events")),
        st.Page(str(PAGES / "completeness.py"), title=t("ui.page.completeness")),
        st.Page(str(PAGES / "costs.py"), title=t("ui.page.costs")),
        st.Page(str(PAGES / "service.py"), title=t("ui.page.service")),
    ]
)
st.sidebar.caption(t("ui.sidebar_note"))
nav.run()
