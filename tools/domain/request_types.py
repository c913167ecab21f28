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
        ("REN 1.000/2021, art. 437, § 2 (limites de 3 % precária e 0,5 % crítica)", "confirmed"),
        ("REN 1.000/2021, art. 438, § 1º, I (inspeção em 15 dias)", "confirmed"),
        ("REN 1.000/2021, art. 438, § 1º, II (medição de 168 horas em 30 dias)", "confirmed"),
        ("PRODIST Módulo 8 (medições do medidor como evidência indicativa)", "reference"),
    ),
    MODALITY_CHANGE: (
        ("REN 1.000/2021, art. 219 (Tarifa Branca opcional; vedada a baixa renda e desconto social)", "confirmed"),
        ("REN 1.000/2021, art. 222, I (adesão em 30 dias)", "confirmed"),
        ("REN 1.000/2021, art. 223 (volta à convencional em 30 dias; nova adesão após 180 dias)", "confirmed"),
    ),
    RECONNECTION: (
        ("REN 1.000/2021, art. 362, IV e V (24 horas urbana, 48 horas rural)", "confirmed"),
        ("REN 1.000/2021, art. 362, § 2º (contagem a partir do pedido em dia útil, das 8h às 18h)", "confirmed"),
        ("REN 1.000/2021, art. 365, § 1º, II (sem cobrança se o prazo for descumprido)", "confirmed"),
    ),
    METER_INSPECTION: (
        ("REN 1.000/2021, art. 250 (inspeção do medidor em 30 dias; aviso de 3 dias úteis)", "confirmed"),
    ),
    DAMAGE_CLAIM: (
        ("REN 1.000/2021, arts. 602 a 620 (ressarcimento de danos elétricos)", "confirmed"),
        ("REN 1.000/2021, art. 613 (vistoria em 10 dias; 1 dia útil para geladeira ou freezer)", "confirmed"),
        ("REN 1.000/2021, art. 617, I (resposta em 15 dias, contados do pedido quando não há vistoria)", "reference"),
        ("REN 1.000/2021, art. 618 (pagamento, conserto ou troca em 20 dias após a resposta)", "confirmed"),
    ),
}

#: Deadlines that follow the opened one, shown with it (computed by the same engine).
FOLLOW_UP_TYPES: Final[dict[str, tuple[str, ...]]] = {
    VOLTAGE_COMPLAINT: (VOLTAGE_MEASUREMENT_168H,),
    DAMAGE_CLAIM: ("ressarcimento_verificacao",),
}

#: A damage reported more than this many days after it happened has the longer result deadline
#: (art. 617, II); after five years it can no longer be claimed (arts. 602-620, regulation.md 6.1).
DAMAGE_LATE_AFTER_DAYS: Final = 90
DAMAGE_CLAIM_LIMIT_YEARS: Final = 5
#: Subclasses for which the Tarifa Branca is not allowed (art. 219, II).
BRANCA_EXCLUDED_SUBCLASSES: Final = frozenset({"baixa_renda", "desconto_social"})
