"""``outage-notices``: the proactive outage notices that are due (see channels/outage_notices.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

import click

from channels.cli import main
from channels.cli.common import echo_json, home_of, parse_now, require_home
from tools.api.calendar import LOCAL_TZ


@main.command("outage-notices")
@click.option("--now", "now_text", default=None, help="Wall clock to run as (ISO 8601 with offset; default: now).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def outage_notices_cmd(ctx: click.Context, now_text: str | None, as_json: bool) -> None:
    """Tell the opted-in customers under an outage that it is known, and when the supply is back, how
    long it lasted and whether it counts in DIC/FIC (quiet hours 21h-8h, at most 4 a day; only when
    SMARTMETER_PROACTIVE_ENABLED=1). Run it every 5 minutes (cron)."""
    from channels.config import ChannelSettings
    from channels.outage_notices import outage_notices
    from tools.api.admin import open_store

    now = parse_now(now_text) or dt.datetime.now(LOCAL_TZ)
    settings = ChannelSettings(home=str(require_home(ctx)))
    store = open_store(home_of(ctx), read_only=True)
    outcomes = outage_notices(store, settings, now)
    if as_json:
        echo_json([{k: v for k, v in asdict(o).items() if k != "body"} for o in outcomes])
    else:
        sent = sum(o.sent for o in outcomes)
        click.echo(f"{sent} notice(s) sent, {len(outcomes) - sent} not sent")
