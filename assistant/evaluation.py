"""Run the labelled question sets against a store and score the assistant.

Scores: tool accuracy (first tool call among the acceptable ones; ``[]`` = no tool),
slot accuracy (expected slot values, micro-averaged over keys), declines by kind, emergencies
(safety text and an urgent handoff), handoffs, clarifying questions, ``must_say`` (every
pattern found in the reply), grounding (every figure in a reply comes from a tool result of the
same turn), latency p50/p95 — overall and per intent.

Sets: the packaged dev/held-out sets (single turn, demo customer) and the realistic sets read
from ``../shared/eval`` beside the repository (never copied into it): single-turn customer
cases on their own ``installation``, the operator set, and multi-turn conversations run turn by
turn in one session through :meth:`Assistant.chat`, as the web chat and WhatsApp do — identified
or not.
"""

from __future__ import annotations

import json
import re
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.engine import Assistant, ChatRequest, ChatResponse
from assistant.grounding import ungrounded

_REFUSAL = {
    "out_of_scope": "out_of_scope",
    "refuse_other_customer": "other_customer",
    "refuse_write": "write_not_allowed",
}
#: The realistic sets, by file stem → audience (``conversations`` are multi-turn customer sets).
REALISTIC_SETS = {
    "customer_realistic_dev": "customer",
    "conversations_realistic_dev": "conversations",
    "operator_realistic_dev": "operator",
}


def shared_eval_dir(start: Path | None = None) -> Path:
    """``../shared/eval`` relative to the repository root (the folder holding ``assistant/``)."""
    root = Path(start) if start is not None else Path(__file__).resolve().parents[1]
    return root.parent / "shared" / "eval"


@dataclass
class CaseResult:
    id: str
    text: str
    expected_tools: list[str]
    chosen: str | None
    tool_ok: bool
    slots_expected: dict[str, Any]
    slots_got: dict[str, Any]
    slot_hits: int
    slot_total: int
    refusal_ok: bool | None
    handoff_ok: bool | None
    grounded: bool
    ungrounded: list[str]
    latency_ms: float
    reply: str
    tool_ms: dict[str, float] = field(default_factory=dict)  # time spent in each tool of the turn
    expect: str | None = None
    intent: str | None = None
    refused: str | None = None
    must_say: list[str] = field(default_factory=list)
    missing_say: list[str] = field(default_factory=list)  # must_say patterns not found in the reply
    emergency_ok: bool | None = None
    clarify_ok: bool | None = None

    @property
    def engine_ms(self) -> float:
        """Turn latency minus tool time: routing, slots, policy, rendering, session, audit."""
        return max(0.0, self.latency_ms - sum(self.tool_ms.values()))

    @property
    def must_say_ok(self) -> bool | None:
        return None if not self.must_say else not self.missing_say

    @property
    def failed(self) -> bool:
        return (
            not self.tool_ok
            or self.slot_hits < self.slot_total
            or self.refusal_ok is False
            or self.handoff_ok is False
            or self.emergency_ok is False
            or self.clarify_ok is False
            or not self.grounded
            or self.must_say_ok is False
        )

    @property
    def intent_key(self) -> str:
        """The label a case is grouped by: its expectation, else its first acceptable tool."""
        if self.expect and self.expect != "handoff":
            return self.expect
        return self.expected_tools[0] if self.expected_tools else "(sem ferramenta)"


