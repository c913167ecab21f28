"""``serve``, ``copilot`` and ``apikey``: run the API/web chat, the Streamlit copilot, manage keys."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from importlib import resources

import click

from assistant.i18n import t
from channels.apikeys import ApiKeyStore
from channels.cli import main
from channels.cli.common import echo_json, home_of, parse_now, require_home

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


@main.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=8000, type=int)
@click.option("--public-url", default=None, help="Public URL Twilio calls (for the signature check).")
@click.option("--workers", default=2, type=click.IntRange(1, 64), show_default=True,
              help="Worker processes (one per core: the assistant is CPU-bound Python).")
@click.option("--demo", is_flag=True,
              help="Demo mode: loopback only; missing secrets are replaced by random ones for this run.")
@click.pass_context
def serve_cmd(ctx: click.Context, host: str, port: int, public_url: str | None, workers: int, demo: bool) -> None:
    """REST API, web chat and WhatsApp webhook (FastAPI on uvicorn).

    The WhatsApp webhook needs SMARTMETER_TWILIO_AUTH_TOKEN and SMARTMETER_MEDIA_SECRET (at least
    16 characters, no example value); without them ``serve`` refuses to start, unless ``--demo``.
    """
    import secrets

    import uvicorn

    from channels.config import ChannelSettings

    missing = ChannelSettings().missing_secrets()
    if demo:
        if host not in _LOOPBACK:
            raise click.UsageError(t("cli.usage.demo_loopback", host=host))
        for env in missing:  # random for this run: a forged webhook cannot know them
            os.environ[env] = secrets.token_urlsafe(32)
        os.environ["SMARTMETER_DEMO"] = "1"
        if missing:
            click.echo("demo mode: random " + ", ".join(missing) + " for this run (WhatsApp webhook not usable "
                       "from Twilio)", err=True)
    elif missing:
        raise click.ClickException(t("cli.usage.missing_secrets", names=", ".join(missing), length=16))
    os.environ["SMARTMETER_HOME"] = str(require_home(ctx))
    os.environ.setdefault("SMARTMETER_PUBLIC_URL", public_url or f"http://{host}:{port}")
    if public_url:
        os.environ["SMARTMETER_PUBLIC_URL"] = public_url
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    uvicorn.run("channels.rest.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level="warning")


@main.command("copilot")
@click.option("--port", default=8501, type=int)
@click.option("--host", default="127.0.0.1")
@click.pass_context
def copilot_cmd(ctx: click.Context, port: int, host: str) -> None:
    """The Streamlit operator copilot."""
    app = str(resources.files("operator_ui") / "streamlit_app.py")
    env = dict(os.environ, SMARTMETER_HOME=str(require_home(ctx)))
    cmd = [sys.executable, "-m", "streamlit", "run", app, "--server.port", str(port), "--server.address", host,
           "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--client.toolbarMode", "viewer"]  # no "Deploy" menu for operators
    raise SystemExit(run_child(cmd, env))


def run_child(cmd: list[str], env: dict[str, str], grace_s: float = 10.0) -> int:
    """Run a server child; SIGTERM/SIGINT/SIGHUP to this process stop the child too (it releases its port).

    The child gets SIGTERM and ``grace_s`` seconds, then SIGKILL. Returns the child's exit code
    (0 when it was stopped on request)."""
    child = subprocess.Popen(cmd, env=env)
    stopping: list[int] = []

    def forward(signum: int, _frame: object) -> None:
        stopping.append(signum)
        if child.poll() is None:
            child.terminate()

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    waited = 0.0
    try:
        while True:
            try:
                code = child.wait(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                waited = waited + 0.5 if stopping else 0.0
                if waited >= grace_s:
                    child.kill()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0 if stopping else code


@main.group("apikey")
def apikey_group() -> None:
    """Manage API keys (stored hashed under --home)."""


@apikey_group.command("create")
@click.option("--name", required=True, help="Who uses the key (e.g. app-cpfl).")
@click.option("--scope", type=click.Choice(["integrator", "operator"]), required=True)
@click.option("--installations", default=None,
              help="Comma-separated installation ids an integrator key may see (required for integrators).")
@click.option("--all", "all_installations", is_flag=True, help="Grant an integrator key every installation.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def apikey_create(ctx: click.Context, name: str, scope: str, installations: str | None, all_installations: bool,
                  as_json: bool) -> None:
    """Create a key; it is printed once and stored only as a hash."""
    insts: tuple[str, ...] = ()
    if scope == "integrator":
        if all_installations == (installations is not None):
            raise click.UsageError(t("cli.usage.integrator_scope"))
        insts = ("*",) if all_installations else tuple(x.strip() for x in (installations or "").split(",") if x.strip())
        if not insts or "*" in insts and not all_installations:
            raise click.UsageError(t("cli.usage.installation_ids"))
    key = ApiKeyStore(home_of(ctx)).create(name, scope, insts)  # type: ignore[arg-type]
    if as_json:
        echo_json({"api_key": key, "scope": scope, "installations": list(insts) or ["*"]})
    else:
        click.echo(key)


@apikey_group.command("revoke")
@click.argument("key_id")
@click.pass_context
def apikey_revoke(ctx: click.Context, key_id: str) -> None:
    """Revoke a key (KEY_ID is the part after ``sm_``); running servers refuse it at once."""
    if key_id.startswith("sm_"):
        key_id = key_id.split("_")[1]
    if not ApiKeyStore(home_of(ctx)).revoke(key_id):
        raise click.ClickException(t("cli.usage.no_key", key_id=key_id))
    click.echo(f"revoked {key_id}")


@apikey_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def apikey_list(ctx: click.Context, as_json: bool) -> None:
    """The keys (id, name, scope, installations); never their secrets."""
    keys = ApiKeyStore(home_of(ctx)).list()
    if as_json:
        echo_json(keys)
        return
    for k in keys:
        insts = k["installations"]
        click.echo(f"{k['key_id']}  {k['scope']:<10}  {k['name']}  {','.join(insts) if isinstance(insts, list) else ''}")


@main.group("identification")
def identification_group() -> None:
    """Customer identification: release an installation or phone locked after failed attempts."""


@identification_group.command("unlock")
@click.option("--installation", "installation_id", default=None, help="Installation number to release.")
@click.option("--phone", default=None, help="Phone (E.164, e.g. +5519990010001) to release.")
@click.pass_context
def identification_unlock(ctx: click.Context, installation_id: str | None, phone: str | None) -> None:
    """A person releases a lock (after checking who the customer is by other means)."""
    from assistant.session import SessionStore

    if not installation_id and not phone:
        raise click.UsageError(t("cli.usage.installation_or_phone"))
    sessions = SessionStore(home_of(ctx) / "assistant.sqlite")
    released = [s for s in ([f"inst:{installation_id}"] if installation_id else [])
                + ([f"phone:{phone}"] if phone else []) if sessions.id_release(s)]
    click.echo(f"released {len(released)} lock(s)")


@main.command("alerts")
@click.option("--installation", "installations", multiple=True, help="Limit to these installations.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def alerts_cmd(ctx: click.Context, installations: tuple[str, ...], as_json: bool) -> None:
    """Send proactive high-bill WhatsApp alerts (only when SMARTMETER_PROACTIVE_ENABLED=1)."""
    from dataclasses import asdict

    from channels.config import ChannelSettings
    from channels.proactive import high_bill_alerts
    from tools.api.admin import open_store

    settings = ChannelSettings(home=str(require_home(ctx)))
    store = open_store(home_of(ctx), read_only=True)
    outcomes = high_bill_alerts(store, settings, list(installations) or None)
    if as_json:
        echo_json([asdict(o) for o in outcomes])
    else:
        sent = sum(o.sent for o in outcomes)
        click.echo(f"{sent} alert(s) sent, {len(outcomes) - sent} skipped")


@main.command("engage")
@click.option("--digests/--no-digests", default=True, show_default=True, help="Send the D-1 digests that are due.")
@click.option("--goals/--no-goals", default=True, show_default=True, help="Send the goal alerts that are due.")
@click.option("--installation", "installations", multiple=True, help="Limit to these installations.")
@click.option("--now", "now_text", default=None, help="Wall clock to run as (ISO 8601 with offset; default: now).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def engage_cmd(ctx: click.Context, digests: bool, goals: bool, installations: tuple[str, ...], now_text: str | None,
               as_json: bool) -> None:
    """Send the D-1 digests and goal alerts that are due (opt-in, quiet hours 21h-8h, one digest a day,
    one goal alert a cycle; only when SMARTMETER_PROACTIVE_ENABLED=1). Run it hourly (cron)."""
    from dataclasses import asdict

    from channels.config import ChannelSettings
    from channels.proactive import daily_digests, goal_alerts
    from tools.api.admin import open_store

    now = parse_now(now_text)
    settings = ChannelSettings(home=str(require_home(ctx)))
    store = open_store(home_of(ctx), read_only=True)
    only = list(installations) or None
    outcomes = (daily_digests(store, settings, now, only) if digests else []) + (
        goal_alerts(store, settings, now, only) if goals else [])
    if as_json:
        echo_json([asdict(o) for o in outcomes])
    else:
        sent = sum(o.sent for o in outcomes)
        click.echo(f"{sent} message(s) sent, {len(outcomes) - sent} not due or skipped")
