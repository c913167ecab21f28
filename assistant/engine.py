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

from assistant import identification, policy, render
from assistant.deps import AssistantDeps
from assistant.i18n import t
from assistant.router import NON_TOOL_INTENTS, OfflineRouter, Route
from assistant.session import SessionState
from assistant.slots import (
    extract_appliance,
    extract_compare,
    extract_operator_slots,
    extract_period,
    extract_shift,
)
from assistant.text import normalize
from tools import registry
from tools.api import Scope, ToolContext, run_tool
from tools.errors import ToolError
from tools.types import ToolResult, to_jsonable

log = logging.getLogger(__name__)

CUSTOMER_PERSONAL_TOOLS = frozenset(
    {
        "consumption_summary", "consumption_profile", "appliance_breakdown", "explain_bill", "forecast_bill",
        "compare_tariffs", "gd_credits", "continuity_indicators", "voltage_quality", "efficiency_tips",
        "deadline_status",
    }
)
# tariff_flag works without identification (the month's flag) and adds the customer's effect when identified.
GENERAL_TOOLS = frozenset({"search_knowledge", "tariff_flag"})
_DETAIL_RE = re.compile(r"^(como (voce )?(calculou|chegou|fez a conta)|mostr\w* (o )?calculo|detalh\w*|mais detalhes|explica melhor)")
_FOLLOW_UP_RE = re.compile(r"^e (no|na|em|o|a|de|do|da|os|as|nos|nas|pra|para|se)?\b")


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
        state.history.append({"role": "user", "text": policy.mask_for_log(req.text, state), "intent": turn.intent})
        state.history.append({"role": "assistant", "text": turn.reply[:500]})
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
            if identification.explicit_start(self.deps, turn, norm) or identification.consume_identification_input(
                self.deps, turn, norm
            ):
                if state.installation_id and state.pending_text:
                    pending, state.pending_text = state.pending_text, None
                    intro = turn.reply
                    sub = _Turn(state=state, text=pending)
                    self._answer(sub)
                    _merge(turn, sub, intro)
                return
        if _DETAIL_RE.search(norm):
            turn.intent = "show_detail"
            turn.reply = state.last_detail or t("chat.no_previous")
            return
        self._answer(turn)

    def _answer(self, turn: _Turn) -> None:
        state = turn.state
        route = self.router(state.audience).route(turn.text, own_installation=state.installation_id)
        route = self._follow_up(turn, route)
        turn.intent = route.intent
        if route.intent in NON_TOOL_INTENTS or route.intent == "handoff_to_agent":
            policy.apply_non_tool(self.deps, turn, route)
            return
        if route.confidence < 0.22 and not route.rule:
            policy.dont_know(turn, route)
            return
        turn.slots = self._slots(turn.text, route.intent, state)
        if route.intent == "sql_query" and "sql" not in turn.slots and self._llm_model is None:
            policy.dont_know(turn, route)
            return
        if state.audience == "customer" and route.intent in CUSTOMER_PERSONAL_TOOLS and not state.installation_id:
            identification.start(self.deps, turn)
            return
        if not (self._llm_model is not None and self._llm_turn(turn, route.intent)):
            self._call_tools(turn, route.intent)
        if turn.results and not any(r.disqualified for r in turn.results):
            state.failures = 0
        state.last_intent = route.intent
        state.last_slots = turn.slots

    def _follow_up(self, turn: _Turn, route: Route) -> Route:
        """"e em agosto?" / "e no mês anterior?" reuse the previous intent with the new period."""
        state = turn.state
        norm = normalize(turn.text)
        if not state.last_intent or state.last_intent in NON_TOOL_INTENTS:
            return route
        short = len(norm.split()) <= 7
        if not (short and (_FOLLOW_UP_RE.search(norm) or route.confidence < 0.5)):
            return route
        period = extract_period(turn.text, self.deps.data_today())
        appliance = extract_appliance(turn.text)
        if period is None and appliance is None and "anterior" not in norm:
            return route
        return Route(state.last_intent, 1.0, rule="follow_up")

    def _slots(self, text: str, intent: str, state: SessionState) -> dict[str, Any]:
        today = self.deps.data_today()
        if state.audience == "operator":
            if intent == "sql_query":
                from assistant.sql_templates import match

                sql = match(text, today)
                return {"sql": sql} if sql else {}
            return extract_operator_slots(text, intent, today)
        slots: dict[str, Any] = {}
        norm = normalize(text)
        period = extract_period(text, today)
        prev = state.last_slots.get("period") if state.last_slots else None
        if re.search(r"\b(mes|fatura|conta) anterior\b", norm) and prev is not None and state.last_intent == intent:
            period = render.previous_month_label(prev, today)
        if intent in ("consumption_summary", "forecast_bill") and period == "this_month":
            period = "current_cycle"
        if intent == "explain_bill":
            ref = period[0] if isinstance(period, list) else period
            if isinstance(ref, str) and re.fullmatch(r"\d{4}-\d{2}", ref):
                slots["reference"] = ref
            elif ref in ("last_month", "this_month", None):
                slots["reference"] = "last_bill"
            elif ref == "month_before_last":
                slots["reference"] = render.previous_month_label("last_month", today)
            else:
                slots["reference"] = "last_bill"
            return slots
        compare = extract_compare(text)
        if compare:
            slots["compare"] = compare
            period = period or "last_month"
        if period is not None and intent not in ("compare_tariffs", "forecast_bill", "efficiency_tips"):
            slots["period"] = period
        if intent == "forecast_bill" and period == "current_cycle":
            slots["period"] = period
        if intent == "compare_tariffs":
            shift = extract_shift(text)
            if shift:
                slots["shift"] = shift
        if intent in ("appliance_breakdown", "efficiency_tips"):
            appliance = extract_appliance(text)
            if appliance:
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
        inst = state.installation_id if spec.needs_installation else None
        call: dict[str, Any] = {"name": intent, "arguments": args}
        try:
            result = run_tool(intent, ctx, inst, args)
        except ToolError as exc:
            call["error"] = exc.code
            turn.tool_calls.append(call)
            state.failures += 1
            turn.reply = t("chat.failure", reason=t(exc.code) if _has(exc.code) else t("error.tool"))
            if state.failures >= 3:
                policy.handoff(self.deps, turn, "handoff.reason_failures")
            return None
        call["result"] = result.to_dict()
        turn.tool_calls.append(call)
        turn.results.append(result)
        return result

    def _scope_ctx(self, state: SessionState) -> ToolContext:
        scope = Scope.operator() if state.audience == "operator" else (
            Scope.customer(state.installation_id) if state.installation_id else Scope.anonymous()
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

        try:
            reply, sink = LLMEngine(self._llm_model, state.audience).run(turn.text, run)
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
        first = turn.tool_calls[0]["name"]
        turn.intent = first
        turn.citations.extend(render.citations_of(turn.results))
        if grounded(reply, sink, turn.text):
            turn.reply, turn.engine = render.fit(reply), "llm"
            turn.detail = "\n\n".join(render.trail_text(r.trail) for r in turn.results if r.trail)
        else:
            turn.reply, turn.detail, turn.charts = render.render(first, turn.results, turn.slots, self.deps.data_today())
            turn.engine = "llm+template"
        turn.suggestions = render.suggestions_for(first, state.audience)
        return True

    def _knowledge(self, turn: _Turn, query: str) -> None:
        result = self.deps.search_knowledge(query, turn.state.audience)
        call = {"name": "search_knowledge", "arguments": {"query": query}}
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
