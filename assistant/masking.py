"""Mask personal data (CPF, phone, e-mail, names after identification cues) in logs and transcripts."""

from __future__ import annotations

import logging
import re

_CPF = re.compile(r"\b\d{3}[.\s]?\d{3}[.\s]?\d{3}[-/.\s]?\d{2}\b")
_CEP = re.compile(r"\b\d{5}-\d{3}\b|(?i:\bcep\b:?\s*)\d{5}-?\d{3}\b")
_API_KEY = re.compile(r"\bsm_[0-9a-f]{8}_[A-Za-z0-9_-]{16,}")
_HEX_SECRET = re.compile(r"\b[0-9a-fA-F]{32,}\b")  # Twilio auth tokens and the like
_ONLY_DIGITS = re.compile(r"^[\s\d.\-/]{4,20}$")  # a reply that is just digits: the CPF confirmation
_PHONE = re.compile(r"(?:\+?55\s?)?\(?\d{2}\)?\s?9?\d{4}[-\s]?\d{4}\b")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.]+\b")
_NAME = re.compile(r"\b(meu nome e|meu nome é|me chamo|sou o|sou a|aqui é o|aqui é a|aqui e o|aqui e a|nome do titular é|"
                   r"nome do titular e|titular é|titular e|nome:)\s+([A-ZÀ-Ü][\wÀ-ü]+(?:\s+[A-ZÀ-Ü][\wÀ-ü]+)*)", re.I)
_DIGITS4 = re.compile(r"(?<!\d)\d{4}(?!\d)")


def mask(text: str, extra: tuple[str, ...] = ()) -> str:
    """Replace personal data with placeholders; ``extra`` = known values (e.g. the titular's name)."""
    if _ONLY_DIGITS.match(text):
        return _DIGITS4.sub("[####]", _CPF.sub("[CPF]", text))
    s = _API_KEY.sub("[CHAVE]", text)
    s = _HEX_SECRET.sub("[SEGREDO]", s)
    s = _CPF.sub("[CPF]", s)
    s = _CEP.sub("[CEP]", s)
    s = _EMAIL.sub("[EMAIL]", s)
    s = _PHONE.sub("[TELEFONE]", s)
    s = _NAME.sub(lambda m: f"{m.group(1)} [NOME]", s)
    for value in extra:
        if value:
            s = s.replace(value, "[DADO]")
    return s


def mask_phone(phone: str | None) -> str | None:
    """A phone an agent can recognise but not dial from a screenshot: "(19) 9****-4321"."""
    if not phone:
        return None
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("55") and len(digits) > 11:
        digits = digits[2:]
    if len(digits) < 8:
        return "****"
    area, rest = (digits[:2], digits[2:]) if len(digits) >= 10 else ("", digits)
    masked = rest[:1] + "*" * (len(rest) - 5) + "-" + rest[-4:]
    return f"({area}) {masked}" if area else masked


def mask_confirmation(text: str) -> str:
    """For the CPF-digits confirmation turn: hide any 4-digit group too."""
    return _DIGITS4.sub("[####]", mask(text))


class MaskingFilter(logging.Filter):
    """Logging filter that masks personal data (and the configured secrets) in every record's message."""

    def __init__(self, secrets: tuple[str | None, ...] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask(str(record.getMessage()), self.secrets)[:4000]
        record.args = ()
        return True
