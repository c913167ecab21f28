"""Every reply, every "Como calculei" and every tool result JSON of every labelled question reads clean.

The questions are the eval sets beside the repository (``../shared/eval/*.jsonl``) and the
repository's own (``assistant/eval/*.jsonl``); each is asked through the same path as the web chat
(a fresh session, pre-identified on its scenario installation when the demo store has it, else on
the demo customer; conversations turn by turn). The checker is :mod:`tests.text_sweep`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assistant import Assistant
from assistant.engine import ChatRequest, ChatResponse
from assistant.session import SessionStore
from tests.text_sweep import json_problems, text_problems
from tools.api.identity import installation_exists

REPO = Path(__file__).resolve().parents[2]
SHARED_EVAL = REPO.parent / "shared" / "eval"
OWN_EVAL = REPO / "assistant" / "eval"
DEMO_CUSTOMER = "40010001"


def _cases(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def _eval_files() -> dict[str, Path]:
    """Customer sets (single-turn and conversations), by "shared/…" or "own/…" name; a file whose
    content repeats another's is swept once.

    The operator sets are swept with the copilot pages (the copilot's own test uses this checker).
    """
    assert SHARED_EVAL.is_dir(), f"the shared eval sets must sit beside the repository: {SHARED_EVAL}"
    files = {f"shared/{p.name}": p for p in sorted(SHARED_EVAL.glob("*.jsonl"))}
    files |= {f"own/{p.name}": p for p in sorted(OWN_EVAL.glob("*.jsonl"))}
    out: dict[str, Path] = {}
    seen: set[str] = set()
    for name, path in files.items():
        text = path.read_text(encoding="utf-8")
        if path.name.startswith("operator") or text in seen:
            continue
        seen.add(text)
        out[name] = path
    return out


def _params() -> list[tuple[str, int]]:
    return [(name, i) for name, path in _eval_files().items() for i in range(len(_cases(path)))]


def _problems_of(where: str, resp: ChatResponse) -> list[str]:
    out = [f"{where} reply: {p}" for p in text_problems(resp.reply)]
    out += [f"{where} como calculei: {p}" for p in text_problems(resp.detail)]
    for call in resp.tool_calls:
        if "result" in call:
            out += [f"{where} {call['name']} JSON: {p}" for p in json_problems(call["result"])[:3]]
    return out


def _installation(assistant: Assistant, wanted: str | None) -> str:
    if wanted and installation_exists(assistant.deps.store, wanted):
        return wanted
    return DEMO_CUSTOMER


def _sweep_case(assistant: Assistant, name: str, cases: list[dict[str, Any]], i: int) -> list[str]:
    case = cases[i]
    problems: list[str] = []
    if "turns" in case:  # a conversation: turn by turn in one session, identified or not
        inst = case.get("installation") if case.get("identified") else None
        session = None
        for j, turn in enumerate(case["turns"]):
            resp = assistant.chat(
                ChatRequest(
                    text=turn["text"],
                    session_id=session,
                    channel=case.get("channel", "web"),
                    installation_id=_installation(assistant, inst) if inst else None,
                    phone=case.get("phone"),
                )
            )
            session = resp.session_id
            problems += _problems_of(f"{name} {case['id']}.{j} {turn['text']!r}", resp)
        return problems
    session = f"sweep-{name}-{i}"
    inst = _installation(assistant, case.get("installation"))

    def ask(text: str) -> ChatResponse:
        return assistant.chat(ChatRequest(text=text, session_id=session, channel="cli", installation_id=inst))

    parent = next((c for c in cases if c.get("id") == case.get("after")), None) if case.get("after") else None
    if parent is not None:
        ask(parent["text"])
    return problems + _problems_of(f"{name} {case['id']} {case['text']!r}", ask(case["text"]))


@pytest.mark.parametrize(("name", "i"), _params())
def test_every_eval_reply_reads_clean(demo_assistant: Assistant, name: str, i: int) -> None:
    cases = _cases(_eval_files()[name])
    home_sessions = demo_assistant.deps.sessions
    demo_assistant.deps.sessions = SessionStore()
    try:
        problems = _sweep_case(demo_assistant, name, cases, i)
    finally:
        demo_assistant.deps.sessions = home_sessions
    assert not problems, "\n".join(problems)


# ------------------------------------------------------------------ the checker itself


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Consumo (sum(import_wh) / 1000): 7,1 kWh", "formula"),
        ("O mês 2026-11 teve power_down", "snake_case"),
        ("Separei 2 dica(s)", "(s) plural"),
        ("1 interrupções de 3 minutos", "plural after 1"),
        ("Maior exposição: — com —", "dash placeholder"),
        ("a diferença é de -R$ 13,90", "negative money"),
        ("Bandeira **Verde** e *amarela*", "single-asterisk"),
        ("## As cores", "Markdown header"),
        ("valor 0E-8", "exponent"),
        ("9,170000000000000000000000000 h", "long decimal"),
        ("readings per day and slot", "English word"),
        ("SELECT * FROM bills", "SQL"),
        ("cerca de  em energia", "empty value"),
    ],
)
def test_checker_flags(text: str, kind: str) -> None:
    assert any(kind.lower() in p.lower() for p in text_problems(text)), text_problems(text)


def test_checker_passes_plain_portuguese() -> None:
    text = (
        "Sua conta de novembro/2026 **caiu R$ 13,90**: veio R$ 198,97, contra R$ 212,87. "
        "A TUSD e a TE somam R$ 198,97; ICMS de 18,0%, PIS e COFINS; 1 interrupção e 2 interrupções; "
        "se for preciso, o total de 213,0 kWh e o consumo de base (stand-by) de 64 W."
    )
    assert text_problems(text) == []


def test_json_checker() -> None:
    assert json_problems({"a": "0E-8"}) and json_problems({"b": ["9.170000000000000000000000000"]})
    assert json_problems({"c": 0.30000000000000004})
    assert json_problems({"a": "0.44925000", "b": "13.90", "c": 7, "d": 0.2996, "e": "2026-11-25"}) == []
