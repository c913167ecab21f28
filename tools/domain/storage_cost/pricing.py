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

from tools.domain.storage_cost.coef import DAYS_PER_MONTH
from tools.domain.storage_cost.lines import (
    GB,
    HOURS_PER_MONTH,
    Key,
    Line,
    Platform,
    compute_vms,
    make_line,
    messaging_load,
    processing,
)
from tools.domain.storage_cost.prices import PriceBook
from tools.domain.storage_cost.sim import MonthState, Tiering

#: messaging kind -> (minimum-units parameter, its default, default MB/s per unit, unit, price key,
#: formula); a book whose kind is none of these runs its brokers on VMs ("broker_vms")
_MESSAGING: dict[str, tuple[str, int, float, str, str, str]] = {
    "throughput_units": (
        "min_units",
        1,
        1.0,
        "TU-h",
        "tu_hour",
        "ceil(peak_MB_s / MB_s_per_unit) * 730 * price_unit_hour",
    ),
    "brokers": ("brokers", 3, 10.0, "broker-h", "broker_hour", "brokers * 730 * price_broker_hour"),
    "broker_vms": ("brokers", 3, 10.0, "VM-h", "vm_hour", "broker_vms * 730 * price_vm_hour"),
}


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
            make_line(
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
            make_line(
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
                make_line(
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
                make_line(
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
                make_line(
                    "ops_staff", "platform", True, 1.0, "month", P("ops_staff_month"), "ops_staff_month", ff
                )
            )
        return lines

    warehouse = p.warehouse
    if warehouse == "self_managed":
        hot_gb = MonthState.total(state.hot) * tiering.hot_copies / GB
        lines.append(
            make_line(
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
            make_line(
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
            make_line(
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
            make_line(
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
        make_line(
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
            make_line(
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
        make_line(
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
    # messaging units = max(minimum, ceil(peak MB/s / MB/s per unit)) unless the caller fixed them
    min_key, min_default, per_unit, unit, price, formula = _MESSAGING.get(kind, _MESSAGING["broker_vms"])
    units = p.messaging_units or max(
        int(book.param(min_key, min_default)), math.ceil(peak / float(book.param("mb_s_per_unit", per_unit)))
    )
    lines.append(
        make_line(
            "messaging_units",
            "messaging",
            True,
            units * HOURS_PER_MONTH,
            unit,
            P(price),
            formula,
            ff,
            units=units,
            mb_s_avg=mb_s,
        )
    )
    if p.orchestration:
        lines.append(
            make_line(
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
            make_line(
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
            make_line(
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
            make_line(
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
            make_line(
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
            make_line(
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
