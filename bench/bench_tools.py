"""Tool latency on the demo store: the usage-aggregate path vs the lake query path, same run.

Builds a demo store (or reuses ``--home``), then times every customer tool (``--operator``: the
operator tools too) for a few demo installations on two paths of the same code:

* ``agg``  - the current path: per-installation sums from the ``usage_hourly`` / ``usage_daily``
  DuckDB tables (``tools/data/usage.py``; Group B bills get one row per day and posto), fewer
  round trips;
* ``lake`` - the pre-aggregate path (``store.aggregates_enabled = False``, the baseline): every
  query reads the interval rows through the ``load_profile`` view, i.e. opens the month
  partitions of the Parquet lake.

Both paths must return the same results (value, issues, trail; only the SQL text differs): the
first repetition compares them and the run fails if one differs. Per tool: warm wall p50/p95 and
CPU p50 (process CPU time: Python + DuckDB threads), and the first call on a freshly opened store
("cold": new DuckDB connection, Parquet metadata not cached; Python modules already imported).
The machine is shared, so wall time includes waiting for a core: compare CPU time.

    .venv/bin/python bench/bench_tools.py --home /tmp/h11demo --repeat 5
    .venv/bin/python bench/bench_tools.py --operator          # builds a 60-meter demo first
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.api import Scope, ToolContext, run_tool  # noqa: E402
from tools.api.admin import build_demo, demo_metadata  # noqa: E402
from tools.data.store import Store  # noqa: E402
from tools.errors import ToolError  # noqa: E402
from tools.types import to_jsonable  # noqa: E402

Call = tuple[str, dict[str, Any]]
CUSTOMER: list[Call] = [
    ("consumption_summary", {}),
    ("consumption_summary", {"period": "yesterday"}),
    ("consumption_profile", {}),
    ("appliance_breakdown", {}),
    ("efficiency_tips", {}),
    ("explain_bill", {}),
    ("forecast_bill", {}),
    ("compare_tariffs", {}),
    ("gd_credits", {}),
    ("tariff_flag", {}),
    ("voltage_quality", {}),
    ("continuity_indicators", {}),
    ("deadline_status", {}),
]
OPERATOR: list[Call] = [
    ("quality_ranking", {}),
    ("compensation_exposure", {}),
    ("events_summary", {}),
    ("data_completeness", {}),
    ("fleet_consumption", {}),
    ("fleet_consumption", {"group_by": "posto"}),
    ("deadline_exposure", {}),
]
#: one installation per demo scenario, in this order (demo_metadata()["scenarios"])
SCENARIOS = (
    "demo",
    "solar_gd1",
    "branca",
    "group_a_verde",
    "commerce",
    "net_exporter",
    "baixa_renda",
    "comm_gaps",
)
PATHS = ("lake", "agg")
#: the tool calls behind bench/bench_chat.py's questions (yesterday, last week, hours, flag, outages) + a bill
MIX: list[Call] = [
    ("consumption_summary", {"period": "yesterday"}),
    ("consumption_summary", {"period": "last_week"}),
    ("consumption_profile", {}),
    ("tariff_flag", {}),
    ("continuity_indicators", {}),
    ("explain_bill", {}),
]


def label(call: Call) -> str:
    name, args = call
    return name + ("(" + ",".join(f"{k}={v}" for k, v in args.items()) + ")" if args else "")


def pick_installations(home: Path, store: Store, n: int) -> list[str]:
    scen = demo_metadata(home).get("scenarios", {})
    out: list[str] = []
    for key in SCENARIOS:
        ids = scen.get(key) or []
        if ids and ids[0] not in out:
            out.append(str(ids[0]))
    if len(out) < n:
        out += [
            r[0]
            for r in store.rows("SELECT installation_id FROM installations ORDER BY 1")
            if r[0] not in out
        ]
    return out[:n]


def _strip(obj: Any) -> Any:
    """A result without the SQL text (which differs between the paths by design)."""
    if isinstance(obj, dict):
        return {k: _strip(v) for k, v in obj.items() if k not in ("sql", "queries")}
    if isinstance(obj, list):
        return [_strip(v) for v in obj]
    return obj


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall ms, process CPU ms, result or the ToolError raised)."""
    c0, t0 = time.process_time(), time.perf_counter()
    try:
        out: Any = fn()
    except ToolError as exc:  # e.g. no tariff for Group A azul: a legitimate, timed answer
        out = ("error", type(exc).__name__, str(exc))
    return (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000, out


def pct(xs: Sequence[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))] if s else float("nan")


