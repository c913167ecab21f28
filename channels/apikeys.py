"""API keys for integrators and operators, stored hashed (``<home>/apikeys.json``, mode 0600).

A key is shown once, when created. Scopes: ``integrator`` (customer data of the granted
installations — named explicitly, or ``*`` only when asked for — and pre-identified chat) and
``operator`` (fleet routes, costs, any installation).

The file is read again whenever it changes (size or modification time), so a key created or
revoked with ``smartmeter apikey`` takes effect in a running server without a restart.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
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
        self._stamp: tuple[int, int] | None = None
        self._verified: dict[str, ApiKey] = {}

    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def _load(self) -> dict[str, ApiKey]:
        stamp = self._file_stamp()
        if self._cache is None or stamp != self._stamp:
            raw = json.loads(self.path.read_text()) if stamp is not None else []
            self._cache = {
                k["key_id"]: ApiKey(**{**k, "installations": tuple(k["installations"])}) for k in raw
            }
            self._stamp = stamp
            self._verified = {}  # a revoked key must not stay valid from the cache
        return self._cache

    def _write(self, keys: dict[str, ApiKey]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(json.dumps([asdict(k) for k in keys.values()], indent=2))
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)

    def create(self, name: str, scope: KeyScope, installations: tuple[str, ...] = ()) -> str:
        """Create a key; returns the secret (``sm_<id>_<secret>``), shown only once.

        An integrator key needs its installations named (``("*",)`` grants all, explicitly)."""
        if scope == "integrator" and not installations:
            raise ValueError("an integrator key needs --installations (or --all)")
        key_id = secrets.token_hex(4)
        secret = secrets.token_urlsafe(24)
        salt = secrets.token_hex(16)
        key = ApiKey(key_id, name, scope, tuple(installations) if scope == "integrator" else ("*",), salt,
                     _digest(secret, salt))
        with _LOCK:
            keys = dict(self._load())
            keys[key_id] = key
            self._write(keys)
            self._cache = None
        return f"sm_{key_id}_{secret}"

    def revoke(self, key_id: str) -> bool:
        """Remove a key; False when there is no such key. Running servers stop accepting it at once."""
        with _LOCK:
            keys = dict(self._load())
            if keys.pop(key_id, None) is None:
                return False
            self._write(keys)
            self._cache = None
        return True

    def list(self) -> list[dict[str, object]]:
        """Keys without their hashes: id, name, scope, installations."""
        return [{"key_id": k.key_id, "name": k.name, "scope": k.scope, "installations": list(k.installations)}
                for k in self._load().values()]

    def verify(self, presented: str | None) -> ApiKey | None:
        if not presented or not presented.startswith("sm_") or len(presented) > 200:
            return None
        keys = self._load()
        if presented in self._verified:
            return self._verified[presented]
        try:
            _, key_id, secret = presented.split("_", 2)
        except ValueError:
            return None
        key = keys.get(key_id)
        if key is None or not hmac.compare_digest(key.digest, _digest(secret, key.salt)):
            return None
        self._verified[presented] = key
        return key
