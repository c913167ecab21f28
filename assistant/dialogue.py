"""Dialogue state: what a message inherits from the previous turns of the conversation.

* A follow-up inherits the topic, the period, the tool arguments and the what-if scenario
  ("e em agosto?", "quanto disso foi o chuveiro?", "e se eu mudar só metade?", "quando vencem?").
* A correction replaces one slot and keeps the rest ("não, eu quis dizer outubro").
* A topic switch starts clean ("muda de assunto, a bandeira de novembro é qual?").
* Rule questions continue their topic too ("e em quanto tempo eles podem cortar?" after a question
  about late payment): the knowledge search is run on the conversation's question, not on the
  fragment.

The state itself lives in :class:`assistant.session.SessionState` (``last_intent``,
``last_slots``); this module decides how a new message relates to it. Pure functions.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from assistant import engagement
from assistant.operator_slots import extract_operator_slots
from assistant.periods import extract_period, previous_period
from assistant.router import NON_TOOL_INTENTS, Route, in_domain
from assistant.session import SessionState
from assistant.slots import (
    bill_reference,
    extract_appliance,
    extract_compare,
    extract_shift,
    extract_shift_pct,
    extract_threshold,
    flag_month,
    generation_asked,
    request_type,
)
from assistant.text import normalize

FOLLOW_UP_RE = re.compile(r"^(?:e|mas e|e quanto|e sobre|tambem|agora|e agora|e ja|e pra|e para|e no|e na|e o|e a|ta e|ok e)\b")
# "e no mês anterior?" asks for the period before; "mais cara que a anterior" compares with it (no shift)
PREVIOUS_RE = re.compile(
    r"(?<!que a )(?<!que o )(?<!q a )(?<!q o )(?<!do que a )(?<!com a )(?<!com o )"
    r"\b(?:anterior|antes disso|antes desse|antes dessa|de antes|retrasad\w*)\b"
)
# money or rights that an answer about a request, the voltage or outages already covers ("isso me dá desconto?")
_MONEY = re.compile(r"\b(?:compensa\w*|direito|desconto|receb\w*|dinheiro|credito|cai|cair|vem|pagam|devolv\w*|ressarc\w*)\b")
_ASKS_RULE = re.compile(
    r"\b(?:posso|pode|podem|consigo|da para|tem como|e permitido|e proibido|e possivel|como funciona|o que e|o que significa)\b"
)
#: Router rules whose decision a follow-up never overrides.
_DECISIVE = frozenset(
    {"thanks", "handoff_action", "debt_deal", "process_question", "credit_rule", "rule_money", "savings_if",
     "vague_problem", "social_tariff", "open_request"}
)
_OWN_REQUEST_WORDS = re.compile(r"\b(?:pedi|paguei|abri|solicitei|fiz|cortaram|religaram|meu pedido|minha reclamacao)\b")
_MONEY_TOOLS = frozenset({"deadline_status", "voltage_quality", "continuity_indicators"})
CORRECTION_RE = re.compile(
    r"^(?:nao|na verdade|errei|desculpa|opa|ops|corrigindo)?\s*,?\s*(?:eu )?(?:quis dizer|queria dizer|falei errado|"
    r"me enganei|era|e)\b|^nao\b.{0,12}\b(?:quis dizer|queria|era|e)\b"
)
TOPIC_SWITCH_RE = re.compile(
    r"\b(?:muda(?:ndo)? de assunto|outra coisa|outro assunto|outra pergunta|aproveitando|ah e|alias)\b"
)
# a pronoun pointing at the previous answer ("isso", "disso", "nessa conta")
_ANAPHORA = re.compile(r"\b(?:isso|disso|nisso|dessa|desse|nessa|nesse|essa|esse|ela|ele|eles|elas|dela|dele|la)\b")
#: What each tool's topic is called in a knowledge search (a rule question following a tool answer).
TOPIC_WORDS = {
    "consumption_summary": "consumo de energia",
    "consumption_profile": "consumo por horário",
    "appliance_breakdown": "consumo dos aparelhos",
    "explain_bill": "conta de luz fatura",
    "forecast_bill": "previsão da conta",
    "compare_tariffs": "tarifa branca",
    "gd_credits": "créditos de energia solar geração distribuída",
    "tariff_flag": "bandeira tarifária",
    "continuity_indicators": "falta de energia interrupção compensação DIC FIC",
    "voltage_quality": "tensão precária crítica compensação",
    "efficiency_tips": "economia de energia",
    "deadline_status": "prazo do pedido",
}
# A follow-up to these answers stays on their tool when it names no other topic.
_STICKY = frozenset(
    {"gd_credits", "forecast_bill", "compare_tariffs", "continuity_indicators", "deadline_status", "tariff_flag"}
)


def resolve(text: str, route: Route, state: SessionState, today: dt.date) -> tuple[Route, str]:
    """See :func:`_resolve`; a follow-up is decided by the dialogue, not by a low classifier score."""
    new, kind = _resolve(text, route, state, today)
    if kind and not new.rule:
        new = Route(new.intent, max(new.confidence, 0.5), rule="follow_up", alternatives=new.alternatives)
    return new, kind


def _resolve(text: str, route: Route, state: SessionState, today: dt.date) -> tuple[Route, str]:
    """How this message relates to the previous turn: the route to take and the follow-up kind.

    Kinds: ``""`` (a new question), ``same`` (same topic, new or replaced slots), ``topic`` (a new
    topic that keeps the previous period), ``repeat`` (content-free: "e aí, quanto foi?"),
    ``knowledge`` (a rule question continuing the conversation's topic).
    """
    last = state.last_intent
    norm = normalize(text)
    words = norm.split()
    if not last or last in NON_TOOL_INTENTS or last == "handoff_to_agent":
        return route, ""
    if route.rule == "engagement" or last in ("set_goal", "message_subscription"):
        return route, ""  # a goal or a subscription is decided by its own words, never inherited
    if route.rule in _DECISIVE or route.intent in ("other_customer", "write_request"):
        return route, ""  # a precise rule decided (a decline, a handoff, a process question...)
    if route.intent == "handoff_to_agent" and route.confidence >= 0.4:
        return route, ""
    if TOPIC_SWITCH_RE.search(norm):
        return route, ""
    if route.rule == "content_free":
        return Route(last, 1.0, rule="follow_up"), "repeat"
    cue = bool(FOLLOW_UP_RE.search(norm)) or bool(CORRECTION_RE.search(norm))
    short = len(words) <= 9
    if last == "search_knowledge":
        if short and (cue or _ANAPHORA.search(norm)) and route.intent in ("search_knowledge", "out_of_scope"):
            return Route("search_knowledge", max(route.confidence, 0.5), rule="follow_up"), "knowledge"
        return route, ""
    if last == "compare_tariffs" and (cue or len(words) <= 12) and (
        extract_shift(text) or re.search(r"\bmetade\b|\d+\s*%|por cento", norm)
    ):
        return Route(last, 1.0, rule="follow_up"), "same"  # the what-if of the comparison
    if route.intent == last and not route.rule and len(words) <= 14 and extract_period(text, today) is None:
        return route, "same"  # the same question again, e.g. "me explica linha por linha" after the bill
    if not short:
        return route, ""
    period = extract_period(text, today)
    appliance = extract_appliance(text)
    previous = bool(PREVIOUS_RE.search(norm))
    weak = route.rule == "no_domain_term" or (route.confidence < 0.5 and not route.rule)
    named_topic = (
        in_domain(re.sub(r"\b(?:conta|fatura) anterior\b", "", norm))
        and route.intent not in NON_TOOL_INTENTS
        and not weak
    )
    anaphora = bool(_ANAPHORA.search(norm))
    if last in _MONEY_TOOLS and (cue or anaphora) and _MONEY.search(norm) and period is None and not route.rule:
        return Route(last, 1.0, rule="follow_up"), "same"  # the answer's own compensation / deadline
    if last == "deadline_status" and (route.rule == "no_own_request" or (cue and request_type(norm))):
        return Route(last, 1.0, rule="follow_up"), "same"
    if appliance is not None and appliance != "solar_export":
        if route.intent in ("efficiency_tips", "compare_tariffs") and not weak:
            return route, "topic"
        if last in ("appliance_breakdown", "efficiency_tips") and route.intent == last:
            return Route(last, 1.0, rule="follow_up"), "same"
        if route.intent == "appliance_breakdown":
            return route, "topic"
        if cue or anaphora or weak or route.intent in ("search_knowledge", "consumption_summary", "consumption_profile") or last in (
            "consumption_summary", "consumption_profile", "explain_bill", "appliance_breakdown"
        ):
            return Route("appliance_breakdown", 1.0, rule="follow_up"), "topic"
    if named_topic and route.intent != last:
        if route.intent == "search_knowledge" and last in TOPIC_WORDS and (cue or _ANAPHORA.search(norm)):
            return route, "knowledge"
        if (cue or _ANAPHORA.search(norm)) and period is None:
            return Route(route.intent, max(route.confidence, 0.5), rule="follow_up_topic"), "topic"
        return route, ""
    if period is not None or previous:
        if cue or weak or route.intent == last:
            return Route(last, 1.0, rule="follow_up"), "same"
        return route, ""
    if last in _STICKY:
        if route.intent == "search_knowledge" and _ASKS_RULE.search(norm):
            return route, "knowledge"  # "consigo vender esse excedente?": the rule about it
        if weak or not in_domain(norm) or ((cue or anaphora) and route.intent in (last, "out_of_scope")):
            return Route(last, 1.0, rule="follow_up"), "same"
        if route.intent == "search_knowledge" and (cue or anaphora or _ASKS_RULE.search(norm)):
            return route, "knowledge"
    if weak and (cue or anaphora) and (route.intent not in NON_TOOL_INTENTS or route.rule == "no_domain_term"):
        return Route(last, 1.0, rule="follow_up"), "same"
    return route, ""


#: the topic a router rule already recognised, carried into the knowledge search ("tô sem luz ainda desde
#: as 3 da tarde" is about an outage now, not about "tarde")
RULE_TOPICS = {
    "outage_now": "sem energia só na minha casa, disjuntor",
    "average_reading": "leitura pela média",
    "solar_still_pays": "placa solar por que pago conta valor mínimo",
    "moving_out": "mudança de casa encerrar o contrato titular",
    "tariff_rule": "tarifa branca voltar para a convencional a qualquer momento, nova adesão",
    "scam_check": "golpe boleto falso mensagem suspeita canais oficiais",
    "meter_check": "medidor inspeção aferição troca do medidor",
    "second_copy": "perdeu a conta segunda via",
    "planned_outage": "como saber se vai ter desligamento programado no seu bairro",
    "outage_eta": "quando a energia volta previsão",
    "street_light": "lâmpada do poste apagada ou acesa de dia prefeitura",
    "cut_risk": "o corte só pode ser feito depois de um aviso com 15 dias de antecedência",
    "pay_how": "como pagar a conta pelo código de barras, PIX, débito automático ou cartão",
    "posto_hours": "horários de ponta da Tarifa Branca nas distribuidoras CPFL, o mais caro",
}


def knowledge_query(text: str, state: SessionState, follow_up: str, rule: str = "") -> str:
    """The knowledge search for this message: a follow-up carries the conversation's topic."""
    if rule in RULE_TOPICS:
        return f"{RULE_TOPICS[rule]} {text}"
    if follow_up != "knowledge":
        return text
    prev = state.last_slots.get("query") if state.last_intent == "search_knowledge" else None
    topic = prev or TOPIC_WORDS.get(state.last_intent or "", "")
    return f"{topic} {text}".strip() if topic else text


# "nesse/desse/naquele mês", "no mesmo mês": the month just talked about (not "este mês", which is now)
_THAT_MONTH = re.compile(r"\b(?:nesse|desse|naquele|daquele|no mesmo|do mesmo|nesse mesmo|desse mesmo)\s+mes\b")



_BARE_NUMBER = re.compile(r"^\s*(?:e\s+)?(?:se\s+for\s+)?(?:de|a|o|pra|para)?\s*(?:r\$\s*)?(\d+(?:[.,]\d+)?)\s*(?:reais|kwh)?\s*[?!.]*\s*$")


def _a_month(period: Any) -> bool:
    """A whole month other than the current one ("2026-10", "last_month")."""
    return isinstance(period, str) and (
        bool(re.fullmatch(r"\d{4}-\d{2}", period)) or period in ("last_month", "month_before_last")
    )


def slots_for(text: str, intent: str, state: SessionState, follow_up: str, today: dt.date) -> dict[str, Any]:
    """The tool arguments for this message: read from the text, completed from the dialogue state."""
    prev_slots = dict(state.last_slots or {}) if state.last_intent else {}
    if follow_up == "repeat":
        return prev_slots if intent == state.last_intent else {}
    if state.audience == "operator":
        return _operator_slots(text, intent, state, follow_up, today, prev_slots)
    if intent in engagement.INTENTS:
        return engagement.slots(text, intent)
    slots: dict[str, Any] = {}
    norm = normalize(text)
    period = extract_period(text, today)
    prev_period = (
        prev_slots.get("bill_month") or prev_slots.get("reference")
        if state.last_intent == "explain_bill"
        else prev_slots.get("period")
    )
    relative = period is None or period in ("last_month", "last_week", "last_year", "day_before_yesterday")
    if relative and prev_period is not None and PREVIOUS_RE.search(norm) and (follow_up or state.last_intent == intent):
        period = previous_period(prev_period, today)
    if period is None and follow_up == "topic":
        period = prev_period
    if period == "this_month" and _a_month(prev_period) and _THAT_MONTH.search(norm):
        period = prev_period  # "nesse mês" right after October is October: the month just named
    if period is None and follow_up == "same" and intent != "explain_bill":
        period = prev_slots.get("period")
    if period is None and follow_up == "same" and intent == "explain_bill" and state.last_intent == "explain_bill":
        period = prev_slots.get("reference")
    if intent in ("consumption_summary", "forecast_bill") and period == "this_month":
        period = "current_cycle"
    if intent == "gd_credits" and period in (None, "this_month", "last_month") and generation_asked(norm):
        period = "last_90_days"  # "tão gerando menos esse mês?": this cycle against the ones before
    threshold = extract_threshold(text)
    bare = _BARE_NUMBER.match(norm)
    if threshold is None and bare and follow_up == "same" and isinstance(prev_slots.get("threshold"), dict):
        number = bare.group(1)
        value = float(number.replace(".", "").replace(",", ".")) if "," in number else float(number)
        threshold = {**prev_slots["threshold"], "value": value}  # "e de 200?": the same check, another number
    if threshold:
        slots["threshold"] = threshold
    if intent == "explain_bill":
        slots["reference"] = bill_reference(period, today)
        return slots
    compare = extract_compare(text)
    if compare:
        slots["compare"] = compare
        period = period or "last_month"
    elif follow_up == "same" and prev_slots.get("compare") and intent == "consumption_summary":
        slots["compare"] = prev_slots["compare"]
    if period is not None and intent not in ("compare_tariffs", "forecast_bill", "efficiency_tips"):
        slots["period"] = period
    if intent == "forecast_bill" and period == "current_cycle":
        slots["period"] = period
    if intent == "tariff_flag" and isinstance(slots.get("period"), str | dict | list):
        month = flag_month(slots["period"], today)
        if month is None:
            slots.pop("period")
        else:
            slots["period"] = month
    if intent == "compare_tariffs":
        shift = extract_shift(text) or (prev_slots.get("shift") if follow_up == "same" else None)
        pct = extract_shift_pct(text) if extract_shift(text) else _bare_pct(norm)
        if shift:
            slots["shift"] = shift
            if pct is not None:
                slots["shift_pct"] = pct
            elif follow_up == "same" and "shift_pct" in prev_slots and not extract_shift(text):
                slots["shift_pct"] = prev_slots["shift_pct"]
    if intent in ("appliance_breakdown", "efficiency_tips"):
        appliance = extract_appliance(text)
        if appliance is None and follow_up == "same":
            appliance = prev_slots.get("appliance")
        if appliance and intent == "appliance_breakdown":
            slots["appliance"] = appliance
    if intent in ("deadline_status", "search_knowledge"):
        rtype = request_type(norm) if intent == "deadline_status" or _OWN_REQUEST_WORDS.search(norm) else None
        if rtype is None and follow_up == "same":
            rtype = prev_slots.get("request_type")
        if rtype:
            slots["request_type"] = rtype
        elif intent == "deadline_status" and follow_up == "same" and prev_slots.get("request_id"):
            slots["request_id"] = prev_slots["request_id"]  # "e meu pedido?" right after opening one
    return slots


def _bare_pct(norm: str) -> float | None:
    """ "e se eu mudar só metade?": a share without a shift phrase (the shift is inherited)."""
    m = re.search(r"\b(\d{1,3})\s*(?:%|por cento)", norm)
    if m and 0 < int(m.group(1)) <= 100:
        return int(m.group(1)) / 100
    if re.search(r"\bmetade\b", norm):
        return 0.5
    if re.search(r"\b(?:um|1) terco\b", norm):
        return round(1 / 3, 2)
    return None


def _operator_slots(
    text: str, intent: str, state: SessionState, follow_up: str, today: dt.date, prev_slots: dict[str, Any]
) -> dict[str, Any]:
    if intent == "sql_query":
        from assistant.sql_templates import match

        sql = match(text, today)
        return {"sql": sql} if sql else {}
    found = extract_operator_slots(text, intent, today)
    if follow_up == "same" and intent == state.last_intent:
        if "period" not in found and PREVIOUS_RE.search(normalize(text)) and "period" in prev_slots:
            found["period"] = previous_period(prev_slots["period"], today)
        return {**{k: v for k, v in prev_slots.items() if k != "sql"}, **found}
    return found


def remember(state: SessionState, intent: str, slots: dict[str, Any], text: str, bill_month: Any = None) -> None:
    """Keep what the next message may inherit."""
    state.last_intent = intent
    state.last_slots = dict(slots)
    if intent == "search_knowledge":
        state.last_slots["query"] = text
    if intent == "explain_bill" and isinstance(bill_month, str) and re.fullmatch(r"\d{4}-\d{2}", bill_month):
        state.last_slots["bill_month"] = bill_month  # "e a anterior?" counts back from the month shown


_SPLIT = re.compile(
    r"\?\s+(?=\S)|\s+(?:e tambem|e tb|e tbm|alem disso|e ainda)\s+|"
    r"\s+e\s+(?=(?:qnd|quando|quanto|qnto|qto|qual|quais|como|se|onde)\b)"
)


def split_questions(text: str) -> list[str]:
    """The questions of one message ("quanto gastei em outubro e qnd vence minha conta?" → two), each
    of three words or more; one part when there is no clear second question."""
    parts = [p.strip(" ,.;") for p in _SPLIT.split(text.strip())]
    parts = [p for p in parts if p]
    if len(parts) != 2 or any(len(p.split()) < 3 for p in parts):
        return [text]
    return parts
