"""Health, readiness, signed media and the web chat page."""

from __future__ import annotations

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
            summary="Texto de um artigo da base de conhecimento (link das citações)")
def knowledge_article(article_id: str) -> HTMLResponse:
    import html as _html

    from assistant.articles import article

    a = article(article_id)
    if a is None:
        raise Problem(404, "problem.not_found")
    paragraphs = "".join(f"<p>{_html.escape(p.strip())}</p>" for p in str(a["body"]).split("\n\n") if p.strip())
    page = (
        '<!doctype html><html lang="pt-BR"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{_html.escape(a["title"])}</title><link rel="stylesheet" href="/static/style.css"></head>'
        f'<body><main><h1>{_html.escape(a["title"])}</h1>{paragraphs}'
        f'<p class="status">Fonte: {_html.escape(str(a["source"]))}</p></main></body></html>'
    )
    return HTMLResponse(page)
