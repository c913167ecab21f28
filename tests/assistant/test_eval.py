"""The labelled question sets against the demo store: dev sets (../shared/eval) and the
held-out sets written for this engine (never in the utterance bank).

Thresholds from the issue: tool accuracy >= 95 %, slot accuracy >= 90 %, every refusal case
refused, every handoff case handed off, every reply that states a figure grounded in a tool
result of the same turn. Latency is reported by ``smartmeter eval``, not asserted here.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from assistant import Assistant
from assistant.evaluation import EvalReport, load_cases, run_eval
from assistant.router import load_bank
from assistant.text import normalize
from tools.api.admin import demo_metadata

EVAL_DIR = Path(str(resources.files("assistant") / "eval"))
SETS = {
    "customer_dev": "customer",
    "customer_heldout": "customer",
    "operator_dev": "operator",
    "operator_heldout": "operator",
}


@pytest.fixture(scope="module")
def reports(demo_assistant: Assistant, demo_home: Path) -> dict[str, EvalReport]:
    meta = demo_metadata(demo_home)
    inst = meta["demo_customer"]["installation_id"]
    solar = meta["scenarios"]["solar"][0]
    out = {}
    for name, audience in SETS.items():
        cases = load_cases(EVAL_DIR / f"{name}.jsonl")
        out[name] = run_eval(demo_assistant, cases, audience, inst if audience == "customer" else None, solar)
    return out


def _failures(report: EvalReport) -> str:
    return json.dumps(report.summary()["failures"], ensure_ascii=False, indent=1)[:4000]


@pytest.mark.parametrize("name", list(SETS))
def test_thresholds(reports: dict[str, EvalReport], name: str) -> None:
    rep = reports[name]
    assert rep.tool_accuracy >= 0.95, _failures(rep)
    assert rep.slot_accuracy >= 0.90, _failures(rep)
    assert rep.refusal_accuracy == 1.0, _failures(rep)
    assert rep.handoff_accuracy == 1.0, _failures(rep)
    assert rep.grounding == 1.0, _failures(rep)


@pytest.mark.parametrize("name", list(SETS))
def test_replies_are_whatsapp_sized_and_in_portuguese(reports: dict[str, EvalReport], name: str) -> None:
    for case in reports[name].cases:
        assert 0 < len(case.reply) <= 1600, case.id
        assert "Traceback" not in case.reply and "{" not in case.reply, case.id  # no raw placeholders
        prose = _SQL.sub("", case.reply)  # the guarded-SQL answer shows its query: code, not prose
        words = re.findall(r"[a-záàâãéêíóôõúç]+", prose.lower())
        assert any(w in _PT_WORDS for w in words), (case.id, case.reply)  # Portuguese...
        assert not set(words) & _EN_WORDS, (
            case.id,
            sorted(set(words) & _EN_WORDS),
            case.reply,
        )  # ...not English
        assert not _US_MONEY.search(case.reply), (case.id, case.reply)  # R$ 1.234,56, never R$ 1,234.56


#: function words only Portuguese uses (and English ones a pt-BR reply never contains)
_PT_WORDS = frozenset(
    "de do da dos das e o os as que você sua seu não é há em para com no na pelo pela uma nenhum nenhuma sem por".split()
)
_EN_WORDS = frozenset("the and your you please sorry with from this that which would there".split())
_SQL = re.compile(r"\b(?:SELECT|WITH)\b.*", re.DOTALL)  # a query runs to the end of the reply
_US_MONEY = re.compile(r"R\$\s?\d{1,3}(,\d{3})*\.\d{2}\b")


def test_refusals_and_no_tool_cases_call_no_tool(reports: dict[str, EvalReport]) -> None:
    for name, rep in reports.items():
        for case in rep.cases:
            if not case.expected_tools:
                assert case.chosen is None, (name, case.id, case.text, case.chosen)


def test_heldout_sets_are_big_enough_and_well_formed() -> None:
    customer = load_cases(EVAL_DIR / "customer_heldout.jsonl")
    operator = load_cases(EVAL_DIR / "operator_heldout.jsonl")
    assert len(customer) >= 120 and len(operator) >= 50
    for cases in (customer, operator):
        ids = [c["id"] for c in cases]
        assert len(ids) == len(set(ids))
        seen: set[str] = set()
        for c in cases:
            if "after" in c:
                assert c["after"] in seen, c["id"]  # a follow-up runs right after an earlier question
            seen.add(c["id"])
    kinds = Counter(c.get("expect") for c in customer)
    assert kinds["refuse_other_customer"] >= 15 and kinds["out_of_scope"] >= 5
    assert sum(1 for c in customer if "after" in c) >= 8
    assert Counter(c.get("expect") for c in operator)["refuse_write"] >= 5


def _grams(s: str, n: int = 3) -> set[str]:
    s = f" {s} "
    return {s[i : i + n] for i in range(len(s) - n + 1)}


@pytest.mark.parametrize("audience", ["customer", "operator"])
def test_evaluation_questions_are_not_in_the_utterance_bank(audience: str) -> None:
    """The router is trained on paraphrases, not on the questions it is scored on."""
    bank = [u for _, u in load_bank(audience)]  # type: ignore[arg-type]
    texts: list[tuple[str, str]] = []
    for name, aud in SETS.items():
        if aud == audience:
            texts += [(c["id"], normalize(c["text"])) for c in load_cases(EVAL_DIR / f"{name}.jsonl")]
    exact = set(bank) & {t for _, t in texts}
    assert not exact
    near: list[Any] = []
    grams = [(u, _grams(u)) for u in bank]
    for cid, text in texts:
        g = _grams(text)
        for u, gu in grams:
            if len(g & gu) / len(g | gu) >= 0.8:
                near.append((cid, text, u))
    assert not near
