"""Steady-state voltage quality: PRODIST Modulo 8 bands, DRP/DRC and compensation (pure).

Every 10-minute reading (tensao de leitura, TL) of each phase is classified against the
tensao de referencia (TR, the nominal phase-neutral voltage for BT) as *adequada*,
*precaria* or *critica*. Readings are grouped in sets of 1.008 valid readings (one week);
readings whose window overlaps a supply interruption (of any length: the short ones are
VTCD and are expurgated too) or shows a phase below 0,1 pu are discarded and the set is
completed with the next valid readings, as PRODIST does.

    DRP = nlp / 1008 x 100 [%]     nlp = largest, among the phases, count of precaria readings
    DRC = nlc / 1008 x 100 [%]     nlc = largest, among the phases, count of critica readings
    Valor = [(DRP - DRPlim)/100 x k1 + (DRC - DRClim)/100 x k2] x EUSD

Voltages come in 0.1 V integers (``*_dv``) as the store keeps them; limits are compared in
the same unit so that 117,0 V is exactly the adequada lower limit.

References
----------
PRODIST Modulo 8 (Anexo VIII da REN 956/2021), secao 8.1; REN 1.000/2021 arts. 437-438.
Values and their status in ``tools/reference/quality_limits.json``; see
``docs/quality-methodology.md``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

import numpy as np
import pandas as pd

from tools.domain.calendar import roll_forward
from tools.types import Step, TrailRef
from tools.units import d, money

Level = Literal["BT", "MT", "AT"]
ADEQUADA, PRECARIA, CRITICA, MISSING = 0, 1, 2, -1
PHASES = ("a", "b", "c")
_HUNDRED = Decimal(100)
_MILLI = Decimal("0.001")


# ----------------------------------------------------------------------------- reference


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
    inspection_days: int
    measurement_168h_days: int
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
            int(c["inspection_days"]),
            int(c["measurement_168h_days"]),
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


# ----------------------------------------------------------------------------- classification


def classify_dv(values_dv: Any, band: VoltageBand) -> np.ndarray:
    """Classify readings given in 0.1 V: 0 adequada, 1 precaria, 2 critica, -1 missing."""
    v = np.asarray(values_dv, dtype="float64")
    a_lo, a_hi, p_lo, p_hi = band.limits_dv()
    out = np.full(v.shape, CRITICA, dtype="int8")
    out[(v >= p_lo) & (v <= p_hi)] = PRECARIA
    out[(v >= a_lo) & (v <= a_hi)] = ADEQUADA
    out[np.isnan(v)] = MISSING
    return out


def classify_v(value_v: float | Decimal, band: VoltageBand) -> str:
    """Classify one reading in volts; returns ``adequada`` | ``precaria`` | ``critica``."""
    code = int(classify_dv([float(d(value_v) * 10)], band)[0])
    return ("adequada", "precaria", "critica")[code]


def interrupted_windows(
    ts: Sequence[Any] | pd.Series, interruptions: Sequence[tuple[Any, Any]], window_min: int = 10
) -> np.ndarray:
    """Boolean mask: True where the window ``[ts, ts + window)`` overlaps an interruption.

    ``interruptions`` are ``(start, end)`` pairs (power-down, power-up) of any duration.
    """
    t = pd.to_datetime(pd.Series(ts)).to_numpy(dtype="datetime64[ns]")
    mask = np.zeros(t.shape, dtype=bool)
    width = np.timedelta64(window_min, "m")
    for start, end in interruptions:
        s = np.datetime64(pd.Timestamp(start), "ns")
        e = np.datetime64(pd.Timestamp(end), "ns")
        mask |= (t < e) & (t + width > s)
    return mask


# ----------------------------------------------------------------------------- indicators


@dataclass(frozen=True, slots=True)
class PhaseCounts:
    phase: str
    n_readings: int
    n_precaria: int
    n_critica: int


@dataclass(frozen=True, slots=True)
class VoltageSet:
    """One set of (up to) 1.008 valid readings and its indicators."""

    start: dt.datetime
    end: dt.datetime  # start of the last window in the set
    n_valid: int
    complete: bool
    phases: tuple[PhaseCounts, ...]
    nlp: int
    nlc: int
    drp_pct: Decimal  # nlp / n x 100, n = 1008 when complete, else n_valid (indicative)
    drc_pct: Decimal
    drp_violated: bool
    drc_violated: bool


@dataclass(frozen=True, slots=True)
class VoltageIndicators:
    band: VoltageBand
    sets: tuple[VoltageSet, ...]
    n_windows: int  # readings fetched (period + completion)
    n_discarded_interruption: int
    n_discarded_missing: int
    steps: tuple[Step, ...] = field(default_factory=tuple)

    @property
    def worst(self) -> VoltageSet | None:
        if not self.sets:
            return None
        return max(self.sets, key=lambda s: (s.drp_violated or s.drc_violated, s.drc_pct, s.drp_pct))


def drp_drc(nlp: int, nlc: int, n: int = 1008) -> tuple[Decimal, Decimal]:
    """DRP and DRC [%] from the counts (exact Decimal, no rounding)."""
    return Decimal(nlp) * _HUNDRED / Decimal(n), Decimal(nlc) * _HUNDRED / Decimal(n)


def voltage_indicators(
    readings: pd.DataFrame,
    band: VoltageBand,
    rules: VoltageRules,
    *,
    interruptions: Sequence[tuple[Any, Any]] = (),
    period_end: dt.datetime | None = None,
    phases: Sequence[str] = PHASES,
) -> VoltageIndicators:
    """DRP/DRC per set of ``rules.set_size`` valid readings.

    Parameters
    ----------
    readings : DataFrame
        ``ts`` (window start) and ``v_a_dv``, ``v_b_dv``, ``v_c_dv`` [0.1 V]; missing phases
        may be absent or null. An optional boolean ``interrupted`` column marks windows the
        meter flagged as interrupted.
    band : VoltageBand
        Limits for the installation's tensao de referencia.
    interruptions : sequence of (start, end)
        Supply interruptions (power-down to power-up, any duration).
    period_end : datetime, optional
        Exclusive end of the requested period. Valid readings from ``period_end`` on are used
        only to complete the last set (PRODIST replaces expurgated readings); the number of
        sets is ``ceil(valid readings in the period / 1008)``.
    phases : sequence of str
        Phases to evaluate (``"a"``, ``"b"``, ``"c"``).

    Returns
    -------
    VoltageIndicators
    """
    df = readings.sort_values("ts").reset_index(drop=True)
    n_windows = len(df)
    cols = [f"v_{p}_dv" for p in phases if f"v_{p}_dv" in df.columns and df[f"v_{p}_dv"].notna().any()]
    vals = df[cols].astype("float64").to_numpy(copy=True) if cols else np.empty((n_windows, 0))
    missing = np.isnan(vals).all(axis=1) if cols else np.ones(n_windows, dtype=bool)
    # a phase below 0,1 pu is interrupted, not critica: drop that phase's reading; a window
    # with every phase interrupted is an interruption window
    vals[np.nan_to_num(vals, nan=np.inf) < float(rules.interruption_pu * band.nominal_v * 10)] = np.nan
    all_low = ~missing & np.isnan(vals).all(axis=1) if cols else np.zeros(n_windows, dtype=bool)
    interrupted = interrupted_windows(df["ts"], interruptions, rules.window_min) | all_low
    if "interrupted" in df.columns:
        interrupted |= df["interrupted"].fillna(False).astype(bool).to_numpy()
    keep = ~interrupted & ~missing
    valid = df.loc[keep].reset_index(drop=True)
    kept_vals = vals[keep]
    classes = {c: classify_dv(kept_vals[:, j], band) for j, c in enumerate(cols)}
    n_in_period = (
        int((valid["ts"] < pd.Timestamp(period_end)).sum()) if period_end is not None else len(valid)
    )
    size = rules.set_size
    n_sets = -(-n_in_period // size) if n_in_period else 0
    sets = []
    for k in range(n_sets):
        lo, hi = k * size, min((k + 1) * size, len(valid))
        per_phase = tuple(
            PhaseCounts(
                c[2],
                int((classes[c][lo:hi] != MISSING).sum()),
                int((classes[c][lo:hi] == PRECARIA).sum()),
                int((classes[c][lo:hi] == CRITICA).sum()),
            )
            for c in cols
        )
        nlp = max((p.n_precaria for p in per_phase), default=0)
        nlc = max((p.n_critica for p in per_phase), default=0)
        n = hi - lo
        complete = n == size
        drp, drc = drp_drc(nlp, nlc, size if complete else n)
        sets.append(
            VoltageSet(
                valid["ts"].iloc[lo].to_pydatetime(),
                valid["ts"].iloc[hi - 1].to_pydatetime(),
                n,
                complete,
                per_phase,
                nlp,
                nlc,
                drp,
                drc,
                drp > rules.drp_lim_pct,
                drc > rules.drc_lim_pct,
            )
        )
    return VoltageIndicators(
        band=band,
        sets=tuple(sets),
        n_windows=n_windows,
        n_discarded_interruption=int((interrupted & ~missing).sum()),
        n_discarded_missing=int(missing.sum()),
        steps=_indicator_steps(band, tuple(sets), rules, n_windows, int((interrupted & ~missing).sum())),
    )


def _indicator_steps(
    band: VoltageBand, sets: tuple[VoltageSet, ...], rules: VoltageRules, n_windows: int, n_interrupted: int
) -> tuple[Step, ...]:
    steps = [
        Step(
            "quality.step.band",
            {"nominal_v": band.nominal_v, "kind": band.kind, "level": band.level},
            "adequate_lo <= TL <= adequate_hi; precaria_lo <= TL < adequate_lo or adequate_hi < TL <= precaria_hi",
            {
                "adequate_lo": band.adequate_lo,
                "adequate_hi": band.adequate_hi,
                "precaria_lo": band.precaria_lo,
                "precaria_hi": band.precaria_hi,
            },
            "V",
            (band.ref,),
        ),
        Step(
            "quality.step.valid_readings",
            {"windows": n_windows, "discarded_interruption": n_interrupted},
            "valid = windows - overlapping interruptions - missing; sets of set_size valid readings",
            sum(s.n_valid for s in sets),
            "readings",
            (rules.limits_ref,),
        ),
    ]
    for i, s in enumerate(sets):
        n = rules.set_size if s.complete else s.n_valid
        steps.append(
            Step(
                "quality.step.drp",
                {"set": i, "nlp": s.nlp, "n": n, "per_phase": {p.phase: p.n_precaria for p in s.phases}},
                "DRP = nlp / n * 100",
                s.drp_pct,
                "%",
                (rules.limits_ref,),
            )
        )
        steps.append(
            Step(
                "quality.step.drc",
                {"set": i, "nlc": s.nlc, "n": n, "per_phase": {p.phase: p.n_critica for p in s.phases}},
                "DRC = nlc / n * 100",
                s.drc_pct,
                "%",
                (rules.limits_ref,),
            )
        )
    return tuple(steps)


# ----------------------------------------------------------------------------- compensation


@dataclass(frozen=True, slots=True)
class VoltageCompensation:
    amount_rs: Decimal  # rounded for the invoice line (REN 1.000 art. 657)
    raw_rs: Decimal  # unrounded
    k1: Decimal
    k2: Decimal
    eusd_rs: Decimal
    step: Step


def voltage_compensation(
    drp_pct: Decimal, drc_pct: Decimal, eusd_rs: Decimal, level: str, rules: VoltageRules
) -> VoltageCompensation:
    """PRODIST Modulo 8 compensation for DRP/DRC above the limits [R$].

    ``Valor = [(DRP - DRPlim)/100 x k1 + (DRC - DRClim)/100 x k2] x EUSD`` with k1 = 3 when
    DRP > DRPlim (else 0) and k2 = 7 (BT) / 5 (MT) / 3 (AT) when DRC > DRClim (else 0).
    """
    k1 = rules.k1 if drp_pct > rules.drp_lim_pct else Decimal(0)
    k2 = rules.k2[level] if drc_pct > rules.drc_lim_pct else Decimal(0)
    raw = (
        (drp_pct - rules.drp_lim_pct) / _HUNDRED * k1 + (drc_pct - rules.drc_lim_pct) / _HUNDRED * k2
    ) * eusd_rs
    step = Step(
        "quality.step.compensation",
        {
            "drp_pct": drp_pct,
            "drp_lim_pct": rules.drp_lim_pct,
            "k1": k1,
            "drc_pct": drc_pct,
            "drc_lim_pct": rules.drc_lim_pct,
            "k2": k2,
            "eusd_rs": eusd_rs,
            "level": level,
        },
        "((drp_pct - drp_lim_pct)/100 * k1 + (drc_pct - drc_lim_pct)/100 * k2) * eusd_rs",
        raw,
        "R$",
        (rules.compensation_ref,),
    )
    return VoltageCompensation(money(raw), raw, k1, k2, eusd_rs, step)


# ----------------------------------------------------------------------------- deadlines


def end_of_month_after(day: dt.date, months: int) -> dt.date:
    """Last day of the month ``months`` after the month of ``day``."""
    y, m = divmod(day.month - 1 + months + 1, 12)
    return dt.date(day.year + y, m + 1, 1) - dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class ComplaintDeadlines:
    """Deadlines after a voltage complaint (REN 1.000 art. 438), counted in calendar days."""

    complaint_date: dt.date
    inspection_by: dt.date  # inspection + instantaneous measurement
    measurement_168h_by: dt.date  # 168 h measurement and laudo
    consumer_request_days: int  # days the consumer has to ask for the 168 h measurement
    install_notice_hours: int


def complaint_deadlines(
    complaint_date: dt.date, rules: VoltageRules, extra_holidays: Sequence[dt.date] = ()
) -> ComplaintDeadlines:
    """Distributor deadlines counted from the complaint (REN 1.000 art. 656).

    Calendar days, the complaint day excluded; a due day on a weekend or national holiday
    moves to the next business day (state/municipal holidays go in ``extra_holidays``).
    """
    c = rules.complaint
    return ComplaintDeadlines(
        complaint_date,
        roll_forward(complaint_date + dt.timedelta(days=c.inspection_days), extra_holidays),
        roll_forward(complaint_date + dt.timedelta(days=c.measurement_168h_days), extra_holidays),
        c.consumer_request_168h_days,
        c.install_notice_hours,
    )


def credit_deadline(reference_day: dt.date, rules: VoltageRules) -> dt.date:
    """Latest invoice date for the compensation: end of the 2nd month after the reference month."""
    return end_of_month_after(reference_day, rules.credit_months)


# ----------------------------------------------------------------------------- fleet: ranking


@dataclass(frozen=True, slots=True)
class RankedEntity:
    """One meter, transformer or feeder in a quality ranking (indicator values are means over meters)."""

    rank: int
    entity_id: str
    feeder_id: str | None
    n_meters: int
    value: Decimal  # mean of the meters' values [% or h or count]
    max_value: Decimal
    projected: Decimal  # mean of the meters' projections to the end of the period
    limit: Decimal
    n_violating: int  # meters above their limit
    n_at_risk: int  # meters projected to exceed before the period ends (not above yet)
    previous: Decimal | None  # same indicator in the previous period of equal length
    trend: Decimal | None  # value - previous
    violated: bool
    at_risk: bool


def _dec(x: Any, places: str = "0.001") -> Decimal:
    return d(float(x)).quantize(Decimal(places))


def rank_entities(
    current: pd.DataFrame, previous: pd.DataFrame | None, limit: Decimal, top: int
) -> tuple[RankedEntity, ...]:
    """Sort entities by mean value (then meters violating), attach trend and the predictive flag.

    ``current`` / ``previous`` have the columns of ``fleet_ranking_*.sql``. When a row carries its
    own ``limit_value`` (continuity limits differ by conjunto) it is used instead of ``limit``.
    """
    if current.empty:
        return ()
    cur = current.sort_values(["value", "n_violating", "entity_id"], ascending=[False, False, True]).head(top)
    prev = (
        {}
        if previous is None or previous.empty
        else dict(zip(previous["entity_id"], previous["value"], strict=True))
    )
    out = []
    for k, r in enumerate(cur.to_dict("records"), start=1):
        lim = _dec(r["limit_value"]) if "limit_value" in r and pd.notna(r.get("limit_value")) else limit
        value, projected = _dec(r["value"]), _dec(r["projected"])
        p = prev.get(r["entity_id"])
        p_dec = None if p is None or pd.isna(p) else _dec(p)
        out.append(
            RankedEntity(
                rank=k,
                entity_id=str(r["entity_id"]),
                feeder_id=None if pd.isna(r.get("feeder_id")) else str(r.get("feeder_id")),
                n_meters=int(r["n_meters"]),
                value=value,
                max_value=_dec(r["max_value"]),
                projected=projected,
                limit=lim,
                n_violating=int(r["n_violating"]),
                n_at_risk=int(r["n_at_risk"]),
                previous=p_dec,
                trend=None if p_dec is None else value - p_dec,
                violated=int(r["n_violating"]) > 0,
                at_risk=int(r["n_at_risk"]) > 0 or (projected > lim >= value),
            )
        )
    return tuple(out)


# ----------------------------------------------------------------------------- fleet: exposure


@dataclass(frozen=True, slots=True)
class ExposureItem:
    """One installation-month owed (or likely owed) a compensation."""

    installation_id: str
    feeder_id: str | None
    transformer_id: str | None
    indicator: str  # DRP | DRC | DRP+DRC | DIC | FIC | DMIC | DICRI
    month: str  # YYYY-MM of the measurement / apuracao
    measured: Mapping[str, Decimal]  # the indicator values behind the amount
    eusd_rs: Decimal
    amount_rs: Decimal  # rounded invoice credit
    deadline: dt.date  # latest invoice for the credit


def eusd_from_energy(
    wh: float | int,
    days: int,
    month: str,
    group_code: str | None,
    contracted_kw: Any,
    tusd: Mapping[str, tuple[Decimal, Decimal]],
) -> Decimal:
    """EUSD [R$] of a month from its energy [Wh]; a partly observed month is scaled to the whole month."""
    y, m = int(month[:4]), int(month[5:7])
    month_days = (end_of_month_after(dt.date(y, m, 1), 0)).day
    kwh = Decimal(int(wh)) / 1000
    if 0 < days < month_days:
        kwh = kwh * month_days / days
    group = "A" if str(group_code).upper() == "A" else "B"
    energy, demand = tusd[group]
    ckw = (
        d(contracted_kw)
        if group == "A" and contracted_kw is not None and pd.notna(contracted_kw)
        else Decimal(0)
    )
    return kwh * energy / 1000 + ckw * demand


def voltage_exposure(
    rows: pd.DataFrame,
    rules: VoltageRules,
    tusd: Mapping[str, tuple[Decimal, Decimal]],
    indicators: Sequence[str] = ("DRP", "DRC"),
) -> list[ExposureItem]:
    """Compensation per installation-month from the violating sets of ``fleet_exposure_voltage.sql``.

    The worst set of each installation-month is paid once (the monthly credit of the last
    measurement, repeated while not regularised). Sets that are not complete are indicative.
    """
    best: dict[tuple[str, str], ExposureItem] = {}
    for r in rows.to_dict("records"):
        n = rules.set_size if bool(r["complete"]) else int(r["n_valid"])
        drp, drc = drp_drc(int(r["nlp"]), int(r["nlc"]), n)
        drp = drp if "DRP" in indicators else Decimal(0)
        drc = drc if "DRC" in indicators else Decimal(0)
        if drp <= rules.drp_lim_pct and drc <= rules.drc_lim_pct:
            continue
        eusd_rs = eusd_from_energy(
            r["wh"], int(r["days"]), r["month"], r["group_code"], r["contracted_demand_kw"], tusd
        )
        level = band_for(r["nominal_voltage_v"], rules).level
        comp = voltage_compensation(drp, drc, eusd_rs, level, rules)
        name = "+".join(x for x, v in (("DRP", comp.k1), ("DRC", comp.k2)) if v > 0)
        y, m = int(r["month"][:4]), int(r["month"][5:7])
        item = ExposureItem(
            str(r["installation_id"]),
            r.get("feeder_id"),
            r.get("transformer_id"),
            name,
            r["month"],
            {"drp_pct": drp.quantize(_MILLI), "drc_pct": drc.quantize(_MILLI)},
            eusd_rs,
            comp.amount_rs,
            credit_deadline(dt.date(y, m, 1), rules),
        )
        key = (item.installation_id, item.month)
        if key not in best or item.amount_rs > best[key].amount_rs:
            best[key] = item
    return list(best.values())


@dataclass(frozen=True, slots=True)
class ExposureGroup:
    group_id: str
    amount_rs: Decimal
    n_items: int
    n_installations: int
    by_indicator: Mapping[str, Decimal]


def summarize_exposure(
    items: Sequence[ExposureItem], group_by: str, today: dt.date, due_within_days: int
) -> tuple[tuple[ExposureGroup, ...], tuple[ExposureItem, ...], Decimal]:
    """Totals per group (feeder / transformer / meter) and the items due in the next N days."""
    groups: dict[str, list[ExposureItem]] = {}
    for it in items:
        gid = {"meter": it.installation_id, "transformer": it.transformer_id}.get(
            group_by, it.feeder_id
        ) or ""
        groups.setdefault(gid, []).append(it)
    out = []
    for gid, its in groups.items():
        by_ind: dict[str, Decimal] = {}
        for it in its:
            by_ind[it.indicator] = by_ind.get(it.indicator, Decimal(0)) + it.amount_rs
        out.append(
            ExposureGroup(
                gid,
                sum((i.amount_rs for i in its), Decimal(0)),
                len(its),
                len({i.installation_id for i in its}),
                by_ind,
            )
        )
    out.sort(key=lambda g: (-g.amount_rs, g.group_id))
    horizon = today + dt.timedelta(days=due_within_days)
    due = sorted(
        (i for i in items if today <= i.deadline <= horizon), key=lambda i: (i.deadline, -i.amount_rs)
    )
    return tuple(out), tuple(due), sum((i.amount_rs for i in items), Decimal(0))
