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

A package by responsibility, its public names re-exported here; its modules import downwards only
(an import contract): :mod:`.exposure` | :mod:`.ranking` (fleet) -> :mod:`.voltage` (classification,
DRP/DRC, compensation) | :mod:`.complaint` (complaint and credit deadlines) -> :mod:`.rules`
(parsed reference, bands).
"""

from tools.domain.quality.complaint import (
    ComplaintDeadlines,
    complaint_deadlines,
    credit_deadline,
    end_of_month_after,
)
from tools.domain.quality.exposure import (
    ExposureGroup,
    ExposureItem,
    eusd_from_energy,
    summarize_exposure,
    voltage_exposure,
)
from tools.domain.quality.ranking import RankedEntity, rank_entities
from tools.domain.quality.rules import (
    ComplaintRules,
    Level,
    VoltageBand,
    VoltageRules,
    band_for,
    meter_band,
    parse_voltage_rules,
)
from tools.domain.quality.voltage import (
    ADEQUADA,
    CRITICA,
    MISSING,
    PHASES,
    PRECARIA,
    PhaseCounts,
    VoltageCompensation,
    VoltageIndicators,
    VoltageSet,
    classify_dv,
    classify_v,
    drp_drc,
    interrupted_windows,
    voltage_compensation,
    voltage_indicators,
)

__all__ = [
    "ADEQUADA",
    "CRITICA",
    "MISSING",
    "PHASES",
    "PRECARIA",
    "ComplaintDeadlines",
    "ComplaintRules",
    "ExposureGroup",
    "ExposureItem",
    "Level",
    "PhaseCounts",
    "RankedEntity",
    "VoltageBand",
    "VoltageCompensation",
    "VoltageIndicators",
    "VoltageRules",
    "VoltageSet",
    "band_for",
    "classify_dv",
    "classify_v",
    "complaint_deadlines",
    "credit_deadline",
    "drp_drc",
    "end_of_month_after",
    "eusd_from_energy",
    "interrupted_windows",
    "meter_band",
    "parse_voltage_rules",
    "rank_entities",
    "summarize_exposure",
    "voltage_compensation",
    "voltage_exposure",
    "voltage_indicators",
]
