"""Customer tools of the consumption area: ``consumption_summary``, ``consumption_profile``,
``appliance_breakdown`` and ``efficiency_tips``.

Each tool: resolve the period against the data's "today" (billing-cycle labels through
:mod:`tools.domain.calendar`), read the installation's interval data through the typed queries of
:mod:`tools.data.queries.consumption` (``ts`` = interval start, ``import_wh`` / ``export_wh`` per
interval), call the pure functions of :mod:`tools.domain.consumption`,
:mod:`tools.domain.profile`, :mod:`tools.domain.appliances` and
:mod:`tools.domain.efficiency`, and return a typed :class:`~tools.types.ToolResult` whose trail
carries the SQL. Fleet-relative figures (similar homes) come from one set-based query.

Window totals and the similar-homes statistics read the ``usage_daily`` aggregate
(:mod:`tools.data.usage`: the same sums, computed once per month partition) when
``store.usage_ready()``; otherwise the ``load_profile`` view (same results, slower).

The R$ estimate is optional: it is added when the billing helper
``tools.api.billing.estimate_cost_for(ctx, installation_id, period) -> (Decimal, steps)`` is
importable and finds a tariff; otherwise a warning says the cost is unavailable.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from tools.api.context import ToolContext
from tools.data.queries import consumption as queries
from tools.data.queries.common import usage_source
from tools.domain import appliances as appl
from tools.domain import consumption as cons
from tools.domain import efficiency as eff
from tools.domain import profile as prof
from tools.domain.calendar import tariff_holidays_between
from tools.domain.periods import resolve_period
from tools.domain.tariffs import branca_allowed
from tools.errors import InvalidPeriod, ToolError
from tools.registry import ToolSpec
from tools.types import Issue, Period, Provenance, Step, ToolResult, TrailRef

PeriodArg = str | dict[str, str]
DATA_REF = TrailRef("REN 1.000/2021 art. 284 (interval data of the meter)", "confirmed")

#: peers must have readings for at least this share of the period
PEER_MIN_COVERAGE = 0.9

APPLIANCE_ALIASES: dict[str, str] = {
    "shower": "shower",
    "chuveiro": "shower",
    "chuveiro_eletrico": "shower",
    "refrigeration": "refrigeration",
    "geladeira": "refrigeration",
    "refrigerador": "refrigeration",
    "freezer": "refrigeration",
    "air_conditioning": "air_conditioning",
    "ar_condicionado": "air_conditioning",
    "ar": "air_conditioning",
    "ac": "air_conditioning",
    "standby": "standby",
    "stand_by": "standby",
    "base": "standby",
    "solar": "solar_export",
    "solar_export": "solar_export",
    "placa_solar": "solar_export",
    "other": "other",
    "outros": "other",
}


# ----------------------------------------------------------------------------- arguments


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConsumptionSummaryArgs(_Args):
    period: PeriodArg | list[PeriodArg] = Field(
        default="last_30_days",
        description="Period label (yesterday, last_week, last_month, 2026-09, current_cycle, last_bill...) "
        'or {"start": "YYYY-MM-DD", "end": "YYYY-MM-DD"}; a list of two periods compares them '
        "(the later one is summarised, the earlier one is the headline comparison).",
    )

    @field_validator("period")
    @classmethod
    def _one_or_two(cls, v: PeriodArg | list[PeriodArg]) -> PeriodArg | list[PeriodArg]:
        if isinstance(v, list) and not 1 <= len(v) <= 2:
            raise ValueError("give one period or two periods to compare")
        return v

    compare: Literal["previous_period", "same_month_last_year", "same_period_last_year"] | None = Field(
        default="previous_period", description="Headline comparison."
    )


class ConsumptionProfileArgs(_Args):
    period: PeriodArg = Field(default="last_30_days", description="Period label or {start, end}.")


class ApplianceBreakdownArgs(_Args):
    period: PeriodArg = Field(default="last_30_days", description="Period label or {start, end}.")
    appliance: str | None = Field(
        default=None,
        description="Focus on one appliance: shower, refrigeration, air_conditioning, standby, solar_export, other.",
    )

    @field_validator("appliance")
    @classmethod
    def _known(cls, v: str | None) -> str | None:
        if v is None or v == "":
            return None
        key = v.strip().lower().replace("-", "_").replace(" ", "_")
        if key not in APPLIANCE_ALIASES:
            raise ValueError(f"unknown appliance {v!r}; known: {', '.join(appl.APPLIANCES)}")
        return APPLIANCE_ALIASES[key]


class EfficiencyTipsArgs(_Args):
    period: PeriodArg = Field(default="last_30_days", description="Period label or {start, end}.")


# ----------------------------------------------------------------------------- helpers


def resolve(ctx: ToolContext, inst: Mapping[str, Any], spec: PeriodArg | None) -> Period:
    """Resolve a period label; ``current_cycle`` / ``last_bill`` use the installation's cycle."""
    today = ctx.data_today
    if isinstance(spec, str) and spec in ("current_cycle", "last_bill"):
        from tools.domain import calendar

        yesterday = today - dt.timedelta(days=1)
        try:
            if str(inst.get("group_code") or "B") == "A":
                first = yesterday.replace(day=1)
                cur = calendar.month_cycle(first.year, first.month)
                prev_day = first - dt.timedelta(days=1)
                last = calendar.month_cycle(prev_day.year, prev_day.month)
            else:
                cycle_day = int(inst.get("cycle_day") or 1)
                cur = calendar.cycle_containing(cycle_day, yesterday)
                last = calendar.cycle_containing(cycle_day, cur.start - dt.timedelta(days=1))
        except ValueError as exc:
            raise InvalidPeriod("cannot resolve billing cycle", label=spec) from exc
        if spec == "current_cycle":
            return Period(cur.start, max(cur.start, yesterday), "current_cycle")
        return Period(last.start, last.end, "last_bill")
    return resolve_period(spec, today)


