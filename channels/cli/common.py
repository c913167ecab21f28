"""Helpers shared by the command modules."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import click

from assistant.i18n import t
from tools.types import to_jsonable

STORE_FILE = "smartmeter.duckdb"


def home_of(ctx: click.Context) -> Path:
    home: Path = ctx.find_root().obj["home"]
    return home


def require_home(ctx: click.Context) -> Path:
    """The home of a command that reads data: it must hold a store (a mistyped --home must not
    silently create an empty one)."""
    home = home_of(ctx)
    db = home / STORE_FILE
    if not db.is_file() or db.stat().st_size == 0:
        raise click.ClickException(
            f"Não encontrei dados em {home}. Rode `smartmeter setup` para criar a base de demonstração "
            "(ou `smartmeter ingest` com as exportações do MDM), ou indique a pasta certa com --home "
            "ou SMARTMETER_HOME."
        )
    return home


def parse_now(now_text: str | None) -> dt.datetime | None:
    """``--now`` of the proactive jobs: an ISO 8601 instant with its UTC offset (None: not given)."""
    if not now_text:
        return None
    try:
        now = dt.datetime.fromisoformat(now_text)
    except ValueError:
        raise click.BadParameter(t("cli.usage.now_format"), param_hint="--now") from None
    if now.tzinfo is None:
        raise click.BadParameter(t("cli.usage.now_offset"), param_hint="--now")
    return now


def echo_json(obj: Any) -> None:
    """Print machine output (only JSON) on stdout."""
    click.echo(json.dumps(to_jsonable(obj), ensure_ascii=False, indent=2))


def tool_error_text(code: str, context: dict[str, Any], tool: str = "") -> tuple[str, list[dict[str, Any]]]:
    """A tool error in plain pt-BR (never the raw key), with the invalid fields and their allowed values."""
    from assistant.i18n import has
    from channels.rest.validation import field_error

    message = t(code) if has(code) else t("error.tool")
    errors = [field_error({**e, "loc": ("args", *e.get("loc", ()))}) for e in context.get("errors") or []
              if isinstance(e, dict)]
    if tool and any(e.get("message", "").startswith("Campo não aceito") for e in errors):
        from tools import registry

        accepted = sorted(registry.get(tool).args_model.model_fields)
        for e in errors:
            if e["message"].startswith("Campo não aceito"):
                e["message"] = "Argumento não aceito por esta ferramenta. Aceitos: " + ", ".join(accepted) + "."
                e["allowed"] = accepted
    if code == "error.invalid_period":
        label = context.get("label") or context.get("value")
        given = f" ({label})" if label else ""
        message = (f"{message}{given} Use AAAA-MM (mês de 01 a 12), AAAA-MM-DD, AAAA ou um rótulo como yesterday, "
                   "last_30_days, last_month.")
    if code == "error.unknown_tool":
        from tools import registry

        message = f"{message} Ferramentas: {', '.join(sorted(registry.all_specs()))}."
    return message, errors
