"""Health, readiness, signed media and the web chat page."""

from __future__ import annotations

import time
from importlib import resources
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from channels.rest.deps import AssistantDep, SettingsDep
from channels.rest.media import verify
from channels.rest.problems import Problem
from tools.api.status import store_status

router = APIRouter()


@router.get("/healthz", tags=["saúde"], summary="O processo está de pé")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", tags=["saúde"], summary="O armazenamento está pronto para responder")
def readyz(assistant: AssistantDep) -> dict[str, Any]:
    status = store_status(assistant.deps.store)
    if not status.get("installations"):
        raise Problem(503, "problem.generic")
    return {"status": "ready", "data_today": assistant.deps.data_today().isoformat(), **status}


@router.get("/v1/media/{token}.png", tags=["whatsapp"], summary="Imagem de gráfico por URL assinada e temporária")
def media(token: str, request: Request, settings: SettingsDep) -> Response:
    payload = verify(token, settings.media_secret)
    item = request.app.state.media.get(payload["id"]) if payload else None
    if item is None or item[0] < time.time():
        raise Problem(410, "problem.expired")
    return Response(content=item[1], media_type="image/png")


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def webchat_page() -> HTMLResponse:
    html = (resources.files("channels") / "webchat" / "index.html").read_text(encoding="utf-8")
    return HTMLResponse(html)


@router.get("/static/{name}", include_in_schema=False)
def webchat_static(name: str) -> Response:
    if name not in ("app.js", "style.css"):
        raise Problem(404, "problem.not_found")
    body = (resources.files("channels") / "webchat" / name).read_text(encoding="utf-8")
    return Response(body, media_type="text/javascript" if name.endswith(".js") else "text/css")
