"""Continuidade e compensações: DIC/FIC/DMIC violations, exposure in R$, deadline calendar."""

from __future__ import annotations

import streamlit as st

from assistant.i18n import t
from operator_ui.app_pages._common import period_picker, run_and_show

st.title(t("ui.page.compensation"))
c1, c2 = st.columns(2)
with c1:
    period = period_picker("c_period", "this_month")
with c2:
    days = st.radio(t("ui.due_within"), [7, 30], horizontal=True, key="c_days")
run_and_show("compensation_exposure", "comp", period=period, indicator=["DIC", "FIC", "DMIC"], due_within_days=days)
st.subheader(t("ui.deadlines"))
run_and_show("deadline_exposure", "deadlines", due_within_days=days)
