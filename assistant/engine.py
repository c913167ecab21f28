"""The assistant: identification, routing, tool calls, grounded pt-BR replies, handoff.

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

from assistant import identification, operator_answers, policy, render
from assistant.deps import AssistantDeps
from assistant.i18n import t
from assistant.operator_slots import extract_operator_slots, known_places, operator_route
from assistant.router import NON_TOOL_INTENTS, OfflineRouter, Route, in_domain
from assistant.session import SessionState
from assistant.slots import (
    extract_appliance,
    extract_compare,
    extract_period,
    extract_shift,
    extract_shift_pct,
    previous_period,
)
from assistant.text import normalize
from tools import registry
from tools.api import Scope, ToolContext, run_tool
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
_FOLLOW_UP_RE = re.compile(r"^(?:e|mas e|e quanto|e sobre|tambem|agora|e agora|e ja)\b")
_PREVIOUS_RE = re.compile(r"\b(?:anterior|antes disso|antes desse|antes dessa|de antes|retrasad\w*)\b")
_OPTION_1 = re.compile(r"^(?:a |o |opcao )?(?:1|primeir[oa]|um|a de cima)$")
_OPTION_2 = re.compile(r"^(?:a |o |opcao )?(?:2|segund[oa]|dois|a outra|a de baixo)$")
# Confidence below which the classifier's guess is not used: a clarifying question or "não sei".
CLARIFY_BELOW = 0.3
DONT_KNOW_BELOW = 0.2


@dataclass
class ChatRequest:
    text: str
    session_id: str | None = None
    channel: str = "web"  # web | whatsapp | rest | cli
    installation_id: str | None = None  # pre-identified by an integrator key
    phone: str | None = None  # channel-verified phone (WhatsApp "From")
    audience: str = "customer"  # customer | operator


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
    suggestions: list[str] = field(default_factory=list)
    detail: str = ""
    identified: bool = False
    slots: dict[str, Any] = field(default_factory=dict)
    charts: list[dict[str, Any]] = field(default_factory=list)
    engine: str = "offline"
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
    suggestions: list[str] = field(default_factory=list)
    charts: list[dict[str, Any]] = field(default_factory=list)
    engine: str = "offline"
    follow_up: str = (
        ""  # "" | "same" (same topic, new slots) | "topic" (new topic, previous period) | "repeat"
    )
    slot_text: str = ""  # text the slots are read from (the clarified question plus the answer)


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
        state = self.deps.sessions.load(req.session_id, req.channel, req.audience)
        state.audience = req.audience
        if req.phone and not state.phone:
            state.phone = req.phone
        turn = _Turn(state=state, text=req.text.strip())
        if req.installation_id and req.audience == "customer":
            identification.pre_identify(self.deps, state, req.installation_id)
        try:
            self._handle(turn)
        except ToolError as exc:  # defensive: never leak an exception text to a person
            turn.reply = t("chat.failure", reason=t(exc.code) if _has(exc.code) else t("error.tool"))
            state.failures += 1
        latency = (time.perf_counter() - t0) * 1000
        state.history.append(
            {"role": "user", "text": policy.mask_for_log(req.text, state), "intent": turn.intent}
        )
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
            refused=turn.refused,
            latency_ms=round(latency, 2),
            suggestions=turn.suggestions,
            detail=turn.detail,
            identified=state.installation_id is not None,
            slots=turn.slots,
            charts=turn.charts,
            engine=turn.engine,
            results=turn.results,
        )
        self.deps.audit(req, resp, state)
        return resp

    # ------------------------------------------------------------------ turn handling
    def _handle(self, turn: _Turn) -> None:
        state = turn.state
        norm = normalize(turn.text)
        if state.audience == "customer":
            if policy.is_opt_out(norm):
                state.opted_out = True
                turn.intent, turn.reply = "opt_out", t("chat.opted_out")
                return
            if policy.is_opt_in(norm) and state.opted_out:
                state.opted_out = False
                turn.intent, turn.reply = "opt_in", t("chat.opted_in")
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
        if state.clarify_options:
            options, original = state.clarify_options, state.clarify_text or ""
            state.clarify_options, state.clarify_text = [], None
            choice = self._pick_option(norm, options)
            if choice:
                turn.slot_text = f"{original} {turn.text}".strip()
                self._answer(turn, Route(choice, 1.0, rule="clarified"))
                return
        if _DETAIL_RE.search(norm) and (state.last_detail or len(norm.split()) <= 4):
            turn.intent = "show_detail"
            turn.reply = render.fit(state.last_detail) if state.last_detail else t("chat.no_previous")
            return
        self._answer(turn)

    def _answer(self, turn: _Turn, forced: Route | None = None) -> None:
        state = turn.state
        if forced is not None:
            route = forced
        else:
            route = self.router(state.audience).route(turn.text, own_installation=state.installation_id)
            route = self._follow_up(turn, route)
            if state.audience == "operator":
                route = operator_route(turn.text, route)
        turn.intent = route.intent
        if route.intent == "clarify":
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
            alt = next((i for i, p in route.alternatives if p >= 0.5 * route.confidence), None)
            if alt and alt not in NON_TOOL_INTENTS and alt != "handoff_to_agent":
                self._clarify(turn, [route.intent, alt])
                return
            if route.confidence < DONT_KNOW_BELOW:
                policy.dont_know(turn, route)
                return
        turn.slots = self._slots(turn.slot_text or turn.text, route.intent, state, turn.follow_up)
        if route.intent == "sql_query" and "sql" not in turn.slots and self._llm_model is None:
            policy.dont_know(turn, route)
            return
        if (
            state.audience == "customer"
            and route.intent in CUSTOMER_PERSONAL_TOOLS
            and not state.installation_id
        ):
            identification.start(self.deps, turn)
            return
        if not (self._llm_model is not None and self._llm_turn(turn, route.intent)):
            self._call_tools(turn, route.intent)
        if turn.results and not any(r.disqualified for r in turn.results):
            state.failures = 0
        state.last_intent = turn.intent if turn.intent in registry.names() else route.intent
        state.last_slots = dict(turn.slots)
        if route.intent == "explain_bill" and turn.results:
            month = _value_field(turn.results[0], "bill_month")
            if isinstance(month, str) and re.fullmatch(r"\d{4}-\d{2}", month):
                state.last_slots["reference"] = month

    def _clarify(self, turn: _Turn, options: list[str], open_question: bool = False) -> None:
        """Ask instead of guessing; the next message picks an option (or asks something else)."""
        state = turn.state
        turn.intent = "clarify"
        labels = [t(f"intent.{o}") for o in options if _has(f"intent.{o}")]
        if open_question or len(labels) < 2:
            turn.reply = t("chat.clarify_open") if state.audience == "customer" else t("copilot.clarify_open")
            turn.suggestions = policy.default_suggestions(state.audience)
        else:
            turn.reply = t("chat.clarify", option_a=labels[0], option_b=labels[1])
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

    def _follow_up(self, turn: _Turn, route: Route) -> Route:
        """Multi-turn follow-ups: "e em agosto?", "e no mês anterior?", "e a de setembro?", "e a geladeira?".

        Short messages that name a new period/appliance but no topic reuse the previous intent
        (``same``); ones that name a new topic keep the previous period (``topic``); content-free
        ones ("e aí, quanto foi?") repeat the previous answer's topic (``repeat``).
        """
        state = turn.state
        last = state.last_intent
        if not last or last in NON_TOOL_INTENTS or last in ("handoff_to_agent", "search_knowledge"):
            return route
        if route.rule and route.intent in ("other_customer", "write_request"):
            return route
        if route.rule == "content_free":
            turn.follow_up = "repeat"
            return Route(last, 1.0, rule="follow_up")
        norm = normalize(turn.text)
        words = norm.split()
        cue = bool(_FOLLOW_UP_RE.search(norm))
        if last == "compare_tariffs" and (cue or len(words) <= 12) and extract_shift(turn.text):
            turn.follow_up = "same"  # "e se eu tirar o chuveiro da ponta?": the what-if of the comparison
            return Route(last, 1.0, rule="follow_up")
        if len(words) > 8 or not (
            cue or route.rule == "no_domain_term" or (route.confidence < 0.5 and not route.rule)
        ):
            return route
        today = self.deps.data_today()
        period = extract_period(turn.text, today)
        appliance = extract_appliance(turn.text)
        previous = bool(_PREVIOUS_RE.search(norm))
        topic = (
            in_domain(re.sub(r"\b(?:conta|fatura) anterior\b", "", norm))
            and route.intent not in NON_TOOL_INTENTS
        )
        if topic and route.intent != last and route.intent != "handoff_to_agent" and appliance is None:
            if cue and state.last_slots.get("period") is not None and period is None:
                turn.follow_up = "topic"
                return Route(route.intent, max(route.confidence, 0.5), rule="follow_up_topic")
            return route
        if period is None and appliance is None and not previous:
            return route
        if appliance is not None and last not in ("appliance_breakdown", "efficiency_tips"):
            return (
                route
                if route.intent in ("appliance_breakdown", "efficiency_tips")
                else Route("appliance_breakdown", 1.0, rule="follow_up")
            )
        turn.follow_up = "same"
        return Route(last, 1.0, rule="follow_up")

    def _slots(self, text: str, intent: str, state: SessionState, follow_up: str = "") -> dict[str, Any]:
        today = self.deps.data_today()
        prev_slots = dict(state.last_slots or {}) if state.last_intent else {}
        if follow_up == "repeat":
            return prev_slots if intent == state.last_intent else {}
        if state.audience == "operator":
            if intent == "sql_query":
                from assistant.sql_templates import match

                sql = match(text, today)
                return {"sql": sql} if sql else {}
            found = extract_operator_slots(text, intent, today, known_places(self.deps.store))
            if follow_up == "same" and intent == state.last_intent:
                if "period" not in found and _PREVIOUS_RE.search(normalize(text)) and "period" in prev_slots:
                    found["period"] = previous_period(prev_slots["period"], today)
                return {**{k: v for k, v in prev_slots.items() if k != "sql"}, **found}
            return found
        slots: dict[str, Any] = {}
        norm = normalize(text)
        period = extract_period(text, today)
        prev_period = (
            prev_slots.get("reference") if state.last_intent == "explain_bill" else prev_slots.get("period")
        )
        relative = period is None or period in (
            "last_month",
            "last_week",
            "last_year",
            "day_before_yesterday",
        )
        if (
            relative
            and prev_period is not None
            and _PREVIOUS_RE.search(norm)
            and (follow_up or state.last_intent == intent)
        ):
            period = previous_period(prev_period, today)
        if period is None and follow_up == "topic":
            period = prev_period
        if period is None and follow_up == "same" and intent != "explain_bill":
            period = prev_slots.get("period")
        if intent in ("consumption_summary", "forecast_bill") and period == "this_month":
            period = "current_cycle"
        if intent == "explain_bill":
            slots["reference"] = _bill_reference(period, today)
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
            flag_period = _flag_month(slots["period"], today)
            if flag_period is None:
                slots.pop("period")
            else:
                slots["period"] = flag_period
        if intent == "compare_tariffs":
            shift = extract_shift(text)
            if shift:
                slots["shift"] = shift
                pct = extract_shift_pct(text)
                if pct is not None:
                    slots["shift_pct"] = pct
        if intent in ("appliance_breakdown", "efficiency_tips"):
            appliance = extract_appliance(text)
            if appliance is None and follow_up == "same":
                appliance = prev_slots.get("appliance")
            if appliance and intent == "appliance_breakdown":
                slots["appliance"] = appliance
        if intent == "deadline_status":
            rtype = policy.request_type(norm)
            if rtype:
                slots["request_type"] = rtype
        return slots

    # ------------------------------------------------------------------ tools
    def _call_tools(self, turn: _Turn, intent: str) -> None:
        if intent == "search_knowledge":
            self._knowledge(turn, turn.text)
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
        reply, detail, charts = render.render(intent, turn.results, turn.slots, self.deps.data_today())
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
            turn.reply = t("chat.failure", reason=t(exc.code) if _has(exc.code) else t("error.tool"))
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
        return ToolContext(store=self.deps.store, scope=scope, today=self.deps.data_today())

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
        turn.reply, turn.citations = render.knowledge_reply(result)
        if not turn.citations:
            policy.dont_know(turn, Route("search_knowledge", 0.0))
            return
        turn.suggestions = render.suggestions_for("search_knowledge", turn.state.audience)


def _bill_reference(period: Any, today: Any) -> str:
    """Which bill a period names: "YYYY-MM" for a month, else the last bill."""
    ref = period[0] if isinstance(period, list) and period else period
    if isinstance(ref, str) and re.fullmatch(r"\d{4}-\d{2}", ref):
        return ref
    if ref == "month_before_last":
        prev = render.previous_month_label("last_month", today)
        if prev == "month_before_last":
            from tools.domain.periods import add_months

            d = add_months(today.replace(day=1), -2)
            return f"{d.year:04d}-{d.month:02d}"
        return str(prev)
    if isinstance(ref, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", ref):
        return ref[:7]
    return "last_bill"


def _flag_month(period: Any, today: Any) -> str | None:
    """tariff_flag takes a month: "YYYY-MM", "this_month" or "last_month"."""
    if isinstance(period, str) and (
        re.fullmatch(r"\d{4}-\d{2}", period) or period in ("this_month", "last_month")
    ):
        return period
    if isinstance(period, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", period):
        return period[:7]
    if period == "month_before_last":
        from tools.domain.periods import add_months

        d = add_months(today.replace(day=1), -2)
        return f"{d.year:04d}-{d.month:02d}"
    if period == "current_cycle":
        return "this_month"
    return None


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
    turn.reply = f"{intro}\n\n{sub.reply}" if sub.reply else intro
    turn.detail = sub.detail
    turn.refused = sub.refused
    turn.handoff = sub.handoff
    turn.suggestions = sub.suggestions
    turn.charts = sub.charts
