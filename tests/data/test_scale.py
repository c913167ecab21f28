"""The direct scale-fleet generator: same model as the CSV demo, deterministic, lake layout."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from tools.api.admin import build_demo, build_scale_fleet, demo_metadata
from tools.data import lakefile, usage
from tools.data.scale.generator import build_direct, plan_buckets
from tools.data.sqltext import sql_str_list
from tools.data.store import Store

METERS, MONTHS = 40, 1
LAKE = ("load_profile", "billing_registers", "events", "voltage_10min")


def _lake_rows(con: duckdb.DuckDBPyConnection, home: Path, table: str) -> str:
    return f"(SELECT * EXCLUDE (month) FROM read_parquet('{home}/lake/{table}/*/*.parquet', hive_partitioning = true))"


def _digest(home: Path) -> dict[str, str]:
    return {
        str(p.relative_to(home)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((home / "lake").rglob("*.parquet"))
    }


@pytest.fixture(scope="module")
def homes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("scale")
    out = {k: base / k for k in ("direct", "again", "split", "csv")}
    build_scale_fleet(out["direct"], METERS, months=MONTHS, workers=1)
    build_direct(out["again"], METERS, months=MONTHS, workers=1)
    # small buckets: several files per month, built by two worker processes
    build_direct(out["split"], METERS, months=MONTHS, workers=2, rows_per_file=20_000)
    build_demo(out["csv"], meters=METERS, months=MONTHS, seed=7)
    return out


def test_same_rows_as_the_csv_demo_ingested(homes: dict[str, Path]) -> None:
    con = duckdb.connect()
    for table in ("load_profile", "billing_registers", "events"):
        a, b = _lake_rows(con, homes["direct"], table), _lake_rows(con, homes["csv"], table)
        n = con.sql(f"SELECT count(*) FROM {a}").fetchall()[0][0]
        assert n > 0
        assert con.sql(f"SELECT count(*) FROM ({a} EXCEPT ALL {b})").fetchall() == [(0,)], table
        assert con.sql(f"SELECT count(*) FROM ({b} EXCEPT ALL {a})").fetchall() == [(0,)], table
    # voltage: a sample of the CSV demo's meters, with the same values
    a, b = _lake_rows(con, homes["direct"], "voltage_10min"), _lake_rows(con, homes["csv"], "voltage_10min")
    assert con.sql(f"SELECT count(*) FROM ({a} EXCEPT ALL {b})").fetchall() == [(0,)]
    sampled = {r[0] for r in con.sql(f"SELECT DISTINCT installation_id FROM {a}").fetchall()}
    assert "40010001" in sampled and "40010018" in sampled  # demo customer, phase_sag scenario
    with Store(homes["direct"], read_only=True) as s1, Store(homes["csv"], read_only=True) as s2:
        q = "SELECT * FROM installations ORDER BY installation_id"
        assert s1.rows(q) == s2.rows(q)
        q = "SELECT * FROM customers ORDER BY customer_key"
        assert s1.rows(q) == s2.rows(q)


COARSE_METERS = 60


@pytest.fixture(scope="module")
def coarse_homes(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Path], dict[str, Any]]:
    base = tmp_path_factory.mktemp("coarse")
    out = {k: base / k for k in ("direct", "csv")}
    meta = build_direct(out["direct"], COARSE_METERS, months=MONTHS, workers=1)
    build_demo(out["csv"], meters=COARSE_METERS, months=MONTHS, seed=7)
    return out, meta


def test_coarse_meters_keep_the_schedule_and_the_energy(
    coarse_homes: tuple[dict[str, Path], dict[str, Any]],
) -> None:
    """The scale generator simulates the Group B meters that record no 10-minute voltage on
    their own 15-minute grid (the module docstring): Group B ids past the 30 scenario meters,
    not a multiple of 10 and not on a weak transformer (the 40-meter fleet above has none: its
    ordinary meters all fill the weak transformers). Their values move, and with them their
    transformer neighbours' voltages; the Group A meters (their own batches, all on the 5-minute
    grid) and everything the schedule decides stay as the CSV demo."""
    homes, meta = coarse_homes
    con = duckdb.connect()
    group_a = meta["scenarios"]["group_a"]
    weak = set(meta["scenarios"]["weak_transformer_meters"])
    coarse = [f"4001{k:04d}" for k in range(31, COARSE_METERS + 1) if k % 10 and f"4001{k:04d}" not in weak]
    coarse = [i for i in coarse if i not in group_a]
    assert len(coarse) >= 5  # the fleet has meters simulated at 15 minutes
    a_ids = sql_str_list(group_a)
    keys = {
        "load_profile": "installation_id, ts, interval_min, quality",
        "billing_registers": "installation_id, ts, register, posto",
        "events": "installation_id, ts, code",
    }
    for table, key in keys.items():
        a, b = _lake_rows(con, homes["direct"], table), _lake_rows(con, homes["csv"], table)
        n = con.sql(f"SELECT count(*) FROM {a}").fetchall()[0][0]
        assert n > 0
        # Group A: the same rows, values included
        a_a = f"(SELECT * FROM {a} WHERE list_contains({a_ids}, installation_id))"
        b_a = f"(SELECT * FROM {b} WHERE list_contains({a_ids}, installation_id))"
        assert con.sql(f"SELECT count(*) FROM {a_a}").fetchall()[0][0] > 0, table
        assert con.sql(f"SELECT count(*) FROM ({a_a} EXCEPT ALL {b_a})").fetchall() == [(0,)], table
        assert con.sql(f"SELECT count(*) FROM ({b_a} EXCEPT ALL {a_a})").fetchall() == [(0,)], table
        # every meter: the same intervals (quality included), register readings and scheduled
        # events; the derived under/over-voltage events (codes 10-13) follow the voltages
        cond = "WHERE code NOT IN (10, 11, 12, 13)" if table == "events" else ""
        a_k, b_k = f"(SELECT {key} FROM {a} {cond})", f"(SELECT {key} FROM {b} {cond})"
        assert con.sql(f"SELECT count(*) FROM ({a_k} EXCEPT ALL {b_k})").fetchall() == [(0,)], table
        assert con.sql(f"SELECT count(*) FROM ({b_k} EXCEPT ALL {a_k})").fetchall() == [(0,)], table
    # the coarse meters' energy: the same model, so each month's total import of those meters
    # stays within a few percent of the CSV demo's (different random draws, not a rule)
    lp_a, lp_b = (
        _lake_rows(con, homes["direct"], "load_profile"),
        _lake_rows(con, homes["csv"], "load_profile"),
    )
    c_ids = sql_str_list(coarse)
    e_a, e_b = (
        con.sql(f"SELECT sum(import_wh) FROM {lp} WHERE list_contains({c_ids}, installation_id)").fetchall()[
            0
        ][0]
        for lp in (lp_a, lp_b)
    )
    assert abs(e_a / e_b - 1) < 0.1, (e_a, e_b)
    # voltage: a sample of the CSV demo's meters and 10-minute windows
    a, b = _lake_rows(con, homes["direct"], "voltage_10min"), _lake_rows(con, homes["csv"], "voltage_10min")
    a_k, b_k = f"(SELECT installation_id, ts FROM {a})", f"(SELECT installation_id, ts FROM {b})"
    assert con.sql(f"SELECT count(*) FROM ({a_k} EXCEPT ALL {b_k})").fetchall() == [(0,)]
    sampled = {r[0] for r in con.sql(f"SELECT DISTINCT installation_id FROM {a}").fetchall()}
    assert "40010001" in sampled and "40010018" in sampled  # demo customer, phase_sag scenario
    assert not sampled & set(coarse)
    with Store(homes["direct"], read_only=True) as s1, Store(homes["csv"], read_only=True) as s2:
        q = "SELECT * FROM installations ORDER BY installation_id"
        assert s1.rows(q) == s2.rows(q)
        q = "SELECT * FROM customers ORDER BY customer_key"
        assert s1.rows(q) == s2.rows(q)


def test_deterministic_by_seed_and_independent_of_workers(homes: dict[str, Path], tmp_path: Path) -> None:
    assert _digest(homes["direct"]) == _digest(homes["again"])  # byte-identical files
    con = duckdb.connect()
    for table in LAKE:
        a, b = _lake_rows(con, homes["direct"], table), _lake_rows(con, homes["split"], table)
        assert con.sql(f"SELECT count(*) FROM ({a} EXCEPT ALL {b})").fetchall() == [(0,)], table
        assert con.sql(f"SELECT count(*) FROM ({b} EXCEPT ALL {a})").fetchall() == [(0,)], table
    build_direct(tmp_path / "s8", 12, months=MONTHS, seed=8, workers=1)
    build_direct(tmp_path / "s7", 12, months=MONTHS, seed=7, workers=1)
    a, b = _lake_rows(con, tmp_path / "s8", "load_profile"), _lake_rows(con, tmp_path / "s7", "load_profile")
    assert con.sql(f"SELECT count(*) FROM ({a} EXCEPT ALL {b})").fetchall()[0][0] > 0


def test_scenarios_present(homes: dict[str, Path]) -> None:
    meta = demo_metadata(homes["direct"])
    assert meta["build"]["params"]["direct"] is True
    scen = meta["scenarios"]
    for key in ("demo", "solar", "group_a", "tamper", "branca", "weak_transformer_meters", "comm_gaps"):
        assert scen.get(key), key
    with Store(homes["direct"], read_only=True) as s:
        # rooftop PV exports; Group A meters have 5-minute rows; tamper meters raise tamper alarms
        solar = scen["net_exporter"][0]
        assert s.scalar("SELECT sum(export_wh) FROM load_profile WHERE installation_id = ?", [solar]) > 0
        a = scen["group_a"][0]
        assert s.rows("SELECT DISTINCT interval_min FROM load_profile WHERE installation_id = ?", [a]) == [
            (5,)
        ]
        tampered = scen["tamper"]
        n = s.scalar(
            "SELECT count(*) FROM events WHERE code IN (102, 103, 104, 108, 112) AND list_contains(?, installation_id)",
            [tampered],
        )
        assert n > 0
        # every installation of the register has load-profile rows
        assert s.scalar("SELECT count(DISTINCT installation_id) FROM load_profile") == METERS


def test_registers_balance_with_the_interval_energy(homes: dict[str, Path]) -> None:
    """Cumulative register 003 at the closing reading minus the first reading = the sum of the
    15-minute import energy in between (no gap, no silence for the demo customer)."""
    with Store(homes["direct"], read_only=True) as s:
        (first_ts, first), (last_ts, last) = s.rows(
            "SELECT ts, value_wh FROM billing_registers WHERE installation_id = '40010001' "
            "AND register = '003' AND posto = 'total' AND ts IN ("
            "  SELECT min(ts) FROM billing_registers WHERE installation_id = '40010001' UNION ALL "
            "  SELECT max(ts) FROM billing_registers WHERE installation_id = '40010001') ORDER BY ts"
        )
        energy = s.scalar(
            "SELECT sum(import_wh) FROM load_profile WHERE installation_id = '40010001' AND ts >= ? AND ts < ?",
            [first_ts, last_ts],
        )
    assert last_ts - first_ts == dt.timedelta(days=(last_ts.date() - first_ts.date()).days)
    assert last - first == energy


def test_layout_sorted_buckets_with_narrow_row_groups(homes: dict[str, Path]) -> None:
    files = sorted((homes["split"] / "lake" / "load_profile").rglob("*.parquet"))
    months = {f.parent.name for f in files}
    assert len(files) > len(months)  # several installation buckets per month
    con = duckdb.connect()
    for f in files:
        order = lakefile.order_sql("load_profile")
        ok = con.sql(
            f"SELECT bool_and(k >= lag_k OR lag_k IS NULL) FROM (SELECT ({order}) AS k, "
            f"lag(({order})) OVER (ORDER BY file_row_number) AS lag_k FROM read_parquet('{f}', file_row_number = true))"
        ).fetchall()
        assert ok == [(True,)], f
    # a bucket's installations do not appear in another bucket of the same month
    owners = con.sql(
        f"SELECT installation_id, count(DISTINCT filename) FROM read_parquet('{homes['split']}/lake/load_profile/*/*.parquet', "
        "filename = true, hive_partitioning = true) GROUP BY installation_id, month HAVING count(DISTINCT filename) > 1"
    ).fetchall()
    assert owners == []
    # encodings as lakefile documents them
    md = pq.ParquetFile(files[0]).metadata
    cols = {
        md.row_group(0).column(j).path_in_schema: md.row_group(0).column(j) for j in range(md.num_columns)
    }
    assert "BYTE_STREAM_SPLIT" in cols["import_wh"].encodings
    assert "DELTA_BINARY_PACKED" in cols["ts"].encodings


def test_usage_aggregates_equal_a_rebuild_from_the_lake(homes: dict[str, Path], tmp_path: Path) -> None:
    """The generator loads the usage aggregates from the hourly sums its workers computed; they
    are the rows ``usage.rebuild`` computes from the lake (several files a month, two workers)."""
    home = tmp_path / "copy"
    shutil.copytree(homes["split"], home)
    assert not (home / ".usage-stage").exists()  # loaded and removed
    queries = ("SELECT * FROM usage_hourly ORDER BY ALL", "SELECT * FROM usage_daily ORDER BY ALL")
    with Store(home) as s:
        cur = s.cursor()
        loaded = [cur.execute(q).fetchall() for q in queries]
        assert all(len(rows) > 0 for rows in loaded)
        usage.rebuild(cur, home / "lake" / "load_profile")
        assert [cur.execute(q).fetchall() for q in queries] == loaded
        cur.close()


def test_plan_buckets_groups_consecutive_batches_by_rows() -> None:
    # four 15-minute meters (2,922 rows a month each) and one 5-minute meter (8,766)
    fleet = SimpleNamespace(inst=pd.DataFrame({"interval_min": [15, 15, 15, 15, 5]}))
    batches = [np.array([0, 1]), np.array([2, 3]), np.array([4])]
    got = plan_buckets(fleet, batches, rows_per_file=6_000)  # type: ignore[arg-type]
    assert [[b.tolist() for b in bucket] for bucket in got] == [[[0, 1]], [[2, 3]], [[4]]]
    got = plan_buckets(fleet, batches, rows_per_file=12_000)  # type: ignore[arg-type]
    assert [[b.tolist() for b in bucket] for bucket in got] == [[[0, 1], [2, 3]], [[4]]]


def test_reuse_keeps_an_existing_fleet(homes: dict[str, Path]) -> None:
    before = _digest(homes["direct"])
    meta = build_scale_fleet(homes["direct"], METERS, months=MONTHS, workers=1)
    assert meta["build"]["params"]["meters"] == METERS
    assert _digest(homes["direct"]) == before


def test_installation_files_and_scoped_sql_read_only_its_buckets(homes: dict[str, Path]) -> None:
    """A single-installation query opens one file a month (its bucket), with the view's rows."""
    with Store(homes["split"], read_only=True) as s:
        months = sorted(p.name for p in (homes["split"] / "lake" / "load_profile").glob("month=*"))
        for iid in ("40010001", "40010040"):
            files = s.installation_files("load_profile", iid)
            assert len(files) == len(months)  # one bucket holds it in each month
            has = {
                r[0]
                for r in s.rows(
                    f"SELECT DISTINCT filename FROM read_parquet({files!r}, filename = true) WHERE installation_id = ?",
                    [iid],
                )
            }
            assert has == set(files)
            sql = "SELECT ts, import_wh, month FROM load_profile WHERE installation_id = ? ORDER BY ts"
            scoped = s.scope_sql(sql, iid)
            assert "read_parquet" in scoped and scoped != sql
            assert s.rows(scoped, [iid]) == s.rows(sql, [iid])
        assert s.installation_files("load_profile", "49999999") == []
        assert s.installation_files("load_profile", "40010001", ("2099-01", "2099-12")) == []
        # no file may hold it: an empty relation typed like the view, not the view (every file)
        sql = "SELECT ts, import_wh, month FROM load_profile WHERE installation_id = ? ORDER BY ts"
        for iid, months in (("49999999", None), ("40010001", ("2099-01", "2099-12"))):
            scoped = s.scope_sql(sql, iid, months)
            assert "read_parquet" not in scoped and "FROM load_profile" not in scoped
            empty, view = s.df(scoped, [iid]), s.df(sql + " LIMIT 0", [iid])
            assert empty.empty and list(empty.dtypes) == list(view.dtypes)
