"""The ingest's scan path (interval-data CSV jobs read straight into the pivot, nothing staged).

A file goes through the scan path only when every record would be accepted by the staged path
with the same value; anything else (a rejected or repeated record, a line that does not parse,
a conflict with stored data) is staged, which keeps line numbers. Each case below is one edge
line in an otherwise clean file: the result (lake rows, quarantine rows, counts) is worked by
hand and must be the same with the scan path on and off. Line numbers are physical lines
(header = line 1); the edge line is line 6.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import MDM_EXPORTS
from tools.data import ingest, sources
from tools.data.ingest import ingest_paths
from tools.data.store import Store

HEADER = "installation_id,ts,interval_min,channel,value,quality"
# UC001: group B, 1 phase, 127 V, 15-minute interval (tests/fixtures/mdm_exports/installations.csv)
BASE = [
    "UC001,2026-10-01 00:00:00,15,AE_FWD,52,0",  # line 2
    "UC001,2026-10-01 00:00:00,15,V_A,127.4,0",  # line 3
    "UC001,2026-10-01 00:15:00,15,AE_FWD,48,0",  # line 4
    "UC001,2026-10-01 00:15:00,15,V_A,127.1,0",  # line 5
]
LAST = "UC002,2026-10-01 00:30:00,15,AE_FWD,30,0"  # line 7
# (installation, ts, interval_min, import_wh, v_a_dv, i_a_ca, quality) of the base lines
ROWS = [
    ("UC001", "2026-10-01 00:00:00", 15, 52, 1274, None, 0),
    ("UC001", "2026-10-01 00:15:00", 15, 48, 1271, None, 0),
    ("UC002", "2026-10-01 00:30:00", 15, 30, None, None, 0),
]
AT_0030 = ("UC001", "2026-10-01 00:30:00", 15)
WITH_0030 = [ROWS[0], ROWS[1], (*AT_0030, 12, None, None, 0), ROWS[2]]  # + UC001's AE_FWD 12 Wh at 00:30

# edge line → (quarantined (line, reason) or None, the lake rows worked by hand)
CASES: dict[str, tuple[tuple[int, str] | None, list[tuple[object, ...]]]] = {
    # accepted, with the value the staged path gives
    "UC001,2026-10-01 00:30:00,15,AE_FWD,12.0,0": (None, WITH_0030),
    "UC001,2026-10-01 00:30:00,15.0,AE_FWD,12,0": (None, WITH_0030),
    "UC001,2026-10-01 00:30:00,,AE_FWD,12,0": (None, WITH_0030),  # register's 15
    "UC001,2026-10-01 00:30:00,15,ae_fwd,12,0": (None, WITH_0030),
    "UC001,2026-10-01 03:30:00Z,15,AE_FWD,12,0": (None, WITH_0030),  # UTC-3
    # one more channel in the 00:15 row: estimated (quality 1) while its other channels are not
    "UC001,2026-10-01 00:15:00,15,I_A,1.5,1": (
        None,
        [ROWS[0], ("UC001", "2026-10-01 00:15:00", 15, 48, 1271, 150, 1), ROWS[2]],
    ),
    # the same instant written another way joins the same row
    "UC001,2026-10-01T00:15:00,15,I_A,1.5,0": (
        None,
        [ROWS[0], ("UC001", "2026-10-01 00:15:00", 15, 48, 1271, 150, 0), ROWS[2]],
    ),
    "UC001,2026-10-01 00:15:00,15,AE_FWD,48,0": (None, ROWS),  # repeated, same value: a duplicate
    # rejected
    "UC001,2026-10-01 00:15:00,15,AE_FWD,49,0": ((6, "duplicate_conflict"), ROWS),
    "UC001,2026-10-01 00:30:00,15,AE_FWD,1e3,0": ((6, "out_of_range"), ROWS),
    "UC001,2026-10-01 00:30:00,15,AE_FWD,12.5,0": ((6, "out_of_range"), ROWS),
    "UC001,2026-10-01 00:30:00,15,AE_FWD,,0": ((6, "missing_field"), ROWS),
    "UC001,2026-10-01 00:30:00,15,AE_FWD,nan,0": ((6, "non_numeric"), ROWS),
    "UC001,2026-10-01 00:30:00,7,AE_FWD,12,0": ((6, "bad_interval"), ROWS),
    "UC001,2026-10-01 00:37:00,15,AE_FWD,12,0": ((6, "bad_interval"), ROWS),
    "UC001,2026-10-01 00:30:00,15,AE_FWD,12,1.5": ((6, "out_of_range"), ROWS),
    "UC001,2026-10-01 00:30:00,15,AE_FWD,12,256": ((6, "out_of_range"), ROWS),
    "UC001,2026-10-01 00:30:00,15,I_A,-1,0": ((6, "out_of_range"), ROWS),
    "UC001,2026-10-01 00:30:00,15,AE_FWD,-1,0": ((6, "negative_energy"), ROWS),
    "UC001,2026-10-01 00:30:00,15,V_A,700,0": ((6, "impossible_voltage"), ROWS),
    "UC001,2026-10-01 00:30:00,15,XX_FOO,12,0": ((6, "unknown_channel"), ROWS),
    "UC999,2026-10-01 00:30:00,15,AE_FWD,12,0": ((6, "unknown_installation"), ROWS),
    "UC001,2036-10-01 00:30:00,15,AE_FWD,12,0": ((6, "future_timestamp"), ROWS),
    "UC001,2026-13-01 00:30:00,15,AE_FWD,12,0": ((6, "bad_timestamp"), ROWS),
    "UC001,2026-10-01 00:30:00,15,AE_FWD,12,0,extra": ((6, "malformed_row"), ROWS),
}


@pytest.fixture(scope="module")
def registered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home holding the installation register of the fixtures (copied per test)."""
    home = tmp_path_factory.mktemp("scan") / "home"
    with Store(home) as store:
        assert ingest_paths(store, [MDM_EXPORTS / "installations.csv"]).ok
    return home


