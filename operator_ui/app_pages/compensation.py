"""Continuidade e compensações: DIC/FIC/DMIC violations, exposure in R$, and the deadline calendar
(what is due in the next 7/30 days).

Tools: ``compensation_exposure`` (continuity indicators, items due within the window),
``quality_ranking`` (meters above / projected above the monthly limit) and ``deadline_exposure``
(REN 1.000 Anexo IV service deadlines with the meter's evidence).
"""

from __future__ import annotations

import streamlit as st

from assistant.i18n import t
from assistant.render import fmt_value
from operator_ui import components as ui
from operator_ui.app_pages._common import LEVELS, call, option_label, period_picker
from tools.api.fleet.common import place_name

ITEM_COLUMNS = [
    "installation_id",
    "feeder_id",
    "indicator",
    "month",
    "measured.dic_h",
    "measured.fic",
    "measured.dmic_h",
    "measured.dicri_max_h",
    "eusd_rs",
    "amount_rs",
    "deadline",
]
RANK_COLUMNS = [
    "rank",
    "entity_id",
    "feeder_id",
    "value",
    "projected",
    "limit",
    "previous",
    "violated",
    "at_risk",
]
REQUEST_COLUMNS = [
    "request_id",
    "installation_id",
    "request_type",
    "region",
    "state",
    "opened_at",
    "due_at",
    "remaining_hours",
    "article",
    "meter_flag",
    "compensation",
    "compensation_if_missed",
]

st.title(t("ui.page.compensation"))
st.caption(t("ui.compensation_hint"))
c1, c2, c3, c4 = st.columns(4)
with c1:
    period = period_picker("c_period", "this_month")
with c2:
    indicators = st.multiselect(
        t("ui.indicators"), ["DIC", "FIC", "DMIC", "DICRI"], default=["DIC", "FIC", "DMIC"], key="c_ind"
    )
with c3:
    group_by = st.selectbox(t("ui.group_by"), LEVELS, key="c_group", format_func=option_label("levels"))
with c4:
    days = st.radio(t("ui.due_within"), [7, 30], horizontal=True, key="c_days")

exposure = call(
    "compensation_exposure",
    period=period,
    indicator=indicators or ["DIC", "FIC", "DMIC"],
    group_by=group_by,
    due_within_days=days,
)
if exposure is not None:
    ev = exposure.value
    ui.provenance(exposure)
    ui.issues(exposure)
    ui.metrics(
        [
            (t("ui.exposure_total"), ui.fmt(exposure, "continuity_rs")),
            (t("ui.installations_owed"), ui.fmt(exposure, "n_installations")),
            (t("ui.due_credits", days=days), ui.fmt(exposure, "n_due")),
            (t("ui.due_credits_rs", days=days), ui.fmt(exposure, "due_rs")),
        ]
    )
    st.subheader(t("ui.exposure_by", level=t(f"ui.levels.{group_by}")))
    groups = ui.frame(ev.groups)
    ui.chart(groups, "group_id", "amount_rs", "bar", unit="R$")
    ui.table(groups, "c-groups", download="exposicao_continuidade_grupos")
    st.subheader(t("ui.violations"))
    ui.table(ui.frame(ev.items), "c-items", ITEM_COLUMNS, download="violacoes_continuidade")
    if ev.due:
        st.markdown(ui.md(f"**{t('ui.due_credits', days=days)}**"))
        ui.table(ui.frame(ev.due), "c-due", ITEM_COLUMNS)
    ui.trail(exposure, "c-exp")

st.subheader(t("ui.limits_by_meter"))
rank_ind = st.radio(t("ui.indicator"), ["DIC", "FIC", "DMIC"], horizontal=True, key="c_rank_ind")
ranking = call("quality_ranking", indicator=rank_ind, level="meter", period=period, limit=500)
if ranking is not None:
    ui.metrics(
        [
            (t("ui.limit_of", indicator=rank_ind), ui.fmt(ranking, "limit")),
            (t("ui.fleet_violating"), ui.fmt(ranking, "n_violating_meters")),
            (t("ui.fleet_at_risk"), ui.fmt(ranking, "n_at_risk_meters")),
        ]
    )
    flagged = [e for e in ranking.value.entities if e.violated or e.at_risk]
    top = ui.frame(ranking.value.entities[:30])
    ui.chart(
        top,
        "entity_id",
        "value",
        "bar",
        unit=ranking.value.unit,
        limit=float(ranking.value.limit),
        limit_label=f"{t('ui.limit_of', indicator=rank_ind)}: {fmt_value(ranking.value.limit, ranking.value.unit)}",
    )
    if flagged:
        ui.table(ui.frame(flagged), "c-rank", RANK_COLUMNS, download=f"limite_{rank_ind.lower()}")
    else:
        st.info(t("ui.none_flagged"))
    ui.trail(ranking, "c-rank")

st.subheader(t("ui.deadlines"))
deadlines = call("deadline_exposure", due_within_days=days, limit=200)
if deadlines is not None:
    dv = deadlines.value
    ui.issues(deadlines)
    ui.metrics(
        [
            (t("ui.requests_total"), ui.fmt(deadlines, "total_requests")),
            (t("ui.due_requests", days=days), str(len(dv.due_soon))),
            (t("ui.owed_late"), ui.fmt(deadlines, "total_compensation_owed")),
            (t("ui.at_stake_due"), ui.fmt(deadlines, "total_at_stake")),
        ]
    )
    due = ui.frame(dv.due_soon)
    st.markdown(ui.md(f"**{t('ui.calendar', days=days)}**"))
    if due.empty:
        st.info(t("ui.nothing_due", days=days))
    else:
        calendar = ui.calendar_frame(due, "due_date")
        if len(calendar) > 1:  # one day is a number, not a calendar
            ui.chart(calendar, "due_date", "n_requests", "bar", unit="count")
        ui.table(due, "c-dl-due", REQUEST_COLUMNS, download="prazos_a_vencer")
    st.markdown(ui.md(f"**{t('ui.late_requests')}**"))
    ui.table(ui.frame(dv.late), "c-dl-late", REQUEST_COLUMNS, download="prazos_vencidos")
    st.markdown(ui.md(f"**{t('ui.flagged_requests')}**"))
    ui.table(ui.frame(dv.flagged), "c-dl-flag", REQUEST_COLUMNS)
    st.markdown(ui.md(f"**{t('ui.deadline_groups')}**"))
    groups = ui.frame(dv.groups)
    if not groups.empty:
        groups["group"] = [
            f"{place_name(r)} · {ui.code_label('deadlines.request_type', k)}"
            for r, k in zip(groups["region"], groups["request_type"], strict=True)
        ]
        owed = groups[groups["compensation_owed"] > 0]
        if len(owed) > 1:  # what the late requests cost, by region and type
            ui.chart(owed, "group", "compensation_owed", "bar", unit="R$")
    ui.table(
        groups,
        "c-dl-groups",
        [c for c in groups.columns if c != "group"],
        units={"compensation_owed": "R$", "compensation_at_stake": "R$"},
    )
    ui.trail(deadlines, "c-dl")
