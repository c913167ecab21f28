"""Completude de dados: expected vs received readings, silent meters."""

from __future__ import annotations

import streamlit as st

from assistant.i18n import t
from operator_ui.app_pages._common import period_picker, run_and_show

st.title(t("ui.page.completeness"))
c1, c2 = st.columns(2)
with c1:
    period = period_picker("d_period", "last_7_days")
with c2:
    group = st.selectbox(t("ui.group"), ["all", "A", "B"], key="d_group", format_func=lambda x: t(f"ui.groups.{x}"))
run_and_show("data_completeness", "completeness", period=period, group=None if group == "all" else group)
