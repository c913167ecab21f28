"""``POST /v1/channels/whatsapp``: the Twilio webhook (signature checked, retries deduplicated)."""

from __future__ import annotations

import logging
import secrets
import time
from pathlib import Path

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from assistant import ChatRequest
from assistant.i18n import t
from assistant.session import phone_binding
from channels import whatsapp
from channels.charts import drawable, to_png, with_hour_of_day
from channels.rest.deps import AssistantDep, SettingsDep
from channels.rest.media import sign
from channels.rest.problems import Problem

log = logging.getLogger(__name__)
MAX_TEXT = 2000  # as the REST chat: a longer WhatsApp body is cut, not refused
router = APIRouter(prefix="/v1/channels", tags=["whatsapp"])


@router.post("/whatsapp", summary="Webhook do WhatsApp (Twilio): responde em TwiML")
async def whatsapp_webhook(request: Request, assistant: AssistantDep, settings: SettingsDep) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    url = settings.public_url.rstrip("/") + request.url.path
    if settings.missing_secrets():  # never validated against a default token
        raise Problem(503, "problem.whatsapp_unconfigured")
    assert settings.twilio_auth_token is not None and settings.media_secret is not None
    if not whatsapp.valid_signature(settings.twilio_auth_token, url, form, request.headers.get("X-Twilio-Signature")):
        raise Problem(403, "problem.bad_signature")
    sid = form.get("MessageSid") or form.get("SmsSid") or ""
    sessions = assistant.deps.sessions
    previous = sessions.seen(sid) if sid else None
    if previous is not None:  # a Twilio retry: the same answer again (empty while the first is in progress)
        return Response(content=previous or whatsapp.twiml([]), media_type="application/xml")
    phone = whatsapp.phone_of(form.get("From", ""))
    if not request.app.state.limiter.allow(f"phone:{phone}", settings.rate_per_phone_per_min):
        raise Problem(429, "problem.rate_limited")
    if sid and not sessions.remember(sid, ""):
        return Response(content=whatsapp.twiml([]), media_type="application/xml")
    binding = phone_binding(phone)  # the number Twilio signed for; its live session continues
    text = form.get("Body", "")[:MAX_TEXT]
    try:
        resp = await run_in_threadpool(
            assistant.chat, ChatRequest(text=text, session_id=sessions.latest_for(binding), channel="whatsapp",
                                        phone=phone, binding=binding))
    except Exception:  # noqa: BLE001 - the customer always gets an answer, and a retry gets the same one
        log.exception("whatsapp turn failed")
        body = whatsapp.twiml([t("chat.failure", reason=t("error.tool"))])
        if sid:
            sessions.set_reply(sid, body)
        return Response(content=body, media_type="application/xml")
    media_url = None
    charts = [c for c in with_hour_of_day(resp.charts, resp.results, assistant.deps.store) if drawable(c)]
    if charts:
        media_id = secrets.token_hex(8)
        media_dir = request.app.state.media_dir
        media_dir.mkdir(parents=True, exist_ok=True)
        (media_dir / f"{media_id}.png").write_bytes(to_png(charts[0]))
        _expire_old(media_dir, settings.media_ttl_s)
        token = sign({"id": media_id}, settings.media_secret, settings.media_ttl_s)
        media_url = f"{settings.public_url.rstrip('/')}/v1/media/{token}.png"
    body = whatsapp.twiml(whatsapp.split_message(whatsapp.format_reply(resp.reply)), media_url)
    if sid:
        sessions.set_reply(sid, body)
    return Response(content=body, media_type="application/xml")


def _expire_old(media_dir: Path, ttl_s: int) -> None:
    """Remove chart images older than the URL lifetime (their signed URLs have expired anyway)."""
    cutoff = time.time() - ttl_s
    for f in media_dir.glob("*.png"):
        if f.stat().st_mtime < cutoff:
            f.unlink(missing_ok=True)
