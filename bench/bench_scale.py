"""Scale bench: fleets of 1k, 10k and 100k meters built straight into the lake, then per size the
build, storage, customer-tool latency and fleet-job throughput, and each figure's growth exponent.

Per size (``--sizes``), a fleet home ``<data>/fleet-<meters>-<months>m`` is built with
``smartmeter demo-data --direct`` (the demo model, no CSV; reused when it exists with the same
parameters). Each size is measured in its own process (``--one``) so that peak memory is per size:

* build: wall and CPU seconds, peak RSS of the build (recorded in its metadata), rows per table;
* storage: lake bytes per table, bytes per reading per load-profile channel (and per resolution:
  the row groups of one ``interval_min``; lake files keep resolutions apart), DuckDB file size;
* customer tools (``bench_tools.CUSTOMER``, the same scenario installations at every size): cold
  (first call on a freshly opened store) and warm wall p50/p95 with CPU p50;
* fleet jobs for the last full month: DRP/DRC and DIC/FIC rankings, compensation exposure,
  completeness, and the Power BI export of the whole store: seconds (wall and CPU) and readings/s;
* the growth exponent *b* of each figure ~ meters^b (least squares on log-log over the sizes).

The machine is shared while others work: wall time includes waiting for a core; CPU time is
printed beside it.

    .venv/bin/python bench/bench_scale.py --sizes 1000,10000,100000 --data ../scale-data
    .venv/bin/python bench/bench_scale.py --sizes 1000 --months 2 --repeat 3   # quick
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pyarrow.parquet as pq  # noqa: E402
from bench_tools import CUSTOMER, label, pct, pick_installations, timed  # noqa: E402

from tools.api import Scope, ToolContext, run_tool  # noqa: E402
from tools.api.admin import build_scale_fleet  # noqa: E402
from tools.api.export import export_powerbi  # noqa: E402
from tools.api.quality_common import voltage_sets  # noqa: E402
from tools.data import schema  # noqa: E402
from tools.data.store import Store  # noqa: E402

LAKE_TABLES = tuple(schema.LAKE_TABLES)
CHANNEL_COLUMNS = {col: code for code, (col, _s) in schema.CHANNELS.items()}
# fmt: off
MONTH_JOBS: list[tuple[str, str, dict[str, Any], str]] = [
    # (label, tool, args, what its readings are; "2x": the tool also computes the previous period)
    ("DRP ranking (month + previous)", "quality_ranking", {"indicator": "DRP", "level": "meter"}, "voltage 2x"),
    ("DRC ranking (month + previous)", "quality_ranking", {"indicator": "DRC", "level": "meter"}, "voltage 2x"),
    ("DIC ranking (month + previous)", "quality_ranking", {"indicator": "DIC", "level": "meter"}, "events 2x"),
    ("FIC ranking (month + previous)", "quality_ranking", {"indicator": "FIC", "level": "meter"}, "events 2x"),
    ("compensation exposure", "compensation_exposure", {}, "voltage+events"),
    ("data completeness", "data_completeness", {}, "load_profile"),
]
# fmt: on


# ---------------------------------------------------------------------------------- storage


def storage(home: Path) -> dict[str, Any]:
    """Lake bytes per table; B/reading per load-profile channel, overall and per interval."""
    out: dict[str, Any] = {"tables": {}, "channels": {}, "by_interval": {}}
    size: dict[str, int] = defaultdict(int)
    values: dict[str, int] = defaultdict(int)
    by_int_size: dict[tuple[int, str], int] = defaultdict(int)
    by_int_values: dict[tuple[int, str], int] = defaultdict(int)
    for table in LAKE_TABLES:
        files = sorted((home / "lake" / table).glob("month=*/*.parquet"))
        total = sum(f.stat().st_size for f in files)
        rows = 0
        for f in files:
            md = pq.ParquetFile(f).metadata
            rows += md.num_rows
            if table != "load_profile":
                continue
            for g in range(md.num_row_groups):
                rg = md.row_group(g)
                cols = {rg.column(j).path_in_schema: rg.column(j) for j in range(rg.num_columns)}
                st = cols["interval_min"].statistics
                interval = int(st.min) if st is not None and st.has_min_max and st.min == st.max else 0
                for name, col in cols.items():
                    nulls = col.statistics.null_count if col.statistics is not None else 0
                    n = col.num_values - (nulls or 0)
                    size[name] += col.total_compressed_size
                    values[name] += n
                    by_int_size[(interval, name)] += col.total_compressed_size
                    by_int_values[(interval, name)] += n
        out["tables"][table] = {"files": len(files), "rows": rows, "bytes": total}
    readings = sum(values[c] for c in CHANNEL_COLUMNS)
    lp = out["tables"]["load_profile"]
    out["load_profile_readings"] = readings
    out["load_profile_b_per_reading"] = lp["bytes"] / max(readings, 1)
    for col, code in CHANNEL_COLUMNS.items():
        if values[col]:
            out["channels"][code] = {"readings": values[col], "b_per_reading": size[col] / values[col]}
    keys = ("installation_id", "ts", "interval_min", "quality")
    out["key_b_per_row"] = sum(size[k] for k in keys) / max(lp["rows"], 1)
    for (interval, col), n in sorted(by_int_values.items()):
        if col in CHANNEL_COLUMNS and n and interval:
            out["by_interval"].setdefault(str(interval), {})[CHANNEL_COLUMNS[col]] = (
                by_int_size[(interval, col)] / n
            )
    out["lake_bytes"] = sum(t["bytes"] for t in out["tables"].values())
    db = home / "smartmeter.duckdb"
    out["duckdb_bytes"] = db.stat().st_size if db.exists() else 0
    return out


# ---------------------------------------------------------------------------------- one size


def measure(home: Path, args: argparse.Namespace) -> dict[str, Any]:
    res: dict[str, Any] = {"home": str(home)}
    meta = json.loads((home / "demo_metadata.json").read_text())
    res["build"] = meta["build"]
    res["storage"] = storage(home)
    with Store(home) as rw:  # read-write open: aggregates in sync (built by the generator)
        t0, c0 = time.perf_counter(), time.process_time()
        rw.sync_usage()
        res["open_rw_s"] = time.perf_counter() - t0
        res["open_rw_cpu_s"] = time.process_time() - c0
        today = rw.data_today() or dt.date.today()
        res["voltage_days_ready"] = rw.voltage_days_ready()  # the DRP/DRC job reads per-day figures
        ids = pick_installations(home, rw, args.installations)
        res["usage_rows"] = {
            "hourly": rw.scalar("SELECT count(*) FROM usage_hourly"),
            "daily": rw.scalar("SELECT count(*) FROM usage_daily"),
        }
    res["today"], res["installations"] = str(today), ids
    with Store(home, read_only=True) as ro:  # what the service does at start, in the background
        t0, c0 = time.perf_counter(), time.process_time()
        res["lake_index_months"] = ro.warm_lake_index()
        res["lake_index_s"] = time.perf_counter() - t0
        res["lake_index_cpu_s"] = time.process_time() - c0
    res["tools"] = tools(home, today, ids, args)
    res["jobs"] = jobs(home, today, args)
    res["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return res


def _open(home: Path, threads: int | None) -> Store:
    store = Store(home, read_only=True)
    if threads:
        store.con.execute(f"SET threads = {int(threads)}")
    return store


def tools(home: Path, today: dt.date, ids: list[str], args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for call in CUSTOMER:  # cold: the first call of each tool on a freshly opened store
        store = _open(home, args.threads)
        ctx = ToolContext(store=store, scope=Scope.operator(), today=today)
        w, c, _ = timed(lambda ctx=ctx, call=call: run_tool(call[0], ctx, ids[0], call[1]))
        out[label(call)] = {"cold_ms": w, "cold_cpu_ms": c}
        store.close()
    store = _open(home, args.threads)
    ctx = ToolContext(store=store, scope=Scope.operator(), today=today)
    for call in CUSTOMER:  # one warm-up per tool and installation
        for iid in ids:
            timed(lambda iid=iid, call=call: run_tool(call[0], ctx, iid, call[1]))
    walls: dict[str, list[float]] = defaultdict(list)
    cpus: dict[str, list[float]] = defaultdict(list)
    for _rep in range(args.repeat):
        for call in CUSTOMER:
            for iid in ids:
                w, c, _ = timed(lambda iid=iid, call=call: run_tool(call[0], ctx, iid, call[1]))
                walls[label(call)].append(w)
                cpus[label(call)].append(c)
    store.close()
    for lab, ws in walls.items():
        out[lab].update(
            p50=statistics.median(ws),
            p95=pct(ws, 0.95),
            cpu_p50=statistics.median(cpus[lab]),
            cpu_p95=pct(cpus[lab], 0.95),
        )
    every = [x for ws in walls.values() for x in ws]
    every_cpu = [x for cs in cpus.values() for x in cs]
    out["all calls"] = {
        "p50": statistics.median(every),
        "p95": pct(every, 0.95),
        "cpu_p50": statistics.median(every_cpu),
        "cpu_p95": pct(every_cpu, 0.95),
    }
    return out


def _readings(store: Store, kind: str, start: dt.date, end: dt.date) -> int:
    if kind.endswith(" 2x"):  # the period and the previous period of the same length
        kind, start = kind[:-3], start - (end - start)
    period = [dt.datetime.combine(start, dt.time()), dt.datetime.combine(end, dt.time())]
    n = 0
    if "voltage" in kind:
        n += store.scalar(
            "SELECT count(v_a_dv) + count(v_b_dv) + count(v_c_dv) FROM voltage_10min WHERE ts >= ? AND ts < ?",
            period,
        )
    if "events" in kind:
        n += store.scalar("SELECT count(*) FROM events WHERE ts >= ? AND ts < ?", period)
    if kind == "load_profile":
        cols = " + ".join(f"count({c})" for c in CHANNEL_COLUMNS)
        n += store.scalar(f"SELECT {cols} FROM load_profile WHERE ts >= ? AND ts < ?", period)
    if kind == "all":
        cols = " + ".join(f"count({c})" for c in CHANNEL_COLUMNS)
        n += store.scalar(f"SELECT {cols} FROM load_profile")
        n += store.scalar("SELECT count(v_a_dv) + count(v_b_dv) + count(v_c_dv) FROM voltage_10min")
        n += store.scalar("SELECT count(*) FROM events")
    return int(n)


def _failed(result: Any) -> bool:
    """``timed`` returns ("error", name, message) when the call raised a ToolError."""
    return (
        isinstance(result, tuple) and len(result) == 3 and isinstance(result[0], str) and result[0] == "error"
    )


def _figures(readings: int, wall_ms: float, cpu_ms: float, ok: bool) -> dict[str, Any]:
    return {
        "s": wall_ms / 1000,
        "cpu_s": cpu_ms / 1000,
        "readings": readings,
        "readings_per_s": readings / max(wall_ms / 1000, 1e-9),
        "readings_per_cpu_s": readings / max(cpu_ms / 1000, 1e-9),
        "ok": ok,
    }


def jobs(home: Path, today: dt.date, args: argparse.Namespace) -> dict[str, Any]:
    """Fleet jobs over the last full month of data (the month to date when there is none)."""
    with Store(home, read_only=True) as s:
        first = s.scalar("SELECT min(day) FROM usage_daily")
    month_end = today.replace(day=1)
    month_start = (month_end - dt.timedelta(days=1)).replace(day=1)
    if first is None or first > month_start:
        month_start, month_end = today.replace(day=1), today
    period = {"start": str(month_start), "end": str(month_end - dt.timedelta(days=1))}
    out: dict[str, Any] = {"period": period}
    store = _open(home, args.threads)
    ctx = ToolContext(store=store, scope=Scope.operator(), today=today)
    try:
        # the monthly DRP/DRC of every installation: one set-based query (quality_voltage_sets.sql)
        t0 = dt.datetime.combine(month_start, dt.time())
        t1 = dt.datetime.combine(month_end, dt.time())
        t_ext = min(t1 + dt.timedelta(days=7), dt.datetime.combine(today, dt.time()))
        n = _readings(store, "voltage", month_start, t_ext.date())
        w, c, sets = timed(lambda: voltage_sets(store, t0, t1, t_ext))
        out["DRP/DRC voltage sets (fleet, month)"] = _figures(n, w, c, not _failed(sets))
        for lab, tool, targs, kind in MONTH_JOBS:
            n = _readings(store, kind, month_start, month_end)
            w, c, result = timed(
                lambda tool=tool, targs=targs: run_tool(tool, ctx, None, {**targs, "period": period})
            )
            out[lab] = _figures(n, w, c, not _failed(result))
        n = _readings(store, "all", month_start, month_end)
        tmp = Path(tempfile.mkdtemp(prefix="bench_scale_pbi_"))
        try:
            w, c, _ = timed(lambda: export_powerbi(store, tmp, formats=("parquet",)))
            out["Power BI export (all months)"] = _figures(n, w, c, True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    finally:
        store.close()
    return out


# ---------------------------------------------------------------------------------- orchestration


def exponent(sizes: list[int], ys: list[float]) -> float | None:
    pts = [(math.log(s), math.log(y)) for s, y in zip(sizes, ys, strict=True) if y and y > 0]
    if len(pts) < 2:
        return None
    mx = statistics.fmean(p[0] for p in pts)
    my = statistics.fmean(p[1] for p in pts)
    den = sum((x - mx) ** 2 for x, _ in pts)
    return sum((x - mx) * (y - my) for x, y in pts) / den if den else None


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    la = os.getloadavg()
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {mem:.0f} GiB RAM, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}; load average at start {la[0]:.1f} {la[1]:.1f} {la[2]:.1f}"
    )


def build(meters: int, args: argparse.Namespace) -> Path:
    home = Path(args.data) / f"fleet-{meters}-{args.months}m"
    t0 = time.perf_counter()
    meta = build_scale_fleet(
        home, meters, months=args.months, seed=args.seed, workers=args.workers, progress=args.progress
    )
    b = meta["build"]
    reused = time.perf_counter() - t0 < b["wall_s"] / 2
    cpu = f"{b['cpu_s']:.0f} s CPU" if b.get("cpu_s") is not None else "CPU not recorded"
    print(
        f"fleet {meters:,} x {args.months} months: {'reused' if reused else 'built'} {home} "
        f"(build {b['wall_s']:.0f} s wall, {cpu})",
        flush=True,
    )
    return home


def run_one(meters: int, args: argparse.Namespace) -> dict[str, Any]:
    home = build(meters, args)
    cmd = [sys.executable, __file__, "--one", str(home), "--repeat", str(args.repeat)]
    cmd += ["--installations", str(args.installations)] + (
        ["--threads", str(args.threads)] if args.threads else []
    )
    out = Path(tempfile.mkstemp(prefix="bench_scale_", suffix=".json")[1])
    subprocess.run([*cmd, "--json", str(out)], check=True)
    res: dict[str, Any] = json.loads(out.read_text())
    out.unlink()
    res["meters"] = meters
    res["repeat"] = args.repeat
    res["machine"] = machine()
    return res


def report(results: list[dict[str, Any]], args: argparse.Namespace) -> list[str]:
    sizes = [r["meters"] for r in results]
    lines = [f"machine: {machine()}", ""]
    head = "| figure | " + " | ".join(f"{s:,} meters" for s in sizes) + " | exponent b |"
    lines += [head, "|---" * (len(sizes) + 2) + "|"]

    def row(name: str, vals: list[float | None], fmt: str = "{:,.1f}", exp: bool = True) -> None:
        cells = [fmt.format(v) if v is not None else "-" for v in vals]
        b = exponent(sizes, [v or 0.0 for v in vals]) if exp else None
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {'' if b is None else f'{b:+.2f}'} |")

    g = [r["build"] for r in results]
    st = [r["storage"] for r in results]
    row("build wall s", [x["wall_s"] for x in g])
    row("build CPU s", [x["cpu_s"] for x in g])
    row("build peak RSS MB", [x.get("peak_rss_mb") for x in g], "{:,.0f}")
    row("load-profile rows (M)", [x["rows"]["load_profile"] / 1e6 for x in g], "{:,.2f}")
    row("lake MB", [s["lake_bytes"] / 1e6 for s in st])
    for t in LAKE_TABLES:
        row(f"  {t} MB", [s["tables"][t]["bytes"] / 1e6 for s in st], "{:,.2f}")
    row("DuckDB file MB", [s["duckdb_bytes"] / 1e6 for s in st])
    row(
        "load profile B/reading (all channels, keys included)",
        [s["load_profile_b_per_reading"] for s in st],
        "{:.3f}",
        False,
    )
    row("  keys (id, ts, interval, quality) B/row", [s["key_b_per_row"] for s in st], "{:.3f}", False)
    for code in schema.CHANNELS:
        if all(code in s["channels"] for s in st):
            row(f"  {code} B/reading", [s["channels"][code]["b_per_reading"] for s in st], "{:.3f}", False)
    for interval in ("15", "60", "5"):
        for code in ("AE_FWD", "RE_Q1", "V_A", "I_A"):
            vals = [s["by_interval"].get(interval, {}).get(code) for s in st]
            if any(v is not None for v in vals):
                row(f"  {code} B/reading, {interval}-minute row groups", vals, "{:.3f}", False)
    row("measure process peak RSS MB", [r["peak_rss_mb"] for r in results], "{:,.0f}")
    row("store open read-write + aggregate sync wall s", [r.get("open_rw_s") for r in results], "{:,.2f}")
    row("store open read-write + aggregate sync CPU s", [r.get("open_rw_cpu_s") for r in results], "{:,.2f}")
    row("lake index warm-up at service start wall s", [r.get("lake_index_s") for r in results], "{:,.2f}")
    row("lake index warm-up at service start CPU s", [r.get("lake_index_cpu_s") for r in results], "{:,.2f}")
    row("lake index months with file membership read", [r.get("lake_index_months") for r in results], "{:,}", exp=False)
    lines += [
        "",
        "Customer tools (ms, wall/CPU; cold = first call on a new connection; warm over "
        f"{args.repeat} repetitions x {len(results[0]['installations'])} installations):",
        "",
    ]
    lines += [
        head.replace("figure", "tool: cold / warm p50 / warm p95 (wall/CPU)").replace(
            "exponent b", "b (p50 / CPU)"
        ),
        "|---" * (len(sizes) + 2) + "|",
    ]
    for lab in results[0]["tools"]:
        if lab == "all calls":
            continue
        cells = []
        for r in results:
            t = r["tools"][lab]
            cells.append(
                f"{t['cold_ms']:.0f}/{t.get('cold_cpu_ms', float('nan')):.0f} / {t['p50']:.1f}/{t['cpu_p50']:.1f}"
                f" / {t['p95']:.1f}/{t.get('cpu_p95', float('nan')):.1f}"
            )
        b = exponent(sizes, [r["tools"][lab]["p50"] for r in results])
        bc = exponent(sizes, [r["tools"][lab]["cpu_p50"] for r in results])
        lines.append(
            f"| {lab} | "
            + " | ".join(cells)
            + f" | {'' if b is None else f'{b:+.2f}'} / {'' if bc is None else f'{bc:+.2f}'} |"
        )
    row("all customer calls p50 ms wall", [r["tools"]["all calls"]["p50"] for r in results])
    row("all customer calls p50 ms CPU", [r["tools"]["all calls"].get("cpu_p50") for r in results])
    row("all customer calls p95 ms wall", [r["tools"]["all calls"]["p95"] for r in results])
    row("all customer calls p95 ms CPU", [r["tools"]["all calls"].get("cpu_p95") for r in results])
    lines += [
        "",
        f"Fleet jobs over {results[0]['jobs']['period']['start']}..{results[0]['jobs']['period']['end']} "
        "(s wall / s CPU / M readings per wall s / M readings per CPU s):",
        "",
    ]
    lines += [
        head.replace("figure", "job").replace("exponent b", "b (wall / CPU)"),
        "|---" * (len(sizes) + 2) + "|",
    ]
    for lab in results[0]["jobs"]:
        if lab == "period":
            continue
        cells = []
        for r in results:
            j = r["jobs"][lab]
            cells.append(
                f"{j['s']:.2f} / {j['cpu_s']:.2f} / {j['readings_per_s'] / 1e6:.1f} / "
                f"{j['readings_per_cpu_s'] / 1e6:.1f}" + ("" if j["ok"] else " (error)")
            )
        b = exponent(sizes, [r["jobs"][lab]["s"] for r in results])
        bc = exponent(sizes, [r["jobs"][lab]["cpu_s"] for r in results])
        lines.append(
            f"| {lab} | "
            + " | ".join(cells)
            + f" | {'' if b is None else f'{b:+.2f}'} / {'' if bc is None else f'{bc:+.2f}'} |"
        )
    return lines


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default="1000,10000,100000")
    p.add_argument("--months", type=int, default=13)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument(
        "--data",
        default=str(Path(__file__).resolve().parents[2] / "scale-data"),
        help="where fleet homes are built (outside the repo; default ../scale-data beside it)",
    )
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--installations", type=int, default=6)
    p.add_argument("--threads", type=int, help="DuckDB threads for the measurements (default: cores)")
    p.add_argument("--progress", action="store_true")
    p.add_argument("--build-only", action="store_true", help="only build (or reuse) the fleets")
    p.add_argument("--json", help="write all results here")
    p.add_argument("--markdown", help="write the tables here (Markdown)")
    p.add_argument("--report", help="print the tables of a saved --json file (no measurement)")
    p.add_argument("--one", help=argparse.SUPPRESS)  # internal: measure one built home
    args = p.parse_args()
    if args.report:
        saved = json.loads(Path(args.report).read_text())
        args.repeat = saved[0].get("repeat", args.repeat)
        print("\n".join(report(saved, args)))
        return
    if args.one:
        res = measure(Path(args.one), args)
        Path(args.json).write_text(json.dumps(res, indent=1, default=str))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.build_only:
        for s in sizes:
            build(s, args)
        return
    results = [run_one(s, args) for s in sizes]
    lines = report(results, args)
    print("\n".join(lines))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))
    if args.markdown:
        Path(args.markdown).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
