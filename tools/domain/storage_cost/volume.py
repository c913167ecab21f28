"""Volume per meter-month of each data product, per segment and storage layout (pure).

``storage-cost.md`` §5.1::

    readings_lp   = n_channels * intervals_per_month(I)          (rows = intervals_per_month(I))
    readings_qee  = phases * 4,383.4 * qee_coverage               (10-min voltage)
    events/alarms = 30.44 * rate_per_day
    fiscal_values = 30.44 * fiscal_reads_per_day * n_registers
    bytes         = sum_channels readings_ch * B/value[ch] + rows * row_overhead   (load profile)
                  = values * B/value                                               (other products)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from tools.domain.storage_cost.coef import (
    DAYS_PER_MONTH,
    QEE_INTERVAL_MIN,
    Coefficients,
    Layout,
    Segment,
    intervals_per_month,
)


@dataclass(frozen=True, slots=True)
class ProductRates:
    """How much of each product a meter produces (storage-cost.md §5.2 defaults).

    Events 1.5 per meter-day (B) and 3 (A); the split events/alarms (80/20 %) is our
    assumption. Fiscal page: 24 registers read daily (B), 60 registers 4x a day (A).
    """

    qee_coverage: float = 1.0  # share of meters logging 10-min voltage continuously
    fiscal_reads_per_day: Mapping[str, float] = field(default_factory=lambda: {"A": 4.0, "B": 1.0})
    registers: Mapping[str, float] = field(default_factory=lambda: {"A": 60.0, "B": 24.0})
    event_rate: Mapping[str, float] = field(default_factory=lambda: {"A": 2.4, "B": 1.2})
    alarm_rate: Mapping[str, float] = field(default_factory=lambda: {"A": 0.6, "B": 0.3})


@dataclass(frozen=True, slots=True)
class ProductVolume:
    """One product of one meter for one month in one layout (before overheads)."""

    product: str
    values: float  # readings / events / register values per meter-month
    rows: float  # stored rows per meter-month
    bytes: float  # bytes per meter-month
    b_per_value: float  # bytes / values
    source: str  # literature | calibrated | ... (where the coefficient came from)
    formula: str


def meter_month(
    seg: Segment, rates: ProductRates, coefs: Coefficients, layout: Layout
) -> dict[str, ProductVolume]:
    """Volumes of every product of one ``seg`` meter for one month in ``layout``."""
    g = seg.group
    out: dict[str, ProductVolume] = {}

    reads = DAYS_PER_MONTH * rates.fiscal_reads_per_day[g]
    n_reg = rates.registers[g]
    b, src = coefs.register(seg, layout)
    vals = reads * n_reg
    out["registers"] = ProductVolume(
        "registers", vals, vals, vals * b, b, src, "30.44 * fiscal_reads_per_day * n_registers * B_per_value"
    )

    rows = intervals_per_month(seg.interval_min)
    row = coefs.lp_row(seg, layout)
    vals = rows * len(row.channels)
    lp_bytes = rows * row.total
    out["load_profile"] = ProductVolume(
        "load_profile",
        vals,
        rows,
        lp_bytes,
        lp_bytes / vals,
        row.source,
        "intervals_per_month(I) * (sum_channels B_per_value + row_overhead)",
    )

    qee_rows = intervals_per_month(QEE_INTERVAL_MIN) * rates.qee_coverage
    b, src = coefs.qee(seg, layout)
    vals = qee_rows * seg.phases
    out["power_quality"] = ProductVolume(
        "power_quality", vals, qee_rows, vals * b, b, src, "phases * 4383.4 * qee_coverage * B_per_value"
    )

    b, src = coefs.event(seg, layout)
    for product, rate in (("events", rates.event_rate[g]), ("alarms", rates.alarm_rate[g])):
        vals = DAYS_PER_MONTH * rate
        out[product] = ProductVolume(
            product, vals, vals, vals * b, b, src, "30.44 * rate_per_day * B_per_event"
        )
    return out


#: Lake table that holds each product.
PRODUCT_TABLE: dict[str, str] = {
    "registers": "billing_registers",
    "load_profile": "load_profile",
    "power_quality": "voltage_10min",
    "events": "events",
    "alarms": "events",
}


def predict_lake_bytes(
    meters: Mapping[Segment, float],
    days: float,
    rates: ProductRates,
    coefs: Coefficients,
    files: Mapping[str, int] | None = None,
    footer_bytes_per_file: Mapping[str, float] | None = None,
) -> dict[str, float]:
    """Bytes a lake holding ``days`` of data of ``meters`` (per segment) should take, per table.

    No VEE versions, aggregates or safety factor: this is the lake as written, in the archive
    layout, plus one footer per file when ``files`` is given.
    """
    out: dict[str, float] = dict.fromkeys(sorted(set(PRODUCT_TABLE.values())), 0.0)
    scale = days / DAYS_PER_MONTH
    for seg, n in meters.items():
        for product, vol in meter_month(seg, rates, coefs, "archive").items():
            out[PRODUCT_TABLE[product]] += n * vol.bytes * scale
    for table, count in (files or {}).items():
        out[table] = out.get(table, 0.0) + count * (footer_bytes_per_file or {}).get(table, 0.0)
    return out
