"""Signed, expiring URLs for chart images (WhatsApp media)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any


def sign(payload: dict[str, Any], secret: str, ttl_s: int) -> str:
    body = dict(payload, exp=int(time.time()) + ttl_s)
    raw = base64.urlsafe_b64encode(json.dumps(body, separators=(",", ":")).encode()).decode().rstrip("=")
    mac = hmac.new(secret.encode(), raw.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{raw}.{mac}"


def verify(token: str, secret: str) -> dict[str, Any] | None:
    """Payload when the signature is good and not expired, else None."""
    try:
        raw, mac = token.rsplit(".", 1)
    except ValueError:
        return None
    expected = hmac.new(secret.encode(), raw.encode(), hashlib.sha256).hexdigest()[:32]
    if not hmac.compare_digest(mac, expected):
        return None
    body: dict[str, Any] = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    if body.get("exp", 0) < time.time():
        return None
    return body
