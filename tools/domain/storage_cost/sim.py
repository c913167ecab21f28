"""Fleet growth and month-by-month data volumes with age-based tiering (pure).

A data month of age *a* (months) is held in the object store (the system of record from day
one) while *a* < retention: in the ``warm`` class while *a* < W, then in the ``cold`` class.
Months with *a* < H (the MDC window) also have a copy in the hot database (DuckDB on block
SSD). See ``storage-cost.md`` §5.1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from tools.domain.storage_cost.coef import PRODUCTS, Coefficients, Segment
from tools.domain.storage_cost.volume import ProductRates, ProductVolume, meter_month
from tools.errors import InvalidArguments


def month_number(label: str) -> int:
    """'2026-01' -> 2026 * 12 + 0."""
    try:
        y, m = label.split("-")[:2]
        return int(y) * 12 + int(m) - 1
    except ValueError as exc:
        raise InvalidArguments("bad month label", month=label) from exc


def month_label(number: int) -> str:
    """The inverse of :func:`month_number`: ``2026 * 12 + 0`` -> ``'2026-01'``."""
    return f"{number // 12:04d}-{number % 12 + 1:02d}"


#: CPFL growth path (brief of issue 9): 220k Group B smart meters now, 793k at the end of
#: 2026, 4 M in 2037; Group A: 40k meters at 5 min.
DEFAULT_GROWTH: dict[str, tuple[tuple[str, float], ...]] = {
    "B": (("2026-01", 220_000.0), ("2026-12", 793_000.0), ("2037-12", 4_000_000.0)),
    "A": (("2026-01", 40_000.0),),
}


@dataclass(frozen=True, slots=True)
class Fleet:
    """Meters per group over time: anchors interpolated linearly, flat outside them."""

    segments: tuple[Segment, ...]
    anchors: Mapping[str, tuple[tuple[str, float], ...]]
    start: str  # first simulated month
    end: str  # evaluation month (last simulated month)

    @property
    def months(self) -> int:
        return month_number(self.end) - month_number(self.start) + 1

    def group_path(self, group: str) -> np.ndarray:
        pts = self.anchors.get(group) or ()
        if not pts:
            return np.zeros(self.months)
        x0 = month_number(self.start)
        xs = np.array([month_number(m) - x0 for m, _ in pts], dtype=float)
        ys = np.array([v for _, v in pts], dtype=float)
        return np.asarray(np.interp(np.arange(self.months, dtype=float), xs, ys))

    def segment_paths(self) -> dict[str, np.ndarray]:
        return {s.key: self.group_path(s.group) * s.share for s in self.segments}


def flat_fleet(
    segments: tuple[Segment, ...], meters: Mapping[str, float], months: int, end: str = "2036-12"
) -> Fleet:
    """A constant fleet held long enough (``months``) to reach the steady state."""
    start = month_label(month_number(end) - months + 1)
    return Fleet(segments, {g: ((start, float(n)),) for g, n in meters.items()}, start, end)


@dataclass(frozen=True, slots=True)
class Tiering:
    hot_months: int = 3  # MDC window, copy in the hot database
    warm_months: int = 24  # object-store standard class
    retention_months: int = 120  # MDM (>= 10 years)
    hot_copies: int = 2  # primary + standby
    object_copies: int = 1  # 2 with cross-region DR
    cold_class: str = "infrequent"  # infrequent | archive


@dataclass(frozen=True, slots=True)
class Overheads:
    f_versions: float = 0.05  # VEE edits keep the originals
    f_aggregates: float = 0.03  # daily/monthly roll-ups, billing determinants
    f_metadata: float = 0.05  # footers, small files, indexes
    safety_factor: float = 1.2  # on stored bytes until calibrated with pilot data
    duckdb_block_overhead: float = 1.06  # 256 KiB blocks vs the 64 KiB-block measurements
    bytes_scale: float = 1.0  # sensitivity knob

    @property
    def factor(self) -> float:
        return (
            (1 + self.f_versions)
            * (1 + self.f_aggregates)
            * (1 + self.f_metadata)
            * self.safety_factor
            * self.bytes_scale
        )


@dataclass(frozen=True, slots=True)
class VolumeModel:
    """Per-meter-month volumes of every (segment, product), raw and as stored."""

    raw: Mapping[str, Mapping[str, Mapping[str, ProductVolume]]]  # layout -> seg -> product
    stored: Mapping[str, Mapping[str, Mapping[str, float]]]  # layout -> seg -> product -> bytes


def volume_model(
    segments: tuple[Segment, ...], rates: ProductRates, coefs: Coefficients, overheads: Overheads
) -> VolumeModel:
    """Bytes per meter-month of every segment and product, raw and as stored (overheads
    applied; DuckDB block overhead on the hot layout)."""
    raw: dict[str, dict[str, dict[str, ProductVolume]]] = {}
    stored: dict[str, dict[str, dict[str, float]]] = {}
    for layout in ("archive", "hot"):
        raw[layout], stored[layout] = {}, {}
        extra = overheads.duckdb_block_overhead if layout == "hot" else 1.0
        for seg in segments:
            vols = meter_month(seg, rates, coefs, layout)
            raw[layout][seg.key] = vols
            stored[layout][seg.key] = {p: v.bytes * overheads.factor * extra for p, v in vols.items()}
    return VolumeModel(raw, stored)


@dataclass(frozen=True, slots=True)
class MonthState:
    """Fleet and data held at one month. Bytes are logical (one copy) and as stored."""

    index: int
    label: str
    meters: Mapping[str, float]  # per segment
    values: Mapping[tuple[str, str], float]  # readings produced in the month, per (segment, product)
    rows: Mapping[tuple[str, str], float]  # stored rows produced in the month
    written: Mapping[tuple[str, str], float]  # archive bytes written in the month
    hot: Mapping[tuple[str, str], float]  # hot-layout bytes held (ages < H)
    warm: Mapping[tuple[str, str], float]  # archive bytes held in the warm class
    cold: Mapping[tuple[str, str], float]  # archive bytes held in the cold class
    extra: Mapping[str, float] = field(default_factory=dict)

    @property
    def total_meters(self) -> float:
        return float(sum(self.meters.values()))

    @staticmethod
    def total(m: Mapping[tuple[str, str], float]) -> float:
        return float(sum(m.values()))


def _window(cs: np.ndarray, e: int, a0: int, a1: int) -> float:
    """Sum of x[e - a] for a0 <= a < a1 given cs = cumsum(x) (ages beyond the start count 0)."""
    hi = e - a0
    lo = e - a1
    if hi < 0 or a1 <= a0:
        return 0.0
    top = cs[hi]
    bottom = cs[lo] if lo >= 0 else 0.0
    return float(top - bottom)


def simulate(
    fleet: Fleet, vm: VolumeModel, tiering: Tiering, months: list[int] | None = None
) -> list[MonthState]:
    """Month states for ``months`` (indexes; default: every month of the fleet)."""
    if tiering.retention_months < 1 or tiering.hot_months < 0 or tiering.warm_months < 0:
        raise InvalidArguments("bad tiering", tiering=str(tiering))
    paths = fleet.segment_paths()
    cs = {k: np.cumsum(v) for k, v in paths.items()}
    x0 = month_number(fleet.start)
    r = tiering.retention_months
    h = min(tiering.hot_months, r)
    w = min(tiering.warm_months, r)
    out: list[MonthState] = []
    for e in months if months is not None else range(fleet.months):
        meters = {k: float(paths[k][e]) for k in paths}
        values, rows, written, hot, warm, cold = {}, {}, {}, {}, {}, {}
        for seg in fleet.segments:
            c = cs[seg.key]
            n_hot, n_warm, n_cold = _window(c, e, 0, h), _window(c, e, 0, w), _window(c, e, w, r)
            for p in PRODUCTS:
                key = (seg.key, p)
                arc = vm.stored["archive"][seg.key][p]
                values[key] = meters[seg.key] * vm.raw["archive"][seg.key][p].values
                rows[key] = meters[seg.key] * vm.raw["archive"][seg.key][p].rows
                written[key] = meters[seg.key] * arc
                hot[key] = n_hot * vm.stored["hot"][seg.key][p]
                warm[key] = n_warm * arc
                cold[key] = n_cold * arc
        out.append(MonthState(e, month_label(x0 + e), meters, values, rows, written, hot, warm, cold))
    return out
