"""REST contract on a real uvicorn server: auth, scopes, problem+json, rate limits, WhatsApp."""

from __future__ import annotations

import httpx
import pytest
from twilio.request_validator import RequestValidator

from channels.apikeys import ApiKeyStore
from channels.config import ChannelSettings
from tests.channels.server import free_port, running_server
from tests.tiny import build_tiny

TOKEN = "twilio-test-token"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = build_tiny(tmp_path_factory.mktemp("rest"))
    keys = ApiKeyStore(home)
    integrator = keys.create("app", "integrator", ("40010001",))
    operator = keys.create("ops", "operator")
    port = free_port()
    settings = ChannelSettings(home=str(home), public_url=f"http://127.0.0.1:{port}", twilio_auth_token=TOKEN, media_secret="rest-tiny-media-secret-0123",
                               rate_anonymous_per_min=1000, rate_per_phone_per_min=1000)
    with running_server(settings, port) as base:
        yield {"base": base, "integrator": integrator, "operator": operator}


def _is_problem(r: httpx.Response, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == status and body["code"] and body["detail"]
    return body


def test_health_and_openapi(server):
    assert httpx.get(server["base"] + "/healthz").json() == {"status": "ok"}
    ready = httpx.get(server["base"] + "/readyz").json()
    assert ready["installations"] == 2
    spec = httpx.get(server["base"] + "/openapi.json").json()
    assert "/v1/chat" in spec["paths"] and "/v1/fleet/quality-ranking" in spec["paths"]


def test_public_chat_requires_identification(server):
    r = httpx.post(server["base"] + "/v1/chat", json={"text": "quanto consumi ontem?", "channel": "web"})
    body = r.json()
    assert r.status_code == 200 and body["refused"] == "not_identified" and body["tool_calls"] == []
    assert r.headers["X-Request-ID"]


def test_installation_id_needs_an_integrator_key_in_scope(server):
    r = httpx.post(server["base"] + "/v1/chat", json={"text": "oi", "installation_id": "40010001"})
    assert _is_problem(r, 401)["code"] == "problem.installation_requires_key"
    r = httpx.post(server["base"] + "/v1/chat", headers={"X-API-Key": server["integrator"]},
                   json={"text": "oi", "installation_id": "40010002"})
    _is_problem(r, 403)
    r = httpx.post(server["base"] + "/v1/chat", headers={"X-API-Key": server["integrator"]},
                   json={"text": "oi", "installation_id": "40010001"})
    assert r.status_code == 200 and r.json()["identified"] is True


def test_data_routes_scope_and_errors(server):
    base = server["base"]
    _is_problem(httpx.get(base + "/v1/installations/40010001/consumption"), 401)
    _is_problem(httpx.get(base + "/v1/installations/40010001/consumption", headers={"X-API-Key": "sm_bad_key"}), 401)
    _is_problem(httpx.get(base + "/v1/installations/40010002/consumption", headers={"X-API-Key": server["integrator"]}), 403)
    _is_problem(httpx.get(base + "/v1/fleet/quality-ranking", headers={"X-API-Key": server["integrator"]}), 403)
    _is_problem(httpx.get(base + "/v1/fleet/quality-ranking", headers={"X-API-Key": server["operator"]},
                          params={"limit": 0}), 422)
    _is_problem(httpx.get(base + "/v1/nao-existe"), 404)


def test_whatsapp_signature_dedup_and_twiml(server):
    base = server["base"]
    url = base + "/v1/channels/whatsapp"
    form = {"From": "whatsapp:+5519990010001", "Body": "oi", "MessageSid": "SM0001"}
    sig = RequestValidator(TOKEN).compute_signature(url, form)
    r1 = httpx.post(url, data=form, headers={"X-Twilio-Signature": sig})
    assert r1.status_code == 200 and "<Message>" in r1.text and "Olá" in r1.text
    r2 = httpx.post(url, data=form, headers={"X-Twilio-Signature": sig})  # Twilio retry: the same answer,
    assert r2.status_code == 200 and r2.text == r1.text  # not processed a second time
    _is_problem(httpx.post(url, data=form, headers={"X-Twilio-Signature": "forged"}), 403)
    _is_problem(httpx.post(url, data=form), 403)


def test_whatsapp_identification_and_opt_out(server):
    base = server["base"]
    url = base + "/v1/channels/whatsapp"

    def send(body: str, sid: str) -> str:
        form = {"From": "whatsapp:+5519990010002", "Body": body, "MessageSid": sid}
        sig = RequestValidator(TOKEN).compute_signature(url, form)
        return httpx.post(url, data=form, headers={"X-Twilio-Signature": sig}).text

    assert "CPF" in send("quanto consumi ontem?", "SM1001")
    assert "confirmada" in send("7735", "SM1002")
    assert "não receberá" in send("SAIR", "SM1003")


def test_rate_limit_is_a_problem(tmp_path):
    home = build_tiny(tmp_path)
    settings = ChannelSettings(home=str(home), rate_anonymous_per_min=2)
    with running_server(settings) as base:
        codes = [httpx.post(base + "/v1/chat", json={"text": "oi"}).status_code for _ in range(3)]
        assert codes[:2] == [200, 200]
        r = httpx.post(base + "/v1/chat", json={"text": "oi"})
        _is_problem(r, 429)
        assert r.headers["Retry-After"] == "60"


def test_citation_links_open_the_article(server):
    r = httpx.get(server["base"] + "/v1/knowledge/articles/religacao-prazos")
    assert r.status_code == 200 and "REN 1.000/2021" in r.text and 'lang="pt-BR"' in r.text
    _is_problem(httpx.get(server["base"] + "/v1/knowledge/articles/nao-existe"), 404)
