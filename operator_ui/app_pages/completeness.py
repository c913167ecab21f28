"""Completude de dados: expected vs received readings, silent meters, zero consumption while
communicating. Tool: ``data_completeness``.
"""

from __future__ import annotations

import streamlit as st

from assistant.i18n import t
from assistant.render import fmt_value
from operator_ui import components as ui
from operator_ui.app_pages._common import ALL, call, option_label, period_picker

METER_COLUMNS = [
    "installation_id",
    "group_code",
    "feeder_id",
    "completeness",
    "n_readings",
    "last_reading",
    "days_since_last",
]

st.title(t("ui.page.completeness"))
st.caption(t("ui.completeness_hint"))
c1, c2, c3 = st.columns(3)
with c1:
    period = period_picker("d_period", "last_7_days")
with c2:
    group = st.selectbox(t("ui.group"), [ALL, "A", "B"], key="d_group", format_func=option_label("groups"))
with c3:
    silent_days = st.slider(t("ui.silent_days"), 1, 30, 3, key="d_silent")

result = call(
    "data_completeness",
    period=period,
    group=None if group == ALL else group,
    silent_days=silent_days,
    limit=100,
)
if result is not None:
    v = result.value
    ui.provenance(result)
    ui.issues(result)
    final = next((s for s in result.trail if s.key == "fleet.step.completeness"), None)
    received = final.inputs.get("received_minutes") if final else None
    expected = final.inputs.get("expected_minutes") if final else None
    ui.metrics(
        [
            (t("ui.field.completeness"), ui.fmt(result, "completeness")),
            (t("ui.expected_minutes"), fmt_value(expected)),
            (t("ui.received_minutes"), fmt_value(received)),
            (t("ui.field.n_meters"), ui.fmt(result, "n_meters")),
        ]
    )
    ui.result_metrics(result, ["n_complete", "n_without_readings", "n_silent", "n_zero_while_communicating"])
    st.subheader(t("ui.completeness_by_group"))
    by_group = ui.frame(v.by_group)
    ui.chart(by_group, "group_code", "completeness", "bar", unit="fraction")
    ui.table(by_group, "d-group", download="completude_por_grupo")
    st.subheader(t("ui.silent_meters", days=silent_days))
    ui.table(ui.frame(v.silent), "d-silent", METER_COLUMNS, download="medidores_silenciosos")
    st.subheader(t("ui.worst_meters"))
    ui.table(ui.frame(v.worst), "d-worst", METER_COLUMNS, download="medidores_incompletos")
    st.subheader(t("ui.zero_meters"))
    ui.table(
        ui.frame(v.zero_while_communicating), "d-zero", METER_COLUMNS, download="consumo_zero_comunicando"
    )
    ui.trail(result, "d-comp")
