"""Health, readiness, signed media and the web chat page."""

from __future__ import annotations

import logging
from importlib import resources
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse

from channels.articles_html import render_article_page
from channels.rest.deps import AssistantDep, SettingsDep
from channels.rest.media import verify
from channels.rest.problems import Problem
from channels.rest.schemas import PROBLEM_RESPONSE, ReadyPublic, StatusPublic
from tools.api.status import store_status

router = APIRouter()


@router.get("/healthz", tags=["saúde"], summary="O processo está de pé", response_model=StatusPublic)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", tags=["saúde"], summary="O armazenamento está pronto para responder", response_model=None,
            responses={200: {"model": ReadyPublic, "description": "Pronto, com o dia dos dados e a contagem."}})
def readyz(assistant: AssistantDep) -> dict[str, Any]:
    try:
        status = store_status(assistant.deps.store)
        today = assistant.deps.data_today().isoformat()
    except Exception as exc:  # noqa: BLE001 - an unreadable store is "not ready" (503), never a 500
        logging.getLogger("smartmeter.rest").warning("readyz: store not readable: %s", type(exc).__name__)
        raise Problem(503, "problem.generic") from exc
    if not status.get("installations"):
        raise Problem(503, "problem.generic")
    return {"status": "ready", "data_today": today, **status}


@router.get("/v1/media/{token}.png", tags=["whatsapp"], summary="Imagem de gráfico por URL assinada e temporária",
            response_class=Response,
            responses={200: {"content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
                             "description": "O gráfico em PNG."}})
def media(token: str, request: Request, settings: SettingsDep) -> Response:
    payload = verify(token, settings.media_secret)  # signature and expiry
    path = request.app.state.media_dir / f"{payload['id']}.png" if payload and str(payload.get("id", "")).isalnum() else None
    if path is None or not path.is_file():
        raise Problem(410, "problem.expired")
    return Response(content=path.read_bytes(), media_type="image/png")


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


@router.get("/v1/knowledge/articles/{article_id}", response_class=HTMLResponse, tags=["conhecimento"],
            summary="Artigo da base de conhecimento em HTML (link das citações)",
            responses={404: PROBLEM_RESPONSE})
def knowledge_article(
    article_id: Annotated[str, PathParam(description="Identificador do artigo (campo `article_id` de uma citação).",
                                         pattern=r"^[a-z0-9-]{1,80}$", examples=["falta-de-energia-compensacao"])],
    trecho: Annotated[str | None, Query(max_length=400, description="Trecho citado: a seção que o contém fica "
                                        "destacada, com a âncora `#citado`.")] = None,
) -> HTMLResponse:
    from assistant.articles import article

    a = article(article_id)
    if a is None:
        raise Problem(404, "problem.not_found")
    return HTMLResponse(render_article_page(a, trecho))
