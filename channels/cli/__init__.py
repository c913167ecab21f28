"""``smartmeter`` command line. One module per area registers its commands on ``main``.

Click's usage errors and headings reach the operators in pt-BR (``channels.cli.pt_br``)."""

from __future__ import annotations

import importlib
import logging
import os
from pathlib import Path

import click

from channels.cli.pt_br import PtBrGroup, click_in_pt_br

_COMMAND_MODULES = (
    "channels.cli.data_cmds",
    "channels.cli.tool_cmds",
    "channels.cli.cost_cmds",
    "channels.cli.assistant_cmds",
    "channels.cli.serve_cmds",
    "channels.cli.export_cmds",
    "channels.cli.notice_cmds",
)


def default_home() -> Path:
    return Path(os.environ.get("SMARTMETER_HOME", ".smartmeter"))


@click.group(cls=PtBrGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where the DuckDB file, Parquet lake, vector index and logs live "
                   "(default $SMARTMETER_HOME, else ./.smartmeter).")
@click.option("-v", "--verbose", is_flag=True, help="Log debug output to stderr.")
@click.pass_context
def main(ctx: click.Context, home: Path | None, verbose: bool) -> None:
    """Smart-meter platform: data, tools, customer assistant and operator copilot."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    ctx.ensure_object(dict)
    ctx.obj["home"] = home or default_home()


with click_in_pt_br():  # texts Click fixes when a command is declared (e.g. "pasta" of a click.Path)
    for _mod in _COMMAND_MODULES:
        importlib.import_module(_mod)
