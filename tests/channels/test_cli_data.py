"""CLI data commands: ingest (text and --json), installations (no personal data), demo-data, setup."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from channels.cli import main


def invoke(*args: str) -> object:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_ingest_json_prints_only_json(fresh_home, mdm_exports):
    res = invoke("--home", str(fresh_home), "ingest", "--json", "--no-progress", str(mdm_exports))
    assert res.exit_code == 0
    data = json.loads(res.stdout)  # the whole of stdout is one JSON document
    assert (data["input"], data["accepted"], data["duplicate"], data["quarantined"]) == (87, 52, 8, 27)
    assert data["balanced"] is True and data["ok"] is True
    assert data["reasons"]["duplicate_conflict"] == 3
    per_file = {Path(f["source"]).name: f for f in data["files"]}
    assert per_file["load_profile_malformed.csv"]["reasons"]["malformed_row"] == 1


def test_ingest_text_report_per_file_and_total(fresh_home, mdm_exports):
    first = invoke(
        "--home",
        str(fresh_home),
        "ingest",
        "--no-progress",
        str(mdm_exports / "installations.csv"),
        str(mdm_exports / "load_profile_malformed.csv"),
    )
    lines = first.stdout.splitlines()
    assert lines[0].split() == ["file", "kind", "input", "accepted", "duplicate", "quarantined"]
    assert next(x for x in lines if x.startswith("load_profile_malformed.csv")).split()[1:] == [
        "load_profile",
        "15",
        "3",
        "1",
        "11",
    ]
    assert next(x for x in lines if x.startswith("total")).split() == ["total", "18", "6", "1", "11"]
    assert "accepted + duplicate + quarantined == input: True" in first.stdout
    again = invoke(
        "--home", str(fresh_home), "ingest", "--no-progress", str(mdm_exports / "load_profile_malformed.csv")
    )
    assert next(x for x in again.stdout.splitlines() if x.startswith("total")).split() == [
        "total",
        "15",
        "0",
        "15",
        "0",
    ]


def test_ingest_exit_code_on_unusable_file(fresh_home, tmp_path):
    bad = tmp_path / "mystery.csv"
    bad.write_text("a,b\n1,2\n")
    res = invoke("--home", str(fresh_home), "ingest", "--json", "--no-progress", str(bad))
    assert res.exit_code == 1
    assert json.loads(res.stdout)["files"][0]["error"] == "unknown_kind"


def test_installations_never_print_personal_data(fresh_home, mdm_exports):
    invoke(
        "--home",
        str(fresh_home),
        "ingest",
        "--no-progress",
        str(mdm_exports / "installations.csv"),
        str(mdm_exports / "customers.csv"),
    )
    res = invoke("--home", str(fresh_home), "installations", "--json")
    rows = json.loads(res.stdout)
    assert [r["installation_id"] for r in rows] == ["UC001", "UC002", "UC003"]
    assert not {"titular_name", "cpf", "phone", "customer_key"} & set(rows[0])
    text = invoke("--home", str(fresh_home), "installations").stdout
    for secret in ("Maria", "52998224725", "529.982.247-25", "+5519999990001"):
        assert secret not in res.stdout and secret not in text
    gd = json.loads(invoke("--home", str(fresh_home), "installations", "--gd", "--json").stdout)
    assert [r["installation_id"] for r in gd] == ["UC002"]
    a = json.loads(invoke("--home", str(fresh_home), "installations", "--group", "a", "--json").stdout)
    assert [r["installation_id"] for r in a] == ["UC003"]
    branca = invoke(
        "--home", str(fresh_home), "installations", "--modality", "branca", "--limit", "5", "--json"
    )
    assert [r["installation_id"] for r in json.loads(branca.stdout)] == ["UC002"]


def test_demo_data_then_ingest_twice_is_idempotent(tmp_path):
    out, home = tmp_path / "export", tmp_path / "home"
    res = invoke(
        "demo-data", "--meters", "3", "--months", "1", "--seed", "7", "--out", str(out), "--no-progress"
    )
    assert res.exit_code == 0 and (out / "installations.csv").exists()
    files = [str(p) for p in sorted(out.iterdir())]
    first = json.loads(invoke("--home", str(home), "ingest", "--json", "--no-progress", *files).stdout)
    assert first["ok"] and first["accepted"] > 0 and first["ignored"][0].endswith("metadata.json")
    second = json.loads(invoke("--home", str(home), "ingest", "--json", "--no-progress", *files).stdout)
    assert (second["input"], second["accepted"], second["quarantined"]) == (first["input"], 0, 0)
    assert second["duplicate"] == first["input"]


def test_setup_is_idempotent_on_the_demo_home(demo_home):
    res = invoke(
        "--home",
        str(demo_home),
        "setup",
        "--meters",
        "60",
        "--months",
        "13",
        "--seed",
        "7",
        "--no-knowledge",
        "--no-progress",
        "--json",
    )
    meta = json.loads(res.stdout)
    assert meta["build"]["params"] == {"meters": 60, "months": 13, "seed": 7, "end": "2026-11-25"}
    assert meta["build"]["ingest"]["quarantined"] == 0 and meta["build"]["ingest"]["accepted"] > 0