@pytest.fixture()
def staged_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Kinds of the CSV files that went through staging."""
    calls: list[str] = []
    stage = sources.CsvJobSource.stage

    def spy(self: sources.CsvJobSource, con):  # type: ignore[no-untyped-def]
        calls.append(self.kind)
        return stage(self, con)

    monkeypatch.setattr(sources.CsvJobSource, "stage", spy)
    return calls


def _ingest(registered: Path, home: Path, path: Path) -> tuple[object, ...]:
    shutil.copytree(registered, home)
    with Store(home) as store:
        rep = ingest_paths(store, [path]).files[0]
        rows = store.rows(
            "SELECT installation_id, strftime(ts, '%Y-%m-%d %H:%M:%S'), interval_min, import_wh, v_a_dv, i_a_ca, "
            "quality FROM load_profile ORDER BY ALL"
        )
        quarantined = store.rows("SELECT line_no, reason, record FROM quarantine ORDER BY line_no")
    return (rep.input, rep.accepted, rep.duplicate, rep.quarantined, rep.balanced), rows, quarantined


def _write(tmp_path: Path, lines: list[str], name: str = "load_profile_edge.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("edge", list(CASES), ids=range(len(CASES)))
def test_scan_path_gives_the_staged_result(edge, registered, tmp_path, monkeypatch):
    path = _write(tmp_path, [HEADER, *BASE, edge, LAST])
    expected_q, expected_rows = CASES[edge]
    monkeypatch.setattr(ingest, "SCAN_PATH", False)
    staged = _ingest(registered, tmp_path / "staged", path)
    monkeypatch.setattr(ingest, "SCAN_PATH", True)
    scanned = _ingest(registered, tmp_path / "scanned", path)
    monkeypatch.setattr(ingest, "FAST_PATH", False)  # grouped in SQL, never by ingest_fast
    grouped = _ingest(registered, tmp_path / "grouped", path)
    assert scanned == staged == grouped
    counts, rows, quarantined = scanned
    assert rows == expected_rows
    assert [(n, r) for n, r, _rec in quarantined] == ([expected_q] if expected_q else [])
    assert counts[0] == 6 and counts[3] == (1 if expected_q else 0) and counts[4]


def test_a_clean_export_is_never_staged(registered, tmp_path, staged_calls):
    path = _write(tmp_path, [HEADER, *BASE, "UC001,2026-10-01 00:30:00,15,AE_FWD,12,0", LAST])
    counts, rows, quarantined = _ingest(registered, tmp_path / "home", path)
    assert staged_calls == []
    assert counts == (6, 6, 0, 0, True)
    assert rows == WITH_0030 and quarantined == []


def test_one_malformed_line_in_the_middle_is_quarantined_with_its_line_number(
    registered, tmp_path, staged_calls
):
    # 40 readings of UC001's AE_FWD every 15 minutes from 2026-10-01 00:00; line 22 has a 7th field
    lines = [HEADER]
    for k in range(40):
        hh, mm = divmod(15 * k, 60)
        lines.append(f"UC001,2026-10-01 {hh:02d}:{mm:02d}:00,15,AE_FWD,{100 + k},0")
    lines[21] += ",extra"  # the reading k = 20 (05:00), on line 22
    counts, rows, quarantined = _ingest(registered, tmp_path / "home", _write(tmp_path, lines))
    assert staged_calls == ["load_profile"]  # the scan failed, the file was staged
    assert counts == (40, 39, 0, 1, True)
    assert quarantined == [(22, "malformed_row", "UC001,2026-10-01 05:00:00,15,AE_FWD,120,0,extra")]
    assert len(rows) == 39 and ("UC001", "2026-10-01 05:00:00", 15, 120, None, None, 0) not in rows
    assert rows[-1] == ("UC001", "2026-10-01 09:45:00", 15, 139, None, None, 0)


def test_a_decimal_comma_export_falls_back_and_is_read_right(registered, tmp_path, staged_calls):
    # semicolon-separated, decimal comma: the scan's plain number cast refuses 127,4; the staged
    # path reads it as 127.4 V
    path = tmp_path / "load_profile_br.csv"
    path.write_text(
        "installation_id;ts;interval_min;channel;value;quality\n"
        "UC001;2026-10-01 00:00:00;15;AE_FWD;52;0\n"
        "UC001;2026-10-01 00:00:00;15;V_A;127,4;0\n"
    )
    counts, rows, quarantined = _ingest(registered, tmp_path / "home", path)
    assert staged_calls == ["load_profile"]
    assert counts == (2, 2, 0, 0, True) and quarantined == []
    assert rows == [ROWS[0]]


def test_a_conflict_with_stored_data_is_staged_and_quarantined(registered, tmp_path, staged_calls):
    first = _write(tmp_path, [HEADER, *BASE, LAST], "load_profile_a.csv")
    again = _write(tmp_path, [HEADER, "UC001,2026-10-01 00:15:00,15,AE_FWD,47,0", LAST], "load_profile_b.csv")
    home = tmp_path / "home"
    _ingest(registered, home, first)
    assert staged_calls == []
    with Store(home) as store:
        rep = ingest_paths(store, [again]).files[0]
        assert (rep.input, rep.accepted, rep.duplicate, rep.quarantined) == (2, 0, 1, 1)
        assert store.rows("SELECT line_no, reason FROM quarantine") == [(2, "duplicate_conflict")]
        assert store.scalar("SELECT import_wh FROM load_profile WHERE ts = '2026-10-01 00:15:00'") == 48
    assert staged_calls == ["load_profile"]
