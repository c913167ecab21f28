"""Storage-cost model: the worked example of storage-cost.md 5.3, hand-worked pieces, the tool."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from tools.api import Scope, ToolContext, run_tool
from tools.api.costs import CostParams, estimate
from tools.data.store import Store
from tools.domain.storage_cost import Scenario, Selection, run_scenario
from tools.domain.storage_cost.coef import (
    Coefficients,
    Segment,
    default_segments,
    energy_interval_factor,
    intervals_per_month,
    normalise_products,
)
from tools.domain.storage_cost.lines import Platform
from tools.domain.storage_cost.prices import merge_overrides, parse_document, select_book
from tools.domain.storage_cost.pricing import cost_lines
from tools.domain.storage_cost.sim import Fleet, Overheads, Tiering, flat_fleet, simulate, volume_model
from tools.domain.storage_cost.volume import ProductRates
from tools.errors import InvalidArguments
from tools.reference.prices.catalogue import load_books

#: the shared eval set, beside the repository (../shared/ from the repo root, as in CI)
EVAL = Path(__file__).resolve().parents[2].parent / "shared" / "eval" / "operator_dev.jsonl"


def close(got: float, want: float, tol: float = 0.05) -> bool:
    return abs(got / want - 1) <= tol


# ---------------------------------------------------------------------------- worked example 5.3

#: AWS Sao Paulo prices used by the note (gp3 0.152, S3 0.0405 / IA 0.022, egress 0.15, vCPU 0.08,
#: m6i.xlarge 0.30/h) and Event Hubs 4 TU (~22 USD/TU-month) for messaging.
WE_BOOK = parse_document(
    {
        "provider": "worked",
        "kind": "cloud",
        "regions": {
            "example": {
                "params": {"messaging": "throughput_units", "mb_s_per_unit": 1, "min_units": 1},
                "prices": {
                    "block_ssd_gb_month": 0.152,
                    "object_standard_gb_month": 0.0405,
                    "object_infrequent_gb_month": 0.022,
                    "put_per_1000": 0.007,
                    "egress_gb": 0.15,
                    "vcpu_hour": 0.08,
                    "vm_hour": 0.30,
                    "tu_hour": 0.0301,
                },
            }
        },
    }
)["worked:example"]


def worked_example() -> Scenario:
    """793k meters, all 12 channels (three-phase-like), 15 min, QEE on 3 phases, 1.5 events/day,
    24 registers daily, overheads 1.13, 10 years held (steady state at year 10)."""
    seg = Segment("B3", "B", 3, False, 1.0, 15)
    rates = ProductRates(
        qee_coverage=1.0,
        fiscal_reads_per_day={"A": 4, "B": 1},
        registers={"A": 60, "B": 24},
        event_rate={"A": 3.0, "B": 1.5},
        alarm_rate={"A": 0.0, "B": 0.0},
    )
    return Scenario(
        "worked",
        flat_fleet((seg,), {"B": 793_000}, 120),
        WE_BOOK,
        Decimal("5.40"),
        Tiering(hot_months=3, warm_months=24, retention_months=120, hot_copies=2),
        Overheads(safety_factor=1.0),
        rates,
        Platform(orchestration=False, messaging_units=4, lp_batches_per_day={"A": 24, "B": 1}),
    )


def test_worked_example_volumes_and_costs_within_5_percent() -> None:
    sc = worked_example()
    res, steps = run_scenario(sc, Coefficients(), timeline=False)
    v = res.volumes
    assert close(v["kb_per_meter_month_archive"], 48)  # 30.4 + 9.9 + 0.3 + 1.7 KB x 1.13
    assert close(v["archive_gb_written_month"], 38)
    assert close(v["archive_tb_held"], 4.5)
    assert close(v["hot_gb"], 326)  # DuckDB, 3 months x 2 replicas
    assert close(v["warm_gb"], 908) and close(v["cold_gb"], 3630)
    lines = {ln.key: float(ln.usd_month) for ln in res.lines}
    assert close(lines["storage_hot"], 50)
    assert close(lines["storage_warm"], 37)
    assert close(lines["storage_cold"], 80)
    assert close(lines["egress"], 7.5)
    storage = sum(
        lines[k] for k in ("storage_hot", "storage_warm", "storage_cold", "storage_requests", "egress")
    )
    assert close(storage, 175)
    assert close(lines["processing_queries"], 44 * 0.08)  # 793k x 2 x 0.1 vCPU-s = 44 vCPU-h
    assert close(lines["compute_vms"], 440)  # 2 x 0.30 x 730
    assert close(lines["messaging_units"], 88)  # Event Hubs 4 TU
    # lower end of "~0.7-1.3 k USD/month": 175 + 7 + 4 + 440 + 90
    assert close(float(res.total_usd_month), 716)
    assert close(float(res.usd_per_meter_month), 716 / 793_000)
    assert {s.key for s in steps} >= {"cost.line.storage_hot", "cost.line.compute_vms", "cost.step.total"}


def test_worked_example_load_profile_processing_86_vcpu_hours() -> None:
    """27.8 G readings x (10 + 1 + 0.1) vCPU-s/M = 86 vCPU-h: the load-profile share of processing."""
    sc = worked_example()
    vm = volume_model(sc.fleet.segments, sc.rates, Coefficients(), sc.overheads)
    state = simulate(sc.fleet, vm, sc.tiering, [sc.fleet.months - 1])[0]
    lp_readings = sum(v for (_, p), v in state.values.items() if p == "load_profile")
    assert close(lp_readings, 27.8e9, 0.01)
    rpd = {
        "fiscal_reads_per_day": sc.rates.fiscal_reads_per_day,
        "event_rate": sc.rates.event_rate,
        "alarm_rate": sc.rates.alarm_rate,
    }
    lines = cost_lines(state, sc.book, sc.tiering, sc.platform, rpd, {"B3": "B"})
    lp_hours = sum(
        ln.quantity * ln.weights.get(("B3", "load_profile"), 0.0)
        for ln in lines
        if ln.key in ("processing_ingest", "processing_vee", "processing_rollups")
    )
    assert close(lp_hours, 86)


# ---------------------------------------------------------------------------- hand-worked pieces


def test_intervals_and_literature_row_bytes() -> None:
    assert intervals_per_month(15) == pytest.approx(2922.2, abs=0.1)
    assert intervals_per_month(5) == pytest.approx(8766.7, abs=0.1)
    lit = Coefficients()
    b3 = Segment("B3", "B", 3, False, 1.0, 15)
    # per-column Parquet zstd (dict) of 2.2: 1.24+0.09+1.04+0.02+0.04+0.13+1.10+1.05+0.95+1.45+1.44+1.49 + 0.37 row
    assert lit.lp_row(b3, "archive").total == pytest.approx(10.41, abs=0.005)
    assert len(Segment("B1", "B", 1, False, 1.0, 15).channels) == 8
    assert len(Segment("B2", "B", 2, False, 1.0, 15).channels) == 10
    # busy energy channels: 1.14 B at 5 min and 1.44 at 60 vs 1.25 at 15 (5.2)
    assert 1.25 * energy_interval_factor(5) == pytest.approx(1.14)
    assert 1.25 * energy_interval_factor(60) == pytest.approx(1.44)
    pv = lit.lp_row(Segment("B1_pv", "B", 1, True, 1.0, 15), "archive")
    assert pv.channels["export_wh"] == pytest.approx(1.0)  # reverse energy is busy with PV


def test_tiering_windows_by_hand() -> None:
    """1000 meters from month 0; H=1, W=2, R=5: at month 6, hot 1 month, warm 2, cold 3 months held."""
    seg = Segment("B1", "B", 1, False, 1.0, 60)
    fleet = Fleet((seg,), {"B": (("2030-01", 1000.0),)}, "2030-01", "2030-07")
    ov = Overheads(safety_factor=1.0)
    vm = volume_model((seg,), ProductRates(), Coefficients(), ov)
    st = simulate(fleet, vm, Tiering(hot_months=1, warm_months=2, retention_months=5))[-1]
    per_month = sum(vm.stored["archive"]["B1"].values()) * 1000
    assert sum(st.warm.values()) == pytest.approx(2 * per_month)
    assert sum(st.cold.values()) == pytest.approx(3 * per_month)
    assert sum(st.hot.values()) == pytest.approx(sum(vm.stored["hot"]["B1"].values()) * 1000)
    assert sum(st.written.values()) == pytest.approx(per_month)


def test_growth_path_interpolates_monthly() -> None:
    seg = default_segments()
    fleet = Fleet(seg, {"B": (("2026-01", 220_000.0), ("2026-12", 793_000.0))}, "2026-01", "2027-03")
    path = fleet.group_path("B")
    assert path[0] == 220_000 and path[11] == 793_000 and path[-1] == 793_000
    assert path[5] == pytest.approx(220_000 + (793_000 - 220_000) * 5 / 11)


def test_fixed_lines_on_by_default_and_dominate_small_fleets() -> None:
    books = load_books()
    base = CostParams(
        meters=220_000, group="B", growth=False, sensitivity=False, timeline=False, use_calibration=False
    )
    with_fixed = estimate(base).value.scenarios[0]
    without = estimate(base.model_copy(update={"fixed_lines": False})).value.scenarios[0]
    assert any(ln.fixed for ln in with_fixed.lines) and not any(ln.fixed for ln in without.lines)
    # storage-cost.md 5.3: ignoring fixed lines under-estimates by 4-25x
    ratio = with_fixed.total_usd_month / without.total_usd_month
    assert 4 <= ratio <= 25
    assert select_book(books, "cloud").id == "aws:sa-east-1"


def test_segment_costs_add_up_to_total() -> None:
    res = estimate(CostParams(sensitivity=False, timeline=False, use_calibration=False)).value.scenarios[0]
    total = sum(s.usd_per_meter_month["total"] * Decimal(str(s.meters)) for s in res.segments)
    assert float(total) == pytest.approx(float(res.total_usd_month), rel=1e-3)
    assert float(sum(res.products_usd_month.values())) == pytest.approx(float(res.total_usd_month), abs=0.05)


def test_group_a_5_vs_15_minutes_saves() -> None:
    v = estimate(
        CostParams(group="A", interval_minutes=[5, 15], sensitivity=False, use_calibration=False)
    ).value
    assert [s.params["interval_minutes"] for s in v.scenarios] == [5, 15]
    assert v.comparison[0].usd_per_meter_month < 0
    a5 = v.scenarios[0].segments[-2].kb_per_meter_month
    a15 = v.scenarios[1].segments[-2].kb_per_meter_month
    assert a5["load_profile"] / a15["load_profile"] == pytest.approx(3 * 1.14 / 1.25 * 1.0, rel=0.15)


def test_sensitivity_ranked_and_interval_matters() -> None:
    v = estimate(CostParams(meters=793_000, growth=False, use_calibration=False, timeline=False)).value
    swings = [i.swing_brl for i in v.sensitivity]
    assert swings == sorted(swings, reverse=True)
    names = [i.parameter for i in v.sensitivity]
    assert {"fixed_platform", "interval_minutes", "fx_brl_per_usd"} <= set(names)
    # at 793k meters the fixed platform moves the cost more than the bytes per value
    assert names.index("fixed_platform") < names.index("bytes_per_value")


def test_user_contract_prices_override(tmp_path: Path) -> None:
    doc = {
        "provider": "aws",
        "regions": {
            "sa-east-1": {
                "prices": {
                    "object_standard_gb_month": {
                        "value": 0.02,
                        "status": "confirmed",
                        "source": "contract 123",
                    }
                }
            }
        },
    }
    f = tmp_path / "mine.json"
    f.write_text(json.dumps(doc))
    books = load_books(f)
    p = books["aws:sa-east-1"].get("object_standard_gb_month")
    assert p is not None and p.value == Decimal("0.02") and p.status == "confirmed"
    assert books["aws:sa-east-1"].get("block_ssd_gb_month") is not None  # the rest kept
    merged = merge_overrides({}, doc, "x")
    assert list(merged) == ["aws:sa-east-1"]


def test_unknown_inputs_rejected() -> None:
    with pytest.raises(InvalidArguments):
        normalise_products(["nope"])
    with pytest.raises(InvalidArguments):
        select_book(load_books(), "nocloud")
    with pytest.raises(ValueError):
        CostParams(interval_minutes=7)


def test_huawei_without_prices_is_disqualified() -> None:
    r = estimate(
        CostParams(infrastructure="huawei", sensitivity=False, timeline=False, use_calibration=False)
    )
    assert r.disqualified
    assert any(i.code == "cost.issue.price_missing" for i in r.issues)


def test_selection_products_allocate_fixed_by_bytes() -> None:
    v = estimate(
        CostParams(datasets=["events", "alarms"], sensitivity=False, timeline=False, use_calibration=False)
    ).value
    whole = v.scenarios[0]
    assert 0 < v.answer_usd_per_meter_month < whole.usd_per_meter_month / 10
    assert Selection().products[0] == "registers"


# ---------------------------------------------------------------------------- the tool, eval questions


def _storage_cost_questions() -> list[dict[str, object]]:
    rows = [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if "storage_cost" in r.get("tools", [])]


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> ToolContext:
    store = Store(tmp_path_factory.mktemp("costhome"))
    return ToolContext(store=store, scope=Scope.operator())


@pytest.mark.parametrize("q", _storage_cost_questions(), ids=lambda q: str(q["id"]))
def test_every_eval_question_gets_a_figure_with_trail(ctx: ToolContext, q: dict[str, object]) -> None:
    result = run_tool("storage_cost", ctx, None, q["slots"])  # type: ignore[arg-type]
    v = result.value
    assert v.answer_brl_per_meter_month > 0 and v.answer_usd_per_meter_month > 0
    assert abs(v.answer_brl_per_meter_month - v.answer_usd_per_meter_month * v.fx_brl_per_usd) < Decimal(
        "0.00001"
    )
    keys = [s.key for s in result.trail]
    assert "cost.step.per_meter" in keys and any(k.startswith("cost.line.") for k in keys)
    for sc in v.scenarios:  # every priced line has its step, with the price's status
        line_steps = [
            s for s in result.trail if s.key.startswith("cost.line.") and s.inputs["scenario"] == sc.name
        ]
        assert len(line_steps) == len(sc.lines)
        assert all(s.refs and s.refs[0].status in ("confirmed", "reference") for s in line_steps)
    slots = q["slots"]
    assert isinstance(slots, dict)
    for key in ("interval_minutes", "infrastructure"):
        if isinstance(slots.get(key), list):
            assert len(v.scenarios) == len(slots[key]) and len(v.comparison) == len(slots[key]) - 1
    json.dumps(result.to_dict())  # JSON-ready


def test_operator_only(ctx: ToolContext) -> None:
    from tools.errors import ForbiddenInstallation, NotIdentified

    cust = ToolContext(store=ctx.store, scope=Scope.customer("X"), today=ctx.today)
    with pytest.raises((ForbiddenInstallation, NotIdentified)):
        run_tool("storage_cost", cust, None, {})
