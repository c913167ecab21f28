"""URA (voice): spoken numbers worked by hand, and a signed Twilio Voice call flow on a real server."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import httpx
import pytest
from twilio.request_validator import RequestValidator

from assistant.session import SessionStore
from channels.config import ChannelSettings
from channels.speech import for_the_ear, number_words, speak
from tests.channels.server import free_port, running_server

TOKEN = "twilio-voice-test-token"
ATTENDANTS = "+551933330000"
CALLER = "+5519990010001"  # the demo customer 40010001, CPF ending 4705 (docs/scenarios.md)


@pytest.mark.parametrize(("value", "words"), [
    (0, "zero"),
    (16, "dezesseis"),
    (100, "cem"),
    (101, "cento e um"),
    (198, "cento e noventa e oito"),
    (1000, "mil"),
    (1100, "mil e cem"),
    (1234, "mil duzentos e trinta e quatro"),
    (2026, "dois mil e vinte e seis"),
    (1_200_000, "um milhão e duzentos mil"),
])
def test_numbers_in_words(value, words):
    assert number_words(value) == words


@pytest.mark.parametrize(("written", "spoken"), [
    ("R$ 198,97", "cento e noventa e oito reais e noventa e sete centavos"),
    ("R$ 1,01", "um real e um centavo"),
    ("R$ 0,50", "cinquenta centavos"),
    ("123,4 kWh", "cento e vinte e três vírgula quatro quilowatts-hora"),
    ("25/11, das 19h42 às 20h30", "vinte e cinco de novembro, das dezenove horas e quarenta e dois minutos às vinte "
                                 "horas e trinta minutos"),
    ("01/12/2026", "primeiro de dezembro de dois mil e vinte e seis"),
    ("2 interrupções, 5,2%", "duas interrupções, cinco vírgula dois por cento"),
    ("**R$ 13,90 a menos**", "treze reais e noventa centavos a menos"),
])
def test_replies_spoken_the_brazilian_way(written, spoken):
    assert speak(written) == spoken


def test_a_protocol_is_read_digit_by_digit_and_the_rule_in_words():
    said = speak("Protocolo 20261126000001. Até 27/11/2026 às 10h15 (REN 1.000/2021, art. 362).")
    assert said.startswith("Protocolo dois zero dois seis um um dois seis zero zero zero zero zero um.")
    assert "às dez horas e quinze minutos" in said
    assert "resolução normativa mil de dois mil e vinte e um, artigo trezentos e sessenta e dois" in said


def test_for_the_ear_keeps_the_answer_and_drops_the_rest():
    reply = ("Não: a conta deve ficar entre R$ 173 e R$ 213. Até agora foram 120 kWh.\n\n"
             "- dica 1\n- dica 2\nComo calculei: …")
    assert for_the_ear(reply) == ("Não: a conta deve ficar entre cento e setenta e três reais e duzentos e treze reais. "
                                  "Até agora foram cento e vinte quilowatts-hora.")


@pytest.fixture(scope="module")
def call(demo_home):
    home = demo_home
    port = free_port()
    settings = ChannelSettings(home=str(home), public_url=f"http://127.0.0.1:{port}", twilio_auth_token=TOKEN, media_secret="voice-test-media-secret-0123",
                               rate_anonymous_per_min=1000, rate_per_phone_per_min=1000, voice_attendants=ATTENDANTS)
    with running_server(settings, port) as base:
        def post(step: str, token: str | None = None, **form: str) -> ET.Element:
            url = f"{base}/v1/channels/voice?step={step}"
            data = {"CallSid": "CA0001", "From": CALLER, **form}
            headers = {"X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(url, data)}
            if token:
                headers["I-Twilio-Idempotency-Token"] = token
            r = httpx.post(url, data=data, headers=headers, timeout=30)
            assert r.status_code == 200, r.text
            assert r.headers["content-type"].startswith("application/xml")
            return ET.fromstring(r.text)
        yield {"post": post, "base": base, "home": home}


def _said(root: ET.Element) -> str:
    return " ".join(s.text or "" for s in root.iter("Say"))


def test_signed_call_flow_identifies_answers_and_transfers(call):
    post = call["post"]
    start = post("start")
    gather = start.find("Gather")
    assert gather is not None and gather.get("input") == "dtmf" and gather.get("numDigits") == "4"
    assert "quatro últimos dígitos do CPF" in _said(start)
    assert all(s.get("language") == "pt-BR" for s in start.iter("Say"))

    wrong = post("cpf", Digits="0000")
    assert wrong.find("Gather").get("action").endswith("step=cpf")  # asked again

    ok = post("cpf", Digits="4705")
    assert "identifiquei" in _said(ok)
    listen = ok.find("Gather")
    assert listen.get("input") == "dtmf speech" and listen.get("language") == "pt-BR"
    assert listen.get("action").endswith("step=ask")

    answer = post("ask", SpeechResult="quanto eu consumi ontem")
    spoken = _said(answer)
    assert "quilowatts-hora" in spoken and not any(ch.isdigit() for ch in spoken)  # figures in words
    assert answer.find("Gather").get("action").endswith("step=ask")

    transfer = post("ask", Digits="0")
    assert transfer.find("Dial").text == ATTENDANTS
    sessions = SessionStore(call["home"] / "assistant.sqlite")
    ours = [h for h in sessions.handoffs() if h["channel"] == "voice" and h["installation_id"] == "40010001"]
    assert ours
    for h in ours:  # leave the shared demo home's queue as we found it (the copilot page tests read it)
        sessions.close_handoff(h["id"])


def test_twilio_retry_gets_the_same_twiml_and_forgery_is_refused(call):
    post = call["post"]
    first = ET.tostring(post("start", token="idem-1"))
    assert ET.tostring(post("start", token="idem-1")) == first
    url = f"{call['base']}/v1/channels/voice?step=start"
    forged = httpx.post(url, data={"CallSid": "CA9", "From": CALLER}, headers={"X-Twilio-Signature": "forged"})
    assert forged.status_code == 403 and forged.headers["content-type"].startswith("application/problem+json")
    unsigned = httpx.post(url, data={"CallSid": "CA9", "From": CALLER})
    assert unsigned.status_code == 403
