"""The storage-cost model's shared types: what a scenario is (:class:`Scenario`, :class:`Selection`)
and what it yields (:class:`ScenarioResult` and its lines, segments and timeline), with the
references of the model."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tools.domain.storage_cost.coef import PRODUCTS
from tools.domain.storage_cost.lines import Platform
from tools.domain.storage_cost.prices import PriceBook
from tools.domain.storage_cost.sim import (
    Fleet,
    Overheads,
    Tiering,
)
from tools.domain.storage_cost.volume import ProductRates
from tools.types import TrailRef

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
