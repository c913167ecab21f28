"""Text for the ear (URA): pt-BR numbers, money, dates and times spoken the Brazilian way.

A chat reply is written for the eye ("R$ 198,97", "25/11, das 19h42 às 20h30", "123,4 kWh").
Read by a text-to-speech voice it must become words: "cento e noventa e oito reais e noventa e
sete centavos", "vinte e cinco de novembro, das dezenove horas e quarenta e dois minutos…".
Nothing is computed here: the figures are the reply's, only their spelling changes.
"""

from __future__ import annotations

import re

_UNITS = ["zero", "um", "dois", "três", "quatro", "cinco", "seis", "sete", "oito", "nove", "dez", "onze",
          "doze", "treze", "catorze", "quinze", "dezesseis", "dezessete", "dezoito", "dezenove"]
_TENS = ["", "", "vinte", "trinta", "quarenta", "cinquenta", "sessenta", "setenta", "oitenta", "noventa"]
_HUNDREDS = ["", "cento", "duzentos", "trezentos", "quatrocentos", "quinhentos", "seiscentos", "setecentos",
             "oitocentos", "novecentos"]
_FEMININE = {"um": "uma", "dois": "duas", "duzentos": "duzentas", "trezentos": "trezentas",
             "quatrocentos": "quatrocentas", "quinhentos": "quinhentas", "seiscentos": "seiscentas",
             "setecentos": "setecentas", "oitocentos": "oitocentas", "novecentos": "novecentas"}
_SCALES = [(10**9, "bilhão", "bilhões"), (10**6, "milhão", "milhões"), (10**3, "mil", "mil")]
_MONTHS = ["janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro",
           "novembro", "dezembro"]


def _below_thousand(n: int) -> str:
    if n < 20:
        return _UNITS[n]
    if n < 100:
        tens, unit = divmod(n, 10)
        return _TENS[tens] + (f" e {_UNITS[unit]}" if unit else "")
    if n == 100:
        return "cem"
    hundreds, rest = divmod(n, 100)
    return _HUNDREDS[hundreds] + (f" e {_below_thousand(rest)}" if rest else "")


def number_words(n: int, feminine: bool = False) -> str:
    """An integer in pt-BR words: 1234 → "mil duzentos e trinta e quatro"; 2 (feminine) → "duas"."""
    if n < 0:
        return "menos " + number_words(-n, feminine)
    if n < 1000:
        words = _below_thousand(n)
    else:
        groups: list[tuple[int, str]] = []  # (the group's three-digit count, its words)
        rest = n
        for scale, one, many in _SCALES:
            count, rest = divmod(rest, scale)
            if count:
                if scale == 1000:
                    groups.append((count, "mil" if count == 1 else f"{_below_thousand(count)} mil"))
                else:
                    groups.append((count, f"{number_words(count)} {one if count == 1 else many}"))
        if rest:
            groups.append((rest, _below_thousand(rest)))
        # "e" joins the last group when its count is below one hundred or a round hundred: "mil e cem",
        # "dois mil e um", "um milhão e duzentos mil", but "mil duzentos e trinta e quatro".
        last = groups[-1][0]
        joiner = " e " if len(groups) > 1 and (last < 100 or last % 100 == 0) else " "
        words = " ".join(w for _, w in groups[:-1]) + joiner + groups[-1][1] if len(groups) > 1 else groups[0][1]
    if feminine:
        words = " ".join(_FEMININE.get(w, w) for w in words.split(" "))
    return words


def money_words(reais: int, centavos: int) -> str:
    """R$ 198,97 → "cento e noventa e oito reais e noventa e sete centavos"."""
    parts = []
    if reais:
        de = " de" if reais >= 10**6 and reais % 10**6 == 0 else ""  # "um milhão de reais"
        parts.append(f"{number_words(reais)}{de} {'real' if reais == 1 else 'reais'}")
    if centavos:
        parts.append(f"{number_words(centavos)} {'centavo' if centavos == 1 else 'centavos'}")
    return " e ".join(parts) if parts else "zero reais"


def decimal_words(text: str, feminine: bool = False) -> str:
    """A pt-BR decimal as written ("1.234,5") in words: "mil duzentos e trinta e quatro vírgula cinco"."""
    whole, _, frac = text.replace(".", "").partition(",")
    words = number_words(int(whole or "0"), feminine)
    if frac:
        # leading zeros are spoken ("0,05" → "zero vírgula zero cinco")
        zeros = len(frac) - len(frac.lstrip("0"))
        tail = frac.lstrip("0")
        frac_words = " ".join(["zero"] * zeros + ([number_words(int(tail))] if tail else []))
        words += " vírgula " + frac_words
    return words