def fetch_intervals(
    ctx: ToolContext, installation_id: str, start: dt.date, end: dt.date
) -> tuple[pd.DataFrame, str]:
    """Interval readings of ``[start, end]`` (closed dates)."""
    return queries.intervals(ctx.store, installation_id, start, end)


def fetch_windows(
    ctx: ToolContext, installation_id: str, windows: Mapping[str, Period]
) -> tuple[list[cons.WindowTotal], str]:
    """Energy and covered minutes of each comparison window (one query)."""
    spans = {basis: (p.start, p.end) for basis, p in windows.items()}
    rows, sql = queries.windows(ctx.store, installation_id, spans, usage_source(ctx.store))
    out = []
    for basis, p in windows.items():
        r = rows.get(basis)
        out.append(cons.WindowTotal(basis, p, r.import_wh if r else 0, r.covered_minutes if r else 0))
    return out, sql


def fetch_peers(
    ctx: ToolContext, installation_id: str, period: Period, this_kwh_day: Decimal
) -> tuple[cons.PeerStats, str]:
    r, sql = queries.peers(
        ctx.store,
        installation_id,
        period.start,
        period.end,
        min_minutes=int(PEER_MIN_COVERAGE * period.days * 1440),
        this_kwh_day=float(this_kwh_day),
        source=usage_source(ctx.store),
    )
    return (
        cons.PeerStats(
            peers=r.peers,
            median_kwh_day=r.median_kwh_day,
            p25_kwh_day=r.p25_kwh_day,
            p75_kwh_day=r.p75_kwh_day,
            share_below=r.share_below,
            customer_class=r.customer_class,
            subgroup=r.subgroup,
            phases=r.phases,
        ),
        sql,
    )


