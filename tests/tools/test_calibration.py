"""Calibration on our own lake layout: measured bytes per value, stored coefficients, and the
estimator's predicted bytes for a lake against the bytes actually on disk."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tools.api.cost_calibration import calibrate, calibration_specs, current_calibration, lake_check
from tools.api.costs import CostParams, estimate
from tools.data.calibration import calibrate_lake, lake_bytes, load_calibration, measure_lake
from tools.demo.calibration import write_sample
from tools.demo.calibration_sample import SampleSpec
from tools.domain.storage_cost.coef import Coefficients, default_segments
from tools.domain.storage_cost.volume import ProductRates, predict_lake_bytes

#: The generator writes 5 register functions x 4 postos per read, 1.5 events/day (B) and 3 (A).
SAMPLE_RATES = ProductRates(
    qee_coverage=1.0,
    fiscal_reads_per_day={"A": 4.0, "B": 1.0},
    registers={"A": 20, "B": 20},
    event_rate={"A": 3.0, "B": 1.5},
    alarm_rate={"A": 0.0, "B": 0.0},
)
#: An independent lake: another seed, another month, a mixed fleet in one set of files.
LAKE_MIX = {"B1": 90, "B1_pv": 8, "B2": 35, "B2_pv": 6, "B3": 20, "B3_pv": 6, "A": 8, "A_pv": 2}
LAKE_DAYS = 30


@pytest.fixture(scope="module")
def calibrated_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Calibration of every segment at its own interval (B 15 min, A 5 min), 40 meters a month."""
    home = tmp_path_factory.mktemp("calhome")
    calibrate(home, meters_per_segment=40, days=31, intervals=())
    return home


