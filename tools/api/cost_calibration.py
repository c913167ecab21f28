"""Calibration entry points (thin wrappers for the CLI and REST): calibrate, show, check a lake.

``calibrate`` writes generated samples of every segment in the lake layout, measures them (and
a given lake) and stores ``<home>/calibration.json``. ``lake_check`` predicts the bytes of a
store's lake from its composition (installations, intervals, record counts) with the
calibrated coefficients and compares them with the bytes on disk.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tools.data.calibration import load_calibration, measure_lake
from tools.data.queries.lake import COMPOSITION_SQL, lake_composition
from tools.data.store import Store
from tools.demo.calibration import calibrate as _calibrate_data
from tools.demo.calibration_sample import SampleSpec
from tools.domain.storage_cost.coef import (
    LIT_EVENT,
    LIT_QEE,
    LIT_REGISTER,
    Coefficients,
    Segment,
    default_segments,
)
from tools.domain.storage_cost.volume import ProductRates, predict_lake_bytes
from tools.errors import NoData
from tools.types import Provenance, Step, ToolResult, TrailRef

CAL_REF = TrailRef("shared/domain/storage-cost.md 2.2 (per-column method)", "reference")


def calibration_specs() -> list[SampleSpec]:
    return [SampleSpec(s.key, s.group, s.phases, s.pv, s.interval_min) for s in default_segments()]


@dataclass(frozen=True, slots=True)
class CalibrationRow:
    segment: str
    interval_min: int
    item: str  # channel, "row_overhead", or a product
    calibrated: float
    literature: float


@dataclass(frozen=True, slots=True)
class CalibrationValue:
    path: str
    created: str
    source: Mapping[str, Any]
    rows: tuple[CalibrationRow, ...]


def calibration_rows(cal: Mapping[str, Any]) -> tuple[CalibrationRow, ...]:
    """Calibrated bytes per value against the literature values, per segment, interval and channel."""
    coefs = Coefficients(cal)
    lit = Coefficients()
    rows: list[CalibrationRow] = []
    by_iv = (cal.get("generated") or {}).get("load_profile", {})
    for seg in default_segments():
        for iv_key in sorted(by_iv, key=int):
            got = (by_iv[iv_key] or {}).get(seg.key)
            if not got:
                continue
            lrow = lit.literature_row(replace(seg, interval_min=int(iv_key)), "archive")
            for ch in seg.channels:
                rows.append(
                    CalibrationRow(
                        seg.key, int(iv_key), ch, float(got["channels"].get(ch, 0.0)), lrow.channels[ch]
                    )
                )
            rows.append(
                CalibrationRow(
                    seg.key, int(iv_key), "row_overhead", float(got["row_overhead"]), lrow.row_overhead
                )
            )
        for item, fn, litv in (
            ("power_quality", coefs.qee, LIT_QEE),
            ("events", coefs.event, LIT_EVENT),
            ("registers", coefs.register, LIT_REGISTER),
        ):
            val, src = fn(seg, "archive")
            if src != "literature":
                rows.append(CalibrationRow(seg.key, seg.interval_min, item, val, litv["archive"]))
    return tuple(rows)


def calibrate(
    home: str | Path,
    *,
    lake: str | Path | None = None,
    meters_per_segment: int = 40,
    days: int = 31,
    intervals: tuple[int, ...] = (5, 10, 15, 30, 60),
    seed: int = 20261001,
) -> ToolResult[CalibrationValue]:
    """Write generated samples in the lake layout, measure them (and ``lake``), store calibration.json.

    ``intervals`` empty measures each segment at its own interval only (B 15 min, A 5 min).
    """
    cal = _calibrate_data(
        home,
        calibration_specs(),
        lake=lake,
        intervals=intervals,
        meters_per_segment=meters_per_segment,
        days=days,
        seed=seed,
    )
    rows = calibration_rows(cal)
    value = CalibrationValue(
        str(Path(home) / "calibration.json"), str(cal["created"]), dict(cal["source"]), rows
    )
    step = Step(
        "cost.step.calibration",
        {
            "segments": len(calibration_specs()),
            "intervals": list(intervals),
            "meters_per_segment": meters_per_segment,
            "days": days,
            "lake": str(lake or ""),
        },
        "B/value = compressed column bytes (incl. bloom filters, page indexes) / non-null values",
        {"rows": len(rows)},
        "B/value",
        (CAL_REF,),
    )
    return ToolResult(
        "cost_calibrate",
        value,
        {"calibrated": "B/value", "literature": "B/value"},
        (step,),
        provenance=Provenance(reference_versions={"calibration": value.created}),
    )


def current_calibration(home: str | Path) -> ToolResult[CalibrationValue] | None:
    """The stored calibration of ``home`` as rows against literature, or None."""
    cal = load_calibration(home)
    if not cal:
        return None
    value = CalibrationValue(
        str(Path(home) / "calibration.json"),
        str(cal.get("created", "")),
        dict(cal.get("source") or {}),
        calibration_rows(cal),
    )
    return ToolResult("cost_calibration", value, {"calibrated": "B/value", "literature": "B/value"})


# ------------------------------------------------------------------------------ lake check

@dataclass(frozen=True, slots=True)
class LakeCheckValue:
    predicted_bytes: Mapping[str, float]
    actual_bytes: Mapping[str, int]
    error: Mapping[str, float]  # predicted / actual - 1, per table and "total"
    coefficients: str


def lake_check(
    home: str | Path, coefs: Coefficients | None = None, *, calibration_home: str | Path | None = None
) -> ToolResult[LakeCheckValue]:
    """Predict the bytes of ``home``'s lake from its composition and compare with the disk.

    Without ``coefs`` the generated-sample calibration of ``calibration_home`` (default ``home``)
    is used, never coefficients measured on this same lake (that would be circular).
    """
    store = Store(home, read_only=True)
    try:
        found = lake_composition(store)
    finally:
        store.close()
    if not found.segments:
        raise NoData("no load profile in the lake", home=str(home))
    comp, days, counts, qee = found.segments, found.days, found.counts, found.voltage_values
    if coefs is None:
        cal = load_calibration(calibration_home or home) or {}
        coefs = Coefficients({k: v for k, v in cal.items() if k != "lake"})
    segs = {s.key: s for s in default_segments()}
    meters: dict[Segment, float] = {}
    meter_days = {"A": 0.0, "B": 0.0}
    phase_days = 0.0
    for group, phases, pv, interval, _n, lp_rows in comp:
        key = f"{group}{phases if group == 'B' else ''}{'_pv' if pv else ''}"
        seg = replace(segs[key], interval_min=int(interval))
        md = float(lp_rows) * int(interval) / 1440.0  # meter-days of data
        meters[seg] = meters.get(seg, 0.0) + md / days
        meter_days[group] += md
        phase_days += md * seg.phases
    per_day = {g: (counts.get(g, (0, 0)), meter_days[g]) for g in ("A", "B")}
    rates = ProductRates(
        qee_coverage=qee / (phase_days * 144.0) if phase_days else 0.0,
        fiscal_reads_per_day={"A": 1.0, "B": 1.0},
        registers={g: (c[1] / md if md else 0.0) for g, (c, md) in per_day.items()},
        event_rate={g: (c[0] / md if md else 0.0) for g, (c, md) in per_day.items()},
        alarm_rate={"A": 0.0, "B": 0.0},
    )
    measured = measure_lake(home)
    files = {t: m.files for t, m in measured.items()}
    footers = ((coefs.calibration.get("generated") or {}).get("footer_bytes_per_file")) or {}
    predicted = predict_lake_bytes(meters, days, rates, coefs, files, footers)
    actual = {t: m.file_bytes for t, m in measured.items()}
    error = {t: (predicted[t] / actual[t] - 1) if actual.get(t) else 0.0 for t in actual}
    error["total"] = sum(predicted.values()) / sum(actual.values()) - 1 if sum(actual.values()) else 0.0
    source = ("calibrated " + coefs.created) if coefs.calibrated else "literature"
    step = Step(
        "cost.step.lake_check",
        {
            "days": days,
            "meters": {s.key + f"@{s.interval_min}": round(n, 2) for s, n in meters.items()},
            "event_rate": dict(rates.event_rate),
            "registers_per_day": dict(rates.registers),
            "qee_coverage": round(rates.qee_coverage, 4),
            "coefficients": source,
        },
        "predicted = sum_segments meters * days/30.44 * bytes_per_meter_month + files * footer",
        {t: round(e, 4) for t, e in error.items()},
        "relative error",
        (CAL_REF,),
        sql=COMPOSITION_SQL,
    )
    return ToolResult(
        "cost_lake_check",
        LakeCheckValue(predicted, actual, error, source),
        {"predicted_bytes": "B", "actual_bytes": "B", "error": "fraction"},
        (step,),
    )
