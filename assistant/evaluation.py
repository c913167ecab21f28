"""Run the labelled question sets against a store and score the assistant.

Scores: tool accuracy (first tool call among the acceptable ones; ``[]`` = no tool),
slot accuracy (expected slot values, micro-averaged over keys), refusal accuracy,
handoff accuracy, grounding (every figure in a reply comes from a tool result of the same
turn), latency p50/p95 — overall and per intent.
"""

from __future__ import annotations

import json
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

    @property
    def engine_ms(self) -> float:
        """Turn latency minus tool time: routing, slots, policy, rendering, session, audit."""
        return max(0.0, self.latency_ms - sum(self.tool_ms.values()))


@dataclass
class EvalReport:
    audience: str
    cases: list[CaseResult] = field(default_factory=list)

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
    def grounding(self) -> float:
        return self._ratio(sum(c.grounded for c in self.cases), len(self.cases))

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

    def summary(self) -> dict[str, Any]:
        per: dict[str, list[CaseResult]] = defaultdict(list)
        for c in self.cases:
            per[c.expected_tools[0] if c.expected_tools else "(sem ferramenta)"].append(c)
        return {
            "audience": self.audience,
            "n": len(self.cases),
            "tool_accuracy": round(self.tool_accuracy, 4),
            "slot_accuracy": round(self.slot_accuracy, 4),
            "refusal_accuracy": round(self.refusal_accuracy, 4),
            "handoff_accuracy": round(self.handoff_accuracy, 4),
            "grounded_replies": round(self.grounding, 4),
            "latency_p50_ms": round(self.latency(0.5), 1),
            "latency_p95_ms": round(self.latency(0.95), 1),
            "engine_overhead_p50_ms": round(self.engine_latency(0.5), 1),
            "engine_overhead_p95_ms": round(self.engine_latency(0.95), 1),
            "per_tool": self.per_tool(),
            "per_intent": {
                k: {
                    "n": len(v),
                    "tool_accuracy": round(sum(c.tool_ok for c in v) / len(v), 3),
                    "p50_ms": round(_quantile([c.latency_ms for c in v], 0.5), 1),
                    "p95_ms": round(_quantile([c.latency_ms for c in v], 0.95), 1),
                }
                for k, v in sorted(per.items())
            },
            "failures": [
                {
                    "id": c.id,
                    "text": c.text,
                    "expected": c.expected_tools,
                    "chosen": c.chosen,
                    "slots_expected": c.slots_expected,
                    "slots_got": c.slots_got,
                    "ungrounded": c.ungrounded,
                }
                for c in self.cases
                if not c.tool_ok or c.slot_hits < c.slot_total or c.refusal_ok is False or not c.grounded
            ],
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
    tool_ok = (chosen in expected) if expected else (chosen is None)
    exp_slots = dict(case.get("slots") or {})
    hits = sum(1 for k, v in exp_slots.items() if _norm(resp.slots.get(k)) == _norm(v))
    expect = case.get("expect")
    refusal_ok = (resp.refused == _REFUSAL[expect]) if expect in _REFUSAL else None
    handoff_ok = resp.handoff if expected[:1] == ["handoff_to_agent"] else None
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
    )


def _tool_ms(calls: list[dict[str, Any]]) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for c in calls:
        out[str(c["name"])] += float(c.get("latency_ms") or 0.0)
    return dict(out)


def run_eval(
    assistant: Assistant,
    cases: list[dict[str, Any]],
    audience: str,
    installation_id: str | None = None,
    gd_installation_id: str | None = None,
) -> EvalReport:
    """Each case in a fresh, pre-identified session; ``after`` cases continue their parent's session.

    Cases are independent: each runs against its own in-memory session store, so neither the
    conversation context of the installation (kept across sessions) nor earlier runs leak into it.
    """
    from assistant.session import SessionStore

    report = EvalReport(audience=audience)
    by_id = {c["id"]: c for c in cases}
    home_sessions = assistant.deps.sessions
    assistant.warm_up(audience)  # router training, index opening: start-up cost, not turn latency
    try:
        for i, case in enumerate(cases):
            assistant.deps.sessions = SessionStore()
            report.cases.append(
                _run_case(assistant, case, by_id, audience, i, installation_id, gd_installation_id)
            )
    finally:
        assistant.deps.sessions = home_sessions
    return report


def _run_case(
    assistant: Assistant,
    case: dict[str, Any],
    by_id: dict[str, dict[str, Any]],
    audience: str,
    i: int,
    installation_id: str | None,
    gd_installation_id: str | None,
) -> CaseResult:
    inst = installation_id
    if gd_installation_id and any(t == "gd_credits" for t in case.get("tools", [])):
        inst = gd_installation_id
    session = f"eval-{audience}-{i}"

    def ask(text: str) -> ChatResponse:
        return assistant.chat(
            ChatRequest(
                text=text,
                session_id=session,
                channel="cli",
                audience=audience,
                installation_id=inst if audience == "customer" else None,
            )
        )

    parent = by_id.get(case.get("after", ""))
    if parent is not None:
        ask(parent["text"])
    return score_case(case, ask(case["text"]))


def format_report(summary: dict[str, Any]) -> str:
    lines = [
        f"== {summary['audience']} ({summary['n']} perguntas) ==",
        f"tool accuracy     {summary['tool_accuracy']:.1%}",
        f"slot accuracy     {summary['slot_accuracy']:.1%}",
        f"refusal accuracy  {summary['refusal_accuracy']:.1%}",
        f"handoff accuracy  {summary['handoff_accuracy']:.1%}",
        f"grounded replies  {summary['grounded_replies']:.1%}",
        f"latency p50/p95   {summary['latency_p50_ms']} / {summary['latency_p95_ms']} ms",
        f"engine overhead   {summary['engine_overhead_p50_ms']} / {summary['engine_overhead_p95_ms']} ms (p50/p95, tool time excluded)",
        "per expected intent (n, tool acc, p50 / p95 ms per turn):",
    ]
    for k, v in summary["per_intent"].items():
        lines.append(
            f"  {k:24s} {v['n']:3d}  {v['tool_accuracy']:4.0%}  {v['p50_ms']:7.1f} / {v['p95_ms']:7.1f}"
        )
    lines.append("per tool called (n, p50 / p95 / max ms inside the tool):")
    for k, v in summary["per_tool"].items():
        lines.append(f"  {k:24s} {v['n']:3d}  {v['p50_ms']:7.1f} / {v['p95_ms']:7.1f} / {v['max_ms']:7.1f}")
    if summary["failures"]:
        lines.append("failures:")
        for f in summary["failures"][:30]:
            lines.append(
                f"  {f['id']}: {f['text']!r} expected {f['expected']} got {f['chosen']} "
                f"slots {f['slots_got']} vs {f['slots_expected']} ungrounded {f['ungrounded']}"
            )
    return "\n".join(lines)


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else 0.0