def posto_classifier(
    inst: Mapping[str, Any],
) -> tuple[Callable[[pd.Series], Sequence[str]] | None, tuple[TrailRef, ...], dict[str, str]]:
    """Vectorised posto classification for the installation's distributor, when available."""
    try:
        from tools.domain import calendar
        from tools.reference import load_reference
    except ImportError:
        return None, (), {}
    ref = load_reference()
    sched = ref.posto_schedule(str(inst.get("distributor") or ""))
    if sched is None:
        return None, (), {}
    group = str(inst.get("group_code") or "B")

    def classify(ts: pd.Series) -> Sequence[str]:
        stamps = pd.to_datetime(ts)
        days = stamps.to_numpy().astype("datetime64[D]")
        minutes = (stamps.dt.hour * 60 + stamps.dt.minute).to_numpy()
        return list(calendar.classify_postos(days, minutes, sched, group))

    source = sched.source or f"postos {sched.distributor}"
    status = sched.status if sched.status in ("confirmed", "unconfirmed", "reference") else "reference"
    return classify, (TrailRef(source, status),), dict(ref.versions)  # type: ignore[arg-type]


def estimate_cost(
    ctx: ToolContext, installation_id: str, period: Period, inst: Mapping[str, Any] | None = None
) -> tuple[tuple[Decimal, Sequence[Step]] | None, Issue | None]:
    """R$ estimate from the billing helper, when it exists and finds a tariff.

    ``inst``: the installation row the caller already read (saves a query).
    """
    try:
        from tools.api.billing import estimate_cost_for
    except ImportError:
        return None, Issue(cons.ISSUE_COST_UNAVAILABLE, "warning", {})
    try:
        value, steps = estimate_cost_for(ctx, installation_id, period, row=inst)
    except ToolError:
        return None, Issue(cons.ISSUE_COST_UNAVAILABLE, "warning", {})
    return (Decimal(value), tuple(steps)), None


def _household(inst: Mapping[str, Any]) -> bool:
    return (
        str(inst.get("group_code") or "B") == "B" and str(inst.get("customer_class") or "") == "residencial"
    )


def _branca_eligible(inst: Mapping[str, Any]) -> bool:
    return str(inst.get("group_code") or "B") == "B" and branca_allowed(
        str(inst.get("subclass") or ""), str(inst.get("customer_class") or "")
    )


def _has_gd(inst: Mapping[str, Any]) -> bool:
    kind = str(inst.get("gd_kind") or "none")
    kwp = inst.get("gd_kwp")
    return kind != "none" or bool(kwp and not pd.isna(kwp) and float(kwp) > 0)


def _finish(
    result: ToolResult[Any],
    installation_id: str,
    period: Period,
    ctx: ToolContext,
    queries: Sequence[str],
    versions: Mapping[str, str] | None = None,
    extra_steps: Sequence[Step] = (),
) -> ToolResult[Any]:
    prov = Provenance(
        installation_id=installation_id,
        period=period,
        today=ctx.today,
        reference_versions=dict(versions or {}),
        queries=tuple(dict.fromkeys(q for q in queries if q)),
    )
    return dataclasses.replace(
        result,
        trail=tuple(extra_steps) + result.trail,
        provenance=prov,
        citations=(DATA_REF,) + result.citations,
    )


# ----------------------------------------------------------------------------- tools


