"""C1: session ids are not bearer tokens.

Reproduces the report: once +5519990010001 identified on WhatsApp, an anonymous
``POST /v1/chat {"session_id": "wa:+5519990010001", …}`` got ``identified: true``. Sessions are
now server-issued, bound to channel + key / phone, and expire after inactivity.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from twilio.request_validator import RequestValidator

from assistant import Assistant, AssistantDeps, ChatRequest
from assistant.session import SessionStore, phone_binding
from channels.apikeys import ApiKeyStore
from tests.security.serve_proc import TWILIO_TOKEN, serve_process
from tests.tiny import build_tiny

PHONE = "+5519990010001"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_server_issues_the_session_id_when_bound() -> None:
    store = SessionStore()
    s = store.load("wa:+5519990010001", binding="rest:anonymous")
    assert s.session_id != "wa:+5519990010001"
    assert re.fullmatch(r"s-[A-Za-z0-9_-]{32}", s.session_id)


def test_a_session_is_not_loaded_under_another_binding() -> None:
    store = SessionStore()
    s = store.load(None, channel="whatsapp", binding=phone_binding(PHONE))
    s.installation_id = "40010001"
    store.save(s)
    assert store.load(s.session_id, binding=phone_binding(PHONE)).installation_id == "40010001"
    for other in ("rest:anonymous", "rest:key:abcd1234", None, phone_binding("+5519990010002")):
        got = store.load(s.session_id, binding=other)
        assert got.installation_id is None and got.session_id != s.session_id
    got.installation_id = "40010002"
    store.save(got)  # a fresh session: the identified one is untouched
    assert store.load(s.session_id, binding=phone_binding(PHONE)).installation_id == "40010001"


def test_identification_expires_after_inactivity() -> None:
    clock = Clock()
    store = SessionStore(idle_s=600, clock=clock)
    s = store.load(None, binding="rest:anonymous")
    s.installation_id = "40010001"
    store.save(s)
    clock.now += 599
    assert store.load(s.session_id, binding="rest:anonymous").installation_id == "40010001"
    store.save(store.load(s.session_id, binding="rest:anonymous"))  # activity renews it
    clock.now += 601
    assert store.load(s.session_id, binding="rest:anonymous").installation_id is None
    assert store.latest_for("rest:anonymous") is None


def test_whatsapp_number_continues_only_its_live_session() -> None:
    clock = Clock()
    store = SessionStore(idle_s=600, clock=clock)
    b = phone_binding(PHONE)
    s = store.load(None, channel="whatsapp", binding=b)
    store.save(s)
    assert store.latest_for(b) == s.session_id
    assert store.latest_for(phone_binding("+5519990010002")) is None
    clock.now += 601
    assert store.latest_for(b) is None


def test_assistant_with_a_stolen_id_is_not_identified(tmp_path: Path) -> None:
    a = Assistant(AssistantDeps.from_home(build_tiny(tmp_path)))
    b = phone_binding(PHONE)
    r = a.chat(ChatRequest(text="quanto consumi ontem?", channel="whatsapp", phone=PHONE, binding=b))
    r = a.chat(ChatRequest(text="4725", session_id=a.deps.sessions.latest_for(b), channel="whatsapp",
                           phone=PHONE, binding=b))
    assert r.identified
    for sid in (r.session_id, f"wa:{PHONE}", PHONE):
        stolen = a.chat(ChatRequest(text="explique minha última conta", session_id=sid, channel="rest",
                                    binding="rest:anonymous"))
        assert not stolen.identified and stolen.refused == "not_identified"
        assert stolen.session_id not in (r.session_id, sid)


# ---------------------------------------------------------------- end to end: a real `serve` process
@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    home = build_tiny(tmp_path_factory.mktemp("c1"))
    keys = ApiKeyStore(home)
    app_a = keys.create("app-a", "integrator", ("40010001",))
    app_b = keys.create("app-b", "integrator", ("40010001", "40010002"))
    yield home, app_a, app_b


def _whatsapp(base: str, body: str, sid: str, phone: str = PHONE) -> httpx.Response:
    url = base + "/v1/channels/whatsapp"
    form = {"From": f"whatsapp:{phone}", "Body": body, "MessageSid": sid}
    sig = RequestValidator(TWILIO_TOKEN).compute_signature(url, form)
    return httpx.post(url, data=form, headers={"X-Twilio-Signature": sig}, timeout=30)


def test_e2e_whatsapp_session_cannot_be_hijacked(live) -> None:  # type: ignore[no-untyped-def]
    home, app_a, app_b = live
    with serve_process(home) as base:
        assert "CPF" in _whatsapp(base, "quanto consumi ontem?", "SMc1a").text
        assert "confirmada" in _whatsapp(base, "4725", "SMc1b").text
        for sid in (f"wa:{PHONE}", PHONE, f"whatsapp:{PHONE}", "wa:+5519990010001 "):
            r = httpx.post(base + "/v1/chat", json={"session_id": sid, "text": "explique minha última conta"},
                           timeout=30)
            assert r.status_code in (200, 422)
            if r.status_code == 200:
                body = r.json()
                assert body["identified"] is False and body["refused"] == "not_identified"
                assert body["session_id"] != sid and body["session_id"].startswith("s-")
        # the WhatsApp conversation itself is still identified
        assert "não conferem" not in _whatsapp(base, "quanto consumi ontem?", "SMc1c").text
    with serve_process(home) as base:  # after a restart too
        r = httpx.post(base + "/v1/chat", json={"session_id": f"wa:{PHONE}", "text": "explique minha última conta"},
                       timeout=30)
        assert r.json()["identified"] is False


def test_e2e_integrator_session_is_bound_to_its_key(live) -> None:  # type: ignore[no-untyped-def]
    home, app_a, app_b = live
    with serve_process(home) as base:
        r = httpx.post(base + "/v1/chat", headers={"X-API-Key": app_a}, timeout=30,
                       json={"session_id": "minha-sessao", "text": "oi", "installation_id": "40010001"})
        assert r.status_code == 200 and r.json()["identified"] is True
        sid = r.json()["session_id"]
        assert sid != "minha-sessao" and sid.startswith("s-")
        anon = httpx.post(base + "/v1/chat", json={"session_id": sid, "text": "explique minha última conta"},
                          timeout=30).json()
        assert anon["identified"] is False and anon["session_id"] != sid
        other = httpx.post(base + "/v1/chat", headers={"X-API-Key": app_b}, timeout=30,
                           json={"session_id": sid, "text": "explique minha última conta"}).json()
        assert other["identified"] is False and other["session_id"] != sid
        same = httpx.post(base + "/v1/chat", headers={"X-API-Key": app_a}, timeout=30,
                          json={"session_id": sid, "text": "obrigado"}).json()
        assert same["session_id"] == sid and same["identified"] is True
