"""Administrative entry points used by the CLI and setup: open the store, generate demo data,
ingest exports, build everything on embedded defaults. Keeps channels away from tools.data.

Functions::

    open_store(home, read_only=False) -> Store
    ingest_paths(home, paths, progress=False, force=False) -> IngestReport
    generate_demo(out, meters=60, months=13, seed=7, end=DEMO_END, progress=False) -> dict
    build_demo(home, meters=60, months=13, seed=7, end=DEMO_END, progress=False, keep_export=False) -> dict
    build_scale_fleet(home, meters, months=13, seed=7, end=DEMO_END, workers=2, progress=False) -> dict
    demo_metadata(home) -> dict
    list_installations(home, group=None, gd=None, modality=None, limit=None) -> list[dict]
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tools.data import ingest as _ingest
from tools.data.ingest import FileReport, IngestReport
from tools.data.queries import register
from tools.data.store import Store

__all__ = [
    "DEMO_END",
    "FileReport",
    "IngestReport",
    "build_demo",
    "build_scale_fleet",
    "demo_metadata",
    "generate_demo",
    "ingest_paths",
    "list_installations",
    "open_store",
]

DEMO_END = dt.date(2026, 11, 25)  # contracts.md: the demo fleet ends on 2026-11-25
DEMO_METADATA = "demo_metadata.json"
DEMO_EXPORT = "demo_export"

def open_store(home: str | Path, read_only: bool = False) -> Store:
    return Store(home, read_only=read_only)


def ingest_paths(
    home: str | Path, paths: Iterable[str | Path], progress: bool = False, force: bool = False
) -> IngestReport:
    """Ingest MDM exports (CSV jobs, ``meter_reads*.jsonl`` streams, directories) into the store at ``home``.

    Idempotent; every record is counted once as accepted, duplicate or quarantined (by reason),
    per file and in total. ``force`` re-processes files already ingested (same sha256).
    """
    with Store(home) as store:
        return _ingest.ingest_paths(store, list(paths), progress=progress, force=force)


def generate_demo(
    out: str | Path,
    meters: int = 60,
    months: int = 13,
    seed: int = 7,
    end: dt.date = DEMO_END,
    progress: bool = False,
) -> dict[str, Any]:
    """Write the seeded synthetic fleet as MDM exports into ``out``; returns its metadata."""
    from tools.demo import generator as demo  # the generator is imported only when demo data is made

    return demo.generate(Path(out), meters=meters, months=months, seed=seed, end=end, progress=progress)


def demo_metadata(home: str | Path) -> dict[str, Any]:
    """The metadata of the demo fleet built into ``home`` ({} if none was built)."""
    path = Path(home) / DEMO_METADATA
    if not path.is_file():
        return {}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def build_demo(
    home: str | Path,
    meters: int = 60,
    months: int = 13,
    seed: int = 7,
    end: dt.date = DEMO_END,
    progress: bool = False,
    keep_export: bool = False,
) -> dict[str, Any]:
    """:func:`build_fleet_demo`, then the challenge and outage-notice scenarios in the operational
    state (:mod:`tools.demo.challenges`: the 12 opt-ins of TR-0012, the shower challenge)."""
    from tools.demo.challenges import seed_challenges

    meta = build_fleet_demo(home, meters, months, seed, end, progress, keep_export)
    seed_challenges(home, meta)
    return meta


def build_fleet_demo(
    home: str | Path,
    meters: int = 60,
    months: int = 13,
    seed: int = 7,
    end: dt.date = DEMO_END,
    progress: bool = False,
    keep_export: bool = False,
) -> dict[str, Any]:
    """Generate the demo fleet into ``home/demo_export`` and ingest it. Idempotent: does nothing
    when ``home`` already holds a demo built with the same parameters. The export CSVs are removed
    after a successful ingest unless ``keep_export`` (they are ~40x the size of the lake).

    The knowledge index lives above the tools layer: ``smartmeter setup`` builds it through
    ``assistant.admin``.

    Returns the demo metadata (also in ``home/demo_metadata.json``) with a ``build`` section:
    parameters, ingest totals and timings.
    """
    home = Path(home)
    home.mkdir(parents=True, exist_ok=True)
    params = {"meters": meters, "months": months, "seed": seed, "end": end.isoformat()}
    meta = demo_metadata(home)
    build = meta.get("build", {})
    if build.get("params") == params and _has_data(home):
        if _seed_engagement(home, meta, seed, end):
            _write_meta(home, meta)
        return meta
    out = home / DEMO_EXPORT
    if out.exists():
        shutil.rmtree(out)
    t0 = time.perf_counter()
    meta = generate_demo(out, meters=meters, months=months, seed=seed, end=end, progress=progress)
    t1 = time.perf_counter()
    if build:  # a demo with other parameters was built here: start from an empty store
        _reset_store(home)
    report = ingest_paths(home, [out], progress=progress)
    t2 = time.perf_counter()
    if report.errors:
        raise RuntimeError(
            "demo ingest failed: " + ", ".join(f"{f.source}: {f.error}" for f in report.errors)
        )
    meta["build"] = {
        "params": params,
        "ingest": {
            "input": report.input,
            "accepted": report.accepted,
            "duplicate": report.duplicate,
            "quarantined": report.quarantined,
            "reasons": dict(report.reasons),
        },
        "generate_s": round(t1 - t0, 2),
        "ingest_s": round(t2 - t1, 2),
    }
    _seed_engagement(home, meta, seed, end)
    _write_meta(home, meta)
    if not keep_export:
        shutil.rmtree(out, ignore_errors=True)
    return meta


def _seed_engagement(home: Path, meta: dict[str, Any], seed: int, end: dt.date) -> bool:
    """The goal scenarios (on track; above the goal in the third week) belong to the seed-7 fleet
    ending on DEMO_END: seeded into the operational state and named in the metadata."""
    from tools.demo.engagement import GOAL_SCENARIOS, seed_engagement

    if seed != 7 or end != DEMO_END:
        return False
    meters = int((meta.get("args") or {}).get("meters") or 0)
    present = {sc[0] for sc in GOAL_SCENARIOS.values() if int(sc[0][-4:]) <= meters}
    seed_engagement(home, present)
    names = {name: sc[0] for name, sc in GOAL_SCENARIOS.items() if sc[0] in present}
    scenarios = meta.setdefault("scenarios", {})
    if all(scenarios.get(k) == v for k, v in names.items()):
        return False
    scenarios.update(names)
    return True


def build_scale_fleet(
    home: str | Path,
    meters: int,
    months: int = 13,
    seed: int = 7,
    end: dt.date = DEMO_END,
    workers: int = 2,
    progress: bool = False,
    reuse: bool = True,
) -> dict[str, Any]:
    """Generate a scale fleet straight into the store at ``home`` (the demo model, no CSV; see
    :mod:`tools.data.scale.generator`). With ``reuse``, a fleet already built there with the same
    parameters is kept; otherwise the store is emptied first. Returns the demo metadata (also in
    ``home/demo_metadata.json``) with a ``build`` section: rows per table, timings, lake bytes.
    """
    from tools.data.scale import generator  # imported only when a fleet is built

    home = Path(home)
    home.mkdir(parents=True, exist_ok=True)
    meta = demo_metadata(home)
    params = meta.get("build", {}).get("params", {})
    wanted = {"meters": meters, "months": months, "seed": seed, "end": end.isoformat(), "direct": True}
    if reuse and {k: params.get(k) for k in wanted} == wanted and _has_data(home):
        return meta
    _reset_store(home)
    (home / DEMO_METADATA).unlink(missing_ok=True)
    meta = generator.build_direct(
        home, meters, months=months, seed=seed, end=end, workers=workers, progress=progress
    )
    _write_meta(home, meta)
    return meta


def _write_meta(home: Path, meta: dict[str, Any]) -> None:
    tmp = home / (DEMO_METADATA + ".tmp")
    tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    tmp.replace(home / DEMO_METADATA)


def _has_data(home: Path) -> bool:
    if not (home / "smartmeter.duckdb").exists():
        return False
    with Store(home, read_only=True) as store:  # a check: no recovery or aggregate sync needed
        return bool(
            store.has_lake_data("load_profile") and register.installation_count(store)
        )


def _reset_store(home: Path) -> None:
    """Drop the data of a previous demo build (DuckDB file and lake) before building another."""
    for name in ("smartmeter.duckdb", "smartmeter.duckdb.wal"):
        (home / name).unlink(missing_ok=True)
    shutil.rmtree(home / "lake", ignore_errors=True)
    shutil.rmtree(home / "snapshots", ignore_errors=True)  # readers' copies of the old catalogue


def list_installations(
    home: str | Path,
    group: str | None = None,
    gd: bool | None = None,
    modality: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Installations with their key attributes (no name, CPF or phone: the customer register
    is never read here)."""
    with Store(home, read_only=True) as store:
        return register.list_installations(store, group=group, gd=gd, modality=modality, limit=limit)
