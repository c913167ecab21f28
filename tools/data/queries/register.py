"""Queries of the installation and customer registers: one installation's row and versions, the
identification look-ups (phone, CPF digits), listings and the fleet's distinct attributes.

The customer register (name, CPF, phone) is read only by the identification functions, which
return installation ids or yes/no, never the personal data itself (except the phones of
:func:`alert_recipients`, for the messaging channel)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb

from tools.data.sqlfiles import sql_file
from tools.data.store import Store

#: Columns :func:`list_installations` may return: attributes only, never the customer register.
INSTALLATION_LISTING = (
    "installation_id",
    "group_code",
    "subgroup",
    "customer_class",
    "subclass",
    "phases",
    "nominal_voltage_v",
    "tariff_modality",
    "gd_kind",
    "gd_kwp",
    "gd_class",
    "distributor",
    "municipality",
    "feeder_id",
    "transformer_id",
    "cycle_day",
    "interval_min",
)


def _records(store: Store, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    cur = store.cursor()
    try:
        cur.execute(sql, list(params))
        rows = cur.fetchall()
        names = [d[0] for d in cur.description or []]
    finally:
        cur.close()
    return [dict(zip(names, row, strict=True)) for row in rows]


def installation(store: Store, installation_id: str) -> dict[str, Any] | None:
    """Every attribute of the installation register's row, None when unknown."""
    found = _records(store, "SELECT * FROM installations WHERE installation_id = ?", [installation_id])
    return found[0] if found else None


def installation_history(store: Store, installation_id: str) -> list[dict[str, Any]]:
    """The stored versions of the installation's row (``valid_from``, ``valid_to``, attributes...),
    oldest first; empty for a read-only home built before the register was versioned."""
    try:
        return _records(
            store,
            "SELECT * FROM installation_history WHERE installation_id = ? ORDER BY valid_from",
            [installation_id],
        )
    except duckdb.Error:
        return []


def installation_exists(store: Store, installation_id: str) -> bool:
    return bool(store.rows("SELECT 1 FROM installations WHERE installation_id = ?", [installation_id]))


def installation_count(store: Store) -> int:
    return int(store.scalar("SELECT count(*) FROM installations") or 0)


def list_installations(
    store: Store,
    group: str | None = None,
    gd: bool | None = None,
    modality: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The :data:`INSTALLATION_LISTING` attributes of the installations matching every filter
    given (``group``: group code; ``gd``: with/without distributed generation; ``modality``:
    tariff modality, case ignored), ordered by id, at most ``limit``."""
    where: list[str] = ["1 = 1"]
    params: list[Any] = []
    if group:
        where.append("group_code = ?")
        params.append(group.upper())
    if gd is not None:
        where.append(
            "(coalesce(gd_kind, 'none') <> 'none')" if gd else "(coalesce(gd_kind, 'none') = 'none')"
        )
    if modality:
        where.append("lower(tariff_modality) = ?")
        params.append(modality.lower())
    sql = f"SELECT {', '.join(INSTALLATION_LISTING)} FROM installations WHERE {' AND '.join(where)} ORDER BY installation_id"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(int(limit))
    return [dict(zip(INSTALLATION_LISTING, row, strict=True)) for row in store.rows(sql, params)]


# ----------------------------------------------------------------------------- identification


def installation_for_phone_digits(store: Store, digits: str) -> str | None:
    """The first installation (by id) whose titular's phone has exactly these digits."""
    rows = store.rows(
        "SELECT installation_id FROM customers WHERE regexp_replace(phone, '[^0-9]', '', 'g') = ? "
        "ORDER BY installation_id LIMIT 1",
        [digits],
    )
    return rows[0][0] if rows else None


def titular_cpfs(store: Store, installation_id: str) -> list[str]:
    """The CPFs of the installation's titulars (for the identification check only)."""
    return [
        str(r[0] or "")
        for r in store.rows("SELECT cpf FROM customers WHERE installation_id = ?", [installation_id])
    ]


def alert_recipients(store: Store, installation_ids: list[str] | None = None) -> list[tuple[str, str]]:
    """(installation_id, phone) pairs with a phone, optionally only of ``installation_ids``."""
    sql = "SELECT installation_id, phone FROM customers WHERE phone IS NOT NULL AND phone <> ''"
    params: list[Any] = []
    if installation_ids:
        sql += " AND installation_id IN (SELECT unnest(?))"
        params.append(installation_ids)
    return [(r[0], r[1]) for r in store.rows(sql + " ORDER BY installation_id", params)]


# ----------------------------------------------------------------------------- fleet attributes


def nominal_voltages(store: Store, installation_id: str | None = None) -> list[float]:
    """The distinct nominal voltages [V] of the fleet, or of one installation (a lookup by id: a
    single-installation query needs only the band of its own nominal, not a scan of the register)."""
    if installation_id is None:
        return [r[0] for r in store.rows("SELECT DISTINCT CAST(nominal_voltage_v AS DOUBLE) FROM installations")]
    sql = "SELECT DISTINCT CAST(nominal_voltage_v AS DOUBLE) FROM installations WHERE installation_id = ?"
    return [r[0] for r in store.rows(sql, [installation_id])]


def continuity_combinations(store: Store) -> list[tuple[Any, Any, Any, Any]]:
    """The distinct (conjunto_id, area, group_code, subgroup) of the fleet."""
    return [
        (r[0], r[1], r[2], r[3])
        for r in store.rows("SELECT DISTINCT conjunto_id, area, group_code, subgroup FROM installations")
    ]


def conjuntos(store: Store) -> list[Any]:
    """The distinct conjunto ids of the fleet."""
    return [
        r[0]
        for r in store.rows("SELECT DISTINCT conjunto_id FROM installations WHERE conjunto_id IS NOT NULL")
    ]


def municipalities(store: Store) -> tuple[str, ...]:
    """The municipalities of the installation register, as spelled there."""
    rows = store.rows(
        "SELECT DISTINCT municipality FROM installations WHERE municipality IS NOT NULL ORDER BY 1"
    )
    return tuple(str(r[0]) for r in rows)


def installations_in_place(
    store: Store, feeder: str | None, transformer: str | None, municipality: str | None
) -> list[str]:
    """Ids of the installations on ``feeder`` / ``transformer`` (case ignored) in ``municipality``
    (accents and case ignored); a None filter matches everything."""
    rows = store.rows(
        sql_file("register_place_filter.sql"),
        [feeder, feeder, transformer, transformer, municipality, municipality],
    )
    return [str(r[0]) for r in rows]


def topology_of(store: Store, installation_ids: list[str]) -> list[tuple[Any, Any]]:
    """The distinct (feeder_id, transformer_id) of the given installations."""
    return [
        (r[0], r[1])
        for r in store.rows(
            "SELECT DISTINCT feeder_id, transformer_id FROM installations WHERE list_contains(?, installation_id)",
            [installation_ids],
        )
    ]


def distributors(store: Store) -> list[str]:
    """The distinct distributors of the fleet."""
    return [
        r[0]
        for r in store.rows("SELECT DISTINCT distributor FROM installations WHERE distributor IS NOT NULL")
    ]
