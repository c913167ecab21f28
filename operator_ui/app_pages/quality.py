"""Qualidade de tensão: DRP/DRC by feeder → transformer → meter, projection and compensation at stake."""

from __future__ import annotations

import streamlit as st

from assistant.i18n import t
from operator_ui.app_pages._common import period_picker, run_and_show

st.title(t("ui.page.quality"))
c1, c2, c3 = st.columns(3)
with c1:
    period = period_picker("q_period")
with c2:
    indicator = st.selectbox(t("ui.indicator"), ["DRP", "DRC"], key="q_ind")
with c3:
    level = st.selectbox(t("ui.level"), ["feeder", "transformer", "meter"], index=1, key="q_level",
                         format_func=lambda x: t(f"ui.levels.{x}"))
run_and_show("quality_ranking", "quality", indicator=indicator, level=level, period=period, limit=20)
st.subheader(t("ui.exposure_voltage"))
run_and_show("compensation_exposure", "quality-exp", period=period, indicator=["DRP", "DRC"])