def open_ro(home: Path, path: str, threads: int | None) -> Store:
    store = Store(home, read_only=True)
    store.aggregates_enabled = path == "agg"
    if threads:
        store.con.execute(f"SET threads = {int(threads)}")
    return store


def concurrent(
    home: Path, path: str, ids: list[str], today: dt.date, args: argparse.Namespace
) -> dict[str, float]:
    """``args.concurrency`` threads calling the MIX over the installations for ``args.seconds``."""
    store = open_ro(home, path, args.threads)
    ctx = ToolContext(store=store, scope=Scope.operator(), today=today)
    for call in MIX:  # warm-up
        timed(lambda call=call: run_tool(call[0], ctx, ids[0], call[1]))
    lat: list[float] = []
    lock = threading.Lock()
    stop = time.perf_counter() + args.seconds

    def worker(k: int) -> None:
        i = 0
        while time.perf_counter() < stop:
            call, iid = MIX[(k + i) % len(MIX)], ids[(k * 3 + i) % len(ids)]
            w, _c, _ = timed(lambda call=call, iid=iid: run_tool(call[0], ctx, iid, call[1]))
            with lock:
                lat.append(w)
            i += 1

    c0, t0 = time.process_time(), time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(args.concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    store.close()
    return {
        "calls_s": len(lat) / elapsed,
        "p50": statistics.median(lat),
        "p95": pct(lat, 0.95),
        "cpu_per_call": cpu_s * 1000 / max(len(lat), 1),
    }


def run(args: argparse.Namespace) -> int:
    home = Path(args.home) if args.home else Path(tempfile.mkdtemp(prefix="bench_tools_"))
    if not args.home:
        t0 = time.perf_counter()
        build_demo(home, meters=args.meters, months=args.months, seed=7)
        print(
            f"built demo store ({args.meters} meters x {args.months} months) in {time.perf_counter() - t0:.1f} s: {home}"
        )
    t0 = time.perf_counter()
    with Store(home) as rw:  # read-write open: recovers, refreshes views, builds missing aggregates
        built = rw.sync_usage()
        open_s = time.perf_counter() - t0
        lake_rows = rw.scalar("SELECT count(*) FROM load_profile")
        hourly = rw.scalar("SELECT count(*) FROM usage_hourly")
        daily = rw.scalar("SELECT count(*) FROM usage_daily")
        today = rw.data_today() or dt.date.today()
        ids = pick_installations(home, rw, args.installations)
    print(
        f"store {home}: {lake_rows:,} load-profile rows; usage_hourly {hourly:,} rows, usage_daily {daily:,} rows "
        f"(read-write open + aggregate sync {open_s:.2f} s{', rebuilt ' + str(len(built)) + ' months' if built else ''})"
    )
    calls = ([] if args.operator_only else CUSTOMER) + (
        OPERATOR if args.operator or args.operator_only else []
    )
    if args.tools:
        wanted = set(args.tools.split(","))
        calls = [c for c in calls if c[0] in wanted]
    load = os.getloadavg()
    print(
        f"installations {', '.join(ids)}; today {today}; repeat {args.repeat}; cpus {os.cpu_count()}; "
        f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )

    def targets(call: Call) -> list[str | None]:
        return [None] if call in OPERATOR else list(ids)

    # cold: the first call of each tool on a freshly opened store (one per path)
    cold: dict[tuple[str, str], tuple[float, float]] = {}
    for call in calls:
        for path in PATHS:
            store = open_ro(home, path, args.threads)
            ctx = ToolContext(store=store, scope=Scope.operator(), today=today)
            w, c, _ = timed(lambda ctx=ctx, call=call: run_tool(call[0], ctx, targets(call)[0], call[1]))
            cold[(label(call), path)] = (w, c)
            store.close()
    # warm: interleaved paths on one store
    store = open_ro(home, "agg", args.threads)
    ctx = ToolContext(store=store, scope=Scope.operator(), today=today)
    wall: dict[tuple[str, str], list[float]] = {}
    cpu: dict[tuple[str, str], list[float]] = {}
    compared = differ = 0
    for rep in range(args.repeat):
        for call in calls:
            for iid in targets(call):
                results = {}
                for path in PATHS if rep % 2 == 0 else tuple(reversed(PATHS)):
                    store.aggregates_enabled = path == "agg"
                    w, c, out = timed(lambda iid=iid, call=call: run_tool(call[0], ctx, iid, call[1]))
                    wall.setdefault((label(call), path), []).append(w)
                    cpu.setdefault((label(call), path), []).append(c)
                    results[path] = out
                if rep == 0 and not args.no_check:
                    compared += 1
                    a, b = (
                        _strip(to_jsonable(r)) if not isinstance(r, tuple) else r for r in results.values()
                    )
                    if a != b:
                        differ += 1
                        print(f"RESULTS DIFFER: {label(call)} {iid}")
    store.close()

    head = (
        f"{'tool':42s} {'n':>3s} | {'lake wall p50':>13s} {'p95':>6s} {'cpu p50':>7s} | "
        f"{'agg wall p50':>12s} {'p95':>6s} {'cpu p50':>7s} | {'cpu x':>5s} | {'cold lake':>9s} {'agg':>6s}"
    )
    print("\n" + head + "\n" + "-" * len(head))
    rows = []
    for call in calls:
        lab = label(call)
        lw, lc, aw, ac = wall[(lab, "lake")], cpu[(lab, "lake")], wall[(lab, "agg")], cpu[(lab, "agg")]
        row = {
            "tool": lab,
            "n": len(aw),
            "lake_wall_p50": statistics.median(lw),
            "lake_wall_p95": pct(lw, 0.95),
            "lake_cpu_p50": statistics.median(lc),
            "agg_wall_p50": statistics.median(aw),
            "agg_wall_p95": pct(aw, 0.95),
            "agg_cpu_p50": statistics.median(ac),
            "cold_lake_wall": cold[(lab, "lake")][0],
            "cold_agg_wall": cold[(lab, "agg")][0],
        }
        rows.append(row)
        print(
            f"{lab[:42]:42s} {row['n']:3d} | {row['lake_wall_p50']:13.1f} {row['lake_wall_p95']:6.1f} "
            f"{row['lake_cpu_p50']:7.1f} | {row['agg_wall_p50']:12.1f} {row['agg_wall_p95']:6.1f} "
            f"{row['agg_cpu_p50']:7.1f} | {row['lake_cpu_p50'] / max(row['agg_cpu_p50'], 0.01):5.1f} | "
            f"{row['cold_lake_wall']:9.1f} {row['cold_agg_wall']:6.1f}"
        )
    all_l = [x for call in calls for x in wall[(label(call), "lake")]]
    all_a = [x for call in calls for x in wall[(label(call), "agg")]]
    cpu_l = [x for call in calls for x in cpu[(label(call), "lake")]]
    cpu_a = [x for call in calls for x in cpu[(label(call), "agg")]]
    print(
        f"{'all calls':42s} {len(all_a):3d} | {statistics.median(all_l):13.1f} {pct(all_l, 0.95):6.1f} "
        f"{statistics.median(cpu_l):7.1f} | {statistics.median(all_a):12.1f} {pct(all_a, 0.95):6.1f} "
        f"{statistics.median(cpu_a):7.1f} | {statistics.median(cpu_l) / max(statistics.median(cpu_a), 0.01):5.1f} |"
    )
    print("(ms; wall p50/p95 and CPU p50 over warm calls; cold = first call on a new store connection)")
    if not args.no_check:
        print(f"results identical on both paths: {compared - differ}/{compared} (tool, installation) pairs")
    if args.concurrency:
        print(
            f"\nconcurrent mix ({', '.join(label(c) for c in MIX)}), {args.concurrency} threads x {args.seconds:.0f} s, "
            f"one store per path:"
        )
        for path in PATHS:
            r = concurrent(home, path, ids, today, args)
            print(
                f"  {path:4s}: {r['calls_s']:5.1f} calls/s, p50 {r['p50']:6.1f} ms, p95 {r['p95']:6.1f} ms, "
                f"CPU {r['cpu_per_call']:5.1f} ms/call"
            )
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows, "home": str(home), "ids": ids}, indent=2))
    return 1 if differ else 0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--home", help="existing store home (default: build a demo in a temp dir)")
    p.add_argument("--meters", type=int, default=60)
    p.add_argument("--months", type=int, default=13)
    p.add_argument("--repeat", type=int, default=5, help="warm repetitions per (tool, installation, path)")
    p.add_argument("--installations", type=int, default=6, help="demo installations per customer tool")
    p.add_argument("--tools", help="comma-separated tool names (default: all customer tools)")
    p.add_argument("--operator", action="store_true", help="also time the operator tools")
    p.add_argument("--operator-only", action="store_true", help="only the operator tools")
    p.add_argument("--threads", type=int, help="DuckDB threads (default: DuckDB's, = cores)")
    p.add_argument("--no-check", action="store_true", help="skip the results-identical check")
    p.add_argument("--concurrency", type=int, default=0, help="also run the MIX from N threads per path")
    p.add_argument("--seconds", type=float, default=10.0, help="duration of each concurrent run")
    p.add_argument("--json", help="write the table as JSON here")
    sys.exit(run(p.parse_args()))


if __name__ == "__main__":
    main()
