"""Eventos e alarmes: counts by code and topology level, inferred transformer/feeder outages, tamper
alarms with a consumption drop (possible non-technical loss), and service orders for field crews.

Tool: ``events_summary``. Orders: :func:`operator_ui.service_orders.orders_json` (payloads built
by ``tools.api.export.service_orders``).
"""

from __future__ import annotations

import streamlit as st

from assistant.i18n import t
from operator_ui import components as ui
from operator_ui.app_pages._common import ALL, LEVELS, call, option_label, period_picker
from operator_ui.service_orders import order_frame, orders_for, orders_json

CODES = (ALL, "power_down", "last_gasp", "tamper", "voltage", "supply", "comms")
OUTAGE_COLUMNS = [
    "level",
    "entity_id",
    "feeder_id",
    "start",
    "end",
    "duration_min",
    "long_interruption",
    "meters_down",
    "meters_under",
    "n_transformers",
    "transformers",
]
TAMPER_COLUMNS = [
    "installation_id",
    "transformer_id",
    "feeder_id",
    "first_tamper",
    "n_alarms",
    "codes",
    "before_kwh_day",
    "after_kwh_day",
    "drop_share",
    "possible_ntl",
]

st.title(t("ui.page.events"))
st.caption(t("ui.events_hint"))
c1, c2, c3, c4 = st.columns(4)
with c1:
    period = period_picker("e_period", "last_30_days")
with c2:
    kind = st.selectbox(
        t("ui.kind"), [ALL, "event", "alarm"], key="e_kind", format_func=option_label("kinds")
    )
with c3:
    code = st.selectbox(t("ui.code"), CODES, key="e_code", format_func=option_label("event_filter"))
with c4:
    group_by = st.selectbox(t("ui.group_by"), LEVELS, key="e_group", format_func=option_label("levels"))

result = call(
    "events_summary",
    period=period,
    kind=None if kind == ALL else kind,
    code=None if code == ALL else code,
    group_by=group_by,
    limit=50,
)
if result is not None:
    v = result.value
    ui.provenance(result)
    ui.issues(result)
    ui.result_metrics(
        result,
        [
            "total_events",
            "total_meters",
            "n_outages",
            "meters_in_outages",
            "isolated_power_down_meters",
            "n_possible_ntl",
        ],
    )
    left, right = st.columns(2)
    with left:
        st.subheader(t("ui.by_code"))
        by_code = ui.frame(v.by_code)
        ui.chart(by_code.head(15), "key", "n_events", "bar", unit="count")
        ui.table(
            by_code,
            "e-code",
            ["code", "key", "kind", "category", "n_events", "n_meters"],
            download="eventos_por_codigo",
        )
    with right:
        st.subheader(t("ui.by_group", level=t(f"ui.levels.{group_by}")))
        by_group = ui.frame(v.by_group)
        ui.chart(by_group.head(15), "group_id", "n_events", "bar", unit="count")
        ui.table(by_group, "e-group", download="eventos_por_grupo")

    st.subheader(t("ui.outages"))
    ui.table(ui.frame(v.outages), "e-out", OUTAGE_COLUMNS, download="desligamentos_inferidos")
    st.subheader(t("ui.tamper"))
    ui.table(ui.frame(v.tamper), "e-tamper", TAMPER_COLUMNS, download="alarmes_violacao")

    st.subheader(t("ui.service_orders_title"))
    with_tamper = st.toggle(t("ui.include_tamper_without_drop"), key="e_so_all")
    orders = orders_for(result, with_tamper)
    st.caption(t("ui.service_orders_count", count=len(orders)))
    if orders:
        ui.table(order_frame(orders), "e-orders")
        st.download_button(
            t("ui.service_orders"),
            orders_json(orders),
            "ordens_de_servico.json",
            "application/json",
            key="e-so-json",
        )
        with st.expander(t("ui.service_order_example")):
            st.json(orders[0])
    ui.trail(result, "e-sum")
