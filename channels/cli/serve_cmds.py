"""``serve``, ``copilot`` and ``apikey``: run the API/web chat, the Streamlit copilot, manage keys."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from importlib import resources

import click

from channels.apikeys import ApiKeyStore
from channels.cli import main
from channels.cli.common import echo_json, home_of, require_home


@main.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=8000, type=int)
@click.option("--public-url", default=None, help="Public URL Twilio calls (for the signature check).")
@click.option("--workers", default=2, type=click.IntRange(1, 64), show_default=True,
              help="Worker processes (one per core: the assistant is CPU-bound Python).")
@click.pass_context
def serve_cmd(ctx: click.Context, host: str, port: int, public_url: str | None, workers: int) -> None:
    """REST API, web chat and WhatsApp webhook (FastAPI on uvicorn)."""
    import uvicorn

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
@click.option("--installations", default="*", help="Comma-separated installation ids for integrators ('*' = all).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def apikey_create(ctx: click.Context, name: str, scope: str, installations: str, as_json: bool) -> None:
    """Create a key; it is printed once and stored only as a hash."""
    insts = tuple(x.strip() for x in installations.split(",") if x.strip()) or ("*",)
    key = ApiKeyStore(home_of(ctx)).create(name, scope, insts)  # type: ignore[arg-type]
    if as_json:
        echo_json({"api_key": key, "scope": scope, "installations": list(insts)})
    else:
        click.echo(key)


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
