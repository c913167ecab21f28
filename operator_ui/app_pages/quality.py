"""Qualidade de tensão: DRP/DRC by feeder → transformer → meter (drill-down), trend against the
previous period, meters projected to exceed the limit, and the compensation at stake.

Tools: ``quality_ranking`` (one call per level shown) and ``compensation_exposure`` (DRP/DRC).
The page only filters the returned entities to the chosen feeder/transformer.
"""

from __future__ import annotations

import streamlit as st

from assistant.i18n import t
from assistant.render import fmt_value
from operator_ui import components as ui
from operator_ui import resources
from operator_ui.app_pages._common import call, entity_picker, period_picker

RANK_COLUMNS = [
    "rank",
    "entity_id",
    "feeder_id",
    "n_meters",
    "value",
    "max_value",
    "projected",
    "limit",
    "previous",
    "trend",
    "n_violating",
    "n_at_risk",
    "violated",
    "at_risk",
]
ITEM_COLUMNS = [
    "installation_id",
    "transformer_id",
    "feeder_id",
    "indicator",
    "month",
    "measured.drp_pct",
    "measured.drc_pct",
    "eusd_rs",
    "amount_rs",
    "deadline",
]

st.title(t("ui.page.quality"))
st.caption(t("ui.quality_hint"))
topo = resources.topology()
c1, c2, c3, c4 = st.columns(4)
with c1:
    period = period_picker("q_period", "this_month")
with c2:
    indicator = st.selectbox(t("ui.indicator"), ["DRP", "DRC"], key="q_ind")
with c3:
    feeder = entity_picker(
        "ui.feeder", sorted({str(r["feeder_id"]) for r in topo if r["feeder_id"]}), "q_feeder"
    )
with c4:
    transformer = entity_picker(
        "ui.transformer",
        sorted(
            {
                str(r["transformer_id"])
                for r in topo
                if r["transformer_id"] and (feeder is None or r["feeder_id"] == feeder)
            }
        ),
        "q_transformer",
    )
level = "meter" if transformer else "transformer" if feeder else "feeder"
scope_meters = {
    str(r["installation_id"])
    for r in topo
    if (feeder is None or r["feeder_id"] == feeder)
    and (transformer is None or r["transformer_id"] == transformer)
}
st.caption(" › ".join([t("ui.all_feeders"), *(x for x in (feeder, transformer) if x)]))

ranking = call("quality_ranking", indicator=indicator, level=level, period=period, limit=500)
if ranking is not None:
    v = ranking.value
    ui.provenance(ranking)
    ui.issues(ranking)
    ui.metrics(
        [
            (t("ui.limit_of", indicator=indicator), ui.fmt(ranking, "limit")),
            (t("ui.fleet_violating"), ui.fmt(ranking, "n_violating_meters")),
            (t("ui.fleet_at_risk"), ui.fmt(ranking, "n_at_risk_meters")),
        ],
        columns=3,
    )
    st.caption(
        t(
            "ui.previous_period",
            start=fmt_value(v.previous_period.start),
            end=fmt_value(v.previous_period.end),
        )
    )
    units = dict.fromkeys(("value", "max_value", "projected", "limit", "previous", "trend"), v.unit)
    shown = [
        e
        for e in v.entities
        if level == "feeder"
        or (level == "transformer" and e.feeder_id == feeder)
        or (level == "meter" and e.entity_id in scope_meters)
    ]
    st.subheader(t("ui.ranking_of", level=t(f"ui.levels_plural.{level}"), indicator=indicator))
    df = ui.frame(shown)
    ui.chart(
        df.head(30),
        "entity_id",
        ["value", "previous"],
        "bar",
        unit=v.unit,
        limit=float(v.limit),
        limit_label=f"{t('ui.limit_of', indicator=indicator)}: {fmt_value(v.limit, v.unit)}",
    )
    ui.table(df, "q-rank", RANK_COLUMNS, download=f"ranking_{indicator.lower()}_{level}", units=units)
    ui.trail(ranking, "q-rank")

    st.subheader(t("ui.at_risk_meters"))
    meters = (
        ranking
        if level == "meter"
        else call("quality_ranking", indicator=indicator, level="meter", period=period, limit=500)
    )
    if meters is not None:
        risky = [e for e in meters.value.entities if e.at_risk and e.entity_id in scope_meters]
        if risky:
            ui.table(
                ui.frame(risky), "q-risk", RANK_COLUMNS, download=f"at_risk_{indicator.lower()}", units=units
            )
        else:
            st.info(t("ui.no_at_risk", ongoing=t("ui.yes") if meters.value.ongoing else t("ui.no")))

st.subheader(t("ui.exposure_voltage"))
group_by = "transformer" if transformer else "feeder"
exposure = call("compensation_exposure", period=period, indicator=["DRP", "DRC"], group_by=group_by)
if exposure is not None:
    ev = exposure.value
    chosen = transformer or feeder
    group = next((g for g in ev.groups if g.group_id == chosen), None)
    ui.metrics(
        [
            (
                t("ui.at_stake_scope"),
                ui.fmt(exposure, "total_rs")
                if chosen is None
                else fmt_value(group.amount_rs if group else 0, "R$"),
            ),
            (
                t("ui.installations_owed"),
                ui.fmt(exposure, "n_installations")
                if chosen is None
                else fmt_value(group.n_installations if group else 0),
            ),
            (t("ui.fleet_total"), ui.fmt(exposure, "total_rs")),
        ]
    )
    if chosen is None:
        ui.chart(ui.frame(ev.groups), "group_id", "amount_rs", "bar", unit="R$")
    items = [i for i in ev.items if i.installation_id in scope_meters]
    ui.table(ui.frame(items), "q-exp", ITEM_COLUMNS, download="compensacao_tensao", units={"amount_rs": "R$"})
    ui.trail(exposure, "q-exp")
