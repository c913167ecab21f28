"""What people read must be plain pt-BR: a checker shared by the reply, "Como calculei", copilot-page
and tool-JSON sweeps.

``text_problems(text)`` lists what must never reach a customer or an operator: English words
(outside a small allow-list of names, units and acronyms), code tokens (``_``, ``()``, ``sum(``,
``SELECT``, ``None``), raw Markdown other than ``**bold**``, empty placeholders ("—", "(s)",
"{x}", "-R$ 3,00", "1 interrupções"), and Decimal artefacts ("0E-8", 28-digit decimals).
``json_problems(obj)`` walks a tool result's JSON: numbers are JSON numbers or fixed-point
decimal strings with at most 8 decimals.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

# Names, units and acronyms that are fine in pt-BR text.
ALLOWED_WORDS = frozenset(
    w.lower()
    for w in (
        "kWh MWh GWh kW kVArh kvar Wh W V A GB TB US$ R$ h min "
        "stand-by standby LED LEDs PIX Wi-Fi online app site e-mail email WhatsApp "
        "TUSD TE ICMS PIS COFINS PASEP CIP COSIP ANEEL CPFL REN REH PRODIST DIC FIC DMIC DICRI DISE DRP DRC "
        "SCEE GD GD1 GD2 GD3 LGPD CPF CNPJ BPC NIS CadÚnico SAMU IPCA EUSD UFER SQL AWS GCP Azure "
        "Sumaré Campinas Ribeirão Jaguariúna Americana"
    ).split()
)

# Frequent English words (function words and the vocabulary of this code base) that are not Portuguese.
ENGLISH_WORDS = frozenset(
    """the and of with from to in on at by is are was were be been not none null true false this that
    these those which when where what who how per each all any only into over under than then there their
    sum count avg mean max min join left right inner outer select group order limit having union distinct
    day days month months year week hour hours slot slots reading readings meter meters tariff tariffs
    import export power down up unknown assumption placeholder illustrative reference value values amount
    rate rates deadline deadlines totals share shares ratio factor step steps issue issues warning
    result results tool tools query queries row rows column columns field fields event events outage outages
    compensation indicator indicators level period periods label labels peak offpeak shift saving savings
    estimate estimated forecast bill bills line lines flag flags tip tips credit credits balance expiry
    voltage band bands limit limits open closed short long critical monthly daily hourly weekly yearly
    request requests confirmed unconfirmed source sources note notes pending overdue late done
    customer customers operator operators installation installations phase phases load profile
    infrastructure provider storage cost costs price prices lake file files table tables view views""".split()
)

_WORD = re.compile(r"[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ0-9$'\-]*")
_CODE = (
    (re.compile(r"\b[a-z]+_[a-z0-9_]+\b"), "snake_case identifier"),
    (re.compile(r"\w\(\)|\(\)"), "empty call ()"),
    (re.compile(r"\b(sum|avg|count|max|min|round|argmax|median)\(", re.I), "formula"),
    (re.compile(r"\b(SELECT|FROM|WHERE|JOIN|GROUP BY|ORDER BY)\b"), "SQL keyword"),
    (re.compile(r"\b(None|null|NaN|nan|True|False|undefined)\b"), "code literal"),
    (re.compile(r"\{[a-z_0-9]*\}"), "unfilled placeholder"),
    (re.compile(r"\b[a-z]+\.[a-z_]+\.[a-z_]+\b"), "catalogue key"),
)
_MARKDOWN = (
    (re.compile(r"^\s*#{1,6}\s", re.M), "Markdown header"),
    (re.compile(r"^\s*[-*+]\s", re.M), "Markdown list marker"),
    (re.compile(r"`"), "backtick"),
    (re.compile(r"\[[^\]]+\]\([^)]+\)"), "Markdown link"),
    (re.compile(r"(?<![*\w])\*(?!\*)[^*\n]+(?<!\*)\*(?![*\w])"), "single-asterisk emphasis"),
    (re.compile(r"__\w|\w__"), "underscore emphasis"),
    (re.compile(r"\*{3,}"), "stray asterisks"),
)
_EMPTY = (
    (re.compile(r"—|–\s*$"), "dash placeholder"),
    (re.compile(r"\w\(s\)|\(es\)|\(ões\)"), "(s) plural"),
    (re.compile(r"-\s?R\$"), "negative money sign"),
    (
        re.compile(
            r"(?<![\d.,])1 (interrupções|dias|dicas|leituras|vezes|eventos|medidores|tentativas|horas|meses)\b"
        ),
        "plural after 1",
    ),
    (
        re.compile(r"(?<![\d.,])(?:[02-9]|\d{2,}) (interrupção|dica|leitura|tentativa|medidor)\b"),
        "singular after n",
    ),
    (re.compile(r":\s*[;.,]|\(\s*\)|R\$\s*[;.,]|R\$\s*$|\S  +\S", re.M), "empty value"),
    (re.compile(r"\+\d+\)"), "(+N) counter"),
    (re.compile(r"…\s*\(\+"), "ellipsis counter"),
)
_DECIMAL = (
    (re.compile(r"\b\d+(?:\.\d+)?[Ee][-+]\d+\b"), "exponent notation"),
    (re.compile(r"\d[.,]\d{9,}"), "long decimal"),
    (re.compile(r"Decimal\("), "Decimal repr"),
)


def english_words(text: str, allowed: Iterable[str] = ()) -> list[str]:
    allow = ALLOWED_WORDS | {a.lower() for a in allowed}
    found = []
    for w in _WORD.findall(re.sub(r"https?://\S+", " ", text)):
        lw = w.lower().strip("'-")
        if lw in allow:
            continue
        if lw in ENGLISH_WORDS or re.search(r"(tion|ing|ness|ment)s?$", lw) and lw.isascii() and len(lw) > 5:
            found.append(w)
    return found


def text_problems(text: str, allowed: Iterable[str] = ()) -> list[str]:
    """Everything wrong with a text people read (empty list = clean)."""
    out = [f"English word {w!r}" for w in english_words(text, allowed)]
    for patterns in (_CODE, _MARKDOWN, _EMPTY, _DECIMAL):
        for pat, name in patterns:
            m = pat.search(text)
            if m:
                out.append(f"{name}: {m.group(0)!r}")
    return out


def json_problems(obj: Any, path: str = "$") -> list[str]:
    """Decimal artefacts in a JSON value: exponents, over-long decimals, NaN, non-finite floats."""
    out: list[str] = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += json_problems(v, f"{path}.{k}")
    elif isinstance(obj, list | tuple):
        for i, v in enumerate(obj):
            out += json_problems(v, f"{path}[{i}]")
    elif isinstance(obj, float):
        if not math.isfinite(obj):
            out.append(f"{path}: non-finite number {obj!r}")
        elif re.search(r"[eE]|\.\d{11,}", repr(obj)) and obj != 0 and abs(obj) > 1e-9:
            out.append(f"{path}: float artefact {obj!r}")
    elif isinstance(obj, str) and re.fullmatch(r"-?\d+(\.\d+)?([eE][-+]?\d+)?", obj):
        if re.search(r"[eE]", obj):
            out.append(f"{path}: exponent in decimal string {obj!r}")
        elif "." in obj and len(obj.split(".")[1]) > 8:
            out.append(f"{path}: {len(obj.split('.')[1])}-digit decimal string {obj!r}")
    return out
