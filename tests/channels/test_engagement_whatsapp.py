"""The engagement conversation on WhatsApp (signed Twilio webhook, real server, demo data) and the
proactive digest and goal alert the same customer receives (Twilio's client against a local stub).
``SMARTMETER_SCREENSHOT_DIR=docs/screenshots`` writes the transcript ``whatsapp-engajamento.txt``."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest
from twilio.request_validator import RequestValidator

from channels.config import ChannelSettings
from tests.channels.server import free_port, running_server
from tests.channels.test_engagement_proactive import _Stub, twilio  # noqa: F401 (fixture)
from tests.tools.test_engagement import OpHome

TOKEN = "engage-whatsapp-token-0123"
BRT = dt.timezone(dt.timedelta(hours=-3))


@pytest.mark.integration
def test_whatsapp_goal_and_digest_conversation(demo_home, demo_store, twilio, tmp_path):  # noqa: F811
    from channels.proactive import daily_digests, goal_alerts
    from tools.api.notices import consent_history
    from tools.demo.engagement import seed_engagement

    [(inst, phone, cpf)] = demo_store.rows(
        "SELECT installation_id, phone, cpf FROM customers WHERE installation_id = '40010049'")
    port = free_port()
    settings = ChannelSettings(home=str(demo_home), public_url=f"http://127.0.0.1:{port}", twilio_auth_token=TOKEN,
                               media_secret="engage-whatsapp-media-secret-0123", rate_per_phone_per_min=1000)
    transcript: list[str] = []
    with running_server(settings, port) as base:
        url = base + "/v1/channels/whatsapp"

        def say(text: str) -> str:
            form = {"From": f"whatsapp:{phone}", "Body": text, "MessageSid": "SM" + uuid.uuid4().hex}
            sig = RequestValidator(TOKEN).compute_signature(url, form)
            r = httpx.post(url, data=form, headers={"X-Twilio-Signature": sig}, timeout=120)
            assert r.status_code == 200, r.text
            bodies = [(m.text or "").strip() for m in ElementTree.fromstring(r.text).iter("Message")]
            transcript.append(f"Cliente: {text}")
            transcript.extend(f"Assistente: {b}" for b in bodies)
            return "\n".join(bodies).replace("*", "").replace("\n", " ")  # figures are in WhatsApp bold

        say("oi")
        assert "identificação confirmada" in say(cpf[-4:])
        reply = say("qro receber meu consumo todo dia as 7 da manha")
        assert "todo dia às 8h" in reply and "Entre 21h e 8h não mandamos mensagens" in reply
        reply = say("minha meta é gastar no maximo 190 reais")
        assert reply.startswith("Pronto, sua meta é de R$ 190,00") and "R$ 191,13" in reply, reply
        reply = say("vou estourar a meta?")
        assert reply.startswith("Sim, no ritmo atual você passa da meta de R$ 190,00")
        reply = say("me manda o resumo de ontem")
        assert reply.startswith("Ontem (25/11/2026) você consumiu")
        reply = say("tira essa multa")
        assert "Não posso alterar" in reply
        assert "não receberá mais mensagens automáticas" in say("PARAR")
        assert "reativadas" in say("voltar")
    rows = [(c.purpose, c.granted, c.channel) for c in consent_history(demo_home, inst)]
    assert ("daily_digest", True, "whatsapp") in rows and ("daily_digest", False, "whatsapp") in rows
    assert rows[-2:] == [("daily_digest", True, "whatsapp"), ("goal_alerts", True, "whatsapp")]  # "voltar"

    # the next morning's messages, sent by `smartmeter engage` (here on an operational state of its own)
    seed_engagement(tmp_path)
    store = OpHome(demo_store, tmp_path)
    out = ChannelSettings(proactive_enabled=True, twilio_api_base=twilio, twilio_auth_token=TOKEN)
    now = dt.datetime(2026, 11, 26, 8, 2, tzinfo=BRT)
    sent = [o for o in daily_digests(store, out, now, [inst]) + goal_alerts(store, out, now, [inst]) if o.sent]
    assert [o.kind for o in sent] == ["daily_digest", "goal_alert"]
    transcript.append("(na manhã seguinte, às 8h, mensagens automáticas)")
    transcript.extend(f"Assistente: {m['Body'][0]}" for m in _Stub.received)
    target = os.environ.get("SMARTMETER_SCREENSHOT_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        (Path(target) / "whatsapp-engajamento.txt").write_text(
            "Conversa pelo WhatsApp (webhook Twilio assinado, servidor real, dados de demonstração; instalação final 0049)\n\n"
            + "\n\n".join(transcript).replace(cpf[-4:], "••••") + "\n", encoding="utf-8")