def consumption_summary(
    ctx: ToolContext, installation_id: str, args: ConsumptionSummaryArgs
) -> ToolResult[cons.ConsumptionSummary]:
    """kWh of a period: total, per day, per posto, daily series, peak day, comparisons, R$ estimate."""
    inst = ctx.installation(installation_id)
    compare: str = args.compare or "previous_period"
    specs = args.period if isinstance(args.period, list) else [args.period]
    periods = sorted((resolve(ctx, inst, p) for p in specs), key=lambda p: (p.start, p.end))
    period = periods[-1]  # "this" is the latest period asked for
    wanted = dict(cons.comparison_periods(period))
    if len(periods) > 1 and periods[0] != period:  # "August or September?": compare the two
        wanted[cons.REQUESTED_PERIOD] = dataclasses.replace(periods[0], label=cons.REQUESTED_PERIOD)
        compare = cons.REQUESTED_PERIOD
    df, q_int = fetch_intervals(ctx, installation_id, period.start, period.end)
    windows, q_win = fetch_windows(ctx, installation_id, wanted)
    # the home's own per-day figure is needed for its rank among peers
    df_p = cons.prepare(df, period)
    minutes = int(df_p["interval_min"].sum())
    this_kwh_day = cons.per_day(cons.kwh(int(df_p["import_wh"].sum())), minutes) or Decimal(0)
    peers, q_peer = fetch_peers(ctx, installation_id, period, this_kwh_day)
    classify, posto_refs, versions = posto_classifier(inst)
    cost, cost_issue = estimate_cost(ctx, installation_id, period, inst)
    result = cons.summarize(
        df,
        period,
        windows=windows,
        peers=peers,
        compare=compare,
        posto_of=classify,
        posto_refs=posto_refs,
        has_gd=_has_gd(inst),
        cost=cost,
        cost_issue=cost_issue,
        sql={"intervals": q_int, "windows": q_win, "peers": q_peer},
    )
    return _finish(result, installation_id, period, ctx, (q_int, q_win, q_peer), versions)


def _profile(
    ctx: ToolContext, installation_id: str, period: Period
) -> tuple[ToolResult[prof.ConsumptionProfile], pd.DataFrame, str]:
    start = period.start - dt.timedelta(days=prof.HISTORY_DAYS)
    df, q = fetch_intervals(ctx, installation_id, start, period.end)
    result = prof.compute_profile(
        df,
        period,
        history=df,
        holidays=tariff_holidays_between(start, period.end),
        sql={"intervals": q, "history": q},
    )
    return result, df, q


def consumption_profile(
    ctx: ToolContext, installation_id: str, args: ConsumptionProfileArgs
) -> ToolResult[prof.ConsumptionProfile]:
    """Hour-of-day and weekday/weekend shape, base load, peak hours, night share, anomalies."""
    inst = ctx.installation(installation_id)
    period = resolve(ctx, inst, args.period)
    result, _, q = _profile(ctx, installation_id, period)
    return _finish(result, installation_id, period, ctx, (q,))


def reference_month(period: Period, today: dt.date) -> Period | None:
    """A cool-season month (July) near ``period`` with data before ``today``, for the AC routine."""
    if {m for m in range(1, 13) if _month_in(period, m)} <= set(appl.COOL_MONTHS):
        return None  # no AC is estimated in June-August anyway
    best: Period | None = None
    for year in (period.end.year, period.end.year - 1, period.end.year + 1):
        july = Period(dt.date(year, 7, 1), dt.date(year, 7, 31), "cool_reference")
        if july.end >= today:
            continue
        if best is None or abs((july.start - period.start).days) < abs((best.start - period.start).days):
            best = july
    return best


def _month_in(period: Period, month: int) -> bool:
    d = period.start.replace(day=1)
    while d <= period.end:
        if d.month == month:
            return True
        d = (d + dt.timedelta(days=32)).replace(day=1)
    return False


def fetch_reference(
    ctx: ToolContext, installation_id: str, period: Period
) -> tuple[pd.DataFrame | None, str]:
    """Readings of the cool-season reference month (None when there is none)."""
    ref = reference_month(period, ctx.data_today)
    if ref is None:
        return None, ""
    df, q = fetch_intervals(ctx, installation_id, ref.start, ref.end)
    return (df if len(df) else None), q


def appliance_breakdown(
    ctx: ToolContext, installation_id: str, args: ApplianceBreakdownArgs
) -> ToolResult[appl.ApplianceBreakdown]:
    """Estimated split of the imported energy into appliances, as ranges (is_estimate)."""
    inst = ctx.installation(installation_id)
    period = resolve(ctx, inst, args.period)
    df, q = fetch_intervals(ctx, installation_id, period.start, period.end)
    ref, q_ref = fetch_reference(ctx, installation_id, period)
    result = appl.breakdown(
        df,
        period,
        appliance=args.appliance,
        has_gd=_has_gd(inst),
        household=_household(inst),
        reference=ref,
        sql={"intervals": q, "reference": q_ref},
    )
    return _finish(result, installation_id, period, ctx, (q, q_ref))


