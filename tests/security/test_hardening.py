"""H1 brute force, H2 secrets, M1 revocation, M2 explicit grants, L1 size limits, L5 shared rate limits."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from assistant import Assistant, AssistantDeps, ChatRequest
from assistant.session import SessionStore, phone_binding
from channels.apikeys import ApiKeyStore
from channels.cli import main
from channels.config import ChannelSettings
from channels.ratelimit import RateLimiter
from tests.channels.server import running_server
from tests.tiny import build_tiny


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


# ---------------------------------------------------------------- H1
@pytest.fixture()
def tiny_assistant_clock(tmp_path: Path):  # type: ignore[no-untyped-def]
    clock = Clock()
    deps = AssistantDeps.from_home(build_tiny(tmp_path))
    deps.sessions = SessionStore(idle_s=10**9, clock=clock)
    return Assistant(deps), clock


def _web(a: Assistant, text: str, sid: str | None, address: str = "10.0.0.9") -> object:
    return a.chat(ChatRequest(text=text, session_id=sid, channel="web", binding="rest:anonymous", address=address))


def test_right_digits_do_not_work_once_locked_even_from_fresh_sessions(tiny_assistant_clock) -> None:  # type: ignore[no-untyped-def]
    a, _clock = tiny_assistant_clock
    for i, wrong in enumerate(("1111", "2222", "3333")):  # three fresh sessions, three addresses
        r = _web(a, "minha instalação é 40010002", None, address=f"10.0.1.{i}")
        r = _web(a, wrong, r.session_id, address=f"10.0.1.{i}")
        assert not r.identified
    assert r.handoff
    r = _web(a, "minha instalação é 40010002", None, address="10.0.2.1")
    assert "bloqueada" in r.reply and not r.identified
    r = _web(a, "7735", r.session_id, address="10.0.2.1")  # the right digits
    assert not r.identified
    assert len(a.deps.sessions.handoffs()) == 1  # one handoff, not one per attempt
    assert a.deps.sessions.id_release("inst:40010002")
    r = _web(a, "minha instalação é 40010002", None, address="10.0.2.1")
    r = _web(a, "7735", r.session_id, address="10.0.2.1")
    assert r.identified


def test_one_address_waits_longer_and_longer(tiny_assistant_clock) -> None:  # type: ignore[no-untyped-def]
    a, clock = tiny_assistant_clock
    for i in range(5):  # unknown installations: enumeration from one address
        r = _web(a, f"minha instalação é 9999000{i}", None)
        assert "Não encontrei" in r.reply
    r = _web(a, "minha instalação é 40010001", None)
    assert "Aguarde 1 minuto" in r.reply
    clock.now += 61
    r = _web(a, "minha instalação é 99990009", None)
    assert "Não encontrei" in r.reply
    r = _web(a, "minha instalação é 40010001", None)
    assert "Aguarde 2 minutos" in r.reply
    r = _web(a, "minha instalação é 40010001", None, address="10.9.9.9")  # another address is not slowed
    assert "CPF" in r.reply


def test_whatsapp_phone_is_locked_across_sessions(tiny_assistant_clock) -> None:  # type: ignore[no-untyped-def]
    a, clock = tiny_assistant_clock
    phone = "+5519990010001"
    for wrong in ("1111", "2222", "3333"):
        clock.now += 10_000  # sessions come and go
        b = phone_binding(phone)
        a.chat(ChatRequest(text="quanto consumi ontem?", channel="whatsapp", phone=phone, binding=b))
        r = a.chat(ChatRequest(text=wrong, session_id=a.deps.sessions.latest_for(b), channel="whatsapp", phone=phone,
                               binding=b))
    r = a.chat(ChatRequest(text="quanto consumi ontem?", channel="whatsapp", phone=phone, binding=b))
    assert "bloqueada" in r.reply
    r = a.chat(ChatRequest(text="4725", session_id=r.session_id, channel="whatsapp", phone=phone, binding=b))
    assert not r.identified


# ---------------------------------------------------------------- H2
def _serve(home: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("SMARTMETER_")}
    full.update(env, PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.run([sys.executable, "-c", "from channels.cli import main; main()", "--home", str(home), "serve",
                           "--port", "1", *args], env=full, capture_output=True, text=True, timeout=120)


def test_serve_refuses_default_or_missing_secrets(tmp_path: Path) -> None:
    out = _serve(tmp_path, {})
    assert out.returncode != 0
    assert "SMARTMETER_TWILIO_AUTH_TOKEN" in out.stderr and "SMARTMETER_MEDIA_SECRET" in out.stderr
    out = _serve(tmp_path, {"SMARTMETER_TWILIO_AUTH_TOKEN": "test-token", "SMARTMETER_MEDIA_SECRET": "x" * 32})
    assert out.returncode != 0 and "SMARTMETER_TWILIO_AUTH_TOKEN" in out.stderr
    assert "SMARTMETER_MEDIA_SECRET" not in out.stderr
    out = _serve(tmp_path, {}, "--demo", "--host", "0.0.0.0")
    assert out.returncode != 0 and "só atende no próprio computador (127.0.0.1), não em 0.0.0.0" in out.stderr


def test_webhook_without_secrets_is_refused_even_with_the_old_default(tmp_path: Path) -> None:
    from twilio.request_validator import RequestValidator

    home = build_tiny(tmp_path)
    with running_server(ChannelSettings(home=str(home))) as base:
        url = base + "/v1/channels/whatsapp"
        form = {"From": "whatsapp:+5519990010001", "Body": "quanto consumi ontem?", "MessageSid": "SMh2"}
        sig = RequestValidator("test-token").compute_signature(url, form)
        r = httpx.post(url, data=form, headers={"X-Twilio-Signature": sig})
        assert r.status_code == 503 and r.headers["content-type"].startswith("application/problem+json")
        assert httpx.get(base + "/v1/media/abc.def.png").status_code == 410


# ---------------------------------------------------------------- M1 / M2 / M4 (key file)
def test_revoked_and_new_keys_take_effect_without_restart(tmp_path: Path) -> None:
    home = build_tiny(tmp_path)
    keys = ApiKeyStore(home)
    old = keys.create("ops", "operator")
    with running_server(ChannelSettings(home=str(home))) as base:
        url = base + "/v1/installations/40010001/consumption"
        assert httpx.get(url, headers={"X-API-Key": old}).status_code != 401
        runner = CliRunner()
        res = runner.invoke(main, ["--home", str(home), "apikey", "revoke", old.split("_")[1]])
        assert res.exit_code == 0, res.output
        assert httpx.get(url, headers={"X-API-Key": old}).status_code == 401
        res = runner.invoke(main, ["--home", str(home), "apikey", "create", "--name", "new", "--scope", "operator"])
        assert httpx.get(url, headers={"X-API-Key": res.output.strip()}).status_code != 401
    assert stat.S_IMODE((home / "apikeys.json").stat().st_mode) == 0o600


def test_integrator_keys_name_their_installations(tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["--home", str(tmp_path), "apikey", "create", "--name", "app", "--scope", "integrator"]
    res = runner.invoke(main, base)
    assert res.exit_code != 0 and "--installations" in res.output
    res = runner.invoke(main, [*base, "--installations", "*"])
    assert res.exit_code != 0
    res = runner.invoke(main, [*base, "--installations", "40010001"])
    assert res.exit_code == 0
    res = runner.invoke(main, [*base, "--all"])
    assert res.exit_code == 0
    assert [k["installations"] for k in ApiKeyStore(tmp_path).list()] == [["40010001"], ["*"]]
    with pytest.raises(ValueError):
        ApiKeyStore(tmp_path).create("x", "integrator")


# ---------------------------------------------------------------- L1
def test_size_limits(tmp_path: Path) -> None:
    home = build_tiny(tmp_path)
    with running_server(ChannelSettings(home=str(home), rate_anonymous_per_min=1000)) as base:
        big = httpx.post(base + "/v1/chat", content=b'{"text": "' + b"a" * 10_000_000 + b'"}',
                         headers={"content-type": "application/json"})
        assert big.status_code == 413 and big.headers["content-type"].startswith("application/problem+json")
        wa = httpx.post(base + "/v1/channels/whatsapp", content=b"Body=" + b"a" * 1_000_000,
                        headers={"content-type": "application/x-www-form-urlencoded"})
        assert wa.status_code == 413
        long_sid = httpx.post(base + "/v1/chat", json={"text": "oi", "session_id": "s" * 100_000})
        assert long_sid.status_code in (413, 422)
        sid = httpx.post(base + "/v1/chat", json={"text": "oi", "session_id": "s" * 200})
        assert sid.status_code == 422 and sid.json()["errors"][0]["field"] == "session_id"
        r = httpx.post(base + "/v1/chat", json={"text": "oi"}, headers={"X-Request-ID": "x" * 8000})
        assert r.status_code == 200 and len(r.headers["X-Request-ID"]) <= 64
        r = httpx.post(base + "/v1/chat", json={"text": "oi"}, headers={"X-Request-ID": "abc-123"})
        assert r.headers["X-Request-ID"] == "abc-123"


# ---------------------------------------------------------------- L5
def test_rate_limit_is_shared_between_workers_and_restarts(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "ratelimit.sqlite"
    worker_a, worker_b = RateLimiter(path, clock=clock), RateLimiter(path, clock=clock)
    assert [worker_a.allow("ip:1.2.3.4", 3), worker_b.allow("ip:1.2.3.4", 3), worker_a.allow("ip:1.2.3.4", 3)] == [
        True, True, True]
    assert not worker_b.allow("ip:1.2.3.4", 3)
    restarted = RateLimiter(path, clock=clock)
    assert not restarted.allow("ip:1.2.3.4", 3)
    clock.now += 20  # 3/min: one token back after 20 s
    assert restarted.allow("ip:1.2.3.4", 3) and not worker_a.allow("ip:1.2.3.4", 3)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert b"1.2.3.4" not in path.read_bytes()
