"""Atendimento: the service requests the assistant opened (the CRM outbox, ``service_request_queue``),
then the assistant's human-handoff queue; for a chosen case the customer's consumption chart, the
last bill explained, the conversation, the tool trails and a suggested reply.

Tools: ``service_request_queue``, ``consumption_summary``, ``explain_bill`` and a replay of the tools
the assistant called (installation from the case, operator scope). Queue:
``assistant.session.SessionStore.handoffs`` (urgent cases first, then by age; the urgency is shown).
"""

from __future__ import annotations

import json
from typing import Any

import streamlit as st

from assistant.i18n import has, t
from assistant.render import fmt_value
from operator_ui import components as ui
from operator_ui import resources
from operator_ui.app_pages._common import ALL, call, option_label
from operator_ui.replies import case_question, suggested_reply
from operator_ui.service_orders import outbox_frame
from tools.errors import ToolError
from tools.types import ToolResult

st.title(t("ui.page.service"))

st.subheader(t("ui.service_requests.title"))
st.caption(t("ui.service_requests.hint"))
opened: ToolResult[Any] | None
try:
    opened = resources.service_queue()
except ToolError as exc:
    st.error(t(exc.code) if has(exc.code) else t("error.tool"))
    opened = None
if opened is not None and opened.value.requests:
    ui.metrics(
        [
            (t("ui.service_requests.open"), fmt_value(opened.value.open)),
            (t("ui.service_requests.overdue"), fmt_value(opened.value.overdue)),
            (t("ui.service_requests.pending_export"), fmt_value(opened.value.pending_export)),
        ],
        columns=3,
    )
    ui.table(outbox_frame(opened), "sr-queue", download="pedidos_do_assistente")
elif opened is not None:
    st.info(t("ui.service_requests.empty"))

st.subheader(t("ui.queue"))
st.caption(t("ui.service_hint"))
status = st.radio(
    t("ui.queue_status"),
    ["aberto", "encerrado", ALL],
    horizontal=True,
    key="h_status",
    format_func=option_label("handoff_status"),
)
queue = resources.handoffs(None if status == ALL else status)
if not queue:
    st.info(t("ui.queue_empty"))
    st.stop()

rows = [
    {
        "priority": ui.code_label("ui.handoff_priority", str(h["summary"].get("priority") or "normal")),
        "id": h["id"],
        "created_at": fmt_value(str(h["created_at"])),
        "channel": ui.code_label("ui.channel", str(h["channel"])),
        "reason": h["summary"].get("reason", h["reason"]),
        "identified": bool(h["summary"].get("identified")),
        "installation_id": h["installation_id"] or "—",
        "question": case_question(h["summary"]),
        "status": ui.code_label("ui.case_status", str(h["status"])),
    }
    for h in queue
]
ui.table(ui.frame(rows), "h-queue")
labels = {
    r["id"]: " · ".join([*([r["priority"]] if h["summary"].get("priority") == "urgent" else []),
                         r["id"], r["created_at"], r["reason"]])
    for r, h in zip(rows, queue, strict=True)
}
chosen = st.selectbox(t("ui.case"), list(labels), format_func=lambda x: labels[x], key="h_sel")
case = next(h for h in queue if h["id"] == chosen)
summary = case["summary"]
inst = case.get("installation_id") or summary.get("installation_id")
if summary.get("priority") == "urgent" and case["status"] == "aberto":
    st.error(t("ui.urgent_case"))

ui.metrics(
    [
        (t("ui.field.channel"), ui.code_label("ui.channel", str(case["channel"]))),
        (t("ui.field.installation_id"), str(inst) if inst else t("ui.not_identified_short")),
        (t("ui.phone"), str(summary.get("phone") or "—")),
        (t("ui.field.status"), ui.code_label("ui.case_status", str(case["status"]))),
    ]
)
st.markdown(ui.md(f"**{t('ui.question')}** {case_question(summary)}"))
st.markdown(ui.md(f"**{t('ui.reason')}** {summary.get('reason', '')}"))

consumption = bill = None
if inst:
    left, right = st.columns(2)
    with left:
        st.subheader(t("ui.customer_consumption"))
        consumption = call("consumption_summary", inst, period="last_30_days")
        if consumption is not None:
            ui.result_metrics(consumption, ["total_kwh", "kwh_per_day", "vs_previous_pct"], columns=2)
            daily = ui.frame(consumption.value.daily)
            ui.chart(daily, "day", "kwh", "bar", unit="kWh")
            ui.trail(consumption, "h-cons")
    with right:
        st.subheader(t("ui.last_bill"))
        bill = call("explain_bill", inst, reference="last_bill")
        if bill is not None:
            ui.issues(bill)
            ui.result_metrics(bill, ["total_rs", "consumption_kwh", "change_rs"], columns=2)
            st.caption(
                t(
                    "ui.bill_cycle",
                    month=ui.fmt(bill, "bill_month"),
                    start=ui.fmt(bill, "start"),
                    end=ui.fmt(bill, "end"),
                )
            )
            lines = ui.frame(bill.value.lines)
            if not lines.empty:
                lines["key"] = lines["key"].map(lambda k: ui.code_label("", k) if k else k)
            ui.table(lines, "h-bill", ["key", "posto", "quantity", "unit", "rate_rs", "amount_rs"])
            drivers = ui.frame(bill.value.drivers)
            if not drivers.empty:
                drivers["key"] = drivers["key"].map(lambda k: ui.code_label("", k) if k else k)
                st.markdown(ui.md(f"**{t('ui.bill_drivers')}**"))
                ui.table(drivers, "h-drivers", ["key", "previous", "current", "delta_rs"])
            ui.trail(bill, "h-bill")
else:
    st.info(t("ui.not_identified_case"))

st.subheader(t("ui.conversation"))
for turn in summary.get("history", []):
    with st.chat_message("user" if turn.get("role") == "user" else "assistant"):
        st.write(turn.get("text", ""))

st.subheader(t("ui.assistant_trails"))
replayed = 0
for i, tool_call in enumerate(summary.get("tool_calls") or []):
    name, args = tool_call.get("name"), tool_call.get("arguments") or {}
    result = resources.replay(str(name), inst, args)
    if result is not None:
        with st.expander(ui.code_label("ui.tool", name), expanded=replayed == 0):
            ui.show_result(result, key=f"h-replay-{i}")
        replayed += 1
if summary.get("last_detail"):
    with st.expander(t("ui.detail_shown"), expanded=replayed == 0):
        st.text(summary["last_detail"])
elif replayed == 0:
    st.caption(t("ui.no_trails"))

st.subheader(t("ui.suggested_reply"))
st.code(suggested_reply(summary, bill, consumption), language=None, wrap_lines=True)
c1, c2 = st.columns(2)
c1.download_button(
    t("ui.download_case"),
    json.dumps(case, ensure_ascii=False, indent=2, default=str).encode("utf-8"),
    f"{chosen}.json",
    "application/json",
    key="h-case-dl",
)
if case["status"] != "encerrado" and c2.button(t("ui.close_case"), key="h-close"):
    resources.close_handoff(chosen)
    st.rerun()
