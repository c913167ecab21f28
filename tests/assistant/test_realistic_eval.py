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
