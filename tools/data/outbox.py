"""The service-request outbox: requests the assistant opened with the customer's confirmation,
waiting for the distributor's CRM/SAP (the integration point; format in ``docs/outbox.md``).

One row per request, keyed by its **protocol** (server-issued, ``AAAAMMDD`` + a 6-digit sequence
of the day). Writing is idempotent twice over: the conversation's confirmation carries a
``source_key``, so a repeated "sim" (a channel retry) returns the row already written; and the
CRM's acknowledgement and status updates are keyed by protocol, so a repeated pull or callback
changes nothing. Times are ISO 8601 with their UTC offset; the deadline columns are what the
Anexo IV engine computed when the request was opened (``tools.domain.deadlines``).

:func:`requests_frame` gives the rows in the shape of the CRM's ``service_requests`` export, so
the deadline query reads both as one list (:func:`query_with_outbox`).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from tools.data.opstate import opstate_for, register_tables

Status = Literal["open", "closed", "cancelled"]
STATUSES: tuple[Status, ...] = ("open", "closed", "cancelled")
LOCAL_TZ = dt.timezone(dt.timedelta(hours=-3))  # America/Sao_Paulo, no DST since 2019 (docs/data-model.md)
#: Name of the outbox rows inside the deadline query (see ``tools/data/sql/deadline_requests.sql``).
OUTBOX_RELATION = "outbox_requests"
FORMAT_VERSION = 1

register_tables(
    "outbox",
    "CREATE TABLE IF NOT EXISTS service_outbox ("
    " protocol TEXT PRIMARY KEY,"
    " request_type TEXT NOT NULL,"  # tools.domain.request_types (deadlines.json keys)
    " installation_id TEXT NOT NULL,"
    " channel TEXT NOT NULL,"
    " status TEXT NOT NULL DEFAULT 'open',"  # open | closed | cancelled (the CRM updates it)
    " created_at TEXT NOT NULL,"  # ISO 8601 with offset: the instant the customer confirmed
    " due_at TEXT NOT NULL,"  # ISO 8601 with offset: last on-time instant
    " due_date TEXT NOT NULL,"  # YYYY-MM-DD
    " deadline_amount INTEGER NOT NULL,"
    " deadline_unit TEXT NOT NULL,"  # hours | days | business_days
    " article TEXT NOT NULL,"
    " article_status TEXT NOT NULL,"  # confirmed | unconfirmed | reference
    " area TEXT NOT NULL,"
    " region TEXT NOT NULL,"
    " details TEXT NOT NULL DEFAULT '{}',"  # JSON: evidence and what the customer described
    " source_key TEXT UNIQUE,"  # idempotency key of the confirmation
    " exported_at TEXT,"  # when the CRM acknowledged the row (NULL: still to deliver)
    " closed_at TEXT,"
    " updated_at TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS service_outbox_inst ON service_outbox (installation_id, created_at)",
    "CREATE INDEX IF NOT EXISTS service_outbox_pending ON service_outbox (exported_at, created_at)",
)


@dataclass(frozen=True)
class NewRequest:
    """What the tool layer hands over: the request and its computed deadline."""

    request_type: str
    installation_id: str
    channel: str
    created_at: dt.datetime  # aware
    due_at: dt.datetime  # aware
    due_date: dt.date
    deadline_amount: int
    deadline_unit: str
    article: str
    article_status: str
    area: str
    region: str
    details: dict[str, Any]
    source_key: str | None = None


@dataclass(frozen=True)
class OutboxRequest:
    protocol: str
    request_type: str
    installation_id: str
    channel: str
    status: str
    created_at: dt.datetime
    due_at: dt.datetime
    due_date: dt.date
    deadline_amount: int
    deadline_unit: str
    article: str
    article_status: str
    area: str
    region: str
    details: dict[str, Any]
    exported_at: dt.datetime | None
    closed_at: dt.datetime | None
    updated_at: dt.datetime


def _aware(at: dt.datetime, what: str) -> str:
    if at.tzinfo is None:
        raise ValueError(f"{what} must carry its UTC offset")
    return at.isoformat()


def _ts(x: str | None) -> dt.datetime | None:
    return None if x is None else dt.datetime.fromisoformat(x)


def _row(r: Any) -> OutboxRequest:
    return OutboxRequest(
        protocol=r["protocol"],
        request_type=r["request_type"],
        installation_id=r["installation_id"],
        channel=r["channel"],
        status=r["status"],
        created_at=dt.datetime.fromisoformat(r["created_at"]),
        due_at=dt.datetime.fromisoformat(r["due_at"]),
        due_date=dt.date.fromisoformat(r["due_date"]),
        deadline_amount=int(r["deadline_amount"]),
        deadline_unit=r["deadline_unit"],
        article=r["article"],
        article_status=r["article_status"],
        area=r["area"],
        region=r["region"],
        details=json.loads(r["details"]),
        exported_at=_ts(r["exported_at"]),
        closed_at=_ts(r["closed_at"]),
        updated_at=dt.datetime.fromisoformat(r["updated_at"]),
    )


def record_request(home: str | Path, new: NewRequest) -> tuple[OutboxRequest, bool]:
    """Write a confirmed request with a new protocol; ``(row, True)``. A ``source_key`` already
    written returns that row and ``False`` (nothing written twice)."""
    created = _aware(new.created_at, "created_at")
    due = _aware(new.due_at, "due_at")
    state = opstate_for(home)
    with state.transaction() as db:
        if new.source_key is not None:
            found = db.execute("SELECT * FROM service_outbox WHERE source_key = ?", (new.source_key,)).fetchone()
            if found is not None:
                return _row(found), False
        day = new.created_at.astimezone(LOCAL_TZ).strftime("%Y%m%d")
        last = db.execute(
            "SELECT max(protocol) AS p FROM service_outbox WHERE protocol LIKE ?", (day + "%",)
        ).fetchone()["p"]
        protocol = f"{day}{(int(last[8:]) if last else 0) + 1:06d}"
        db.execute(
            "INSERT INTO service_outbox (protocol, request_type, installation_id, channel, status, created_at,"
            " due_at, due_date, deadline_amount, deadline_unit, article, article_status, area, region, details,"
            " source_key, updated_at) VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (protocol, new.request_type, new.installation_id, new.channel, created, due, new.due_date.isoformat(),
             int(new.deadline_amount), new.deadline_unit, new.article, new.article_status, new.area, new.region,
             json.dumps(new.details, ensure_ascii=False, sort_keys=True, default=str), new.source_key, created),
        )
        row = db.execute("SELECT * FROM service_outbox WHERE protocol = ?", (protocol,)).fetchone()
    return _row(row), True


def get_request(home: str | Path, protocol: str) -> OutboxRequest | None:
    rows = opstate_for(home).query("SELECT * FROM service_outbox WHERE protocol = ?", (protocol,))
    return _row(rows[0]) if rows else None


#: what the operator's queue reads, as shown in its trail ("Como calculei")
QUEUE_QUERY = "SELECT * FROM service_outbox ORDER BY created_at DESC"


def outbox_requests(
    home: str | Path,
    installation_id: str | None = None,
    status: str | None = None,
    pending_export: bool = False,
    limit: int = 500,
) -> list[OutboxRequest]:
    """Rows newest first, filtered by installation, status, and not yet acknowledged by the CRM."""
    where, params = ["1 = 1"], []
    if installation_id is not None:
        where.append("installation_id = ?")
        params.append(installation_id)
    if status is not None:
        where.append("status = ?")
        params.append(status)
    if pending_export:
        where.append("exported_at IS NULL")
    rows = opstate_for(home).query(
        f"SELECT * FROM service_outbox WHERE {' AND '.join(where)} ORDER BY created_at DESC, protocol DESC LIMIT ?",
        (*params, int(limit)),
    )
    return [_row(r) for r in rows]


def acknowledge(home: str | Path, protocol: str, at: dt.datetime) -> bool:
    """The CRM took the row: ``exported_at`` is set once (a repeated acknowledgement keeps the first)."""
    stamp = _aware(at, "acknowledgement time")
    with opstate_for(home).transaction() as db:
        cur = db.execute(
            "UPDATE service_outbox SET exported_at = coalesce(exported_at, ?), updated_at = ? WHERE protocol = ?",
            (stamp, stamp, protocol),
        )
        return cur.rowcount == 1


def update_status(home: str | Path, protocol: str, status: Status, at: dt.datetime) -> bool:
    """The CRM's status for a protocol (idempotent); ``closed_at`` is kept from the first closing."""
    if status not in STATUSES:
        raise ValueError(f"unknown status: {status}")
    stamp = _aware(at, "status time")
    closed = stamp if status == "closed" else None
    with opstate_for(home).transaction() as db:
        cur = db.execute(
            "UPDATE service_outbox SET status = ?, closed_at = CASE WHEN ? IS NULL THEN NULL"
            " ELSE coalesce(closed_at, ?) END, updated_at = ? WHERE protocol = ?",
            (status, closed, closed, stamp, protocol),
        )
        return cur.rowcount == 1


