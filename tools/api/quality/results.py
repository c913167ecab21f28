"""Result types of the quality tools (:func:`.voltage_quality`, :func:`.continuity_indicators`) and
the catalogue phrases their answers are made of."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tools.types import Period


@dataclass(frozen=True, slots=True)
class Phrase:
    """A catalogue key and its placeholders (the assistant renders the sentence)."""

    key: str
    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class PhaseOut:
    phase: str
    readings: int
    precaria: int
    critica: int


@dataclass(frozen=True, slots=True)
class SetOut:
    start: dt.datetime
    end: dt.datetime
    n_valid: int
    complete: bool
    nlp: int
    nlc: int
    drp_pct: Decimal
    drc_pct: Decimal
    drp_violated: bool
    drc_violated: bool
    phases: tuple[PhaseOut, ...]


@dataclass(frozen=True, slots=True)
class VoltageQuality:
    """Value of ``voltage_quality`` (indicative: meter data, not a regulatory measurement)."""

    installation_id: str
    period: Period
    nominal_v: Decimal
    level: str
    band: Mapping[str, Decimal]  # adequate_lo/hi, precaria_lo/hi [V]
    phases: tuple[str, ...]
    sets: tuple[SetOut, ...]
    drp_pct: Decimal  # worst set
    drc_pct: Decimal
    drp_lim_pct: Decimal
    drc_lim_pct: Decimal
    precaria_share: Decimal  # fraction of the worst set's valid readings (= DRP/100)
    critica_share: Decimal
    violated: bool
    compensation_rs: Decimal | None
    eusd_rs: Decimal | None
    credit_deadline: dt.date | None
    complaint_inspection_by: dt.date
    complaint_measurement_168h_by: dt.date
    complaint_consumer_request_days: int
    regularisation_deadline: dt.date | None  # none fixed in REN 1.000 (UNCONFIRMED)
    discarded_interruption: int
    indicative: bool
    answer: tuple[Phrase, ...]


@dataclass(frozen=True, slots=True)
class InterruptionOut:
    start: dt.datetime
    end: dt.datetime | None
    minutes: Decimal | None
    counted: bool
    reason: str  # long | short | critical_day | open
    hours: Decimal | None = None  # the duration in hours (None while still open)


@dataclass(frozen=True, slots=True)
class MonthOut:
    month: str
    complete: bool
    dic_h: Decimal
    fic: int
    dmic_h: Decimal
    dicri_h: tuple[Decimal, ...]
    violated: tuple[str, ...]  # "DIC", "FIC", "DMIC", "DICRI"
    compensation_rs: Decimal
    chosen: str | None
    eusd_medio_rs: Decimal
    payment_deadline: dt.date | None


@dataclass(frozen=True, slots=True)
class ContinuityIndicators:
    installation_id: str
    period: Period
    conjunto_id: str
    area: str
    level: str
    limits: Mapping[str, Decimal]  # dic_h, fic, dmic_h, dicri_h (monthly)
    limits_status: str
    kei: Decimal
    months: tuple[MonthOut, ...]  # whole calendar months covering the period asked
    interruptions: tuple[InterruptionOut, ...]  # those starting in the period asked (start, end, duration)
    total_compensation_rs: Decimal
    month: str  # the last month of the period (the figures below)
    dic_h: Decimal
    fic: int
    dmic_h: Decimal
    violated: tuple[str, ...]
    answer: tuple[Phrase, ...]
    # the period asked (a day, a week...) and what happened in it; the indicators above are
    # always those of whole months (months_start..months_end, the month in progress up to yesterday)
    asked_start: dt.date | None = None
    asked_end: dt.date | None = None
    asked_count: int = 0  # interruptions of 3 minutes or more that started in the period asked
    asked_hours: Decimal = Decimal(0)
    months_start: dt.date | None = None
    months_end: dt.date | None = None

