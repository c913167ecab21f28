"""``forecast_bill``: the bill of the cycle in progress (central, low, high)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd

from tools.api.billing.args import _EPOCH, MIN_CYCLE_COVERAGE, ZERO, ForecastBillArgs
from tools.api.billing.call import (
    _BILL_UNITS,
    _cap_window,
    _cycle_containing,
    _history,
    _items,
    _previous,
    _result,
    _schedule,
    _setup,
    _slots,
)
from tools.api.context import ToolContext
from tools.domain.billing import (
    Bill,
    Usage,
    bill_sequence,
    compute_bill,
    resolve_inputs,
)
from tools.domain.billing.results import (
    BillForecast,
    lines_out,
    q_kwh,
)
from tools.domain.billing.usage import (
    cycle_usages,
    daily_kwh,
    daily_readings,
    kwh_by_posto,
    quantile,
)
from tools.domain.gd import CreditLot
from tools.types import Issue, Step, ToolResult

# ============================================================================ forecast_bill


def forecast_bill(ctx: ToolContext, installation_id: str, args: ForecastBillArgs) -> ToolResult[BillForecast]:
    """Projection of the cycle in progress (central, low, high) and a warning above the last bill."""
    call = _setup(ctx, installation_id)
    cur = _cycle_containing(call, call.yesterday)
    if cur.reading_date <= call.today:  # today is the reading day: the cycle is complete
        cur = _cycle_containing(call, call.today)
    elapsed = max((call.yesterday - cur.start).days + 1, 0)
    remaining = cur.days - elapsed
    last = _previous(call, cur)
    hist = _history(call, last) if call.facts.has_gd else [last]
    issues: list[Issue] = []
    # data: history + current cycle + the last 30 days for the daily spread
    window_start = min(hist[0].start, call.today - dt.timedelta(days=30))
    df = _slots(call, window_start, call.yesterday)
    usages = cycle_usages(
        df,
        [*hist, cur],
        _schedule(call),
        group=call.group,
        interval_min=call.interval_min,
        fp_reference=float(call.reference.rules.values["fp_reference"]),
        capacitive_window=_cap_window(call),
        end_cap=call.yesterday,
    )
    cur_u = usages[-1]
    # rows from a day on, by day number (no per-row date objects)
    day_no = pd.to_datetime(df["day"]).to_numpy().astype("datetime64[D]").astype("int64")

    def since(first: dt.date) -> pd.DataFrame:
        return df[day_no >= (first - _EPOCH).days] if not df.empty else df

    cyc_days = since(cur.start)
    days_with_data = len(daily_readings(cyc_days))
    last30 = since(call.today - dt.timedelta(days=30))
    daily = daily_kwh(last30)
    if not daily:
        issues.append(Issue("issue.billing.forecast_no_data", "disqualifying", {"start": cur.start}))
        value = BillForecast(
            installation_id, cur.label, cur.start, cur.end, cur.reading_date, cur.days, elapsed, ZERO,
            None, None, None, None, None, None, (), None, None, None,
        )  # fmt: skip
        return _result("forecast_bill", call, value, cur.period(), (), issues, _BILL_UNITS)
    if elapsed < 7:
        issues.append(Issue("issue.billing.forecast_early", "warning", {"days_elapsed": elapsed}))
    to_date = cur_u.usage
    kwh_to_date = sum(to_date.kwh.values(), ZERO)
    inj_to_date = sum(to_date.injected.values(), ZERO)
    # central: the pace of this cycle (from the 7th day), else the last 30 days; range: P20/P80
    recent = sum(daily.values(), ZERO) / len(daily)
    rate_c = kwh_to_date / days_with_data if elapsed >= 7 and days_with_data else recent
    rate_lo, rate_hi = quantile(daily, 0.2), quantile(daily, 0.8)
    rate_lo, rate_hi = min(rate_lo, rate_c), max(rate_hi, rate_c)
    shape = kwh_by_posto(last30, _schedule(call), call.group) if kwh_to_date <= 0 else dict(to_date.kwh)
    shape_total = sum(shape.values(), ZERO)
    share = {p: v / shape_total for p, v in shape.items()} if shape_total > 0 else {"fora_ponta": Decimal(1)}
    if days_with_data:
        inj_rate = inj_to_date / days_with_data
        inj_shape = dict(to_date.injected)
    else:
        exp = last30.assign(import_wh=last30["export_wh"]) if not last30.empty else last30
        inj_shape = kwh_by_posto(exp, _schedule(call), call.group)
        inj_rate = sum(inj_shape.values(), ZERO) / len(daily)
    inj_total = sum(inj_shape.values(), ZERO)
    inj_share = {p: v / inj_total for p, v in inj_shape.items()} if inj_total > 0 else {}

    def project(rate: Decimal) -> Usage:
        extra = rate * remaining
        kwh = {p: to_date.kwh.get(p, ZERO) + extra * s for p, s in share.items()}
        inj = {p: to_date.injected.get(p, ZERO) + inj_rate * remaining * s for p, s in inj_share.items()}
        return Usage(
            kwh=kwh,
            injected=inj,
            demand_kw=to_date.demand_kw,
            ufer_kwh=to_date.ufer_kwh * cur.days / max(elapsed, 1),
        )

    # SCEE credits at the start of the current cycle
    lots: tuple[CreditLot, ...] = ()
    last_bill: Bill | None = None
    valid_hist = [u for u in usages[:-1] if u.coverage >= MIN_CYCLE_COVERAGE]
    if valid_hist:
        seq = bill_sequence(call.facts, _items(valid_hist), call.reference)
        last_bill = seq[-1][1] if valid_hist[-1].cycle == last else None
        lots = seq[-1][1].credits_after
    bills: dict[str, Bill] = {}
    for name, rate in (("low", rate_lo), ("central", rate_c), ("high", rate_hi)):
        inputs, iss = resolve_inputs(
            call.facts,
            cur.start,
            cur.end,
            project(rate),
            call.reference,
            reading_date=cur.reading_date,
            credits=lots,
        )
        bills[name] = compute_bill(inputs, iss)
    central = bills["central"]
    issues += list(central.issues)
    above = None
    if last_bill is not None:
        above = central.total > last_bill.total
        if above:
            issues.append(
                Issue(
                    "issue.billing.forecast_above_last_bill",
                    "warning",
                    {
                        "forecast_rs": central.total,
                        "last_bill_rs": last_bill.total,
                        "difference_rs": central.total - last_bill.total,
                    },
                )
            )
    steps = [
        Step(
            key="billing.step.forecast_rate",
            inputs={
                "kwh_to_date": kwh_to_date,
                "days_with_data": days_with_data,
                "days_remaining": remaining,
                "p20_daily_kwh": rate_lo,
                "p80_daily_kwh": rate_hi,
            },
            formula="kwh_to_date + days_remaining * daily_rate (central: pace of this cycle; low/high: P20/P80 of the last 30 days)",
            output=central.consumption_kwh,
            unit="kWh",
            refs=(),
        ),
        *central.steps,
    ]
    value = BillForecast(
        installation_id=installation_id,
        bill_month=cur.label,
        start=cur.start,
        end=cur.end,
        reading_date=cur.reading_date,
        days_total=cur.days,
        days_elapsed=elapsed,
        kwh_to_date=q_kwh(kwh_to_date),
        kwh_projected=q_kwh(central.consumption_kwh),
        kwh_low=q_kwh(bills["low"].consumption_kwh),
        kwh_high=q_kwh(bills["high"].consumption_kwh),
        total_rs=central.total,
        low_rs=bills["low"].total,
        high_rs=bills["high"].total,
        lines=lines_out(central),
        last_bill_month=last_bill.label if last_bill else None,
        last_bill_total_rs=last_bill.total if last_bill else None,
        above_last_bill=above,
    )
    return _result("forecast_bill", call, value, cur.period(), steps, issues, _BILL_UNITS)
