"""Service continuity: interruptions, DIC, FIC, DMIC, DICRI and their compensation (pure).

Only interruptions of 3 minutes or more count. Interruptions come from the meter's
power-down (last gasp) / power-up events: each power-down is paired with the next power-up
of the same installation. An interruption belongs to the month in which it starts (its whole
duration). Interruptions that start on a *dia critico* of the conjunto are measured by DICRI
(per event) and left out of DIC/FIC/DMIC.

    DIC  = sum t(i) [h]    FIC = n    DMIC = max t(i) [h]        (monthly apuracao)
    DIC : (DICv - DICp)             x EUSDmedio/730 x kei
    FIC : (FICv/FICp - 1) x DICp    x EUSDmedio/730 x kei
    DMIC: (DMICv - DMICp)           x EUSDmedio/730 x kei
    paid = the largest of the three (not the sum); DICRI per event on top.

Quarterly/annual apuracao and the 10x/30x/120x caps of older revisions are deliberately not
implemented (verification.md 2).

References
----------
PRODIST Modulo 8 (Anexo VIII da REN 956/2021), secao 8.2; kei 15 (BT) / 20 (MT) confirmed in
public SINAPgrid code, 27 (AT) UNCONFIRMED. Limits per conjunto are reference data in
``tools/reference/quality_limits.json``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd

from tools.domain.quality import ExposureItem, end_of_month_after, eusd_from_energy
from tools.types import Step, TrailRef
from tools.units import d, money

POWER_DOWN, POWER_UP = 1, 2
INDICATORS = ("DIC", "FIC", "DMIC", "DICRI")
_SECONDS_PER_HOUR = Decimal(3600)
_CENTI = Decimal("0.01")  # hours and hundredths, as PRODIST reports DIC/DMIC


# ----------------------------------------------------------------------------- reference


@dataclass(frozen=True, slots=True)
class ContinuityLimits:
    """Monthly individual limits for one installation [h, count, h, h per event]."""

    dic_h: Decimal
    fic: Decimal
    dmic_h: Decimal
    dicri_h: Decimal
    conjunto_id: str
    area: str
    level: str
    ref: TrailRef


@dataclass(frozen=True, slots=True)
class ContinuityRules:
    min_interruption_minutes: int
    hours_per_month: Decimal
    kei: Mapping[str, Decimal]
    kei_ref: TrailRef
    kei_unconfirmed: tuple[str, ...]
    payment_months: int
    compensation_ref: TrailRef
    limits_default: Mapping[str, Mapping[str, Mapping[str, Decimal]]]
    limits_conjuntos: Mapping[str, Mapping[str, Mapping[str, Mapping[str, Decimal]]]]
    limits_ref: TrailRef
    critical_days: Mapping[str, frozenset[dt.date]]
    critical_days_ref: TrailRef

    def limits_for(self, conjunto_id: str | None, area: str | None, level: str) -> ContinuityLimits:
        """Limits of the conjunto (falling back to the default table) for area and level."""
        area_key = area if area in ("urbana", "rural") else "urbana"
        table = self.limits_conjuntos.get(conjunto_id or "", self.limits_default)
        row = table.get(area_key, self.limits_default[area_key]).get(level)
        if row is None:  # AT: no table; use MT as the closest reference
            row = table.get(area_key, self.limits_default[area_key])["MT"]
        return ContinuityLimits(
            row["dic_h"],
            row["fic"],
            row["dmic_h"],
            row["dicri_h"],
            conjunto_id or "",
            area_key,
            level,
            self.limits_ref,
        )

    def critical_days_for(self, conjunto_id: str | None) -> frozenset[dt.date]:
        return self.critical_days.get(conjunto_id or "", frozenset())


def _ref(block: Mapping[str, Any]) -> TrailRef:
    return TrailRef(str(block.get("source", "")), block.get("status", "reference"))


def _limit_table(node: Mapping[str, Any]) -> dict[str, dict[str, dict[str, Decimal]]]:
    return {
        area: {lvl: {k: d(x) for k, x in row.items()} for lvl, row in lv.items()} for area, lv in node.items()
    }


def parse_continuity_rules(data: Mapping[str, Any]) -> ContinuityRules:
    """Build :class:`ContinuityRules` from the parsed reference file (``data["continuity"]``)."""
    c = data["continuity"]
    lim = c["limits"]
    return ContinuityRules(
        min_interruption_minutes=int(c["min_interruption_minutes"]),
        hours_per_month=d(c["hours_per_month"]),
        kei={k: d(x) for k, x in c["kei"]["values"].items()},
        kei_ref=_ref(c["kei"]),
        kei_unconfirmed=tuple(c["kei"].get("unconfirmed_levels", ())),
        payment_months=int(c["compensation"]["payment_months_after_period"]),
        compensation_ref=_ref(c["compensation"]),
        limits_default=_limit_table(lim["default"]),
        limits_conjuntos={cid: _limit_table(node) for cid, node in lim.get("conjuntos", {}).items()},
        limits_ref=_ref(lim),
        critical_days={
            cid: frozenset(dt.date.fromisoformat(x) for x in days)
            for cid, days in c["critical_days"].get("by_conjunto", {}).items()
        },
        critical_days_ref=_ref(c["critical_days"]),
    )


def supply_level(group_code: str | None, subgroup: str | None) -> str:
    """BT for Group B; MT for A4/A3a/AS; AT for A3/A2/A1."""
    if (group_code or "B").upper() != "A":
        return "BT"
    return "AT" if (subgroup or "").upper() in ("A1", "A2", "A3") else "MT"


# ----------------------------------------------------------------------------- interruptions


@dataclass(frozen=True, slots=True)
class Interruption:
    start: dt.datetime
    end: dt.datetime | None  # None: no power-up yet (still open at the end of the data)
    seconds: int | None

    @property
    def hours(self) -> Decimal | None:
        return None if self.seconds is None else Decimal(self.seconds) / _SECONDS_PER_HOUR


def pair_power_events(events: pd.DataFrame) -> list[Interruption]:
    """Pair each power-down with the next power-up (``ts``, ``code`` columns; one installation).

    Mirrors the store's ``outages`` view. A power-down followed by another power-down (a
    lost power-up) is dropped; a trailing power-down gives an open interruption.
    """
    ev = (
        events[events["code"].isin([POWER_DOWN, POWER_UP])].sort_values(["ts", "code"]).reset_index(drop=True)
    )
    out: list[Interruption] = []
    codes = ev["code"].tolist()
    ts = [pd.Timestamp(x).to_pydatetime() for x in ev["ts"]]
    for i, code in enumerate(codes):
        if code != POWER_DOWN:
            continue
        if i + 1 < len(codes) and codes[i + 1] == POWER_UP:
            out.append(Interruption(ts[i], ts[i + 1], int((ts[i + 1] - ts[i]).total_seconds())))
        elif i + 1 == len(codes):
            out.append(Interruption(ts[i], None, None))
    return out


def is_long(intr: Interruption, rules: ContinuityRules) -> bool:
    """PRODIST counts interruptions of 3 minutes or more."""
    return intr.seconds is not None and intr.seconds >= rules.min_interruption_minutes * 60


# ----------------------------------------------------------------------------- indicators


def whole_months(start: dt.date, end: dt.date, data_end: dt.date) -> tuple[dt.date, dt.date]:
    """The calendar months covering ``[start, end]``: from the 1st of the first month to the last
    day of the last month, that month stopping at ``data_end`` (the last day with data) when it is
    still in progress. DIC/FIC/DMIC are monthly indicators (PRODIST Modulo 8 secao 8.2): a day or
    a week is never compared with a monthly limit on its own."""
    first = start.replace(day=1)
    last = end_of_month_after(end, 0)
    if data_end < last:
        last = max(data_end, end)
    return first, last


@dataclass(frozen=True, slots=True)
class MonthIndicators:
    month: str  # YYYY-MM (apuracao month)
    start: dt.date  # first day counted (may be after the 1st for a partial month)
    end: dt.date  # last day counted
    complete: bool  # the whole calendar month was observed
    dic_h: Decimal
    fic: int
    dmic_h: Decimal
    dicri_h: tuple[Decimal, ...]  # one per interruption on a critical day
    n_short: int  # interruptions under 3 minutes (not counted)
    n_open: int  # power-down without power-up (not counted)
    interruptions: tuple[Interruption, ...]  # the long ones counted in DIC/FIC/DMIC


def monthly_indicators(
    interruptions: Iterable[Interruption],
    start: dt.date,
    end: dt.date,
    rules: ContinuityRules,
    critical_days: Iterable[dt.date] = (),
) -> list[MonthIndicators]:
    """DIC/FIC/DMIC (and DICRI events) per calendar month overlapping ``[start, end]``."""
    crit = frozenset(critical_days)
    items = [i for i in interruptions if start <= i.start.date() <= end]
    months: list[MonthIndicators] = []
    cur = start.replace(day=1)
    while cur <= end:
        m_end = end_of_month_after(cur, 0)
        lo, hi = max(cur, start), min(m_end, end)
        in_m = [i for i in items if lo <= i.start.date() <= hi]
        long_ = [i for i in in_m if is_long(i, rules)]
        counted = [i for i in long_ if i.start.date() not in crit]
        dicri = tuple(i.hours for i in long_ if i.start.date() in crit and i.hours is not None)
        hours = [i.hours for i in counted if i.hours is not None]
        months.append(
            MonthIndicators(
                month=cur.strftime("%Y-%m"),
                start=lo,
                end=hi,
                complete=lo == cur and hi == m_end,
                dic_h=sum(hours, Decimal(0)),
                fic=len(counted),
                dmic_h=max(hours, default=Decimal(0)),
                dicri_h=dicri,
                n_short=sum(1 for i in in_m if i.seconds is not None and not is_long(i, rules)),
                n_open=sum(1 for i in in_m if i.seconds is None),
                interruptions=tuple(counted),
            )
        )
        cur = m_end + dt.timedelta(days=1)
    return months


# ----------------------------------------------------------------------------- compensation


@dataclass(frozen=True, slots=True)
class ContinuityCompensation:
    month: str
    dic_rs: Decimal  # unrounded candidates
    fic_rs: Decimal
    dmic_rs: Decimal
    chosen: str | None  # "DIC" | "FIC" | "DMIC" | None (no violation)
    chosen_rs: Decimal
    dicri_rs: Decimal
    amount_rs: Decimal  # rounded invoice credit: chosen + DICRI
    kei: Decimal
    eusd_medio_rs: Decimal
    payment_deadline: dt.date
    steps: tuple[Step, ...]


def continuity_compensation(
    ind: MonthIndicators,
    limits: ContinuityLimits,
    eusd_medio_rs: Decimal,
    level: str,
    rules: ContinuityRules,
    indicators: Collection[str] = INDICATORS,
) -> ContinuityCompensation:
    """Compensation for one month [R$]: the largest of DIC/FIC/DMIC plus DICRI per event.

    ``indicators`` restricts which terms are considered (e.g. only ``("DIC",)``).
    """
    kei = rules.kei[level]
    factor = eusd_medio_rs / rules.hours_per_month * kei
    zero = Decimal(0)
    dic = (ind.dic_h - limits.dic_h) * factor if ind.dic_h > limits.dic_h and "DIC" in indicators else zero
    fic_v = Decimal(ind.fic)
    fic = (
        (fic_v / limits.fic - 1) * limits.dic_h * factor
        if fic_v > limits.fic and "FIC" in indicators
        else zero
    )
    dmic = (
        (ind.dmic_h - limits.dmic_h) * factor if ind.dmic_h > limits.dmic_h and "DMIC" in indicators else zero
    )
    candidates = {"DIC": dic, "FIC": fic, "DMIC": dmic}
    chosen = max(candidates, key=lambda k: candidates[k]) if max(candidates.values()) > 0 else None
    chosen_rs = candidates[chosen] if chosen else zero
    dicri_h = ind.dicri_h if "DICRI" in indicators else ()
    dicri = sum(((h - limits.dicri_h) * factor for h in dicri_h if h > limits.dicri_h), zero)
    refs = (rules.compensation_ref, rules.kei_ref, limits.ref)
    base = {"eusd_medio_rs": eusd_medio_rs, "hours_per_month": rules.hours_per_month, "kei": kei}
    steps = (
        Step("continuity.step.factor", base, "eusd_medio_rs / hours_per_month * kei", factor, "R$/h", refs),
        Step(
            "continuity.step.dic_compensation",
            {"dic_v_h": ind.dic_h, "dic_p_h": limits.dic_h, "factor": factor},
            "(dic_v_h - dic_p_h) * factor if dic_v_h > dic_p_h",
            dic,
            "R$",
            refs,
        ),
        Step(
            "continuity.step.fic_compensation",
            {"fic_v": ind.fic, "fic_p": limits.fic, "dic_p_h": limits.dic_h, "factor": factor},
            "(fic_v / fic_p - 1) * dic_p_h * factor if fic_v > fic_p",
            fic,
            "R$",
            refs,
        ),
        Step(
            "continuity.step.dmic_compensation",
            {"dmic_v_h": ind.dmic_h, "dmic_p_h": limits.dmic_h, "factor": factor},
            "(dmic_v_h - dmic_p_h) * factor if dmic_v_h > dmic_p_h",
            dmic,
            "R$",
            refs,
        ),
        Step(
            "continuity.step.dicri_compensation",
            {"dicri_v_h": list(ind.dicri_h), "dicri_p_h": limits.dicri_h, "factor": factor},
            "sum((dicri_v_h[i] - dicri_p_h) * factor for each event above the limit)",
            dicri,
            "R$",
            refs,
        ),
        Step(
            "continuity.step.compensation",
            {"dic_rs": dic, "fic_rs": fic, "dmic_rs": dmic, "dicri_rs": dicri, "chosen": chosen or ""},
            "max(dic_rs, fic_rs, dmic_rs) + dicri_rs",
            chosen_rs + dicri,
            "R$",
            refs,
        ),
    )
    month_day = dt.date.fromisoformat(ind.month + "-01")
    return ContinuityCompensation(
        month=ind.month,
        dic_rs=dic,
        fic_rs=fic,
        dmic_rs=dmic,
        chosen=chosen,
        chosen_rs=chosen_rs,
        dicri_rs=dicri,
        amount_rs=money(chosen_rs + dicri),
        kei=kei,
        eusd_medio_rs=eusd_medio_rs,
        payment_deadline=payment_deadline(month_day, rules),
        steps=steps,
    )


def payment_deadline(month_day: dt.date, rules: ContinuityRules) -> dt.date:
    """Latest invoice for the credit: end of month M+2 of the apuracao month M."""
    return end_of_month_after(month_day, rules.payment_months)


def continuity_exposure(
    rows: pd.DataFrame,
    rules: ContinuityRules,
    tusd: Mapping[str, tuple[Decimal, Decimal]],
    indicators: Collection[str] = INDICATORS,
) -> list[ExposureItem]:
    """Compensation per installation-month from the rows of ``fleet_exposure_continuity.sql``."""
    items = []
    for r in rows.to_dict("records"):
        level = supply_level(r.get("group_code"), r.get("subgroup"))
        limits = rules.limits_for(r.get("conjunto_id"), r.get("area"), level)
        raw = r.get("dicri_s")
        dicri = tuple(Decimal(int(s)) / _SECONDS_PER_HOUR for s in ([] if raw is None else list(raw)))
        ind = MonthIndicators(
            r["month"],
            dt.date.fromisoformat(r["month"] + "-01"),
            dt.date.fromisoformat(r["month"] + "-01"),
            True,
            Decimal(int(r["dic_s"])) / _SECONDS_PER_HOUR,
            int(r["fic"]),
            Decimal(int(r["dmic_s"])) / _SECONDS_PER_HOUR,
            dicri,
            0,
            0,
            (),
        )
        eusd_rs = eusd_from_energy(
            r["wh"], int(r["days"]), r["month"], r.get("group_code"), r.get("contracted_demand_kw"), tusd
        )
        comp = continuity_compensation(ind, limits, eusd_rs, level, rules, indicators)
        if comp.amount_rs <= 0:
            continue
        name = "+".join(x for x in (comp.chosen, "DICRI" if comp.dicri_rs > 0 else None) if x)
        items.append(
            ExposureItem(
                str(r["installation_id"]),
                r.get("feeder_id"),
                r.get("transformer_id"),
                name,
                r["month"],
                {
                    "dic_h": ind.dic_h.quantize(_CENTI),
                    "fic": Decimal(ind.fic),
                    "dmic_h": ind.dmic_h.quantize(_CENTI),
                    "dicri_max_h": max(dicri, default=Decimal(0)).quantize(_CENTI),
                },
                eusd_rs,
                comp.amount_rs,
                comp.payment_deadline,
            )
        )
    return items
