"""Every fleet job gives the same result tables on DuckDB and on Spark (local[2]), row for row.

One small demo fleet (30 meters x 2 months: every scenario the jobs look for is in it) and one
shared SparkSession for the module. Each job is written once (the data layer's DuckDB SQL and the
tools' parameter helpers); Spark runs it through the sqlglot dialect layer.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from tests.engines.compare import differences

pytestmark = [pytest.mark.integration, pytest.mark.slow]

FLEET = {"meters": 30, "months": 2, "seed": 7}


@pytest.fixture(scope="module")
def fleet_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tools.api.admin import build_demo

    home = tmp_path_factory.mktemp("fleet_home")
    build_demo(home, **FLEET)
    return home


@pytest.fixture(scope="module")
def engines(fleet_home: Path) -> Iterator[dict[str, Any]]:
    from tools.data.engines import DuckEngine, publish_registers
    from tools.data.engines.spark import SparkEngine
    from tools.data.store import Store

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    store = Store(fleet_home, read_only=True)
    publish_registers(store)
    duck = DuckEngine(store)
    spark = SparkEngine(str(store.lake), "local[2]")
    yield {"store": store, "duckdb": duck, "spark": spark, "today": store.data_today()}
    spark.close()
    duck.close()
    store.close()


def _run(engines: dict[str, Any], job: str, out: Path) -> dict[str, dict[str, Path]]:
    from tools.fleetjobs import run_job

    paths: dict[str, dict[str, Path]] = {}
    for name in ("duckdb", "spark"):
        res = run_job(engines[name], job, str(out / name), today=engines["today"])
        paths[name] = {t.table: Path(t.target) for t in res.tables}
    assert paths["duckdb"].keys() == paths["spark"].keys()
    return paths


def _rows(path: Path) -> list[dict[str, Any]]:
    return pq.read_table(path).to_pylist()


def _assert_equal(paths: dict[str, dict[str, Path]]) -> None:
    for table, left in paths["duckdb"].items():
        diff = differences(left, paths["spark"][table])
        assert diff == [], f"{table}: {diff}"


def _scenario(home: Path, key: str) -> Any:
    return json.loads((home / "demo_metadata.json").read_text())["scenarios"][key]


def test_voltage_drp_drc_sets_and_ranking(engines, tmp_path, fleet_home):
    paths = _run(engines, "voltage", tmp_path)
    _assert_equal(paths)
    sets = _rows(paths["spark"]["voltage_sets"])
    assert sets and all(r["n_valid"] <= 1008 for r in sets)
    # a meter of a weak transformer or with a sagging phase has the worst set (DRP above 3 %)
    weak = set(_scenario(fleet_home, "weak_transformer_meters")) | set(_scenario(fleet_home, "phase_problem"))
    worst = max(sets, key=lambda r: r["drp_rate_pct"])
    assert worst["installation_id"] in weak and worst["drp_rate_pct"] > 3.0


def test_continuity_dic_fic_dmic(engines, tmp_path):
    paths = _run(engines, "continuity", tmp_path)
    _assert_equal(paths)
    monthly = _rows(paths["spark"]["continuity_monthly"])
    assert monthly and all(r["fic"] >= 1 or r["dicri_max_s"] > 0 for r in monthly)


def test_compensation_exposure(engines, tmp_path):
    paths = _run(engines, "exposure", tmp_path)
    _assert_equal(paths)
    assert _rows(paths["spark"]["exposure_voltage"]) and _rows(paths["spark"]["exposure_continuity"])


def test_completeness(engines, tmp_path, fleet_home):
    paths = _run(engines, "completeness", tmp_path)
    _assert_equal(paths)
    meters = {r["installation_id"]: r for r in _rows(paths["spark"]["completeness_meters"])}
    assert len(meters) == FLEET["meters"]
    for silent in _scenario(fleet_home, "silent"):  # stopped reporting days before the data's today
        assert meters[silent]["days_since_last"] > 3


def test_fleet_consumption(engines, tmp_path):
    paths = _run(engines, "consumption", tmp_path)
    _assert_equal(paths)
    curve = _rows(paths["spark"]["load_curve"])
    assert sorted({(r["day_type"], r["hour"]) for r in curve}) == sorted(
        (d, h) for d in ("weekend_holiday", "working_day") for h in range(24)
    )


def test_outage_inference(engines, tmp_path, fleet_home):
    paths = _run(engines, "outages", tmp_path)
    _assert_equal(paths)
    feeders = {r["entity_id"] for r in _rows(paths["spark"]["outage_inference"]) if r["level"] == "feeder"}
    assert _scenario(fleet_home, "long_outage_feeder") in feeders


def test_tamper_with_consumption_drop(engines, tmp_path, fleet_home):
    paths = _run(engines, "tamper", tmp_path)
    _assert_equal(paths)
    flagged = {r["installation_id"] for r in _rows(paths["spark"]["tamper_ntl"])}
    assert flagged and flagged <= set(_scenario(fleet_home, "tamper"))


def test_anexo_iv_deadline_exposure(engines, tmp_path, fleet_home):
    paths = _run(engines, "deadlines", tmp_path)
    _assert_equal(paths)
    evidence = {(r["installation_id"], r["evidence_at"]) for r in _rows(paths["spark"]["deadline_requests"])}
    # each wrongful-suspension scenario: the relay reconnect is the evidence of the reconnection
    for s in _scenario(fleet_home, "suspensions"):
        assert (s["installation_id"], dt.datetime.fromisoformat(s["reconnect_ts"])) in evidence


def test_powerbi_star_schema(engines, tmp_path):
    paths = _run(engines, "powerbi", tmp_path)
    _assert_equal(paths)
    dims = {r["installation_id"] for r in _rows(paths["spark"]["dim_installation"])}
    facts = {r["installation_id"] for r in _rows(paths["spark"]["fact_consumption_daily"])}
    assert len(dims) == FLEET["meters"] and facts <= dims
