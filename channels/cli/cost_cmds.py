"""``smartmeter cost``: storage/processing cost estimate, calibration and an HTML report.

    smartmeter cost [options] [--json]
    smartmeter cost calibrate [--lake DIR] [--json]
    smartmeter cost report --out FILE.html [options]

Only :mod:`tools.api` is called (costs, cost_calibration); pt-BR text comes from the catalogue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import click
from pydantic import ValidationError

from channels.cli import main
from channels.cli.common import echo_json, home_of, tool_error_text
from channels.cli.cost_report import render_html, text_summary
from tools.api.cost_calibration import calibrate, current_calibration, lake_check
from tools.api.costs import CostParams, estimate
from tools.errors import ToolError

F = TypeVar("F", bound=Callable[..., Any])

_OPTIONS: list[Callable[[Any], Any]] = [
    click.option(
        "--meters", type=int, default=None, help="Meters of the selected group (default: growth path)."
    ),
    click.option("--group", type=click.Choice(["A", "B"], case_sensitive=False), default=None,
                 help="Tariff group A or B."),
    click.option(
        "--phases", type=click.IntRange(1, 3), default=None, help="Answer for 1-, 2- or 3-phase meters."
    ),
    click.option("--pv/--no-pv", default=None, help="Meters with (or without) distributed generation."),
    click.option(
        "--interval",
        "interval_minutes",
        type=int,
        multiple=True,
        help="Load-profile minutes; repeat to compare.",
    ),
    click.option(
        "--retention", "retention_years", type=float, multiple=True, help="Years; repeat to compare."
    ),
    click.option(
        "--infrastructure",
        multiple=True,
        help="cloud | on_premises | aws | azure | gcp | oci | huawei; repeat.",
    ),
    click.option(
        "--provider", default=None, help="Cloud provider (aws, azure, gcp, oci, huawei or provider:region)."
    ),
    click.option("--region", default=None),
    click.option("--onprem-profile", type=click.Choice(["commodity", "enterprise"]), default="commodity"),
    click.option(
        "--datasets",
        multiple=True,
        help="registers | load_profile | power_quality | events | alarms; repeat.",
    ),
    click.option("--hot-months", type=int, multiple=True, help="MDC hot window (months); repeat to compare."),
    click.option(
        "--fiscal-reads", "fiscal_reads_per_day", type=float, multiple=True, help="Fiscal-page reads a day."
    ),
    click.option("--qee-coverage", type=float, default=None, help="Share of meters logging 10-min voltage."),
    click.option(
        "--fx", "fx_brl_per_usd", type=str, default=None, help="BRL per USD (default: catalogue reference)."
    ),
    click.option(
        "--growth/--steady", default=None, help="Growth path (default without --meters) or steady state."
    ),
    click.option("--eval-month", default=None, help="Month priced (YYYY-MM)."),
    click.option("--no-fixed", "no_fixed", is_flag=True, help="Leave out fixed platform lines (misleading)."),
    click.option(
        "--environments", type=int, default=1, help="Environments paying fixed lines (prod, DR, staging)."
    ),
    click.option("--dr-copy", is_flag=True, help="Second object-store copy in another region."),
    click.option(
        "--warehouse", type=click.Choice(["self_managed", "bigquery", "snowflake"]), default="self_managed"
    ),
    click.option("--safety-factor", type=float, default=None),
    click.option("--no-sensitivity", is_flag=True),
    click.option("--no-calibration", is_flag=True, help="Use literature bytes per value even if calibrated."),
    click.option(
        "--prices",
        "prices_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Your contract prices (JSON, same shape as the catalogue; or $SMARTMETER_COST_PRICES).",
    ),
]


def estimate_options(fn: F) -> F:
    for opt in reversed(_OPTIONS):
        fn = opt(fn)
    return fn


def _one_or_list(values: tuple[Any, ...]) -> Any:
    if not values:
        return None
    return values[0] if len(values) == 1 else list(values)


def params_from(opts: dict[str, Any]) -> CostParams:
    raw: dict[str, Any] = {
        "meters": opts["meters"],
        "group": opts["group"],
        "phases": opts["phases"],
        "pv": opts["pv"],
        "interval_minutes": _one_or_list(opts["interval_minutes"]),
        "retention_years": _one_or_list(opts["retention_years"]),
        "infrastructure": _one_or_list(opts["infrastructure"]),
        "provider": opts["provider"],
        "region": opts["region"],
        "onprem_profile": opts["onprem_profile"],
        "datasets": _one_or_list(opts["datasets"]),
        "hot_months": _one_or_list(opts["hot_months"]),
        "fiscal_reads_per_day": _one_or_list(opts["fiscal_reads_per_day"]),
        "qee_coverage": opts["qee_coverage"],
        "fx_brl_per_usd": Decimal(opts["fx_brl_per_usd"].replace(",", "."))
        if opts["fx_brl_per_usd"]
        else None,
        "growth": opts["growth"],
        "eval_month": opts["eval_month"],
        "fixed_lines": not opts["no_fixed"],
        "environments": opts["environments"],
        "dr_copy": opts["dr_copy"],
        "warehouse": opts["warehouse"],
        "safety_factor": opts["safety_factor"],
        "sensitivity": not opts["no_sensitivity"],
        "use_calibration": not opts["no_calibration"],
    }
    try:
        return CostParams(**{k: v for k, v in raw.items() if v is not None})
    except ValidationError as exc:
        from channels.rest.validation import field_error  # local: FastAPI stays out of the CLI's start-up

        err = exc.errors(include_url=False)[0]
        loc = tuple(err.get("loc") or ())
        hint = f"--{str(loc[0]).replace('_', '-')}" if loc else None
        raise click.BadParameter(field_error({**err, "loc": ("args", *loc)})["message"], param_hint=hint) from exc


def _run(ctx: click.Context, opts: dict[str, Any]) -> Any:
    params = params_from(opts)
    try:
        return estimate(params, home=home_of(ctx), prices_path=opts["prices_path"])
    except ToolError as exc:
        message, errors = tool_error_text(exc.code, dict(exc.context))
        raise click.ClickException(" ".join([message, *(f"{e['field']}: {e['message']}" for e in errors)])) from exc


@main.group("cost", invoke_without_command=True)
@estimate_options
@click.option("--json", "as_json", is_flag=True, help="Print the full result (with trail) as JSON only.")
@click.pass_context
def cost_cmd(ctx: click.Context, as_json: bool, **opts: Any) -> None:
    """Storage and processing cost per meter-month (BRL and USD) by meter type, data product and line."""
    if ctx.invoked_subcommand is not None:
        return
    result = _run(ctx, opts)
    if as_json:
        echo_json(result.to_dict())
    else:
        click.echo(text_summary(result))


@cost_cmd.command("calibrate")
@click.option(
    "--lake",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Also measure an existing lake (a home or its lake/ folder).",
)
@click.option("--meters-per-segment", type=int, default=40, show_default=True)
@click.option("--days", type=int, default=31, show_default=True)
@click.option(
    "--intervals",
    default="5,10,15,30,60",
    show_default=True,
    help="Load-profile intervals to measure; empty: each segment at its own.",
)
@click.option("--seed", type=int, default=20261001, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def calibrate_cmd(
    ctx: click.Context,
    lake: Path | None,
    meters_per_segment: int,
    days: int,
    intervals: str,
    seed: int,
    as_json: bool,
) -> None:
    """Measure bytes per value on our own lake layout; store <home>/calibration.json."""
    from assistant.i18n import format_number, format_pct, t

    home = home_of(ctx)
    ivs = tuple(int(x) for x in intervals.split(",") if x.strip())
    res = calibrate(
        home, lake=lake, meters_per_segment=meters_per_segment, days=days, intervals=ivs, seed=seed
    )
    check = None
    if lake is not None and (lake / "smartmeter.duckdb").is_file():  # a home: its composition is known
        check = lake_check(lake, calibration_home=home)
    if as_json:
        echo_json({"calibration": res.to_dict(), "lake_check": check.to_dict() if check else None})
        return
    click.echo(t("cost.ui.calibration_written", path=res.value.path, rows=len(res.value.rows)))
    click.echo(f"{'':<12}{'':>4} {'':<16}{t('cost.ui.calibrated'):>12}{t('cost.ui.literature'):>12}")
    for r in res.value.rows:
        if r.interval_min in (5, 15):
            click.echo(
                f"{r.segment:<12}{r.interval_min:>4} {r.item:<16}{format_number(r.calibrated, 3):>12}"
                f"{format_number(r.literature, 3):>12}"
            )
    if check is not None:
        v = check.value
        click.echo(
            t(
                "cost.ui.lake_check",
                predicted=format_number(sum(v.predicted_bytes.values()), 0),
                actual=format_number(sum(v.actual_bytes.values()), 0),
                deviation=format_pct(v.error["total"], 1),
            )
        )


@cost_cmd.command("report")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@estimate_options
@click.pass_context
def report_cmd(ctx: click.Context, out: Path, **opts: Any) -> None:
    """Write an HTML report (pt-BR) of the estimate, to attach to a proposal."""
    from assistant.i18n import t

    result = _run(ctx, opts)
    cal = None if opts["no_calibration"] else current_calibration(home_of(ctx))
    stamp = dt.datetime.now().strftime("%d/%m/%Y %H:%M")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(result, cal, stamp), encoding="utf-8")
    click.echo(t("cost.ui.report_written", path=str(out)))
