"""Power BI star schema (tools/api/export.py + tools/data/export.py) on the demo store.

Checks values someone could get wrong: the posto of an interval (weekday/holiday/Saturday,
group A has no intermediario), consumption by posto against the independent fleet tool, voltage
band counts against the domain classifier, referential integrity of the model, and that no
personal data leaves the store.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from tools.api.export import band_table, date_dimension, export_powerbi, posto_lookup
from tools.domain import quality as q
from tools.domain.calendar import PostoSchedule

D = dt.date
#: CPFL-like windows: ponta 18:00-21:00, intermediario 17:00-18:00 and 21:00-22:00 (minutes).
SCHED = PostoSchedule("X", ponta=((1080, 1260),), intermediario=((1020, 1080), (1260, 1320)))


@pytest.fixture(scope="module")
def exported(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("powerbi")
    return out, export_powerbi(demo_home, out)


def _read(out: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(out / "parquet" / f"{name}.parquet")


@pytest.mark.parametrize(
    ("day", "minute", "group", "posto"),
    [
        (D(2026, 11, 19), 18 * 60, "B", "ponta"),  # Thursday 18:00
        (D(2026, 11, 19), 20 * 60 + 45, "B", "ponta"),  # 20:45 interval start
        (D(2026, 11, 19), 21 * 60, "B", "intermediario"),  # 21:00 is the end of ponta (half-open)
        (D(2026, 11, 19), 17 * 60, "B", "intermediario"),
        (D(2026, 11, 19), 17 * 60, "A", "fora_ponta"),  # no intermediario for group A
        (D(2026, 11, 19), 16 * 60 + 45, "B", "fora_ponta"),
        (D(2026, 11, 20), 19 * 60, "B", "fora_ponta"),  # Consciencia Negra (REN 1.101/2024)
        (D(2026, 11, 21), 19 * 60, "B", "fora_ponta"),  # Saturday
    ],
)
def test_posto_lookup(day, minute, group, posto):
    lk = posto_lookup(
        {"X": SCHED},
        D(2026, 11, 18),
        D(2026, 11, 22),
        [0, 16 * 60 + 45, 17 * 60, 18 * 60, 19 * 60, 20 * 60 + 45, 21 * 60],
    )
    row = lk[(lk["day"] == day) & (lk["minute_of_day"] == minute) & (lk["group_code"] == group)]
    assert list(row["posto"]) == [posto]
    assert len(lk) == 5 * 7 * 2  # days x minutes x groups


def test_date_dimension_flags():
    dd = date_dimension(D(2026, 11, 19), D(2026, 11, 23)).set_index("date_key")
    assert dd.loc[D(2026, 11, 20), "is_tariff_holiday"] and not dd.loc[D(2026, 11, 20), "is_business_day"]
    assert dd.loc[D(2026, 11, 21), "is_weekend"] and dd.loc[D(2026, 11, 21), "is_fora_ponta_day"]
    assert dd.loc[D(2026, 11, 23), "is_business_day"] and dd.loc[D(2026, 11, 23), "iso_weekday"] == 1
    assert dd.loc[D(2026, 11, 19), "year_month"] == "2026-11" and dd.loc[D(2026, 11, 19), "quarter"] == 4


def test_band_table_127v_in_tenths_of_volt():
    b = band_table([127.0]).iloc[0]
    band = q.band_for(127, q.parse_voltage_rules(_quality_reference()))
    a_lo, a_hi, p_lo, p_hi = band.limits_dv()
    assert (b["a_lo"], b["a_hi"], b["p_lo"], b["p_hi"]) == (a_lo, a_hi, p_lo, p_hi)
    assert b["low_dv"] == pytest.approx(127.0)  # 0.1 pu of 127 V, in 0.1 V


def _quality_reference() -> dict:
    from tools.api.quality_common import reference_data

    return reference_data()


def test_writes_every_table_in_both_formats(exported):
    out, result = exported
    names = {t.name for t in result.value.tables}
    assert names == {
        "fact_consumption_daily",
        "fact_quality_daily",
        "fact_events_daily",
        "dim_installation",
        "dim_topology",
        "dim_date",
        "dim_posto",
        "dim_event_code",
    }
    for t in result.value.tables:
        assert (out / "parquet" / f"{t.name}.parquet").exists() and (out / "csv" / f"{t.name}.csv").exists()
        assert len(pd.read_csv(out / "csv" / f"{t.name}.csv")) == t.rows
    manifest = json.loads((out / "manifest.json").read_text())
    assert {
        "from": "dim_installation.topology_key",
        "to": "dim_topology.topology_key",
        "cardinality": "many_to_one",
    } in manifest["relationships"]
    assert all(s.sql for s in result.trail if s.key == "export.step.table")


def test_consumption_by_posto_matches_the_fleet_tool(exported, demo_home):
    from tools.api import Scope, ToolContext, run_tool
    from tools.api.admin import open_store

    out, _ = exported
    fact = _read(out, "fact_consumption_daily")
    month = fact[(fact["date_key"] >= D(2026, 10, 1)) & (fact["date_key"] <= D(2026, 10, 31))]
    ours = month.groupby("posto")["import_kwh"].sum().round(3).to_dict()
    with open_store(demo_home, read_only=True) as store:
        fleet = run_tool(
            "fleet_consumption",
            ToolContext(store=store, scope=Scope.operator()),
            None,
            {"period": "2026-10", "group_by": "posto"},
        )
    theirs = {r.key: float(r.import_kwh) for r in fleet.value.rows}
    assert ours == pytest.approx(theirs, abs=1e-3)
    assert "unknown" not in set(fact["posto"])  # every distributor of the demo has a schedule


def test_quality_counts_match_the_domain_classifier(exported, demo_home):
    from tools.api.admin import open_store
    from tools.api.quality_common import voltage_rules

    out, _ = exported
    fact = _read(out, "fact_quality_daily")
    row = fact[fact["n_precaria"] > 0].sort_values(["date_key", "installation_id", "phase"]).iloc[0]
    with open_store(demo_home, read_only=True) as store:
        raw = store.df(
            "SELECT v_a_dv, v_b_dv, v_c_dv FROM voltage_10min WHERE installation_id = ? AND CAST(ts AS DATE) = ?",
            [row["installation_id"], row["date_key"]],
        )
        nominal = store.scalar(
            "SELECT nominal_voltage_v FROM installations WHERE installation_id = ?", [row["installation_id"]]
        )
    rules = voltage_rules()
    band = q.band_for(nominal, rules)
    values = raw[f"v_{row['phase'].lower()}_dv"].dropna().to_numpy(dtype=float)
    valid = values[values >= float(rules.interruption_pu) * nominal * 10]
    classes = q.classify_dv(valid, band)
    assert row["n_readings"] == len(values)
    assert row["n_precaria"] == int((classes == q.PRECARIA).sum())
    assert row["n_critica"] == int((classes == q.CRITICA).sum())
    assert row["n_adequada"] == int((classes == q.ADEQUADA).sum())
    assert row["v_max"] == pytest.approx(valid.max() / 10)
    assert row["v_avg"] == pytest.approx(np.round(valid.mean() / 10, 2), abs=0.006)


def test_model_is_referentially_intact(exported, demo_home):
    from tools.api.admin import open_store

    out, _ = exported
    inst = set(_read(out, "dim_installation")["installation_id"])
    dates = set(_read(out, "dim_date")["date_key"])
    for fact in ("fact_consumption_daily", "fact_quality_daily", "fact_events_daily"):
        df = _read(out, fact)
        assert set(df["installation_id"]) <= inst, fact
        assert set(df["date_key"]) <= dates, fact
    assert set(_read(out, "fact_events_daily")["code"]) <= set(_read(out, "dim_event_code")["code"])
    assert set(_read(out, "fact_consumption_daily")["posto"]) <= set(_read(out, "dim_posto")["posto"])
    assert set(_read(out, "dim_installation")["topology_key"]) == set(
        _read(out, "dim_topology")["topology_key"]
    )
    with open_store(demo_home, read_only=True) as store:
        n_events = store.scalar("SELECT count(*) FROM events")
    assert int(_read(out, "fact_events_daily")["n_events"].sum()) == n_events


def test_no_personal_data_leaves_the_store(exported, demo_home):
    from tools.api.admin import open_store

    out, result = exported
    for t in result.value.tables:
        assert not {"cpf", "phone", "titular_name", "customer_key"} & set(t.columns), t.name
    with open_store(demo_home, read_only=True) as store:
        secrets = [
            r for row in store.rows("SELECT cpf, phone, titular_name FROM customers") for r in row if r
        ]
    assert secrets
    text = "\n".join(p.read_text(encoding="utf-8") for p in (out / "csv").glob("*.csv"))
    assert not [s for s in secrets if s in text]


def test_cli_export_powerbi_json(demo_home, tmp_path):
    from channels.cli import main

    res = CliRunner().invoke(
        main,
        [
            "--home",
            str(demo_home),
            "export",
            "powerbi",
            "--out",
            str(tmp_path),
            "--format",
            "parquet",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert len(doc["value"]["tables"]) == 8
    assert not list((tmp_path / "csv").glob("*.csv"))  # only Parquet asked for
    n = (
        duckdb.connect()
        .execute(f"SELECT count(*) FROM '{tmp_path}/parquet/dim_installation.parquet'")
        .fetchone()[0]
    )
    assert n == next(t["rows"] for t in doc["value"]["tables"] if t["name"] == "dim_installation")
