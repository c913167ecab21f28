"""pt-BR message catalogue and Brazilian formats (Babel, locale pt_BR).

The catalogue is split by area under ``assistant/messages/pt_BR/*.toml``; keys are dotted
(``billing.step.tusd``) and values use ``{placeholder}`` syntax. Tools emit keys; only this
module turns them into sentences.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from babel.dates import format_date as _babel_date
from babel.numbers import format_currency, format_decimal, format_percent

LOCALE = "pt_BR"


def _flatten(prefix: str, node: dict[str, Any], out: dict[str, str]) -> None:
    for k, v in node.items():
        key = f"{prefix}.{k}" if prefix else k
        if isinstance(v, dict):
            _flatten(key, v, out)
        else:
            out[key] = str(v)


@cache
def catalogue() -> dict[str, str]:
    """All keys of all catalogue files (later files may not redefine a key)."""
    out: dict[str, str] = {}
    base = resources.files("assistant") / "messages" / "pt_BR"
    for entry in sorted(base.iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".toml"):
            continue
        flat: dict[str, str] = {}
        _flatten("", tomllib.loads(entry.read_text(encoding="utf-8")), flat)
        dup = set(flat) & set(out)
        if dup:
            raise ValueError(f"duplicate catalogue keys in {entry.name}: {sorted(dup)[:5]}")
        out.update(flat)
    return out


def has(key: str) -> bool:
    cat = catalogue()
    return key in cat or f"{key}.text" in cat or f"{key}.other" in cat


def t(key: str, **placeholders: Any) -> str:
    """Render a catalogue entry. ``key`` may point at a table with a ``text`` field."""
    cat = catalogue()
    count = placeholders.get("count")
    if count is None and f"{key}.one" in cat:  # the entry's first whole-number placeholder decides
        count = next(
            (v for v in placeholders.values() if isinstance(v, int) and not isinstance(v, bool)), None
        ) or next((v for v in placeholders.values() if isinstance(v, str) and v.isdigit()), None)
    template: str | None
    if count is not None and f"{key}.one" in cat:
        template = cat[f"{key}.one"] if str(count) == "1" else cat[f"{key}.other"]
    else:
        template = cat.get(key) or cat.get(f"{key}.text") or cat.get(f"{key}.other")
    if template is None:
        raise KeyError(key)
    return template.format(**placeholders)


def format_brl(value: Decimal | float | int, decimals: int = 2) -> str:
    """R$ 1.234,56 (non-breaking space normalised to a plain space); more decimals for unit costs."""
    if decimals == 2:
        return format_currency(Decimal(str(value)), "BRL", locale=LOCALE).replace("\xa0", " ")
    return "R$ " + format_number(value, decimals)


def format_number(value: Decimal | float | int, decimals: int = 1) -> str:
    fmt = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return format_decimal(Decimal(str(value)), format=fmt, locale=LOCALE)


def format_kwh(value: Decimal | float | int, decimals: int = 1) -> str:
    return f"{format_number(value, decimals)} kWh"


def format_pct(value: Decimal | float | int, decimals: int = 1) -> str:
    """``value`` is a fraction (0.052 → 5,2%)."""
    fmt = "#,##0" + ("." + "0" * decimals if decimals > 0 else "") + "%"
    return format_percent(Decimal(str(value)), format=fmt, locale=LOCALE).replace("\xa0", "")


def format_date(value: dt.date | str) -> str:
    """12/10/2026."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return value.strftime("%d/%m/%Y")


def format_month(value: dt.date | str) -> str:
    """setembro/2026."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:7] + "-01")
    return _babel_date(value, "MMMM/yyyy", locale=LOCALE)


def upper_first(text: str) -> str:
    """The first letter in upper case, the rest as written (``str.capitalize`` would lower "DRP", "R$")."""
    return text[:1].upper() + text[1:]