@pytest.fixture(scope="module")
def other_lake(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    lake = tmp_path_factory.mktemp("otherlake") / "lake"
    manifest = write_sample(
        lake, calibration_specs(), meters=LAKE_MIX, start=dt.date(2026, 6, 1), days=LAKE_DAYS, seed=4242
    )
    files = {t: m.files for t, m in measure_lake(lake).items()}
    assert sum(c["meters"] for c in manifest.composition.values()) == sum(LAKE_MIX.values())
    return lake, files


def test_sample_is_written_in_the_lake_layout(tmp_path: Path) -> None:
    spec = SampleSpec("B1", "B", 1, False, 15)
    m = write_sample(tmp_path / "lake", [spec], meters=5, start=dt.date(2026, 10, 1), days=2, seed=1)
    files = sorted(
        p.relative_to(tmp_path / "lake").as_posix() for p in (tmp_path / "lake").glob("**/*.parquet")
    )
    assert "load_profile/month=2026-10/part-0000.parquet" in files
    lp = measure_lake(tmp_path / "lake")["load_profile"]
    assert lp.rows == 5 * 2 * 96 == m.composition["B1"]["load_profile_records"]
    assert lp.column_values["import_wh"] == lp.rows and lp.column_values["v_b_dv"] == 0  # 1 phase: B, C null


def test_calibration_json_has_date_source_and_coefficients(calibrated_home: Path) -> None:
    cal = load_calibration(calibrated_home)
    assert cal is not None
    assert dt.datetime.fromisoformat(cal["created"]).year >= 2025
    assert cal["source"]["kind"] == "generated" and "seed" in cal["source"]
    assert "zstd" in cal["writer"].lower()
    b3 = cal["generated"]["load_profile"]["15"]["B3"]
    assert set(b3["channels"]) == {
        "import_wh",
        "export_wh",
        "q1_varh",
        "q2_varh",
        "q3_varh",
        "q4_varh",
        "v_a_dv",
        "v_b_dv",
        "v_c_dv",
        "i_a_ca",
        "i_b_ca",
        "i_c_ca",
    }
    # in the range of the literature (storage-cost.md 2.2: 10.4 B per three-phase row, dictionary writer)
    assert 7 < sum(b3["channels"].values()) + b3["row_overhead"] < 14
    assert cal["generated"]["load_profile"]["5"]["A"]  # Group A measured at 5 min
    assert 3 < cal["generated"]["segments"]["B1"]["events"]["b_per_event"] < 10


def test_prediction_of_an_independent_lake_within_10_percent(
    calibrated_home: Path, other_lake: tuple[Path, dict[str, int]]
) -> None:
    lake, files = other_lake
    coefs = Coefficients(load_calibration(calibrated_home) or {})
    cal = load_calibration(calibrated_home) or {}
    meters = {seg: float(LAKE_MIX[seg.key]) for seg in default_segments()}
    predicted = predict_lake_bytes(
        meters, LAKE_DAYS, SAMPLE_RATES, coefs, files, cal["generated"]["footer_bytes_per_file"]
    )
    actual = lake_bytes(lake)
    assert sum(predicted.values()) == pytest.approx(sum(actual.values()), rel=0.10)
    assert predicted["load_profile"] == pytest.approx(actual["load_profile"], rel=0.10)


def test_literature_prediction_is_further_off_than_calibrated(
    calibrated_home: Path, other_lake: tuple[Path, dict[str, int]]
) -> None:
    """Calibration earns its keep: the literature (delta-encoded QEE, etc.) misses our layout by more."""
    lake, _ = other_lake
    cal = load_calibration(calibrated_home) or {}
    meters = {seg: float(LAKE_MIX[seg.key]) for seg in default_segments()}
    actual = sum(lake_bytes(lake).values())
    calibrated = sum(predict_lake_bytes(meters, LAKE_DAYS, SAMPLE_RATES, Coefficients(cal)).values())
    literature = sum(predict_lake_bytes(meters, LAKE_DAYS, SAMPLE_RATES, Coefficients()).values())
    assert abs(calibrated / actual - 1) < abs(literature / actual - 1)


def test_calibration_on_a_lake_predicts_that_lake(other_lake: tuple[Path, dict[str, int]]) -> None:
    lake, _ = other_lake
    measured = calibrate_lake(lake)
    assert measured["intervals"] == {"5": LAKE_DAYS * 288 * 10, "15": LAKE_DAYS * 96 * 165}
    coefs = Coefficients({"lake": measured})
    meters = {seg: float(LAKE_MIX[seg.key]) for seg in default_segments()}
    predicted = predict_lake_bytes(meters, LAKE_DAYS, SAMPLE_RATES, coefs)  # footers left out (< 1 %)
    actual = lake_bytes(lake)
    assert sum(predicted.values()) == pytest.approx(sum(actual.values()), rel=0.10)


def test_estimator_uses_calibration_when_present(calibrated_home: Path) -> None:
    p = CostParams(sensitivity=False, timeline=False)
    cal = estimate(p, home=calibrated_home)
    lit = estimate(p, home=None)
    assert cal.value.scenarios[0].coefficients.startswith("calibrated")
    assert lit.value.scenarios[0].coefficients == "literature"
    step = next(s for s in cal.trail if s.key == "cost.step.coefficients")
    assert step.output["B3"]["source"] == "calibrated"
    assert not any(i.code == "cost.issue.literature_coefficients" for i in cal.issues)
    assert (
        cal.value.scenarios[0].volumes["kb_per_meter_month_archive"]
        != lit.value.scenarios[0].volumes["kb_per_meter_month_archive"]
    )


def test_calibrated_rows_against_literature(calibrated_home: Path) -> None:
    res = current_calibration(calibrated_home)
    assert res is not None
    rows = {(r.segment, r.interval_min, r.item): r for r in res.value.rows}
    assert rows[("B3", 15, "import_wh")].literature == pytest.approx(1.24)
    assert rows[("B3", 15, "power_quality")].literature == pytest.approx(0.75)
    assert 0.5 < rows[("B3", 15, "import_wh")].calibrated < 2.5
    json.dumps(res.to_dict())


def test_demo_lake_predicted_within_10_percent(calibrated_home: Path, tmp_path: Path) -> None:
    """The real generator + ingest (issue 2): the calibrated estimator predicts its lake's bytes.

    The coefficients come from our generated sample (not from the demo lake); the composition
    (meters per type and interval, record counts) comes from the demo store.
    """
    from tools.api.admin import build_demo

    home = tmp_path / "demo"
    build_demo(home, meters=40, months=2, seed=7)
    coefs = Coefficients(load_calibration(calibrated_home) or {})
    check = lake_check(home, coefs)
    assert abs(check.value.error["total"]) <= 0.10
    assert abs(check.value.error["load_profile"]) <= 0.10
    assert check.trail[0].sql  # the composition query is in the trail
    # the literature defaults miss our layout by more
    assert abs(lake_check(home, Coefficients()).value.error["total"]) > abs(check.value.error["total"])