def export_record(r: OutboxRequest) -> dict[str, Any]:
    """One row in the documented integration format (``docs/outbox.md``)."""
    return {
        "format_version": FORMAT_VERSION,
        "protocol": r.protocol,
        "request_type": r.request_type,
        "installation_id": r.installation_id,
        "channel": r.channel,
        "status": r.status,
        "created_at": r.created_at.isoformat(),
        "deadline": {
            "due_at": r.due_at.isoformat(),
            "due_date": r.due_date.isoformat(),
            "amount": r.deadline_amount,
            "unit": r.deadline_unit,
            "article": r.article,
            "article_status": r.article_status,
        },
        "area": r.area,
        "region": r.region,
        "details": r.details,
        "exported_at": None if r.exported_at is None else r.exported_at.isoformat(),
        "closed_at": None if r.closed_at is None else r.closed_at.isoformat(),
        "updated_at": r.updated_at.isoformat(),
    }


def _local_naive(at: dt.datetime | None) -> dt.datetime | None:
    return None if at is None else at.astimezone(LOCAL_TZ).replace(tzinfo=None)


REQUEST_COLUMNS = ("request_id", "installation_id", "request_type", "opened_at", "closed_at", "status", "area", "region")


def requests_frame(rows: list[OutboxRequest]) -> pd.DataFrame:
    """The rows as the CRM's ``service_requests`` export (naive local times, protocol as request_id)."""
    if not rows:  # the common case (no request opened here): a copy of the typed empty frame
        global _EMPTY_FRAME
        if _EMPTY_FRAME is None:
            _EMPTY_FRAME = _frame([])
        return _EMPTY_FRAME.copy()
    return _frame(rows)


