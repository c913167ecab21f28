"""Engagement messages: the monthly goal ("minha meta é gastar no máximo 180 reais"), its progress
("to dentro da meta?"), the D-1 digest on demand and the opt-in / opt-out of proactive messages
("quero receber meu consumo todo dia", "não quero mais o resumo").

Precise rules over the normalised text (the classifier also learns these intents from the
utterance bank) and the slots of each intent. Setting a goal and opting in are writes the customer
may make on their own installation: :func:`engagement_request` lets the policy tell them apart
from the writes it declines (changing a bill, a reading, a charge).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from assistant.text import normalize

INTENTS = frozenset({"set_goal", "goal_progress", "daily_digest", "message_subscription"})

_NUM = r"(?:r\$\s*)?\d[\d.]*(?:,\d{1,2})?"
_GOAL_WORD = r"(?:meta|objetivo|limite|teto|orcamento)"
_GOAL_SET = re.compile(
    rf"\b(?:minha |a |uma |nova |de |como |essa |esta )?{_GOAL_WORD}\b[^?]{{0,40}}?(?:{_NUM}|\b(?:cem|duzentos|trezentos|quatrocentos|quinhentos)\b)|"
    rf"\b(?:quero|queria|vou|pretendo|preciso|gostaria de|meu objetivo e|tenho que|quero so) (?:gastar|pagar|consumir|ficar|usar)\b"
    rf".{{0,25}}\b(?:no maximo|ate|menos de|abaixo de|max)\b.{{0,12}}(?:{_NUM}|\b(?:cem|duzentos|trezentos)\b)|"
    rf"\b(?:define|defina|definir|coloca|coloque|colocar|bota|bote|poe|ponha|cria|crie|criar|muda|mude|mudar|altera|"
    rf"altere|alterar|ajusta|ajuste|troca|troque) (?:a |uma |minha |uma nova |pra |para )?{_GOAL_WORD}\b"
)
# a question about the goal already set ("vou estourar a meta de 180?"), not a new goal
_GOAL_ASK = re.compile(
    rf"\b(?:vou|vo|estou|to|tou|ta|esta|consigo|da pra|dentro|passar|passo|estourar|estouro|ultrapassar|bater|bato|"
    rf"cumprir|atingir|como|quanto falta|quanto ainda|qual e|qual a)\b.{{0,30}}\b{_GOAL_WORD}\b|"
    rf"\b{_GOAL_WORD}\b.{{0,30}}\b(?:ta|esta|vai|como|bem|dentro)\b"
)
_GOAL_PROGRESS = re.compile(
    r"\b(?:meta|orcamento)\b|\b(?:meu|minha|o meu|do meu|no meu) (?:limite|teto|objetivo)\b|\bquanto (?:ainda )?(?:posso|da pra|consigo) (?:gastar|usar|consumir)\b|"
    r"\b(?:gasto|consumo|orcamento) (?:diario|por dia) (?:que |pra |para )?(?:sobra|resta|falta|posso)\b"
)
# goals of the regulation or the distributor, not the customer's
_NOT_MINE = re.compile(
    r"\b(?:aneel|continuidade|dec|fec|dic|fic|dmic|drp|drc|indicador\w*|distribuidora|regula\w*|prodist|demanda|"
    r"contratad\w*|tensao|prazo\w*|solar|placas?|paine\w*|cartao|credito|emprestimo|parcela\w*|sem luz|sem energia|"
    r"faltou|falta de (?:luz|energia)|interrup\w*|queda\w*|apag\w*)\b"
)
_DAILY = r"(?:todo dia|todos os dias|diariamente|diario|diaria|cada dia|dia a dia|toda manha|todas as manhas|toda noite|d-1)"
_SEND = r"(?:receb\w*|mand\w*|envi\w*|avis\w*|notific\w*|resumo|relatorio|boletim|mensage\w*|ativ\w*|assin\w*|inscrev\w*)"
_NEGATE = (
    r"(?:nao quero mais|nao quero|nao preciso mais|para de|pare de|parar de|cancel\w*|desativ\w*|desliga\w*|tira\w*|"
    r"sair d\w*|chega de|nao (?:me )?mand\w*|nao (?:me )?envi\w*|descadastr\w*|desinscrev\w*|interromp\w*|suspend\w*)"
)
_DIGEST_SUB = re.compile(rf"\b{_SEND}\b.{{0,40}}\b{_DAILY}\b|\b{_DAILY}\b.{{0,40}}\b{_SEND}\b|\bresumo (?:diario|do dia|de ontem)\b.{{0,30}}\b(?:whats\w*|zap|receb\w*|ativ\w*)")
_DIGEST_WORD = rf"(?:resumo|relatorio|boletim|mensage\w*|avisos?|notificac\w*|{_DAILY}|consumo diario)"
_UNSUB = re.compile(rf"\b{_NEGATE}\b.{{0,40}}\b{_DIGEST_WORD}|\b{_DIGEST_WORD}\b.{{0,30}}\b(?:nao quero mais|chega|pode parar|para de mandar|cancela)\b")
_GOAL_ALERTS = re.compile(rf"\b(?:avisos?|alertas?|notificac\w*)\b.{{0,25}}\b{_GOAL_WORD}\b|\b{_GOAL_WORD}\b.{{0,25}}\b(?:avisos?|alertas?)\b")
_DIGEST_ASK = re.compile(
    r"\bresumo (?:de ontem|do dia|diario|do consumo de ontem)\b|\bcomo (?:foi|fui|ficou) (?:o )?(?:meu )?(?:dia|consumo) (?:de )?ontem\b.{0,30}\b(?:comparad|normal|tipico|vizinh|parecid)|"
    r"\bontem\b.{0,40}\b(?:dia (?:normal|tipico)|normal pra mim|casas parecidas|vizinh\w* parecid)"
)


def rule(norm: str) -> str | None:
    """The engagement intent a normalised message asks for, or None."""
    if _UNSUB.search(norm):
        return "message_subscription"
    if _DIGEST_SUB.search(norm) and not re.search(r"\bquanto\b.{0,20}\b(?:gast|consum)\w*\b.{0,10}\bpor dia\b", norm):
        return "message_subscription"
    if _NOT_MINE.search(norm):
        return None
    if _GOAL_SET.search(norm) and not (_GOAL_ASK.search(norm) and not re.search(r"\bminha meta (?:e|sera|vai ser)\b", norm)):
        return "set_goal"
    if _GOAL_PROGRESS.search(norm) and not re.search(r"\b(?:o que e|que e uma?|como funciona)\b", norm):
        return "goal_progress"
    if _DIGEST_ASK.search(norm):
        return "daily_digest"
    return None


def engagement_request(norm: str) -> bool:
    """A goal or a message subscription: a write the customer may make on their own installation."""
    return rule(norm) in ("set_goal", "message_subscription")


_WORD_NUMBERS = {"cem": 100, "cento": 100, "duzentos": 200, "trezentos": 300, "quatrocentos": 400, "quinhentos": 500}


def _amount(raw: str) -> Decimal | None:
    s = raw.replace("r$", "").strip()
    if "," in s:
        s = s.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"\d{1,3}(?:\.\d{3})+", s):
        s = s.replace(".", "")
    try:
        value = Decimal(s)
    except InvalidOperation:
        return None
    return value if value > 0 else None


def goal_slots(text: str) -> dict[str, Any]:
    """``{"amount": "180.5", "unit": "brl" | "kwh"}`` read from the message (what is missing is left out)."""
    norm = normalize(text).replace("r $", "r$")
    low = text.lower()
    m = re.search(r"(r\$\s*)?(\d[\d.]*(?:,\d{1,2})?)\s*(kwh|kw/h|kw h|quilowatts?|quilowatt-hora|reais|real|conto|pila|r\$)?", norm)
    out: dict[str, Any] = {}
    if m:
        amount = _amount(m.group(2))
        if amount is not None:
            out["amount"] = format(amount.normalize(), "f")
        unit = m.group(3) or ""
        out["unit"] = "kwh" if unit.startswith(("kw", "quilo")) else "brl"
    else:
        w = re.search(r"\b(" + "|".join(_WORD_NUMBERS) + r")\b(?: e (\w+))?", norm)
        if w:
            out["amount"] = str(_WORD_NUMBERS[w.group(1)])
            out["unit"] = "kwh" if re.search(r"\bkwh\b|quilowatt", norm) else "brl"
    if "kwh" in low and "unit" not in out:
        out["unit"] = "kwh"
    return out


_HOUR = re.compile(
    r"\b(?:as|a partir das|umas|la pelas|pelas|perto das|por volta das)?\s*(\d{1,2})\s*(?:h\b|hs\b|hrs\b|horas?\b|:\d{2}|(?=\s*(?:da|de) (?:manha|tarde|noite)))"
    r"(?:\s*(?:da|de) (manha|tarde|noite))?"
)


def subscription_slots(text: str) -> dict[str, Any]:
    """``action`` (subscribe / unsubscribe), ``purpose`` and the digest ``hour`` (0-23) when given."""
    norm = normalize(text)
    out: dict[str, Any] = {}
    if _UNSUB.search(norm):
        out["action"] = "unsubscribe"
        if _GOAL_ALERTS.search(norm):
            out["purpose"] = "goal_alerts"
        return out
    out["action"] = "subscribe"
    m = _HOUR.search(norm)
    if m:
        hour = int(m.group(1))
        if m.group(2) in ("tarde", "noite") and hour < 12:
            hour += 12
        if 0 <= hour <= 23:
            out["hour"] = hour
    elif re.search(r"\bmeio[ -]dia\b", norm):
        out["hour"] = 12
    return out


def slots(text: str, intent: str) -> dict[str, Any]:
    if intent == "set_goal":
        return goal_slots(text)
    if intent == "message_subscription":
        return subscription_slots(text)
    return {}
