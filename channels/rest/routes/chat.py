"""``POST /v1/chat``: one assistant turn (customer or operator copilot)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from assistant import ChatRequest
from assistant.i18n import has, t
from channels.charts import to_svg, with_hour_of_day
from channels.rest.deps import AssistantDep, OptionalKeyDep, SettingsDep
from channels.rest.problems import Problem
from channels.rest.schemas import ChatRequestBody, ChatResponsePublic
from channels.rest.validation import with_detail

MAX_SESSION_ID = 128
router = APIRouter(prefix="/v1", tags=["chat"])


@router.post("/chat", response_model=ChatResponsePublic, summary="Uma mensagem ao assistente (cliente) ou ao copiloto (operador)")
def chat(body: ChatRequestBody, request: Request, assistant: AssistantDep, key: OptionalKeyDep,
         settings: SettingsDep) -> dict[str, Any]:
    """Sem chave: conversa pública (o cliente se identifica na conversa). Com chave de integrador:
    ``installation_id`` pré-identificado dentro do escopo da chave. Com chave de operador: copiloto."""
    if body.installation_id is not None:
        if key is None or key.scope != "integrator":
            raise Problem(401 if key is None else 403, "problem.installation_requires_key")
        if not key.allows(body.installation_id):
            raise Problem(403, "problem.forbidden")
    if body.audience == "operator" and (key is None or key.scope != "operator"):
        raise Problem(401 if key is None else 403, "problem.forbidden")
    client = request.client.host if request.client else "anon"
    if key is None and not request.app.state.limiter.allow(f"ip:{client}", settings.rate_anonymous_per_min):
        raise Problem(429, "problem.rate_limited")
    if body.session_id is not None and len(body.session_id) > MAX_SESSION_ID:
        raise Problem(422, "problem.validation", **with_detail([{
            "field": "session_id", "location": "body",
            "message": f"Texto longo demais: no máximo {MAX_SESSION_ID} caracteres."}]))
    # The session is bound to this caller: a session id opened by another key, anonymously, or by
    # WhatsApp is not loaded here (the caller gets a fresh, server-issued id).
    binding = "rest:anonymous" if key is None else f"rest:key:{key.key_id}"
    resp = assistant.chat(
        ChatRequest(text=body.text, session_id=body.session_id, channel=body.channel,
                    installation_id=body.installation_id, audience=body.audience, binding=binding,
                    address=client if key is None else None)
    )
    out = resp.to_dict()
    out["charts"] = with_hour_of_day(out.get("charts", []), resp.results, assistant.deps.store)
    for chart in out["charts"]:
        title_key = f"chart.{chart.get('key', '')}"
        chart["svg"] = to_svg(chart, title=t(title_key) if has(title_key) else "")
    return out
