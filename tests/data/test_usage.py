"""Usage aggregates (usage_hourly / usage_daily): hand-worked sums, freshness, ingest, same tool results."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.conftest import DEMO_TODAY
from tests.lake import with_load_profile_columns, write_lake
from tools.api import Scope, ToolContext, run_tool
from tools.api.admin import demo_metadata
from tools.data.ingest import ingest_paths
from tools.data.store import Store
from tools.errors import ToolError
from tools.types import to_jsonable


def _rows(iid: str, rows: list[tuple[str, int, int | None, int | None, int]]) -> pd.DataFrame:
    """(ts, interval_min, import_wh, export_wh, quality) rows of one installation, other channels NULL."""
    df = pd.DataFrame(rows, columns=["ts", "interval_min", "import_wh", "export_wh", "quality"])
    df["ts"] = pd.to_datetime(df["ts"])
    df.insert(0, "installation_id", iid)
    return with_load_profile_columns(df).astype(
        {"interval_min": "int16", "import_wh": "Int32", "export_wh": "Int32", "quality": "uint8"}
    )


# A1 on 2026-10-01: hour 10 = 100 + 200 Wh (the 10:15 reading estimated) + a row without energy at
# 10:30; hour 11 = 50 Wh. A5: three 5-minute readings (1 + 2 + 3 Wh) in one quarter-hour.
CRAFTED = pd.concat(
    [
        _rows(
            "A1",
            [
                ("2026-10-01 10:00", 15, 100, 0, 0),
                ("2026-10-01 10:15", 15, 200, 5, 1),
                ("2026-10-01 10:30", 15, None, None, 0),
                ("2026-10-01 11:00", 15, 50, 0, 0),
                ("2026-10-02 23:45", 15, 10, 0, 0),
            ],
        ),
        _rows(
            "A5",
            [
                ("2026-10-01 10:00", 5, 1, 0, 0),
                ("2026-10-01 10:05", 5, 2, 0, 0),
                ("2026-10-01 10:10", 5, 3, 0, 0),
            ],
        ),
    ],
    ignore_index=True,
)


def test_hourly_and_daily_sums_are_those_of_the_interval_rows(fresh_home: Path) -> None:
    with Store(fresh_home) as store:
        write_lake(fresh_home, "load_profile", CRAFTED)
        store.refresh_views()
        assert store.usage_ready()
        hourly = store.rows(
            "SELECT installation_id, hour, import_wh, export_wh, minutes, readings, slots, rows, estimated "
            "FROM usage_hourly WHERE day = DATE '2026-10-01' ORDER BY 1, 2"
        )
        assert hourly == [
            ("A1", 10, 300, 5, 45, 2, 3, 3, 1),  # the row without energy counts as covered minutes and a slot
            ("A1", 11, 50, 0, 15, 1, 1, 1, 0),
            ("A5", 10, 6, 0, 15, 3, 1, 3, 0),  # three 5-minute readings in one 15-minute slot
        ]
        daily = store.rows(
            "SELECT day, import_wh, minutes, readings, slots, rows, estimated, last_ts FROM usage_daily "
            "WHERE installation_id = 'A1' ORDER BY day"
        )
        assert daily == [
            (dt.date(2026, 10, 1), 350, 60, 3, 4, 4, 1, dt.datetime(2026, 10, 1, 11, 0)),
            (dt.date(2026, 10, 2), 10, 15, 1, 1, 1, 0, dt.datetime(2026, 10, 2, 23, 45)),
        ]
        assert store.rows("SELECT month FROM usage_sources") == [("2026-10",)]
        # the last interval starts at 23:45: that day is complete, so "today" is the next day
        assert store.data_today() == dt.date(2026, 10, 3)


def test_hourly_reactive_sums_and_15_minute_peak(fresh_home: Path) -> None:
    """G5 (5-minute meter), hour 10 of 2026-10-01, slot by slot:
    10:00-10:14: 10 + 20 + 30 = 60 Wh; 10:15-10:29: (no import) + 50 = 50 Wh; 10:45: 5 Wh.
    peak_wh = 60 (the largest slot sum, not the largest reading 50), slots = 3;
    q1 = 4 + 4 + 1 = 9 (NULLs skipped), q4 = 2; hour 11 has one reading without import or
    reactive values: its slot counts 0 Wh (peak 0) and its reactive sums are NULL."""
    df = _rows(
        "G5",
        [
            ("2026-10-01 10:00", 5, 10, 0, 0),
            ("2026-10-01 10:05", 5, 20, 0, 0),
            ("2026-10-01 10:10", 5, 30, 0, 0),
            ("2026-10-01 10:15", 5, None, None, 0),
            ("2026-10-01 10:20", 5, 50, 0, 0),
            ("2026-10-01 10:45", 5, 5, 0, 0),
            ("2026-10-01 11:00", 5, None, None, 0),
        ],
    )
    df["q1_varh"] = pd.array([4, 4, None, 1, None, None, None], dtype="Int32")
    df["q4_varh"] = pd.array([None, None, None, None, None, 2, None], dtype="Int32")
    with Store(fresh_home) as store:
        write_lake(fresh_home, "load_profile", df)
        store.refresh_views()
        assert store.usage_ready()
        assert store.rows(
            "SELECT hour, import_wh, slots, readings, q1_varh, q4_varh, peak_wh FROM usage_hourly ORDER BY hour"
        ) == [(10, 115, 3, 5, 9, 2, 60), (11, None, 1, 0, None, None, 0)]


def test_rewritten_or_removed_partitions_are_rebuilt(fresh_home: Path) -> None:
    with Store(fresh_home) as store:
        write_lake(fresh_home, "load_profile", CRAFTED)
        store.refresh_views()
        assert store.scalar("SELECT sum(import_wh) FROM usage_daily") == 366
        changed = CRAFTED.copy()
        changed["import_wh"] = changed["import_wh"] * 2
        write_lake(fresh_home, "load_profile", changed)  # another process rewrote the month, no refresh_views
        assert store.usage_ready()  # read-write: the stale month is rebuilt here
        assert store.scalar("SELECT sum(import_wh) FROM usage_daily") == 732
        shutil.rmtree(fresh_home / "lake" / "load_profile" / "month=2026-10")
        assert store.usage_ready()
        assert store.scalar("SELECT count(*) FROM usage_hourly") == 0


def test_each_month_goes_in_with_its_fingerprint_so_a_failure_keeps_the_months_done(
    fresh_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tools.data import usage

    november = CRAFTED.copy()
    november["ts"] = november["ts"] + pd.DateOffset(months=1)
    with Store(fresh_home) as store:
        write_lake(fresh_home, "load_profile", pd.concat([CRAFTED, november], ignore_index=True))
        store.refresh_views()
        doubled = pd.concat([CRAFTED, november], ignore_index=True)
        doubled["import_wh"] = doubled["import_wh"] * 2
        write_lake(fresh_home, "load_profile", doubled)  # both months rewritten by another process
        real_apply = usage.apply_months

        def fail_on_november(con: Any, staged: Any) -> None:
            if "2026-11" in staged:
                raise RuntimeError("disk full while applying November")
            real_apply(con, staged)

        cur = store.con.cursor()
        monkeypatch.setattr(usage, "apply_months", fail_on_november)
        with pytest.raises(RuntimeError):
            usage.sync(cur, fresh_home / "lake" / "load_profile")
        # October went in with its fingerprint (366 x 2 Wh), November kept its old rows (366 Wh)
        by_month = dict(cur.execute("SELECT month, sum(import_wh) FROM usage_daily GROUP BY month").fetchall())
        assert by_month == {"2026-10": 732, "2026-11": 366}
        assert not cur.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '_usage_%'").fetchone()[0]
        monkeypatch.setattr(usage, "apply_months", real_apply)
        assert usage.sync(cur, fresh_home / "lake" / "load_profile") == ["2026-11"]  # only the month left
        by_month = dict(cur.execute("SELECT month, sum(import_wh) FROM usage_daily GROUP BY month").fetchall())
        assert by_month == {"2026-10": 732, "2026-11": 732}
        cur.close()


def test_read_only_store_with_stale_aggregates_reads_the_lake(fresh_home: Path) -> None:
    with Store(fresh_home) as store:
        write_lake(fresh_home, "load_profile", CRAFTED)
        store.refresh_views()
    later = _rows("A1", [("2026-10-05 09:00", 15, 7, 0, 0)])
    # another program replaces the month the way every writer does: a new directory renamed into place
    staged = fresh_home / "staged"
    write_lake(staged, "load_profile", pd.concat([CRAFTED, later], ignore_index=True))
    month = fresh_home / "lake" / "load_profile" / "month=2026-10"
    shutil.rmtree(month)
    (staged / "lake" / "load_profile" / "month=2026-10").rename(month)
    with Store(fresh_home, read_only=True) as ro:
        assert not ro.usage_ready()  # cannot rebuild: tools use the lake views instead
        assert ro.data_today() == dt.date(2026, 10, 5)  # from the lake, not the stale aggregate
    with Store(fresh_home) as rw:  # the next read-write open repairs it
        assert rw.usage_ready() and rw.scalar("SELECT sum(import_wh) FROM usage_daily") == 373


def test_a_reader_answers_from_its_snapshot_until_the_writer_repairs_a_file_rewritten_in_place(
    fresh_home: Path,
) -> None:
    """A reader checks the lake by month directory (one stat a month, not one a file): a file
    rewritten in place by another program, which no writer of the lake does, is seen by the writer's
    next open (it lists every file), and the reader then follows its new snapshot."""
    with Store(fresh_home) as store:
        write_lake(fresh_home, "load_profile", CRAFTED)
        store.refresh_views()
    with Store(fresh_home, read_only=True) as ro:
        assert ro.usage_ready() and ro.scalar("SELECT sum(import_wh) FROM usage_daily") == 366
        later = _rows("A1", [("2026-10-05 09:00", 15, 7, 0, 0)])
        write_lake(fresh_home, "load_profile", pd.concat([CRAFTED, later], ignore_index=True))  # in place
        assert ro.usage_ready() and ro.scalar("SELECT sum(import_wh) FROM usage_daily") == 366  # its snapshot
        with Store(fresh_home) as rw:  # the writer lists every file: rebuilds the month, publishes
            assert rw.usage_ready() and rw.scalar("SELECT sum(import_wh) FROM usage_daily") == 373
    with Store(fresh_home, read_only=True) as ro:
        assert ro.usage_ready() and ro.scalar("SELECT sum(import_wh) FROM usage_daily") == 373


def _lake_vs_usage(store: Store) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    lake = store.rows(
        "SELECT installation_id, CAST(ts AS DATE), sum(import_wh), sum(interval_min), count(import_wh), count(*) "
        "FROM load_profile GROUP BY ALL ORDER BY 1, 2"
    )
    agg = store.rows(
        "SELECT installation_id, day, import_wh, minutes, readings, rows FROM usage_daily ORDER BY 1, 2"
    )
    return lake, agg


def test_ingest_updates_the_aggregates_in_its_commit(
    fresh_home: Path, mdm_exports: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store(fresh_home) as store:
        ingest_paths(store, [mdm_exports / n for n in ("installations.csv", "load_profile_2026-10-01.csv")])
        monkeypatch.setattr(Store, "sync_usage", lambda self: [])  # no rebuild: only the commit updates them
        rep = ingest_paths(store, [mdm_exports / "load_profile_late.csv"])  # adds 2026-09, merges 2026-10
        assert rep.files[0].partitions == ("2026-09", "2026-10")
        lake, agg = _lake_vs_usage(store)
        assert agg == lake and len(agg) == 3
        assert store.usage_ready()  # the stored fingerprints are those of the swapped-in files


def test_crash_between_commit_and_swap_leaves_consistent_aggregates(
    fresh_home: Path, mdm_exports: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store(fresh_home) as store:
        ingest_paths(store, [mdm_exports / n for n in ("installations.csv", "load_profile_2026-10-01.csv")])

    def boom(*a: object, **k: object) -> None:
        raise RuntimeError("crash before the swap")

    monkeypatch.setattr(Store, "apply_swap", boom)
    with Store(fresh_home) as store, pytest.raises(RuntimeError):
        ingest_paths(store, [mdm_exports / "load_profile_late.csv"])
    monkeypatch.undo()
    with Store(fresh_home) as store:  # recovery rolls the swap forward
        assert store.usage_ready()
        lake, agg = _lake_vs_usage(store)
        assert agg == lake and len(agg) == 3


# ----------------------------------------------------------------------------- same tool results


def _strip(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _strip(v) for k, v in obj.items() if k not in ("sql", "queries")}
    if isinstance(obj, list):
        return [_strip(v) for v in obj]
    return obj


def _result(ctx: ToolContext, name: str, iid: str | None, args: dict[str, Any]) -> Any:
    try:
        return _strip(to_jsonable(run_tool(name, ctx, iid, args)))
    except ToolError as exc:
        return ("error", type(exc).__name__, str(exc))


CALLS: list[tuple[str, dict[str, Any]]] = [
    ("consumption_summary", {}),
    ("consumption_summary", {"period": "last_bill"}),
    ("explain_bill", {}),
    ("forecast_bill", {}),
    ("compare_tariffs", {"shift": "peak_to_offpeak"}),
    ("gd_credits", {}),
    ("tariff_flag", {}),
    ("contracted_demand", {}),
]


@pytest.mark.integration
def test_tools_give_the_same_results_from_the_aggregates_and_the_lake(
    demo_store: Store, demo_home: Path
) -> None:
    scen = demo_metadata(demo_home)["scenarios"]
    ids = [scen[k][0] for k in ("demo", "solar_gd1", "net_exporter", "branca", "group_a_verde", "comm_gaps")]
    ctx = ToolContext(store=demo_store, scope=Scope.operator(), today=DEMO_TODAY)
    assert demo_store.usage_ready()
    runs = [(n, iid, a) for n, a in CALLS for iid in ids] + [
        ("data_completeness", None, {}),
        ("fleet_consumption", None, {"group_by": "posto"}),
        ("fleet_consumption", None, {"group_by": "class", "period": "2026-10"}),
    ]
    used = to_jsonable(run_tool("explain_bill", ctx, ids[0], {}))["provenance"]["queries"]
    assert any("usage_hourly" in q for q in used) and any("usage_daily" in q for q in used)
    try:
        for name, iid, args in runs:
            demo_store.aggregates_enabled = True
            agg = _result(ctx, name, iid, args)
            demo_store.aggregates_enabled = False
            lake = _result(ctx, name, iid, args)
            assert agg == lake, (name, iid, args)
    finally:
        demo_store.aggregates_enabled = True


def test_data_span_from_the_aggregate_reads_the_near_months_then_every_month(fresh_home: Path) -> None:
    """First and last day with data from usage_daily over five months (2026-01..04 and 06, none in
    May): the near query looks before 2026-03-01 (months[2]) and from 2026-04-01 (months[-2]) on.
    S1 is answered there; S2 (March only) and S3's last day (March) come from every month."""
    from tools.data.queries.billing import data_span

    def at(*stamps: str) -> list[tuple[str, int, int | None, int | None, int]]:
        return [(ts, 15, 10, 0, 0) for ts in stamps]

    lake = pd.concat(
        [
            _rows("S1", at("2026-01-03 08:00", "2026-03-10 08:00", "2026-04-10 08:00", "2026-06-28 23:45")),
            _rows("S2", at("2026-03-05 00:00", "2026-03-20 12:00")),
            _rows("S3", at("2026-02-14 09:00", "2026-03-28 10:00")),
        ],
        ignore_index=True,
    )
    with Store(fresh_home) as store:
        write_lake(fresh_home, "load_profile", lake)
        store.refresh_views()
        assert store.usage_ready()
        assert store.usage_months() == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-06"]
        assert data_span(store, "S1", "daily")[:2] == (dt.date(2026, 1, 3), dt.date(2026, 6, 28))
        assert data_span(store, "S2", "daily")[:2] == (dt.date(2026, 3, 5), dt.date(2026, 3, 20))
        assert data_span(store, "S3", "daily")[:2] == (dt.date(2026, 2, 14), dt.date(2026, 3, 28))
        assert data_span(store, "S4", "daily")[:2] == (None, None)
        assert data_span(store, "S3", "lake")[:2] == (
            dt.datetime(2026, 2, 14, 9, 0),
            dt.datetime(2026, 3, 28, 10, 0),
        )
