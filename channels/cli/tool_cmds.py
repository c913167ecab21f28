"""``smartmeter tool``: run one registered tool and print its typed result as JSON."""

from __future__ import annotations

import datetime as dt
import json

import click

from channels.cli import main
from channels.cli.common import echo_json, home_of
from tools.api import Scope, ToolContext, run_tool
from tools.api.admin import open_store
from tools.errors import ToolError


@main.command("tool")
@click.argument("name")
@click.option("--installation", "installation_id", default=None, help="Installation id (customer tools).")
@click.option("--args", "args_json", default="{}", help="Tool arguments as JSON.")
@click.option("--today", default=None, help="Override the data's today (YYYY-MM-DD).")
@click.pass_context
def tool_cmd(ctx: click.Context, name: str, installation_id: str | None, args_json: str, today: str | None) -> None:
    """Run tool NAME and print its result (value, units, trail, issues) as JSON."""
    try:
        args = json.loads(args_json)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"--args is not JSON: {exc}") from exc
    store = open_store(home_of(ctx), read_only=True)
    tctx = ToolContext(store=store, scope=Scope.operator(), today=dt.date.fromisoformat(today) if today else None)
    try:
        result = run_tool(name, tctx, installation_id, args)
    except ToolError as exc:
        echo_json({"error": exc.code, "context": exc.context})
        raise SystemExit(2) from exc
    echo_json(result.to_dict())
