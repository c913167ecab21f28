"""Voltage reference rules: the parsed ``voltage`` block of ``quality_limits.json`` and the
PRODIST Modulo 8 band (tensao de referencia limits) of an installation (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from tools.types import TrailRef
from tools.units import d

Level = Literal["BT", "MT", "AT"]


@dataclass(frozen=True, slots=True)
class VoltageBand:
    """Limits for one tensao de referencia, in volts [V]."""

    nominal_v: Decimal
    adequate_lo: Decimal
    adequate_hi: Decimal
    precaria_lo: Decimal
    precaria_hi: Decimal
    level: Level
    kind: str  # "table" | "generic_bt" | "mt"
    ref: TrailRef

    def limits_dv(self) -> tuple[float, float, float, float]:
        """(adequate_lo, adequate_hi, precaria_lo, precaria_hi) in 0.1 V."""
        return (
            float(self.adequate_lo * 10),
            float(self.adequate_hi * 10),
            float(self.precaria_lo * 10),
            float(self.precaria_hi * 10),
        )


@dataclass(frozen=True, slots=True)
class ComplaintRules:
    """The consumer's periods after a voltage complaint (art. 438 par. 2-3); the distributor's
    deadlines are Anexo IV rules of the deadline engine (``deadlines.json``)."""

    consumer_request_168h_days: int
    install_notice_hours: int
    ref: TrailRef


@dataclass(frozen=True, slots=True)
class VoltageRules:
    """Parsed ``voltage`` block of ``quality_limits.json``."""

    set_size: int
    window_min: int
    interruption_pu: Decimal
    drp_lim_pct: Decimal
    drc_lim_pct: Decimal
    limits_ref: TrailRef
    bands: Mapping[Decimal, VoltageBand]
    generic_bt_pu: tuple[Decimal, Decimal, Decimal, Decimal]
    generic_bt_ref: TrailRef
    mt_pu: tuple[Decimal, Decimal, Decimal, Decimal]
    mt_max_v: Decimal
    mt_ref: TrailRef
    k1: Decimal
    k2: Mapping[str, Decimal]
    credit_months: int
    compensation_ref: TrailRef
    complaint: ComplaintRules
    regularisation_legacy_days: Mapping[str, int]
    regularisation_ref: TrailRef
    vt_secondary_line_v: Decimal = Decimal(115)  # standard VT secondary (line) of MT metering


def _ref(block: Mapping[str, Any]) -> TrailRef:
    return TrailRef(str(block.get("source", "")), block.get("status", "reference"))


def parse_voltage_rules(data: Mapping[str, Any]) -> VoltageRules:
    """Build :class:`VoltageRules` from the parsed reference file (``data["voltage"]``)."""
    v = data["voltage"]
    bref = _ref(v["bands_v"])
    bands = {}
    for row in v["bands_v"]["rows"]:
        nom = d(row["nominal_v"])
        bands[nom] = VoltageBand(
            nom,
            d(row["adequate"][0]),
            d(row["adequate"][1]),
            d(row["precaria"][0]),
            d(row["precaria"][1]),
            "BT",
            "table",
            bref,
        )
    g, m, c, comp = v["generic_bt_pu"], v["mt_pu"], v["complaint"], v["compensation"]
    return VoltageRules(
        set_size=int(v["set_size"]),
        window_min=int(v["window_min"]),
        interruption_pu=d(v["interruption_pu"]),
        drp_lim_pct=d(v["limits"]["drp_lim_pct"]),
        drc_lim_pct=d(v["limits"]["drc_lim_pct"]),
        limits_ref=_ref(v["limits"]),
        bands=bands,
        generic_bt_pu=(d(g["adequate"][0]), d(g["adequate"][1]), d(g["precaria"][0]), d(g["precaria"][1])),
        generic_bt_ref=_ref(g),
        mt_pu=(d(m["adequate"][0]), d(m["adequate"][1]), d(m["precaria"][0]), d(m["precaria"][1])),
        mt_max_v=d(m["max_v"]),
        vt_secondary_line_v=d(m.get("vt_secondary_line_v", "115")),
        mt_ref=_ref(m),
        k1=d(comp["k1"]),
        k2={k: d(x) for k, x in comp["k2"].items()},
        credit_months=int(comp["credit_months_after_reference"]),
        compensation_ref=_ref(comp),
        complaint=ComplaintRules(
            int(c["consumer_request_168h_days"]),
            int(c["install_notice_hours"]),
            _ref(c),
        ),
        regularisation_legacy_days={k: int(x) for k, x in v["regularisation"]["legacy_days"].items()},
        regularisation_ref=_ref(v["regularisation"]),
    )


def band_for(nominal_v: float | int | Decimal, rules: VoltageRules) -> VoltageBand:
    """The band table row for a tensao de referencia [V].

    BT nominal voltages in the PRODIST tables (127, 220, 380, 254, 440, 230/115, 208/120,
    240/120, 220/110) use their table; any other TR up to 1 kV uses the generic per-unit
    limits (UNCONFIRMED); 1 kV < TR < 69 kV uses the MT per-unit limits.
    """
    nom = d(nominal_v)
    if nom in rules.bands:
        return rules.bands[nom]
    if nom <= 1000:
        a_lo, a_hi, p_lo, p_hi = rules.generic_bt_pu
        level: Level = "BT"
        kind, ref = "generic_bt", rules.generic_bt_ref
    elif nom < rules.mt_max_v:
        a_lo, a_hi, p_lo, p_hi = rules.mt_pu
        level, kind, ref = "MT", "mt", rules.mt_ref
    else:
        raise ValueError(f"no PRODIST band for TR = {nom} V (AT not supported)")
    return VoltageBand(nom, a_lo * nom, a_hi * nom, p_lo * nom, p_hi * nom, level, kind, ref)


def meter_band(
    nominal_v: float | int | Decimal, rules: VoltageRules, group_code: str | None = "B"
) -> VoltageBand:
    """The band the meter's own readings are classified with.

    Group B meters read the supply voltage: :func:`band_for` the nominal TR. A Group A (MT)
    meter is connected to the secondary of voltage transformers: its readings are phase-neutral
    volts at the VT secondary, so the MT per-unit limits (PRODIST Modulo 8: adequada 0,93-1,05
    TR, precaria 0,90-0,93 TR) apply to TR = VT secondary line / sqrt(3) (115 / sqrt(3) =
    66,395 V for a 13.800/115 V VT). The level stays MT (k2 = 5 in the compensation).
    """
    band = band_for(nominal_v, rules)
    if (group_code or "B").upper() != "A" or band.level != "MT":
        return band
    a_lo, a_hi, p_lo, p_hi = rules.mt_pu
    tr = rules.vt_secondary_line_v / Decimal(3).sqrt()
    return VoltageBand(tr, a_lo * tr, a_hi * tr, p_lo * tr, p_hi * tr, "MT", "mt_vt_secondary", rules.mt_ref)

