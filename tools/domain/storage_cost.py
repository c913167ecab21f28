"""Storage and processing cost of smart-meter data (pure model; see docs/cost-model.md).

Segments (group, phases, PV or not, interval) x data products (fiscal-page registers, load
profile, 10-min power-quality voltage, events, alarms) x channels -> bytes per meter-month
(:mod:`storage_cost_volume`, coefficients from :mod:`storage_cost_coef`), overheads and
age-based tiering over a month-by-month fleet simulation (:mod:`storage_cost_sim`), priced
line by line with a price book (:mod:`storage_cost_lines`, :mod:`storage_cost_prices`).
:func:`run_scenario` returns the totals and per-meter-month figures by segment, data product
and cost line, in USD and BRL, with one trail step per line. Scenario comparison and
sensitivity live in :mod:`storage_cost_compare`.

References
----------
shared/domain/storage-cost.md (measurements, price anchors, recommended model, worked example §5.3).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tools.domain.storage_cost_coef import PRODUCTS, Coefficients
from tools.domain.storage_cost_lines import Line, Platform
from tools.domain.storage_cost_prices import PriceBook
from tools.domain.storage_cost_pricing import cost_lines
from tools.domain.storage_cost_sim import (
    Fleet,
    MonthState,
    Overheads,
    Tiering,
    VolumeModel,
    simulate,
    volume_model,
)
from tools.domain.storage_cost_trail import scenario_steps
from tools.domain.storage_cost_volume import ProductRates
from tools.types import Step, TrailRef
from tools.units import d, money

PLATFORM = "platform"  # the product column of fixed lines (not attributable to one product)
PER_METER_Q = Decimal("0.000001")
RAW_CSV_B_PER_READING = 48.0  # storage-cost.md §0: CSV long export
MDM_REF = TrailRef(
    "REN 1.000/2021, art. 435 e art. 659, par. 2 (10-year records; applied to meter data)", "unconfirmed"
)
MODEL_REF = TrailRef("shared/domain/storage-cost.md section 5", "reference")


@dataclass(frozen=True, slots=True)
class Selection:
    """What the question is about: segments (None = all) and data products."""

    segments: tuple[str, ...] | None = None
    products: tuple[str, ...] = PRODUCTS


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    fleet: Fleet
    book: PriceBook
    fx_brl_per_usd: Decimal
    tiering: Tiering = field(default_factory=Tiering)
    overheads: Overheads = field(default_factory=Overheads)
    rates: ProductRates = field(default_factory=ProductRates)
    platform: Platform = field(default_factory=Platform)
    selection: Selection = field(default_factory=Selection)
    fx_ref: TrailRef = TrailRef("fx_brl_per_usd parameter", "reference")
    params: Mapping[str, Any] = field(default_factory=dict)  # what defines the scenario (for display)


@dataclass(frozen=True, slots=True)
class LineResult:
    key: str
    category: str
    fixed: bool
    quantity: float
    unit: str
    unit_price_usd: Decimal | None
    usd_month: Decimal
    brl_month: Decimal
    price_status: str
    price_source: str


@dataclass(frozen=True, slots=True)
class SegmentResult:
    key: str
    group: str
    phases: int
    pv: bool
    interval_min: int
    meters: float
    kb_per_meter_month: Mapping[str, float]  # archive, as stored (overheads included), per product
    usd_per_meter_month: Mapping[str, Decimal]  # per product, "platform", "total"
    brl_per_meter_month: Mapping[str, Decimal]


@dataclass(frozen=True, slots=True)
class TimelinePoint:
    month: str
    meters: float
    archive_tb: float  # object-store data held (one copy)
    usd_month: Decimal
    usd_per_meter_month: Decimal
    brl_month: Decimal = Decimal(0)  # usd_month at the scenario's exchange rate


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    name: str
    params: Mapping[str, Any]
    provider: str  # price book id
    infrastructure: str  # cloud | on_premises
    eval_month: str
    meters: float
    total_usd_month: Decimal
    total_brl_month: Decimal
    usd_per_meter_month: Decimal
    brl_per_meter_month: Decimal
    answer_usd_month: Decimal  # the selection (segments x products), fixed lines allocated
    answer_brl_month: Decimal
    answer_usd_per_meter_month: Decimal
    answer_brl_per_meter_month: Decimal
    answer_meters: float
    lines: tuple[LineResult, ...]
    segments: tuple[SegmentResult, ...]
    products_usd_month: Mapping[str, Decimal]
    volumes: Mapping[str, float]
    timeline: tuple[TimelinePoint, ...] = ()
    horizon_usd: Decimal = Decimal(0)
    horizon_brl: Decimal = Decimal(0)
    coefficients: str = "literature"
    missing_prices: tuple[str, ...] = ()


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
