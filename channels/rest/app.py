"""FastAPI application factory: REST API, web chat and the WhatsApp webhook."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant import Assistant, AssistantDeps
from assistant.masking import MaskingFilter
from channels.apikeys import ApiKeyStore
from channels.config import ChannelSettings, get_settings
from channels.ratelimit import RateLimiter
from channels.rest import problems
from channels.rest.routes import chat, data, misc, whatsapp
from tools.errors import ToolError

DESCRIPTION = """API do assistente de medição inteligente: conversa (cliente e copiloto), dados da
instalação (consumo, faturas explicadas, comparação de tarifas, créditos de GD, qualidade), frota
(ranking de qualidade, exposição a compensações, eventos, completude) e custos de dados.

Autenticação por chave (`X-API-Key`): **integrador** (instalações concedidas e conversa
pré-identificada) ou **operador** (frota e custos). Erros em `application/problem+json`."""


def create_app(settings: ChannelSettings | None = None, assistant: Assistant | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.assistant is None:
            app.state.assistant = Assistant(AssistantDeps.from_home(Path(settings.home)))
        app.state.assistant.router("customer")  # train the offline routers once, at start-up
        app.state.assistant.router("operator")
        yield

    app = FastAPI(title="Smart-meter assistant API", version="1.0.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    app.state.assistant = assistant
    app.state.apikeys = ApiKeyStore(settings.home)
    app.state.limiter = RateLimiter()
    app.state.media_dir = Path(settings.home) / "media"  # on disk: several worker processes serve one home
    for handler in logging.getLogger().handlers:
        handler.addFilter(MaskingFilter())

    @app.middleware("http")
    async def request_id(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        rid = request.headers.get("X-Request-ID") or uuid.uuid4().hex[:16]
        request.state.request_id = rid
        response = await call_next(request)
        response.headers["X-Request-ID"] = rid
        return response

    app.add_exception_handler(problems.Problem, problems.on_problem)
    app.add_exception_handler(ToolError, problems.on_tool_error)
    app.add_exception_handler(RequestValidationError, problems.on_validation)
    app.add_exception_handler(StarletteHTTPException, problems.on_http)
    for module in (chat, data, whatsapp, misc):
        app.include_router(module.router)
    return app


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` with several worker processes (settings from the environment)."""
    return create_app(get_settings())
