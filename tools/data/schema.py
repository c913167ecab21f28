"""Canonical meter-data model: table names, columns, units and MDM export formats.

Units as meters register them (integers): energy in Wh / varh, voltage in 0.1 V
(``*_dv``), current in 0.01 A (``*_ca``). Timestamps are local wall-clock time in
America/Sao_Paulo (no DST since 2019), stored as naive ``TIMESTAMP``, and mark the
*start* of the interval they cover. See ``docs/data-model.md``.

Interval tables live in a Parquet lake under ``<home>/lake/<table>/month=YYYY-MM/``
(Hive partitions, standard Parquet types only, sorted by installation and time).
Register tables (installations, customers, quarantine, ingest log) live in DuckDB.
"""

from __future__ import annotations

from dataclasses import dataclass

# ---------------------------------------------------------------- lake (interval) tables

#: Wide load profile: one row per installation and interval.
LOAD_PROFILE_COLUMNS: dict[str, str] = {
    "installation_id": "VARCHAR",
    "ts": "TIMESTAMP",
    "interval_min": "SMALLINT",
    "import_wh": "INTEGER",  # active energy forward (delivered to customer)
    "export_wh": "INTEGER",  # active energy reverse (injected, GD)
    "q1_varh": "INTEGER",
    "q2_varh": "INTEGER",
    "q3_varh": "INTEGER",
    "q4_varh": "INTEGER",
    "v_a_dv": "SMALLINT",  # mean phase-neutral voltage in the interval [0.1 V]
    "v_b_dv": "SMALLINT",
    "v_c_dv": "SMALLINT",
    "i_a_ca": "INTEGER",  # mean current [0.01 A]
    "i_b_ca": "INTEGER",
    "i_c_ca": "INTEGER",
    "quality": "UTINYINT",  # QUALITY_* flags
}

#: Long-format channel code (as the MDM exports it) → (wide column, scale to canonical int).
CHANNELS: dict[str, tuple[str, int]] = {
    "AE_FWD": ("import_wh", 1),  # Wh
    "AE_REV": ("export_wh", 1),  # Wh
    "RE_Q1": ("q1_varh", 1),
    "RE_Q2": ("q2_varh", 1),
    "RE_Q3": ("q3_varh", 1),
    "RE_Q4": ("q4_varh", 1),
    "V_A": ("v_a_dv", 10),  # V → 0.1 V
    "V_B": ("v_b_dv", 10),
    "V_C": ("v_c_dv", 10),
    "I_A": ("i_a_ca", 100),  # A → 0.01 A
    "I_B": ("i_b_ca", 100),
    "I_C": ("i_c_ca", 100),
}
ENERGY_CHANNELS = ("AE_FWD", "AE_REV", "RE_Q1", "RE_Q2", "RE_Q3", "RE_Q4")
VOLTAGE_CHANNELS = ("V_A", "V_B", "V_C")
CURRENT_CHANNELS = ("I_A", "I_B", "I_C")

#: 10-minute voltage (PRODIST Módulo 8 "tensão de leitura"), one row per installation and window.
VOLTAGE_10MIN_COLUMNS: dict[str, str] = {
    "installation_id": "VARCHAR",
    "ts": "TIMESTAMP",
    "v_a_dv": "SMALLINT",
    "v_b_dv": "SMALLINT",
    "v_c_dv": "SMALLINT",
}

EVENTS_COLUMNS: dict[str, str] = {
    "installation_id": "VARCHAR",
    "ts": "TIMESTAMP",
    "code": "SMALLINT",
    "value": "DOUBLE",  # optional payload (e.g. voltage for over/under voltage)
}

#: Billing registers ("página fiscal"): cumulative register value at ts.
BILLING_REGISTER_COLUMNS: dict[str, str] = {
    "installation_id": "VARCHAR",
    "ts": "TIMESTAMP",
    "register": "VARCHAR",  # ABNT NBR 14522 function code, see REGISTERS
    "posto": "VARCHAR",  # total | ponta | intermediario | fora_ponta
    "value_wh": "BIGINT",  # cumulative Wh (or varh / W for demand)
}

#: ABNT NBR 14522 style function codes used in the billing registers.
REGISTERS: dict[str, str] = {
    "003": "active_import_wh",
    "103": "active_export_wh",
    "024": "reactive_inductive_varh",
    "027": "reactive_capacitive_varh",
    "006": "max_demand_w",
}
POSTOS = ("total", "ponta", "intermediario", "fora_ponta")

QUALITY_OK = 0
QUALITY_ESTIMATED = 1
QUALITY_INTERRUPTED = 2  # supply interrupted during (part of) the interval

