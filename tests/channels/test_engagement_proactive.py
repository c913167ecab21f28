"""The proactive D-1 digest and goal alert through Twilio's client against a local stub server:
opt-in only, at the chosen hour, quiet hours (21h-8h), one digest a day, one goal alert a cycle,
a failed send retried by the next run; and the ``smartmeter engage`` command."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from channels.config import ChannelSettings
from tests.tools.test_engagement import OpHome

BRT = dt.timezone(dt.timedelta(hours=-3))
TOKEN = "engage-test-token-0123"


class _Stub(BaseHTTPRequestHandler):
    received: list[dict] = []
    fail = False

    def do_POST(self) -> None:  # noqa: N802 (http.server API)
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        if _Stub.fail:
            self.send_response(500)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"code": 20500, "message": "down", "status": 500}')
            return
        _Stub.received.append(form)
        n = len(_Stub.received)
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"sid": f"SM_engage_{n}", "status": "queued", "to": form["To"][0],
                                     "body": form["Body"][0]}).encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def twilio() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Stub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Stub.received.clear()
    _Stub.fail = False
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


@pytest.fixture()
def seeded(demo_store, tmp_path: Path) -> OpHome:  # type: ignore[no-untyped-def]
    from tools.demo.engagement import seed_engagement

    seed_engagement(tmp_path)  # 40010016 (on track) and 40010049 (above the goal on day 17), digest at 8h
    return OpHome(demo_store, tmp_path)


def _settings(base: str, enabled: bool = True) -> ChannelSettings:
    return ChannelSettings(proactive_enabled=enabled, twilio_api_base=base, twilio_auth_token=TOKEN)


def _at(day: int, hour: int, minute: int = 5) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=BRT)


def test_goal_alert_once_per_cycle_outside_quiet_hours(seeded, twilio):
    from channels.proactive import goal_alerts

    night = goal_alerts(seeded, _settings(twilio), now=_at(26, 22))
    assert {o.installation_id: o.reason for o in night} == {"40010016": "not_due", "40010049": "quiet_hours"}
    early = goal_alerts(seeded, _settings(twilio), now=_at(26, 7, 59))
    assert [o.reason for o in early if o.installation_id == "40010049"] == ["quiet_hours"] and _Stub.received == []
    morning = goal_alerts(seeded, _settings(twilio), now=_at(26, 8))
    sent = [o for o in morning if o.sent]
    assert [(o.installation_id, o.kind, o.key, o.message_sid) for o in sent] == [("40010049", "goal_alert", "goal:2026-12", "SM_engage_1")]
    body = _Stub.received[0]["Body"][0]
    assert _Stub.received[0]["To"] == ["whatsapp:+5516980000049"]
    # the worked figures of the week-3 scenario (tests/tools/test_engagement.py)
    for fig in ("R$ 191,13", "R$ 190,00", "13 dias", "R$ 6,28 por dia", "O que mais ajuda", "PARAR"):
        assert fig in body, fig
    again = goal_alerts(seeded, _settings(twilio), now=_at(27, 10))
    assert [o.reason for o in again if o.installation_id == "40010049"] == ["already_sent"] and len(_Stub.received) == 1


def test_goal_alert_respects_the_opt_out(seeded, twilio):
    from channels.proactive import goal_alerts
    from tools.data.consent import record_consent

    record_consent(seeded.home, "40010049", "goal_alerts", "whatsapp", False, _at(25, 20))
    out = goal_alerts(seeded, _settings(twilio), now=_at(26, 9))
    assert [o.installation_id for o in out] == ["40010016"] and _Stub.received == []


def test_digest_at_the_chosen_hour_once_a_day(seeded, twilio):
    from channels.proactive import daily_digests
    from tools.data.consent import record_consent
    from tools.data.notices import notices

    # 40010003 never opted in: never a message; 40010016 moves its digest to 19h
    record_consent(seeded.home, "40010016", "daily_digest", "whatsapp", True, _at(20, 12), {"hour": 19})
    assert all(not o.sent for o in daily_digests(seeded, _settings(twilio, enabled=False), now=_at(26, 9)))
    assert [o.reason for o in daily_digests(seeded, _settings(twilio, enabled=False), now=_at(26, 9))] == ["not_yet", "disabled"]
    assert [(o.installation_id, o.reason) for o in daily_digests(seeded, _settings(twilio), now=_at(26, 7, 30))] == [
        ("40010016", "not_yet"), ("40010049", "not_yet")]
    first = daily_digests(seeded, _settings(twilio), now=_at(26, 8, 1))
    assert [(o.installation_id, o.reason, o.key) for o in first] == [("40010016", "not_yet", "2026-11-25"),
                                                                    ("40010049", "sent", "2026-11-25")]
    body = _Stub.received[0]["Body"][0]
    assert body.startswith("Ontem (25/11/2026) você consumiu") and "Para parar de receber, responda PARAR." in body
    later = daily_digests(seeded, _settings(twilio), now=_at(26, 19, 30))
    assert [(o.installation_id, o.reason) for o in later] == [("40010016", "sent"), ("40010049", "already_sent")]
    late = daily_digests(seeded, _settings(twilio), now=_at(26, 21, 30))
    assert [o.reason for o in late] == ["already_sent", "already_sent"]
    next_day = daily_digests(seeded, _settings(twilio), now=_at(27, 8, 30))  # same data: nothing new to say
    assert [o.reason for o in next_day] == ["not_yet", "already_sent"] and len(_Stub.received) == 2
    assert [(n.installation_id, n.key) for n in notices(seeded.home, kind="daily_digest")] == [
        ("40010049", "2026-11-25"), ("40010016", "2026-11-25")]


def test_a_failed_send_is_retried_by_the_next_run(seeded, twilio):
    from channels.proactive import daily_digests

    _Stub.fail = True
    out = daily_digests(seeded, _settings(twilio), now=_at(26, 10), installation_ids=["40010049"])
    assert [o.reason for o in out] == ["twilio_error"]
    _Stub.fail = False
    out = daily_digests(seeded, _settings(twilio), now=_at(26, 11), installation_ids=["40010049"])
    assert [o.reason for o in out] == ["sent"] and len(_Stub.received) == 1


def test_engage_command(demo_home, twilio, monkeypatch, tmp_path):
    from click.testing import CliRunner

    from channels.cli import main
    from tools.data.notices import notices

    monkeypatch.setenv("SMARTMETER_PROACTIVE_ENABLED", "1")
    monkeypatch.setenv("SMARTMETER_TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("SMARTMETER_TWILIO_API_BASE", twilio)
    before = len(notices(demo_home))
    r = CliRunner().invoke(main, ["--home", str(demo_home), "engage", "--now", "2026-11-26T23:00:00-03:00", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert {o["reason"] for o in out} <= {"quiet_hours", "not_due", "not_yet"} and len(notices(demo_home)) == before
    bad = CliRunner().invoke(main, ["--home", str(demo_home), "engage", "--now", "amanhã"])
    assert bad.exit_code == 2 and "ISO 8601" in bad.output
