"""Atendimento: the handoff queue; for a case, consumption, last bill, conversation, trails, suggested reply."""

from __future__ import annotations

import json

import streamlit as st

from assistant.i18n import t
from operator_ui import resources
from operator_ui.app_pages._common import run_and_show
from operator_ui.service_orders import suggested_reply

st.title(t("ui.page.service"))
queue = resources.sessions().handoffs(limit=200)
if not queue:
    st.info(t("ui.queue_empty"))
    st.stop()
labels = {h["id"]: f"{h['id']} · {h['created_at'][:16]} · {h['summary'].get('reason', '')}" for h in queue}
chosen = st.selectbox(t("ui.queue"), list(labels), format_func=lambda x: labels[x], key="h_sel")
case = next(h for h in queue if h["id"] == chosen)
summary = case["summary"]
st.markdown(f"**{t('ui.question')}** {summary.get('question', '')}")
st.markdown(f"**{t('ui.identified')}** {t('ui.yes') if summary.get('identified') else t('ui.no')}")
with st.expander(t("ui.conversation"), expanded=True):
    for turn in summary.get("history", []):
        st.markdown(f"- *{turn.get('role')}*: {turn.get('text')}")
inst = case.get("installation_id")
if inst:
    st.subheader(t("ui.customer_consumption"))
    run_and_show("consumption_summary", f"svc-cons-{chosen}", inst, period="last_30_days")
    st.subheader(t("ui.last_bill"))
    run_and_show("explain_bill", f"svc-bill-{chosen}", inst, reference="last_bill")
st.subheader(t("ui.suggested_reply"))
st.code(suggested_reply(summary), language=None)
st.download_button(t("ui.download_case"), json.dumps(case, ensure_ascii=False, indent=2, default=str).encode("utf-8"),
                   f"{chosen}.json", "application/json", key="case-dl")
