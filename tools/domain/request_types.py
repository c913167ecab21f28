"""The names of the service-request types, in one place (issue 17).

The keys are those of ``tools/reference/deadlines.json`` (REN 1.000/2021 Anexo IV): the
assistant's slots, the deadline engine, the outbox and the copilot all use these constants, so a
name the assistant emits always resolves to a deadline rule (``tests/tools/test_request_types.py``).
"""

from __future__ import annotations

from typing import Final, Literal

# ---------------------------------------------------------------------------- request types
RECONNECTION: Final = "religacao_normal"
RECONNECTION_URGENT: Final = "religacao_urgencia"
RECONNECTION_WRONGFUL: Final = "religacao_suspensao_indevida"
NEW_CONNECTION: Final = "ligacao_nova"
COMPLAINT_NO_VISIT: Final = "reclamacao_sem_visita"
COMPLAINT_WITH_VISIT: Final = "reclamacao_com_visita"
METER_INSPECTION: Final = "inspecao_medidor"
VOLTAGE_COMPLAINT: Final = "verificacao_tensao"
VOLTAGE_MEASUREMENT_168H: Final = "medicao_tensao_168h"
DAMAGE_CLAIM: Final = "ressarcimento_danos"
DAMAGE_CLAIM_LATE: Final = "ressarcimento_danos_apos_90_dias"
MODALITY_CHANGE: Final = "troca_modalidade_tarifaria"
DAMAGE_VISIT: Final = "ressarcimento_verificacao"
DAMAGE_VISIT_REFRIGERATION: Final = "ressarcimento_verificacao_refrigeracao"
GENERAL_REQUEST: Final = "solicitacao_geral"

# ---------------------------------------------------------------------------- families (deadlines.json)
FAMILY_RECONNECTION: Final = "religacao"
FAMILY_NEW_CONNECTION: Final = "ligacao_nova"
FAMILY_COMPLAINT: Final = "reclamacao"
FAMILY_METER: Final = "medidor"
FAMILY_VOLTAGE: Final = "tensao"
FAMILY_DAMAGE: Final = "ressarcimento"
FAMILY_MODALITY: Final = "modalidade"

#: The requests the assistant may open from a conversation, with the customer's confirmation.
OpenableType = Literal[
    "verificacao_tensao", "troca_modalidade_tarifaria", "religacao_normal", "inspecao_medidor", "ressarcimento_danos"
]
OPENABLE: Final[tuple[OpenableType, ...]] = (
    VOLTAGE_COMPLAINT,
    MODALITY_CHANGE,
    RECONNECTION,
    METER_INSPECTION,
    DAMAGE_CLAIM,
)

#: The rule shown first for a family when the customer has no request of it.
PRIMARY_TYPES: Final = (
    RECONNECTION,
    NEW_CONNECTION,
    COMPLAINT_NO_VISIT,
    VOLTAGE_COMPLAINT,
    METER_INSPECTION,
    DAMAGE_CLAIM,
    MODALITY_CHANGE,
)

#: REN 1.000/2021 articles behind each request the assistant opens, with their status
#: (shared/domain/regulation.md sections 1.2-1.3, 4.5, 6.1, 9.2-9.3): ``confirmed`` when read in the
#: primary text, ``reference`` when it is this project's reading of it.
OPEN_ARTICLES: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    VOLTAGE_COMPLAINT: (
        ("REN 1.000/2021, art. 437, \u00a7 2", "confirmed"),  # limits: 3 % precaria, 0.5 % critica
        ("REN 1.000/2021, art. 438, \u00a7 1, I", "confirmed"),  # inspection in 15 days
        ("REN 1.000/2021, art. 438, \u00a7 1, II", "confirmed"),  # 168-hour measurement in 30 days
        ("PRODIST Modulo 8 (meter readings as indicative evidence)", "reference"),
    ),
    MODALITY_CHANGE: (
        ("REN 1.000/2021, art. 219, II", "confirmed"),  # Branca forbidden to baixa renda / desconto social
        ("REN 1.000/2021, art. 222, I", "confirmed"),  # adhesion in 30 days
        ("REN 1.000/2021, art. 223", "confirmed"),  # back to convencional in 30 days; new adhesion after 180
    ),
    RECONNECTION: (
        ("REN 1.000/2021, art. 362, IV e V", "confirmed"),  # 24 h urban, 48 h rural
        ("REN 1.000/2021, art. 362, \u00a7 2", "confirmed"),  # count from a business-day request 08:00-18:00
        ("REN 1.000/2021, art. 365, \u00a7 1, II", "confirmed"),  # no fee when late
    ),
    METER_INSPECTION: (("REN 1.000/2021, art. 250", "confirmed"),),  # 30 days; 3 business days' notice
    DAMAGE_CLAIM: (
        ("REN 1.000/2021, arts. 602-620", "confirmed"),
        ("REN 1.000/2021, art. 613", "confirmed"),  # vistoria in 10 days; 1 business day for refrigeration
        ("REN 1.000/2021, art. 617, I (counted from the request when there is no vistoria)", "reference"),
        ("REN 1.000/2021, art. 618", "confirmed"),  # payment, repair or replacement in 20 days
    ),
}

#: Deadlines that follow the opened one, shown with it (computed by the same engine).
FOLLOW_UP_TYPES: Final[dict[str, tuple[str, ...]]] = {
    VOLTAGE_COMPLAINT: (VOLTAGE_MEASUREMENT_168H,),
    DAMAGE_CLAIM: (DAMAGE_VISIT,),  # DAMAGE_VISIT_REFRIGERATION for food or medicine refrigeration
}

#: A damage reported more than this many days after it happened has the longer result deadline
#: (art. 617, II); after five years it can no longer be claimed (arts. 602-620, regulation.md 6.1).
DAMAGE_LATE_AFTER_DAYS: Final = 90
DAMAGE_CLAIM_LIMIT_YEARS: Final = 5
#: Subclasses for which the Tarifa Branca is not allowed (art. 219, II).
BRANCA_EXCLUDED_SUBCLASSES: Final = frozenset({"baixa_renda", "desconto_social"})
