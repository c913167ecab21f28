"""FastAPI application factory: REST API, web chat and the WhatsApp webhook."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant import Assistant, AssistantDeps
from assistant.masking import MaskingFilter
from channels.apikeys import ApiKeyStore
from channels.config import ChannelSettings, get_settings
from channels.ratelimit import RateLimiter
from channels.rest import problems
from channels.rest.limits import BodyLimit, safe_request_id
from channels.rest.routes import chat, data, misc, voice, whatsapp
from channels.rest.schemas import ProblemPublic, problem_responses
from channels.rest.validation import on_validation, reject_unknown_query
from tools.errors import ToolError

DESCRIPTION = """API do assistente de medição inteligente: conversa (cliente e copiloto), dados da
instalação (consumo, faturas explicadas, comparação de tarifas, créditos de GD, qualidade), frota
(ranking de qualidade, exposição a compensações, eventos, completude) e custos de dados.

Autenticação por chave (`X-API-Key`): **integrador** (instalações concedidas e conversa
pré-identificada) ou **operador** (frota e custos). Erros em `application/problem+json` (RFC 9457):
`code` estável, `detail` em português e, em 422, `errors` com o campo e os valores aceitos.
Parâmetros desconhecidos são recusados (422). Documentação: `/docs` (Swagger UI) e `/redoc`,
servidas sem internet."""

TAGS = [
    {"name": "chat", "description": "Conversa com o assistente (cliente) ou com o copiloto (operador)."},
    {"name": "instalações", "description": "Dados de uma instalação: exige chave de integrador com a instalação concedida."},
    {"name": "frota", "description": "Indicadores da frota: exige chave de operador."},
    {"name": "custos", "description": "Custos de dados de medição: exige chave de operador."},
    {"name": "conhecimento", "description": "Artigos da base de conhecimento citados nas respostas."},
    {"name": "whatsapp", "description": "Webhook do Twilio e imagens de gráficos."},
    {"name": "voz", "description": "URA: webhook de voz do Twilio (identificação pelo teclado, pergunta falada)."},
    {"name": "saúde", "description": "Verificações de funcionamento."},
]


def create_app(settings: ChannelSettings | None = None, assistant: Assistant | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.assistant is None:
            app.state.assistant = Assistant(AssistantDeps.from_home(Path(settings.home)))
        app.state.assistant.router("customer")  # train the offline routers once, at start-up
        app.state.assistant.router("operator")
        # the lake index's footers and file membership, read in the background: the first
        # customers' questions do not pay for them (seconds at 100k meters, nothing on the demo)
        threading.Thread(target=app.state.assistant.deps.store.warm_lake_index, daemon=True).start()
        yield

    app = FastAPIOffline(title="Smart-meter assistant API", version="1.0.0", description=DESCRIPTION, lifespan=lifespan,
                         openapi_tags=TAGS, dependencies=[Depends(reject_unknown_query)],
                         swagger_ui_parameters={"defaultModelsExpandDepth": 0, "docExpansion": "list"})
    app.state.settings = settings
    app.state.assistant = assistant
    app.state.apikeys = ApiKeyStore(settings.home)
    app.state.limiter = RateLimiter(Path(settings.home) / "ratelimit.sqlite")  # shared by the workers
    app.state.media_dir = Path(settings.home) / "media"  # on disk: several worker processes serve one home
    for handler in logging.getLogger().handlers:
        handler.addFilter(MaskingFilter((settings.twilio_auth_token, settings.media_secret)))

    @app.middleware("http")
    async def request_id(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        rid = safe_request_id(request.headers.get("X-Request-ID"))
        request.state.request_id = rid
        response = await call_next(request)
        response.headers["X-Request-ID"] = rid
        return response

    app.add_middleware(BodyLimit)
    app.add_exception_handler(problems.Problem, problems.on_problem)
    app.add_exception_handler(ToolError, problems.on_tool_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, problems.on_http)
    app.add_exception_handler(Exception, _on_unexpected)
    for module in (chat, data, whatsapp, voice, misc):
        app.include_router(module.router)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    """Last resort: a bug is still a problem+json 500 with the request id, never a plain-text page."""
    logging.getLogger("smartmeter.rest").exception("unexpected error on %s", request.url.path)
    return problems.problem_response(request, 500, "problem.internal")


_KEY_HEADERS = {"x-api-key", "authorization"}
#: error statuses a route can answer besides its own declarations (documented for integrators)
_EXTRA_STATUSES: dict[str, tuple[int, ...]] = {
    "/v1/chat": (401, 403, 413, 429),
    "/v1/channels/whatsapp": (403, 413, 429, 503),
    "/v1/channels/voice": (403, 413, 422, 429, 503),
    "/v1/media/{token}.png": (410,),
    "/readyz": (503,),
    "/v1/knowledge/articles/{article_id}": (404,),
}


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The generated schema plus an ``X-API-Key`` security scheme (instead of per-route header parameters)
    and the shared problem+json schema."""
    if app.openapi_schema:
        return app.openapi_schema
    spec = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes,
                       tags=app.openapi_tags)
    components = spec.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["ProblemPublic"] = ProblemPublic.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, sub in schemas["ProblemPublic"].pop("$defs", {}).items():
        schemas.setdefault(name, sub)
    components["securitySchemes"] = {
        "ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key",
                   "description": "Chave de integrador ou de operador (`smartmeter apikey create`)."},
    }
    for path, path_item in spec.get("paths", {}).items():
        for op in path_item.values():
            responses = op.setdefault("responses", {})
            for status, entry in problem_responses(*_EXTRA_STATUSES.get(path, ())).items():
                responses.setdefault(str(status), entry)
            if path == "/v1/channels/whatsapp" and "200" in responses:
                responses["200"] = {"description": "Resposta em TwiML (uma ou mais mensagens, com imagem quando há gráfico).",
                                    "content": {"application/xml": {"schema": {"type": "string"}, "example":
                                                "<Response><Message>Pronto, identificação confirmada.</Message></Response>"}}}
            if responses.get("200", {}).get("description") == "Successful Response":
                responses["200"]["description"] = "Resposta."
            params = op.get("parameters", [])
            had_key = any(p.get("in") == "header" and p.get("name", "").lower() in _KEY_HEADERS for p in params)
            op["parameters"] = [p for p in params
                                if not (p.get("in") == "header" and p.get("name", "").lower() in _KEY_HEADERS)]
            if not op["parameters"]:
                del op["parameters"]
            if had_key:
                optional = "401" not in op.get("responses", {}) or op.get("tags") == ["chat"]
                op["security"] = [{"ApiKey": []}, {}] if optional else [{"ApiKey": []}]
            for resp in op.get("responses", {}).values():
                content = resp.get("content", {})
                if "application/json" in content and "$ref" in str(content["application/json"]) and \
                        "HTTPValidationError" in str(content["application/json"]):
                    resp["content"] = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemPublic"}}}
                    resp["description"] = "Parâmetros inválidos: `errors` diz qual campo e quais valores são aceitos."
    _share_parameter_descriptions(spec)
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    app.openapi_schema = spec
    return spec


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` with several worker processes (settings from the environment)."""
    return create_app(get_settings())


def _share_parameter_descriptions(spec: dict[str, Any]) -> None:
    """A parameter declared by a dependency (e.g. the path's ``installation_id``) gets the description the
    routes give it."""
    ops = [op for item in spec.get("paths", {}).values() for op in item.values()]
    known = {("path", "installation_id"): "Número da instalação (unidade consumidora), só dígitos.",
             ("path", "token"): "Token assinado e temporário recebido na mensagem do WhatsApp."}
    known.update({(p["in"], p["name"]): p["description"] for op in ops for p in op.get("parameters", [])
                  if p.get("description")})
    for op in ops:
        for p in op.get("parameters", []):
            if not p.get("description") and (p["in"], p["name"]) in known:
                p["description"] = known[(p["in"], p["name"])]
