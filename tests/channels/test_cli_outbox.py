"""``smartmeter export outbox``: the CRM pulls the requests the assistant opened, once each."""

from __future__ import annotations

import datetime as dt
import json

from click.testing import CliRunner

from channels.cli import main
from tools.data.outbox import NewRequest, record_request

BRT = dt.timezone(dt.timedelta(hours=-3))


def test_pending_rows_are_printed_and_acknowledged_once(tmp_path):
    at = dt.datetime(2026, 11, 26, 10, 15, tzinfo=BRT)
    record_request(tmp_path, NewRequest(
        request_type="religacao_normal", installation_id="40010001", channel="whatsapp", created_at=at,
        due_at=at + dt.timedelta(hours=24), due_date=dt.date(2026, 11, 27), deadline_amount=24, deadline_unit="hours",
        article="REN 1.000/2021, art. 362, IV e V", article_status="confirmed", area="urbana", region="Campinas",
        details={}, source_key="cli-test-0001",
    ))
    run = CliRunner()
    first = run.invoke(main, ["--home", str(tmp_path), "export", "outbox", "--ack"], catch_exceptions=False)
    lines = [json.loads(x) for x in first.stdout.splitlines()]
    assert [(x["protocol"], x["deadline"]["due_at"]) for x in lines] == [("20261126000001", "2026-11-27T10:15:00-03:00")]
    assert lines[0]["exported_at"] is not None
    again = run.invoke(main, ["--home", str(tmp_path), "export", "outbox"], catch_exceptions=False)
    assert again.stdout == ""  # acknowledged: not pending any more
    every = run.invoke(main, ["--home", str(tmp_path), "export", "outbox", "--all"], catch_exceptions=False)
    assert [json.loads(x)["protocol"] for x in every.stdout.splitlines()] == ["20261126000001"]
