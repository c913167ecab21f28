"""voltage_days (per-day figures of the 10-minute voltage readings) and the DRP/DRC sets read
through it: hand-worked rows, freshness, and the same sets as the reading-by-reading rule."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from tests.lake import insert_installations, write_lake
from tests.tools.quality_helpers import STEP, crafted_week, installation_row
from tools.api.quality_common import voltage_rules, voltage_sets
from tools.data.store import Store
from tools.domain import quality as q

R = voltage_rules()
DAY1 = dt.datetime(2026, 11, 2)


def _volt(iid: str, df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out.insert(0, "installation_id", iid)
    out = out[["installation_id", "ts", "v_a_dv", "v_b_dv", "v_c_dv"]]
    return out.astype(dict.fromkeys(("v_a_dv", "v_b_dv", "v_c_dv"), "Int16"))


def test_rows_are_the_day_figures_of_the_readings(fresh_home: Path) -> None:
    rows = pd.DataFrame(
        {
            "ts": [DAY1, DAY1 + STEP, DAY1 + dt.timedelta(minutes=25), DAY1 + dt.timedelta(hours=5)],
            "v_a_dv": [1270, 1150, 1300, None],  # the last row has no reading on any phase
            "v_b_dv": [None, 1260, None, None],
            "v_c_dv": [None, None, None, None],
        }
    )
    with Store(fresh_home) as store:
        write_lake(fresh_home, "voltage_10min", _volt("V1", rows))
        store.refresh_views()
        assert store.voltage_days_ready()
        got = store.rows(
            "SELECT installation_id, month, day, n_any, on_grid, a_min, a_max, b_min, b_max, c_min, c_max, "
            "first_ts, last_ts FROM voltage_days"
        )
    # three rows with a reading; 00:25 is off the 10-minute grid; phase C never read
    assert got == [
        (
            "V1",
            "2026-11",
            DAY1.date(),
            3,
            False,
            1150,
            1300,
            1260,
            1260,
            None,
            None,
            DAY1,
            DAY1 + dt.timedelta(minutes=25),
        )
    ]


def test_a_rewritten_month_is_not_ready_until_synced(fresh_home: Path) -> None:
    week = _volt("V1", crafted_week(start=DAY1, n=144))
    with Store(fresh_home) as store:
        write_lake(fresh_home, "voltage_10min", week)
        store.refresh_views()
    longer = _volt("V1", crafted_week(start=DAY1, n=288))
    write_lake(fresh_home, "voltage_10min", longer)  # another writer, no sync
    with Store(fresh_home, read_only=True) as ro:
        assert not ro.voltage_days_ready()
    with Store(fresh_home) as rw:  # a read-write open brings it up to date
        assert rw.voltage_days_ready()
        assert rw.rows("SELECT day, n_any FROM voltage_days ORDER BY day") == [
            (DAY1.date(), 144),
            (DAY1.date() + dt.timedelta(days=1), 144),
        ]


@pytest.fixture()
def gappy_store(fresh_home: Path) -> Iterator[Store]:
    """Three installations over 16 days (2 sets + 2 days): regular and adequate; a gap of 10
    readings on day 3 (every later set boundary falls inside a day) with precaria/critica readings
    on the days a boundary cuts; an off-grid reading and a phase below 0,1 pu."""
    store = Store(fresh_home)
    insert_installations(store, [installation_row(i) for i in ("G-1", "G-2", "G-3")])
    n = 16 * 144
    regular = crafted_week(start=DAY1, n=n)
    gappy = crafted_week(start=DAY1, n=n, counts={"a": (60, 9), "b": (0, 4), "c": (2, 0)})
    gappy = gappy.drop(index=range(2 * 144 + 30, 2 * 144 + 40))
    odd = crafted_week(start=DAY1, n=n, counts={"a": (3, 1)})
    odd.loc[5, "ts"] = odd.loc[5, "ts"] + dt.timedelta(minutes=3)  # off the grid
    odd.loc[300, ["v_a_dv", "v_b_dv", "v_c_dv"]] = [50, 1270, 1270]  # phase A below 0,1 pu
    volt = pd.concat([_volt("G-1", regular), _volt("G-2", gappy), _volt("G-3", odd)], ignore_index=True)
    write_lake(fresh_home, "voltage_10min", volt)
    store.refresh_views()
    yield store
    store.close()


def test_sets_through_voltage_days_are_those_of_every_reading(gappy_store: Store) -> None:
    end = DAY1 + dt.timedelta(days=14)  # two sets in the period; the extension completes nothing more
    end_ext = DAY1 + dt.timedelta(days=16)
    assert gappy_store.voltage_days_ready()
    fast, _, params = voltage_sets(gappy_store, DAY1, end, end_ext)
    assert params["vdays"] is True
    gappy_store.aggregates_enabled = False  # every reading, one by one in the split days
    try:
        slow, _, params = voltage_sets(gappy_store, DAY1, end, end_ext)
    finally:
        gappy_store.aggregates_enabled = True
    assert params["vdays"] is False
    key = ["installation_id", "set_no"]
    fast = fast.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(fast, slow.sort_values(key).reset_index(drop=True))
    # the rule itself, reading by reading (tools.domain.quality), for each installation
    for iid in ("G-1", "G-2", "G-3"):
        rd = gappy_store.df("SELECT * FROM voltage_10min WHERE installation_id = ? ORDER BY ts", [iid])
        ind = q.voltage_indicators(rd[rd.ts < end_ext], q.band_for(127, R), R, period_end=end)
        mine = fast[fast.installation_id == iid]
        assert [(s.start, s.end, s.n_valid, s.nlp, s.nlc) for s in ind.sets] == [
            (r.set_start, r.set_end, r.n_valid, r.nlp, r.nlc) for r in mine.itertuples()
        ]
    # G-2: the 10 missing readings move every later boundary into a day: set 1 ends 10 readings later
    g2 = fast[fast.installation_id == "G-2"].set_index("set_no")
    assert g2.loc[0, "set_end"] == DAY1 + dt.timedelta(days=7, minutes=90)
    assert g2.loc[1, "n_valid"] == 1008


def test_a_home_from_before_voltage_days_is_read_from_the_readings(fresh_home: Path) -> None:
    """A read-only store over a catalogue without the table (a home built by an earlier version):
    every cursor sees an empty voltage_days, the store says it is not ready, and a query naming the
    table runs (DuckDB would otherwise look the name up among Python objects and fail)."""
    rows = pd.DataFrame({"ts": [DAY1], "v_a_dv": [1270], "v_b_dv": [None], "v_c_dv": [None]})
    with Store(fresh_home) as store:
        write_lake(fresh_home, "voltage_10min", _volt("V1", rows))
        store.refresh_views()
        store.con.execute("DROP TABLE voltage_days")
        store.con.execute("DROP TABLE voltage_days_sources")
        store.publish_snapshot()
    with Store(fresh_home, read_only=True) as reader:
        assert reader.read_only and not reader.voltage_days_ready()
        assert reader.rows("SELECT count(*) FROM voltage_days") == [(0,)]
        assert reader.rows("SELECT count(*) FROM voltage_days") == [(0,)]  # a second cursor too
