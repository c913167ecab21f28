"""Custos de dados: the storage/processing cost estimator with its controls; cloud and on-premises
side by side; monthly cost by line and over time; sensitivity. Tool: ``storage_cost`` (one call
with ``infrastructure=["cloud", "on_premises"]``, i.e. two scenarios).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from assistant.i18n import format_brl, format_month, format_number, t
from assistant.operator_answers import provider_words, scenario_words
from assistant.render import fmt_value
from operator_ui import components as ui
from operator_ui.app_pages._common import ALL, call, option_label

PROVIDERS = ("aws", "azure", "gcp", "oci", "huawei")
PRODUCTS = ("registers", "load_profile", "power_quality", "events", "alarms")
INTERVALS = (1, 5, 10, 15, 30, 60)
FISCAL = (1, 2, 4, 24, 96)


def _brl(value: object, decimals: int = 2) -> str:
    return format_brl(value, decimals)  # type: ignore[arg-type]


st.title(t("ui.page.costs"))
st.caption(t("ui.costs_hint"))
with st.container(border=True):
    c1, c2, c3, c4 = st.columns(4)
    with c1:
        growth = st.toggle(t("ui.growth_path"), value=False, key="k_growth")
        meters = st.number_input(
            t("ui.meters"),
            min_value=1000,
            max_value=10_000_000,
            value=793_000,
            step=1000,
            key="k_m",
            disabled=growth,
        )
        group = st.selectbox(t("ui.group"), ["B", "A"], key="k_grp", format_func=option_label("groups"))
    with c2:
        phases = st.selectbox(
            t("ui.phases"), [ALL, 1, 2, 3], key="k_ph", format_func=option_label("phase_opts")
        )
        pv = st.selectbox(t("ui.pv"), [ALL, "yes", "no"], key="k_pv", format_func=option_label("pv_opts"))
        datasets = st.multiselect(
            t("ui.datasets"),
            PRODUCTS,
            default=list(PRODUCTS),
            key="k_ds",
            format_func=lambda p: t(f"cost.product.{p}"),
        )
    with c3:
        interval = st.selectbox(t("ui.interval"), INTERVALS, index=INTERVALS.index(15), key="k_int")
        fiscal = st.selectbox(t("ui.fiscal_reads"), FISCAL, key="k_fiscal")
        retention = st.slider(t("ui.retention"), 1, 20, 10, key="k_ret")
    with c4:
        hot = st.slider(t("ui.hot_months"), 0, 24, 3, key="k_hot")
        warm = st.slider(t("ui.warm_months"), 0, 120, 24, key="k_warm")
        cold = st.selectbox(
            t("ui.cold_class"), ["infrequent", "archive"], key="k_cold", format_func=option_label("cold_opts")
        )
    c5, c6, c7 = st.columns(3)
    with c5:
        provider = st.selectbox(t("ui.provider"), PROVIDERS, key="k_prov", format_func=str.upper)
    with c6:
        onprem = st.selectbox(
            t("ui.onprem_profile"),
            ["commodity", "enterprise"],
            key="k_onprem",
            format_func=option_label("onprem_opts"),
        )
    with c7:
        dr_copy = st.toggle(t("ui.dr_copy"), value=False, key="k_dr")

result = call(
    "storage_cost",
    meters=None if growth else int(meters),
    group=group,
    phases=None if phases == ALL else int(str(phases)),
    pv=None if pv == ALL else pv == "yes",
    datasets=list(datasets) if datasets and len(datasets) < len(PRODUCTS) else None,
    interval_minutes=int(interval),
    fiscal_reads_per_day=float(fiscal),
    retention_years=float(retention),
    hot_months=int(hot),
    warm_months=int(warm),
    cold_class=cold,
    provider=provider,
    onprem_profile=onprem,
    dr_copy=dr_copy,
    infrastructure=["cloud", "on_premises"],
)
if result is not None:
    v = result.value
    ui.issues(result)
    cols = st.columns(len(v.scenarios))
    for col, sc in zip(cols, v.scenarios, strict=True):
        with col, st.container(border=True):
            name = provider_words(sc.provider)
            st.subheader(name[:1].upper() + name[1:])
            ui.metrics(
                [
                    (t("ui.per_meter_month"), _brl(sc.answer_brl_per_meter_month, 4)),
                    (t("ui.answer_month"), fmt_value(sc.answer_brl_month, "R$")),
                    (t("ui.platform_month"), fmt_value(sc.total_brl_month, "R$")),
                    (t("ui.scenario_meters"), fmt_value(round(sc.meters))),
                ],
                columns=2,
            )
            st.caption(
                ui.md(
                    t(
                        "ui.eval_month",
                        month=format_month(sc.eval_month),
                        usd=format_number(sc.answer_usd_month, 2),
                    )
                )
            )
    if v.comparison:
        st.markdown(ui.md(f"**{t('ui.comparison')}**"))
        cmp = ui.frame(v.comparison)
        for name_col in ("name", "versus"):
            if name_col in cmp.columns:
                cmp[name_col] = cmp[name_col].map(lambda n: scenario_words(str(n)))
        ui.table(cmp, "k-cmp", ["name", "versus", "brl_month", "brl_per_meter_month", "pct"])

    lines = pd.concat(
        [ui.frame(sc.lines).assign(scenario=provider_words(sc.provider)) for sc in v.scenarios],
        ignore_index=True,
    )
    if not lines.empty:
        lines["line"] = lines["key"].map(lambda k: ui.code_label("cost.line", k))
        lines["category"] = lines["category"].map(lambda k: ui.code_label("cost.category", k))
        lines["price_status"] = lines["price_status"].map(lambda k: ui.code_label("ui.status", k))
        lines["unit"] = lines["unit"].map(lambda k: ui.code_label("ui.cost_unit", k))
    st.subheader(t("ui.monthly_cost_lines"))
    ui.chart(lines, "line", "brl_month", "bar", color="scenario", unit="R$")
    ui.table(
        lines,
        "k-lines",
        ["scenario", "line", "category", "fixed", "quantity", "unit", "brl_month", "price_status"],
        download="custo_linhas",
    )

    timeline = pd.concat(
        [ui.frame(sc.timeline).assign(scenario=provider_words(sc.provider)) for sc in v.scenarios],
        ignore_index=True,
    )
    if not timeline.empty:
        st.subheader(t("ui.monthly_cost_timeline"))
        ui.chart(timeline, "month", "brl_month", "line", color="scenario", unit="R$")

    st.subheader(t("ui.sensitivity"))
    sens = ui.frame(v.sensitivity)
    ui.chart(sens, "parameter", "swing_brl", "bar", unit="R$")
    ui.table(
        sens,
        "k-sens",
        [
            "parameter",
            "base",
            "low",
            "high",
            "brl_per_meter_month_low",
            "brl_per_meter_month_high",
            "swing_brl",
            "swing_pct",
        ],
        download="sensibilidade",
    )

    st.subheader(t("ui.by_segment"))
    segs = ui.frame(v.scenarios[0].segments)
    if not segs.empty:
        segs["segment"] = segs["key"]
    ui.table(
        segs, "k-segs", ["segment", "phases", "pv", "interval_min", "meters", "brl_per_meter_month.total"]
    )
    ui.trail(result, "k-cost")
