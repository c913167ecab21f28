"""The fast grouping of a CSV export in export order (``tools.data.ingest_fast``).

``group_runs`` turns runs of adjacent records with the same raw key into one row each, or
declines; the ingest then checks the rows as for the SQL grouping, and groups in SQL when two
runs share a key (records of one key that are not adjacent). Values below are worked by hand
from the lines; the ingest results must equal those of the SQL grouping and of the staged path.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pytest

from tests.conftest import MDM_EXPORTS
from tools.data import ingest, ingest_fast, sources
from tools.data.ingest import ingest_paths
from tools.data.store import Store

HEADER = "installation_id,ts,interval_min,channel,value,quality"
COLUMNS = ("installation_id", "ts", "interval_min", "channel", "value", "quality")
CODES = ("AE_FWD", "AE_REV", "RE_Q1", "RE_Q2", "RE_Q3", "RE_Q4", "V_A", "V_B", "V_C", "I_A", "I_B", "I_C")
LINES = [
    "UC001,2026-10-01 00:00:00,15,AE_FWD,52,0",
    "UC001,2026-10-01 00:00:00,15,V_A,127.4,0",
    "UC001,2026-10-01 00:15:00,15,V_A,127.1,0",  # channels of a run in any order
    "UC001,2026-10-01 00:15:00,15,AE_FWD,48,0",
    "UC002,2026-10-01 00:30:00,15,AE_FWD,30,1",
]


def _runs(lines: list[str], header: str = HEADER) -> pa.Table:
    data = ("\n".join([header, *lines]) + "\n").encode()
    return ingest_fast.group_runs(
        data,
        columns=COLUMNS,
        delim=",",
        slot_field="channel",
        value_field="value",
        codes=CODES,
        meta=("interval_min", "quality"),
    )


def _rows(t: pa.Table) -> list[tuple[object, ...]]:
    d = t.to_pydict()
    return list(
        zip(
            d["_iid"],
            d["_ts_raw"],
            d["_interval_min"],
            d["_quality"],
            d["_v0"],
            d["_v6"],
            d["_v9"],
            d["_n"],
            strict=True,
        )
    )


EXPECTED_RUNS = [
    # (iid, ts text, interval text, quality text, AE_FWD, V_A, I_A, records)
    ("UC001", "2026-10-01 00:00:00", "15", "0", 52.0, 127.4, None, 2),
    ("UC001", "2026-10-01 00:15:00", "15", "0", 48.0, 127.1, None, 2),
    ("UC002", "2026-10-01 00:30:00", "15", "1", 30.0, None, None, 1),
]


def test_runs_of_adjacent_records_become_rows():
    t = _runs(LINES)
    assert _rows(t) == EXPECTED_RUNS
    assert t.column("_v1").null_count == 3  # AE_REV: no record


def test_a_run_split_by_the_parse_blocks_is_one_row(monkeypatch):
    # blocks of 64 bytes: lines of 40-43 bytes, so each run of two lines is cut between blocks
    monkeypatch.setattr(ingest_fast, "BLOCK_SIZE", 64)
    t = _runs(LINES)
    assert _rows(t) == EXPECTED_RUNS


def test_a_run_over_many_parse_blocks_is_one_row(monkeypatch):
    # ten channels of one interval, 40-42 bytes a line, in blocks of 64 bytes: the run crosses
    # batches that hold nothing but its records
    monkeypatch.setattr(ingest_fast, "BLOCK_SIZE", 64)
    values = {"AE_FWD": "11", "AE_REV": "2", "RE_Q1": "3", "RE_Q2": "0", "RE_Q3": "0", "RE_Q4": "4"}
    values |= {"V_A": "127.5", "V_B": "126.0", "I_A": "1.25", "I_B": "0.5"}
    lines = [f"UC002,2026-10-01 00:00:00,15,{ch},{v},0" for ch, v in values.items()]
    t = _runs([*lines, LINES[4]])
    d = t.to_pydict()
    assert d["_n"] == [10, 1] and d["_iid"] == ["UC002", "UC002"]
    assert [d[f"_v{i}"][0] for i in range(12)] == [11, 2, 3, 0, 0, 4, 127.5, 126.0, None, 1.25, 0.5, None]
    assert d["_ts_raw"] == ["2026-10-01 00:00:00", "2026-10-01 00:30:00"]


def test_records_of_one_key_apart_make_two_runs():
    # the key (UC001, 00:00) comes back after 00:15: two runs (the ingest sees the repeated key)
    t = _runs([LINES[0], LINES[3], LINES[1]])
    assert [(r[1], r[4], r[5], r[7]) for r in _rows(t)] == [
        ("2026-10-01 00:00:00", 52.0, None, 1),
        ("2026-10-01 00:15:00", 48.0, None, 1),
        ("2026-10-01 00:00:00", None, 127.4, 1),
    ]


def test_a_different_quality_text_starts_a_run():
    t = _runs([LINES[0], "UC001,2026-10-01 00:00:00,15,V_A,127.4,1"])
    assert [(r[3], r[7]) for r in _rows(t)] == [("0", 1), ("1", 1)]


@pytest.mark.parametrize(
    "lines",
    [
        [LINES[0], 'UC001,2026-10-01 00:00:00,15,V_A,"127.4",0'],  # a quote
        [LINES[0] + "\r", LINES[1] + "\r"],  # CRLF
        [LINES[0], LINES[1].replace("V_A", "V_A\x00")],  # NUL byte
        [LINES[0], "", LINES[1]],  # blank line
        [LINES[0], LINES[1] + ",extra"],  # a 7th field
        [LINES[0], "UC001,2026-10-01 00:00:00,15,ae_fwd,52,0"],  # slot text not exactly a code
        [LINES[0], "UC001,2026-10-01 00:00:00,15,AE_FWD,53,0"],  # a slot twice in a run
        ["UC001,2026-10-01 00:00:00,15,AE_FWD,1e3,0"],  # exponent
        ["UC001,2026-10-01 00:00:00,15,AE_FWD,-1,0"],  # sign
        ["UC001,2026-10-01 00:00:00,15,AE_FWD, 5,0"],  # space
        ["UC001,2026-10-01 00:00:00,15,AE_FWD,.5,0"],
        ["UC001,2026-10-01 00:00:00,15,AE_FWD,5.,0"],
        ["UC001,2026-10-01 00:00:00,15,AE_FWD,1.2.3,0"],
        ["UC001,2026-10-01 00:00:00,15,AE_FWD,nan,0"],
        ["UC001,2026-10-01 00:00:00,15,AE_FWD,,0"],  # empty value
        [",2026-10-01 00:00:00,15,AE_FWD,5,0"],  # empty installation
        ["UC001,,15,AE_FWD,5,0"],  # empty timestamp
        [],  # no record
    ],
    ids=range(18),
)
def test_anything_but_a_plain_file_is_declined(lines):
    with pytest.raises(ingest_fast.Declined):
        _runs(lines)


# ---------------------------------------------------------------------------------- the ingest


@pytest.fixture(scope="module")
def registered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("fast") / "home"
    with Store(home) as store:
        assert ingest_paths(store, [MDM_EXPORTS / "installations.csv"]).ok
    return home


@pytest.fixture()
def calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[object]]:
    """Files staged, and the fast grouping's outcomes (rows, or the exception name)."""
    seen: dict[str, list[object]] = {"staged": [], "fast": []}
    stage, group = sources.CsvJobSource.stage, ingest_fast.group_runs

    def spy_stage(self: sources.CsvJobSource, con):  # type: ignore[no-untyped-def]
        seen["staged"].append(self.kind)
        return stage(self, con)

    def spy_group(*a, **k):  # type: ignore[no-untyped-def]
        try:
            t = group(*a, **k)
        except ingest_fast.Declined:
            seen["fast"].append("declined")
            raise
        seen["fast"].append(t.num_rows)
        return t

    monkeypatch.setattr(sources.CsvJobSource, "stage", spy_stage)
    monkeypatch.setattr(ingest_fast, "group_runs", spy_group)
    return seen


