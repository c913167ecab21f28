"""Render time of each operator-copilot page with Streamlit's AppTest against a demo store.

    .venv/bin/python bench/bench_pages.py [--home DIR] [--repeat N]

Per page it prints the *cold* render (tool results not cached: every tool runs; the store is
already open), the part of it spent inside the tools (the naive floor: the same tool calls
without any UI), and the *warm* render (results from ``st.cache_data``). It also prints the app
start (the first run opens the store) and one copilot question. Target: < 2 s per page.
Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "operator_ui" / "streamlit_app.py")
PAGES = ("quality", "compensation", "events", "completeness", "costs", "service")
QUESTION = "Quais transformadores tiveram mais violações de DRP na última semana?"
TARGET_S = 2.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", default=os.environ.get("SMARTMETER_HOME", ".smartmeter"))
    ap.add_argument("--repeat", type=int, default=1, help="cold renders per page (median printed)")
    args = ap.parse_args()
    os.environ["SMARTMETER_HOME"] = str(Path(args.home).resolve())

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from operator_ui import resources

    spent = [0.0]
    original = resources.run_tool

    def timed(*a: Any, **k: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return original(*a, **k)
        finally:
            spent[0] += time.perf_counter() - t0

    resources.run_tool = timed  # type: ignore[assignment]
    resources.clear()
    t0 = time.perf_counter()
    at = AppTest.from_file(APP, default_timeout=300).run()
    start = time.perf_counter() - t0
    if at.exception:
        raise SystemExit(f"app failed: {at.exception}")
    print(f"home: {args.home}")  # noqa: T201
    print(f"app start (opens the store, copilot page): {start:.2f} s")  # noqa: T201
    print(f"{'page':<14}{'cold s':>9}{'tools s':>9}{'warm s':>9}  {'< 2 s':>6}")  # noqa: T201
    worst = 0.0
    for page in PAGES:
        colds, tools = [], []
        for _ in range(max(1, args.repeat)):
            st.cache_data.clear()
            spent[0] = 0.0
            t0 = time.perf_counter()
            at.switch_page(f"app_pages/{page}.py").run()
            colds.append(time.perf_counter() - t0)
            tools.append(spent[0])
            if at.exception:
                raise SystemExit(f"{page} failed: {at.exception}")
        t0 = time.perf_counter()
        at.run()
        warm = time.perf_counter() - t0
        cold = statistics.median(colds)
        worst = max(worst, cold)
        ok = "yes" if cold < TARGET_S else "NO"
        print(f"{page:<14}{cold:>9.2f}{statistics.median(tools):>9.2f}{warm:>9.2f}  {ok:>6}")  # noqa: T201
    at.switch_page("app_pages/copilot_chat.py").run()
    t0 = time.perf_counter()
    at.chat_input(key="copilot_q").set_value(QUESTION).run()
    print(f"copilot question (router + tool + render): {time.perf_counter() - t0:.2f} s")  # noqa: T201
    print(f"slowest cold page: {worst:.2f} s (target < {TARGET_S:.0f} s)")  # noqa: T201
    resources.clear()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
