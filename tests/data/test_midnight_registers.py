"""midnight_registers (the 00:00 readings of the 003/103 total registers per installation and month):
hand-worked rows, the bill query reading it gives the lake query's rows, freshness."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd

from tests.lake import write_lake
from tools.data.queries.billing import midnight_registers
from tools.data.store import Store

D = dt.datetime


def _regs(rows: list[tuple[str, dt.datetime, str, str, int]]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["installation_id", "ts", "register", "posto", "value_wh"])
    return df.astype({"value_wh": "int64"})


# R1: import 003 at 00:00 of Oct 1, 2 and Nov 1, export 103 on Oct 1; kept out: a 12:00 reading, a
# 00:00:30 reading (second 30), the ponta posto, the reactive 024 register. Two readings of 003 at
# the same instant (1000 and 1005): the larger is kept. R2: one reading on Oct 2.
LAKE = _regs(
    [
        ("R1", D(2026, 10, 1), "003", "total", 1000),
        ("R1", D(2026, 10, 1), "003", "total", 1005),
        ("R1", D(2026, 10, 1), "103", "total", 40),
        ("R1", D(2026, 10, 1, 12), "003", "total", 1100),
        ("R1", D(2026, 10, 2, 0, 0, 30), "003", "total", 1190),
        ("R1", D(2026, 10, 2), "003", "ponta", 300),
        ("R1", D(2026, 10, 2), "024", "total", 77),
        ("R1", D(2026, 10, 2), "003", "total", 1200),
        ("R1", D(2026, 11, 1), "003", "total", 4000),
        ("R2", D(2026, 10, 2), "003", "total", 9),
    ]
)


def test_rows_are_the_midnight_readings_per_month(fresh_home: Path) -> None:
    with Store(fresh_home) as store:
        write_lake(fresh_home, "billing_registers", LAKE)
        store.refresh_views()
        assert store.midnight_registers_ready()
        got = store.rows(
            "SELECT installation_id, month, ts, register, value_wh FROM midnight_registers ORDER BY 1, 2"
        )
    assert got == [
        (
            "R1",
            "2026-10",
            [D(2026, 10, 1), D(2026, 10, 1), D(2026, 10, 2)],
            ["003", "103", "003"],
            [1005, 40, 1200],
        ),
        ("R1", "2026-11", [D(2026, 11, 1)], ["003"], [4000]),
        ("R2", "2026-10", [D(2026, 10, 2)], ["003"], [9]),
    ]


def _bill_rows(store: Store, iid: str, first: dt.date, last: dt.date) -> list[tuple[object, ...]]:
    df, _sql = midnight_registers(store, iid, first, last)
    return sorted(
        (pd.Timestamp(r.ts).to_pydatetime(), str(r.register), int(r.value_wh)) for r in df.itertuples()
    )


def test_bill_query_gives_the_lake_rows_and_follows_the_lake(fresh_home: Path) -> None:
    """[Oct 2, Nov 1]: R1's 003 of Oct 2 (1200) and Nov 1 (4000); Oct 1 is before the range."""
    with Store(fresh_home) as store:
        write_lake(fresh_home, "billing_registers", LAKE)
        store.refresh_views()
        with store.one_call():
            assert store.midnight_registers_ready()
            from_table = _bill_rows(store, "R1", dt.date(2026, 10, 2), dt.date(2026, 11, 1))
        assert from_table == [(D(2026, 10, 2), "003", 1200), (D(2026, 11, 1), "003", 4000)]
        store.aggregates_enabled = False  # the lake query
        assert _bill_rows(store, "R1", dt.date(2026, 10, 2), dt.date(2026, 11, 1)) == from_table
        store.aggregates_enabled = True
    shutil.rmtree(fresh_home / "lake" / "billing_registers" / "month=2026-11")
    with Store(fresh_home, read_only=True) as ro:  # stale for a reader: the lake answers
        assert not ro.midnight_registers_ready()
        assert _bill_rows(ro, "R1", dt.date(2026, 10, 2), dt.date(2026, 11, 1)) == [
            (D(2026, 10, 2), "003", 1200)
        ]
    with Store(fresh_home) as rw:  # the next read-write open rebuilds the month that went away
        assert rw.midnight_registers_ready()
        assert rw.rows("SELECT month FROM midnight_registers_sources") == [("2026-10",)]
