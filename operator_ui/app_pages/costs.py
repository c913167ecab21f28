"""Custos de dados: the storage/processing cost estimator with controls; cloud vs on-premises."""

from __future__ import annotations

import streamlit as st

from assistant.i18n import t
from operator_ui.app_pages._common import run_and_show

st.title(t("ui.page.costs"))
c1, c2, c3 = st.columns(3)
with c1:
    meters = st.number_input(t("ui.meters"), min_value=1000, max_value=10_000_000, value=793_000, step=1000, key="k_m")
    phases = st.selectbox(t("ui.phases"), [1, 2, 3], key="k_ph")
with c2:
    interval = st.selectbox(t("ui.interval"), [5, 10, 15, 30, 60], index=2, key="k_int")
    retention = st.slider(t("ui.retention"), 1, 15, 10, key="k_ret")
with c3:
    group = st.selectbox(t("ui.group"), ["B", "A"], key="k_grp")
    hot = st.slider(t("ui.hot_months"), 1, 24, 3, key="k_hot")
cols = st.columns(2)
for col, infra in zip(cols, ["cloud", "on_premises"], strict=True):
    with col:
        st.subheader(t(f"ui.infra.{infra}"))
        run_and_show("storage_cost", f"cost-{infra}", meters=int(meters), phases=phases, interval_minutes=interval,
                     retention_years=retention, group=group, hot_months=hot, infrastructure=infra)
