"""Eventos e alarmes: counts, inferred outages, possible non-technical losses, service-order export."""

from __future__ import annotations

import json

import streamlit as st

from assistant.i18n import t
from operator_ui.app_pages._common import period_picker, run_and_show
from operator_ui.service_orders import service_orders

st.title(t("ui.page.events"))
c1, c2 = st.columns(2)
with c1:
    period = period_picker("e_period", "last_7_days")
with c2:
    kind = st.selectbox(t("ui.kind"), ["all", "event", "alarm"], key="e_kind", format_func=lambda x: t(f"ui.kinds.{x}"))
result = run_and_show("events_summary", "events", period=period, kind=None if kind == "all" else kind)
if result is not None:
    orders = service_orders(result)
    st.download_button(t("ui.service_orders"), json.dumps(orders, ensure_ascii=False, indent=2).encode("utf-8"),
                       "ordens_de_servico.json", "application/json", key="so")
    st.caption(t("ui.service_orders_count", count=len(orders)))
