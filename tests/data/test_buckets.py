"""Derived tables split by installation bucket (tools/data/buckets.py): the ranges, the split when
the register outgrows them, a home from before buckets, and one customer's query naming its bucket."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.lake import insert_installations, with_load_profile_columns, write_lake
from tools.data import buckets, usage
from tools.data.store import Store

IDS = [f"I{n:02d}" for n in range(1, 17)]


def _lake(ids: list[str]) -> pd.DataFrame:
    """One 15-minute reading on 2026-10-01 10:00 per installation: I01 10 Wh, I02 20 Wh, ... In 10*n Wh."""
    df = pd.DataFrame(
        {
            "installation_id": ids,
            "ts": pd.to_datetime(["2026-10-01 10:00"] * len(ids)),
            "interval_min": 15,
            "import_wh": [10 * int(i[1:]) for i in ids],
            "export_wh": 0,
            "quality": 0,
        }
    )
    return with_load_profile_columns(df).astype(
        {"interval_min": "int16", "import_wh": "Int32", "export_wh": "Int32", "quality": "uint8"}
    )


def _nine_installations(store: Store, home: Path) -> None:
    """I01..I09 in the register and in the lake, the derived tables synced."""
    insert_installations(store, [{"installation_id": i} for i in IDS[:9]])
    write_lake(home, "load_profile", _lake(IDS[:9]))
    store.refresh_views()


def test_ranges_split_the_sorted_ids_into_buckets_of_the_target_size() -> None:
    ids = IDS[:9]
    # 9 ids, 3 a bucket: I01-I03, I04-I06, I07-I09
    assert buckets.wanted_lows(ids, 3) == ["", "I04", "I07"]
    # 9 ids, 4 a bucket: the last bucket would hold only I09 (less than half a bucket): merged
    assert buckets.wanted_lows(ids, 4) == ["", "I05"]
    assert buckets.wanted_lows(ids[:2], 3) == [""]
    lows = ["", "I04", "I07"]
    assert [buckets.bucket_of(lows, i) for i in ("A", "I03", "I04", "I06", "I07", "Z")] == [0, 0, 1, 1, 2, 2]
    assert buckets.range_filter(lows, 0) == "installation_id < 'I04'"
    assert buckets.range_filter(lows, 1) == "installation_id >= 'I04' AND installation_id < 'I07'"
    assert buckets.range_filter(lows, 2) == "installation_id >= 'I07'"
    assert buckets.range_filter([""], 0) == "true"
    # over twice the target in one bucket: split again
    assert not buckets.overfull(lows, ids, 3)
    assert buckets.overfull(lows, IDS, 3)  # I07..I16: 10 > 6
    assert buckets.overfull([""], ids, 4)  # 9 > 8
    assert not buckets.overfull([""], ids, 5)


def test_the_register_splits_the_aggregates_and_a_customer_reads_only_its_bucket(
    fresh_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(buckets, "TARGET", 3)
    with Store(fresh_home) as store:
        _nine_installations(store, fresh_home)
        cur = store.con.cursor()
        assert buckets.layout(cur, "usage_daily") == ["", "I04", "I07"]
        assert buckets.layout(cur, "usage_hourly") == ["", "I04", "I07"]
        assert buckets.layout(cur, "midnight_registers") == ["", "I04", "I07"]
        # each bucket holds its range only; the view holds every row (10 + 20 + ... + 90 = 450 Wh)
        in_b1 = cur.execute("SELECT list(installation_id ORDER BY 1) FROM usage_daily__b0001").fetchone()[0]
        assert in_b1 == ["I04", "I05", "I06"]
        assert cur.execute("SELECT sum(import_wh) FROM usage_daily").fetchone()[0] == 450
        # one customer's query names its bucket's table, and finds its 50 Wh there
        sql = "SELECT sum(import_wh) FROM usage_daily WHERE installation_id = $installation"
        scoped = store.scope_buckets(sql, "I05")
        assert scoped == "SELECT sum(import_wh) FROM usage_daily__b0001 WHERE installation_id = $installation"
        assert store.scalar(scoped, {"installation": "I05"}) == 50
        # a range of installations reads the buckets it spans (I05..I08: buckets 1 and 2)
        spanned = store.scope_buckets("SELECT sum(import_wh) FROM usage_daily WHERE installation_id BETWEEN 'I05' AND 'I08'", "I05", "I08")
        assert "usage_daily__b0000" not in spanned and "usage_daily__b0002" in spanned
        assert store.scalar(spanned) == 50 + 60 + 70 + 80

        # the register grows to 16: I07..I16 (10 installations) is over twice the target, so the
        # next sync splits every table again, keeping its rows (no month is rebuilt from the lake)
        insert_installations(store, [{"installation_id": i} for i in IDS[9:]])
        assert usage.sync(cur, fresh_home / "lake" / "load_profile") == []
        assert buckets.layout(cur, "usage_daily") == ["", "I04", "I07", "I10", "I13", "I16"]
        assert cur.execute("SELECT sum(import_wh) FROM usage_daily").fetchone()[0] == 450
        assert cur.execute("SELECT sum(import_wh) FROM usage_hourly__b0002").fetchone()[0] == 70 + 80 + 90
        assert store.scope_buckets(sql, "I08").endswith("FROM usage_daily__b0002 WHERE installation_id = $installation")
        cur.close()

    # a reader (its own snapshot) routes by the layout it finds there
    with Store(fresh_home, read_only=True) as reader:
        scoped = reader.scope_buckets(sql, "I16")
        assert "usage_daily__b0005" in scoped
        assert reader.scalar(scoped, {"installation": "I16"}) is None  # I16 has no reading
        assert reader.scalar(reader.scope_buckets(sql, "I09"), {"installation": "I09"}) == 90


def test_a_home_from_before_buckets_keeps_its_rows_and_is_split_at_its_next_sync(
    fresh_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(buckets, "TARGET", 3)
    with Store(fresh_home) as store:
        _nine_installations(store, fresh_home)
        cur = store.con.cursor()
        # turn the tables back into the plain ones of a home from before buckets, plus a marker row
        # the lake does not hold: a rebuild from the lake would drop it, a migration keeps it
        for table in usage.BUCKETED:
            cur.execute(f"CREATE TABLE {table}__plain AS SELECT * FROM {table}")
            buckets.drop(cur, table)
            cur.execute(f"ALTER TABLE {table}__plain RENAME TO {table}")
        cur.execute(
            "INSERT INTO usage_daily VALUES ('I02', '2026-10', DATE '2026-10-02', 7, 0, 15, 1, 1, 1, 0, TIMESTAMP '2026-10-02 00:00')"
        )
        assert buckets.layout(cur, "usage_daily") == []
        assert usage.tables_exist(cur)  # readable as it is (a reader's snapshot of such a home)
        assert usage.sync(cur, fresh_home / "lake" / "load_profile") == []  # nothing rebuilt
        assert buckets.derived_exist(cur, usage.BUCKETED, "usage_sources", usage.SOURCES_COLUMNS)
        assert buckets.layout(cur, "usage_daily") == ["", "I04", "I07"]
        assert cur.execute("SELECT sum(import_wh) FROM usage_daily__b0000").fetchone()[0] == 10 + 20 + 30 + 7
        cur.close()


def test_files_whose_id_ranges_overlap_are_told_apart_by_the_ids_they_hold(tmp_path: Path) -> None:
    """Two files of one month whose min/max ranges overlap (I01..I05 and I02..I04, the scale
    generator's interleaved transformer buckets): each installation is read from its own file only."""
    from tools.data.lakeindex import LakeIndex

    month = tmp_path / "load_profile" / "month=2026-10"
    month.mkdir(parents=True)
    _lake(["I01", "I03", "I05"]).to_parquet(month / "part-0000.parquet", index=False)
    _lake(["I02", "I04"]).to_parquet(month / "part-0001.parquet", index=False)
    index = LakeIndex(tmp_path / "load_profile")
    assert index.warm() == 1  # the month's ranges overlap: its membership is read at start
    assert index.warm() == 0  # and kept
    names = {i: [Path(p).name for p in index.files_for(i)] for i in ("I01", "I02", "I03", "I04", "I05", "I06")}
    assert names == {
        "I01": ["part-0000.parquet"],  # only part-0000's range holds it: no membership needed
        "I02": ["part-0001.parquet"],  # within both ranges, held by part-0001 only
        "I03": ["part-0000.parquet"],
        "I04": ["part-0001.parquet"],
        "I05": ["part-0000.parquet"],
        "I06": [],
    }


def test_customer_tools_answer_the_same_from_buckets_as_from_one_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 60-meter demo answered from one table per aggregate, then split into buckets of about 20
    installations: every customer tool gives the same result for installations of the first,
    a middle and the last bucket (a query routed to a wrong bucket would find no rows). The similar
    homes come from the installation's bucket and its two neighbours: the whole fleet for the middle
    bucket (same peers), two thirds of it for the first and the last (fewer peers, never more)."""
    import datetime as dt

    from tools.api import Scope, ToolContext, run_tool
    from tools.api.admin import build_demo
    from tools.types import to_jsonable

    home = tmp_path / "home"
    build_demo(home, meters=60, months=13, seed=7)
    calls = [
        ("consumption_summary", {}),
        ("consumption_summary", {"period": "yesterday"}),
        ("explain_bill", {}),
        ("forecast_bill", {}),
        ("compare_tariffs", {}),
        ("gd_credits", {}),
        ("tariff_flag", {}),
        ("efficiency_tips", {}),
        ("deadline_status", {}),
    ]

    def answers(store: Store, ids: list[str]) -> list[object]:
        ctx = ToolContext(store=store, scope=Scope.operator(), today=dt.date(2026, 11, 26))
        out: list[object] = []
        for iid in ids:
            for name, args in calls:
                try:
                    result = run_tool(name, ctx, iid, args)
                    out.append(to_jsonable({"value": result.value, "trail": result.trail, "issues": result.issues}))
                except Exception as exc:  # noqa: BLE001 - a refusal must be the same refusal
                    out.append(type(exc).__name__)
        return out

    with Store(home) as store:
        ids = buckets.register_ids(store.con)
        picked = [ids[0], ids[len(ids) // 2], ids[-1]]
        assert store.bucket_layouts()["usage_daily"] == [""]
        before = answers(store, picked)
        monkeypatch.setattr(buckets, "TARGET", 20)
        store.sync_usage()
        lows = store.bucket_layouts()["usage_daily"]
        assert lows == ["", ids[20], ids[40]]
        assert store.bucket_layouts()["midnight_registers"] == lows
        assert [buckets.bucket_of(lows, i) for i in picked] == [0, 1, 2]
        after = answers(store, picked)
    assert any(isinstance(a, dict) for a in after)
    n = len(calls)
    assert after[n : 2 * n] == before[n : 2 * n]  # the middle bucket: everything, peers included

    def without_peers(answer: object) -> tuple[object, int | None]:
        """The answer without its similar-homes parts, and its number of similar homes."""
        if not isinstance(answer, dict) or "similar_homes" not in answer["value"]:
            return answer, None
        value = {k: v for k, v in answer["value"].items() if k not in ("similar_homes", "vs_similar_pct")}
        value["comparisons"] = [c for c in value["comparisons"] if c["basis"] != "similar_homes"]
        trail = [t for t in answer["trail"] if t["key"] != "consumption.step.similar_homes"]
        similar = answer["value"]["similar_homes"]
        return {**answer, "value": value, "trail": trail}, (similar or {}).get("peers")

    fewer = 0
    for k in (*range(n), *range(2 * n, 3 * n)):  # the first and the last bucket
        (was, peers_was), (now, peers_now) = without_peers(before[k]), without_peers(after[k])
        assert now == was
        if peers_was is not None:
            assert peers_now is not None and 0 < peers_now <= peers_was
            fewer += peers_now < peers_was
    assert fewer  # some home lost the peers of the bucket it no longer reads


def test_a_month_of_overlapping_files_is_aggregated_a_range_of_installations_at_a_time(
    fresh_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two overlapping files (I01, I03, I05 and I02, I04), two installations a pass: the passes split
    at the ids the files hold (I03, I05), and every installation's sum is its own reading."""
    from tools.data import lakeindex

    monkeypatch.setattr(lakeindex, "PASS_INSTALLATIONS", 2)
    month = fresh_home / "lake" / "load_profile" / "month=2026-10"
    month.mkdir(parents=True)
    _lake(["I01", "I03", "I05"]).to_parquet(month / "part-0000.parquet", index=False)
    _lake(["I02", "I04"]).to_parquet(month / "part-0001.parquet", index=False)
    passes = lakeindex.aggregation_passes(sorted(str(p) for p in month.glob("*.parquet")))
    assert [where for _files, where in passes] == [
        "installation_id < 'I03'",
        "installation_id >= 'I03' AND installation_id < 'I05'",
        "installation_id >= 'I05'",
    ]
    assert all(len(files) == 2 for files, _where in passes)
    with Store(fresh_home) as store:
        store.refresh_views()
        rows = store.rows("SELECT installation_id, import_wh FROM usage_daily ORDER BY 1")
    assert rows == [("I01", 10), ("I02", 20), ("I03", 30), ("I04", 40), ("I05", 50)]