_NUM = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"
_MONEY_RE = re.compile(r"R\$\s?(-?)(\d{1,3}(?:\.\d{3})*|\d+)(?:,(\d{2}))?")
_DATE_RE = re.compile(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{4}))?\b")
_TIME_RE = re.compile(r"\b(\d{1,2})h(\d{2})?\b")
_UNIT_RE = re.compile(rf"({_NUM})\s?(kWh|kW|Wh|V|A|%|h|min)(?![\wÀ-ú])")
_PLAIN_RE = re.compile(rf"(?<![\w/])({_NUM})(?![\w/])")
_UNIT_WORDS = {
    "kWh": ("quilowatt-hora", "quilowatts-hora", False),
    "kW": ("quilowatt", "quilowatts", False),
    "Wh": ("watt-hora", "watts-hora", False),
    "V": ("volt", "volts", False),
    "A": ("ampère", "ampères", False),
    "%": ("por cento", "por cento", False),
    "h": ("hora", "horas", True),
    "min": ("minuto", "minutos", False),
}


def _money(m: re.Match[str]) -> str:
    sign = "menos " if m.group(1) else ""
    return sign + money_words(int(m.group(2).replace(".", "")), int(m.group(3) or 0))


def _date(m: re.Match[str]) -> str:
    day, month = int(m.group(1)), int(m.group(2))
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return m.group(0)
    spoken = ("primeiro" if day == 1 else number_words(day)) + f" de {_MONTHS[month - 1]}"
    if m.group(3):
        spoken += f" de {number_words(int(m.group(3)))}"
    return spoken


def _time(m: re.Match[str]) -> str:
    hours = int(m.group(1))
    if hours > 24:
        return m.group(0)
    spoken = f"{number_words(hours, feminine=True)} {'hora' if hours == 1 else 'horas'}"
    if m.group(2) and int(m.group(2)):
        minutes = int(m.group(2))
        spoken += f" e {number_words(minutes)} {'minuto' if minutes == 1 else 'minutos'}"
    return spoken


def _unit(m: re.Match[str]) -> str:
    number, unit = m.group(1), m.group(2)
    one, many, feminine = _UNIT_WORDS[unit]
    singular = number in ("1", "1,0", "1,00")
    return f"{decimal_words(number, feminine)} {one if singular else many}"


_FEMININE_NOUNS = re.compile(r"\s+(horas?|vezes|semanas?|interrup\w+|pessoas?|faturas?|contas?|falhas?)\b")


def _plain(m: re.Match[str]) -> str:
    """A bare number agrees with the noun after it: "2 interrupções" → "duas interrupções"."""
    feminine = bool(_FEMININE_NOUNS.match(m.string, m.end()))
    return decimal_words(m.group(1), feminine)


_PROTOCOL_RE = re.compile(r"\b(protocolo:?\s+)(\d{6,})\b", re.IGNORECASE)
_DIGITS = ("zero", "um", "dois", "três", "quatro", "cinco", "seis", "sete", "oito", "nove")


def _protocol(m: re.Match[str]) -> str:
    """A protocol number is read digit by digit (a person writes it down), never as a quantity."""
    return m.group(1) + " ".join(_DIGITS[int(c)] for c in m.group(2))


_REN_RE = re.compile(r"\bREN (\d{1,2})\.(\d{3})/(\d{4})")
_ARTICLE_RE = re.compile(r"\b(arts?)\.\s")


def _ren(m: re.Match[str]) -> str:
    return f"resolução normativa {number_words(int(m.group(1) + m.group(2)), feminine=True)} de {number_words(int(m.group(3)))}"


def speak(text: str) -> str:
    """Rewrite a pt-BR reply so that a pt-BR voice reads every figure as words."""
    out = text.replace("**", "")
    out = _PROTOCOL_RE.sub(_protocol, out)
    out = _REN_RE.sub(_ren, out)
    out = _ARTICLE_RE.sub(lambda m: "artigos " if m.group(1) == "arts" else "artigo ", out)
    out = _MONEY_RE.sub(_money, out)
    out = _DATE_RE.sub(_date, out)
    out = _TIME_RE.sub(_time, out)
    out = _UNIT_RE.sub(_unit, out)
    out = _PLAIN_RE.sub(_plain, out)
    return re.sub(r"\s+", " ", out).strip()


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-Ú*])")


def for_the_ear(reply: str, max_chars: int = 320) -> str:
    """The part of a chat reply worth hearing: its first paragraph, up to two sentences.

    The answer is the first sentence by design (answer first); a caveat or a second figure may
    follow. Lists, sources and the working stay in the written channels.
    """
    first = reply.strip().split("\n\n", 1)[0].split("\n", 1)[0].strip()
    sentences = _SENTENCE_END.split(first)
    kept = sentences[0]
    if len(sentences) > 1 and len(kept) + len(sentences[1]) < max_chars:
        kept += " " + sentences[1]
    return speak(kept)
