"""Multi-turn behaviour on the demo store: follow-ups, clarifying questions, "como calculou?",
the tariff what-if, and WhatsApp-sized replies."""

from __future__ import annotations

import re

from assistant import Assistant, ChatRequest
from assistant.session import SessionStore

OWN = "40010001"


def _talk(a: Assistant, session: str, *texts: str, **kw: object) -> list:  # type: ignore[type-arg]
    kw.setdefault("installation_id", OWN)
    return [a.chat(ChatRequest(text=t, session_id=session, channel="whatsapp", **kw)) for t in texts]  # type: ignore[arg-type]


def _fresh(a: Assistant) -> Assistant:
    a.deps.sessions = SessionStore()
    return a


def test_follow_ups_reuse_the_topic_with_the_new_period(demo_assistant: Assistant) -> None:
    a = _fresh(demo_assistant)
    r = _talk(
        a, "f1", "quanto consumi em outubro?", "e no mês anterior?", "e em agosto?", "e a conta de setembro?"
    )
    assert [x.tool_calls[0]["name"] for x in r] == ["consumption_summary"] * 3 + ["explain_bill"]
    assert [x.slots.get("period") for x in r[:3]] == ["2026-10", "2026-09", "2026-08"]
    assert r[3].slots == {"reference": "2026-09"}


def test_bill_follow_up_takes_the_previous_bill(demo_assistant: Assistant) -> None:
    a = _fresh(demo_assistant)
    first, second = _talk(a, "f2", "me explica a conta de outubro", "e a anterior?")
    assert first.slots == {"reference": "2026-10"} and second.slots == {"reference": "2026-09"}


def test_appliance_follow_up(demo_assistant: Assistant) -> None:
    a = _fresh(demo_assistant)
    first, second = _talk(a, "f3", "quanto o chuveiro gasta?", "e a geladeira?")
    assert first.slots.get("appliance") == "shower" and second.slots.get("appliance") == "refrigeration"
    assert second.tool_calls[0]["arguments"]["appliance"] == "refrigeration"


def test_content_free_question_without_context_gets_a_clarifying_question(demo_assistant: Assistant) -> None:
    a = _fresh(demo_assistant)
    first, second = _talk(a, "c1", "e aí, quanto foi?", "o consumo")
    assert first.intent == "clarify" and first.tool_calls == [] and first.refused is None
    assert "?" in first.reply
    assert second.tool_calls and second.tool_calls[0]["name"] == "consumption_summary"


def test_content_free_question_with_context_repeats_the_topic(demo_assistant: Assistant) -> None:
    a = _fresh(demo_assistant)
    _, again = _talk(a, "c2", "quanto gastei semana passada?", "e aí, quanto deu?")
    assert again.tool_calls[0]["name"] == "consumption_summary" and again.slots == {"period": "last_week"}


def test_detail_on_request_is_the_trail_of_the_last_answer(demo_assistant: Assistant) -> None:
    a = _fresh(demo_assistant)
    answer, detail = _talk(a, "d1", "quanto consumi ontem?", "como calculou?")
    assert detail.intent == "show_detail" and detail.tool_calls == []
    assert detail.reply.startswith("Como calculei:") and len(detail.reply) <= 1600
    assert "kWh" in detail.reply


def test_tariff_what_if_reports_the_shifted_scenario(demo_assistant: Assistant) -> None:
    a = _fresh(demo_assistant)
    base, what_if = _talk(
        a, "w1", "a tarifa branca compensa pra mim?", "e se eu tirar o chuveiro do horário de ponta?"
    )
    assert base.tool_calls[0]["arguments"] == {}
    assert what_if.tool_calls[0]["name"] == "compare_tariffs"
    assert what_if.tool_calls[0]["arguments"] == {"shift": "peak_to_offpeak"}
    value = what_if.tool_calls[0]["result"]["value"]
    assert value["branca_shifted"] is not None
    # the first sentence answers the what-if: the shifted scenario (default 30% of ponta + intermediário)
    first = what_if.reply.split("\n")[0]
    assert re.search(r"passando 30(,0)?% do consumo da ponta", first) and what_if.reply != base.reply


def test_handoff_summary_carries_the_conversation(demo_assistant: Assistant) -> None:
    a = _fresh(demo_assistant)
    _, handoff = _talk(a, "h1", "minha conta veio alta, por quê?", "quero falar com um atendente")
    assert handoff.handoff and handoff.tool_calls == []
    item = a.deps.sessions.handoffs()[0]
    assert item["summary"]["identified"] is True and item["summary"]["last_intent"] == "explain_bill"
    assert [c["name"] for c in item["summary"]["tool_calls"]] == ["explain_bill"]


def test_general_questions_work_before_identification(demo_assistant: Assistant) -> None:
    a = _fresh(demo_assistant)
    r = a.chat(ChatRequest(text="qual a bandeira desse mes?", session_id="g1", channel="web"))
    assert r.refused is None and r.tool_calls[0]["name"] == "tariff_flag"
    r = a.chat(ChatRequest(text="quanto consumi ontem?", session_id="g1", channel="web"))
    assert r.refused == "not_identified" and r.tool_calls == []


def test_copilot_sql_fallback_shows_the_rows_and_the_statement(demo_assistant: Assistant, demo_store) -> None:  # type: ignore[no-untyped-def]
    a = _fresh(demo_assistant)
    expected = demo_store.rows("SELECT count(*) FROM installations WHERE phases = 3")[0][0]
    r = a.chat(ChatRequest(text="quantos medidores trifásicos temos?", session_id="o1", audience="operator"))
    assert r.tool_calls[0]["name"] == "sql_query"
    assert (
        r.tool_calls[0]["arguments"]["sql"]
        == "SELECT count(*) AS instalacoes FROM installations WHERE phases = 3"
    )
    assert f"instalacoes: {expected}" in r.reply and "SQL executado: SELECT" in r.reply
    r = a.chat(
        ChatRequest(text="liste as instalações do trafo TR-0012", session_id="o1", audience="operator")
    )
    assert (
        "installation_id: 4001" in r.reply
        and "transformer_id = 'TR-0012'" in r.reply
        and len(r.reply) <= 1600
    )
