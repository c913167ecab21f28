"""The operational-state file: private, one per home, topic tables created on first use."""

from __future__ import annotations

import stat

from tools.data.opstate import FILE_NAME, OpState, opstate_for, register_tables


def test_tables_created_rows_kept_and_file_private(tmp_path):
    register_tables("test_topic", "CREATE TABLE IF NOT EXISTS test_topic (k TEXT PRIMARY KEY, v INTEGER)")
    state = OpState(tmp_path)
    with state.transaction() as db:
        db.execute("INSERT INTO test_topic VALUES (?, ?)", ("a", 3))
    state.close()
    again = OpState(tmp_path)  # reopened: the row survived
    assert [tuple(r) for r in again.query("SELECT k, v FROM test_topic")] == [("a", 3)]
    assert stat.S_IMODE((tmp_path / FILE_NAME).stat().st_mode) == 0o600


def test_failed_transaction_writes_nothing(tmp_path):
    register_tables("test_topic2", "CREATE TABLE IF NOT EXISTS test_topic2 (k TEXT PRIMARY KEY)")
    state = OpState(tmp_path)
    try:
        with state.transaction() as db:
            db.execute("INSERT INTO test_topic2 VALUES ('x')")
            db.execute("INSERT INTO test_topic2 VALUES ('x')")  # primary key violated
    except Exception:
        pass
    assert state.query("SELECT count(*) AS n FROM test_topic2")[0]["n"] == 0


def test_one_state_per_home(tmp_path):
    assert opstate_for(tmp_path) is opstate_for(tmp_path / "." )


def test_consent_latest_decision_wins_and_history_is_kept(tmp_path):
    from datetime import datetime, timedelta, timezone

    from tools.data.consent import consent_history, consented, has_consent, record_consent

    brt = timezone(timedelta(hours=-3))
    record_consent(tmp_path, "40010001", "daily_digest", "whatsapp", True, datetime(2026, 11, 20, 8, 0, tzinfo=brt), {"hour": 8})
    record_consent(tmp_path, "40010002", "daily_digest", "web", True, datetime(2026, 11, 21, 9, 0, tzinfo=brt))
    record_consent(tmp_path, "40010001", "daily_digest", "whatsapp", False, datetime(2026, 11, 25, 19, 0, tzinfo=brt))
    assert not has_consent(tmp_path, "40010001", "daily_digest")
    assert has_consent(tmp_path, "40010002", "daily_digest")
    assert not has_consent(tmp_path, "40010002", "outage_notices")  # another purpose: never asked
    assert [c.installation_id for c in consented(tmp_path, "daily_digest")] == ["40010002"]
    hist = consent_history(tmp_path, "40010001")
    assert [(c.granted, c.details) for c in hist] == [(True, {"hour": 8}), (False, {})]
    assert hist[0].at.utcoffset() == timedelta(hours=-3)


def test_a_notice_is_claimed_once_and_a_failed_send_can_retry(tmp_path):
    from datetime import datetime, timedelta, timezone

    from tools.data.notices import claim_notice, mark_delivered, notices, release_notice

    at = datetime(2026, 11, 26, 8, 0, tzinfo=timezone(timedelta(hours=-3)))
    assert claim_notice(tmp_path, "40010001", "daily_digest", "2026-11-25", "whatsapp", at)
    assert not claim_notice(tmp_path, "40010001", "daily_digest", "2026-11-25", "whatsapp", at)  # second run: no resend
    assert claim_notice(tmp_path, "40010001", "daily_digest", "2026-11-26", "whatsapp", at)  # another day
    release_notice(tmp_path, "40010001", "daily_digest", "2026-11-26")  # Twilio failed
    assert claim_notice(tmp_path, "40010001", "daily_digest", "2026-11-26", "whatsapp", at)
    mark_delivered(tmp_path, "40010001", "daily_digest", "2026-11-26", "SM123")
    assert [(n.key, n.message_sid) for n in notices(tmp_path, "40010001")] == [("2026-11-25", None), ("2026-11-26", "SM123")]
