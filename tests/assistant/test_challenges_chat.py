"""Challenge questions in WhatsApp-style writing, answered from challenge_status (the demo's
shower-challenge home, 40010048, joined the week of 16/11/2026; docs/scenarios.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant, AssistantDeps, ChatRequest
from assistant.grounding import ungrounded
from assistant.session import SessionStore

CHALLENGER = "40010048"


@pytest.fixture(scope="module")
def chat(demo_store, tmp_path_factory: pytest.TempPathFactory) -> Assistant:  # type: ignore[no-untyped-def]
    home: Path = tmp_path_factory.mktemp("challenge-chat")
    return Assistant(AssistantDeps(home=home, store=demo_store, sessions=SessionStore()))


def _ask(a: Assistant, text: str, session: str, inst: str = CHALLENGER):  # type: ignore[no-untyped-def]
    return a.chat(ChatRequest(text=text, session_id=session, channel="whatsapp", installation_id=inst))


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("como tô no desafio?", "Você cumpriu o desafio da semana fora da ponta: de 16/11/2026 a 22/11/2026"),
        ("qntos pontos eu tenho ai??", "Você tem "),
        ("quantos pontos eu tenho", "Você tem "),
        ("ganhei algum selo?", "Sim: você tem 2 selos: Semana fora da ponta, Banho fora da ponta."),
        ("e o chuveiro, consegui tirar da ponta?", "No desafio do chuveiro, os banhos no horário de ponta caíram de "),
        ("me manda o resumo do mês dos desafios", "Resumo de novembro/2026: "),
        ("tô gastando menos q no ano passado?", "Neste mês você está gastando "),
    ],
)
def test_challenge_questions_route_and_answer_first(chat: Assistant, text: str, first: str) -> None:
    r = _ask(chat, text, "c-" + str(abs(hash(text))))
    assert [c["name"] for c in r.tool_calls] == ["challenge_status"]
    assert r.reply.startswith(first), r.reply
    results = [c["result"] for c in r.tool_calls]
    assert ungrounded(r.reply, results, text) == []


def test_points_answer_names_the_total_of_the_tool(chat: Assistant) -> None:
    r = _ask(chat, "quantos pontos eu tenho", "points")
    total = r.tool_calls[0]["result"]["value"]["points_total"]
    assert r.reply.startswith(f"Você tem {total} pontos")
    assert "R$ 3,30" in _ask(chat, "e o desafio do chuveiro?", "shower").reply  # 4,9 kWh x R$ 0,67444


def test_a_customer_who_did_not_join_is_told_so(chat: Assistant) -> None:
    r = _ask(chat, "como to no desafio", "other", inst="40010001")
    assert r.reply.startswith("Você não se inscreveu em um desafio desta semana")


def test_joining_by_message_on_a_store_of_its_own(tiny_assistant: Assistant) -> None:
    # a store of its own: joining writes the enrolment, which must not touch the shared demo home
    r = tiny_assistant.chat(ChatRequest(text="quero participar do desafio", session_id="join", channel="whatsapp",
                                        installation_id="40010001"))
    assert [c["name"] for c in r.tool_calls] == ["join_challenge"]
    assert r.reply.startswith("Pronto, você está no desafio da semana fora da ponta e no desafio do chuveiro, "
                              "de 30/11/2026 a 06/12/2026.")
