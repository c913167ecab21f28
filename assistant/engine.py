"""The assistant: identification, routing, tool calls, grounded pt-BR replies, handoff.

Size (over 600 lines): the order of one turn (opt-out, emergencies, identification, declines,
routing, slots, tools, answer) reads best in one place; each step calls its own module.

One engine serves customers and the operator copilot (``audience``). The default engine is
offline and deterministic (:class:`assistant.router.OfflineRouter` + catalogue templates);
an LLM engine (``assistant.llm``) may replace routing and phrasing when configured, over the
same tool registry and the same policy.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any

from assistant import (
    answers,
    answers_engagement,
    dialogue,
    identification,
    operator_answers,
    policy,
    render,
    service_requests,
)
from assistant.deps import AssistantDeps
from assistant.i18n import t
from assistant.operator_slots import known_places, operator_route, place_slots
from assistant.periods import invalid_date
from assistant.router import NON_TOOL_INTENTS, OfflineRouter, Route, neighbour_comparison
from assistant.session import SessionState
from assistant.text import normalize
from tools import registry
from tools.api import Scope, ToolContext, identity, run_tool
from tools.errors import ToolError
from tools.types import ToolResult, to_jsonable

log = logging.getLogger(__name__)

CUSTOMER_PERSONAL_TOOLS = frozenset(
    {
        "consumption_summary",
        "consumption_profile",
        "appliance_breakdown",
        "explain_bill",
        "forecast_bill",
        "compare_tariffs",
        "gd_credits",
        "continuity_indicators",
        "voltage_quality",
        "efficiency_tips",
        "deadline_status",
        "daily_digest",
        "goal_progress",
        "set_goal",
        "message_subscription",
        "challenge_status",
        "join_challenge",
    }
)
# tariff_flag works without identification (the month's flag) and adds the customer's effect when identified.
GENERAL_TOOLS = frozenset({"search_knowledge", "tariff_flag"})
_DETAIL_RE = re.compile(
    r"^(?:e )?(?:como (?:voce |vc )?(?:calculou|chegou (?:nisso|nesse valor|a esse valor|nesse numero)?|fez (?:a |essa |o |esse )?(?:conta|calculo))|"
    r"(?:me )?mostr\w* (?:o |a )?(?:calculo|conta que (?:voce )?fez)|(?:me )?(?:de |da |quero )?mais detalhes|"
    r"detalh\w*(?: isso| o calculo| a conta que voce fez| mais)?|explica melhor|explica o calculo|"
    r"de onde (?:saiu|veio|tirou) (?:esse|isso|esse valor|esse numero|o valor)(?: ai)?|"
    r"nao entendi(?: nada| o calculo| a conta| esse valor)?|nao ficou claro|como assim|pode explicar melhor|explica de novo)$"
)
_OPTION_1 = re.compile(r"^(?:a |o |opcao )?(?:1|primeir[oa]|um|a de cima)$")
_OPTION_2 = re.compile(r"^(?:a |o |opcao )?(?:2|segund[oa]|dois|a outra|a de baixo)$")
# "tá dando problema": the three problems people mean, with their quick-reply labels (policy.option.*).
_PROBLEM_OPTIONS = {
    "continuity_indicators": "no_power",
    "explain_bill": "bill_wrong",
    "voltage_quality": "weak_light",
}
# Confidence below which the classifier's guess is not used: a clarifying question or "não sei".
CLARIFY_BELOW = 0.2  # measured on the realistic dev set: wrong guesses sit above 0.25 (averaged model)
DONT_KNOW_BELOW = 0.12
LOGGED_TEXT_CHARS = 2000  # a message kept in the history and the audit log is cut here


def failure_text(exc: ToolError) -> str:
    """Why a tool could not answer, in plain words (a modality whose tariffs are not loaded is named)."""
    if exc.code == "error.tariff_not_found" and _has(
        f"error.tariff_not_found_modality.{exc.context.get('modality')}"
    ):
        return t(f"error.tariff_not_found_modality.{exc.context['modality']}")
    if exc.code == "error.query_not_allowed":
        ctx = {
            k: int(v) if isinstance(v, float) and v.is_integer() else v
            for k, v in exc.context.items()
            if isinstance(v, str | int | float)
        }
        reason = str(ctx.get("reason", ""))
        if reason == "unknown_column" and ctx.get("candidates"):
            reason = "unknown_column_hint"
        key = f"error.query_reason.{reason}"
        if _has(key):
            try:
                return t(key, **ctx)
            except KeyError:  # a context value missing: the general sentence
                pass
        return t("error.query_not_allowed")
    return t("chat.failure", reason=t(exc.code) if _has(exc.code) else t("error.tool"))


@dataclass
class ChatRequest:
    text: str
    session_id: str | None = None
    channel: str = "web"  # web | whatsapp | voice | rest | cli
    installation_id: str | None = None  # pre-identified by an integrator key
    phone: str | None = None  # channel-verified phone (WhatsApp "From")
    audience: str = "customer"  # customer | operator
    binding: str | None = None  # who may continue the session (channel + key/phone); None = in-process
    address: str | None = None  # caller's network address (identification attempts are limited per address)


@dataclass
class ChatResponse:
    session_id: str
    reply: str
    intent: str | None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    citations: list[dict[str, Any]] = field(default_factory=list)
    handoff: bool = False
    refused: str | None = None
    latency_ms: float = 0.0
    handoff_priority: str | None = None  # "urgent" (emergency) | "normal" when a handoff was queued
    suggestions: list[str] = field(default_factory=list)
    detail: str = ""
    identified: bool = False
    slots: dict[str, Any] = field(default_factory=dict)
    charts: list[dict[str, Any]] = field(default_factory=list)
    engine: str = "offline"
    awaiting: str | None = None  # identification step the next message answers: "installation" | "cpf" | None
    results: list[ToolResult[Any]] = field(default_factory=list, repr=False)  # typed results (not serialised)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = to_jsonable(self)
        out.pop("results", None)
        return out


@dataclass
class _Turn:
    """Mutable working state of one turn."""

    state: SessionState
    text: str
    intent: str | None = None
    slots: dict[str, Any] = field(default_factory=dict)
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    results: list[ToolResult[Any]] = field(default_factory=list)
    citations: list[dict[str, Any]] = field(default_factory=list)
    reply: str = ""
    detail: str = ""
    refused: str | None = None
    handoff: bool = False
    handoff_priority: str | None = None
    suggestions: list[str] = field(default_factory=list)
    charts: list[dict[str, Any]] = field(default_factory=list)
    engine: str = "offline"
    follow_up: str = (
        ""  # "" | "same" (same topic, new slots) | "topic" (new topic, previous period) | "repeat"
    )
    slot_text: str = ""  # text the slots are read from (the clarified question plus the answer)
    knowledge_query: str = ""  # the knowledge search run (a follow-up carries the conversation's topic)
    rule: str = ""  # the router rule that decided the intent ("" = the classifier)


class Assistant:
    """Customer assistant or operator copilot over the tool registry."""

    def __init__(self, deps: AssistantDeps, llm_model: Any = None) -> None:
        """``llm_model``: a LangChain chat model (tests pass a scripted fake); by default one is
        built from settings when ``SMARTMETER_ENGINE=llm``, else the offline engine is used."""
        self.deps = deps
        self._routers: dict[str, OfflineRouter] = {}
        self._llm_model = llm_model
        if llm_model is None and deps.settings.engine == "llm":
            from assistant.llm import LLMDisabled, build_model

            try:
                self._llm_model = build_model(deps.settings)
            except LLMDisabled:
                log.warning("llm.disabled_falling_back_to_offline")

    def router(self, audience: str) -> OfflineRouter:
        if audience not in self._routers:
            self._routers[audience] = OfflineRouter("operator" if audience == "operator" else "customer")
        return self._routers[audience]

    def warm_up(self, audience: str = "customer") -> None:
        """Start-up work done once, off the turn latency: train the router, open the knowledge index."""
        self.router(audience)
        try:
            self.deps.search_knowledge("tarifa branca", audience)
        except Exception:  # noqa: BLE001 - no index: "não sei" at question time, nothing to warm
            log.info("knowledge.warm_up_skipped")

    # ------------------------------------------------------------------ public
    def chat(self, req: ChatRequest) -> ChatResponse:
        t0 = time.perf_counter()
        state = self.deps.sessions.load(req.session_id, req.channel, req.audience, binding=req.binding)
        state.audience = req.audience
        state.address = req.address
        if req.phone and not state.phone:
            state.phone = req.phone
        turn = _Turn(state=state, text=req.text.strip())
        logged_text = policy.mask_for_log(req.text, state)[:LOGGED_TEXT_CHARS]  # before the turn: a CPF reply
        if req.installation_id and req.audience == "customer":
            identification.pre_identify(self.deps, state, req.installation_id)
        try:
            self._handle(turn)
        except ToolError as exc:  # defensive: never leak an exception text to a person
            turn.reply = failure_text(exc)
            state.failures += 1
        except Exception:  # a defect: logged with its traceback; the person gets a plain failure, not a 500
            log.exception("chat.turn_failed intent=%s", turn.intent)
            turn.reply, turn.tool_calls = t("chat.failure", reason=t("error.tool")), []
            state.failures += 1
        latency = (time.perf_counter() - t0) * 1000
        state.history.append({"role": "user", "text": logged_text, "intent": turn.intent})
        said: dict[str, Any] = {"role": "assistant", "text": turn.reply[:500]}
        if turn.tool_calls:  # for the handoff summary: which tools answered, with which arguments
            said["tools"] = [{"name": c["name"], "arguments": c.get("arguments")} for c in turn.tool_calls]
        state.history.append(said)
        if turn.detail:
            state.last_detail = turn.detail
        self.deps.sessions.save(state)
        resp = ChatResponse(
            session_id=state.session_id,
            reply=turn.reply,
            intent=turn.intent,
            tool_calls=turn.tool_calls,
            citations=turn.citations,
            handoff=turn.handoff,
            handoff_priority=turn.handoff_priority,
            refused=turn.refused,
            latency_ms=round(latency, 2),
            suggestions=turn.suggestions,
            detail=turn.detail,
            identified=state.installation_id is not None,
            slots=turn.slots,
            charts=turn.charts,
            engine=turn.engine,
            awaiting=None if state.installation_id else state.awaiting,
            results=turn.results,
        )
        self.deps.audit(req, resp, state, logged_text=logged_text)
        return resp

    # ------------------------------------------------------------------ turn handling
    def _handle(self, turn: _Turn) -> None:
        state = turn.state
        norm = normalize(turn.text)
        if state.audience == "customer":
            if policy.is_opt_out(norm):
                state.opted_out = True
                turn.intent, turn.reply = "opt_out", t("chat.opted_out")
                self._consents(turn, "stop_all")  # "parar" also revokes the proactive purposes (LGPD log)
                return
            if policy.is_opt_in(norm) and state.opted_out:
                state.opted_out = False
                turn.intent, turn.reply = "opt_in", t("chat.opted_in")
                self._consents(turn, "resume")  # what "parar" switched off, and only that
                return
            emergency = policy.emergency_kind(norm)
            if emergency:
                policy.emergency(self.deps, turn, emergency)
                return
            if identification.explicit_start(
                self.deps, turn, norm
            ) or identification.consume_identification_input(self.deps, turn, norm):
                if state.installation_id and state.pending_text:
                    pending, state.pending_text = state.pending_text, None
                    intro = turn.reply
                    sub = _Turn(state=state, text=pending)
                    self._answer(sub)
                    _merge(turn, sub, intro)
                return
        if state.audience == "customer":
            rule = self.router("customer").refusal_rule(turn.text, state.installation_id)
            found = policy.screen(norm, rule, raw=turn.text)
            if found is not None and found.action == "emergency":  # seen only on the uncorrected spelling
                policy.emergency(self.deps, turn, found.kind)
                return
            if found is not None:
                policy.decline(turn, found)
                return
        if state.audience == "customer" and service_requests.answer_pending(self, turn, norm):
            return  # the answer to a proposed service request: "sim" opens it, "não" cancels
        if state.clarify_options:
            options, original = state.clarify_options, state.clarify_text or ""
            state.clarify_options, state.clarify_text = [], None
            choice = self._pick_option(norm, options)
            if choice:
                turn.slot_text = f"{original} {turn.text}".strip()
                self._answer(turn, Route(choice, 1.0, rule="clarified"))
                return
        if _DETAIL_RE.search(norm) and (
            state.last_detail or (len(norm.split()) <= 4 and not re.search(r"\b(?:conta|fatura)\b", norm))
        ):  # "não entendi a conta" with nothing calculated yet is about the bill
            turn.intent = "show_detail"
            turn.reply = render.fit(state.last_detail) if state.last_detail else t("chat.no_previous")
            return
        if state.audience == "customer" and self._answer_both(turn):
            return
        self._answer(turn)

    def _consents(self, turn: _Turn, action: str) -> None:
        """Record "parar" / "voltar" in the consent log: the identified installation, or the one
        registered to the phone the channel verified (stopping messages needs no identification)."""
        state = turn.state
        inst = state.installation_id
        if inst is None and state.phone and state.channel == "whatsapp":
            inst = identity.installation_for_phone(self.deps.store, state.phone)
        if inst is None:
            return
        ctx = ToolContext(
            store=self.deps.store,
            scope=Scope.customer(inst),
            today=self.deps.data_today(),
            channel=state.channel,
        )
        try:
            result = run_tool("message_subscription", ctx, inst, {"action": action})
        except ToolError:
            log.warning("consent.%s_failed", action)
            return
        turn.tool_calls.append(
            {"name": "message_subscription", "arguments": {"action": action}, "result": result.to_dict()}
        )
        if result.value.purposes:
            names = [t(f"engagement.purpose.{p}") for p in result.value.purposes]
            key = "engagement.stopped" if action == "stop_all" else "engagement.resumed"
            turn.reply = f"{turn.reply} {t(key, purposes=answers_engagement.join_and(names))}"

    def _answer_both(self, turn: _Turn) -> bool:
        """Two questions in one message ("quanto gastei em outubro e quando vence a conta?"): when each
        part alone routes confidently to a different tool, answer both, the first part first."""
        parts = dialogue.split_questions(turn.text)
        if len(parts) != 2:
            return False
        router = self.router("customer")
        routes = [router.route(p, own_installation=turn.state.installation_id) for p in parts]
        intents = [r.intent for r in routes]
        if (
            intents[0] == intents[1]
            or any(i not in registry.names("customer") or i == "search_knowledge" for i in intents)
            or any(r.confidence < 0.4 and not r.rule for r in routes)
        ):
            return False
        first, second = _Turn(state=turn.state, text=parts[0]), _Turn(state=turn.state, text=parts[1])
        self._answer(first, routes[0])
        if not first.tool_calls:  # identification asked, a failure...: that answer alone
            _merge(turn, first, "")
            return True
        self._answer(second, routes[1])
        _merge(turn, first, "")
        turn.tool_calls += second.tool_calls
        turn.results += second.results
        turn.citations += second.citations
        turn.charts += second.charts
        turn.reply = render.fit("\n\n".join(x for x in (first.reply, second.reply) if x))
        turn.detail = "\n\n".join(x for x in (first.detail, second.detail) if x)
        return True

    def _answer(self, turn: _Turn, forced: Route | None = None) -> None:
        state = turn.state
        if forced is not None:
            route = forced
        else:
            route = self.router(state.audience).route(turn.text, own_installation=state.installation_id)
            route, turn.follow_up = dialogue.resolve(turn.text, route, state, self.deps.data_today())
            if state.audience == "operator":
                route = operator_route(turn.text, route)
        turn.intent, turn.rule = route.intent, route.rule
        if route.intent == service_requests.INTENT:
            service_requests.propose(self, turn)
            return
        if route.intent == "clarify":
            if route.rule == "vague_problem":
                self._clarify(turn, list(_PROBLEM_OPTIONS), question="policy.clarify.problem")
                return
            self._clarify(
                turn,
                ["consumption_summary", "explain_bill"] if state.audience == "customer" else [],
                open_question=True,
            )
            return
        if route.intent in NON_TOOL_INTENTS or route.intent == "handoff_to_agent":
            policy.apply_non_tool(self.deps, turn, route)
            return
        if not route.rule and route.confidence < CLARIFY_BELOW:
            # one clarifying question with the likeliest two or three readings, never a bare "não sei"
            alts = [i for i, p in route.alternatives if p >= 0.4 * route.confidence]
            options = [route.intent] + [
                i for i in alts if i not in NON_TOOL_INTENTS and i != "handoff_to_agent"
            ]
            if len(options) >= 2 or route.confidence < DONT_KNOW_BELOW:
                self._clarify(turn, options[:3] if len(options) >= 2 else [], open_question=len(options) < 2)
                return
        if state.audience == "customer" and route.intent in CUSTOMER_PERSONAL_TOOLS | GENERAL_TOOLS - {
            "search_knowledge"
        }:
            bad = invalid_date(turn.slot_text or turn.text, self.deps.data_today())
            if bad:  # "dia 30 de fevereiro", "conta de janeiro de 1970": say so, never answer another date
                turn.reply = t("policy.date.invalid", what=bad)
                turn.suggestions = policy.default_suggestions("customer")
                return
        turn.slots = dialogue.slots_for(
            turn.slot_text or turn.text, route.intent, state, turn.follow_up, self.deps.data_today()
        )
        if route.intent == "set_goal" and "amount" not in turn.slots:  # "quero uma meta": which one?
            turn.reply = t("engagement.ask_amount")
            turn.suggestions = [t("engagement.suggest.goal_brl"), t("engagement.suggest.goal_kwh")]
            return
        if state.audience == "operator":  # the municipality filter, from the store's register
            turn.slots.update(
                place_slots(turn.slot_text or turn.text, route.intent, known_places(self.deps.store))
            )
        if route.intent == "sql_query" and "sql" not in turn.slots and self._llm_model is None:
            # no SQL written and no template for it: the next tool the classifier saw answers instead
            # ("consulta sql com o total de kwh por alimentador" → fleet consumption by feeder)
            fallback = next(
                (
                    i
                    for i, _ in route.alternatives
                    if i in registry.names("operator") and i not in ("sql_query", "search_knowledge")
                ),
                None,
            )
            if fallback is None:
                policy.dont_know(turn, route)
                return
            route = Route(fallback, route.confidence, rule="sql_fallback", alternatives=route.alternatives)
            turn.intent = route.intent
            turn.slots = dialogue.slots_for(
                turn.slot_text or turn.text, route.intent, state, turn.follow_up, self.deps.data_today()
            )
            turn.slots.update(
                place_slots(turn.slot_text or turn.text, route.intent, known_places(self.deps.store))
            )
        if (
            state.audience == "customer"
            and not state.installation_id
            and route.intent == "tariff_flag"
            and ("period" not in turn.slots)
        ):  # a general flag question before identification: the rule, not the customer's effect
            route = Route("search_knowledge", route.confidence, rule="flag_rule")
            turn.intent = route.intent
        if (
            state.audience == "customer"
            and route.intent in CUSTOMER_PERSONAL_TOOLS
            and not state.installation_id
        ):
            identification.start(self.deps, turn)
            return
        if not (self._llm_model is not None and self._llm_turn(turn, route.intent)):
            self._call_tools(turn, route.intent)
        if state.audience == "customer" and turn.results and neighbour_comparison(normalize(turn.text)):
            turn.reply = f"{t('policy.neighbour.note')}\n\n{turn.reply}"
        if turn.results and not any(r.disqualified for r in turn.results):
            state.failures = 0
        intent = turn.intent if turn.intent in registry.names() else route.intent
        month = (
            _value_field(turn.results[0], "bill_month") if intent == "explain_bill" and turn.results else None
        )
        dialogue.remember(state, intent, turn.slots, turn.knowledge_query or turn.text, month)

    def _clarify(
        self, turn: _Turn, options: list[str], open_question: bool = False, question: str = ""
    ) -> None:
        """Ask instead of guessing, with two or three quick replies; the next message picks an option
        (or asks something else)."""
        state = turn.state
        turn.intent = "clarify"
        labels = [t(f"intent.{o}") for o in options if _has(f"intent.{o}")]
        if question:
            turn.reply = t(question)
            turn.suggestions = [t(f"policy.option.{_PROBLEM_OPTIONS[o]}") for o in options] + [
                t("policy.option.agent")
            ]
        elif open_question or len(labels) < 2:
            turn.reply = t("chat.clarify_open") if state.audience == "customer" else t("copilot.clarify_open")
            turn.suggestions = policy.default_suggestions(state.audience)
        elif len(labels) == 2:
            turn.reply = t("chat.clarify", option_a=labels[0], option_b=labels[1])
            turn.suggestions = [label[:1].upper() + label[1:] for label in labels]
        else:
            turn.reply = t("policy.clarify.three", option_a=labels[0], option_b=labels[1], option_c=labels[2])
            turn.suggestions = [label[:1].upper() + label[1:] for label in labels]
        state.clarify_options = list(options)
        state.clarify_text = turn.text

    def _pick_option(self, norm: str, options: list[str]) -> str | None:
        """The option a reply to a clarifying question picks ("a primeira", "o consumo", "2"), or None."""
        if not options:
            return None
        if _OPTION_1.match(norm):
            return options[0]
        if _OPTION_2.match(norm) and len(options) > 1:
            return options[1]
        if len(norm.split()) > 6:
            return None
        route = self.router("customer" if options[0] in registry.names("customer") else "operator").route(
            norm
        )
        if route.intent in options:
            return route.intent
        for option in options:
            label = normalize(t(f"intent.{option}")) if _has(f"intent.{option}") else ""
            keys = [w for w in label.split() if len(w) >= 5 and w not in ("sobre", "sua", "seu")]
            if any(k in norm for k in keys):
                return option
        return None

    # ------------------------------------------------------------------ tools
    def _call_tools(self, turn: _Turn, intent: str) -> None:
        if intent == "search_knowledge":
            turn.knowledge_query = dialogue.knowledge_query(turn.text, turn.state, turn.follow_up, turn.rule)
            self._knowledge(turn, turn.knowledge_query)
            return
        if turn.state.audience == "operator" and operator_answers.handles(intent, turn.slots):
            reply, detail, charts, _ = operator_answers.answer(
                intent, turn.slots, lambda slots: self._run(turn, intent, slots)
            )
            if reply:
                turn.reply, turn.detail, turn.charts = reply, detail, charts
                turn.citations.extend(render.citations_of(turn.results))
                turn.suggestions = render.suggestions_for(intent, "operator")
                if any(r.disqualified for r in turn.results):
                    turn.state.failures += 1
            return
        periods = turn.slots.get("period")
        if isinstance(periods, list):
            calls = [dict(turn.slots, period=p) for p in periods]
        else:
            calls = [turn.slots]
        for slots in calls:
            result = self._run(turn, intent, slots)
            if result is None:
                return
        reply, detail, charts = answers.compose(
            intent, turn.results, turn.text, turn.slots, self.deps.data_today(), turn.state.audience
        )
        turn.reply, turn.detail, turn.charts = reply, detail, charts
        turn.citations.extend(render.citations_of(turn.results))
        if any(r.disqualified for r in turn.results):
            turn.state.failures += 1
        turn.suggestions = render.suggestions_for(intent, turn.state.audience)

    def _run(self, turn: _Turn, intent: str, slots: dict[str, Any]) -> ToolResult[Any] | None:
        state = turn.state
        try:
            spec = registry.get(intent)
        except ToolError:
            policy.dont_know(turn, Route(intent, 0.0))
            return None
        args = {k: v for k, v in slots.items() if k in spec.args_model.model_fields}
        ctx = self._scope_ctx(state)
        inst = (state.installation_id or slots.get("installation_id")) if spec.needs_installation else None
        call: dict[str, Any] = {"name": intent, "arguments": args}
        t0 = time.perf_counter()
        try:
            result = run_tool(intent, ctx, inst, args)
        except ToolError as exc:
            call["latency_ms"] = round((time.perf_counter() - t0) * 1000, 2)
            call["error"] = exc.code
            turn.tool_calls.append(call)
            state.failures += 1
            turn.reply = failure_text(exc)
            if state.failures >= 3:
                policy.handoff(self.deps, turn, "handoff.reason_failures")
            return None
        call["latency_ms"] = round((time.perf_counter() - t0) * 1000, 2)
        call["result"] = result.to_dict()
        turn.tool_calls.append(call)
        turn.results.append(result)
        return result

    def _scope_ctx(self, state: SessionState) -> ToolContext:
        scope = (
            Scope.operator()
            if state.audience == "operator"
            else (Scope.customer(state.installation_id) if state.installation_id else Scope.anonymous())
        )
        return ToolContext(
            store=self.deps.store,
            scope=scope,
            today=self.deps.data_today(),
            now=self.deps.now(),
            channel=state.channel,
        )

    def _llm_turn(self, turn: _Turn, intent: str) -> bool:
        """LLM routes and phrases; tools compute. False → the caller uses the offline path."""
        from assistant.llm import LLMEngine, grounded

        state = turn.state
        ctx = self._scope_ctx(state)

        def run(name: str, args: dict[str, Any]) -> ToolResult[Any]:
            spec = registry.get(name)
            return run_tool(name, ctx, state.installation_id if spec.needs_installation else None, args)

        def knowledge(query: str) -> ToolResult[Any] | None:
            return self.deps.search_knowledge(query, state.audience)

        try:
            reply, sink = LLMEngine(self._llm_model, state.audience).run(turn.text, run, knowledge=knowledge)
        except Exception:  # endpoint down, malformed tool call...: fall back, never fail the turn
            log.warning("llm.turn_failed", exc_info=True)
            return False
        for name, args, res in sink:
            call: dict[str, Any] = {"name": name, "arguments": args}
            if isinstance(res, ToolResult):
                call["result"] = res.to_dict()
                turn.results.append(res)
            else:
                call["error"] = res
            turn.tool_calls.append(call)
        if not turn.results:
            turn.tool_calls.clear()
            return False
        first = next(c["name"] for c in turn.tool_calls if "result" in c)
        turn.intent = first
        turn.citations.extend(render.citations_of(turn.results))
        if grounded(reply, sink, turn.text):
            turn.reply, turn.engine = render.fit(reply), "llm"
            turn.detail = "\n\n".join(render.trail_text(r.trail) for r in turn.results if r.trail)
        else:
            self._template_reply(turn)
            turn.engine = "llm+template"
        turn.suggestions = render.suggestions_for(first, state.audience)
        return True

    def _template_reply(self, turn: _Turn) -> None:
        """The catalogue reply for whatever tools the model called (each result by its own tool)."""
        by_tool: dict[str, list[ToolResult[Any]]] = {}
        for r in turn.results:
            by_tool.setdefault(r.tool, []).append(r)
        parts, details = [], []
        for tool, results in by_tool.items():
            if tool == "search_knowledge":
                text, cites = render.knowledge_reply(results[0])
                parts.append(text)
                turn.citations = cites or turn.citations
                continue
            text, detail, charts = render.render(tool, results, turn.slots, self.deps.data_today())
            parts.append(text)
            details.append(detail)
            turn.charts.extend(charts)
        turn.reply = render.fit("\n\n".join(p for p in parts if p))
        turn.detail = "\n\n".join(d for d in details if d)

    def _knowledge(self, turn: _Turn, query: str) -> None:
        t0 = time.perf_counter()
        result = self.deps.search_knowledge(query, turn.state.audience)
        call: dict[str, Any] = {
            "name": "search_knowledge",
            "arguments": {"query": query},
            "latency_ms": round((time.perf_counter() - t0) * 1000, 2),
        }
        if result is None:
            policy.dont_know(turn, Route("search_knowledge", 0.0))
            return
        call["result"] = result.to_dict()
        turn.tool_calls.append(call)
        turn.results.append(result)
        turn.reply, turn.citations = render.knowledge_reply(result, turn.text)
        if not turn.citations:
            policy.dont_know(turn, Route("search_knowledge", 0.0))
            return
        turn.suggestions = render.suggestions_for("search_knowledge", turn.state.audience)


def _value_field(result: ToolResult[Any], name: str) -> Any:
    value = result.value
    if isinstance(value, dict):
        return value.get(name)
    return getattr(value, name, None)


def _has(key: str) -> bool:
    from assistant.i18n import has

    return has(key)


def _merge(turn: _Turn, sub: _Turn, intro: str) -> None:
    turn.intent = sub.intent
    turn.slots = sub.slots
    turn.tool_calls = sub.tool_calls
    turn.results = sub.results
    turn.citations = sub.citations
    turn.reply = (f"{intro}\n\n{sub.reply}" if intro else sub.reply) if sub.reply else intro
    turn.detail = sub.detail
    turn.refused = sub.refused
    turn.handoff = sub.handoff
    turn.handoff_priority = sub.handoff_priority
    turn.suggestions = sub.suggestions
    turn.charts = sub.charts
