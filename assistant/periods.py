"""The pt-BR period parser: "ontem", "mês retrasado", "do dia 10 ao dia 20 de setembro",
"segunda quinzena de outubro", "no natal do ano passado", "últimos 30 dias"...

Pure and deterministic; text is normalised first (no accents, abbreviations expanded).
Period values are labels understood by ``tools.domain.periods`` (``yesterday``, ``2026-09``,
``{"start": ..., "end": ...}``) so the tool layer resolves them against the data's "today".
Dates that cannot exist ("30 de fevereiro", "31/11") or lie outside any data ("janeiro de 1970")
are reported by :func:`invalid_date`, never silently read as another date.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from assistant.text import normalize

MONTHS = {
    "janeiro": 1,
    "fevereiro": 2,
    "marco": 3,
    "abril": 4,
    "maio": 5,
    "junho": 6,
    "julho": 7,
    "agosto": 8,
    "setembro": 9,
    "outubro": 10,
    "novembro": 11,
    "dezembro": 12,
    "jan": 1,
    "fev": 2,
    "mar": 3,
    "abr": 4,
    "mai": 5,
    "jun": 6,
    "jul": 7,
    "ago": 8,
    "set": 9,
    "out": 10,
    "nov": 11,
    "dez": 12,
}
_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
NUM_WORDS = {
    "um": 1,
    "uma": 1,
    "dois": 2,
    "duas": 2,
    "tres": 3,
    "quatro": 4,
    "cinco": 5,
    "seis": 6,
    "sete": 7,
    "oito": 8,
    "nove": 9,
    "dez": 10,
    "doze": 12,
    "quinze": 15,
    "vinte": 20,
    "trinta": 30,
    "sessenta": 60,
    "noventa": 90,
}
_NUM_RE = "|".join(sorted(NUM_WORDS, key=len, reverse=True))


_WEEKDAYS = {"segunda": 0, "terca": 1, "quarta": 2, "quinta": 3, "sexta": 4, "sabado": 5, "domingo": 6}
_ONE_DAY = dt.timedelta(days=1)


def _month_label(month: int, today: dt.date, year: int | None = None) -> str:
    if year is None:
        year = today.year if month <= today.month else today.year - 1
    return f"{year:04d}-{month:02d}"


def _year_after(s: str, end: int, today: dt.date) -> int | None:
    """An explicit year right after a month/day mention: "de 2025", "do ano passado", "/2025"."""
    tail = s[end : end + 24]
    m = re.match(r"\s*(?:de\s+|/)?(\d{4})\b", tail)
    if m:
        return int(m.group(1))
    if re.match(r"\s*(?:do|no|de)\s+ano\s+passado\b", tail):
        return today.year - 1
    if re.match(r"\s*(?:deste|desse|neste|nesse|do)\s+ano\b", tail):
        return today.year
    return None


def _full_month_mentions(s: str, today: dt.date) -> list[str]:
    """Month names used as months (not 'set' as a verb etc.): full names, or short names after 'em/de'."""
    out: list[str] = []
    for m in re.finditer(rf"\b({_MONTH_RE})\b", s):
        name = m.group(1)
        if len(name) == 3:
            before = s[max(0, m.start() - 4) : m.start()]
            if (
                not re.search(r"\b(em|de|e|ou)\s$", before)
                or name in ("mar", "set")
                and not re.match(r"\s*(?:de\s+)?\d{4}|\s*(?:e|ou|\?|$)", s[m.end() :] + "$")
            ):
                continue
        year = _year_after(s, m.end(), today)
        label = _month_label(MONTHS[name], today, year)
        if label not in out:
            out.append(label)
    return out


def _date(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def _span(start: dt.date | None, end: dt.date | None) -> dict[str, str] | None:
    if start is None or end is None or end < start:
        return None
    return {"start": start.isoformat(), "end": end.isoformat()}


def _last_weekday(wd: int, today: dt.date) -> dt.date:
    """The most recent such weekday strictly before the data's today."""
    back = (today.weekday() - wd) % 7 or 7
    return today - dt.timedelta(days=back)