def _ingest(registered: Path, home: Path, path: Path) -> tuple[object, ...]:
    shutil.copytree(registered, home)
    with Store(home) as store:
        rep = ingest_paths(store, [path]).files[0]
        rows = store.rows(
            "SELECT installation_id, strftime(ts, '%Y-%m-%d %H:%M:%S'), interval_min, import_wh, v_a_dv, i_a_ca, "
            "quality FROM load_profile ORDER BY ALL"
        )
        quarantined = store.rows("SELECT line_no, reason FROM quarantine ORDER BY line_no")
    return (rep.input, rep.accepted, rep.duplicate, rep.quarantined, rep.balanced), rows, quarantined


def _write(tmp_path: Path, lines: list[str], name: str = "load_profile_fast.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n")
    return path


# lake rows of LINES: (installation, ts, interval, import_wh, v_a_dv = V × 10, i_a_ca, quality)
LAKE = [
    ("UC001", "2026-10-01 00:00:00", 15, 52, 1274, None, 0),
    ("UC001", "2026-10-01 00:15:00", 15, 48, 1271, None, 0),
    ("UC002", "2026-10-01 00:30:00", 15, 30, None, None, 1),
]


def _three_ways(
    registered: Path, tmp_path: Path, path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[object, ...]:
    """The ingest's result with the fast grouping, asserted equal to the SQL grouping and staging."""
    results = []
    for fast, scan in ((False, True), (False, False), (True, True)):
        monkeypatch.setattr(ingest, "FAST_PATH", fast)
        monkeypatch.setattr(ingest, "SCAN_PATH", scan)
        results.append(_ingest(registered, tmp_path / f"home-{fast}-{scan}", path))
    assert results[2] == results[0] == results[1]
    return results[2]


def test_an_export_in_order_is_grouped_fast(registered, tmp_path, calls, monkeypatch):
    result = _three_ways(registered, tmp_path, _write(tmp_path, LINES), monkeypatch)
    assert result == ((5, 5, 0, 0, True), LAKE, [])
    assert calls["fast"] == [3]  # three runs, accepted as rows
    assert calls["staged"] == ["load_profile"]  # the staged run of _three_ways only


def test_records_of_one_key_apart_are_grouped_in_sql_with_the_same_result(
    registered, tmp_path, calls, monkeypatch
):
    # order broken: UC001 00:00's V_A comes after 00:15; the SQL grouping joins it to its row
    lines = [LINES[0], LINES[3], LINES[2], LINES[1], LINES[4]]
    result = _three_ways(registered, tmp_path, _write(tmp_path, lines), monkeypatch)
    assert result == ((5, 5, 0, 0, True), LAKE, [])
    assert calls["fast"] == [4]  # four runs: (UC001 00:00) twice → grouped in SQL
    assert calls["staged"] == ["load_profile"]  # the staged run of _three_ways only


def test_a_rejected_record_in_an_ordered_file_is_quarantined_with_its_line(
    registered, tmp_path, calls, monkeypatch
):
    # line 4 (the 00:15 V_A) at 700 V: impossible for a 127 V installation (limit 600 V)
    lines = [LINES[0], LINES[1], "UC001,2026-10-01 00:15:00,15,V_A,700,0", LINES[3], LINES[4]]
    result = _three_ways(registered, tmp_path, _write(tmp_path, lines), monkeypatch)
    lake = [LAKE[0], ("UC001", "2026-10-01 00:15:00", 15, 48, None, None, 0), LAKE[2]]
    assert result == ((5, 4, 0, 1, True), lake, [(4, "impossible_voltage")])
    assert calls["fast"] == [3]  # grouped fast, the check refused a row: staged (each of the three ways)
    assert calls["staged"] == ["load_profile"] * 3


def test_a_declined_file_takes_the_sql_grouping(registered, tmp_path, calls, monkeypatch):
    lines = [LINES[0], LINES[1].replace("127.4", "1.274e2"), *LINES[2:]]
    result = _three_ways(registered, tmp_path, _write(tmp_path, lines), monkeypatch)
    assert result == ((5, 5, 0, 0, True), LAKE, [])
    assert calls["fast"] == ["declined"]
    assert calls["staged"] == ["load_profile"]  # the staged run of _three_ways only


def test_voltage_exports_are_grouped_fast(registered, tmp_path, calls):
    path = tmp_path / "voltage_10min_fast.csv"
    path.write_text(
        "installation_id,ts,phase,voltage_v\n"
        "UC001,2026-10-01 00:00:00,A,127.4\n"
        "UC001,2026-10-01 00:10:00,A,126.9\n"
        "UC002,2026-10-01 00:00:00,A,220.5\n"
    )
    home = tmp_path / "home"
    shutil.copytree(registered, home)
    with Store(home) as store:
        rep = ingest_paths(store, [path]).files[0]
        assert (rep.input, rep.accepted, rep.quarantined) == (3, 3, 0)
        assert store.rows(
            "SELECT installation_id, strftime(ts, '%H:%M'), v_a_dv, v_b_dv FROM voltage_10min ORDER BY ALL"
        ) == [("UC001", "00:00", 1274, None), ("UC001", "00:10", 1269, None), ("UC002", "00:00", 2205, None)]
    assert calls["fast"] == [3] and calls["staged"] == []
