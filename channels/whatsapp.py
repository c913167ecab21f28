"""WhatsApp through Twilio: signature check, TwiML replies, outbound messages.

The only module that imports twilio. The signature is validated with Twilio's own
``RequestValidator`` against the configured *public* URL (what Twilio called), not the URL
seen behind a proxy.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse

MAX_CHARS = 1600


def valid_signature(auth_token: str, url: str, form: Mapping[str, str], signature: str | None) -> bool:
    if not signature:
        return False
    return bool(RequestValidator(auth_token).validate(url, dict(form), signature))


def phone_of(from_field: str) -> str:
    """'whatsapp:+5519990010001' → '+5519990010001'."""
    return re.sub(r"^whatsapp:", "", from_field or "").strip()


_FIGURE = re.compile(r"R\$ ?-?[\d.]+,\d{2}|-?\d[\d.]*(?:,\d+)? ?(?:kWh|kW|W|h|%)(?![\w])")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÁÉÍÓÚÂÊÔÃÕÇ⚠])")
SHORT_LINE = 160


def format_reply(text: str) -> str:
    """A chat reply in WhatsApp's own markup: ``**x**`` → ``*x*``, Markdown headers → bold lines,
    "- " bullets → "• ", long paragraphs broken one sentence per line, and the first figure in bold
    when the reply marks none."""
    out: list[str] = []
    marked = "**" in text
    for raw in text.strip().splitlines():
        line = raw.rstrip()
        heading = re.match(r"^#{1,6}\s+(.*)$", line)
        if heading:
            line = f"*{heading.group(1).replace('**', '').strip()}*"
        line = re.sub(r"\*\*(.+?)\*\*", r"*\1*", line)
        line = re.sub(r"^\s*[-*]\s+", "• ", line)
        if len(line) > SHORT_LINE:
            out.extend(_SENTENCE_END.split(line))
        else:
            out.append(line)
    result = "\n".join(out)
    result = re.sub(r"\n{3,}", "\n\n", result)
    if not marked:
        result = _FIGURE.sub(lambda m: f"*{m.group(0)}*", result, count=1)
    return result


def split_message(text: str, limit: int = MAX_CHARS) -> list[str]:
    """Split at paragraph/line/word boundaries so each part has at most ``limit`` characters."""
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = max(rest.rfind("\n\n", 0, limit), rest.rfind("\n", 0, limit), rest.rfind(" ", 0, limit))
        cut = cut if cut > limit // 3 else limit
        parts.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    if rest:
        parts.append(rest)
    return parts


def twiml(messages: list[str], media_url: str | None = None) -> str:
    resp = MessagingResponse()
    for i, body in enumerate(messages):
        msg = resp.message(body)
        if media_url and i == len(messages) - 1:
            msg.media(media_url)
    return str(resp)


class _RedirectingHttpClient(TwilioHttpClient):
    """Sends Twilio API calls to another base URL (a local stub server in tests, a proxy in production)."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")

    def request(self, method: str, url: str, params: Any = None, data: Any = None, headers: Any = None,
                auth: Any = None, timeout: Any = None, allow_redirects: bool = False) -> Response:
        url = re.sub(r"^https://[^/]+", self.base_url, url)
        return super().request(method, url, params=params, data=data, headers=headers, auth=auth,
                               timeout=timeout, allow_redirects=allow_redirects)


def send_whatsapp(account_sid: str, auth_token: str, from_: str, to: str, body: str,
                  api_base: str | None = None, media_url: str | None = None) -> str:
    """Send an outbound (proactive) WhatsApp message; returns the message SID."""
    http_client = _RedirectingHttpClient(api_base) if api_base else None
    client = Client(account_sid, auth_token, http_client=http_client)
    to_addr = to if to.startswith("whatsapp:") else f"whatsapp:{to}"
    try:
        msg = client.messages.create(from_=from_, to=to_addr, body=body[:MAX_CHARS],
                                     media_url=[media_url] if media_url else None)
    except TwilioRestException as exc:
        raise RuntimeError(f"twilio error {exc.status}") from exc
    return str(msg.sid)
