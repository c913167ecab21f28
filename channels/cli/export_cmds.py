"""``smartmeter export``: data for other systems.

    smartmeter export powerbi --out DIR [--format parquet|csv ...] [--json]
    smartmeter export outbox [--all] [--ack]

``outbox`` prints the service requests the assistant opened (one JSON line each, format in
docs/outbox.md) for the distributor's CRM/SAP; ``--ack`` marks them delivered.

Writes the Power BI star schema (facts by day: consumption by posto, voltage quality, events;
dimensions: installation, topology, date, posto, event code) as Parquet and CSV, plus a
``manifest.json``. Only :mod:`tools.api.export` is called; the store is opened read-only.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from assistant.i18n import format_date, format_number, t
from channels.cli import main
from channels.cli.common import echo_json, home_of, require_home
from tools.api.calendar import LOCAL_TZ
from tools.api.export import export_powerbi
from tools.api.service_requests import export_outbox


@main.group("export")
def export_group() -> None:
    """Export data for other systems (Power BI, the service-request outbox)."""


@export_group.command("powerbi")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for parquet/, csv/ and manifest.json (created if missing).",
)
@click.option(
    "--format",
    "formats",
    type=click.Choice(["parquet", "csv"]),
    multiple=True,
    help="Formats to write (default both); repeat.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the export summary (tables, rows, files) as JSON."
)
@click.pass_context
def export_powerbi_cmd(ctx: click.Context, out: Path, formats: tuple[str, ...], as_json: bool) -> None:
    """Star schema for Power BI (see docs/powerbi.md)."""
    home = require_home(ctx)
    if not (home / "smartmeter.duckdb").exists():
        raise click.ClickException(t("error.no_data"))
    result = export_powerbi(home, out, formats or ("parquet", "csv"))
    if as_json:
        echo_json(result.to_dict())
        return
    v = result.value
    click.echo(t("export.cli.written", out=str(out), tables=len(v.tables), files=v.n_files))
    if v.first_day and v.last_day:
        click.echo(t("export.cli.period", first=format_date(v.first_day), last=format_date(v.last_day)))
    for table in v.tables:
        click.echo("  " + t("export.cli.table_line", name=table.name, rows=format_number(table.rows, 0)))
    for issue in result.issues:
        click.echo(t(issue.code, **issue.data), err=True)


@export_group.command("outbox")
@click.option("--all", "all_rows", is_flag=True, help="Every request, not only those the CRM has not acknowledged.")
@click.option("--ack", is_flag=True, help="Mark the rows printed as delivered to the CRM (idempotent by protocol).")
@click.pass_context
def export_outbox_cmd(ctx: click.Context, all_rows: bool, ack: bool) -> None:
    """Service requests opened by the assistant, one JSON line each (see docs/outbox.md)."""
    at = dt.datetime.now(LOCAL_TZ) if ack else None
    for record in export_outbox(home_of(ctx), pending_only=not all_rows, acknowledge_at=at):
        click.echo(json.dumps(record, ensure_ascii=False, sort_keys=True))