@dataclass
class EvalReport:
    audience: str
    cases: list[CaseResult] = field(default_factory=list)
    name: str = ""

    def _ratio(self, ok: int, n: int) -> float:
        return ok / n if n else 1.0

    @property
    def tool_accuracy(self) -> float:
        return self._ratio(sum(c.tool_ok for c in self.cases), len(self.cases))

    @property
    def slot_accuracy(self) -> float:
        return self._ratio(sum(c.slot_hits for c in self.cases), sum(c.slot_total for c in self.cases))

    @property
    def refusal_accuracy(self) -> float:
        rs = [c.refusal_ok for c in self.cases if c.refusal_ok is not None]
        return self._ratio(sum(bool(r) for r in rs), len(rs))

    @property
    def handoff_accuracy(self) -> float:
        hs = [c.handoff_ok for c in self.cases if c.handoff_ok is not None]
        return self._ratio(sum(bool(h) for h in hs), len(hs))

    @property
    def emergency_accuracy(self) -> float:
        es = [c.emergency_ok for c in self.cases if c.emergency_ok is not None]
        return self._ratio(sum(bool(e) for e in es), len(es))

    @property
    def clarify_accuracy(self) -> float:
        cs = [c.clarify_ok for c in self.cases if c.clarify_ok is not None]
        return self._ratio(sum(bool(x) for x in cs), len(cs))

    @property
    def must_say_rate(self) -> float:
        ms = [c.must_say_ok for c in self.cases if c.must_say_ok is not None]
        return self._ratio(sum(bool(m) for m in ms), len(ms))

    @property
    def grounding(self) -> float:
        return self._ratio(sum(c.grounded for c in self.cases), len(self.cases))

    def declines(self) -> dict[str, dict[str, int]]:
        """Per decline kind (``expect``): how many cases, how many declined as labelled."""
        out: dict[str, dict[str, int]] = {}
        for c in self.cases:
            if c.refusal_ok is None or c.expect is None:
                continue
            d = out.setdefault(c.expect, {"n": 0, "ok": 0})
            d["n"] += 1
            d["ok"] += bool(c.refusal_ok)
        return dict(sorted(out.items()))

    def latency(self, q: float) -> float:
        return _quantile([c.latency_ms for c in self.cases], q)

    def engine_latency(self, q: float) -> float:
        return _quantile([c.engine_ms for c in self.cases], q)

    def per_tool(self) -> dict[str, dict[str, float]]:
        times: dict[str, list[float]] = defaultdict(list)
        for c in self.cases:
            for name, ms in c.tool_ms.items():
                times[name].append(ms)
        return {
            k: {
                "n": len(v),
                "p50_ms": round(_quantile(v, 0.5), 1),
                "p95_ms": round(_quantile(v, 0.95), 1),
                "max_ms": round(max(v), 1),
            }
            for k, v in sorted(times.items())
        }

    def per_intent(self) -> dict[str, dict[str, Any]]:
        per: dict[str, list[CaseResult]] = defaultdict(list)
        for c in self.cases:
            per[c.intent_key].append(c)
        out: dict[str, dict[str, Any]] = {}
        for k, v in sorted(per.items()):
            slot_total = sum(c.slot_total for c in v)
            says = [c.must_say_ok for c in v if c.must_say_ok is not None]
            out[k] = {
                "n": len(v),
                "tool_accuracy": round(sum(c.tool_ok for c in v) / len(v), 3),
                "slot_accuracy": round(sum(c.slot_hits for c in v) / slot_total, 3) if slot_total else None,
                "must_say": round(sum(bool(s) for s in says) / len(says), 3) if says else None,
                "grounded": round(sum(c.grounded for c in v) / len(v), 3),
                "p50_ms": round(_quantile([c.latency_ms for c in v], 0.5), 1),
                "p95_ms": round(_quantile([c.latency_ms for c in v], 0.95), 1),
            }
        return out

    def failures(self) -> list[dict[str, Any]]:
        return [
            {
                "id": c.id,
                "text": c.text,
                "expected": c.expected_tools,
                "expect": c.expect,
                "chosen": c.chosen,
                "intent": c.intent,
                "refused": c.refused,
                "slots_expected": c.slots_expected,
                "slots_got": c.slots_got,
                "missing_say": c.missing_say,
                "ungrounded": c.ungrounded,
                "reply": c.reply,
            }
            for c in self.cases
            if c.failed
        ]

    def summary(self) -> dict[str, Any]:
        return {
            "audience": self.audience,
            "name": self.name or self.audience,
            "n": len(self.cases),
            "tool_accuracy": round(self.tool_accuracy, 4),
            "slot_accuracy": round(self.slot_accuracy, 4),
            "refusal_accuracy": round(self.refusal_accuracy, 4),
            "declines": self.declines(),
            "handoff_accuracy": round(self.handoff_accuracy, 4),
            "handoffs_n": sum(c.handoff_ok is not None for c in self.cases),
            "emergency_accuracy": round(self.emergency_accuracy, 4),
            "emergencies_n": sum(c.emergency_ok is not None for c in self.cases),
            "clarify_accuracy": round(self.clarify_accuracy, 4),
            "clarify_n": sum(c.clarify_ok is not None for c in self.cases),
            "must_say_rate": round(self.must_say_rate, 4),
            "must_say_n": sum(c.must_say_ok is not None for c in self.cases),
            "grounded_replies": round(self.grounding, 4),
            "latency_p50_ms": round(self.latency(0.5), 1),
            "latency_p95_ms": round(self.latency(0.95), 1),
            "engine_overhead_p50_ms": round(self.engine_latency(0.5), 1),
            "engine_overhead_p95_ms": round(self.engine_latency(0.95), 1),
            "per_tool": self.per_tool(),
            "per_intent": self.per_intent(),
            "failures": self.failures(),
        }


