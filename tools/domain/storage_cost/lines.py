"""Cost-line primitives (pure): platform assumptions, the ``Line`` record, processing
(ingest, VEE, roll-ups, queries in vCPU-hours), messaging load and always-on VM sizing.
The lines themselves are built in :mod:`tools.domain.storage_cost.pricing`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tools.domain.storage_cost.coef import DAYS_PER_MONTH
from tools.domain.storage_cost.prices import Price
from tools.domain.storage_cost.sim import MonthState
from tools.units import d

HOURS_PER_MONTH = 730.0
GB = 1e9
Key = tuple[str, str]  # (segment, product)


@dataclass(frozen=True, slots=True)
class Platform:
    """Processing, traffic and fixed-platform assumptions (storage-cost.md §5.2)."""

    ingest_vcpu_s_per_m: float = 10.0  # per million values ingested (parse, dedup, sort, write)
    vee_vcpu_s_per_m: float = 1.0  # per million values validated (load profile + registers)
    rollup_vcpu_s_per_m: float = 0.1  # per million load-profile values rolled up
    queries_per_meter_month: float = 2.0  # portal/API queries
    query_vcpu_s: float = 0.1  # 50 ms x 2 vCPU
    lp_batches_per_day: Mapping[str, float] = field(default_factory=lambda: {"A": 24.0, "B": 1.0})
    wire_bytes_per_reading: float = 94.0  # NDJSON long on the wire (CSV 48)
    peak_factor: float = 4.0  # peak / average throughput and processing demand
    egress_kb_per_meter_month: float = 63.0  # 50 GB/month for 793k meters (portal/API exports)
    files_per_day: float = 100.0  # object PUTs (daily compaction, >= 64 MB files)
    fixed_lines: bool = True
    orchestration: bool = True
    environments: float = 1.0  # prod only; 2-3 with DR/staging
    vm_vcpus: int = 4
    standby_vms: int = 1
    max_hot_gb_per_vm: float = 2000.0
    messaging_units: int | None = None  # fix the broker/TU count instead of sizing it from throughput
    warehouse: str = "self_managed"  # self_managed | bigquery | snowflake
    warehouse_hours_per_day: float = 2.0  # Snowflake XS hours a day
    storage_price_factor: float = 1.0  # sensitivity knobs
    compute_price_factor: float = 1.0
    fixed_factor: float = 1.0


@dataclass(frozen=True, slots=True)
class Line:
    """One monthly cost line."""

    key: str  # catalogue: cost.line.<key>
    category: str  # storage | traffic | processing | messaging | platform
    fixed: bool
    quantity: float
    unit: str
    price: Price | None
    usd: Decimal
    formula: str
    inputs: Mapping[str, Any] = field(default_factory=dict)
    weights: Mapping[Key, float] = field(default_factory=dict)  # allocation of variable lines


def _norm(m: Mapping[Key, float]) -> dict[Key, float]:
    tot = sum(m.values())
    return {k: v / tot for k, v in m.items() if v} if tot > 0 else {}


def _q(x: float) -> Decimal:
    return d(round(x, 9))


def make_line(
    key: str,
    category: str,
    fixed: bool,
    qty: float,
    unit: str,
    price: Price | None,
    formula: str,
    factor: float = 1.0,
    weights: Mapping[Key, float] | None = None,
    **inputs: Any,
) -> Line:
    """A cost line: ``qty`` [``unit``] x unit price [USD] x ``factor``, allocated by ``weights``."""
    usd = _q(qty) * price.value * d(factor) if price is not None else Decimal(0)
    return Line(key, category, fixed, qty, unit, price, usd, formula, inputs, _norm(weights or {}))


def _filter(m: Mapping[Key, float], products: tuple[str, ...]) -> dict[Key, float]:
    return {k: v for k, v in m.items() if k[1] in products}


def processing(state: MonthState, p: Platform) -> dict[str, tuple[float, dict[Key, float]]]:
    """vCPU-hours per processing step, with the (segment, product) driver of each."""
    vals = dict(state.values)
    vee = _filter(vals, ("load_profile", "registers"))
    lp = _filter(vals, ("load_profile",))
    queries = {(s, "load_profile"): n * p.queries_per_meter_month for s, n in state.meters.items()}
    return {
        "processing_ingest": (sum(vals.values()) * p.ingest_vcpu_s_per_m / 1e6 / 3600, vals),
        "processing_vee": (sum(vee.values()) * p.vee_vcpu_s_per_m / 1e6 / 3600, vee),
        "processing_rollups": (sum(lp.values()) * p.rollup_vcpu_s_per_m / 1e6 / 3600, lp),
        "processing_queries": (sum(queries.values()) * p.query_vcpu_s / 3600, queries),
    }


def messaging_load(
    state: MonthState,
    p: Platform,
    rates_per_day: Mapping[str, Mapping[str, float]],
    groups: Mapping[str, str],
) -> tuple[float, float, dict[Key, float]]:
    """(messages per month, average MB/s on the wire, messages per (segment, product))."""
    msgs: dict[Key, float] = {}
    for seg, n in state.meters.items():
        g = groups[seg]
        per_day = {
            "load_profile": p.lp_batches_per_day[g],
            "registers": rates_per_day["fiscal_reads_per_day"][g],
            "events": rates_per_day["event_rate"][g],
            "alarms": rates_per_day["alarm_rate"][g],
        }
        for prod, r in per_day.items():
            msgs[(seg, prod)] = n * DAYS_PER_MONTH * r
    wire = sum(state.values.values()) * p.wire_bytes_per_reading
    mb_s = wire / (DAYS_PER_MONTH * 86400) / 1e6
    return sum(msgs.values()), mb_s, msgs


def compute_vms(hot_gb_replica: float, vcpu_hours: float, p: Platform) -> int:
    """Always-on VMs: primary capacity for the hot DB and the jobs' peak, plus standby."""
    peak_vcpu = vcpu_hours / HOURS_PER_MONTH * p.peak_factor
    primary = max(1, math.ceil(hot_gb_replica / p.max_hot_gb_per_vm), math.ceil(peak_vcpu / p.vm_vcpus))
    return primary + p.standby_vms
