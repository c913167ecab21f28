"""H3 and L2: future-dated readings, non-integer Wh and refused files at the ingest boundary."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from tools.data.ingest import ingest_paths
from tools.data.store import Store

INSTALLATIONS = (
    "installation_id,meter_id,customer_key,group_code,subgroup,customer_class,subclass,phases,nominal_voltage_v,"
    "tariff_modality,gd_kind,distributor,cycle_day,interval_min\n"
    "40010001,M1,C1,B,B1,residencial,residencial,1,127,convencional,none,CPFL_PAULISTA,10,15\n"
    "40010002,M2,C2,B,B1,residencial,residencial,1,127,convencional,none,CPFL_PAULISTA,12,15\n"
    "40010003,M3,C3,B,B1,residencial,residencial,1,127,convencional,none,CPFL_PAULISTA,12,15\n"
)
HEADER = "installation_id,ts,interval_min,channel,value,quality\n"


def _day(iid: str, day: str) -> str:
    return "".join(f"{iid},{day} {h:02d}:{m:02d}:00,15,AE_FWD,100,0\n" for h in range(24) for m in (0, 15, 30, 45))


def _quarantine(home: Path) -> list[tuple]:
    con = duckdb.connect(str(home / "smartmeter.duckdb"), read_only=True)
    try:
        return con.execute("SELECT kind, line_no, reason, record FROM quarantine ORDER BY source, line_no").fetchall()
    finally:
        con.close()


def test_future_reading_is_quarantined_and_today_does_not_move(tmp_path: Path) -> None:
    exports = tmp_path / "x"
    exports.mkdir()
    (exports / "installations.csv").write_text(INSTALLATIONS)
    body = _day("40010001", "2026-10-01") + _day("40010002", "2026-10-01") + _day("40010003", "2026-10-01")
    (exports / "load_profile_1.csv").write_text(HEADER + body + "40010001,2099-12-31 23:45:00,15,AE_FWD,100,0\n")
    with Store(tmp_path / "home") as store:
        report = ingest_paths(store, [exports])
        assert report.reasons == {"future_timestamp": 1}
        assert store.data_today() == dt.date(2026, 10, 2)
    assert _quarantine(tmp_path / "home")[0][2:] == ("future_timestamp", "40010001,2099-12-31 23:45:00,15,AE_FWD,100,0")


def test_today_is_not_one_meters_word(tmp_path: Path) -> None:
    """One meter reporting two more days than the other two does not move the fleet's today."""
    exports = tmp_path / "x"
    exports.mkdir()
    (exports / "installations.csv").write_text(INSTALLATIONS)
    body = "".join(_day(i, "2026-10-01") for i in ("40010001", "40010002", "40010003"))
    body += _day("40010001", "2026-10-02") + _day("40010001", "2026-10-03")
    (exports / "load_profile_1.csv").write_text(HEADER + body)
    with Store(tmp_path / "home") as store:
        ingest_paths(store, [exports])
        assert store.data_today() == dt.date(2026, 10, 2)


def test_non_integer_energy_is_quarantined(tmp_path: Path) -> None:
    exports = tmp_path / "x"
    exports.mkdir()
    (exports / "installations.csv").write_text(INSTALLATIONS)
    (exports / "load_profile_1.csv").write_text(
        HEADER
        + "40010001,2026-10-01 00:00:00,15,AE_FWD,12.7,0\n"
        + "40010001,2026-10-01 00:15:00,15,AE_FWD,1e3,0\n"
        + "40010001,2026-10-01 00:30:00,15,AE_FWD,12,0\n"
        + "40010001,2026-10-01 00:30:00,15,V_A,127.4,0\n"
    )
    (exports / "billing_registers.csv").write_text(
        "installation_id,ts,register,posto,value_wh\n40010001,2026-10-01 00:00:00,003,total,1500.5\n"
    )
    with Store(tmp_path / "home") as store:
        report = ingest_paths(store, [exports])
        assert report.reasons == {"out_of_range": 3}
        assert store.rows("SELECT ts::VARCHAR, import_wh, v_a_dv FROM load_profile ORDER BY ts") == [
            ("2026-10-01 00:30:00", 12, 1274)
        ]


def test_refused_files_leave_a_trace(tmp_path: Path) -> None:
    exports = tmp_path / "x"
    exports.mkdir()
    (exports / "load_profile_empty.csv").write_text("")
    (exports / "events_x.csv").write_text("installation_id,ts\n40010001,2026-10-01\n")
    (exports / "readings.csv").write_text("foo,bar\n1,2\n")
    (exports / "meter_dump.jsonl").write_text('{"a": 1}\n')
    with Store(tmp_path / "home") as store:
        report = ingest_paths(store, [exports])
        assert sorted(f.error or "" for f in report.files) == ["bad_header", "empty_file", "unknown_kind", "unknown_kind"]
        again = ingest_paths(store, [exports])  # the same refusals are not recorded twice
        assert not again.ok
    q = _quarantine(tmp_path / "home")
    assert sorted((k, line, reason) for k, line, reason, _rec in q) == [
        ("events", 0, "bad_header"), ("load_profile", 0, "empty_file"), ("unknown", 0, "unknown_kind"),
        ("unknown", 0, "unknown_kind"),
    ]
    assert ("events", 0, "bad_header", "installation_id,ts") in q
