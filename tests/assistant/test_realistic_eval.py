"""The realistic sets of ../shared/eval (read beside the repository, never copied into it), run as
``smartmeter eval`` runs them: customer questions single-turn on their own installation, and the
conversations turn by turn in one session, identified or not.

Thresholds from issue 14: first tool >= 95 %, slots >= 90 %, every decline, emergency, handoff and
clarifying question handled as labelled, every figure grounded in a tool result of the same turn.
Latency is reported by ``smartmeter eval``, not asserted here (tests never depend on timing).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.evaluation import EvalReport, run_realistic, shared_eval_dir

REPO = Path(__file__).resolve().parents[2]
SETS = ("customer_realistic_dev", "conversations_realistic_dev")


@pytest.fixture(scope="module")
def realistic(demo_assistant: Assistant) -> dict[str, EvalReport]:
    folder = shared_eval_dir(REPO)
    missing = [s for s in SETS if not (folder / f"{s}.jsonl").is_file()]
    if missing:
        pytest.fail(f"realistic eval sets missing: {missing} in {folder} (../shared/eval beside the repository)")
    return run_realistic(demo_assistant, folder, list(SETS))


def _failures(rep: EvalReport) -> str:
    rows = [{k: f[k] for k in ("id", "text", "expected", "expect", "chosen", "slots_expected", "slots_got")}
            for f in rep.failures() if f["chosen"] not in f["expected"] or f["expect"]]
    return json.dumps(rows, ensure_ascii=False, indent=1)[:4000]


@pytest.mark.parametrize("name", SETS)
def test_routing_and_slots(realistic: dict[str, EvalReport], name: str) -> None:
    rep = realistic[name]
    assert rep.tool_accuracy >= 0.95, _failures(rep)
    assert rep.slot_accuracy >= 0.90, _failures(rep)


@pytest.mark.parametrize("name", SETS)
def test_every_decline_emergency_handoff_and_clarification(realistic: dict[str, EvalReport], name: str) -> None:
    rep = realistic[name]
    for case in rep.cases:
        for flag in (case.refusal_ok, case.handoff_ok, case.emergency_ok, case.clarify_ok):
            assert flag is not False, (case.id, case.text, case.intent, case.refused, case.reply[:200])


def test_declines_by_kind_are_all_counted(realistic: dict[str, EvalReport]) -> None:
    kinds = realistic["customer_realistic_dev"].declines()
    assert set(kinds) == {"out_of_scope", "refuse_other_customer", "refuse_write"}
    assert all(v["ok"] == v["n"] for v in kinds.values()), kinds


@pytest.mark.parametrize("name", SETS)
def test_replies_are_grounded(realistic: dict[str, EvalReport], name: str) -> None:
    rep = realistic[name]
    assert rep.grounding == 1.0, [(c.id, c.ungrounded) for c in rep.cases if not c.grounded]


def test_emergencies_queue_an_urgent_handoff(realistic: dict[str, EvalReport]) -> None:
    emergencies = [c for c in realistic["customer_realistic_dev"].cases if c.expect == "emergency"]
    assert len(emergencies) == 7
    assert all(c.emergency_ok for c in emergencies), [(c.id, c.missing_say) for c in emergencies]


def _grams(s: str, n: int = 3) -> set[str]:
    s = f" {s} "
    return {s[i : i + n] for i in range(len(s) - n + 1)}


def test_realistic_questions_are_not_in_the_utterance_bank() -> None:
    """The bank holds our own paraphrases: no realistic question (of six words or more) is copied
    into it, nor a near copy (character-trigram Jaccard >= 0.8)."""
    from assistant.evaluation import load_cases
    from assistant.router import load_bank
    from assistant.text import normalize

    folder = shared_eval_dir(REPO)
    texts = []
    for name in SETS:
        for case in load_cases(folder / f"{name}.jsonl"):
            texts += [normalize(t["text"]) for t in case.get("turns", [case])]
    grams = [(u, _grams(u)) for _, u in load_bank("customer")]
    near = []
    for text in (t for t in texts if len(t.split()) >= 6):
        g = _grams(text)
        near += [(text, u) for u, gu in grams if len(g & gu) / len(g | gu) >= 0.8]
    assert not near
