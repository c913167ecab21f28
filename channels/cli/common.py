"""Helpers shared by the command modules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from tools.types import to_jsonable


def home_of(ctx: click.Context) -> Path:
    home: Path = ctx.find_root().obj["home"]
    return home


def echo_json(obj: Any) -> None:
    """Print machine output (only JSON) on stdout."""
    click.echo(json.dumps(to_jsonable(obj), ensure_ascii=False, indent=2))
