"""Where the CPU goes at one fleet size: customer tools (per tool and per SQL statement) and the
fleet DRP/DRC sets, on a fleet built by ``bench_scale.py`` (never builds one).

CPU time of this process (DuckDB threads included) is what it reports: on a shared machine wall
time mostly measures the neighbours. Compare two sizes to see what grows with the fleet:

    .venv/bin/python bench/scale_profile.py tools ../scale-data/fleet-1000-1m ../scale-data/fleet-10000-1m
    .venv/bin/python bench/scale_profile.py sql ../scale-data/fleet-1000-1m ../scale-data/fleet-10000-1m
    .venv/bin/python bench/scale_profile.py voltage ../scale-data/fleet-10000-1m
    .venv/bin/python bench/scale_profile.py paired ../scale-data/fleet-1000-13m ../scale-data/fleet-100000-13m

``tools``: median CPU ms per call of each customer tool (6 installations x ``--repeat``, one DuckDB
thread so the figures add up); ``sql``: CPU ms per round of the 13 tools by SQL statement, largest
growth first; ``voltage``: the fleet's DRP/DRC sets for the last full month, through
``voltage_days`` and from the readings (both must give the same rows), M readings per CPU-second;
``paired``: the customer tools on two fleets in one process, call by call in turn (the same tool and
installation on one fleet, then on the other), so that a machine whose speed drifts during the run
(a shared host: two runs minutes apart differed by 30 %) weighs on both alike; per tool the median
wall and CPU ms on each, and over every call p50 and p95 and their ratio.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pandas as pd  # noqa: E402
from bench_tools import CUSTOMER, label, pct, pick_installations, timed  # noqa: E402

from tools.api import Scope, ToolContext, run_tool  # noqa: E402
from tools.api.quality_common import voltage_sets  # noqa: E402
from tools.data.store import Store  # noqa: E402


def _context(home: Path, one_thread: bool = True) -> tuple[Store, ToolContext, list[str]]:
    with Store(home, read_only=True) as s:
        today = s.data_today()
        ids = pick_installations(home, s, 6)
    store = Store(home, read_only=True)
    if one_thread:
        store.con.execute("SET threads = 1")
    return store, ToolContext(store=store, scope=Scope.operator(), today=today), ids


def _call(ctx: ToolContext, call: tuple[str, dict[str, Any]], iid: str) -> None:
    try:
        run_tool(call[0], ctx, iid, call[1])
    except Exception:  # noqa: BLE001 - a refused call (no tariff for Group A azul...) is timed too
        pass


def tools_cpu(home: Path, repeat: int) -> dict[str, float]:
    store, ctx, ids = _context(home)
    for call in CUSTOMER:
        for iid in ids:
            _call(ctx, call, iid)
    out = {}
    for call in CUSTOMER:
        cpus = []
        for _ in range(repeat):
            for iid in ids:
                c = time.process_time()
                _call(ctx, call, iid)
                cpus.append((time.process_time() - c) * 1000)
        out[label(call)] = statistics.median(cpus)
    store.close()
    return out


def sql_cpu(home: Path, repeat: int) -> dict[str, float]:
    """CPU ms per round of the 13 customer tools, by SQL statement (execute only, not the fetch)."""
    store, ctx, ids = _context(home)
    log: dict[str, float] = defaultdict(float)
    real_cursor: Callable[[Store], Any] = Store.cursor

    class Timed:
        def __init__(self, cur: Any) -> None:
            self._cur = cur

        def execute(self, sql: str, params: Any = None) -> Timed:
            c = time.process_time()
            self._cur.execute(sql, params or [])
            log[re.sub(r"\s+", " ", sql)[:100]] += (time.process_time() - c) * 1000
            return self

        def __getattr__(self, name: str) -> Any:
            return getattr(self._cur, name)

    Store.cursor = lambda self: Timed(real_cursor(self))  # type: ignore[method-assign,assignment,return-value]
    try:
        for _ in range(repeat + 1):
            if _ == 1:
                log.clear()  # the first round warms up
            for call in CUSTOMER:
                for iid in ids:
                    _call(ctx, call, iid)
    finally:
        Store.cursor = real_cursor  # type: ignore[method-assign,assignment]
        store.close()
    return {k: v / (repeat * len(ids)) for k, v in log.items()}


def paired(homes: list[Path], repeat: int) -> None:
    """See the module docstring (``paired``)."""
    ctxs = [_context(h, one_thread=False) for h in homes]  # DuckDB's threads, as the service runs
    ids = ctxs[0][2]
    walls: dict[tuple[int, str], list[float]] = defaultdict(list)
    cpus: dict[tuple[int, str], list[float]] = defaultdict(list)
    for rep in range(repeat + 1):
        for call in CUSTOMER:
            for iid in ids:
                for n, (_store, ctx, _ids) in enumerate(ctxs):
                    w, c, _ = timed(lambda ctx=ctx, call=call, iid=iid: run_tool(call[0], ctx, iid, call[1]))
                    if rep:  # the first round warms up
                        walls[(n, label(call))].append(w)
                        cpus[(n, label(call))].append(c)
    for store, _ctx, _ids in ctxs:
        store.close()
    print(" | ".join(f"{h.name + ' wall/CPU':>26}" for h in homes) + " | what (median ms)")
    for call in CUSTOMER:
        lab = label(call)
        cells = [f"{statistics.median(walls[(n, lab)]):12.1f} /{statistics.median(cpus[(n, lab)]):12.1f}" for n in range(len(homes))]
        print(" | ".join(cells) + f" | {lab}")
    for name, q in (("p50", 0.5), ("p95", 0.95)):
        for kind, data in (("wall", walls), ("CPU", cpus)):
            vals = [pct([x for (m, _lab), xs in data.items() if m == n for x in xs], q) for n in range(len(homes))]
            ratio = ", ".join(f"{v / vals[0] - 1:+.1%}" for v in vals[1:])
            print(f"all calls {name} {kind}: " + " / ".join(f"{v:.1f}" for v in vals) + f" ms ({ratio} against the first)")


def voltage(home: Path) -> None:
    for use_days in (True, False):
        s = Store(home, read_only=True)
        s.aggregates_enabled = use_days
        today = s.data_today() or dt.date.today()
        month_end = today.replace(day=1)
        month_start = (month_end - dt.timedelta(days=1)).replace(day=1)
        first = s.scalar("SELECT min(day) FROM usage_daily")
        if first is None or first > month_start:
            month_start, month_end = today.replace(day=1), today
        t0, t1 = (dt.datetime.combine(d, dt.time()) for d in (month_start, month_end))
        t_ext = min(t1 + dt.timedelta(days=7), dt.datetime.combine(today, dt.time()))
        n = s.scalar(
            "SELECT count(v_a_dv) + count(v_b_dv) + count(v_c_dv) FROM voltage_10min WHERE ts >= ? AND ts < ?",
            [t0, t_ext],
        )
        c, w = time.process_time(), time.perf_counter()
        df, _sql, params = voltage_sets(s, t0, t1, t_ext)
        cpu, wall = time.process_time() - c, time.perf_counter() - w
        df = df.sort_values(["installation_id", "set_no"]).reset_index(drop=True)
        if use_days:
            ref = df
        else:
            pd.testing.assert_frame_equal(ref, df)
        how = "voltage_days" if params["vdays"] else "readings"
        print(
            f"{home.name}: DRP/DRC sets from {how}: {len(df):,} sets, {n / 1e6:.2f} M readings; "
            f"CPU {cpu:.2f} s ({n / cpu / 1e6:.1f} M/CPU-s), wall {wall:.2f} s ({n / wall / 1e6:.1f} M/s)"
        )
        s.close()
    print("same rows both ways")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("what", choices=("tools", "sql", "voltage", "paired"))
    p.add_argument("homes", nargs="+", type=Path)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    if args.what == "voltage":
        for home in args.homes:
            voltage(home)
        return
    if args.what == "paired":
        paired(args.homes, args.repeat)
        return
    fn = tools_cpu if args.what == "tools" else sql_cpu
    res = [fn(h, args.repeat) for h in args.homes]
    keys = list(res[0]) if args.what == "tools" else sorted(
        {k for r in res for k in r}, key=lambda k: -(res[-1].get(k, 0) - res[0].get(k, 0))
    )
    print(" | ".join(f"{h.name:>18}" for h in args.homes) + " | what")
    for k in keys[:30]:
        print(" | ".join(f"{r.get(k, 0):18.1f}" for r in res) + f" | {k}")
    print(" | ".join(f"{sum(r.values()):18.1f}" for r in res) + " | total CPU ms")


if __name__ == "__main__":
    main()
