"""Typed reference data for billing (pure values + look-ups; the files are loaded by
:mod:`tools.reference`).

Every record carries a :class:`Ref` (source citation and status ``confirmed`` |
``unconfirmed`` | ``reference``). A look-up that has to fall back on a documented default
(a month without a published bandeira or PIS/COFINS rate, a municipality without CIP data,
a tariff outside the loaded resolutions) says so through ``fallback=True`` so the caller can
attach an issue ("valor de referencia").

Units: energy tariffs in R$/MWh as ANEEL publishes them (REN 1.000 art. 2), demand tariffs
in R$/kW; rates (ICMS, PIS, COFINS, shares) as fractions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from tools.domain.calendar import PostoSchedule
from tools.errors import TariffNotFound
from tools.types import TrailRef

Status = Literal["confirmed", "unconfirmed", "reference"]
_STATUS_ORDER = {"confirmed": 0, "unconfirmed": 1, "reference": 2}


def weakest(*statuses: str) -> Status:
    """The weakest of several statuses (reference < unconfirmed < confirmed)."""
    worst = max(statuses or ("confirmed",), key=lambda s: _STATUS_ORDER.get(s, 2))
    return worst  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class Ref:
    """Where a reference value comes from."""

    source: str  # full provenance (English, for docs and operators)
    status: Status = "confirmed"
    url: str = ""
    note: str = ""
    cite: str = ""  # short citation shown to people ("ANEEL REH 3.579/2026"); "" = none

    def trail(self) -> TrailRef:
        """The trail reference: the short citation (empty for documented defaults) and status."""
        return TrailRef(source=self.cite, status=self.status, url=self.url)


@dataclass(frozen=True, slots=True)
class TariffRecord:
    """One tariff line of a resolucao homologatoria (TUSD and TE of one posto)."""

    distributor: str
    subgroup: str  # B1, B2, B3, A4...
    modality: str  # convencional | branca | verde | azul
    subclass: str  # residencial | baixa_renda | desconto_social | comercial | any
    posto: str  # total | ponta | intermediario | fora_ponta
    component: str  # energy | demand
    tusd: Decimal  # R$/MWh (energy) or R$/kW (demand)
    te: Decimal  # R$/MWh (energy); 0 for demand
    reh: str
    valid_from: dt.date
    valid_to: dt.date  # inclusive
    ref: Ref
    detail: str = "normal"  # normal | scee

    @property
    def total(self) -> Decimal:
        return self.tusd + self.te


@dataclass(frozen=True, slots=True)
class BandeiraValue:
    flag: str  # verde | amarela | vermelha_1 | vermelha_2 | escassez_hidrica
    rs_mwh: Decimal
    valid_from: dt.date
    valid_to: dt.date
    ref: Ref


@dataclass(frozen=True, slots=True)
class BandeiraMonth:
    month: str  # YYYY-MM
    flag: str
    ref: Ref


@dataclass(frozen=True, slots=True)
class IcmsBand:
    state: str
    customer_class: str  # residencial | other
    max_kwh: Decimal | None  # inclusive upper bound of the band; None = no bound
    rate: Decimal
    valid_from: dt.date
    ref: Ref


@dataclass(frozen=True, slots=True)
class PisCofins:
    distributor: str
    month: str  # YYYY-MM or "default"
    pis: Decimal
    cofins: Decimal
    ref: Ref


@dataclass(frozen=True, slots=True)
class Cip:
    municipality: str  # or "default"
    amount: Decimal  # R$ per bill
    ref: Ref


@dataclass(frozen=True, slots=True)
class FioB:
    distributor: str
    modality: str
    posto: str
    rs_mwh: Decimal
    valid_from: dt.date
    valid_to: dt.date
    ref: Ref


@dataclass(frozen=True, slots=True)
class Lookup:
    """A looked-up value with its references and whether a default had to be used."""

    value: Decimal
    refs: tuple[TrailRef, ...]
    fallback: bool = False
    label: str = ""

    @property
    def status(self) -> Status:
        return weakest(*(r.status for r in self.refs))


@dataclass(frozen=True, slots=True)
class TariffSegment:
    """Tariff lines in force on ``days`` days of a cycle (pro-rata by days)."""

    days: int
    start: dt.date
    end: dt.date
    records: Mapping[str, TariffRecord]  # posto -> record
    stand_in: bool = False


@dataclass(frozen=True, slots=True)
class Rules:
    """Scalar rules (availability cost, social tariffs, SCEE, Group A) with citations."""

    values: Mapping[str, Decimal]
    refs: Mapping[str, Ref]

    def get(self, key: str) -> Lookup:
        if key not in self.values:
            raise KeyError(key)
        return Lookup(self.values[key], (self.refs[key].trail(),), label=key)


@dataclass(frozen=True, slots=True)
class ReferenceData:
    """All billing reference data, with look-ups by date."""

    tariffs: tuple[TariffRecord, ...]
    bandeira_values: tuple[BandeiraValue, ...]
    bandeira_months: tuple[BandeiraMonth, ...]
    icms: tuple[IcmsBand, ...]
    pis_cofins: tuple[PisCofins, ...]
    cip: tuple[Cip, ...]
    fio_b: tuple[FioB, ...]
    fio_b_share: Mapping[int, tuple[Decimal, Ref]]  # GD II share of Fio B by year
    postos: Mapping[str, PostoSchedule]
    rules: Rules
    versions: Mapping[str, str] = field(default_factory=dict)
    stand_in_refs: Mapping[str, Ref] = field(default_factory=dict)  # reh label -> ref

    # ------------------------------------------------------------------ tariffs
    def tariff_lines(
        self,
        distributor: str,
        subgroup: str,
        modality: str,
        subclass: str,
        on: dt.date,
        component: str = "energy",
        detail: str = "normal",
    ) -> dict[str, TariffRecord]:
        """posto -> record in force on ``on``; falls back to subclass ``any`` of the subgroup."""
        for sc in (subclass, "any"):
            found = {
                t.posto: t
                for t in self.tariffs
                if t.distributor == distributor
                and t.subgroup == subgroup
                and t.modality == modality
                and t.subclass == sc
                and t.component == component
                and t.detail == detail
                and t.valid_from <= on <= t.valid_to
            }
            if found:
                return found
        raise TariffNotFound(
            "no tariff record",
            distributor=distributor,
            subgroup=subgroup,
            modality=modality,
            subclass=subclass,
            on=on.isoformat(),
            component=component,
        )

    def tariff_segments(
        self,
        distributor: str,
        subgroup: str,
        modality: str,
        subclass: str,
        start: dt.date,
        end: dt.date,
        component: str = "energy",
    ) -> list[TariffSegment]:
        """Split ``[start, end]`` by tariff validity (pro-rata by days inside a cycle)."""
        segs: list[TariffSegment] = []
        d = start
        while d <= end:
            recs = self.tariff_lines(distributor, subgroup, modality, subclass, d, component)
            seg_end = min([end, *(r.valid_to for r in recs.values())])
            days = (seg_end - d).days + 1
            stand_in = any(r.ref.status == "reference" and "stand-in" in r.reh for r in recs.values())
            segs.append(TariffSegment(days, d, seg_end, recs, stand_in))
            d = seg_end + dt.timedelta(days=1)
        return segs

    # ------------------------------------------------------------------ bandeiras
    def bandeira_flag(self, month: str) -> tuple[str, Ref, bool]:
        """(flag, ref, fallback) for a month ``YYYY-MM``; unknown months assume verde."""
        for b in self.bandeira_months:
            if b.month == month:
                return b.flag, b.ref, False
        return (
            "verde",
            Ref(
                "Bandeira of the month not in the reference table; verde (no additional) assumed",
                "reference",
                note="ANEEL announces each month's flag at the end of the previous month",
            ),
            True,
        )

    def bandeira_value(self, flag: str, on: dt.date) -> Lookup:
        for v in self.bandeira_values:
            if v.flag == flag and v.valid_from <= on <= v.valid_to:
                return Lookup(v.rs_mwh, (v.ref.trail(),), label=flag)
        raise TariffNotFound("no bandeira value", flag=flag, on=on.isoformat())

    def known_flags(self, on: dt.date) -> list[str]:
        return [v.flag for v in self.bandeira_values if v.valid_from <= on <= v.valid_to]

    # ------------------------------------------------------------------ taxes
    def icms_rate(self, state: str, customer_class: str, kwh: Decimal, on: dt.date) -> Lookup:
        cls = "residencial" if customer_class == "residencial" else "other"
        bands = sorted(
            (b for b in self.icms if b.state == state and b.customer_class == cls and b.valid_from <= on),
            key=lambda b: (b.valid_from, b.max_kwh is None, b.max_kwh or Decimal(0)),
        )
        if not bands:
            raise TariffNotFound("no ICMS band", state=state, customer_class=customer_class)
        latest = max(b.valid_from for b in bands)
        current = [b for b in bands if b.valid_from == latest]
        for b in current:
            if b.max_kwh is None or kwh <= b.max_kwh:
                return Lookup(b.rate, (b.ref.trail(),), label=f"{cls}:{b.max_kwh}")
        raise TariffNotFound("no ICMS band for consumption", kwh=str(kwh))

    def pis_cofins_rates(self, distributor: str, month: str) -> tuple[Lookup, Lookup]:
        exact = [p for p in self.pis_cofins if p.distributor == distributor and p.month == month]
        fallback = not exact
        if fallback:
            exact = [p for p in self.pis_cofins if p.distributor == distributor and p.month == "default"]
        if not exact:
            exact = [p for p in self.pis_cofins if p.distributor == "default" and p.month == "default"]
        if not exact:
            raise TariffNotFound("no PIS/COFINS rates", distributor=distributor, month=month)
        p = exact[0]
        return (
            Lookup(p.pis, (p.ref.trail(),), fallback, "pis"),
            Lookup(p.cofins, (p.ref.trail(),), fallback, "cofins"),
        )

    def cip_amount(self, municipality: str | None) -> Lookup:
        for c in self.cip:
            if municipality and c.municipality.lower() == municipality.lower():
                return Lookup(c.amount, (c.ref.trail(),), False, c.municipality)
        for c in self.cip:
            if c.municipality == "default":
                return Lookup(c.amount, (c.ref.trail(),), True, "default")
        return Lookup(Decimal(0), (TrailRef("", "reference"),), True, "default")

    # ------------------------------------------------------------------ SCEE
    def fio_b_rate(self, distributor: str, modality: str, posto: str, on: dt.date) -> Lookup:
        for f in self.fio_b:
            if (
                f.distributor == distributor
                and f.modality == modality
                and f.posto in (posto, "all")
                and f.valid_from <= on <= f.valid_to
            ):
                return Lookup(f.rs_mwh, (f.ref.trail(),), f.ref.status == "reference", "fio_b")
        raise TariffNotFound("no Fio B value", distributor=distributor, modality=modality, on=on.isoformat())

    def fio_b_share_for(self, year: int) -> Lookup:
        if year in self.fio_b_share:
            share, ref = self.fio_b_share[year]
            return Lookup(share, (ref.trail(),), False, f"fio_b_share_{year}")
        last = max(self.fio_b_share)
        if year > last:
            share, ref = self.fio_b_share[last]
            return Lookup(
                share,
                (ref.trail(), TrailRef("Lei 14.300/2022, art. 17", "reference")),
                True,
                f"fio_b_share_{last}",
            )
        return Lookup(Decimal(0), (TrailRef("Lei 14.300/2022, art. 27", "confirmed"),), False, "before_2023")

    # ------------------------------------------------------------------ postos
    def posto_schedule(self, distributor: str) -> PostoSchedule | None:
        return self.postos.get(distributor)
