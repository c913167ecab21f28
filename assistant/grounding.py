"""Grounding check: every number in a reply must come from a tool result of the same turn.

Numbers are read in Brazilian format (1.234,56; 8,4; 12/10/2026; 5,2%) and compared with the
numbers found anywhere in the turn's tool results (values, trail inputs and outputs, dates,
citations), at the precision the reply shows. Numbers the user wrote are allowed too.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

_NUM = re.compile(r"(?<![\w/])(?<!\w-)(\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?)(?![\w/])")
_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?\b")


def reply_numbers(text: str) -> list[tuple[Decimal, int]]:
    """(value, decimals shown) for each number in a pt-BR text; dates are split into parts."""
    out: list[tuple[Decimal, int]] = []
    for m in _DATE.finditer(text):
        for g in m.groups():
            if g:
                out.append((Decimal(g), 0))
    text = _DATE.sub(" ", text)
    for m in _NUM.finditer(text):
        raw = m.group(1)
        decimals = len(raw.split(",")[1]) if "," in raw else 0
        try:
            out.append((Decimal(raw.replace(".", "").replace(",", ".")), decimals))
        except InvalidOperation:
            continue
    return out


def result_numbers(obj: Any, acc: set[Decimal] | None = None) -> set[Decimal]:
    """Every number reachable in a (JSON-like) tool result."""
    acc = set() if acc is None else acc
    if isinstance(obj, bool) or obj is None:
        return acc
    if isinstance(obj, int | float | Decimal):
        try:
            acc.add(Decimal(str(obj)))
        except InvalidOperation:
            pass
    elif isinstance(obj, dt.date):
        acc.update({Decimal(obj.day), Decimal(obj.month), Decimal(obj.year), Decimal(obj.year % 100)})
    elif isinstance(obj, str):
        for m in re.finditer(r"-?\d+(?:\.\d+)?", obj):
            try:
                acc.add(Decimal(m.group(0)))
            except InvalidOperation:
                pass
        if "," in obj or re.search(
            r"\d\.\d{3}\b", obj
        ):  # pt-BR text (a cited passage): "1.008 leituras", "8,4 kWh"
            acc.update(v for v, _ in reply_numbers(obj))
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", obj):
            try:
                result_numbers(dt.date.fromisoformat(obj[:10]), acc)
            except ValueError:
                pass
    elif isinstance(obj, dict):
        for v in obj.values():
            result_numbers(v, acc)
    elif isinstance(obj, Iterable):
        for v in obj:
            result_numbers(v, acc)
    return acc


def catalogue_constants() -> set[Decimal]:
    """Numbers written in the catalogue's fixed text (rules such as "168 horas", "4 últimos dígitos").

    These are reviewed, sourced wording, not computed figures; placeholders are excluded.
    """
    from assistant.i18n import catalogue

    out: set[Decimal] = set()
    for template in catalogue().values():
        fixed = re.sub(r"\{[^}]*\}", " ", template)
        out |= {v for v, _ in reply_numbers(fixed)}
    return out


def ungrounded(
    reply: str, results: list[Any], user_text: str = "", allowed: Iterable[Decimal] = ()
) -> list[str]:
    """Numbers in ``reply`` not backed by ``results`` (empty list = grounded).

    Signs are ignored (a reply may say "R$ 15,69 a menos" for a -15.69 difference).
    """
    known = {abs(k) for k in result_numbers(results)}
    known |= {v for v, _ in reply_numbers(user_text)}
    known |= set(allowed) | _CONSTANTS()
    missing: list[str] = []
    for value, decimals in reply_numbers(reply):
        tol = Decimal(1).scaleb(-decimals) / 2 if decimals else Decimal("0.5")
        if any(
            abs(value - k) <= tol or abs(value - k * 100) <= tol or abs(value * 1000 - k) <= tol * 1000
            for k in known
        ):
            continue
        missing.append(str(value))
    return missing


@cache
def _CONSTANTS() -> frozenset[Decimal]:  # noqa: N802 - cached constant
    return frozenset(catalogue_constants())
