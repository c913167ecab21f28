"""Proactive WhatsApp messages through Twilio's client, its HTTP layer pointed at a local stub."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs

from channels.whatsapp import send_whatsapp, split_message, twiml


class _Stub(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server API)
        length = int(self.headers["Content-Length"])
        form = parse_qs(self.rfile.read(length).decode())
        _Stub.received.append({"path": self.path, "form": form, "auth": self.headers.get("Authorization")})
        body = json.dumps({"sid": "SM_stub_1", "status": "queued", "to": form["To"][0], "body": form["Body"][0]})
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: object) -> None:
        pass


def test_outbound_message_goes_through_twilio_client_to_stub():
    server = HTTPServer(("127.0.0.1", 0), _Stub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        sid = send_whatsapp("ACxyz", "tok", "whatsapp:+14155238886", "+5519990010001", "Aviso de conta alta",
                            api_base=f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
    assert sid == "SM_stub_1"
    req = _Stub.received[-1]
    assert req["path"] == "/2010-04-01/Accounts/ACxyz/Messages.json"
    assert req["form"]["To"] == ["whatsapp:+5519990010001"] and req["form"]["Body"] == ["Aviso de conta alta"]
    assert req["auth"].startswith("Basic ")


def test_long_replies_split_under_whatsapp_limit():
    text = ("Linha de resposta com bastante texto. " * 30 + "\n") * 5
    parts = split_message(text)
    assert len(parts) >= 4 and all(len(p) <= 1600 for p in parts)
    squash = "".join(text.split())
    assert "".join("".join(p.split()) for p in parts) == squash  # nothing lost
    xml = twiml(parts, media_url="http://x/m.png")
    assert xml.count("<Message>") == len(parts) and xml.count("<Media>") == 1


def test_high_bill_alert_uses_forecast_and_respects_the_setting(demo_home):
    from channels.config import ChannelSettings
    from channels.proactive import high_bill_alerts
    from tools.api import Scope, ToolContext, run_tool
    from tools.api.admin import open_store

    store = open_store(demo_home, read_only=True)
    candidates = ["40010001", "40010002", "40010003", "40010007", "40010008"]
    above = [i for i in candidates
             if run_tool("forecast_bill", ToolContext(store=store, scope=Scope.customer(i)), i, {}).value.above_last_bill]
    assert above, "the demo fleet should have a customer whose forecast is above the last bill"
    server = HTTPServer(("127.0.0.1", 0), _Stub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Stub.received.clear()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        off = high_bill_alerts(store, ChannelSettings(proactive_enabled=False, twilio_api_base=base), above[:1])
        assert [o.reason for o in off] == ["disabled"] and _Stub.received == []
        on = high_bill_alerts(store, ChannelSettings(proactive_enabled=True, twilio_api_base=base, twilio_auth_token="outbound-test-token-0123"), above[:1])
    finally:
        server.shutdown()
    assert [o.reason for o in on] == ["sent"] and on[0].message_sid == "SM_stub_1"
    forecast = run_tool("forecast_bill", ToolContext(store=store, scope=Scope.customer(above[0])), above[0], {}).value
    body = _Stub.received[-1]["form"]["Body"][0]
    assert f"{forecast.total_rs:.2f}".replace(".", ",") in body