LAKE_TABLES: dict[str, dict[str, str]] = {
    "load_profile": LOAD_PROFILE_COLUMNS,
    "voltage_10min": VOLTAGE_10MIN_COLUMNS,
    "events": EVENTS_COLUMNS,
    "billing_registers": BILLING_REGISTER_COLUMNS,
}
#: Natural key of each lake table (what makes a record a duplicate).
LAKE_KEYS: dict[str, tuple[str, ...]] = {
    "load_profile": ("installation_id", "ts"),
    "voltage_10min": ("installation_id", "ts"),
    "events": ("installation_id", "ts", "code"),
    "billing_registers": ("installation_id", "ts", "register", "posto"),
}

# ---------------------------------------------------------------- register tables (DuckDB)

INSTALLATION_COLUMNS: dict[str, str] = {
    "installation_id": "VARCHAR PRIMARY KEY",
    "meter_id": "VARCHAR",
    "customer_key": "VARCHAR",
    "group_code": "VARCHAR",  # A | B
    "subgroup": "VARCHAR",  # B1, B2, B3, A4, A3a...
    "customer_class": "VARCHAR",  # residencial | comercial | industrial | rural | poder_publico
    "subclass": "VARCHAR",  # residencial | baixa_renda | ...
    "phases": "TINYINT",  # 1 mono, 2 bi, 3 tri
    "nominal_voltage_v": "SMALLINT",  # phase-neutral nominal TR: 127 or 220 (BT); 13800 (A4, line)
    "tariff_modality": "VARCHAR",  # convencional | branca | verde | azul
    "gd_kind": "VARCHAR",  # none | local | autoconsumo_remoto | geracao_compartilhada
    "gd_kwp": "DOUBLE",
    "gd_class": "VARCHAR",  # none | GD1 | GD2 | GD3
    "gd_since": "DATE",
    "distributor": "VARCHAR",  # e.g. CPFL_PAULISTA
    "municipality": "VARCHAR",
    "area": "VARCHAR",  # urbana | rural
    "conjunto_id": "VARCHAR",  # ANEEL conjunto elétrico (continuity limits)
    "feeder_id": "VARCHAR",
    "transformer_id": "VARCHAR",
    "cycle_day": "TINYINT",  # reading day of month (1-28)
    "interval_min": "SMALLINT",  # load profile interval: 5, 15 or 60
    "contracted_demand_kw": "DOUBLE",  # Group A only
    "connected_since": "DATE",
}

#: Versioned installation register: every version of an installation's attributes with the days
#: it was in force, ``valid_from`` .. ``valid_to`` (inclusive; NULL = still in force). The
#: ``installations`` table holds the latest version. A register export changes an installation
#: only with a ``valid_from`` after its latest version; a change without one, or back-dated, or
#: one that contradicts the meter's data (nominal voltage vs the readings, phases vs the voltage
#: channels) is quarantined with its reason, never written over the register.
INSTALLATION_HISTORY_COLUMNS: dict[str, str] = {
    **{c: t.replace(" PRIMARY KEY", "") for c, t in INSTALLATION_COLUMNS.items()},
    "valid_from": "DATE",
    "valid_to": "DATE",
    "recorded_at": "TIMESTAMP",
    "source": "VARCHAR",
}
#: attribute columns of a version (what a change compares)
INSTALLATION_ATTRIBUTES: tuple[str, ...] = tuple(c for c in INSTALLATION_COLUMNS if c != "installation_id")
#: a register change is checked against the meter's readings of this many days from valid_from
REGISTER_CHECK_DAYS = 30
#: ... when at least this many 10-minute voltage readings are there (one day)
REGISTER_CHECK_MIN_READINGS = 144
#: median voltage more than this fraction away from the new TR contradicts the nominal voltage
REGISTER_VOLTAGE_TOLERANCE = 0.15
#: VT secondary (line) of Group A (MT) metering: the readings' TR is this / sqrt(3)
VT_SECONDARY_LINE_V = 115

#: Customer register, kept apart from readings. Used only to identify a customer;
#: never returned by tools (LGPD).
CUSTOMER_COLUMNS: dict[str, str] = {
    "customer_key": "VARCHAR PRIMARY KEY",
    "installation_id": "VARCHAR",
    "titular_name": "VARCHAR",
    "cpf": "VARCHAR",  # 11 digits, synthetic in the demo (valid check digits)
    "phone": "VARCHAR",  # E.164, e.g. +5519999990001
}

QUARANTINE_COLUMNS: dict[str, str] = {
    "source": "VARCHAR",  # file path or stream name
    "line_no": "BIGINT",
    "kind": "VARCHAR",  # which export kind
    "reason": "VARCHAR",  # QuarantineReason value
    "record": "VARCHAR",  # raw record text
    "ingested_at": "TIMESTAMP",
}


@dataclass(frozen=True, slots=True)
class EventType:
    code: int
    kind: str  # event | alarm
    key: str  # catalogue key suffix, e.g. "power_down"
    category: str  # supply | voltage | tamper | comms | config | energy | other


