"""``smartmeter cost``: estimate (text and --json), scenario lists, calibrate, HTML report."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from channels.cli import main


def invoke(*args: str) -> object:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_cost_json_prints_only_json(tmp_path: Path) -> None:
    res = invoke(
        "--home",
        str(tmp_path),
        "cost",
        "--json",
        "--meters",
        "793000",
        "--group",
        "B",
        "--interval",
        "60",
        "--no-sensitivity",
    )
    assert res.exit_code == 0
    data = json.loads(res.stdout)
    assert data["tool"] == "storage_cost"
    v = data["value"]
    assert Decimal(v["answer_brl_per_meter_month"]) > 0
    sc = v["scenarios"][0]
    assert sc["params"]["interval_minutes"] == 60 and sc["eval_month"] == "2036-12"
    assert any(s["key"] == "cost.line.compute_vms" for s in data["trail"])  # fixed lines on by default


def test_cost_compares_intervals_and_infrastructures(tmp_path: Path) -> None:
    res = invoke(
        "--home",
        str(tmp_path),
        "cost",
        "--json",
        "--group",
        "A",
        "--interval",
        "5",
        "--interval",
        "15",
        "--infrastructure",
        "cloud",
        "--infrastructure",
        "on_premises",
        "--no-sensitivity",
    )
    v = json.loads(res.stdout)["value"]
    assert len(v["scenarios"]) == 4 and len(v["comparison"]) == 3
    names = [s["name"] for s in v["scenarios"]]
    assert names[0] == "infrastructure=aws:sa-east-1 interval=5"
    assert {s["provider"] for s in v["scenarios"]} == {"aws:sa-east-1", "onprem:commodity"}


def test_cost_text_summary_in_portuguese(tmp_path: Path) -> None:
    res = invoke(
        "--home", str(tmp_path), "cost", "--phases", "3", "--retention", "10", "--infrastructure", "cloud"
    )
    assert res.exit_code == 0
    out = res.stdout
    assert "por medidor e mês" in out and "Grupo B trifásico" in out and "Memória" in out
    assert "Sensibilidade" in out and "R$" in out


def test_bad_option_is_a_usage_error(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["--home", str(tmp_path), "cost", "--interval", "7"])
    assert res.exit_code == 2


def test_calibrate_then_estimate_uses_it_and_report(tmp_path: Path) -> None:
    home = tmp_path / "home"
    res = invoke(
        "--home",
        str(home),
        "cost",
        "calibrate",
        "--meters-per-segment",
        "8",
        "--days",
        "3",
        "--intervals",
        "",
        "--json",
    )
    cal = json.loads(res.stdout)["calibration"]
    assert cal["value"]["path"].endswith("calibration.json") and (home / "calibration.json").is_file()
    assert any(r["item"] == "import_wh" for r in cal["value"]["rows"])
    est = json.loads(invoke("--home", str(home), "cost", "--json", "--no-sensitivity").stdout)
    assert est["value"]["scenarios"][0]["coefficients"].startswith("calibrated")
    out = tmp_path / "rel" / "custo.html"
    rep = invoke(
        "--home", str(home), "cost", "report", "--out", str(out), "--interval", "15", "--interval", "60"
    )
    assert rep.exit_code == 0 and out.is_file()
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and 'lang="pt-BR"' in page
    for text in (
        "Custo por medidor e mês, por tipo de medidor e produto de dados",
        "Memória de cálculo",
        "Bytes por valor: calibrado contra literatura",
        "Sensibilidade",
        "Cenários",
        "Diferença",
        "R$",
    ):
        assert text in page
