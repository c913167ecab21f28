"""Ingestion: idempotence, overlaps, late data, quarantine reasons, accounting, crash safety, streams.

Fixtures are the hand-made files in tests/fixtures/mdm_exports (line numbers below are the
physical lines of those files, header = line 1).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tools.data import ingest, quarantine
from tools.data.ingest import IngestReport, ingest_paths
from tools.data.sources import KafkaMessage, KafkaSource
from tools.data.store import Store

REGISTERS = ("installations.csv", "customers.csv")
BASE_LP = "load_profile_2026-10-01.csv"
TABLES = (
    "installations",
    "customers",
    "service_requests",
    "quarantine",
    "ingest_log",
    "load_profile",
    "voltage_10min",
    "events",
    "billing_registers",
)


def run(home: Path, fx: Path, *names: str, **kw: object) -> IngestReport:
    with Store(home) as store:
        return ingest_paths(store, [fx / n for n in names], **kw)  # type: ignore[arg-type]


def counts(home: Path) -> dict[str, int]:
    with Store(home) as store:
        return {t: store.scalar(f"SELECT count(*) FROM {t}") for t in TABLES}


def q(home: Path, sql: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
    with Store(home) as store:
        return store.rows(sql, params)


def by_name(report: IngestReport) -> dict[str, ingest.FileReport]:
    return {Path(f.source).name: f for f in report.files}


# ------------------------------------------------------------------------------ whole fixture set


def test_fixture_set_counts_per_file(fresh_home, mdm_exports):
    report = run(fresh_home, mdm_exports.parent, mdm_exports.name)
    got = {name: (f.input, f.accepted, f.duplicate, f.quarantined) for name, f in by_name(report).items()}
    # hand-counted from the fixture files (ingest order: registers first, then readings)
    assert got == {
        "installations.csv": (3, 3, 0, 0),
        "customers.csv": (3, 3, 0, 0),
        "load_profile_2026-10-01.csv": (18, 18, 0, 0),
        "load_profile_2026-10-01_overlap.csv": (6, 3, 3, 0),
        "load_profile_late.csv": (4, 4, 0, 0),
        "load_profile_malformed.csv": (15, 1, 2, 12),
        "meter_reads_2026-10-01.jsonl": (11, 6, 2, 3),
        "voltage_10min.csv": (6, 2, 0, 4),
        "events.csv": (10, 7, 1, 2),
        "billing_registers.csv": (6, 3, 0, 3),
        "service_requests.csv": (5, 2, 0, 3),
    }
    assert [Path(f.source).name for f in report.files][:2] == ["installations.csv", "customers.csv"]
    assert all(f.balanced for f in report.files) and report.balanced and report.ok
    assert (report.input, report.accepted, report.duplicate, report.quarantined) == (87, 52, 8, 27)
    assert sum(report.reasons.values()) == report.quarantined == counts(fresh_home)["quarantine"]


def test_second_run_reports_everything_as_duplicate(fresh_home, mdm_exports):
    first = run(fresh_home, mdm_exports.parent, mdm_exports.name)
    before = counts(fresh_home)
    second = run(fresh_home, mdm_exports.parent, mdm_exports.name)
    assert (second.input, second.accepted, second.duplicate, second.quarantined) == (
        first.input,
        0,
        first.input,
        0,
    )
    assert all(f.skipped for f in second.files)
    assert counts(fresh_home) == before
    # forced re-processing (no sha256 short-circuit) classifies every record as duplicate too,
    # including the rejected ones already in quarantine
    forced = run(fresh_home, mdm_exports.parent, mdm_exports.name, force=True)
    assert (forced.accepted, forced.duplicate, forced.quarantined) == (0, first.input, 0)
    assert not any(f.skipped for f in forced.files)
    assert counts(fresh_home) == before


# ------------------------------------------------------------------------------ overlaps and late data


def test_overlapping_file_merges_and_reports_duplicates(fresh_home, mdm_exports):
    run(fresh_home, mdm_exports, *REGISTERS, BASE_LP)
    rep = by_name(run(fresh_home, mdm_exports, "load_profile_2026-10-01_overlap.csv"))[
        "load_profile_2026-10-01_overlap.csv"
    ]
    # 00:30 AE_FWD, 00:30 V_A (121,2 with decimal comma, ';' separated, MDM aliases), 00:45 AE_FWD already stored
    assert (rep.input, rep.accepted, rep.duplicate, rep.quarantined) == (6, 3, 3, 0)
    rows = q(
        fresh_home,
        "SELECT ts::VARCHAR, import_wh, v_a_dv, i_a_ca FROM load_profile "
        "WHERE installation_id = 'UC001' AND ts >= '2026-10-01 00:30' ORDER BY ts",
    )
    assert rows == [
        ("2026-10-01 00:30:00", 1375, 1212, 4512),
        ("2026-10-01 00:45:00", 50, 1268, 165),
        ("2026-10-01 01:00:00", 47, 1275, None),
        ("2026-10-01 01:15:00", 49, None, None),
    ]
    assert (
        q(fresh_home, "SELECT count(*) FROM load_profile")[0][0] == 6 + 2
    )  # one row per installation+interval


def test_late_out_of_order_reads_merge_into_partitions(fresh_home, mdm_exports):
    run(fresh_home, mdm_exports, *REGISTERS, BASE_LP)
    rep = run(fresh_home, mdm_exports, "load_profile_late.csv").files[0]
    assert (rep.accepted, rep.partitions) == (4, ("2026-09", "2026-10"))
    # a late channel fills the existing wide row without touching its other cells
    assert q(
        fresh_home,
        "SELECT import_wh, export_wh, v_a_dv, i_a_ca FROM load_profile "
        "WHERE installation_id = 'UC002' AND ts = '2026-10-01 00:15:00'",
    ) == [(75, 0, 1281, 210)]
    assert q(
        fresh_home, "SELECT ts::VARCHAR, import_wh FROM load_profile WHERE month = '2026-09' ORDER BY ts"
    ) == [
        ("2026-09-30 23:30:00", 61),
        ("2026-09-30 23:45:00", 55),
    ]
    # the files are sorted by installation and time whatever the arrival order
    for f in (fresh_home / "lake" / "load_profile").glob("month=*/*.parquet"):
        t = pq.read_table(f, columns=["installation_id", "ts"]).to_pylist()
        keys = [(r["installation_id"], r["ts"]) for r in t]
        assert keys == sorted(keys)


# ------------------------------------------------------------------------------ quarantine reasons

QUARANTINE_CASES = {
    "load_profile_malformed.csv": {
        (3, "unknown_installation"),
        (4, "bad_timestamp"),
        (5, "non_numeric"),
        (6, "negative_energy"),
        (7, "impossible_voltage"),
        (8, "unknown_channel"),
        (9, "missing_field"),
        (10, "malformed_row"),
        (11, "bad_interval"),
        (12, "out_of_range"),
        (14, "duplicate_conflict"),
        (15, "duplicate_conflict"),
    },
    "meter_reads_2026-10-01.jsonl": {(5, "malformed_json"), (6, "missing_field"), (7, "impossible_voltage")},
    "voltage_10min.csv": {
        (4, "impossible_voltage"),
        (5, "impossible_voltage"),
        (6, "bad_interval"),
        (7, "unknown_channel"),
    },
    "events.csv": {(9, "unknown_event_code"), (11, "duplicate_conflict")},
    "billing_registers.csv": {(5, "unknown_register"), (6, "unknown_register"), (7, "negative_energy")},
    "service_requests.csv": {(4, "unknown_installation"), (5, "bad_timestamp"), (6, "bad_timestamp")},
}


@pytest.mark.parametrize("name", sorted(QUARANTINE_CASES))
def test_each_bad_record_is_quarantined_with_its_reason(fresh_home, mdm_exports, name):
    run(fresh_home, mdm_exports, *REGISTERS, BASE_LP)
    rep = run(fresh_home, mdm_exports, name).files[0]
    got = set(
        q(fresh_home, "SELECT line_no, reason FROM quarantine WHERE source = ?", [str(mdm_exports / name)])
    )
    assert got == QUARANTINE_CASES[name]
    assert rep.quarantined == len(got) and rep.balanced
    assert set(rep.reasons) <= {r.value for r in quarantine.Reason}


def test_conflicts_keep_the_first_stored_value(fresh_home, mdm_exports):
    run(fresh_home, mdm_exports, *REGISTERS, BASE_LP, "load_profile_malformed.csv", "events.csv")
    # stored 52 first; the malformed file's 53 is quarantined as duplicate_conflict
    assert q(
        fresh_home,
        "SELECT import_wh FROM load_profile WHERE installation_id = 'UC001' AND ts = '2026-10-01 00:00:00'",
    ) == [(52,)]
    # in-file conflict: first record (90) wins over the later 91
    assert q(
        fresh_home,
        "SELECT import_wh FROM load_profile WHERE installation_id = 'UC002' AND ts = '2026-10-02 00:00:00'",
    ) == [(90,)]
    assert q(fresh_home, "SELECT value FROM events WHERE installation_id = 'UC002' AND code = 12") == [
        (98.5,)
    ]
    rec = q(
        fresh_home,
        "SELECT record FROM quarantine WHERE reason = 'duplicate_conflict' AND kind = 'load_profile' ORDER BY line_no",
    )
    assert rec == [
        ("UC002,2026-10-02 00:00:00,15,AE_FWD,91,0",),
        ("UC001,2026-10-01 00:00:00,15,AE_FWD,53,0",),
    ]


# ------------------------------------------------------------------------------ streams and registers


def test_jsonl_stream_ingest(fresh_home, mdm_exports):
    rep = run(fresh_home, mdm_exports, "installations.csv", "meter_reads_2026-10-01.jsonl").files[1]
    # 3+2+2+1 readings in 4 good messages, plus 3 bad records (a line that is not JSON, a message
    # without channels, a reading of 1200 V)
    assert (rep.kind, rep.input, rep.accepted, rep.duplicate, rep.quarantined) == (
        "load_profile",
        11,
        8,
        0,
        3,
    )
    rows = q(
        fresh_home,
        "SELECT installation_id, ts::VARCHAR, import_wh, export_wh, v_a_dv, i_a_ca "
        "FROM load_profile ORDER BY installation_id, ts",
    )
    assert rows == [
        ("UC001", "2026-10-01 00:00:00", 52, None, 1274, None),
        ("UC001", "2026-10-01 01:30:00", 51, None, 1272, 170),
        ("UC001", "2026-10-01 01:45:00", 44, None, None, None),  # "...T01:45:00-03:00" is local time
        ("UC002", "2026-10-01 00:45:00", 66, 0, None, None),
    ]


def test_stream_timestamps_with_utc_offset_are_converted(fresh_home, mdm_exports, tmp_path):
    stream = tmp_path / "meter_reads_utc.jsonl"
    stream.write_text(
        '{"installation_id": "UC001", "ts": "2026-10-01T03:15:00Z", "channels": {"AE_FWD": 9}}\n'
    )
    run(fresh_home, mdm_exports, "installations.csv")
    with Store(fresh_home) as store:
        ingest_paths(store, [stream])
        assert store.rows("SELECT ts::VARCHAR, import_wh, interval_min FROM load_profile") == [
            ("2026-10-01 00:15:00", 9, 15)
        ]


def test_registers_are_upserted(fresh_home, mdm_exports, tmp_path):
    run(fresh_home, mdm_exports, *REGISTERS, "service_requests.csv")
    # the installation register is versioned (tests/data/test_register.py): a change needs the day
    # it takes effect; without one it would overwrite the register and is quarantined
    undated = tmp_path / "installations_undated.csv"
    undated.write_text("installation_id,tariff_modality\nUC001,branca\n")
    update = tmp_path / "installations_update.csv"
    update.write_text(
        "installation_id,tariff_modality,phases,valid_from\n"
        "UC001,branca,1,2026-11-01\nUC002,branca,2,2026-11-01\nUC004,convencional,9,2026-11-01\n"
    )
    with Store(fresh_home) as store:
        assert dict(ingest_paths(store, [undated]).files[0].reasons) == {"register_conflict": 1}
        rep = ingest_paths(store, [update]).files[0]
        assert (rep.accepted, rep.duplicate, rep.quarantined, dict(rep.reasons)) == (
            1,
            1,
            1,
            {"invalid_value": 1},
        )
        # only the columns present in the file change
        assert store.rows(
            "SELECT tariff_modality, cycle_day FROM installations WHERE installation_id = 'UC001'"
        ) == [("branca", 5)]
        requests = tmp_path / "service_requests_later.csv"
        requests.write_text(
            "request_id,installation_id,request_type,opened_at,closed_at,status,area,region\n"
            "SR0002,UC002,reclamacao_tensao,2026-10-03 14:00:00,2026-10-06 11:30:00,closed,urbana,Campinas\n"
        )
        assert ingest_paths(store, [requests]).accepted == 1
        assert store.rows(
            "SELECT request_id, status, typeof(opened_at), closed_at::VARCHAR FROM service_requests ORDER BY 1"
        ) == [
            ("SR0001", "closed", "TIMESTAMP", "2026-10-01 18:40:00"),
            ("SR0002", "closed", "TIMESTAMP", "2026-10-06 11:30:00"),
        ]


def test_customers_keep_cpf_digits_only(fresh_home, mdm_exports):
    run(fresh_home, mdm_exports, *REGISTERS)
    assert q(fresh_home, "SELECT cpf FROM customers WHERE customer_key = 'C001'") == [("52998224725",)]


def test_unusable_files_are_reported_not_ingested(fresh_home, tmp_path):
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "readings.csv").write_text("foo,bar\n1,2\n")
    (exports / "events_x.csv").write_text("installation_id,ts\nUC1,2026-10-01\n")
    (exports / "notes.md").write_text("hello\n")
    with Store(fresh_home) as store:
        report = ingest_paths(store, [exports])
    assert {Path(f.source).name: f.error for f in report.files} == {
        "readings.csv": "unknown_kind",
        "events_x.csv": "bad_header",
    }
    assert [Path(p).name for p in report.ignored] == ["notes.md"]
    assert not report.ok


def test_a_kafka_batch_is_ingested_like_a_stream_file(fresh_home, mdm_exports):
    """A polled batch of the "meter reads" topic goes through the same ingest as a stream file;
    the offsets to commit are the last offset + 1 per partition (0: 5, 6 -> 7; 1: 9 -> 10)."""
    run(fresh_home, mdm_exports, "installations.csv")
    msgs = [
        KafkaMessage(
            "meter-reads",
            0,
            5,
            b'{"installation_id": "UC001", "ts": "2026-10-02T00:15:00", "channels": {"AE_FWD": 40}}',
        ),
        KafkaMessage(
            "meter-reads",
            0,
            6,
            b'{"installation_id": "UC001", "ts": "2026-10-02T00:30:00", "channels": {"AE_FWD": 41}}',
        ),
        KafkaMessage(
            "meter-reads",
            1,
            9,
            b'{"installation_id": "UC404", "ts": "2026-10-02T00:30:00", "channels": {"AE_FWD": 7}}',
        ),
    ]
    src = KafkaSource("meter-reads", msgs)
    assert src.next_offsets() == {0: 7, 1: 10}
    with Store(fresh_home) as store:
        rep = ingest.ingest_source(store, src)
        assert (rep.accepted, rep.quarantined, dict(rep.reasons)) == (2, 1, {"unknown_installation": 1})
        store.refresh_views()
        assert store.rows(
            "SELECT import_wh FROM load_profile WHERE installation_id = 'UC001' AND ts >= '2026-10-02' ORDER BY ts"
        ) == [(40,), (41,)]


# ------------------------------------------------------------------------------ outages view


def test_outages_pair_power_down_and_up(fresh_home, mdm_exports):
    run(fresh_home, mdm_exports, "installations.csv", "events.csv")
    rows = q(
        fresh_home,
        "SELECT installation_id, start_ts::VARCHAR, end_ts::VARCHAR, duration_min, counts_as_interruption "
        "FROM outages ORDER BY installation_id, start_ts",
    )
    assert rows == [
        ("UC001", "2026-10-01 10:00:00", "2026-10-01 10:02:00", 2.0, False),  # under 3 min: does not count
        ("UC001", "2026-10-01 12:00:00", "2026-10-01 12:45:00", 45.0, True),
        ("UC002", "2026-10-02 08:00:00", "2026-10-02 08:03:00", 3.0, True),  # exactly 3 min counts
    ]


# ------------------------------------------------------------------------------ crash safety


def _lake_dirs(home: Path) -> list[str]:
    return sorted(p.name for p in (home / "lake" / "load_profile").iterdir())


def test_crash_before_commit_leaves_data_unchanged(fresh_home, mdm_exports, monkeypatch):
    run(fresh_home, mdm_exports, *REGISTERS, BASE_LP)
    before = counts(fresh_home)

    def boom(*a: object, **k: object) -> None:
        raise RuntimeError("crash after the temp partitions were written")

    monkeypatch.setattr(ingest.quarantine, "add", boom)
    with pytest.raises(RuntimeError):
        run(fresh_home, mdm_exports, "load_profile_late.csv")
    monkeypatch.undo()
    assert counts(fresh_home) == before
    assert _lake_dirs(fresh_home) == ["month=2026-10"]  # temp partitions discarded
    rep = run(fresh_home, mdm_exports, "load_profile_late.csv").files[0]  # the re-run completes
    assert (rep.accepted, rep.skipped) == (4, False)
    assert counts(fresh_home)["load_profile"] == before["load_profile"] + 3


def test_crash_between_commit_and_swap_is_rolled_forward(fresh_home, mdm_exports, monkeypatch):
    run(fresh_home, mdm_exports, *REGISTERS, BASE_LP)
    before = counts(fresh_home)

    def boom(*a: object, **k: object) -> None:
        raise RuntimeError("crash before the swap")

    monkeypatch.setattr(Store, "apply_swap", boom)
    with pytest.raises(RuntimeError):
        run(fresh_home, mdm_exports, "load_profile_late.csv")
    with Store(fresh_home, read_only=True) as store:  # read-only: no recovery, nothing partial visible
        assert store.scalar("SELECT count(*) FROM load_profile") == before["load_profile"]
        assert store.scalar("SELECT count(*) FROM lake_swaps") == 2
    monkeypatch.undo()
    # the next read-write open completes the committed swaps; a re-run is then a no-op
    assert counts(fresh_home)["load_profile"] == before["load_profile"] + 3
    assert _lake_dirs(fresh_home) == ["month=2026-09", "month=2026-10"]
    rep = run(fresh_home, mdm_exports, "load_profile_late.csv").files[0]
    assert (rep.accepted, rep.duplicate) == (0, 4)


_KILL_SCRIPT = textwrap.dedent(
    """
    import os, sys
    from tools.data import ingest
    from tools.data.store import Store
    where, home, path = sys.argv[1], sys.argv[2], sys.argv[3]
    real_swap = Store.apply_swap
    done = []
    def swap(self, *a):
        if where == "mid_swap" and done:
            os._exit(9)  # killed after the first of two partition swaps
        done.append(a)
        real_swap(self, *a)
    def add(*a, **k):
        os._exit(9)  # killed after writing the temp partitions, before the commit
    Store.apply_swap = swap
    if where == "before_commit":
        ingest.quarantine.add = add
    ingest.ingest_paths(Store(home), [path])
    """
)


@pytest.mark.parametrize("where", ["before_commit", "mid_swap"])
def test_killed_process_recovers_at_next_open(fresh_home, mdm_exports, where):
    run(fresh_home, mdm_exports, *REGISTERS, BASE_LP)
    base = counts(fresh_home)["load_profile"]
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            _KILL_SCRIPT,
            where,
            str(fresh_home),
            str(mdm_exports / "load_profile_late.csv"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 9, proc.stderr
    assert any(n.startswith(".") for n in _lake_dirs(fresh_home))  # leftovers of the killed run
    with Store(fresh_home) as store:  # recovery at open
        assert not any(n.startswith(".") for n in _lake_dirs(fresh_home))
        n = store.scalar("SELECT count(*) FROM load_profile")
        assert n == (base if where == "before_commit" else base + 3)  # all or nothing
        rep = ingest_paths(store, [mdm_exports / "load_profile_late.csv"]).files[0]
        assert rep.accepted + rep.duplicate == 4
        assert store.scalar("SELECT count(*) FROM load_profile") == base + 3


def test_latin1_semicolon_export_with_aliases(fresh_home, tmp_path):
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "installations_sp.csv").write_bytes(
        "instalacao;group_code;phases;municipality\nUC010;B;1;São Paulo\n".encode("latin-1")
    )
    with Store(fresh_home) as store:
        rep = ingest_paths(store, [exports]).files[0]
        assert (rep.kind, rep.accepted) == ("installations", 1)
        assert store.rows("SELECT municipality FROM installations") == [("São Paulo",)]


def test_quarantined_customer_rows_hold_no_personal_data(fresh_home, mdm_exports, tmp_path):
    bad = tmp_path / "customers_bad.csv"
    bad.write_text(
        "customer_key,installation_id,titular_name,cpf,phone\n"
        "C009,UC999,Fulana de Tal,52998224725,+5519999990009\n"
        "C010,UC001,Beltrano Silva,123,+5519999990010\n"
        "C011,UC001,Sicrano,52998224725,+5519999990011,extra\n"
    )
    run(fresh_home, mdm_exports, "installations.csv")
    with Store(fresh_home) as store:
        rep = ingest_paths(store, [bad]).files[0]
        assert dict(rep.reasons) == {"unknown_installation": 1, "invalid_value": 1, "malformed_row": 1}
        records = [r for (r,) in store.rows("SELECT record FROM quarantine ORDER BY line_no")]
    assert records[0].startswith("C009,UC999,sha256:") and records[2].startswith("sha256:")
    for secret in ("Fulana", "Beltrano", "Sicrano", "52998224725", "+55199999900"):
        assert not any(secret in r for r in records)
