"""The service-request outbox on the operational state: protocols, idempotency, the CRM's updates
and the documented row format (docs/outbox.md)."""

from __future__ import annotations

import datetime as dt

from tools.data.outbox import (
    NewRequest,
    acknowledge,
    export_record,
    get_request,
    outbox_requests,
    record_request,
    requests_frame,
    update_status,
)

BRT = dt.timezone(dt.timedelta(hours=-3))


def _new(key: str | None, at: dt.datetime) -> NewRequest:
    return NewRequest(
        request_type="inspecao_medidor", installation_id="40010001", channel="web", created_at=at,
        due_at=dt.datetime(2026, 12, 28, 23, 59, 59, tzinfo=BRT), due_date=dt.date(2026, 12, 28),
        deadline_amount=30, deadline_unit="days", article="REN 1.000/2021, art. 250", article_status="confirmed",
        area="urbana", region="Campinas", details={"description": "medidor marcando demais"}, source_key=key,
    )


def test_protocols_are_sequential_per_local_day_and_a_key_is_written_once(tmp_path):
    late = dt.datetime(2026, 11, 26, 23, 30, tzinfo=BRT)  # 02:30 UTC on the 27th: still the 26th in Sao Paulo
    a, created_a = record_request(tmp_path, _new("key-aaaaaaaa", late))
    b, created_b = record_request(tmp_path, _new("key-aaaaaaaa", late))
    c, _ = record_request(tmp_path, _new(None, late))
    d, _ = record_request(tmp_path, _new(None, dt.datetime(2026, 11, 27, 9, 0, tzinfo=BRT)))
    assert (a.protocol, created_a, b.protocol, created_b) == ("20261126000001", True, "20261126000001", False)
    assert (c.protocol, d.protocol) == ("20261126000002", "20261127000001")
    assert len(outbox_requests(tmp_path)) == 3


def test_crm_acknowledgement_and_status_are_idempotent_by_protocol(tmp_path):
    at = dt.datetime(2026, 11, 26, 10, 15, tzinfo=BRT)
    row, _ = record_request(tmp_path, _new("key-bbbbbbbb", at))
    assert [r.protocol for r in outbox_requests(tmp_path, pending_export=True)] == [row.protocol]
    first = dt.datetime(2026, 11, 26, 10, 20, tzinfo=BRT)
    assert acknowledge(tmp_path, row.protocol, first)
    assert acknowledge(tmp_path, row.protocol, first + dt.timedelta(hours=1))  # a repeated pull
    assert get_request(tmp_path, row.protocol).exported_at == first  # type: ignore[union-attr]
    assert outbox_requests(tmp_path, pending_export=True) == []
    closed = dt.datetime(2026, 12, 2, 15, 0, tzinfo=BRT)
    assert update_status(tmp_path, row.protocol, "closed", closed)
    assert update_status(tmp_path, row.protocol, "closed", closed + dt.timedelta(days=1))
    got = get_request(tmp_path, row.protocol)
    assert got is not None and got.status == "closed" and got.closed_at == closed
    assert not acknowledge(tmp_path, "99999999999999", first)  # unknown protocol: nothing changed


def test_documented_row_format_and_the_service_requests_shape(tmp_path):
    at = dt.datetime(2026, 11, 26, 10, 15, tzinfo=BRT)
    row, _ = record_request(tmp_path, _new("key-cccccccc", at))
    rec = export_record(row)
    assert rec["protocol"] == "20261126000001" and rec["status"] == "open" and rec["format_version"] == 1
    assert rec["created_at"] == "2026-11-26T10:15:00-03:00"
    assert rec["deadline"] == {
        "due_at": "2026-12-28T23:59:59-03:00", "due_date": "2026-12-28", "amount": 30, "unit": "days",
        "article": "REN 1.000/2021, art. 250", "article_status": "confirmed",
    }
    assert rec["details"] == {"description": "medidor marcando demais"} and rec["exported_at"] is None
    frame = requests_frame([row])
    assert list(frame.columns) == [
        "request_id", "installation_id", "request_type", "opened_at", "closed_at", "status", "area", "region"
    ]
    assert frame.loc[0, "opened_at"] == dt.datetime(2026, 11, 26, 10, 15)  # naive local, like the CRM export