def _holidays(year: int) -> dict[str, tuple[dt.date, dt.date]]:
    from tools.api.calendar import easter

    e = easter(year)
    one = {
        "natal": dt.date(year, 12, 25),
        "vespera de natal": dt.date(year, 12, 24),
        "reveillon": dt.date(year, 12, 31),
        "virada do ano": dt.date(year, 12, 31),
        "ano novo": dt.date(year, 1, 1),
        "confraternizacao universal": dt.date(year, 1, 1),
        "tiradentes": dt.date(year, 4, 21),
        "dia do trabalho": dt.date(year, 5, 1),
        "dia do trabalhador": dt.date(year, 5, 1),
        "independencia": dt.date(year, 9, 7),
        "sete de setembro": dt.date(year, 9, 7),
        "nossa senhora aparecida": dt.date(year, 10, 12),
        "dia das criancas": dt.date(year, 10, 12),
        "padroeira": dt.date(year, 10, 12),
        "finados": dt.date(year, 11, 2),
        "proclamacao da republica": dt.date(year, 11, 15),
        "consciencia negra": dt.date(year, 11, 20),
        "sexta-feira santa": e - dt.timedelta(days=2),
        "sexta feira santa": e - dt.timedelta(days=2),
        "pascoa": e,
        "corpus christi": e + dt.timedelta(days=60),
    }
    out = {k: (d, d) for k, d in one.items()}
    out["carnaval"] = (e - dt.timedelta(days=48), e - dt.timedelta(days=47))
    return out


def _holiday(s: str, today: dt.date) -> Any:
    yesterday = today - _ONE_DAY
    for name in _holidays(today.year):
        m = re.search(rf"\b{name}\b", s)
        if not m:
            continue
        year = _year_after(s, m.end(), today)
        if year is None:  # the most recent occurrence with data
            year = today.year if _holidays(today.year)[name][1] <= yesterday else today.year - 1
        start, end = _holidays(year)[name]
        return start.isoformat() if start == end else _span(start, end)
    return None


def _month_of(word: str, today: dt.date) -> tuple[int, int] | None:
    """(year, month) for a month phrase: a month name, "mes passado", "deste mes"."""
    if word in MONTHS:
        label = _month_label(MONTHS[word], today)
        return int(label[:4]), int(label[5:])
    if re.fullmatch(r"(?:do )?mes passado|do ultimo mes|do mes anterior", word):
        d = (today.replace(day=1) - _ONE_DAY).replace(day=1)
        return d.year, d.month
    if re.fullmatch(r"(?:deste|desse|do) mes(?: atual)?", word):
        return today.year, today.month
    return None


