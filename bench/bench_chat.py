"""Concurrent chat load against a running server: throughput, p50/p95/p99, errors.

Starts `smartmeter serve --workers P` (P uvicorn processes) over the demo store under --home
(run `make setup` first), creates an integrator key, and fires pre-identified customer turns
from N concurrent clients for --seconds. The naive baseline in the same run is one sequential
client (no concurrency), so the gain from concurrency and worker processes is visible.

    .venv/bin/python bench/bench_chat.py --home .smartmeter --seconds 30 --workers 16 --procs 2
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from channels.apikeys import ApiKeyStore  # noqa: E402
from tests.channels.server import free_port  # noqa: E402

QUESTIONS = [
    "quanto consumi ontem?",
    "qual foi meu consumo na semana passada",
    "em que horário eu mais gasto energia?",
    "qual a bandeira deste mês?",
    "quantas vezes faltou luz este ano?",
    "oi, bom dia",
]


def _load(base: str, key: str, inst: str, seconds: float, workers: int) -> tuple[list[float], int]:
    lat: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker(wid: int) -> None:
        nonlocal errors
        with httpx.Client(base_url=base, timeout=30, headers={"X-API-Key": key}) as client:
            i = 0
            while time.perf_counter() < stop:
                q = QUESTIONS[(wid + i) % len(QUESTIONS)]
                t0 = time.perf_counter()
                try:
                    r = client.post("/v1/chat", json={"text": q, "installation_id": inst, "session_id": f"b{wid}-{i}"})
                    ok = r.status_code == 200
                except httpx.HTTPError:
                    ok = False
                dt_ms = (time.perf_counter() - t0) * 1000
                with lock:
                    lat.append(dt_ms)
                    errors += 0 if ok else 1
                i += 1

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(workers)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return lat, errors


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * (len(xs) - 1)))] if xs else 0.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--home", default=".smartmeter")
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--workers", type=int, default=16)
    ap.add_argument("--procs", type=int, default=2, help="uvicorn worker processes")
    ap.add_argument("--installation", default="40010001")
    args = ap.parse_args()
    key = ApiKeyStore(args.home).create("bench", "integrator", ("*",))
    port = free_port()
    env = dict(os.environ, SMARTMETER_RATE_PER_KEY_PER_MIN=str(10**9))
    exe = Path(sys.executable).parent / "smartmeter"
    server = subprocess.Popen([str(exe), "--home", args.home, "serve", "--demo", "--port", str(port), "--workers", str(args.procs)],
                              env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        _load(base, key, args.installation, 3.0, args.workers)  # warm-up: routers trained, caches filled
        for label, workers, secs in (("baseline: 1 sequential client", 1, min(10.0, args.seconds)),
                                     (f"{args.workers} concurrent clients, {args.procs} processes", args.workers, args.seconds)):
            lat, errors = _load(base, key, args.installation, secs, workers)
            print(f"{label}: {len(lat) / secs:.1f} turns/s, p50 {statistics.median(lat):.1f} ms, "
                  f"p95 {_pct(lat, 0.95):.1f} ms, p99 {_pct(lat, 0.99):.1f} ms, errors {errors}, n={len(lat)}")
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
