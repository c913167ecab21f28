"""Customer identification against the customer register (LGPD).

Returns only the installation id; name, CPF and phone never leave this module.
"""

from __future__ import annotations

import re

from tools.data.store import Store


def _digits(s: str | None) -> str:
    return re.sub(r"\D", "", s or "")


def installation_for_phone(store: Store, phone: str) -> str | None:
    """Installation registered to a phone number (E.164 or digits), or None."""
    digits = _digits(phone)
    if not digits:
        return None
    rows = store.rows(
        "SELECT installation_id FROM customers WHERE regexp_replace(phone, '[^0-9]', '', 'g') = ? "
        "ORDER BY installation_id LIMIT 1",
        [digits],
    )
    return rows[0][0] if rows else None


def verify(store: Store, installation_id: str, cpf_last_digits: str) -> bool:
    """True when the titular's CPF ends with the given digits (at least 4 of them)."""
    digits = _digits(cpf_last_digits)
    if len(digits) < 4:
        return False
    rows = store.rows("SELECT cpf FROM customers WHERE installation_id = ?", [installation_id])
    return any(_digits(r[0]).endswith(digits) for r in rows)


def installation_exists(store: Store, installation_id: str) -> bool:
    return bool(store.rows("SELECT 1 FROM installations WHERE installation_id = ?", [installation_id]))


def alert_recipients(store: Store, installation_ids: list[str] | None = None) -> list[tuple[str, str]]:
    """(installation_id, phone) pairs for proactive messages; used only by the messaging channel."""
    sql = "SELECT installation_id, phone FROM customers WHERE phone IS NOT NULL AND phone <> ''"
    params: list[str] = []
    if installation_ids:
        sql += " AND installation_id IN (SELECT unnest(?))"
        params.append(installation_ids)  # type: ignore[arg-type]
    return [(r[0], r[1]) for r in store.rows(sql + " ORDER BY installation_id", params)]
