"""Refusals, "não sei", handoff to a human, opt-out, and topic rules."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from assistant.i18n import has, t
from assistant.masking import mask, mask_confirmation
from assistant.router import Route
from assistant.session import SessionState

if TYPE_CHECKING:
    from assistant.deps import AssistantDeps
    from assistant.engine import _Turn

_OPT_OUT = re.compile(r"^(sair|parar|pare|stop|cancelar mensagens|descadastrar)$")
_OPT_IN = re.compile(r"^(voltar|start|reativar)$")
# topics that need a person: debt negotiation, second copy payment, formal complaint
_HUMAN_TOPIC = re.compile(
    r"parcel|negoci|segunda via|2a via|boleto|divida|reclamacao formal|protocolo|ouvidoria"
)

_REQUEST_TYPES = (
    ("religacao_urgente", r"religa\w* urgente|urgencia"),
    ("religacao", r"religa|religam|volta(r)? a (luz|energia)|quando (volta|religam)|paguei"),
    ("ligacao_nova", r"ligacao nova|nova ligacao|ligar (a )?energia (nova|pela primeira)"),
    ("verificacao_tensao", r"tensao|voltagem"),
    ("ressarcimento_danos", r"ressarc|queim|dano"),
    ("inspecao_medidor", r"aferi|inspec|vistoria|medidor"),
    ("reclamacao", r"reclama"),
    ("troca_modalidade", r"troca de (tarifa|modalidade)|mudar (de )?tarifa"),
)


def is_opt_out(norm: str) -> bool:
    return bool(_OPT_OUT.match(norm))


def is_opt_in(norm: str) -> bool:
    return bool(_OPT_IN.match(norm))


def request_type(norm: str) -> str | None:
    for key, pat in _REQUEST_TYPES:
        if re.search(pat, norm):
            return key
    return None


def mask_for_log(text: str, state: SessionState) -> str:
    return mask_confirmation(text) if state.awaiting == "cpf" else mask(text)


def apply_non_tool(deps: AssistantDeps, turn: _Turn, route: Route) -> None:
    intent = route.intent
    audience = turn.state.audience
    if intent == "greeting":
        turn.reply = t("chat.greeting") if audience == "customer" else t("copilot.greeting")
        turn.suggestions = default_suggestions(audience)
    elif intent == "capabilities":
        turn.reply = t("chat.capabilities") if audience == "customer" else t("copilot.capabilities")
        turn.suggestions = default_suggestions(audience)
    elif intent == "thanks":
        turn.reply = t("chat.thanks")
    elif intent == "out_of_scope":
        turn.refused = "out_of_scope"
        turn.reply = t("chat.out_of_scope") if audience == "customer" else t("copilot.out_of_scope")
    elif intent == "other_customer":
        turn.refused = "other_customer"
        turn.reply = (
            t("refusal.other_customer") if audience == "customer" else t("refusal.personal_data_operator")
        )
    elif intent == "write_request":
        turn.refused = "write_not_allowed"
        turn.reply = t("refusal.write_not_allowed")
    elif intent == "handoff_to_agent":
        reason = (
            "handoff.reason_topic" if _HUMAN_TOPIC.search(turn.text.lower()) else "handoff.reason_requested"
        )
        handoff(deps, turn, reason)


def dont_know(turn: _Turn, route: Route) -> None:
    """Honest "não sei" with a way forward (options and the human path)."""
    turn.state.failures += 1
    turn.reply = t("chat.dont_know")
    turn.suggestions = default_suggestions(turn.state.audience)
    if route.alternatives:
        alts = [t(f"intent.{i}") for i, _ in route.alternatives[:2] if has(f"intent.{i}")]
        turn.suggestions = alts + [t("suggest.agent")]


def handoff(deps: AssistantDeps, turn: _Turn, reason_key: str, priority: str = "normal") -> None:
    """Queue the conversation for a human with a summary; the copilot shows the queue.

    ``priority="urgent"`` (emergencies) is flagged in the summary for the queue to put first."""
    state = turn.state
    previous_calls = [
        c for h in state.history[-10:] if h.get("role") == "assistant" for c in h.get("tools", [])
    ]
    summary: dict[str, Any] = {
        "question": mask(turn.text),
        "reason": t(reason_key),
        "priority": priority,
        "identified": state.installation_id is not None,
        "identified_by": state.identified_by,
        "installation_id": state.installation_id,
        "channel": state.channel,
        "history": state.history[-10:],
        "last_intent": state.last_intent,
        "last_slots": state.last_slots,
        "tool_calls": previous_calls[-6:]
        + [{"name": c["name"], "arguments": c.get("arguments")} for c in turn.tool_calls],
        "last_detail": state.last_detail,
    }
    protocol = deps.sessions.add_handoff(state, reason_key, summary)
    prefix = f"{turn.reply}\n\n" if turn.reply else ""
    turn.reply = prefix + t("handoff.created", protocol=protocol)
    turn.handoff = True
    turn.handoff_priority = priority
    turn.intent = turn.intent or "handoff_to_agent"
    state.failures = 0


def default_suggestions(audience: str) -> list[str]:
    if audience == "operator":
        return [t("suggest.ranking"), t("suggest.exposure"), t("suggest.alarms"), t("suggest.completeness")]
    return [
        t("suggest.consumption_yesterday"),
        t("suggest.explain_bill"),
        t("suggest.compare_tariffs"),
        t("suggest.agent"),
    ]
