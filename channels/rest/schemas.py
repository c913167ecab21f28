"""Request/response models of the public REST contract (OpenAPI with pt-BR descriptions)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


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


class ToolResultPublic(BaseModel):
    tool: str
    value: Any
    units: dict[str, str] = {}
    trail: list[dict[str, Any]] = []
    issues: list[dict[str, Any]] = []
    provenance: dict[str, Any] = {}
    citations: list[dict[str, Any]] = []
    disqualified: bool = False


class HealthPublic(BaseModel):
    status: str
    data_today: str | None = None
    installations: int | None = None
