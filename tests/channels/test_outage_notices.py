"""Proactive outage notices through Twilio's client against a local stub server, on the demo's
outages of 2026-11-25 (docs/scenarios.md): a short one 18:33-18:36 and the long one 19:42-20:30 on
feeder AL-001, reaching the 13 installations of TR-0012, 12 of which opted in.

Consents and the notice log live in a temporary state home, so the test never depends on what
other tests wrote in the shared demo home.
"""

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
from channels.outage_notices import outage_notices
from tools.api.admin import demo_metadata, open_store

BRT = dt.timezone(dt.timedelta(hours=-3))
TOKEN = "outage-test-token-0123"


class _Stub(BaseHTTPRequestHandler):
    received: list[dict] = []
    fail_to: set[str] = set()

    def do_POST(self) -> None:  # noqa: N802 (http.server API)
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        to = form["To"][0]
        if to in _Stub.fail_to:
            self.send_response(500)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"code": 20500, "message": "stub failure", "status": 500}')
            return
        _Stub.received.append({"to": to, "body": form["Body"][0]})
        body = json.dumps({"sid": f"SM{len(_Stub.received):04d}", "status": "queued", "to": to, "body": form["Body"][0]})
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def stub() -> Iterator[str]:
    _Stub.received = []
    _Stub.fail_to = set()
    server = HTTPServer(("127.0.0.1", 0), _Stub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def _opt_in(state: Path, ids: list[str]) -> None:
    from tools.data.consent import record_consent

    for i in ids:
        record_consent(state, i, "outage_notices", "whatsapp", True, dt.datetime(2026, 11, 1, 10, 0, tzinfo=BRT))


def _at(h: int, m: int) -> dt.datetime:
    return dt.datetime(2026, 11, 25, h, m, tzinfo=BRT)


def test_outage_notices_down_then_up_to_the_opted_in_only(demo_home: Path, stub: str, tmp_path: Path) -> None:
    meta = demo_metadata(demo_home)
    opted = meta["scenarios"]["outage_notice_opt_in"]
    tr12 = next(t["installations"] for t in meta["topology"]["transformers"] if t["transformer_id"] == "TR-0012")
    assert len(opted) == 12 and set(opted) < set(tr12) and len(tr12) == 13
    _opt_in(tmp_path, opted)
    store = open_store(demo_home, read_only=True)
    on = ChannelSettings(proactive_enabled=True, twilio_api_base=stub, twilio_auth_token=TOKEN)

    # 19:50: the long outage started at 19:42 and is still on; the short one of 18:33 is long over
    first = outage_notices(store, on, _at(19, 50), state_home=tmp_path)
    down = [o for o in first if o.kind == "outage_down" and o.sent]
    assert sorted(o.installation_id for o in down) == sorted(opted)
    assert all("Sabemos da falta de energia na sua região desde 19h42." in o.body for o in down)
    # nobody else on the feeder (34 installations) consented: no message to them
    assert {o.installation_id for o in first if o.reason == "no_consent"} == {
        i for t in meta["topology"]["transformers"] if t["feeder_id"] == "AL-001" for i in t["installations"]
    } - set(opted) | {"40010013"}  # Group A, fed by AL-001 directly
    # the short outage of 18:33 (median 2,7 min) was over: its power-up notice says whether it counts,
    # by each meter's own interruption: 40010011 was off 18:33:48-18:36:51 (3 min 3 s), so it counts
    short = {o.installation_id: o.body for o in first if o.kind == "outage_up" and o.sent}
    assert set(short) == set(opted)
    assert [i for i, b in short.items() if "não conta no DIC e no FIC" not in b] == ["40010011"]
    assert short["40010001"].startswith("A energia voltou às 18h36, depois de 3 min sem luz.")  # 2,9 min
    assert len(_Stub.received) == 24

    # 19:55: a rerun sends nothing new
    again = outage_notices(store, on, _at(19, 55), state_home=tmp_path)
    assert not any(o.sent for o in again) and {o.reason for o in again if o.installation_id in opted} == {"already_sent"}

    # 20:35: the supply came back at 20:30 (each meter's own power-up); 48 minutes: counts in DIC/FIC
    back = [o for o in outage_notices(store, on, _at(20, 35), state_home=tmp_path) if o.sent]
    assert sorted(o.installation_id for o in back) == sorted(opted) and {o.kind for o in back} == {"outage_up"}
    demo = next(o for o in back if o.installation_id == "40010001")
    # 40010001: down 19:42:15, up 20:30:03 (outages table): 47,8 min shown as 48 min
    assert demo.body.startswith("A energia voltou às 20h30, depois de 48 min sem luz.")
    assert "conta no DIC e no FIC" in demo.body and "limites do mês" in demo.body
    assert len(_Stub.received) == 36


def test_quiet_hours_throttle_consent_and_failed_sends(demo_home: Path, stub: str, tmp_path: Path) -> None:
    from tools.data.consent import record_consent
    from tools.data.notices import notices

    store = open_store(demo_home, read_only=True)
    on = ChannelSettings(proactive_enabled=True, twilio_api_base=stub, twilio_auth_token=TOKEN)
    _opt_in(tmp_path, ["40010001", "40010003"])
    record_consent(tmp_path, "40010003", "outage_notices", "whatsapp", False, dt.datetime(2026, 11, 20, 9, 0, tzinfo=BRT))

    # 21:30 is inside the quiet hours (21h-8h): nothing goes out and nothing is claimed
    night = outage_notices(store, on, _at(21, 30), state_home=tmp_path)
    assert not any(o.sent for o in night)
    assert {o.reason for o in night if o.installation_id == "40010001"} == {"quiet_hours"}
    assert {o.reason for o in night if o.installation_id == "40010003"} == {"no_consent"}  # opted out since
    assert notices(tmp_path) == [] and _Stub.received == []

    # disabled setting: nothing sent
    off = outage_notices(store, ChannelSettings(proactive_enabled=False, twilio_api_base=stub, twilio_auth_token=TOKEN),
                         _at(19, 50), state_home=tmp_path)
    assert {o.reason for o in off if o.installation_id == "40010001"} == {"disabled"}

    # Twilio fails: the claim is released, the next run sends
    phone = "whatsapp:+5519990010001"
    _Stub.fail_to = {phone}
    failed = outage_notices(store, on, _at(19, 50), state_home=tmp_path)
    assert {o.reason for o in failed if o.installation_id == "40010001"} == {"twilio_error"}
    assert notices(tmp_path, "40010001") == []
    _Stub.fail_to = set()
    ok = outage_notices(store, on, _at(19, 51), state_home=tmp_path)
    assert sorted(o.kind for o in ok if o.sent) == ["outage_down", "outage_up"]

    # throttle: with four outage notices in the last 24 hours, a fifth is held back
    from tools.data.notices import claim_notice

    for k in range(2):
        claim_notice(tmp_path, "40010001", "outage_down", f"feeder:AL-001:earlier-{k}", "whatsapp", _at(12, k))
    late = outage_notices(store, on, _at(20, 35), state_home=tmp_path)
    reasons = {o.outage[-5:]: o.reason for o in late if o.installation_id == "40010001" and o.kind == "outage_up"}
    assert reasons == {"18:33": "already_sent", "19:42": "throttled"}


def test_the_power_up_of_an_evening_outage_waits_for_eight_oclock(demo_home: Path, stub: str, tmp_path: Path) -> None:
    store = open_store(demo_home, read_only=True)
    on = ChannelSettings(proactive_enabled=True, twilio_api_base=stub, twilio_auth_token=TOKEN)
    _opt_in(tmp_path, ["40010001"])
    # 08:05 of 26/11: 19:42 of the day before is 12 h 23 min ago, within the 16 h look-back
    morning = [o for o in outage_notices(store, on, dt.datetime(2026, 11, 26, 8, 5, tzinfo=BRT), state_home=tmp_path)
               if o.sent]
    assert sorted(o.outage[-5:] for o in morning) == ["18:33", "19:42"]
    assert all(o.kind == "outage_up" for o in morning)  # no "sabemos da falta" for an outage long over


def test_cli_runs_the_job_without_sending_when_disabled(demo_home: Path) -> None:
    from click.testing import CliRunner

    from channels.cli import main

    res = CliRunner().invoke(main, ["--home", str(demo_home), "outage-notices", "--now", "2026-11-25T19:50:00-03:00",
                                    "--json"], env={"SMARTMETER_PROACTIVE_ENABLED": "0"})
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    opted = {r["installation_id"] for r in rows if r["reason"] != "no_consent"}
    assert len(opted) == 12 and not any(r["sent"] for r in rows)  # the demo's 12 opt-ins on TR-0012
    bad = CliRunner().invoke(main, ["--home", str(demo_home), "outage-notices", "--now", "2026-11-25T19:50:00"])
    assert bad.exit_code != 0 and "informe o fuso horário em relação ao UTC" in bad.output
