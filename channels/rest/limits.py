"""Size limits at the HTTP boundary (L1): request bodies, the echoed ``X-Request-ID``.

A body larger than its limit is refused with 413 problem+json before any route reads it
(announced by ``Content-Length`` or discovered while streaming); a ``X-Request-ID`` that is not a
short token is replaced by a server-issued one rather than echoed.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.i18n import t

#: Body limits by path prefix (bytes); the first match wins.
BODY_LIMITS: tuple[tuple[str, int], ...] = (
    ("/v1/channels/whatsapp", 32 * 1024),  # a Twilio webhook form is a few kB
    ("/v1/chat", 16 * 1024),  # text ≤ 2.000 characters
    ("", 64 * 1024),
)
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def safe_request_id(presented: str | None) -> str:
    """The caller's request id when it is a short token; otherwise a new one."""
    if presented and _REQUEST_ID.fullmatch(presented):
        return presented
    return uuid.uuid4().hex[:16]


def body_limit(path: str) -> int:
    return next(limit for prefix, limit in BODY_LIMITS if path.startswith(prefix))


class BodyLimit:
    """ASGI middleware: 413 when a request body exceeds :func:`body_limit` of its path."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope.get("path", ""))
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _too_large(scope, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise StarletteHTTPException(413)
            return message

        await self.app(scope, limited, send)


async def _too_large(scope: Scope, send: Send) -> None:
    body: dict[str, Any] = {
        "type": "https://smartmeter.example/problems/problem.payload_too_large", "title": "problem.payload_too_large",
        "status": 413, "detail": t("problem.payload_too_large"), "code": "problem.payload_too_large",
        "instance": scope.get("path", ""),
    }
    raw = json.dumps(body, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/problem+json"), (b"content-length", str(len(raw)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": raw})
