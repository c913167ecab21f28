"""Quarantine: every record the ingest rejects is kept, with a stable reason code.

Reason codes (stable; also the keys shown in ingest reports and ``docs/data-model.md``):

=======================  ====================================================================
``missing_field``        a required field is empty (id, timestamp, channel, value...)
``malformed_row``        the CSV line cannot be parsed (wrong number of fields, bad quoting)
``malformed_json``       a stream line is not a JSON object with a ``channels`` object
``bad_timestamp``        the timestamp cannot be parsed (or ``closed_at`` before ``opened_at``)
``future_timestamp``     a reading later than the ingest's clock plus ``FUTURE_TOLERANCE``
``bad_interval``         interval length not in 1/5/10/15/30/60 min, or ts not aligned to it
``non_numeric``          a numeric field holds text
``negative_energy``      energy / register value below zero
``impossible_voltage``   voltage below 0 V or above 600 V (BT; 1.5 x nominal above 1 kV)
``out_of_range``         a value that cannot be stored in its column (current < 0, overflow...)
``unknown_installation`` installation id not in the installation register
``unknown_channel``      channel (or phase) code not in the catalogue
``unknown_event_code``   event/alarm code not in the ``event_codes`` catalogue
``unknown_register``     billing register function code or posto not in the catalogue
``invalid_value``        a register field outside its domain (group A/B, phases 1-3, CPF...)
``duplicate_conflict``   same key as a record already stored (or earlier in the same input)
                         with a different value: the first stored value is kept
``register_conflict``    an installation-register row that changes a stored installation without
                         a ``valid_from`` after its latest version (never a silent overwrite)
``contradicts_readings`` a register change the meter's own data contradicts: the median voltage
                         from ``valid_from`` is > 15 % off the new nominal, or the number of
                         voltage channels with readings differs from the new number of phases
=======================  ====================================================================

A whole file refused before its records are read leaves one row with ``line_no`` 0, the
detected kind (or ``unknown``), its header line as ``record`` and a file-level reason:
``empty_file`` (zero bytes or no header line), ``bad_header`` (a required column missing, a
repeated column), ``unknown_kind`` (no export format matches) or ``unreadable``.

Re-ingesting a record that is already in quarantine with the same reason (same kind and raw
text) does not add a second row: the record counts as a duplicate, so repeated ingests leave
identical tables.
"""

from __future__ import annotations

import datetime as dt
import enum

import duckdb


class Reason(enum.StrEnum):
    MISSING_FIELD = "missing_field"
    MALFORMED_ROW = "malformed_row"
    MALFORMED_JSON = "malformed_json"
    BAD_TIMESTAMP = "bad_timestamp"
    FUTURE_TIMESTAMP = "future_timestamp"
    BAD_INTERVAL = "bad_interval"
    NON_NUMERIC = "non_numeric"
    NEGATIVE_ENERGY = "negative_energy"
    IMPOSSIBLE_VOLTAGE = "impossible_voltage"
    OUT_OF_RANGE = "out_of_range"
    UNKNOWN_INSTALLATION = "unknown_installation"
    UNKNOWN_CHANNEL = "unknown_channel"
    UNKNOWN_EVENT_CODE = "unknown_event_code"
    UNKNOWN_REGISTER = "unknown_register"
    INVALID_VALUE = "invalid_value"
    DUPLICATE_CONFLICT = "duplicate_conflict"
    REGISTER_CONFLICT = "register_conflict"  # a register change without a later valid_from
    CONTRADICTS_READINGS = "contradicts_readings"  # a register change the meter's data contradicts
    # file-level (the whole input refused; one row with line_no 0)
    EMPTY_FILE = "empty_file"
    BAD_HEADER = "bad_header"
    UNKNOWN_KIND = "unknown_kind"
    UNREADABLE = "unreadable"


def add(
    con: duckdb.DuckDBPyConnection, staged: str, *, source: str, kind: str, now: dt.datetime
) -> tuple[dict[str, int], int]:
    """Insert the rejected records of temp table ``staged`` (line_no, reason, record) into quarantine.

    Records already quarantined (same kind, reason and raw text, or repeated inside ``staged``)
    are not inserted again. Returns ``(new rows by reason, records already quarantined)``.
    """
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _q_new AS
        SELECT line_no, reason, record FROM (
          SELECT line_no, reason, record,
                 row_number() OVER (PARTITION BY reason, record ORDER BY line_no) AS rn
          FROM {staged}
        ) s
        WHERE rn = 1 AND NOT EXISTS (
          SELECT 1 FROM quarantine q WHERE q.kind = ? AND q.reason = s.reason AND q.record = s.record
        )
        """,
        [kind],
    )
    con.execute(
        "INSERT INTO quarantine (source, line_no, kind, reason, record, ingested_at) "
        "SELECT ?, line_no, ?, reason, record, ? FROM _q_new ORDER BY line_no",
        [source, kind, now],
    )
    by_reason = dict(con.execute("SELECT reason, count(*) FROM _q_new GROUP BY reason").fetchall())
    total = con.execute(f"SELECT count(*) FROM {staged}").fetchone()[0]  # type: ignore[index]
    con.execute("DROP TABLE _q_new")
    return {str(k): int(v) for k, v in by_reason.items()}, int(total) - sum(by_reason.values())


def add_file(con: duckdb.DuckDBPyConnection, *, source: str, kind: str, reason: str, record: str,
             now: dt.datetime) -> bool:
    """Record a whole refused input (line 0); False when the same refusal is already recorded."""
    record = record[:500]
    if con.execute("SELECT 1 FROM quarantine WHERE source = ? AND kind = ? AND reason = ? AND record = ? LIMIT 1",
                   [source, kind, reason, record]).fetchone():
        return False
    con.execute("INSERT INTO quarantine (source, line_no, kind, reason, record, ingested_at) VALUES (?, 0, ?, ?, ?, ?)",
                [source, kind, reason, record, now])
    return True


def summary(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Quarantined records by reason, over the whole store."""
    return {
        str(r): int(n)
        for r, n in con.execute("SELECT reason, count(*) FROM quarantine GROUP BY 1 ORDER BY 1").fetchall()
    }
