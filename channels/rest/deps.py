"""FastAPI dependencies: settings, the assistant, the tool context, API keys, rate limits."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from assistant import Assistant
from channels.apikeys import ApiKey
from channels.config import ChannelSettings
from channels.rest.problems import Problem
from tools.api import Scope, ToolContext


def get_settings(request: Request) -> ChannelSettings:
    settings: ChannelSettings = request.app.state.settings
    return settings


def get_assistant(request: Request) -> Assistant:
    assistant: Assistant = request.app.state.assistant
    return assistant


def optional_key(
    request: Request,
    x_api_key: Annotated[str | None, Header(description="Chave de API (integrador ou operador).")] = None,
    authorization: Annotated[str | None, Header()] = None,
) -> ApiKey | None:
    presented = x_api_key or (authorization[7:] if authorization and authorization.lower().startswith("bearer ") else None)
    if presented is None:
        return None
    key = request.app.state.apikeys.verify(presented)
    if key is None:
        raise Problem(401, "problem.unauthorized")
    settings: ChannelSettings = request.app.state.settings
    if not request.app.state.limiter.allow(f"key:{key.key_id}", settings.rate_per_key_per_min):
        raise Problem(429, "problem.rate_limited")
    return key


def required_key(key: Annotated[ApiKey | None, Depends(optional_key)]) -> ApiKey:
    if key is None:
        raise Problem(401, "problem.unauthorized")
    return key


def operator_key(key: Annotated[ApiKey, Depends(required_key)]) -> ApiKey:
    if key.scope != "operator":
        raise Problem(403, "problem.forbidden")
    return key


def installation_ctx(request: Request, installation_id: str, key: Annotated[ApiKey, Depends(required_key)]) -> ToolContext:
    """Tool context scoped to one installation the key may see (404 hides others' existence? no: 403)."""
    if not key.allows(installation_id):
        raise Problem(403, "problem.forbidden")
    assistant: Assistant = request.app.state.assistant
    scope = Scope.operator() if key.scope == "operator" else Scope("integrator", frozenset({installation_id}))
    return ToolContext(store=assistant.deps.store, scope=scope, today=assistant.deps.data_today())


def fleet_ctx(request: Request, key: Annotated[ApiKey, Depends(operator_key)]) -> ToolContext:
    assistant: Assistant = request.app.state.assistant
    return ToolContext(store=assistant.deps.store, scope=Scope.operator(), today=assistant.deps.data_today())


SettingsDep = Annotated[ChannelSettings, Depends(get_settings)]
AssistantDep = Annotated[Assistant, Depends(get_assistant)]
OptionalKeyDep = Annotated[ApiKey | None, Depends(optional_key)]
InstallationCtxDep = Annotated[ToolContext, Depends(installation_ctx)]
FleetCtxDep = Annotated[ToolContext, Depends(fleet_ctx)]
