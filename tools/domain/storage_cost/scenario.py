"""Run one storage-cost scenario (:func:`run_scenario`): simulate the fleet, price the lines,
allocate fixed lines, build the answer for the selection and the trail."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from tools.domain.storage_cost.coef import PRODUCTS, Coefficients
from tools.domain.storage_cost.lines import Line
from tools.domain.storage_cost.model import (
    PER_METER_Q,
    PLATFORM,
    RAW_CSV_B_PER_READING,
    LineResult,
    Scenario,
    ScenarioResult,
    SegmentResult,
    TimelinePoint,
)
from tools.domain.storage_cost.pricing import cost_lines
from tools.domain.storage_cost.sim import (
    MonthState,
    VolumeModel,
    simulate,
    volume_model,
)
from tools.domain.storage_cost.trail import scenario_steps
from tools.types import Step
from tools.units import d, money


def _per(x: Decimal, n: float) -> Decimal:
    return (x / d(n)).quantize(PER_METER_Q) if n > 0 else Decimal(0)


def _allocate(lines: list[Line], state: MonthState) -> tuple[dict[tuple[str, str], Decimal], Decimal]:
    """Variable cost per (segment, product) and the fixed platform total."""
    var: dict[tuple[str, str], Decimal] = {}
    fixed = Decimal(0)
    for ln in lines:
        if ln.fixed:
            fixed += ln.usd
            continue
        for k, w in ln.weights.items():
            var[k] = var.get(k, Decimal(0)) + ln.usd * d(round(w, 12))
    return var, fixed


def _answer(
    sc: Scenario, state: MonthState, vm: VolumeModel, var: Mapping[tuple[str, str], Decimal], fixed: Decimal
) -> tuple[Decimal, float]:
    """Cost of the selection: its variable lines plus its share of the fixed platform.

    Fixed lines are shared per meter; with a subset of products, by the products' share of the
    segment's archive bytes.
    """
    sel = sc.selection
    segs = [s for s in sc.fleet.segments if sel.segments is None or s.key in sel.segments]
    total_m = state.total_meters
    usd = Decimal(0)
    meters = 0.0
    for s in segs:
        n = state.meters[s.key]
        meters += n
        usd += sum((var.get((s.key, p), Decimal(0)) for p in sel.products), Decimal(0))
        stored = vm.stored["archive"][s.key]
        share = sum(stored[p] for p in sel.products) / sum(stored.values())
        usd += fixed * d(n / total_m if total_m else 0) * d(round(share, 12))
    return usd, meters


def run_scenario(
    sc: Scenario, coefs: Coefficients, *, timeline: bool = True, trail: bool = True
) -> tuple[ScenarioResult, list[Step]]:
    """Price the fleet of ``sc`` at its evaluation month (the fleet's last month)."""
    vm = volume_model(sc.fleet.segments, sc.rates, coefs, sc.overheads)
    groups = {s.key: s.group for s in sc.fleet.segments}
    rpd = {
        "fiscal_reads_per_day": sc.rates.fiscal_reads_per_day,
        "event_rate": sc.rates.event_rate,
        "alarm_rate": sc.rates.alarm_rate,
    }
    last = sc.fleet.months - 1
    state = simulate(sc.fleet, vm, sc.tiering, [last])[0]
    lines = cost_lines(state, sc.book, sc.tiering, sc.platform, rpd, groups)
    fx = sc.fx_brl_per_usd
    total = sum((ln.usd for ln in lines), Decimal(0))
    var, fixed = _allocate(lines, state)
    n_total = state.total_meters
    seg_results = []
    for s in sc.fleet.segments:
        n = state.meters[s.key]
        per = {p: _per(var.get((s.key, p), Decimal(0)), n) for p in PRODUCTS}
        per[PLATFORM] = _per(fixed, n_total)
        per["total"] = sum(per.values(), Decimal(0))
        seg_results.append(
            SegmentResult(
                s.key,
                s.group,
                s.phases,
                s.pv,
                s.interval_min,
                n,
                {p: vm.stored["archive"][s.key][p] / 1e3 for p in PRODUCTS},
                per,
                {k: (v * fx).quantize(PER_METER_Q) for k, v in per.items()},
            )
        )
    products = {p: money(sum((v for (_, pp), v in var.items() if pp == p), Decimal(0))) for p in PRODUCTS}
    products[PLATFORM] = money(fixed)
    ans_usd, ans_m = _answer(sc, state, vm, var, fixed)
    volumes = _volumes(state, vm, sc)
    missing = tuple(sorted({k for ln in lines if ln.price is None for k in [ln.key]}))
    tl, h_usd = _timeline(sc, vm, rpd, groups) if timeline else ((), Decimal(0))
    result = ScenarioResult(
        name=sc.name,
        params=dict(sc.params),
        provider=sc.book.id,
        infrastructure=sc.book.kind,
        eval_month=state.label,
        meters=n_total,
        total_usd_month=money(total),
        total_brl_month=money(total * fx),
        usd_per_meter_month=_per(total, n_total),
        brl_per_meter_month=_per(total * fx, n_total),
        answer_usd_month=money(ans_usd),
        answer_brl_month=money(ans_usd * fx),
        answer_usd_per_meter_month=_per(ans_usd, ans_m),
        answer_brl_per_meter_month=_per(ans_usd * fx, ans_m),
        answer_meters=ans_m,
        lines=tuple(_line_result(ln, fx) for ln in lines),
        segments=tuple(seg_results),
        products_usd_month=products,
        volumes=volumes,
        timeline=tl,
        horizon_usd=money(h_usd),
        horizon_brl=money(h_usd * fx),
        coefficients=("calibrated " + coefs.created) if coefs.calibrated else "literature",
        missing_prices=missing,
    )
    steps = scenario_steps(sc, coefs, vm, state, lines, result) if trail else []
    return result, steps


def _line_result(ln: Line, fx: Decimal) -> LineResult:
    p = ln.price
    return LineResult(
        ln.key,
        ln.category,
        ln.fixed,
        ln.quantity,
        ln.unit,
        p.value if p else None,
        money(ln.usd),
        money(ln.usd * fx),
        p.status if p else "missing",
        p.source if p else "",
    )


def _volumes(state: MonthState, vm: VolumeModel, sc: Scenario) -> dict[str, float]:
    n = state.total_meters
    written = MonthState.total(state.written)
    readings = MonthState.total(state.values)
    lp = sum(v for (_, p), v in state.values.items() if p == "load_profile")
    return {
        "readings_month": readings,
        "load_profile_readings_month": lp,
        "raw_csv_tb_month": readings * RAW_CSV_B_PER_READING / 1e12,
        "archive_gb_written_month": written / 1e9,
        "kb_per_meter_month_archive": written / n / 1e3 if n else 0.0,
        "hot_gb": MonthState.total(state.hot) * sc.tiering.hot_copies / 1e9,
        "warm_gb": MonthState.total(state.warm) * sc.tiering.object_copies / 1e9,
        "cold_gb": MonthState.total(state.cold) * sc.tiering.object_copies / 1e9,
        "archive_tb_held": (MonthState.total(state.warm) + MonthState.total(state.cold)) / 1e12,
        "overhead_factor": sc.overheads.factor,
    }


def _timeline(
    sc: Scenario, vm: VolumeModel, rpd: Mapping[str, Mapping[str, float]], groups: Mapping[str, str]
) -> tuple[tuple[TimelinePoint, ...], Decimal]:
    """Every month is priced (horizon total); December and the last month are reported."""
    points: list[TimelinePoint] = []
    horizon = Decimal(0)
    states = simulate(sc.fleet, vm, sc.tiering)
    for st in states:
        usd = sum(
            (ln.usd for ln in cost_lines(st, sc.book, sc.tiering, sc.platform, rpd, groups)), Decimal(0)
        )
        horizon += usd
        if st.label.endswith("-12") or st.index == len(states) - 1:
            arc = (MonthState.total(st.warm) + MonthState.total(st.cold)) / 1e12
            points.append(
                TimelinePoint(
                    st.label,
                    st.total_meters,
                    arc,
                    money(usd),
                    _per(usd, st.total_meters),
                    money(usd * d(sc.fx_brl_per_usd)),
                )
            )
    return tuple(points), horizon
