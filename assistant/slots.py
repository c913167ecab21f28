"""Slot extraction from pt-BR text (periods, references, operator parameters).

Pure and deterministic; text is normalised first (no accents, abbreviations expanded).
Period values are labels understood by ``tools.domain.periods`` (``yesterday``, ``2026-09``,
``{"start": ..., "end": ...}``) so the tool layer resolves them against the data's "today".
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from assistant.text import normalize

MONTHS = {
    "janeiro": 1, "fevereiro": 2, "marco": 3, "abril": 4, "maio": 5, "junho": 6, "julho": 7,
    "agosto": 8, "setembro": 9, "outubro": 10, "novembro": 11, "dezembro": 12,
    "jan": 1, "fev": 2, "mar": 3, "abr": 4, "mai": 5, "jun": 6, "jul": 7, "ago": 8, "set": 9,
    "out": 10, "nov": 11, "dez": 12,
}
_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
_NUM_WORDS = {"um": 1, "uma": 1, "dois": 2, "duas": 2, "tres": 3, "quatro": 4, "cinco": 5, "seis": 6, "sete": 7,
              "oito": 8, "nove": 9, "dez": 10, "quinze": 15, "vinte": 20, "trinta": 30, "sessenta": 60, "noventa": 90}


def _month_label(month: int, today: dt.date, year: int | None = None) -> str:
    if year is None:
        year = today.year if month <= today.month else today.year - 1
    return f"{year:04d}-{month:02d}"


def _full_month_mentions(s: str, today: dt.date) -> list[str]:
    """Month names used as months (not 'set' as a verb etc.): full names, or short names after 'em/de'."""
    out: list[str] = []
    for m in re.finditer(rf"\b({_MONTH_RE})\b(?:\s+de\s+(\d{{4}}))?", s):
        name = m.group(1)
        if len(name) == 3:
            before = s[max(0, m.start() - 4) : m.start()]
            if not re.search(r"\b(em|de|e)\s$", before):
                continue
        year = int(m.group(2)) if m.group(2) else None
        label = _month_label(MONTHS[name], today, year)
        if label not in out:
            out.append(label)
    return out


def extract_period(text: str, today: dt.date) -> Any:
    """Return a period label, a ``{"start","end"}`` dict, a list of labels, or None."""
    s = normalize(text)
    # explicit day ranges: "de 1 a 15 de outubro", "entre 5 e 20 de setembro"
    m = re.search(rf"\b(?:de|entre|do dia)\s+(\d{{1,2}})\s+(?:a|ate|e)\s+(\d{{1,2}})\s+de\s+({_MONTH_RE})\b", s)
    if m:
        label = _month_label(MONTHS[m.group(3)], today)
        y, mo = int(label[:4]), int(label[5:])
        try:
            start, end = dt.date(y, mo, int(m.group(1))), dt.date(y, mo, int(m.group(2)))
            return {"start": start.isoformat(), "end": end.isoformat()}
        except ValueError:
            pass
    m = re.search(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?\s+(?:a|ate|e)\s+(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?", s)
    if m:
        try:
            y1 = int(m.group(3)) if m.group(3) else None
            start = _dm(int(m.group(1)), int(m.group(2)), y1, today)
            end = _dm(int(m.group(4)), int(m.group(5)), int(m.group(6)) if m.group(6) else y1, today)
            return {"start": start.isoformat(), "end": end.isoformat()}
        except ValueError:
            pass
    # a single day: "dia 12 de outubro", "no feriado de 12 de outubro", "12/10"
    m = re.search(rf"\b(\d{{1,2}})\s+de\s+({_MONTH_RE})\b", s)
    if m and not re.search(r"\b(ultim|proxim)", s[: m.start()][-12:]):
        label = _month_label(MONTHS[m.group(2)], today)
        try:
            return dt.date(int(label[:4]), int(label[5:]), int(m.group(1))).isoformat()
        except ValueError:
            pass
    m = re.search(r"\b(?:dia\s+)?(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?\b", s)
    if m:
        try:
            return _dm(int(m.group(1)), int(m.group(2)), int(m.group(3)) if m.group(3) else None, today).isoformat()
        except ValueError:
            pass
    rules: list[tuple[str, str]] = [
        (r"\banteontem\b|\bante ontem\b", "day_before_yesterday"),
        (r"\bontem\b", "yesterday"),
        (r"\bultimas?\s+24\s+horas\b|\b24\s+horas\b", "last_24_hours"),
        (r"\bhoje\b", "today"),
        (r"\bsemana passada\b|\bultima semana\b|\bsemana anterior\b", "last_week"),
        (r"\b(?:esta|essa|nesta|nessa)\s+semana\b|\bsemana atual\b", "this_week"),
        (r"\bmes retrasado\b|\bpenultimo mes\b|\bmes antes do passado\b", "month_before_last"),
        (r"\bmes passado\b|\bultimo mes\b|\bmes anterior\b", "last_month"),
        (r"\b(?:este|esse|neste|nesse|deste|desse)\s+mes\b|\bmes atual\b|\bmes corrente\b", "this_month"),
        (r"\b(?:este|esse|neste|nesse|deste|desse)\s+trimestre\b|\btrimestre\b", "this_quarter"),
        (r"\b(?:este|esse|neste|nesse|deste|desse)\s+ano\b|\bano atual\b|\bate agora no ano\b", "this_year"),
        (r"\bultimos?\s+(?:12|doze)\s+meses\b|\bultimo ano\b", "last_12_months"),
    ]
    m = re.search(r"\bultimos?\s+(\d{1,3}|" + "|".join(_NUM_WORDS) + r")\s+dias\b", s)
    if m:
        n = int(m.group(1)) if m.group(1).isdigit() else _NUM_WORDS[m.group(1)]
        return f"last_{n}_days"
    months = _full_month_mentions(s, today)
    if len(months) >= 2:
        return months
    if len(months) == 1:
        return months[0]
    for pattern, label in rules:
        if re.search(pattern, s):
            if label == "last_month" and "mesmo mes do ano passado" in s and not re.search(r"\bmes passado\b", s.replace("mes do ano passado", "")):
                continue
            return label
    if re.search(r"\bano passado\b", s) and "mesmo mes" not in s and "mesmo periodo" not in s:
        return "last_year"
    return None


def _dm(day: int, month: int, year: int | None, today: dt.date) -> dt.date:
    if year is not None and year < 100:
        year += 2000
    if year is None:
        year = today.year if (month, day) <= (today.month, today.day) else today.year - 1
    return dt.date(year, month, day)


def extract_compare(text: str) -> str | None:
    s = normalize(text)
    if re.search(r"mesmo (mes|periodo) do ano passado|ano passado no mesmo|em relacao ao ano passado|comparad\w* (com|ao) (o )?ano passado", s):
        return "same_month_last_year"
    return None


def extract_shift(text: str) -> str | None:
    s = normalize(text)
    if re.search(r"(tirar|tiro|mudar|mudo|passar|passo|deslocar|jogar|transferir|evitar|usar)\b.*\b(ponta|pico|horario de pico|18|noite)", s):
        return "peak_to_offpeak"
    if re.search(r"fora (da|de) ponta|fora do horario de (ponta|pico)", s):
        return "peak_to_offpeak"
    return None


def extract_appliance(text: str) -> str | None:
    s = normalize(text)
    for key, pat in (
        ("shower", r"chuveiro"),
        ("air_conditioning", r"ar-condicionado|\bar condicionado\b|\bsplit\b|\bclimatizador"),
        ("refrigeration", r"geladeira|freezer|refrigerador"),
        ("standby", r"standby|stand-by|modo de espera|ligado direto|gastando a toa|tomada"),
        ("solar", r"placa|painel|painei|solar"),
    ):
        if re.search(pat, s):
            return key
    return None


def extract_installation_numbers(text: str) -> list[str]:
    """Installation-like numbers mentioned in the text (7+ digits, not CPF-shaped with dots)."""
    s = normalize(text)
    return re.findall(r"\b\d{7,15}\b", s)


# ------------------------------------------------------------------ operator slots

_INDICATORS = ("DRP", "DRC", "DIC", "FIC", "DMIC", "DICRI")


def _number_pt(s: str) -> int | None:
    m = re.search(r"\b(\d+(?:[.,]\d+)?)\s*(mil|milhao|milhoes|mi|k)\b", s)
    if m:
        base = float(m.group(1).replace(".", "").replace(",", ".")) if m.group(2) in ("mil", "k") else float(m.group(1).replace(",", "."))
        mult = 1_000 if m.group(2) in ("mil", "k") else 1_000_000
        return int(round(base * mult))
    m = re.search(r"\b(\d{1,3}(?:\.\d{3})+|\d{4,})\s+(?:de\s+)?(?:medidores|clientes|unidades|instalacoes)\b", s)
    if m:
        return int(m.group(1).replace(".", ""))
    m = re.search(r"\b(" + "|".join(_NUM_WORDS) + r")\s+(milhao|milhoes|mil)\b", s)
    if m:
        return _NUM_WORDS[m.group(1)] * (1_000 if m.group(2) == "mil" else 1_000_000)
    return None


def extract_operator_slots(text: str, intent: str, today: dt.date) -> dict[str, Any]:
    s = normalize(text)
    out: dict[str, Any] = {}
    found = [i for i in _INDICATORS if re.search(rf"\b{i.lower()}\b", s)]
    if not found:
        if re.search(r"tensao critica|critic", s):
            found = ["DRC"]
        elif re.search(r"tensao precaria|precari", s):
            found = ["DRP"]
        elif re.search(r"continuidade", s):
            found = ["DIC", "FIC", "DMIC"]
        elif re.search(r"\btensao\b|\bvoltagem\b", s) and intent in ("quality_ranking", "compensation_exposure"):
            found = ["DRP", "DRC"] if intent == "compensation_exposure" else ["DRP"]
    if found:
        out["indicator"] = found[0] if len(found) == 1 else found
    if re.search(r"transformador", s):
        out["level"] = "transformer"
    elif re.search(r"alimentador", s):
        out["level"] = "feeder"
    elif re.search(r"medidor|cliente|unidade|instalac|consumidor", s) and intent == "quality_ranking":
        out["level"] = "meter"
    m = re.search(r"\b(?:top|os|as)?\s*(\d{1,3})\s+(?:medidores|transformadores|alimentadores|clientes|unidades|maiores|piores)", s)
    if m:
        out["limit"] = int(m.group(1))
    period = extract_period(text, today)
    if period is not None:
        out["period"] = period
    if intent == "events_summary":
        if re.search(r"\balarme", s):
            out["kind"] = "alarm"
        if re.search(r"tampa|violac|fraude|tamper|magnet|adultera", s):
            out["code"] = "tamper"
            out.pop("kind", None)
        elif re.search(r"falta de energia|queda de energia|sem energia|desligamento|last gasp|power down|interrupc", s):
            out["code"] = "power_down"
    m = re.search(r"\bpor (alimentador|transformador|medidor|municipio|regiao)\b", s)
    if m and intent in ("events_summary", "compensation_exposure", "fleet_consumption", "data_completeness"):
        out["group_by"] = {"alimentador": "feeder", "transformador": "transformer", "medidor": "meter",
                           "municipio": "municipality", "regiao": "region"}[m.group(1)]
        if out.get("level") == out["group_by"] and intent != "quality_ranking":
            out.pop("level", None)
    m = re.search(r"\bgrupo ([ab])\b", s)
    if m:
        out["group"] = m.group(1).upper()
    if intent == "storage_cost":
        out.update(_cost_slots(s))
    if intent not in ("quality_ranking", "events_summary"):
        out.pop("level", None)
    return out


def _cost_slots(s: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    n = _number_pt(s)
    if n:
        out["meters"] = n
    if re.search(r"trifasic", s):
        out["phases"] = 3
    elif re.search(r"bifasic", s):
        out["phases"] = 2
    elif re.search(r"monofasic", s):
        out["phases"] = 1
    m = re.search(r"de (\d{1,2}) para (\d{1,2}) minutos", s)
    if m:
        out["interval_minutes"] = [int(m.group(1)), int(m.group(2))]
    else:
        mins = [int(x) for x in re.findall(r"\b(\d{1,2})\s*(?:minutos|min)\b", s)]
        if len(mins) == 1:
            out["interval_minutes"] = mins[0]
        elif len(mins) > 1:
            out["interval_minutes"] = mins
        elif re.search(r"horari|de hora em hora|60 min|integralizacao de uma hora|por hora", s):
            out["interval_minutes"] = 60
    m = re.search(r"\b(\d{1,2})\s+anos\b", s)
    if m:
        out["retention_years"] = int(m.group(1))
    cloud = bool(re.search(r"nuvem|cloud|aws|azure|gcp|google cloud|oci|huawei", s))
    onprem = bool(re.search(r"on-premises|on premises|on-premise|on premise|local|proprio|datacenter|data center", s))
    if cloud and onprem:
        out["infrastructure"] = ["cloud", "on_premises"]
    elif cloud:
        out["infrastructure"] = "cloud"
    elif onprem:
        out["infrastructure"] = "on_premises"
    ds = []
    if re.search(r"\beventos?\b", s):
        ds.append("events")
    if re.search(r"\balarmes?\b", s):
        ds.append("alarms")
    if ds:
        out["datasets"] = ds
    m = re.search(r"\bgrupo ([ab])\b", s)
    if m:
        out["group"] = m.group(1).upper()
    return out
