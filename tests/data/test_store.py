"""The store: lake layout (Hive partitions, ZSTD, sorted, standard types), views, recovery, read-only opens."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow.parquet as pq

from tools.data.ingest import ingest_paths
from tools.data.store import Store


def _ingest(home: Path, fx: Path, *names: str, **kw: object) -> None:
    with Store(home) as store:
        ingest_paths(store, [fx / n for n in names], **kw)  # type: ignore[arg-type]


def test_empty_store_has_typed_empty_views(fresh_home):
    with Store(fresh_home) as store:
        assert store.scalar("SELECT count(*) FROM load_profile") == 0
        types = dict(
            store.rows(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'load_profile'"
            )
        )
        assert (
            types["import_wh"] == "INTEGER" and types["v_a_dv"] == "SMALLINT" and types["month"] == "VARCHAR"
        )
        assert store.scalar("SELECT count(*) FROM outages") == 0
        assert store.data_today() is None


def test_lake_layout_is_hive_zstd_sorted_standard_types(fresh_home, mdm_exports):
    _ingest(
        fresh_home, mdm_exports, "installations.csv", "load_profile_2026-10-01.csv", "load_profile_late.csv"
    )
    lake = fresh_home / "lake" / "load_profile"
    files = sorted(p.relative_to(lake).as_posix() for p in lake.rglob("*.parquet"))
    assert files == ["month=2026-09/part-0000.parquet", "month=2026-10/part-0000.parquet"]
    meta = pq.ParquetFile(lake / files[1])
    assert {meta.metadata.row_group(0).column(i).compression for i in range(meta.metadata.num_columns)} == {
        "ZSTD"
    }
    schema = meta.schema_arrow
    assert "month" not in schema.names  # the partition value lives in the directory name only
    assert str(schema.field("ts").type) == "timestamp[us]"
    assert str(schema.field("import_wh").type) == "int32" and str(schema.field("v_a_dv").type) == "int16"
    rows = pq.read_table(lake / files[1], columns=["installation_id", "ts"]).to_pylist()
    assert [(r["installation_id"], r["ts"]) for r in rows] == sorted(
        (r["installation_id"], r["ts"]) for r in rows
    )
    with Store(fresh_home) as store:
        assert store.data_today() is not None and str(store.data_today()) == "2026-10-01"


def test_large_partitions_split_into_installation_ranges(fresh_home, mdm_exports):
    _ingest(fresh_home, mdm_exports, "installations.csv", "load_profile_2026-10-01.csv", rows_per_file=3)
    part = fresh_home / "lake" / "load_profile" / "month=2026-10"
    files = sorted(part.glob("*.parquet"))
    # UC001 has 4 rows, UC002 2: contiguous installation ranges of about 3 rows each
    ranges = [
        sorted({r["installation_id"] for r in pq.read_table(f, columns=["installation_id"]).to_pylist()})
        for f in files
    ]
    assert ranges == [["UC001"], ["UC002"]]
    with Store(fresh_home) as store:
        assert store.scalar("SELECT count(*) FROM load_profile") == 6


def test_views_never_see_dot_prefixed_temp_dirs_and_recover_discards_them(fresh_home, mdm_exports):
    _ingest(fresh_home, mdm_exports, "installations.csv", "load_profile_2026-10-01.csv")
    lake = fresh_home / "lake" / "load_profile"
    shutil.copytree(lake / "month=2026-10", lake / ".tmp-deadbeef-month=2026-10")
    shutil.copytree(lake / "month=2026-10", lake / ".old-deadbeef-month=2026-10")
    with Store(fresh_home, read_only=True) as store:
        assert store.scalar("SELECT count(*) FROM load_profile") == 6
    with Store(fresh_home) as store:
        assert sorted(p.name for p in lake.iterdir()) == ["month=2026-10"]
        assert store.scalar("SELECT count(*) FROM load_profile") == 6


def test_recover_rolls_committed_swaps_forward(fresh_home, mdm_exports):
    _ingest(fresh_home, mdm_exports, "installations.csv", "load_profile_2026-10-01.csv")
    lake = fresh_home / "lake" / "load_profile"
    with Store(fresh_home) as store:  # a batch committed its journal, then the process died
        shutil.copytree(lake / "month=2026-10", lake / ".tmp-b1-month=2026-11")
        store.con.execute(
            "INSERT INTO lake_swaps VALUES ('b1', 'load_profile', '2026-11', '.tmp-b1-month=2026-11', '.old-b1-month=2026-11')"
        )
    with Store(fresh_home) as store:  # reopen: recovery applies the journal
        assert sorted(p.name for p in lake.iterdir()) == ["month=2026-10", "month=2026-11"]
        assert store.scalar("SELECT count(*) FROM lake_swaps") == 0
        assert store.scalar("SELECT count(*) FROM load_profile") == 12


def test_read_only_open_shares_an_existing_read_write_instance(fresh_home, mdm_exports):
    _ingest(fresh_home, mdm_exports, "installations.csv")
    with Store(fresh_home) as rw, Store(fresh_home, read_only=True) as ro:
        assert ro.read_only and not rw.read_only
        assert ro.scalar("SELECT count(*) FROM installations") == 3


def test_service_requests_table_is_keyed_by_request_id(fresh_home):
    with Store(fresh_home) as store:
        cols = store.rows(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'service_requests' ORDER BY ordinal_position"
        )
        assert cols[0] == ("request_id", "VARCHAR") and ("opened_at", "TIMESTAMP") in cols
        pk = store.rows(
            "SELECT constraint_column_names FROM duckdb_constraints() WHERE table_name = 'service_requests' "
            "AND constraint_type = 'PRIMARY KEY'"
        )
        assert pk == [(["request_id"],)]


def test_a_writer_that_changes_nothing_publishes_no_new_copy(fresh_home, mdm_exports):
    _ingest(fresh_home, mdm_exports, "installations.csv")
    snapshots = fresh_home / "snapshots"
    with Store(fresh_home):
        pass
    first = (snapshots / "CURRENT").read_text()
    files = sorted(p.name for p in snapshots.glob("snap-*"))
    with Store(fresh_home) as rw:  # opened and closed again without a change: the same snapshot
        assert rw.publish_snapshot() == first
    assert (snapshots / "CURRENT").read_text() == first
    assert sorted(p.name for p in snapshots.glob("snap-*")) == files
    with Store(fresh_home) as rw:  # a change: a new snapshot, which a reader sees
        rw.con.execute("DELETE FROM installations WHERE installation_id = (SELECT min(installation_id) FROM installations)")
        second = rw.publish_snapshot()
    assert second is not None and second != first and (snapshots / "CURRENT").read_text() == second
    with Store(fresh_home, read_only=True) as ro:
        assert ro.scalar("SELECT count(*) FROM installations") == 2  # 3 in the export, one deleted
