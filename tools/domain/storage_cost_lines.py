"""Monthly cost lines from a month's volumes and a price book (pure).

Lines (``storage-cost.md`` §5.3): storage per tier, object requests, egress, processing
(ingest, VEE, roll-ups, queries) in vCPU-hours, messaging, and the fixed platform: always-on
compute (hot database primary + standby, jobs), brokers, orchestration/monitoring, warehouse
minimums; on premises: usable storage with copies and a minimum system size, servers,
brokers and operations staff. Fixed lines are on by default: an estimate without them
under-estimates by 4-25x.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tools.domain.storage_cost_coef import DAYS_PER_MONTH
from tools.domain.storage_cost_prices import Price, PriceBook
from tools.domain.storage_cost_sim import MonthState, Tiering
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


def _line(
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


def cost_lines(
    state: MonthState,
    book: PriceBook,
    tiering: Tiering,
    p: Platform,
    rates_per_day: Mapping[str, Mapping[str, float]],
    groups: Mapping[str, str],
) -> list[Line]:
    """All monthly lines of ``state`` priced with ``book``."""
    lines: list[Line] = []
    P = book.get
    sf, cf = p.storage_price_factor, p.compute_price_factor
    ff = p.fixed_factor * p.environments
    archive = {k: state.warm[k] + state.cold[k] for k in state.warm}
    proc = processing(state, p)
    for key, (hours, drv) in proc.items():
        lines.append(
            _line(
                key,
                "processing",
                False,
                hours,
                "vCPU-h",
                P("vcpu_hour"),
                "values * vcpu_s_per_M / 1e6 / 3600 * price_vcpu_hour",
                cf,
                drv,
            )
        )
    vcpu_hours = sum(h for h, _ in proc.values())
    n_msgs, mb_s, msg_w = messaging_load(state, p, rates_per_day, groups)
    if book.kind == "on_premises":
        copies = int(book.param("copies", 3))
        tb = MonthState.total(archive) * copies / 1e12
        billed = max(tb, float(book.param("min_usable_tb", 0)))
        lines.append(
            _line(
                "storage_onprem",
                "storage",
                False,
                billed,
                "TB-year/12",
                P("storage_usable_tb_year"),
                "max(archive_TB * copies, min_usable_tb) * price_tb_year / 12",
                sf / 12,
                archive,
                archive_tb=tb / copies,
                copies=copies,
            )
        )
        if p.fixed_lines:
            hot_gb = MonthState.total(state.hot) / GB
            servers = compute_vms(hot_gb, vcpu_hours, p)
            lines.append(
                _line(
                    "servers",
                    "platform",
                    True,
                    servers,
                    "server-month",
                    P("server_month"),
                    "servers * price_server_month",
                    ff,
                    servers=servers,
                    hot_gb_replica=hot_gb,
                )
            )
            brokers = int(book.param("brokers", 3))
            lines.append(
                _line(
                    "brokers_onprem",
                    "messaging",
                    True,
                    brokers,
                    "server-month",
                    P("broker_server_month"),
                    "brokers * price_server_month",
                    ff,
                    mb_s_avg=mb_s,
                )
            )
            lines.append(
                _line(
                    "ops_staff", "platform", True, 1.0, "month", P("ops_staff_month"), "ops_staff_month", ff
                )
            )
        return lines

    warehouse = p.warehouse
    if warehouse == "self_managed":
        hot_gb = MonthState.total(state.hot) * tiering.hot_copies / GB
        lines.append(
            _line(
                "storage_hot",
                "storage",
                False,
                hot_gb,
                "GB-month",
                P("block_ssd_gb_month"),
                "hot_GB * hot_copies * price_block_ssd",
                sf,
                state.hot,
                copies=tiering.hot_copies,
            )
        )
        cold_key = (
            "object_archive_gb_month" if tiering.cold_class == "archive" else "object_infrequent_gb_month"
        )
        lines.append(
            _line(
                "storage_warm",
                "storage",
                False,
                MonthState.total(state.warm) * tiering.object_copies / GB,
                "GB-month",
                P("object_standard_gb_month"),
                "warm_GB * object_copies * price_standard",
                sf,
                state.warm,
                copies=tiering.object_copies,
            )
        )
        lines.append(
            _line(
                "storage_cold",
                "storage",
                False,
                MonthState.total(state.cold) * tiering.object_copies / GB,
                "GB-month",
                P(cold_key),
                "cold_GB * object_copies * price_cold_class",
                sf,
                state.cold,
                copies=tiering.object_copies,
                cold_class=tiering.cold_class,
            )
        )
        puts = p.files_per_day * DAYS_PER_MONTH
        lines.append(
            _line(
                "storage_requests",
                "storage",
                False,
                puts / 1000,
                "1000 requests",
                P("put_per_1000"),
                "files_per_day * 30.44 / 1000 * price_put_1000",
                sf,
                state.written,
            )
        )
    else:
        lines.extend(_warehouse_lines(state, book, p, archive))
    egress_gb = state.total_meters * p.egress_kb_per_meter_month * 1e3 / GB
    billable = max(0.0, egress_gb - float(book.param("egress_free_gb", 0)))
    lines.append(
        _line(
            "egress",
            "traffic",
            False,
            billable,
            "GB",
            P("egress_gb"),
            "max(0, meters * egress_KB / 1e6 - free_GB) * price_egress",
            1.0,
            state.written,
            egress_gb=egress_gb,
        )
    )
    kind = str(book.param("messaging", "vms"))
    if kind == "throughput_units" and P("events_per_million") is not None:
        lines.append(
            _line(
                "messaging_events",
                "messaging",
                False,
                n_msgs / 1e6,
                "M events",
                P("events_per_million"),
                "messages / 1e6 * price_per_M_events",
                1.0,
                msg_w,
            )
        )
    if not p.fixed_lines:
        return lines
    hot_gb_replica = MonthState.total(state.hot) / GB if warehouse == "self_managed" else 0.0
    vms = compute_vms(hot_gb_replica, vcpu_hours, p) if warehouse == "self_managed" else 1
    lines.append(
        _line(
            "compute_vms",
            "platform",
            True,
            vms * HOURS_PER_MONTH,
            "VM-h",
            P("vm_hour"),
            "vms * 730 * price_vm_hour",
            ff,
            vms=vms,
            hot_gb_replica=hot_gb_replica,
            vcpu_hours=vcpu_hours,
        )
    )
    peak = mb_s * p.peak_factor
    if kind == "throughput_units":
        units = max(
            int(book.param("min_units", 1)), math.ceil(peak / float(book.param("mb_s_per_unit", 1.0)))
        )
        units = p.messaging_units or units
        lines.append(
            _line(
                "messaging_units",
                "messaging",
                True,
                units * HOURS_PER_MONTH,
                "TU-h",
                P("tu_hour"),
                "ceil(peak_MB_s / MB_s_per_unit) * 730 * price_unit_hour",
                ff,
                units=units,
                mb_s_avg=mb_s,
            )
        )
    elif kind == "brokers":
        units = max(int(book.param("brokers", 3)), math.ceil(peak / float(book.param("mb_s_per_unit", 10.0))))
        units = p.messaging_units or units
        lines.append(
            _line(
                "messaging_units",
                "messaging",
                True,
                units * HOURS_PER_MONTH,
                "broker-h",
                P("broker_hour"),
                "brokers * 730 * price_broker_hour",
                ff,
                units=units,
                mb_s_avg=mb_s,
            )
        )
    else:
        units = max(int(book.param("brokers", 3)), math.ceil(peak / float(book.param("mb_s_per_unit", 10.0))))
        units = p.messaging_units or units
        lines.append(
            _line(
                "messaging_units",
                "messaging",
                True,
                units * HOURS_PER_MONTH,
                "VM-h",
                P("vm_hour"),
                "broker_vms * 730 * price_vm_hour",
                ff,
                units=units,
                mb_s_avg=mb_s,
            )
        )
    if p.orchestration:
        lines.append(
            _line(
                "orchestration",
                "platform",
                True,
                1.0,
                "month",
                P("orchestration_month"),
                "orchestration_and_monitoring_month",
                ff,
            )
        )
    return lines


def _warehouse_lines(
    state: MonthState, book: PriceBook, p: Platform, archive: Mapping[Key, float]
) -> list[Line]:
    """Managed warehouse instead of hot DB + object store (storage-cost.md §5.3 alternatives)."""
    P = book.get
    out: list[Line] = []
    if p.warehouse == "bigquery":
        active = MonthState.total(state.hot) / GB  # < 90 days: roughly the MDC window
        longterm = max(0.0, MonthState.total(archive) / GB - active)
        out.append(
            _line(
                "warehouse_storage_active",
                "storage",
                False,
                active,
                "GB-month",
                P("bigquery_storage_active_gb_month"),
                "physical_GB(<90 d) * price",
                p.storage_price_factor,
                state.hot,
            )
        )
        out.append(
            _line(
                "warehouse_storage_longterm",
                "storage",
                False,
                longterm,
                "GB-month",
                P("bigquery_storage_longterm_gb_month"),
                "physical_GB(>=90 d) * price",
                p.storage_price_factor,
                archive,
            )
        )
        lp_rows = sum(v for (_, prod), v in state.rows.items() if prod == "load_profile")
        tib = 1024.0**4
        fleet_scan_tb = (
            lp_rows * 14 * 8 * 2 / tib
        )  # daily roll-up + monthly billing pass, 14 logical cols x 8 B
        portal_tb = state.total_meters * p.queries_per_meter_month * 10e6 / tib  # 10 MB billed minimum
        scanned = max(0.0, fleet_scan_tb + portal_tb - 1.0)  # first TiB a month free
        out.append(
            _line(
                "warehouse_queries",
                "processing",
                False,
                scanned,
                "TiB",
                P("bigquery_tib_scanned"),
                "(daily fleet scans + billing pass + portal queries x 10 MB minimum - 1 TiB free) * price",
                p.compute_price_factor,
                {(s, "load_profile"): n for s, n in state.meters.items()},
                fleet_scan_tib=fleet_scan_tb,
                portal_tib=portal_tb,
            )
        )
    elif p.warehouse == "snowflake":
        tb = MonthState.total(archive) / 1e12
        out.append(
            _line(
                "warehouse_storage",
                "storage",
                False,
                tb,
                "TB-month",
                P("snowflake_storage_tb_month"),
                "compressed_TB * price",
                p.storage_price_factor,
                archive,
            )
        )
        credits = p.warehouse_hours_per_day * DAYS_PER_MONTH
        out.append(
            _line(
                "warehouse_compute",
                "platform",
                True,
                credits,
                "credits",
                P("snowflake_credit"),
                "XS warehouse (1 credit/h) * hours_per_day * 30.44 * price_credit",
                p.fixed_factor * p.environments,
            )
        )
    return out