def efficiency_tips(
    ctx: ToolContext, installation_id: str, args: EfficiencyTipsArgs
) -> ToolResult[eff.EfficiencyTips]:
    """Tips chosen by rules over the profile and the breakdown, ranked by estimated saving."""
    inst = ctx.installation(installation_id)
    period = resolve(ctx, inst, args.period)
    pr, df, q = _profile(ctx, installation_id, period)
    ref, q_ref = fetch_reference(ctx, installation_id, period)
    br = appl.breakdown(
        df,
        period,
        has_gd=_has_gd(inst),
        household=_household(inst),
        reference=ref,
        sql={"intervals": q, "reference": q_ref},
    )
    cost, cost_issue = estimate_cost(ctx, installation_id, period, inst)
    price: Decimal | None = None
    extra: list[Step] = []
    if cost is not None and br.value.total_kwh > 0:
        price = cost[0] / br.value.total_kwh
        extra.extend(cost[1])
        extra.append(
            Step(
                "consumption.step.average_price",
                {"cost_brl": cost[0], "kwh": br.value.total_kwh},
                "cost_brl / kwh",
                price,
                "BRL/kWh",
            )
        )
    result = eff.choose_tips(
        pr.value,
        br.value,
        modality=str(inst.get("tariff_modality") or ""),
        branca_eligible=_branca_eligible(inst),
        household=_household(inst),
        price_brl_kwh=price,
    )
    issues: list[Issue] = []
    for i in pr.issues + br.issues + result.issues + ((cost_issue,) if cost_issue else ()):
        if i not in issues:
            issues.append(i)
    result = dataclasses.replace(result, issues=tuple(issues))
    return _finish(
        result,
        installation_id,
        period,
        ctx,
        (q,),
        extra_steps=tuple(pr.trail) + tuple(br.trail) + tuple(extra),
    )


_AUDIENCE: tuple[Literal["customer", "operator"], ...] = ("customer", "operator")

SPECS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="consumption_summary",
        fn=consumption_summary,
        args_model=ConsumptionSummaryArgs,
        audience=_AUDIENCE,
        needs_installation=True,
        summary="kWh of a period (total, per day, per posto, daily series, peak day) vs previous period, "
        "same period last year and similar homes, with an estimated R$ when tariffs are available.",
        cites=("REN 1.000/2021 art. 284",),
    ),
    ToolSpec(
        name="consumption_profile",
        fn=consumption_profile,
        args_model=ConsumptionProfileArgs,
        audience=_AUDIENCE,
        needs_installation=True,
        summary="Hour-of-day and weekday/weekend consumption shape, base load, peak hours, night use and "
        "anomalies (base-load rise, unusual days).",
    ),
    ToolSpec(
        name="appliance_breakdown",
        fn=appliance_breakdown,
        args_model=ApplianceBreakdownArgs,
        audience=_AUDIENCE,
        needs_installation=True,
        summary="Estimated split of consumption into stand-by, refrigeration, electric shower, air conditioning, "
        "solar export and other, as honest low/high ranges (an estimate, never a precise figure).",
    ),
    ToolSpec(
        name="efficiency_tips",
        fn=efficiency_tips,
        args_model=EfficiencyTipsArgs,
        audience=_AUDIENCE,
        needs_installation=True,
        summary="Energy-saving tips chosen by rules over the consumption profile and appliance breakdown, "
        "ranked by estimated monthly saving (kWh and R$ when available).",
    ),
)

__all__ = [
    "SPECS",
    "ApplianceBreakdownArgs",
    "ConsumptionProfileArgs",
    "ConsumptionSummaryArgs",
    "EfficiencyTipsArgs",
    "appliance_breakdown",
    "consumption_profile",
    "consumption_summary",
    "efficiency_tips",
]
