"""API keys for integrators and operators, stored hashed (``<home>/apikeys.json``).

A key is shown once, when created. Scopes: ``integrator`` (customer data of the granted
installations, ``*`` = all, and pre-identified chat) and ``operator`` (fleet routes, costs,
any installation).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

KeyScope = Literal["integrator", "operator"]
_LOCK = threading.Lock()


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    name: str
    scope: KeyScope
    installations: tuple[str, ...]  # ("*",) = every installation
    salt: str
    digest: str

    def allows(self, installation_id: str) -> bool:
        return self.scope == "operator" or "*" in self.installations or installation_id in self.installations


def _digest(secret: str, salt: str) -> str:
    return hashlib.pbkdf2_hmac("sha256", secret.encode(), bytes.fromhex(salt), 50_000).hex()


class ApiKeyStore:
    def __init__(self, home: str | Path) -> None:
        self.path = Path(home) / "apikeys.json"
        self._cache: dict[str, ApiKey] | None = None
        self._verified: dict[str, ApiKey] = {}

    def _load(self) -> dict[str, ApiKey]:
        if self._cache is None:
            raw = json.loads(self.path.read_text()) if self.path.exists() else []
            self._cache = {
                k["key_id"]: ApiKey(**{**k, "installations": tuple(k["installations"])}) for k in raw
            }
        return self._cache

    def create(self, name: str, scope: KeyScope, installations: tuple[str, ...] = ("*",)) -> str:
        """Create a key; returns the secret (``sm_<id>_<secret>``), shown only once."""
        key_id = secrets.token_hex(4)
        secret = secrets.token_urlsafe(24)
        salt = secrets.token_hex(16)
        key = ApiKey(key_id, name, scope, tuple(installations), salt, _digest(secret, salt))
        with _LOCK:
            keys = self._load()
            keys[key_id] = key
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps([asdict(k) for k in keys.values()], indent=2))
        return f"sm_{key_id}_{secret}"

    def verify(self, presented: str | None) -> ApiKey | None:
        if not presented or not presented.startswith("sm_"):
            return None
        if presented in self._verified:
            return self._verified[presented]
        try:
            _, key_id, secret = presented.split("_", 2)
        except ValueError:
            return None
        key = self._load().get(key_id)
        if key is None or not hmac.compare_digest(key.digest, _digest(secret, key.salt)):
            return None
        self._verified[presented] = key
        return key
