"""``POST /v1/channels/voice``: the Twilio Voice webhook (URA), signature checked, retries deduplicated.

Identification is the WhatsApp rule spoken aloud: the caller ID (which Twilio verified and signed)
names the installation, and the CPF's last 4 digits are typed on the keypad. The question is
spoken; the answer is the chat answer shortened for the ear, with every figure in words.
"""

from __future__ import annotations

import hashlib
from typing import Literal

from fastapi import APIRouter, Query, Request, Response

from assistant import ChatRequest, ChatResponse
from assistant.i18n import t
from channels import voice, whatsapp
from channels.rest.deps import AssistantDep, SettingsDep
from channels.rest.problems import Problem
from channels.speech import for_the_ear
from tools.api import identity

router = APIRouter(prefix="/v1/channels", tags=["voz"])

_XML = "application/xml"
Step = Literal["start", "cpf", "ask"]


def voice_binding(phone: str) -> str:
    """Who may continue a call's conversation: the caller ID Twilio signed (not the number itself)."""
    return "twilio-voice:" + hashlib.sha256(phone.encode()).hexdigest()[:32]


@router.post("/voice", summary="Webhook de voz (URA, Twilio): responde em TwiML",
             description="Passos da ligação: `start` (saudação e dígitos do CPF), `cpf` (dígitos digitados) e "
                         "`ask` (pergunta falada, ou 0 para um atendente). Exige a assinatura do Twilio.",
             response_class=Response, responses={200: {"content": {_XML: {}}, "description": "TwiML"}})
async def voice_webhook(request: Request, assistant: AssistantDep, settings: SettingsDep,
                        step: Step = Query("start", description="Passo da ligação.")) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    url = settings.public_url.rstrip("/") + request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if settings.missing_secrets() or settings.twilio_auth_token is None:  # never a default token
        raise Problem(503, "problem.whatsapp_unconfigured")
    if not whatsapp.valid_signature(settings.twilio_auth_token, url, form, request.headers.get("X-Twilio-Signature")):
        raise Problem(403, "problem.bad_signature")
    sessions = assistant.deps.sessions
    retry_key = request.headers.get("I-Twilio-Idempotency-Token")
    if retry_key:
        previous = sessions.seen(f"voice:{retry_key}")
        if previous:  # a Twilio retry: the same TwiML again, the question is not asked twice
            return Response(content=previous, media_type=_XML)
    phone = form.get("From", "").strip()
    if not phone or not request.app.state.limiter.allow(f"phone:{phone}", settings.rate_per_phone_per_min):
        raise Problem(429 if phone else 422, "problem.rate_limited" if phone else "problem.validation")
    body = _step(step, form, phone, assistant, settings.voice_attendants or None)
    if retry_key:
        sessions.remember(f"voice:{retry_key}", body)
    return Response(content=body, media_type=_XML)


def _step(step: Step, form: dict[str, str], phone: str, assistant: AssistantDep, attendants: str | None) -> str:
    binding = voice_binding(phone)
    sessions = assistant.deps.sessions

    def chat(text: str) -> ChatResponse:
        return assistant.chat(ChatRequest(text=text, session_id=sessions.latest_for(binding), channel="voice",
                                          phone=phone, binding=binding))

    if step == "start":
        if identity.installation_for_phone(assistant.deps.store, phone) is None:
            return voice.ask_question(t("voice.ask"), lead=f"{t('voice.greeting')} {t('voice.unknown_caller')}",
                                      goodbye=t("voice.goodbye"))
        return voice.ask_digits(t("voice.ask_cpf"), lead=t("voice.greeting"))
    if step == "cpf":
        digits = "".join(ch for ch in form.get("Digits", "") if ch.isdigit())
        resp = chat(digits)
        if resp.identified:
            return voice.ask_question(t("voice.ask"), lead=t("voice.identified"), goodbye=t("voice.goodbye"))
        if resp.handoff:  # identification locked: a person takes over
            return voice.transfer(for_the_ear(resp.reply), attendants, t("voice.no_attendant"))
        return voice.ask_digits(t("voice.ask_cpf"), lead=for_the_ear(resp.reply))
    # step == "ask"
    if form.get("Digits", "").strip() == "0":
        chat("quero falar com um atendente")  # queues the handoff with the conversation summary
        return voice.transfer(t("voice.transfer"), attendants, t("voice.no_attendant"))
    speech = form.get("SpeechResult", "").strip()
    if not speech:
        return voice.ask_question(t("voice.not_understood"), goodbye=t("voice.goodbye"))
    resp = chat(speech)
    if resp.handoff:
        urgent = resp.handoff_priority == "urgent"
        lead = for_the_ear(resp.reply) if urgent else t("voice.transfer")
        if urgent:
            lead = f"{lead} {t('voice.transfer_urgent')}"
        return voice.transfer(lead, attendants, t("voice.no_attendant"))
    return voice.ask_question(t("voice.ask_more"), lead=for_the_ear(resp.reply),
                              goodbye=t("voice.goodbye"))