_EMPTY_FRAME: pd.DataFrame | None = None


def _frame(rows: list[OutboxRequest]) -> pd.DataFrame:
    frame = pd.DataFrame(
        [
            {
                "request_id": r.protocol,
                "installation_id": r.installation_id,
                "request_type": r.request_type,
                "opened_at": _local_naive(r.created_at),
                "closed_at": _local_naive(r.closed_at),
                "status": r.status,
                "area": r.area,
                "region": r.region,
            }
            for r in rows
        ],
        columns=list(REQUEST_COLUMNS),
    )
    frame["opened_at"] = pd.to_datetime(frame["opened_at"]).astype("datetime64[us]")
    frame["closed_at"] = pd.to_datetime(frame["closed_at"]).astype("datetime64[us]")
    for col in ("request_id", "installation_id", "request_type", "status", "area", "region"):
        frame[col] = frame[col].astype(object)
    return frame


def query_with_outbox(store: Any, sql: str, params: dict[str, Any], frame: pd.DataFrame) -> pd.DataFrame:
    """Run ``sql`` with the outbox rows visible as the relation ``outbox_requests``."""
    cur = store.cursor()
    try:
        cur.register(OUTBOX_RELATION, frame)
        return cur.execute(sql, params).df()
    finally:
        cur.close()
