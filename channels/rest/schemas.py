"""Request/response models of the public REST contract (OpenAPI with pt-BR descriptions)."""

from __future__ import annotations

from functools import cache
from typing import Any, Literal, get_args, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, create_model


class ChatRequestBody(BaseModel):
    session_id: str | None = Field(default=None, description="Identificador da conversa; omita para iniciar uma nova.")
    text: str = Field(min_length=1, max_length=2000, description="Mensagem do cliente ou operador.",
                      examples=["Quanto eu consumi ontem?"])
    channel: Literal["web", "whatsapp", "rest", "app"] = Field(default="rest", description="Canal de origem.")
    installation_id: str | None = Field(
        default=None, description="Instalação já identificada pelo integrador (exige chave de integrador)."
    )
    audience: Literal["customer", "operator"] = Field(default="customer", description="Cliente ou copiloto de operação.")


class ToolCallPublic(BaseModel):
    name: str
    arguments: dict[str, Any] = {}
    result: dict[str, Any] | None = None
    error: str | None = None


class ChatResponsePublic(BaseModel):
    session_id: str
    reply: str = Field(description="Resposta em português do Brasil.")
    intent: str | None
    tool_calls: list[ToolCallPublic]
    citations: list[dict[str, Any]]
    handoff: bool
    refused: str | None = Field(description="other_customer, not_identified, out_of_scope, write_not_allowed ou null.")
    latency_ms: float
    suggestions: list[str] = []
    detail: str = Field(default="", description="Como calculei: passos do cálculo.")
    identified: bool = False
    charts: list[dict[str, Any]] = []
    engine: str = "offline"
    awaiting: Literal["installation", "cpf"] | None = Field(
        default=None, description="Passo de identificação que a próxima mensagem responde (número da instalação "
                                  "ou 4 últimos dígitos do CPF); null quando nenhum."
    )


# ---------------------------------------------------------------------------------------- errors


class ProblemFieldError(BaseModel):
    field: str = Field(description="Parâmetro ou campo com problema (ex.: `indicator`, `body.text`).")
    location: Literal["query", "path", "body", "header", "cookie"] | str = Field(description="Onde ele foi enviado.")
    message: str = Field(description="O que está errado, em português.")
    allowed: list[str] | None = Field(default=None, description="Valores aceitos, quando a lista é fechada.")


class ProblemPublic(BaseModel):
    """RFC 9457 ``application/problem+json``."""

    type: str = Field(description="URI que identifica o tipo do problema.")
    title: str = Field(description="Código estável do problema (igual a `code`).")
    status: int = Field(description="Código HTTP.")
    detail: str = Field(description="Explicação em português do Brasil.")
    code: str = Field(description="Código estável, ex.: `problem.validation`, `problem.unauthorized`.")
    instance: str = Field(description="Caminho da requisição.")
    request_id: str | None = Field(default=None, description="Identificador da requisição (cabeçalho `X-Request-ID`).")
    errors: list[ProblemFieldError] | None = Field(default=None, description="Campos inválidos (só em 422).")


_PROBLEM_DESCRIPTIONS = {
    400: "Requisição malformada.",
    401: "Chave de API ausente ou inválida.",
    403: "A chave não dá acesso a este recurso ou instalação.",
    404: "Recurso, instalação ou dado não encontrado.",
    410: "Link expirado.",
    413: "Corpo da requisição grande demais.",
    422: "Parâmetros inválidos: `errors` diz qual campo e quais valores são aceitos.",
    429: "Limite de requisições excedido; tente de novo após `Retry-After` segundos.",
    503: "Armazenamento ainda não está pronto.",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for these statuses, all ``application/problem+json``."""
    return {
        s: {
            "description": _PROBLEM_DESCRIPTIONS.get(s, "Erro."),
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemPublic"}}},
        }
        for s in statuses
    }


PROBLEM_RESPONSE: dict[str, Any] = problem_responses(404)[404]


# ------------------------------------------------------------------------------ typed tool results

TOOL_RESULT_FIELDS = """Todo resultado de ferramenta traz `value` (os números, com tipo próprio por ferramenta),
`units` (unidade de cada campo), `trail` (os passos do cálculo), `issues` (avisos), `provenance`
(dados e tabelas usados) e `citations` (fontes). Valores decimais são strings de ponto fixo."""


class TrailRefPublic(BaseModel):
    source: str
    status: Literal["confirmed", "unconfirmed", "reference"] = "confirmed"
    url: str = ""


class StepPublic(BaseModel):
    key: str = Field(description="Chave do passo no catálogo de mensagens.")
    inputs: dict[str, Any] = {}
    formula: str = ""
    output: Any = None
    unit: str = ""
    refs: list[TrailRefPublic] = []
    sql: str = ""


class IssuePublic(BaseModel):
    code: str
    severity: Literal["warning", "disqualifying"] = "warning"
    data: dict[str, Any] = {}


class PeriodPublic(BaseModel):
    start: str = Field(description="Data inicial (AAAA-MM-DD).")
    end: str = Field(description="Data final, inclusiva (AAAA-MM-DD).")
    label: str = ""


class ProvenancePublic(BaseModel):
    installation_id: str | None = None
    period: PeriodPublic | None = None
    today: str | None = None
    reference_versions: dict[str, str] = {}
    queries: list[str] = []


class ToolResultBase(BaseModel):
    tool: str = Field(description="Nome da ferramenta.")
    units: dict[str, str] = {}
    trail: list[StepPublic] = []
    issues: list[IssuePublic] = []
    provenance: ProvenancePublic = ProvenancePublic()
    citations: list[TrailRefPublic] = []
    disqualified: bool = Field(default=False, description="Verdadeiro quando um aviso impede usar o resultado.")


@cache
def tool_result_model(tool: str) -> type[BaseModel]:
    """``ToolResultBase`` with ``value`` typed by the tool's own result dataclass (from its signature)."""
    from tools import registry

    fn = registry.get(tool).fn
    value_type = get_args(get_type_hints(fn)["return"])[0]
    name = "".join(p.capitalize() for p in tool.split("_")) + "Result"
    model: type[BaseModel] = create_model(name, __base__=ToolResultBase, value=(value_type, ...))
    model.__doc__ = f"Resultado da ferramenta `{tool}`."
    return model


class BillsPublic(BaseModel):
    installation_id: str
    bills: list[tool_result_model("explain_bill")]  # type: ignore[valid-type]


class QualityPublic(BaseModel):
    voltage: tool_result_model("voltage_quality")  # type: ignore[valid-type]
    continuity: tool_result_model("continuity_indicators")  # type: ignore[valid-type]


class StatusPublic(BaseModel):
    status: str = Field(examples=["ok"])


class ReadyPublic(BaseModel):
    model_config = ConfigDict(extra="allow")
    status: Literal["ready"]
    data_today: str = Field(description="Último dia com dados + 1 (AAAA-MM-DD).")
    installations: int
