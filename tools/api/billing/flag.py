"""``tariff_flag``: the bandeira of a month and its R$ effect."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from tools.api.billing.args import ZERO, TariffFlagArgs
from tools.api.billing.call import _FLAG_UNITS, _result, _setup, _slots
from tools.api.context import ToolContext
from tools.data.queries import billing as queries
from tools.domain.billing.results import (
    FlagOption,
    FlagReport,
    q_kwh,
)
from tools.domain.billing.usage import (
    daily_kwh,
)
from tools.domain.periods import add_months, month_bounds, resolve_period
from tools.types import Issue, Period, Step, ToolResult, TrailRef
from tools.units import money

# ============================================================================ tariff_flag


def _month_of(label: str | dict[str, str] | None, today: dt.date) -> str:
    if isinstance(label, dict):
        start = dt.date.fromisoformat(str(label.get("start")))
        return f"{start.year:04d}-{start.month:02d}"
    lab = (label or "this_month").strip()
    if re.fullmatch(r"\d{4}-\d{2}", lab):
        return lab
    if lab == "next_month":
        d = add_months(today.replace(day=1), 1)
        return f"{d.year:04d}-{d.month:02d}"
    p = resolve_period(lab, today)
    return f"{p.start.year:04d}-{p.start.month:02d}"


def tariff_flag(ctx: ToolContext, installation_id: str, args: TariffFlagArgs) -> ToolResult[FlagReport]:
    """The bandeira of a month and its R$ effect (with taxes) on this customer's consumption."""
    call = _setup(ctx, installation_id)
    ref = call.reference
    month = _month_of(args.period, call.today)
    y, m = int(month[:4]), int(month[5:7])
    m_start, m_end = month_bounds(y, m)
    flag, fref, fallback = ref.bandeira_flag(month)
    issues: list[Issue] = []
    steps: list[Step] = []
    # the customer's kWh in that month (projected when the month is incomplete or in the future)
    data_end = min(m_end, call.yesterday)
    projection = False
    kwh: Decimal | None
    if m_start <= data_end:
        df = _slots(call, m_start, data_end)
        days = daily_kwh(df)
        kwh = sum(days.values(), ZERO)
        if days and data_end < m_end:
            kwh = kwh / len(days) * m_end.day
            projection = True
    else:
        df = _slots(call, call.today - dt.timedelta(days=30), call.yesterday)
        days = daily_kwh(df)
        kwh = (sum(days.values(), ZERO) / len(days) * m_end.day) if days else None
        projection = True
    if kwh is not None and not days:
        kwh = None
    if call.facts.has_gd and kwh is not None:
        exp = Decimal(int(df["export_wh"].sum())) / 1000 if not df.empty else ZERO
        imp = sum(days.values(), ZERO)
        net_share = max(imp - exp, ZERO) / imp if imp > 0 else ZERO
        kwh = kwh * net_share
        issues.append(Issue("issue.tariffs.flag_gd_estimate", "warning", {}))
    if kwh is not None:
        steps.append(
            Step(
                key="tariffs.step.flag_kwh",
                inputs={"month": month, "projection": projection},
                formula="kWh of the month (projected by the daily average when incomplete)",
                output=q_kwh(kwh),
                unit="kWh",
                sql=queries.slots_sql(),
            )
        )
    on = m_start
    options: list[FlagOption] = []
    effect: Decimal | None = None
    rs_kwh: Decimal | None = None
    if kwh is not None:
        icms = ref.icms_rate(call.facts.state, call.facts.customer_class, kwh, on)
        pis, cofins = ref.pis_cofins_rates(call.facts.distributor, month)
        g = Decimal(1) / ((1 - icms.value) * (1 - pis.value - cofins.value))
        if pis.fallback:
            issues.append(Issue("issue.billing.pis_cofins_default", "warning", {"month": month}))
        billed = max(kwh - 80, ZERO) if call.facts.subclass == "baixa_renda" else kwh
        steps.append(
            Step(
                key="billing.step.gross_up",
                inputs={"icms": icms.value, "pis": pis.value, "cofins": cofins.value},
                formula="1 / ((1 - icms) * (1 - pis - cofins))",
                output=g,
                unit="factor",
                refs=(*icms.refs, *pis.refs),
            )
        )
    for f in ref.known_flags(on):
        if f == "escassez_hidrica":
            continue
        v = ref.bandeira_value(f, on)
        eff = money(billed * v.value / 1000 * g) if kwh is not None else None
        options.append(FlagOption(f, v.value / 1000, eff))
        if f == flag and not fallback:
            rs_kwh = v.value / 1000
            effect = eff
            steps.append(
                Step(
                    key="tariffs.step.flag_effect",
                    inputs={
                        "flag": f,
                        "kwh": q_kwh(billed) if kwh is not None else ZERO,
                        "rs_per_kwh": v.value / 1000,
                    },
                    formula="kwh * rs_per_kwh * gross_up",
                    output=eff,
                    unit="R$",
                    refs=(fref.trail(), *v.refs, TrailRef("REN 1.000/2021, arts. 307-309", "confirmed")),
                )
            )
    if fallback:
        issues.append(Issue("issue.tariffs.flag_unknown", "warning", {"month": month}))
    elif fref.status != "confirmed":
        issues.append(Issue("issue.billing.reference_values", "warning", {"items": "bandeira"}))
    if kwh is None:
        issues.append(Issue("issue.tariffs.flag_no_consumption", "warning", {"month": month}))
    value = FlagReport(
        installation_id=installation_id,
        month=month,
        flag=None if fallback else flag,
        flag_status=fref.status,
        rs_per_kwh=rs_kwh,
        kwh_month=q_kwh(kwh) if kwh is not None else None,
        kwh_is_projection=projection,
        effect_rs=effect,
        options=tuple(options),
        source=fref.cite or fref.source,
        rs_per_100kwh=rs_kwh * 100 if rs_kwh is not None else None,
        effect_by_flag_rs={o.flag: o.effect_rs for o in options},
    )
    return _result(
        "tariff_flag",
        call,
        value,
        Period(m_start, m_end, month),
        steps,
        issues,
        _FLAG_UNITS,
    )
