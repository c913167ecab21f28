"""Service requests opened from the conversation, only with the customer's explicit "sim" (issue 21).

1. The customer asks for one ("quero abrir uma reclamação da tensão", "pede a religação pra mim"):
   the router's ``open_request`` rule (:func:`assistant.slots.asked_request_type`) sends the turn to :func:`propose`, which
   runs ``service_request_preview`` (the deadline and the evidence: the meter's DRP/DRC weeks, the
   tariff comparison) and asks "Posso abrir ...? Responda sim para confirmar". The proposal is kept
   as the session's ``pending_action`` (with a server-issued key).
2. The next message: an explicit yes (:func:`is_yes`: sim, pode, confirmo, isso...) runs
   ``open_service_request`` with that key (a repeated "sim" never opens two requests) and replies
   with the protocol and the deadline first; "não" cancels; a bare "ok" asks once more; anything
   else is a new question: the proposal is dropped and nothing is created.

Numbers and dates come from the tools' results; sentences from ``messages/pt_BR/service.toml``.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from assistant import dialogue, identification
from assistant.i18n import has, t
from assistant.masking import mask
from assistant.periods import extract_period
from assistant.render import citations_of, fit, fmt_value
from assistant.slots import asked_request_type, extract_appliance
from assistant.text import normalize
from tools.api.vocabulary import request_types as rt

if TYPE_CHECKING:
    from assistant.engine import Assistant, _Turn

INTENT = "open_service_request"
PREVIEW_TOOL = "service_request_preview"
OPEN_TOOL = "open_service_request"
_CHANNELS = frozenset({"whatsapp", "web", "voice", "rest", "cli", "copilot"})

# ------------------------------------------------------------------------------ the answer to a proposal

_YES_FIRST = frozenset(
    "sim s ss pode confirmo confirmado confirma isso exato claro positivo certo uhum aham yes abre abra "
    "fechou perfeito fechado bora manda quero".split()
)
_YES_WORDS = _YES_FIRST | frozenset(
    "mesmo ai favor por pfv pf obrigado obrigada valeu vlw ver fazer pedir mandar ser que com certeza bom "
    "abrir o a pedido reclamacao confirmar vai la entao pode sim isso claro por favor tudo certo".split()
)
_NO_FIRST = frozenset("nao n nem negativo deixa esquece cancela cancelar agora melhor".split())
_ACK = frozenset("ok okay blz beleza ta entendi hmm hum certo legal".split())


def _words(norm: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", norm)


def is_yes(norm: str) -> bool:
    """An explicit yes: "sim", "pode", "confirmo", "isso mesmo, pode abrir"... (never with a "não")."""
    words = _words(norm)
    return (
        0 < len(words) <= 8
        and words[0] in _YES_FIRST
        and all(w in _YES_WORDS for w in words)
        and "nao" not in words
    )


def is_no(norm: str) -> bool:
    words = _words(norm)
    return 0 < len(words) <= 8 and (words[0] in _NO_FIRST and (words[0] not in ("agora", "melhor") or "nao" in words))


def _is_ack(norm: str) -> bool:
    words = _words(norm)
    return 0 < len(words) <= 2 and all(w in _ACK for w in words)


# ------------------------------------------------------------------------------ formatting


def _date(x: Any) -> str:
    return fmt_value(dt.date.fromisoformat(x) if isinstance(x, str) else x)


def _moment(x: dt.datetime) -> str:
    return f"{x:%d/%m/%Y} às {x:%H}h{x:%M}"


def _pct(x: Any) -> str:
    return fmt_value(Decimal(str(x)), "%")


def _name(rtype: str) -> str:
    return t(f"service.name.{rtype}") if has(f"service.name.{rtype}") else t(f"deadlines.request_type.{rtype}")


def _article(v: Any) -> str:
    return str(v.article).replace("§ 1,", "§ 1º,")


def _proposal(v: Any) -> str:
    ev = v.evidence
    key = f"service.propose.{v.request_type}"
    common = {"due": _date(v.due_date), "due_time": _moment(v.due_at), "article": _article(v)}
    if v.request_type == rt.VOLTAGE_COMPLAINT:
        if not ev.get("weeks"):
            return t(key + "_no_evidence", **common)
        return t(
            key,
            start=_date(ev["start"]),
            end=_date(ev["end"]),
            drp=_pct(ev["drp_pct"]),
            drc=_pct(ev["drc_pct"]),
            drp_lim=_pct(ev["drp_lim_pct"]),
            drc_lim=_pct(ev["drc_lim_pct"]),
            **common,
        )
    if v.request_type == rt.MODALITY_CHANGE:
        current, target = ev["current_modality"], ev["target_modality"]
        names = {"current": t(f"service.modality.{current}"), "target": t(f"service.modality.{target}")}
        if ev.get("convencional_rs") is None:
            return t(key + "_no_evidence", **names, **common)
        target_rs, current_rs = Decimal(ev[f"{target}_rs"]), Decimal(ev[f"{current}_rs"])
        text = t(
            key,
            months=ev["months"],
            window_start=_date(ev["window_start"]),
            window_end=_date(ev["window_end"]),
            target_rs=fmt_value(target_rs, "R$"),
            current_rs=fmt_value(current_rs, "R$"),
            **names,
            **common,
        )
        return f"{text} {t('service.propose.comparison_note', **names)}" if target_rs > current_rs else text
    if v.request_type == rt.DAMAGE_CLAIM:
        follow = next((f for f in v.follow_ups if f.request_type.startswith(rt.DAMAGE_VISIT)), None)
        cold = follow is not None and follow.request_type == rt.DAMAGE_VISIT_REFRIGERATION
        return t(key + ("_refrigeracao" if cold else ""), verification_due=_date(follow.due_date) if follow else "—",
                 **common)
    return t(key, **common)


def _opened(v: Any) -> str:
    name = _name(v.request_type)
    if not v.created:
        parts = [t("service.opened.again", protocol=v.protocol, due=_date(v.due_date))]
    elif v.deadline_unit == "hours":
        parts = [t("service.opened.hours", name=name, protocol=v.protocol, due_time=_moment(v.due_at),
                   article=_article(v))]
    else:
        parts = [t("service.opened.days", name=name, protocol=v.protocol, due=_date(v.due_date), article=_article(v))]
    for f in v.follow_ups:
        if f.request_type == rt.VOLTAGE_MEASUREMENT_168H:
            parts.append(t("service.opened.follow_verificacao_tensao", follow_due=_date(f.due_date)))
        elif f.request_type.startswith(rt.DAMAGE_VISIT):
            parts.append(t("service.opened.follow_ressarcimento", follow_due=_date(f.due_date)))
    if v.request_type == rt.VOLTAGE_COMPLAINT and v.evidence.get("weeks"):
        parts.append(t("deadlines.issue.meter_indicative"))
    if v.request_type in (rt.DAMAGE_CLAIM, rt.DAMAGE_CLAIM_LATE):
        parts.append(t("service.opened.describe_ressarcimento"))
        parts.append(t("service.opened.reference_note"))
    if v.request_type == rt.MODALITY_CHANGE and v.evidence.get("target_modality") == "branca":
        parts.append(t("service.opened.branca_notes"))
    parts.append(t("service.opened.later"))
    return fit(" ".join(parts[:1]) + ("\n\n" + " ".join(parts[1:]) if len(parts) > 1 else ""))


# ------------------------------------------------------------------------------ the turn


def propose(bot: Assistant, turn: _Turn) -> None:
    """Run the preview and ask the customer to confirm (or say why it cannot be opened)."""
    state = turn.state
    turn.intent = INTENT
    rtype = asked_request_type(normalize(turn.text))
    if rtype is None:  # routed here by the classifier without a recognisable request: ask, never guess
        turn.intent = "clarify"
        turn.reply = t("chat.clarify_open")
        return
    if not state.installation_id:
        identification.start(bot.deps, turn)
        return
    args: dict[str, Any] = {"request_type": rtype, "channel": _channel(state.channel)}
    if rtype == rt.VOLTAGE_COMPLAINT:
        period = extract_period(turn.text, bot.deps.data_today())
        if isinstance(period, str | dict):
            args["period"] = period
    if rtype == rt.DAMAGE_CLAIM:
        args["description"] = mask(turn.text)[:500]
        args["refrigerated"] = extract_appliance(turn.text) == "refrigeration"
    result = bot._run(turn, PREVIEW_TOOL, args)
    if result is None:
        return
    v = result.value
    if not v.eligible:
        turn.reply = t(str(v.refusal))
        return
    turn.citations.extend(citations_of(turn.results))
    state.pending_action = {"id": secrets.token_urlsafe(12), "tool": OPEN_TOOL, "args": args}
    turn.reply = fit(f"{_proposal(v)}\n\n{t('service.propose.confirm_hint')}")
    turn.suggestions = [t("service.yes"), t("service.no")]


def answer_pending(bot: Assistant, turn: _Turn, norm: str) -> bool:
    """The reply to a pending proposal: yes opens it, no cancels; True when this turn was handled."""
    state = turn.state
    pending = state.pending_action
    if not pending:
        return False
    if is_yes(norm):
        state.pending_action = None
        turn.intent = INTENT
        args = dict(pending["args"], source_key=pending["id"])
        result = bot._run(turn, OPEN_TOOL, args)
        if result is None:
            return True
        v = result.value
        if not v.eligible or v.protocol is None:
            turn.reply = t(str(v.refusal)) if v.refusal else t("error.tool")
            return True
        turn.reply = _opened(v)
        turn.citations.extend(citations_of(turn.results))
        dialogue.remember(state, "deadline_status", {"request_id": v.protocol}, turn.text)
        return True
    if is_no(norm):
        state.pending_action = None
        turn.intent = INTENT
        turn.reply = t("service.cancelled")
        return True
    if _is_ack(norm):
        turn.intent = INTENT
        turn.reply = t("service.propose.confirm_hint")
        turn.suggestions = [t("service.yes"), t("service.no")]
        return True
    state.pending_action = None  # another question: the proposal is dropped, nothing is created
    return False


def _channel(channel: str | None) -> str:
    return channel if channel in _CHANNELS else "web"
