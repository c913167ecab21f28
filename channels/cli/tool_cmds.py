"""``smartmeter tool``: run one registered tool and print its typed result as JSON."""

from __future__ import annotations

import datetime as dt
import json

import click

from channels.cli import main
from channels.cli.common import echo_json, require_home, tool_error_text
from tools.api import Scope, ToolContext, run_tool
from tools.api.admin import open_store
from tools.errors import ToolError


@main.command("tool")
@click.argument("name")
@click.option("--installation", "installation_id", default=None, help="Installation id (customer tools).")
@click.option("--args", "args_json", default="{}", help='Tool arguments as JSON, e.g. \'{"period": "2026-10"}\'.')
@click.option("--today", default=None, help="Override the data's today (YYYY-MM-DD).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the default for this command; errors too).")
@click.pass_context
def tool_cmd(ctx: click.Context, name: str, installation_id: str | None, args_json: str, today: str | None,
             as_json: bool) -> None:
    """Run tool NAME and print its result (value, units, trail, issues) as JSON."""
    try:
        args = json.loads(args_json)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"não é um JSON válido ({exc.msg}, coluna {exc.colno}).", param_hint="--args") from exc
    if not isinstance(args, dict):
        raise click.BadParameter('use um objeto JSON, por exemplo {"period": "2026-10"}.', param_hint="--args")
    try:
        day = dt.date.fromisoformat(today) if today else None
    except ValueError as exc:
        raise click.BadParameter("use uma data AAAA-MM-DD.", param_hint="--today") from exc
    store = open_store(require_home(ctx), read_only=True)
    tctx = ToolContext(store=store, scope=Scope.operator(), today=day)
    try:
        result = run_tool(name, tctx, installation_id, args)
    except ToolError as exc:
        message, errors = tool_error_text(exc.code, dict(exc.context), name)
        echo_json({"error": exc.code, "message": message, "errors": errors})
        lines = [message] + [f"  {e['field']}: {e['message']}" for e in errors]
        click.echo("\n".join(lines), err=True)
        raise SystemExit(2) from exc
    except ValueError as exc:  # a date that does not exist (2026-13, 2026-02-31)
        message = "Data ou período inválido nos argumentos. Use datas AAAA-MM-DD e meses AAAA-MM de 01 a 12."
        echo_json({"error": "error.invalid_period", "message": message, "errors": []})
        click.echo(message, err=True)
        raise SystemExit(2) from exc
    echo_json(result.to_dict())
