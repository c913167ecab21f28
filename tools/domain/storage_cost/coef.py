"""Meter segments, data products, channels and bytes-per-value coefficients (pure).

Literature defaults come from ``shared/domain/storage-cost.md`` (§1.2, §2.2 per-column table,
§2.5, §5.2): the archive layout is the project's lake (wide Parquet + ZSTD written by DuckDB,
dictionary encoding), the hot layout is DuckDB's native format. Calibrated coefficients
(measured by ``smartmeter cost calibrate`` on our own layout, see :mod:`tools.data.calibration`)
replace them per segment, interval and channel when present.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from tools.errors import InvalidArguments

Group = Literal["A", "B"]
Layout = Literal["archive", "hot"]

#: Data products, in report order.
PRODUCTS: tuple[str, ...] = ("registers", "load_profile", "power_quality", "events", "alarms")
#: Words users (and the eval slots) use for the products.
PRODUCT_ALIASES: dict[str, str] = {
    "registers": "registers",
    "register": "registers",
    "fiscal_page": "registers",
    "billing_registers": "registers",
    "pagina_fiscal": "registers",
    "load_profile": "load_profile",
    "memoria_de_massa": "load_profile",
    "interval": "load_profile",
    "power_quality": "power_quality",
    "voltage": "power_quality",
    "voltage_10min": "power_quality",
    "qee": "power_quality",
    "events": "events",
    "event": "events",
    "eventos": "events",
    "alarms": "alarms",
    "alarm": "alarms",
    "alarmes": "alarms",
}

#: Load-profile value channels (wide lake columns, tools/data/schema.py).
ENERGY_BUSY = ("import_wh", "q1_varh")
ENERGY_SPARSE = ("export_wh", "q2_varh", "q3_varh", "q4_varh")
PHASE_CHANNELS = (("v_a_dv", "i_a_ca"), ("v_b_dv", "i_b_ca"), ("v_c_dv", "i_c_ca"))
CHANNELS: tuple[str, ...] = (
    "import_wh", "export_wh", "q1_varh", "q2_varh", "q3_varh", "q4_varh",
    "v_a_dv", "v_b_dv", "v_c_dv", "i_a_ca", "i_b_ca", "i_c_ca",
)  # fmt: skip

DAYS_PER_MONTH = 30.44
MINUTES_PER_MONTH = DAYS_PER_MONTH * 24 * 60
QEE_INTERVAL_MIN = 10


def intervals_per_month(interval_min: float) -> float:
    """30.44 * 24 * 60 / I: 5 -> 8,766.7; 15 -> 2,922.2; 60 -> 730.6."""
    return MINUTES_PER_MONTH / interval_min


def segment_channels(phases: int) -> tuple[str, ...]:
    """Channels a meter records: 6 energy channels plus V and I per phase (8, 10 or 12)."""
    per_phase = [c for p in PHASE_CHANNELS[:phases] for c in p]
    return (
        ENERGY_BUSY[:1] + ENERGY_SPARSE[:1] + ENERGY_BUSY[1:] + ENERGY_SPARSE[1:] + tuple(sorted(per_phase))
    )


@dataclass(frozen=True, slots=True)
class Segment:
    """A meter type: group, phases, PV (distributed generation) or not, load-profile interval."""

    key: str
    group: Group
    phases: int
    pv: bool
    share: float  # share of the group's meters
    interval_min: int

    @property
    def channels(self) -> tuple[str, ...]:
        return segment_channels(self.phases)


#: Group B mix 60/25/15 % (1/2/3 phases) with PV on 8/15/25 % of them (storage-cost.md §2.1,
#: appendix A: 12 % with PV overall). Group A: three-phase, 5 min; 10 % with PV (assumption).
_B_PHASE_SHARE = {1: 0.60, 2: 0.25, 3: 0.15}
_B_PV_SHARE = {1: 0.08, 2: 0.15, 3: 0.25}
A_PV_SHARE = 0.10
DEFAULT_INTERVAL: dict[str, int] = {"A": 5, "B": 15}


def default_segments(interval_b: int = 15, interval_a: int = 5) -> tuple[Segment, ...]:
    """The fleet segments (Group B by phases, with and without PV; Group A) with their shares of
    meters and load-profile intervals [min] (storage-cost.md 2.1)."""
    segs: list[Segment] = []
    for ph, share in _B_PHASE_SHARE.items():
        pv = _B_PV_SHARE[ph]
        segs.append(Segment(f"B{ph}", "B", ph, False, share * (1 - pv), interval_b))
        segs.append(Segment(f"B{ph}_pv", "B", ph, True, share * pv, interval_b))
    segs.append(Segment("A", "A", 3, False, 1 - A_PV_SHARE, interval_a))
    segs.append(Segment("A_pv", "A", 3, True, A_PV_SHARE, interval_a))
    return tuple(segs)


# ------------------------------------------------------------------------------ literature values

#: Parquet zstd (DuckDB writer, dictionary) per non-null value, §2.2 per-column table, 15 min.
LIT_ARCHIVE: dict[str, float] = {
    "import_wh": 1.24, "export_wh": 0.09, "q1_varh": 1.04, "q2_varh": 0.02, "q3_varh": 0.04, "q4_varh": 0.13,
    "v_a_dv": 1.10, "v_b_dv": 1.05, "v_c_dv": 0.95, "i_a_ca": 1.45, "i_b_ca": 1.44, "i_c_ca": 1.49,
}  # fmt: skip
#: DuckDB native, 64 KiB blocks, §2.2 per-column table.
LIT_HOT: dict[str, float] = {
    "import_wh": 1.60, "export_wh": 0.20, "q1_varh": 1.33, "q2_varh": 0.12, "q3_varh": 0.13, "q4_varh": 0.60,
    "v_a_dv": 1.07, "v_b_dv": 1.14, "v_c_dv": 1.11, "i_a_ca": 1.62, "i_b_ca": 1.77, "i_c_ca": 1.91,
}  # fmt: skip
#: PV meters: reverse energy becomes a busy channel (§5.2 "set kWh rev to 1.0 for PV meters");
#: Q2/Q3 grow towards busy (appendix B); 0.3 B is our assumption until calibrated.
LIT_PV_ARCHIVE: dict[str, float] = {"export_wh": 1.0, "q2_varh": 0.3, "q3_varh": 0.3}
LIT_ROW_OVERHEAD: dict[str, float] = {"archive": 0.37, "hot": 1.61}  # ts + meter id per row
LIT_QEE: dict[str, float] = {"archive": 0.75, "hot": 1.1}  # per 10-min voltage reading (§2.5, §5.2)
LIT_EVENT: dict[str, float] = {"archive": 6.1, "hot": 7.5}  # per event (§2.5)
LIT_REGISTER: dict[str, float] = {"archive": 2.3, "hot": 3.8}  # per fiscal-page value (§2.5)
#: Busy energy channels: about -0.1 B per halving of the interval (§5.2: 1.14 at 5 min,
#: 1.25 at 15, 1.44 at 60); interpolated in log2(interval). Other channels: flat (§2.2).
_ENERGY_INTERVAL_POINTS = ((5.0, 1.14 / 1.25), (15.0, 1.0), (60.0, 1.44 / 1.25))


def energy_interval_factor(interval_min: float) -> float:
    """Bytes per value of a busy energy channel at ``interval_min`` relative to 15 min,
    interpolated in log2(interval) (storage-cost.md 5.2)."""
    pts = _ENERGY_INTERVAL_POINTS
    x = math.log2(max(1.0, interval_min))
    xs = [math.log2(p[0]) for p in pts]
    if x <= xs[0]:
        i = 0
    elif x >= xs[-1]:
        i = len(pts) - 2
    else:
        i = 0 if x <= xs[1] else 1
    t = (x - xs[i]) / (xs[i + 1] - xs[i])
    return pts[i][1] + t * (pts[i + 1][1] - pts[i][1])


def literature_channel(channel: str, pv: bool, interval_min: int, layout: Layout) -> float:
    """Literature bytes per non-null value of one load-profile channel."""
    base = LIT_ARCHIVE[channel]
    if pv and channel in LIT_PV_ARCHIVE:
        base = LIT_PV_ARCHIVE[channel]
    if layout == "hot":  # PV-busy channels take the ratio of the busy energy channel
        ref = "import_wh" if (pv and channel in LIT_PV_ARCHIVE) else channel
        base *= LIT_HOT[ref] / LIT_ARCHIVE[ref]
    if channel in ENERGY_BUSY or (pv and channel == "export_wh"):
        base *= energy_interval_factor(interval_min)
    return base


# ------------------------------------------------------------------------------ coefficients


@dataclass(frozen=True, slots=True)
class RowBytes:
    """Bytes per load-profile row of one segment: per channel, row overhead, where they come from."""

    channels: Mapping[str, float]
    row_overhead: float
    source: str  # literature | calibrated | calibrated_scaled | lake

    @property
    def total(self) -> float:
        return sum(self.channels.values()) + self.row_overhead


@dataclass(frozen=True, slots=True)
class Coefficients:
    """Bytes-per-value coefficients: literature defaults, optionally replaced by calibration.

    ``calibration`` is the parsed ``calibration.json`` (see tools.data.calibration).
    """

    calibration: Mapping[str, Any] = field(default_factory=dict)

    @property
    def calibrated(self) -> bool:
        return bool(self.calibration)

    @property
    def created(self) -> str:
        return str(self.calibration.get("created", ""))

    def _generated(self) -> Mapping[str, Any]:
        gen = self.calibration.get("generated") or {}
        return gen if isinstance(gen, Mapping) else {}

    def _lake(self) -> Mapping[str, Any]:
        lake = self.calibration.get("lake") or {}
        coefs = lake.get("coefficients") if isinstance(lake, Mapping) else None
        return coefs if isinstance(coefs, Mapping) else {}

    def literature_row(self, seg: Segment, layout: Layout, interval_min: int | None = None) -> RowBytes:
        iv = interval_min or seg.interval_min
        ch = {c: literature_channel(c, seg.pv, iv, layout) for c in seg.channels}
        return RowBytes(ch, LIT_ROW_OVERHEAD[layout], "literature")

    def _hot_ratio(self, seg: Segment) -> float:
        lit_hot = self.literature_row(seg, "hot")
        lit_arc = self.literature_row(seg, "archive")
        return lit_hot.total / lit_arc.total

    def _calibrated_archive_row(self, seg: Segment) -> RowBytes | None:
        lake_lp = self._lake().get("load_profile")
        if isinstance(lake_lp, Mapping) and lake_lp.get("channels"):
            measured = lake_lp["channels"]
            lit = self.literature_row(seg, "archive")
            ch = {c: float(measured.get(c, lit.channels[c])) for c in seg.channels}
            return RowBytes(ch, float(lake_lp["row_overhead"]), "lake")
        by_iv = self._generated().get("load_profile") or {}
        exact = (by_iv.get(str(seg.interval_min)) or {}).get(seg.key)
        if exact:
            ch = {c: float(exact["channels"].get(c, 0.0)) for c in seg.channels}
            return RowBytes(ch, float(exact["row_overhead"]), "calibrated")
        for iv_key, segs in by_iv.items():  # another interval of the same segment: scale
            got = (segs or {}).get(seg.key)
            if got:
                f_to = self.literature_row(seg, "archive", seg.interval_min)
                f_from = self.literature_row(seg, "archive", int(iv_key))
                ch = {
                    c: float(got["channels"].get(c, 0.0)) * f_to.channels[c] / f_from.channels[c]
                    for c in seg.channels
                }
                return RowBytes(ch, float(got["row_overhead"]), "calibrated_scaled")
        return None

    def lp_row(self, seg: Segment, layout: Layout) -> RowBytes:
        """Bytes per load-profile row (one meter, one interval) in a layout."""
        cal = self._calibrated_archive_row(seg)
        if cal is None:
            return self.literature_row(seg, layout)
        if layout == "archive":
            return cal
        r = self._hot_ratio(seg)  # hot = calibrated archive x literature DuckDB/Parquet ratio
        return RowBytes(
            {c: v * r for c, v in cal.channels.items()}, cal.row_overhead * r, cal.source + "_x_hot_ratio"
        )

    def _per_value(
        self, seg: Segment, product: str, field_name: str, lit: Mapping[str, float], layout: Layout
    ) -> tuple[float, str]:
        lake = self._lake().get(product)
        seg_cal = ((self._generated().get("segments") or {}).get(seg.key) or {}).get(product)
        measured: float | None = None
        source = "literature"
        if isinstance(lake, Mapping) and field_name in lake:
            measured, source = float(lake[field_name]), "lake"
        elif isinstance(seg_cal, Mapping) and field_name in seg_cal:
            measured, source = float(seg_cal[field_name]), "calibrated"
        if measured is None:
            return lit[layout], source
        if layout == "hot":
            return measured * lit["hot"] / lit["archive"], source + "_x_hot_ratio"
        return measured, source

    def qee(self, seg: Segment, layout: Layout) -> tuple[float, str]:
        return self._per_value(seg, "power_quality", "b_per_value", LIT_QEE, layout)

    def event(self, seg: Segment, layout: Layout) -> tuple[float, str]:
        return self._per_value(seg, "events", "b_per_event", LIT_EVENT, layout)

    def register(self, seg: Segment, layout: Layout) -> tuple[float, str]:
        return self._per_value(seg, "registers", "b_per_value", LIT_REGISTER, layout)


def normalise_products(names: object) -> tuple[str, ...]:
    """Canonical product keys from user words; None/empty -> all products."""
    if names is None or names == [] or names == ():
        return PRODUCTS
    items = [names] if isinstance(names, str) else list(names)  # type: ignore[call-overload]
    out: list[str] = []
    for n in items:
        key = PRODUCT_ALIASES.get(str(n).strip().lower())
        if key is None:
            raise InvalidArguments("unknown data product", product=str(n), known=sorted(PRODUCT_ALIASES))
        if key not in out:
            out.append(key)
    return tuple(p for p in PRODUCTS if p in out)
