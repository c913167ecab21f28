"""Data commands: ``demo-data``, ``ingest``, ``setup``, ``installations``.

All of them go through :mod:`tools.api.admin` (channels never touch the data layer).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from assistant.i18n import t
from channels.cli import main
from channels.cli.common import echo_json, home_of, require_home
from tools.api import admin
from tools.types import to_jsonable

#: ``smartmeter setup`` (what ``make run`` builds): the demo fleet size on embedded defaults.
SETUP_METERS = 200
SETUP_MONTHS = 13
SETUP_SEED = 7


def _date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(t("cli.usage.date_format")) from exc


def _progress(flag: bool | None) -> bool:
    return sys.stderr.isatty() if flag is None else flag


def report_dict(report: admin.IngestReport) -> dict[str, Any]:
    out: dict[str, Any] = to_jsonable(report)
    out["balanced"] = report.balanced
    out["ok"] = report.ok
    return out


def _fmt_report(report: admin.IngestReport) -> list[str]:
    width = max([len(Path(f.source).name) for f in report.files] + [5])
    head = f"{'file':<{width}}  {'kind':<17} {'input':>10} {'accepted':>10} {'duplicate':>10} {'quarantined':>11}"
    lines = [head, "-" * len(head)]
    for f in report.files:
        name = Path(f.source).name
        if f.error:
            lines.append(f"{name:<{width}}  {f.kind:<17} ERROR {f.error}")
            continue
        note = "  (already ingested)" if f.skipped else ""
        lines.append(
            f"{name:<{width}}  {f.kind:<17} {f.input:>10} {f.accepted:>10} {f.duplicate:>10} {f.quarantined:>11}{note}"
        )
    lines.append("-" * len(head))
    lines.append(
        f"{'total':<{width}}  {'':<17} {report.input:>10} {report.accepted:>10} {report.duplicate:>10} "
        f"{report.quarantined:>11}"
    )
    if report.reasons:
        lines.append("quarantined by reason: " + ", ".join(f"{k}={v}" for k, v in report.reasons.items()))
    lines.append(f"accepted + duplicate + quarantined == input: {report.balanced}  ({report.seconds:.1f} s)")
    return lines


@main.command("demo-data")
@click.option("--meters", default=60, show_default=True, type=click.IntRange(1))
@click.option("--months", default=13, show_default=True, type=click.IntRange(1))
@click.option("--seed", default=7, show_default=True, type=int)
@click.option(
    "--end", default=None, callback=_date, help="Last day of the fleet (YYYY-MM-DD, default 2026-11-25)."
)
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), help="Output directory (CSV exports)."
)
@click.option(
    "--direct",
    is_flag=True,
    help="Write the fleet straight into the store at --home (lake + registers, no CSV): scale fleets.",
)
@click.option(
    "--workers", default=2, show_default=True, type=click.IntRange(1), help="Processes for --direct."
)
@click.option(
    "--progress/--no-progress", default=None, help="Progress bar on stderr (default: when a terminal)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the fleet metadata as JSON.")
@click.pass_context
def demo_data_cmd(
    ctx: click.Context,
    meters: int,
    months: int,
    seed: int,
    end: dt.date | None,
    out: Path | None,
    direct: bool,
    workers: int,
    progress: bool | None,
    as_json: bool,
) -> None:
    """Write a seeded synthetic fleet as the MDM exports it (CSV jobs + a meter-reads stream file),
    or with --direct straight into the store (the same model; for fleets of 10k-100k+ meters)."""
    if direct:
        home = home_of(ctx)
        meta = admin.build_scale_fleet(
            home,
            meters,
            months=months,
            seed=seed,
            end=end or admin.DEMO_END,
            workers=workers,
            progress=_progress(progress),
        )
        if as_json:
            echo_json(meta)
            return
        b = meta["build"]
        click.echo(
            f"{meters} meters x {months} months (seed {seed}) built in {home} in {b['wall_s']:.1f} s "
            f"(CPU {b['cpu_s']:.1f} s): {b['rows']['load_profile']:,} load-profile rows, "
            f"lake {b['lake_bytes'] / 1e6:,.1f} MB"
        )
        return
    if out is None:
        raise click.UsageError(t("cli.usage.out_required"))
    meta = admin.generate_demo(
        out, meters=meters, months=months, seed=seed, end=end or admin.DEMO_END, progress=_progress(progress)
    )
    if as_json:
        echo_json(meta)
        return
    files = sorted(p.name for p in out.iterdir() if p.is_file())
    click.echo(f"{meters} meters x {months} months (seed {seed}) written to {out}: {', '.join(files)}")


@main.command("ingest")
@click.argument("paths", nargs=-1, required=False, type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Re-process files whose content was already ingested.")
@click.option(
    "--progress/--no-progress", default=None, help="Progress bar on stderr (default: when a terminal)."
)
@click.option("--json", "as_json", is_flag=True, help="Print only the ingest report as JSON.")
@click.option("--kafka", "kafka", default=None, metavar="BOOTSTRAP",
              help="Consume the meter-reads topic from these brokers (host:port[,...]) instead of files.")
@click.option("--topic", default="meter-reads", show_default=True, help="Kafka topic (with --kafka).")
@click.option("--group", default="smartmeter-ingest", show_default=True, help="Consumer group (with --kafka).")
@click.option("--partition", "partitions", multiple=True, type=click.IntRange(0),
              help="Read these partitions (assign; repeat) instead of joining the group's rebalance.")
@click.option("--batch-size", default=50_000, show_default=True, type=click.IntRange(1),
              help="Messages per batch (one validation, swap and offset commit each).")
@click.option("--idle-timeout", default=10.0, show_default=True, type=float,
              help="Stop after this many seconds without messages (0: run until stopped).")
@click.option("--max-batches", default=None, type=click.IntRange(1), help="Stop after this many batches.")
@click.pass_context
def ingest_cmd(
    ctx: click.Context,
    paths: tuple[Path, ...],
    force: bool,
    progress: bool | None,
    as_json: bool,
    kafka: str | None,
    **stream: Any,
) -> None:
    """Ingest MDM CSV jobs and meter_reads*.jsonl stream files (idempotent; bad records quarantined),
    or the live meter-reads topic with --kafka."""
    if kafka:
        if paths:
            raise click.UsageError(t("cli.usage.files_or_kafka"))
        _ingest_kafka(ctx, kafka, as_json, **stream)
        return
    if not paths:
        raise click.UsageError(t("cli.usage.nothing_to_ingest"))
    report = admin.ingest_paths(home_of(ctx), paths, progress=_progress(progress), force=force)
    if as_json:
        echo_json(report_dict(report))
    else:
        for line in _fmt_report(report):
            click.echo(line)
        for path in report.ignored:
            click.echo(f"ignored (not a data file): {path}", err=True)
    if report.errors:
        raise SystemExit(1)


def _ingest_kafka(ctx: click.Context, bootstrap: str, as_json: bool, **opt: Any) -> None:
    """One line per committed batch (a JSON object with --json), then the totals.

    ``opt``: the --topic, --group, --partition, --batch-size, --idle-timeout, --max-batches values."""
    from tools.api.stream import ingest_kafka

    def on_batch(rep: admin.FileReport, offsets: dict[int, int]) -> None:
        if as_json:
            click.echo(json.dumps({"batch": to_jsonable(rep), "committed_offsets": offsets}, default=str))
        else:
            done = ", ".join(f"p{p}@{o}" for p, o in sorted(offsets.items()))
            click.echo(
                f"batch {rep.input:>8} records: accepted {rep.accepted}, duplicate {rep.duplicate}, "
                f"quarantined {rep.quarantined}; committed {done}"
            )

    report = ingest_kafka(
        home_of(ctx),
        bootstrap,
        opt["topic"],
        group=opt["group"],
        partitions=list(opt["partitions"]) or None,
        batch_messages=opt["batch_size"],
        idle_s=opt["idle_timeout"] or None,
        max_batches=opt["max_batches"],
        on_batch=on_batch,
    )
    if as_json:
        click.echo(json.dumps({"total": report_dict(report)}, default=str))
    else:
        click.echo(
            f"total {report.input} records in {len(report.files)} batches: accepted {report.accepted}, "
            f"duplicate {report.duplicate}, quarantined {report.quarantined}; balanced: {report.balanced}"
        )


@main.command("setup")
@click.option("--meters", default=SETUP_METERS, show_default=True, type=click.IntRange(1))
@click.option("--months", default=SETUP_MONTHS, show_default=True, type=click.IntRange(1))
@click.option("--seed", default=SETUP_SEED, show_default=True, type=int)
@click.option(
    "--end", default=None, callback=_date, help="Last day of the fleet (YYYY-MM-DD, default 2026-11-25)."
)
@click.option(
    "--knowledge/--no-knowledge", default=True, show_default=True, help="Also build the knowledge index."
)
@click.option(
    "--progress/--no-progress", default=None, help="Progress bar on stderr (default: when a terminal)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the demo metadata (with build figures) as JSON.")
@click.pass_context
def setup_cmd(
    ctx: click.Context,
    meters: int,
    months: int,
    seed: int,
    end: dt.date | None,
    knowledge: bool,
    progress: bool | None,
    as_json: bool,
) -> None:
    """Build the demo store (demo data + ingest + knowledge index) once, on embedded defaults."""
    home = home_of(ctx)
    t0 = time.perf_counter()
    meta = admin.build_demo(
        home,
        meters=meters,
        months=months,
        seed=seed,
        end=end or admin.DEMO_END,
        progress=_progress(progress),
    )
    if knowledge:
        from assistant.admin import build_knowledge_index

        t_k = time.perf_counter()
        kb = build_knowledge_index(home)
        meta.setdefault("build", {})["knowledge"] = {k: kb.get(k) for k in ("articles", "chunks", "embedded_articles")}
        meta["build"]["knowledge_s"] = round(time.perf_counter() - t_k, 2)
    if as_json:
        echo_json(meta)
        return
    build = meta.get("build", {})
    ing = build.get("ingest", {})
    click.echo(
        f"demo store ready in {home} ({meters} meters x {months} months, seed {seed}; {time.perf_counter() - t0:.1f} s): "
        f"{ing.get('accepted', 0)} records accepted, {ing.get('quarantined', 0)} quarantined; "
        f"knowledge index: {'yes' if build.get('knowledge') else 'no'}"
    )


@main.command("installations")
@click.option("--group", type=click.Choice(["A", "B"], case_sensitive=False), default=None)
@click.option(
    "--gd/--no-gd", default=None, help="Only installations with (or without) distributed generation."
)
@click.option("--modality", default=None, help="Tariff modality: convencional, branca, verde, azul.")
@click.option("--limit", default=None, type=click.IntRange(0))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def installations_cmd(
    ctx: click.Context,
    group: str | None,
    gd: bool | None,
    modality: str | None,
    limit: int | None,
    as_json: bool,
) -> None:
    """List installations with their key attributes (never name, CPF or phone)."""
    rows = admin.list_installations(require_home(ctx), group=group.upper() if group else None, gd=gd, modality=modality, limit=limit)
    if as_json:
        echo_json(rows)
        return
    cols = (
        "installation_id",
        "group_code",
        "subgroup",
        "phases",
        "tariff_modality",
        "gd_kind",
        "gd_kwp",
        "feeder_id",
        "transformer_id",
        "municipality",
    )
    table = [[_cell(r[c]) for c in cols] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in table]) for i, c in enumerate(cols)]
    click.echo("  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)).rstrip())
    for row in table:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    click.echo(f"({len(rows)} installations)")


def _cell(v: object) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


# ----------------------------------------------------------------------------- fleet jobs


@main.group("fleet")
def fleet_group() -> None:
    """Fleet jobs (DRP/DRC, DIC/FIC, exposure, completeness, consumption, outages, tamper,
    deadlines, Power BI) as Parquet result tables, on DuckDB or Spark over the same lake."""


@fleet_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def fleet_list_cmd(as_json: bool) -> None:
    """The fleet jobs and the tables each writes."""
    from tools.fleetjobs import JOBS

    if as_json:
        echo_json({j.name: {"summary": j.summary, "tables": list(j.tables)} for j in JOBS.values()})
        return
    for j in JOBS.values():
        click.echo(f"{j.name:<13} {j.summary}")
        click.echo(f"{'':<13} -> {', '.join(j.tables)}")


@fleet_group.command("run")
@click.argument("job")
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True)
@click.option("--master", default="local[2]", show_default=True,
              help="Spark master URL (spark://host:7077, yarn, k8s://...; with --engine spark).")
@click.option("--lake", default=None, help="Lake URI for Spark (default <home>/lake; s3a://..., abfss://...).")
@click.option("--out", default=None, help="Where the result tables go (default <home>/fleet).")
@click.option("--period", default=None, help="Period label (default last_month): last_week, 2026-10...")
@click.option("--today", default=None, callback=_date, help="The data's today (default: from the store).")
@click.option("--conf", "conf", multiple=True, help="Extra Spark setting key=value (repeat).")
@click.option("--json", "as_json", is_flag=True, help="Print the job results as JSON.")
@click.pass_context
def fleet_run_cmd(
    ctx: click.Context,
    job: str,
    engine: str,
    master: str,
    lake: str | None,
    out: str | None,
    period: str | None,
    today: dt.date | None,
    conf: tuple[str, ...],
    as_json: bool,
) -> None:
    """Run JOB (or ``all``) and write its result tables as Parquet under <out>/<job>/."""
    from tools.fleetjobs import run

    settings = {}
    for item in conf:
        key, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(t("cli.usage.conf_format", item=item), param_hint="--conf")
        settings[key] = value
    results = run(
        home_of(ctx),
        job,
        engine=engine,
        master=master,
        lake=lake,
        out=out,
        period=period,
        today=today,
        conf=settings,
        note=None if as_json else (lambda line: click.echo(f"  {line}")),
    )
    if as_json:
        echo_json(results)
        return
    for r in results:
        click.echo(f"{r.job} on {r.engine} (today {r.today}): {len(r.tables)} tables in {r.seconds:.1f} s")


@fleet_group.command("publish")
@click.option("--lake", default=None, help="Local lake directory (default <home>/lake).")
@click.pass_context
def fleet_publish_cmd(ctx: click.Context, lake: str | None) -> None:
    """Snapshot the register tables (installations without customer keys, event codes, service
    requests) to <lake>/_registers/, for engines that read only the lake."""
    from tools.fleetjobs import publish

    for table, rows in publish(home_of(ctx), lake).items():
        click.echo(f"{table}: {rows} rows")