_NAMED_EVENTS: tuple[EventType, ...] = (
    EventType(1, "event", "power_down", "supply"),  # last gasp
    EventType(2, "event", "power_up", "supply"),
    EventType(3, "event", "phase_a_loss", "supply"),
    EventType(4, "event", "phase_b_loss", "supply"),
    EventType(5, "event", "phase_c_loss", "supply"),
    EventType(6, "event", "phase_restored", "supply"),
    EventType(10, "event", "overvoltage_start", "voltage"),
    EventType(11, "event", "overvoltage_end", "voltage"),
    EventType(12, "event", "undervoltage_start", "voltage"),
    EventType(13, "event", "undervoltage_end", "voltage"),
    EventType(14, "event", "voltage_sag", "voltage"),
    EventType(15, "event", "voltage_swell", "voltage"),
    EventType(20, "event", "clock_adjusted", "config"),
    EventType(21, "event", "config_changed", "config"),
    EventType(22, "event", "firmware_updated", "config"),
    EventType(23, "event", "tariff_program_changed", "config"),
    EventType(30, "event", "relay_disconnect", "supply"),
    EventType(31, "event", "relay_reconnect", "supply"),
    EventType(40, "event", "billing_reset", "energy"),
    EventType(41, "event", "demand_reset", "energy"),
)
_NAMED_ALARMS: tuple[EventType, ...] = (
    EventType(101, "alarm", "last_gasp", "supply"),
    EventType(102, "alarm", "cover_open", "tamper"),
    EventType(103, "alarm", "terminal_cover_open", "tamper"),
    EventType(104, "alarm", "magnetic_field", "tamper"),
    EventType(105, "alarm", "reverse_energy", "energy"),
    EventType(106, "alarm", "comms_failure", "comms"),
    EventType(107, "alarm", "neutral_loss", "supply"),
    EventType(108, "alarm", "current_without_voltage", "tamper"),
    EventType(109, "alarm", "memory_error", "other"),
    EventType(110, "alarm", "battery_low", "other"),
    EventType(111, "alarm", "overcurrent", "energy"),
    EventType(112, "alarm", "phase_sequence_inverted", "tamper"),
)


def event_catalogue() -> tuple[EventType, ...]:
    """86 event types and 61 alarm types: the named ones plus generic vendor codes."""
    events = list(_NAMED_EVENTS)
    used = {e.code for e in events}
    code = 200
    while len(events) < 86:
        if code not in used:
            events.append(EventType(code, "event", f"vendor_event_{code}", "other"))
        code += 1
    alarms = list(_NAMED_ALARMS)
    code = 300
    while len(alarms) < 61:
        alarms.append(EventType(code, "alarm", f"vendor_alarm_{code}", "other"))
        code += 1
    return tuple(events + alarms)


EVENT_POWER_DOWN = 1
EVENT_POWER_UP = 2
ALARM_LAST_GASP = 101
TAMPER_CODES = (102, 103, 104, 108, 112)
INTERRUPTION_MIN_MINUTES = 3  # PRODIST Módulo 8: interruptions of 3 minutes or more count


# ---------------------------------------------------------------- MDM export formats (CSV / JSONL)


@dataclass(frozen=True, slots=True)
class ExportFormat:
    kind: str
    prefix: str  # file name prefix that identifies the kind
    header: tuple[str, ...]


EXPORT_FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat("installations", "installations", tuple(INSTALLATION_COLUMNS)),
    ExportFormat("customers", "customers", tuple(CUSTOMER_COLUMNS)),
    # long format, one row per installation / channel / interval, values in physical units
    # (Wh, varh, V, A) as MDMs export them
    ExportFormat("load_profile", "load_profile", ("installation_id", "ts", "interval_min", "channel", "value", "quality")),
    ExportFormat("voltage_10min", "voltage_10min", ("installation_id", "ts", "phase", "voltage_v")),
    ExportFormat("events", "events", ("installation_id", "ts", "code", "value")),
    ExportFormat("billing_registers", "billing_registers", tuple(BILLING_REGISTER_COLUMNS)),
    ExportFormat(
        "service_requests",
        "service_requests",
        ("request_id", "installation_id", "request_type", "opened_at", "closed_at", "status", "area", "region"),
    ),
)
#: A stream file (``meter_reads*.jsonl``) holds one JSON message per installation and interval,
#: as an MDM "meter reads to Kafka" topic would carry:
#: ``{"installation_id": "...", "ts": "2026-10-01T00:15:00", "interval_min": 15,
#:   "channels": {"AE_FWD": 123, "V_A": 127.4}, "quality": 0}``
STREAM_PREFIX = "meter_reads"

#: MDM header aliases → canonical names (renamed once, at the ingest boundary).
COLUMN_MAP: dict[str, str] = {
    "uc": "installation_id",
    "unidade_consumidora": "installation_id",
    "instalacao": "installation_id",
    "data_hora": "ts",
    "timestamp": "ts",
    "canal": "channel",
    "valor": "value",
    "intervalo": "interval_min",
    "fase": "phase",
    "tensao": "voltage_v",
    "codigo": "code",
}
