"""Engajamento: opt-ins, monthly goals, challenge participation, ponta share before and after the
challenge, outage notices and the calls they are likely to have avoided (an estimate, with its
assumption in plain words). Tool: ``engagement_figures``. No customer is named on this page.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from assistant.i18n import format_number, t
from assistant.render import fmt_value
from operator_ui import components as ui
from operator_ui.app_pages._common import call, period_picker

st.title(t("engagement.page.title"))
st.caption(t("engagement.page.caption"))
period = period_picker("e_period", "last_30_days", ("last_30_days", "this_month", "last_month", "last_7_days"))
result = call("engagement_figures", period=period)
if result is not None:
    v = result.value
    ui.provenance(result)
    st.subheader(t("engagement.page.opt_ins"))
    ui.metrics([(t(f"engagement.page.purpose_{p}"), fmt_value(n)) for p, n in v.opt_ins.items()], columns=3)
    ui.metrics([
        (t("engagement.page.goals_set"), fmt_value(v.goals_set)),
        (t("engagement.page.goals_judged"), fmt_value(v.goals_judged)),
        (t("engagement.page.goals_under"), fmt_value(v.goal_under_share, "fraction")),
    ], columns=3)
    if v.goals_set and not v.goals_judged:
        st.caption(t("engagement.page.goals_na"))
    st.subheader(t("engagement.page.participants"))
    ui.metrics([
        (t("engagement.page.participants"), fmt_value(v.participants)),
        (t("engagement.page.completed"), fmt_value(v.completed)),
        (t("engagement.page.ponta_before"), fmt_value(v.ponta_share_before, "fraction")),
        (t("engagement.page.ponta_after"), fmt_value(v.ponta_share_after, "fraction")),
    ])
    if v.ponta_share_before is not None and v.ponta_share_after is not None:
        shares = pd.DataFrame({
            "period_label": [t("engagement.page.ponta_before"), t("engagement.page.ponta_after")],
            "share": [float(v.ponta_share_before), float(v.ponta_share_after)],
        })
        ui.chart(shares, "period_label", "share", "bar", unit="fraction")
    st.subheader(t("engagement.page.notices_down"))
    ui.metrics([
        (t("engagement.page.notices_down"), fmt_value(v.outage_notices_down)),
        (t("engagement.page.notices_up"), fmt_value(v.outage_notices_up)),
        (t("engagement.page.calls"), format_number(v.calls_avoided_estimate, 1)),
    ], columns=3)
    st.caption(t("engagement.page.assumption"))
    ui.issues(result)
    ui.trail(result, "e-trail")
