"""Customer slot extraction from pt-BR text: comparisons, what-if shifts, appliances.

Periods come from :mod:`assistant.periods` (the pt-BR period parser); operator parameters from
:mod:`assistant.operator_slots`. Pure and deterministic; text is normalised first.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from assistant.periods import NUM_WORDS as _NUM_WORDS  # noqa: F401  (re-exported for operator_slots)
from assistant.periods import extract_period, month_back, previous_period  # noqa: F401  (re-exported)
from assistant.text import normalize
from tools.api.vocabulary import request_types as _rt


def extract_compare(text: str) -> str | None:
    s = normalize(text)
    if re.search(
        r"mesmo (mes|periodo) do ano passado|ano passado no mesmo|em relacao ao ano passado|comparad\w* (com|ao) (o )?ano passado",
        s,
    ):
        return "same_month_last_year"
    return None


_H = r"\s*(?:h|hs|hrs|horas)?\b"
_PEAK = (
    r"(?:horario de )?(?:ponta|pico)|horario (?:de )?(?:ponta|pico)|(?:18|19|20)\s*(?:h|hs|hrs|horas)\b|"
    r"(?:as|das|entre) (?:18|19|20)\b|fim da tarde|comeco da noite"
)
_OFF_PEAK = (
    rf"fora (?:da|de|do) (?:ponta|pico|horario (?:de )?(?:ponta|pico))|depois das (?:21|22|23){_H}|"
    rf"antes das (?:1[0-7]|[5-9]){_H}|madrugada|de manha|pela manha|de madrugada|a noite tarde|mais tarde|"
    r"no fim de semana|fora ponta|so no fim de semana"
)


def extract_shift(text: str) -> str | None:
    """What-if for the tariff comparison: moving use out of the peak hours."""
    s = normalize(text)
    verbs = (
        r"(?:tir|mud|pass|desloc|jog|transfer|evit|reduz|diminu|cort|troc|deix|program|concentr|lav|lig|us)\w*|"
        r"parar de usar|parasse de usar|deixar de usar|tomar banho|tomasse banho|banho"
    )
    hypothetical = r"\b(?:se eu|e se|caso eu|se a gente|se nos|se passar|se mudar|se usar|se deixar|so de|somente|apenas)\b"
    if (
        re.search(rf"\b(?:{verbs})\b.*\b(?:{_PEAK})", s)
        or re.search(rf"\b(?:{_OFF_PEAK})", s)
        and (re.search(rf"\b(?:{verbs})\b", s) or re.search(hypothetical, s))
    ):
        return "peak_to_offpeak"
    if re.search(r"fora (da|de) ponta|fora do horario de (ponta|pico)", s):
        return "peak_to_offpeak"
    return None


def extract_shift_pct(text: str) -> float | None:
    """ "se eu tirar 50% do consumo da ponta" → 0.5 (only with a shift)."""
    s = normalize(text)
    m = re.search(r"\b(\d{1,3})\s*(?:%|por cento)", text.lower()) or re.search(
        r"\b(\d{1,3})\s*por cento\b", s
    )
    if m and extract_shift(text):
        pct = int(m.group(1))
        if 0 < pct <= 100:
            return pct / 100
    if re.search(r"\bmetade\b", s) and extract_shift(text):
        return 0.5
    if re.search(r"\b(tudo|todo o consumo|totalmente)\b", s) and extract_shift(text):
        return 1.0
    return None


_APPLIANCES = (
    ("shower", r"chuveir\w*|\bbanhos?\b|ducha|aquecedor de agua"),
    (
        "air_conditioning",
        r"ar-condicionado|\bsplit\b|climatizador|\bo ar\b(?! livre)|\bdo ar\b(?! livre)|\bcom o ar\b",
    ),
    ("refrigeration", r"geladeira|freezer|refrigerador|\bfrigobar\b|congelador"),
    (
        "standby",
        r"standby|modo de espera|ligad[oa]s? direto|gastando a toa|consumo fantasma|\bna tomada\b|sempre ligad",
    ),
    ("solar_export", r"placas?\b|paineis|painel|solar|fotovoltaic"),
)


def extract_appliance(text: str) -> str | None:
    s = normalize(text)
    for key, pat in _APPLIANCES:
        if re.search(pat, s):
            return key
    return None


# ------------------------------------------------------------------ requests, bills, flags, thresholds

Audience = Literal["customer", "operator"]
_BOTH: tuple[Audience, ...] = ("customer", "operator")
_CUSTOMER: tuple[Audience, ...] = ("customer",)
_OPERATOR: tuple[Audience, ...] = ("operator",)

#: The words for a service request in a deadline question, for the customer assistant and the copilot
#: (one table): (request type or family of ``tools.domain.request_types``, pattern on normalised
#: text, who says it). Most specific first; every key resolves to deadline rules. A customer speaks
#: of their own request ("paguei, quando volta a luz?"), an operator of a kind of request
#: ("reclamações com visita", "ressarcimento de danos").
REQUEST_WORDS: tuple[tuple[str, str, tuple[Audience, ...]], ...] = (
    (_rt.RECONNECTION_URGENT, r"religa\w* (?:de )?urgen|urgencia", _BOTH),
    (_rt.FAMILY_RECONNECTION, r"\breliga|\breligam", _BOTH),
    (_rt.FAMILY_RECONNECTION, r"volta(?:r)? a (?:luz|energia)|quando (?:volta|religam)|paguei", _CUSTOMER),
    (
        _rt.FAMILY_NEW_CONNECTION,
        r"\bligac\w* nova|\bnovas? ligac|\bconexao nova|\bnova conexao|ligar (?:a )?energia (?:nova|pela primeira)",
        _BOTH,
    ),
    (_rt.COMPLAINT_WITH_VISIT, r"reclama\w* com visita|reclama\w* (?:que )?(?:precisa|exige|tem|teve) visita", _OPERATOR),
    (_rt.COMPLAINT_NO_VISIT, r"reclama\w* sem visita", _OPERATOR),
    (_rt.VOLTAGE_COMPLAINT, r"tensao|voltagem", _CUSTOMER),
    (_rt.VOLTAGE_COMPLAINT, r"verifica\w* (?:de |do nivel de )?tensao|medic\w* de tensao|reclama\w* de tensao", _OPERATOR),
    (_rt.DAMAGE_CLAIM, r"ressarc|queim|dano", _CUSTOMER),
    (_rt.FAMILY_DAMAGE, r"ressarc|\bdanos? (?:eletric|em equipamento)|aparelhos? queimad", _OPERATOR),
    (_rt.METER_INSPECTION, r"aferi|inspec|vistoria|medidor", _CUSTOMER),
    (_rt.METER_INSPECTION, r"afericao|inspecao (?:do |de )?medidor|aferir", _OPERATOR),
    (_rt.FAMILY_COMPLAINT, r"\breclama", _BOTH),
    (_rt.MODALITY_CHANGE, r"troca de (?:tarifa|modalidade)|mudanca de modalidade|mudar (?:de )?tarifa", _BOTH),
    (_rt.MODALITY_CHANGE, r"tarifa branca", _CUSTOMER),
)


def request_type(norm: str, audience: Audience = "customer") -> str | None:
    """The request type or family a deadline question is about (normalised text): a customer's own
    request, or the kind of request an operator names ("religações", "ligações novas")."""
    for key, pattern, who in REQUEST_WORDS:
        if audience in who and re.search(pattern, norm):
            return key
    return None



def bill_reference(period: Any, today: dt.date) -> str:
    """Which bill a period names: "YYYY-MM" for a month, else the last bill."""
    ref = max(period) if isinstance(period, list) and period and all(isinstance(p, str) for p in period) else period
    if isinstance(ref, str) and re.fullmatch(r"\d{4}-\d{2}", ref):
        return ref
    if ref == "month_before_last":
        return month_back(today, 2)
    if isinstance(ref, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", ref):
        return ref[:7]
    return "last_bill"


def flag_month(period: Any, today: dt.date) -> str | None:
    """tariff_flag takes a month: "YYYY-MM", "this_month" or "last_month". A bare month name is read as
    the latest one past ("dezembro" on 26/11/2026 is 2025-12); for the flag, next month's name is the
    flag about to be announced: "qual a bandeira de dezembro?" in late November is December 2026."""
    if isinstance(period, str) and re.fullmatch(r"\d{4}-\d{2}", period):
        nxt = dt.date(today.year + today.month // 12, today.month % 12 + 1, 1)
        if period == f"{nxt.year - 1:04d}-{nxt.month:02d}":
            return f"{nxt.year:04d}-{nxt.month:02d}"
        return period
    if isinstance(period, str) and period in ("this_month", "last_month"):
        return period
    if isinstance(period, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", period):
        return period[:7]
    if period == "month_before_last":
        return month_back(today, 2)
    if period == "current_cycle":
        return "this_month"
    return None


_THRESHOLD = re.compile(
    r"\b(?:passar|passa|passou|ultrapassar|ultrapassa|ultrapassou|chegar|chega|estourar|estoura|mais|menos|abaixo|acima|baixo|cima|"
    r"maior|menor|superar|supera)\b(?:\s+\w+){0,2}?\s+(?:de|dos|das|a|que|do|da)?\s*(?:r\$\s*)?(\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?|\d{1,5}(?:[.,]\d{1,2})?)(?![\d.]\d)"
    r"\s*(kwh|reais|real|conto|pila|r\$)?"
)


def extract_threshold(text: str) -> dict[str, Any] | None:
    """A number the customer checks against: "vai passar de 250?", "fica abaixo de 180?",
    "gastei mais de 300 kwh?" → ``{"value": 250.0, "unit": "R$"|"kWh", "direction": "above"|"below"}``."""
    s = normalize(text)
    m = _THRESHOLD.search(s)
    if not m:
        return None
    num = m.group(1)
    # "1.250" and "1.250,90": the dot groups thousands; "250,90" and "250.90": a decimal part
    grouped = "," in num or re.fullmatch(r"\d{1,3}(?:\.\d{3})+", num) is not None
    value = float(num.replace(".", "").replace(",", ".")) if grouped else float(num)
    unit = "kWh" if m.group(2) == "kwh" else "R$"
    below = bool(re.search(r"\b(?:menos|abaixo|baixo|menor)\b", m.group(0)))
    return {"value": value, "unit": unit, "direction": "below" if below else "above"}


# ------------------------------------------------------------------ a request the customer asks to open (issue 21)

_ASK = re.compile(
    r"\b(?:quero|queria|gostaria de|preciso|vou|pode|podem|poderia|consegue|consigo|da pra|da para|tem como|"
    r"me ajuda a|favor|posso|bora)\b(?:\s+\w+){0,4}?\s+(?:abrir|registrar|fazer|solicitar|pedir|formalizar|"
    r"protocolar|entrar com|mandar|agendar|marcar|reclamar|religar|trocar|mudar|passar|migrar|aderir|voltar|ir|"
    r"verifi\w*|aferi\w*|inspecion\w*|religu\w*|vistori\w*)\b|"
    r"^(?:abre|abra|abrir|registra|registre|solicito|solicitar|faz|faca|manda|agenda|agende|pede|peca|peco|"
    r"quero)\b"
)
_NOT_AN_ASK = re.compile(
    r"\b(?:como|onde|qual|quais|quanto tempo|quando|prazo|vale a pena|compensa|sera que|devo|o que e|"
    r"meu pedido|minha reclamacao|ja pedi|ja abri)\b|\bnao\s+(?:\w+\s+){0,2}?(?:quero|precisa|preciso)\b|"
    # a hypothesis or a question about the rule, not an ask: "se eu mudar ... posso voltar pra normal?"
    r"\b(?:se eu|e se|se a gente|caso eu)\b|\b(?:posso|consigo|da pra|tem como) (?:voltar|desistir|sair)\b"
)
_TYPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        _rt.VOLTAGE_COMPLAINT,
        re.compile(
            r"\b(?:reclama\w*|queixa|chamado|pedido|verificac\w*|vistoria|visita|inspec\w*|verifica\w*)\b.{0,40}"
            r"\b(?:tensao|voltagem|luz fraca|energia fraca|luz oscilando|luz piscando)\b|"
            r"\b(?:tensao|voltagem)\b.{0,30}\breclama\w*"
        ),
    ),
    (
        _rt.METER_INSPECTION,
        re.compile(
            r"\b(?:verifica\w*|aferic\w*|aferir|inspec\w*|inspecionar|vistoria|teste|testar|conferir|"
            r"checar|revisao|revisar|avaliar)\b.{0,30}\b(?:medidor|relogio)\b"
        ),
    ),
    (
        _rt.MODALITY_CHANGE,
        re.compile(
            r"\b(?:troca\w*|mudanc\w*|muda\w*|passa\w*|migra\w*|ader\w*|adesao|entrar|ir|voltar|volta)\b.{0,30}"
            r"\b(?:tarifa branca|branca|convencional|modalidade)\b|^quero (?:a |pra |para )?(?:tarifa )?branca\b"
        ),
    ),
    (_rt.RECONNECTION, re.compile(r"\breliga\w*|\breligamento\b")),
    (
        _rt.DAMAGE_CLAIM,
        re.compile(r"\bressarc\w*|\bindeniza\w*|\bdanos? eletric\w*|\b(?:queim\w*|danific\w*)\b"),
    ),
)


def asked_request_type(norm: str) -> str | None:
    """The request a customer asks to open (normalised text), or None (a question about one is not an ask)."""
    if not _ASK.search(norm) or _NOT_AN_ASK.search(norm):
        return None
    for rtype, pattern in _TYPES:
        if pattern.search(norm):
            return rtype
    return None


# "as placas tão gerando menos?": the direction of the solar injection asked about
_GENERATION = re.compile(
    r"\b(?:gerando|gerou|gerar|gera|produzindo|produziu|producao|geracao|injetando|injetou)\b.{0,30}"
    r"\b(?P<a>menos|pouco|caiu|caindo|baixa|baixou|diminu\w*|mais|aument\w*|subiu)\b|"
    r"\b(?P<b>menos|caiu|caindo|baixou|diminu\w*|aument\w*|subiu)\b.{0,30}\b(?:geracao|producao|gerando|gerou)\b"
)


def generation_asked(norm: str) -> str | None:
    """"less" or "more" when the (normalised) message asks whether the solar generation changed."""
    m = _GENERATION.search(norm)
    if not m:
        return None
    word = m.group("a") or m.group("b") or ""
    return "more" if re.match(r"mais|aument|subiu", word) else "less"


# "quanto custa o kWh?", "qual o preço do kWh da CPFL?": the price of a kWh (its text, shared by the
# router, which sends it to the bill, and by the answer, which reads the bill's TUSD and TE)
KWH_PRICE = (
    r"\b(?:quanto (?:custa|ta|esta|e|sai|vale|cobra\w*)|qual (?:e )?(?:o )?(?:preco|valor)|preco|valor)\b"
    r"(?: \w+){0,2} (?:kwh|quilowatt\w*)\b"
)
