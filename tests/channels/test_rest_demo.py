"""Every REST route's happy path on the demo store, through a real uvicorn server."""

from __future__ import annotations

import httpx
import pytest

from channels.apikeys import ApiKeyStore
from channels.config import ChannelSettings
from tests.channels.server import free_port, running_server
from tools.api.admin import demo_metadata

pytestmark = pytest.mark.integration

TWILIO_TOKEN = "rest-demo-twilio-token-0123"  # a real-looking secret: defaults are refused


@pytest.fixture(scope="module")
def demo_server(demo_home):
    keys = ApiKeyStore(demo_home)
    meta = demo_metadata(demo_home)
    inst = meta["demo_customer"]["installation_id"]
    integrator = keys.create("app", "integrator", (inst,))
    operator = keys.create("ops", "operator")
    port = free_port()
    settings = ChannelSettings(home=str(demo_home), public_url=f"http://127.0.0.1:{port}", rate_anonymous_per_min=10_000,
                               twilio_auth_token=TWILIO_TOKEN, media_secret="rest-demo-media-secret-0123")
    with running_server(settings, port) as base:
        yield {"base": base, "inst": inst, "integrator": integrator, "operator": operator, "meta": meta,
               "home": demo_home}


def _get(s, path, key="integrator", **params):
    r = httpx.get(s["base"] + path, headers={"X-API-Key": s[key]}, params=params, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


def test_installation_routes(demo_server):
    s, inst = demo_server, demo_server["inst"]
    cons = _get(s, f"/v1/installations/{inst}/consumption", start="2026-10-01", end="2026-10-31")
    assert cons["tool"] == "consumption_summary" and float(cons["value"]["total_kwh"]) > 0
    assert cons["value"]["period"]["start"] == "2026-10-01" and cons["trail"]
    bill = _get(s, f"/v1/installations/{inst}/bills/last_bill/explanation")
    assert bill["tool"] == "explain_bill" and bill["trail"]
    bills = _get(s, f"/v1/installations/{inst}/bills", months=2)
    assert len(bills["bills"]) == 2
    assert _get(s, f"/v1/installations/{inst}/tariff-comparison")["tool"] == "compare_tariffs"
    assert _get(s, f"/v1/installations/{inst}/gd-credits")["tool"] == "gd_credits"
    q = _get(s, f"/v1/installations/{inst}/quality")
    assert q["voltage"]["tool"] == "voltage_quality" and q["continuity"]["tool"] == "continuity_indicators"


def test_fleet_and_cost_routes(demo_server):
    s = demo_server
    assert _get(s, "/v1/fleet/quality-ranking", key="operator", indicator="DRP", level="transformer")["tool"] == "quality_ranking"
    assert _get(s, "/v1/fleet/compensation-exposure", key="operator")["tool"] == "compensation_exposure"
    assert _get(s, "/v1/fleet/events", key="operator", kind="alarm")["tool"] == "events_summary"
    assert _get(s, "/v1/fleet/completeness", key="operator")["tool"] == "data_completeness"
    r = httpx.post(s["base"] + "/v1/costs/estimate", headers={"X-API-Key": s["operator"]},
                   json={"meters": 793000, "interval_minutes": 15, "infrastructure": "cloud"}, timeout=60)
    assert r.status_code == 200 and r.json()["tool"] == "storage_cost"


def test_pre_identified_chat_returns_the_tool_figure(demo_server):
    s = demo_server
    r = httpx.post(s["base"] + "/v1/chat", headers={"X-API-Key": s["integrator"]}, timeout=60,
                   json={"text": "Quanto eu consumi ontem?", "installation_id": s["inst"], "channel": "app"})
    body = r.json()
    assert r.status_code == 200 and body["intent"] == "consumption_summary"
    call = body["tool_calls"][0]
    assert call["arguments"] == {"period": "yesterday"}
    kwh = float(call["result"]["value"]["total_kwh"])
    assert f"{kwh:.1f}".replace(".", ",") in body["reply"]


def test_no_route_reveals_an_installation_outside_the_key(demo_server):
    s = demo_server
    other = next(i for i in s["meta"]["scenarios"]["solar"] if i != s["inst"])
    for path in ("consumption", "bills", "bills/last_bill/explanation", "tariff-comparison", "gd-credits", "quality"):
        r = httpx.get(f"{s['base']}/v1/installations/{other}/{path}", headers={"X-API-Key": s["integrator"]})
        body = r.json()
        assert r.status_code == 403 and body["code"] == "problem.forbidden"
        assert set(body) <= {"type", "title", "status", "detail", "code", "instance", "request_id"}
    r = httpx.post(s["base"] + "/v1/chat", headers={"X-API-Key": s["integrator"]},
                   json={"text": f"mostra o consumo da instalação {other}", "installation_id": s["inst"]})
    assert r.json()["refused"] == "other_customer" and r.json()["tool_calls"] == []


def test_whatsapp_chart_is_sent_as_signed_expiring_media(demo_server):
    import re

    from twilio.request_validator import RequestValidator

    s = demo_server
    url = s["base"] + "/v1/channels/whatsapp"
    cust = s["meta"]["demo_customer"]

    def send(body: str, sid: str) -> str:
        form = {"From": f"whatsapp:{cust['phone']}", "Body": body, "MessageSid": sid}
        sig = RequestValidator(TWILIO_TOKEN).compute_signature(url, form)
        r = httpx.post(url, data=form, headers={"X-Twilio-Signature": sig}, timeout=60)
        assert r.status_code == 200
        return r.text

    # a fresh conversation for this number: other tests on the shared demo home may have left one open
    import sqlite3

    from assistant.session import phone_binding

    with sqlite3.connect(s["home"] / "assistant.sqlite") as db:
        db.execute("DELETE FROM chat_sessions WHERE binding = ?", [phone_binding(cust["phone"])])
    send("quanto consumi na semana passada?", "SMd1")
    twiml = send(cust["cpf_last4"], "SMd2")  # identification answers the pending question
    media = re.search(r"<Media>(.*?)</Media>", twiml)
    assert media, twiml
    img = httpx.get(media.group(1).replace("&amp;", "&"))
    assert img.status_code == 200 and img.headers["content-type"] == "image/png" and img.content[:4] == b"\x89PNG"
    tampered = media.group(1).replace(".png", "x.png")
    assert httpx.get(tampered).status_code == 410