def _quantile(values: list[float], q: float) -> float:
    """Nearest-rank quantile (0 for no values)."""
    xs = sorted(values)
    if not xs:
        return 0.0
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def load_cases(path: str | Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def _norm(v: Any) -> Any:
    if isinstance(v, list):
        return [_norm(x) for x in v]
    if isinstance(v, dict):
        return {k: _norm(x) for k, x in sorted(v.items())}
    if isinstance(v, str):
        return v.strip()
    return v


def _chosen(resp: ChatResponse) -> str | None:
    if resp.tool_calls:
        return str(resp.tool_calls[0]["name"])
    if resp.handoff:
        return "handoff_to_agent"
    return None


def score_case(case: dict[str, Any], resp: ChatResponse) -> CaseResult:
    expected = list(case.get("tools") or [])
    chosen = _chosen(resp)
    expect = case.get("expect")
    if expect == "emergency":  # safety text first, then an urgent handoff (no data tool before it)
        tool_ok = bool(resp.handoff)
    else:
        tool_ok = (chosen in expected) if expected else (chosen is None)
    exp_slots = dict(case.get("slots") or {})
    hits = sum(1 for k, v in exp_slots.items() if _norm(resp.slots.get(k)) == _norm(v))
    refusal_ok = (resp.refused == _REFUSAL[expect] and not resp.tool_calls) if expect in _REFUSAL else None
    handoff_ok = bool(resp.handoff) if expected[:1] == ["handoff_to_agent"] and expect != "emergency" else None
    must_say = list(case.get("must_say") or [])
    missing_say = [p for p in must_say if not re.search(p, resp.reply, re.IGNORECASE)]
    emergency_ok = (
        bool(resp.handoff) and resp.handoff_priority == "urgent" and not missing_say
        if expect == "emergency"
        else None
    )
    clarify_ok = (resp.intent == "clarify" and not resp.tool_calls) if expect == "clarify" else None
    results = [c.get("result") for c in resp.tool_calls] + [resp.citations]
    missing = ungrounded(resp.reply, results, user_text=case["text"])
    return CaseResult(
        id=case["id"],
        text=case["text"],
        expected_tools=expected,
        chosen=chosen,
        tool_ok=tool_ok,
        slots_expected=exp_slots,
        slots_got=resp.slots,
        slot_hits=hits,
        slot_total=len(exp_slots),
        refusal_ok=refusal_ok,
        handoff_ok=handoff_ok,
        grounded=not missing,
        ungrounded=missing,
        latency_ms=resp.latency_ms,
        reply=resp.reply,
        tool_ms=_tool_ms(resp.tool_calls),
        expect=expect,
        intent=resp.intent,
        refused=resp.refused,
        must_say=must_say,
        missing_say=missing_say,
        emergency_ok=emergency_ok,
        clarify_ok=clarify_ok,
    )


def _tool_ms(calls: list[dict[str, Any]]) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for c in calls:
        out[str(c["name"])] += float(c.get("latency_ms") or 0.0)
    return dict(out)


class _FreshSessions:
    """Each case (or conversation) runs against its own in-memory session store, so neither the
    conversation context of an installation (kept across sessions) nor earlier runs leak into it."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.home = assistant.deps.sessions

    def reset(self) -> None:
        from assistant.session import SessionStore

        self.assistant.deps.sessions = SessionStore()

    def restore(self) -> None:
        self.assistant.deps.sessions = self.home


def run_eval(
    assistant: Assistant,
    cases: list[dict[str, Any]],
    audience: str,
    installation_id: str | None = None,
    gd_installation_id: str | None = None,
    honour_installation: bool = False,
    name: str = "",
) -> EvalReport:
    """Each case in a fresh, pre-identified session; ``after`` cases continue their parent's session.

    ``honour_installation``: a case's own ``installation`` (realistic sets) replaces the default one.
    """
    report = EvalReport(audience=audience, name=name)
    by_id = {c["id"]: c for c in cases}
    fresh = _FreshSessions(assistant)
    assistant.warm_up(audience)  # router training, index opening: start-up cost, not turn latency
    try:
        for i, case in enumerate(cases):
            fresh.reset()
            inst = installation_id
            if gd_installation_id and any(t == "gd_credits" for t in case.get("tools", [])):
                inst = gd_installation_id
            if honour_installation and case.get("installation"):
                inst = str(case["installation"])
            report.cases.append(_run_case(assistant, case, by_id, audience, i, inst))
    finally:
        fresh.restore()
    return report


def _run_case(
    assistant: Assistant,
    case: dict[str, Any],
    by_id: dict[str, dict[str, Any]],
    audience: str,
    i: int,
    inst: str | None,
) -> CaseResult:
    session = f"eval-{audience}-{i}"

    def ask(text: str) -> ChatResponse:
        return assistant.chat(ChatRequest(text=text, session_id=session, channel="cli", audience=audience,
                                          installation_id=inst if audience == "customer" else None))

    parent = by_id.get(case.get("after", ""))
    if parent is not None:
        ask(parent["text"])
    return score_case(case, ask(case["text"]))


def run_conversations(assistant: Assistant, conversations: list[dict[str, Any]], name: str = "") -> EvalReport:
    """Each conversation in one fresh session, turn by turn, as the web chat / WhatsApp send them.

    ``identified: true``: every turn carries the installation (an integrator's pre-identified
    call). Otherwise the customer identifies in the conversation: on the web with the
    installation number and the CPF digits, on WhatsApp from the channel-verified ``phone``.
    """
    report = EvalReport(audience="conversations", name=name or "conversations")
    fresh = _FreshSessions(assistant)
    assistant.warm_up("customer")
    try:
        for conv in conversations:
            fresh.reset()
            channel = str(conv.get("channel") or "web")
            phone = conv.get("phone") if channel == "whatsapp" else None
            session = f"wa:{phone}" if phone else f"eval-conv-{conv['id']}"
            inst = str(conv["installation"]) if conv.get("identified") else None
            for j, turn in enumerate(conv["turns"]):
                resp = assistant.chat(
                    ChatRequest(text=turn["text"], session_id=session, channel=channel, installation_id=inst,
                                phone=phone)
                )
                session = resp.session_id  # the server may issue its own id: keep talking on it
                report.cases.append(score_case({**turn, "id": f"{conv['id']}.{j + 1}"}, resp))
    finally:
        fresh.restore()
    return report


def run_realistic(
    assistant: Assistant, eval_dir: Path, only: list[str] | None = None
) -> dict[str, EvalReport]:
    """The realistic sets found in ``eval_dir`` (all, or the names in ``only``)."""
    out: dict[str, EvalReport] = {}
    for stem, kind in REALISTIC_SETS.items():
        if only and stem not in only and stem.removesuffix("_dev") not in only:
            continue
        path = eval_dir / f"{stem}.jsonl"
        cases = load_cases(path)
        if kind == "conversations":
            out[stem] = run_conversations(assistant, cases, name=stem)
        elif kind == "customer":
            out[stem] = run_eval(assistant, cases, "customer", "40010001", honour_installation=True, name=stem)
        else:
            out[stem] = run_eval(assistant, cases, "operator", name=stem)
    return out


def format_report(summary: dict[str, Any], failures: bool = False) -> str:
    decl = ", ".join(f"{k} {v['ok']}/{v['n']}" for k, v in summary.get("declines", {}).items()) or "-"
    lines = [
        f"== {summary.get('name') or summary['audience']} ({summary['n']} perguntas) ==",
        f"tool accuracy     {summary['tool_accuracy']:.1%}",
        f"slot accuracy     {summary['slot_accuracy']:.1%}",
        f"declines          {summary['refusal_accuracy']:.1%}  ({decl})",
        f"emergencies       {summary.get('emergency_accuracy', 1.0):.1%}  (n={summary.get('emergencies_n', 0)})",
        f"handoffs          {summary['handoff_accuracy']:.1%}  (n={summary.get('handoffs_n', 0)})",
        f"clarifications    {summary.get('clarify_accuracy', 1.0):.1%}  (n={summary.get('clarify_n', 0)})",
        f"must_say          {summary.get('must_say_rate', 1.0):.1%}  (n={summary.get('must_say_n', 0)})",
        f"grounded replies  {summary['grounded_replies']:.1%}",
        f"latency p50/p95   {summary['latency_p50_ms']} / {summary['latency_p95_ms']} ms",
        f"engine overhead   {summary['engine_overhead_p50_ms']} / {summary['engine_overhead_p95_ms']} ms (p50/p95, tool time excluded)",
        "per expected intent (n, tool, slots, must_say, grounded, p50 / p95 ms per turn):",
    ]

    def pct(x: float | None) -> str:
        return "   - " if x is None else f"{x:5.0%}"

    for k, v in summary["per_intent"].items():
        lines.append(
            f"  {k:24s} {v['n']:3d} {pct(v['tool_accuracy'])} {pct(v.get('slot_accuracy'))} "
            f"{pct(v.get('must_say'))} {pct(v.get('grounded'))}  {v['p50_ms']:7.1f} / {v['p95_ms']:7.1f}"
        )
    lines.append("per tool called (n, p50 / p95 / max ms inside the tool):")
    for k, v in summary["per_tool"].items():
        lines.append(f"  {k:24s} {v['n']:3d}  {v['p50_ms']:7.1f} / {v['p95_ms']:7.1f} / {v['max_ms']:7.1f}")
    fails = summary["failures"]
    if fails:
        lines.append(f"failures: {len(fails)}" + ("" if failures else " (--failures lists them)"))
        for f in fails if failures else []:
            why = []
            if f["chosen"] not in f["expected"] and (f["expected"] or f["chosen"]):
                why.append(f"tool {f['chosen']} not in {f['expected']}")
            if f["expect"]:
                why.append(f"expect {f['expect']} got intent={f['intent']} refused={f['refused']}")
            got = {k: f["slots_got"].get(k) for k in f["slots_expected"]}
            if got != f["slots_expected"]:
                why.append(f"slots {got} vs {f['slots_expected']}")
            if f["missing_say"]:
                why.append(f"missing {f['missing_say']}")
            if f["ungrounded"]:
                why.append(f"ungrounded {f['ungrounded']}")
            reply = " ".join(f["reply"].split())[:220]
            lines.append(f"  {f['id']}: {f['text']!r}\n      {'; '.join(why)}\n      → {reply}")
    return "\n".join(lines)


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else 0.0