def _explicit_ranges(s: str, today: dt.date) -> Any:
    yesterday = today - _ONE_DAY
    # "de 5 a 20 de setembro", "do dia 5 ao dia 20 de setembro", "de 25 de setembro a 5 de outubro"
    m = re.search(
        rf"\b(?:de|entre|do|dos|desde)?\s*(?:os\s+)?(?:dias?\s+)?(\d{{1,2}})(?:\s+de\s+({_MONTH_RE}))?\s+"
        rf"(?:a|ate|e|ao)\s+(?:o\s+)?(?:dia\s+)?(\d{{1,2}})\s+(?:de\s+)?({_MONTH_RE})\b",
        s,
    )
    if m:
        end_label = _month_label(MONTHS[m.group(4)], today, _year_after(s, m.end(), today))
        ey, em = int(end_label[:4]), int(end_label[5:])
        if m.group(2):
            sm_ = MONTHS[m.group(2)]
            sy = ey if sm_ <= em else ey - 1
        else:
            sy, sm_ = ey, em
        span = _span(_date(sy, sm_, int(m.group(1))), _date(ey, em, int(m.group(3))))
        if span:
            return span
    # "01/11 a 15/11", "de 5/10 ate 20/10/2026", "5 a 20/09"
    m = re.search(
        r"\b(\d{1,2})(?:/(\d{1,2})(?:/(\d{2,4}))?)?\s+(?:a|ate|e|ao)\s+(?:o\s+)?(?:dia\s+)?(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?",
        s,
    )
    if m:
        try:
            y2 = int(m.group(6)) if m.group(6) else None
            end = _dm(int(m.group(4)), int(m.group(5)), y2, today)
            month1 = int(m.group(2)) if m.group(2) else end.month
            y1 = int(m.group(3)) if m.group(3) else (end.year if month1 <= end.month else end.year - 1)
            start = _dm(int(m.group(1)), month1, y1, today)
            span = _span(start, end)
            if span:
                return span
        except ValueError:
            pass
    # "primeira quinzena de outubro", "segunda quinzena do mes passado"
    m = re.search(
        rf"\b(primeira|1a|segunda|2a|ultima)\s+quinzena\s+(?:de\s+|do\s+|deste\s+|desse\s+)?({_MONTH_RE}|mes passado|ultimo mes|mes anterior|mes atual|mes)\b",
        s,
    )
    if m:
        word = m.group(2)
        ym = (
            _month_of(word, today)
            if word in MONTHS
            else _month_of(
                "mes passado" if word in ("mes passado", "ultimo mes", "mes anterior") else "deste mes", today
            )
        )
        if ym:
            y, mo = ym
            last = (dt.date(y + mo // 12, mo % 12 + 1, 1) - _ONE_DAY).day
            first_half = m.group(1) in ("primeira", "1a")
            return _span(dt.date(y, mo, 1 if first_half else 16), dt.date(y, mo, 15 if first_half else last))
    # "desde 1 de outubro", "desde o dia 10", "a partir de 10/10"
    m = re.search(
        rf"\b(?:desde|a partir d[eo])\s+(?:o\s+)?(?:dia\s+)?(\d{{1,2}})(?:\s+de\s+({_MONTH_RE})|/(\d{{1,2}}))?\b",
        s,
    )
    if m:
        day = int(m.group(1))
        if m.group(2) or m.group(3):
            month = MONTHS[m.group(2)] if m.group(2) else int(m.group(3))
            label = _month_label(month, today)
            since = _date(int(label[:4]), int(label[5:]), day)
        else:
            since = _date(today.year, today.month, day)
            if since is not None and since > yesterday:
                prev = today.replace(day=1) - _ONE_DAY
                since = _date(prev.year, prev.month, day)
        span = _span(since, yesterday)
        if span:
            return span
    return None


def _single_day(s: str, today: dt.date) -> str | None:
    # "dia 12 de outubro", "no feriado de 12 de outubro", "12 de outubro de 2025"
    m = re.search(rf"\b(\d{{1,2}})\s+de\s+({_MONTH_RE})\b", s)
    if m and not re.search(r"\b(ultim|proxim)", s[: m.start()][-12:]):
        year = _year_after(s, m.end(), today)
        label = _month_label(MONTHS[m.group(2)], today, year)
        d = _date(int(label[:4]), int(label[5:]), int(m.group(1)))
        if d:
            return d.isoformat()
    m = re.search(r"\b(?:dia\s+)?(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?\b", s)
    if m:
        try:
            return _dm(
                int(m.group(1)), int(m.group(2)), int(m.group(3)) if m.group(3) else None, today
            ).isoformat()
        except ValueError:
            pass
    # "no dia 10" (this month, or the previous one if the day has not come yet)
    m = re.search(r"\b(?:no|do|o|dia)\s+dia\s+(\d{1,2})\b|\bno dia\s+(\d{1,2})\b", s)
    if m:
        day = int(m.group(1) or m.group(2))
        d = _date(today.year, today.month, day)
        if d is None or d >= today:
            prev = today.replace(day=1) - _ONE_DAY
            d = _date(prev.year, prev.month, day)
        if d:
            return d.isoformat()
    return None


def _relative_days(s: str, today: dt.date) -> Any:
    yesterday = today - _ONE_DAY
    # weekends: "fim de semana passado", "ultimo fim de semana", "neste fim de semana"
    if re.search(
        r"\b(?:fim|final) de semana (?:passado|retrasado|anterior)\b|\bultimo (?:fim|final) de semana\b|"
        r"\b(?:neste|nesse|este|esse|no ultimo|deste|desse)\s+(?:fim|final) de semana\b",
        s,
    ):
        sat = _last_weekday(5, today)
        if sat + _ONE_DAY > yesterday:  # the weekend is not over in the data yet: the one before
            sat -= dt.timedelta(days=7)
        if re.search(r"\b(?:fim|final) de semana retrasado\b", s):
            sat -= dt.timedelta(days=7)
        return _span(sat, sat + _ONE_DAY)
    # weekdays: "segunda-feira passada", "na terca", "no sabado"
    m = re.search(
        r"\b(?:na|no|da|do|desta|dessa|nesta|nessa|ultima|ultimo|essa|esta|de)\s+"
        r"(segunda|terca|quarta|quinta|sexta|sabado|domingo)(?:-feira|\s+feira)?\b(?!\s+(?:via|quinzena|vez|opcao|santa))"
        r"|\b(segunda|terca|quarta|quinta|sexta|sabado|domingo)(?:-feira|\s+feira)?\s+(?:passad[ao]|retrasad[ao])\b",
        s,
    )
    if m and not re.search(
        r"\bou\s+(?:na|no|de)?\s*(segunda|terca|quarta|quinta|sexta|sabado|domingo|dias? de semana|dias? ute)",
        s,
    ):
        name = m.group(1) or m.group(2)
        d = _last_weekday(_WEEKDAYS[name], today)
        if re.search(rf"\b{name}(?:-feira|\s+feira)?\s+retrasad[ao]\b", s):
            d -= dt.timedelta(days=7)
        return d.isoformat()
    # "semana retrasada", "duas semanas atras"
    if re.search(
        r"\bsemana retrasada\b|\bpenultima semana\b|\b(?:duas|2) semanas atras\b|\bha (?:duas|2) semanas\b", s
    ):
        monday = today - dt.timedelta(days=today.weekday() + 14)
        return _span(monday, monday + dt.timedelta(days=6))
    # "3 dias atras", "ha 3 dias"
    m = re.search(
        rf"\b(?:ha\s+)?(\d{{1,2}}|{_NUM_RE})\s+dias\s+atras\b|\bha\s+(\d{{1,2}}|{_NUM_RE})\s+dias\b", s
    )
    if m:
        n = _num(m.group(1) or m.group(2))
        if n is not None and n >= 1:
            return (today - dt.timedelta(days=n)).isoformat()
    return None


def _relative_spans(s: str, today: dt.date) -> Any:
    # "ultimos 30 dias", "ultimas 2 semanas", "ultimos 3 meses"
    m = re.search(
        rf"\b(?:ultim[oa]s|nos|nas|dos|das|passad[oa]s)?\s*(\d{{1,3}}|{_NUM_RE})\s+(dias|semanas|meses)\s+(?:passad[oa]s|atras)?",
        s,
    )
    m2 = re.search(rf"\bultim[oa]s\s+(\d{{1,3}}|{_NUM_RE})\s+(dias|semanas|meses)\b", s)
    mm = m2 or (m if m and re.search(r"passad|atras", m.group(0)) and m.group(2) != "dias" else None)
    if mm:
        n = _num(mm.group(1))
        unit = mm.group(2)
        if n:
            if unit == "dias":
                return f"last_{n}_days"
            if unit == "semanas":
                return f"last_{7 * n}_days"
            if n == 12:
                return "last_12_months"
            if "atras" in mm.group(0) and not m2:
                return month_back(today, n)
            return f"last_{30 * n}_days"
    # "3 meses atras", "ha 2 meses" (a calendar month)
    m = re.search(rf"\b(\d{{1,2}}|{_NUM_RE})\s+meses\s+atras\b|\bha\s+(\d{{1,2}}|{_NUM_RE})\s+meses\b", s)
    if m:
        n = _num(m.group(1) or m.group(2))
        if n:
            return month_back(today, n)
    # quarters and semesters
    if re.search(r"\btrimestre passado\b|\bultimo trimestre\b|\btrimestre anterior\b", s):
        q0 = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        prev_end = q0 - _ONE_DAY
        prev_start = dt.date(prev_end.year, 3 * ((prev_end.month - 1) // 3) + 1, 1)
        return _span(prev_start, prev_end)
    return None


def month_back(today: dt.date, n: int) -> str:
    y, m = today.year, today.month - n
    while m <= 0:
        m += 12
        y -= 1
    return f"{y:04d}-{m:02d}"


def _num(token: str) -> int | None:
    if token.isdigit():
        return int(token)
    return NUM_WORDS.get(token)


def extract_period(text: str, today: dt.date) -> Any:
    """Return a period label, a ``{"start","end"}`` dict, a list of labels, or None.

    ``today`` is the data's today (the first day without complete data); "ontem" is the day before.
    """
    s = normalize(text)
    for finder in (_explicit_ranges, _holiday, _single_day, _relative_days, _relative_spans):
        found = finder(s, today)
        if found is not None:
            return found
    rules: list[tuple[str, str]] = [
        (r"\banteontem\b|\bante ontem\b|\bantes de ontem\b", "day_before_yesterday"),
        (r"\bontem\b", "yesterday"),
        (r"\bultimas?\s+24\s+horas\b|\b24\s+horas\b|\bultimo dia\b", "last_24_hours"),
        (r"\bhoje\b", "today"),
        (r"\bsemana passada\b|\bultima semana\b|\bsemana anterior\b", "last_week"),
        (r"\b(?:esta|essa|nesta|nessa|desta|dessa)\s+semana\b|\bsemana atual\b", "this_week"),
        (
            r"\bmes retrasado\b|\bpenultimo mes\b|\bmes antes do passado\b|\bdois meses atras\b",
            "month_before_last",
        ),
        (r"\bmes passado\b|\bultimo mes\b|\bmes anterior\b|\bultima conta\b(?=.*\bconsum)", "last_month"),
        (r"\b(?:este|esse|neste|nesse|deste|desse)\s+trimestre\b|\btrimestre\b", "this_quarter"),
        (
            r"\b(?:este|esse|neste|nesse|deste|desse)\s+ano\b|\bano atual\b|\bate agora no ano\b|\bano (?:inteiro|todo)\b|\btodo o ano\b|\bno ano\b(?!\s+(?:passado|anterior|retrasado|de|que))|\bacumulado do ano\b",
            "this_year",
        ),
        (
            r"\b(?:este|esse|neste|nesse|deste|desse)\s+mes\b|\bmes atual\b|\bmes corrente\b|\bate agora\b(?!.*\bano\b)|\bdo mes\b(?!\s+(?:passado|anterior|retrasado|de|que))",
            "this_month",
        ),
        (r"\bultimos?\s+(?:12|doze)\s+meses\b|\bultimo ano\b|\bum ano\b", "last_12_months"),
    ]
    months = _full_month_mentions(s, today)
    if len(months) >= 2:
        return months
    if len(months) == 1:
        return months[0]
    m = re.search(r"\b(?:em|de|no ano de)\s+(20\d{2})\b", s)
    if m and int(m.group(1)) <= today.year:
        return m.group(1)
    for pattern, label in rules:
        if re.search(pattern, s):
            if (
                label == "last_month"
                and "mesmo mes do ano passado" in s
                and not re.search(r"\bmes passado\b", s.replace("mes do ano passado", ""))
            ):
                continue
            return label
    if (
        re.search(r"\bano passado\b|\bano anterior\b", s)
        and "mesmo mes" not in s
        and "mesmo periodo" not in s
    ):
        return "last_year"
    return None


def previous_period(label: Any, today: dt.date) -> Any:
    """The period just before ``label`` ("e no mês anterior?", "e antes disso?"), same length."""
    if isinstance(label, list):
        return previous_period(label[0], today) if label else None
    if isinstance(label, dict) and "start" in label:
        start = dt.date.fromisoformat(str(label["start"]))
        end = dt.date.fromisoformat(str(label.get("end") or label["start"]))
        n = (end - start).days + 1
        if start.day == 1 and (end + _ONE_DAY).day == 1:  # a whole month
            return month_back(start, 1)
        if n <= 7 and start.weekday() == 5:  # a weekend: the weekend before
            return _span(start - dt.timedelta(days=7), end - dt.timedelta(days=7))
        return _span(start - dt.timedelta(days=n), start - _ONE_DAY)
    if not isinstance(label, str):
        return None
    fixed = {
        "yesterday": "day_before_yesterday",
        "today": "yesterday",
        "last_month": "month_before_last",
        "this_month": "last_month",
        "current_cycle": "last_month",
        "this_week": "last_week",
        "last_24_hours": "day_before_yesterday",
        "this_year": "last_year",
        "last_bill": "month_before_last",
    }
    if label in fixed:
        return fixed[label]
    if label == "day_before_yesterday":
        return (today - dt.timedelta(days=3)).isoformat()
    if label == "month_before_last":
        return month_back(today, 3)
    if label == "last_week":
        monday = today - dt.timedelta(days=today.weekday() + 14)
        return _span(monday, monday + dt.timedelta(days=6))
    if label == "last_year":
        return str(today.year - 2)
    m = re.fullmatch(r"last_(\d{1,3})_days", label)
    if m:
        n = int(m.group(1))
        end = today - dt.timedelta(days=n + 1)
        return _span(end - dt.timedelta(days=n - 1), end)
    if re.fullmatch(r"\d{4}-\d{2}", label):
        return month_back(dt.date(int(label[:4]), int(label[5:]), 1), 1)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", label):
        return (dt.date.fromisoformat(label) - _ONE_DAY).isoformat()
    if re.fullmatch(r"\d{4}", label):
        return str(int(label) - 1)
    return None


def _dm(day: int, month: int, year: int | None, today: dt.date) -> dt.date:
    if year is not None and year < 100:
        year += 2000
    if year is None:
        year = today.year if (month, day) < (today.month, today.day) else today.year - 1
    return dt.date(year, month, day)


_MONTH_NAMES_PT = (
    "janeiro fevereiro marco abril maio junho julho agosto setembro outubro novembro dezembro"
).split()
#: Years before this hold no smart-meter data in any deployment: "janeiro de 1970" is a wrong date.
FIRST_YEAR = 2000


def invalid_date(text: str, today: dt.date) -> str | None:
    """A date the message names that cannot exist or cannot hold data, in words ("30/02",
    "janeiro de 1970"), or None. Checked before the period parser, which would otherwise fall back
    to another date."""
    s = normalize(text)
    for m in re.finditer(rf"\b(\d{{1,2}})\s+de\s+({_MONTH_RE})\b", s):
        day, month = int(m.group(1)), MONTHS[m.group(2)]
        if len(m.group(2)) == 3 and m.group(2) not in ("fev", "abr", "jun", "set", "nov"):
            continue
        year = _year_after(s, m.end(), today) or 2024  # a leap year: "29 de fevereiro" may exist
        if day == 0 or _date(year, month, day) is None:
            return f"{day} de {_MONTH_NAMES_PT[month - 1]}"
    for m in re.finditer(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?(?![\d/])", s):
        day, month = int(m.group(1)), int(m.group(2))
        year = int(m.group(3)) if m.group(3) else 2024
        year = year + 2000 if year < 100 else year
        if not 1 <= month <= 12 or _date(year, month, day) is None:
            return m.group(0)
    for m in re.finditer(r"(?<![\d/])(\d{1,2})/(\d{4})\b", s):
        if not 1 <= int(m.group(1)) <= 12 or not FIRST_YEAR <= int(m.group(2)) <= today.year + 1:
            return m.group(0)
    unit = r"(?!\s*(?:kwh|kw|w|watts?|reais|r\$|volts?|v|%|mil|metros|m)\b)"
    for m in re.finditer(rf"\b({_MONTH_RE})\s+(?:de\s+|/)?(\d{{4}})\b{unit}|\b(?:ano|em|de)\s+(\d{{4}})\b{unit}", s):
        year = int(m.group(2) or m.group(3))
        if year < FIRST_YEAR or year > today.year + 1:
            return f"{m.group(1)} de {year}" if m.group(1) else str(year)
    for m in re.finditer(r"\b(\d{4})-(\d{2})(?:-(\d{2}))?\b", s):
        year, month = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12 or year < FIRST_YEAR or (m.group(3) and _date(year, month, int(m.group(3))) is None):
            return m.group(0)
    return None
