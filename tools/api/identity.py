"""Customer identification against the customer register (LGPD).

Returns only the installation id; name, CPF and phone never leave this module.
"""

from __future__ import annotations

import re

from tools.data.queries import register
from tools.data.store import Store


def _digits(s: str | None) -> str:
    return re.sub(r"\D", "", s or "")


def installation_for_phone(store: Store, phone: str) -> str | None:
    """Installation registered to a phone number (E.164 or digits), or None."""
    digits = _digits(phone)
    if not digits:
        return None
    return register.installation_for_phone_digits(store, digits)


def verify(store: Store, installation_id: str, cpf_last_digits: str) -> bool:
    """True when the titular's CPF ends with the given digits (at least 4 of them)."""
    digits = _digits(cpf_last_digits)
    if len(digits) < 4:
        return False
    return any(_digits(cpf).endswith(digits) for cpf in register.titular_cpfs(store, installation_id))


def installation_exists(store: Store, installation_id: str) -> bool:
    return register.installation_exists(store, installation_id)


def alert_recipients(store: Store, installation_ids: list[str] | None = None) -> list[tuple[str, str]]:
    """(installation_id, phone) pairs for proactive messages; used only by the messaging channel."""
    return register.alert_recipients(store, installation_ids)
