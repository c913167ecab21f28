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


def verify(token: str, secret: str | None) -> dict[str, Any] | None:
    """Payload when the signature is good and not expired, else None (also without a secret)."""
    if not secret or len(token) > 512:
        return None
    try:
        raw, mac = token.rsplit(".", 1)
    except ValueError:
        return None
    expected = hmac.new(secret.encode(), raw.encode(), hashlib.sha256).hexdigest()[:32]
    if not hmac.compare_digest(mac.encode(), expected.encode()):
        return None
    try:
        body = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except ValueError:
        return None
    if not isinstance(body, dict) or not isinstance(body.get("exp", 0), int | float) or body.get("exp", 0) < time.time():
        return None
    return body
