"""Issue 21: service requests opened from the conversation, one conversation per request type.

The customer asks, the assistant proposes (nothing written), the customer confirms, gets the
protocol and the deadline first; the outbox row and the copilot's queue show it; a later
"e meu pedido?" is answered by ``deadline_status``. Deadlines worked by hand in
``tests/tools/test_service_requests.py`` (request confirmed on Thu 26/11/2026 10:15, Sao Paulo).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant import Assistant, ChatRequest
from assistant.session import SessionStore
from tools.api import Scope, ToolContext, run_tool
from tools.data.opstate import opstate_for
from tools.data.outbox import outbox_requests

BRT = dt.timezone(dt.timedelta(hours=-3))
NOW = dt.datetime(2026, 11, 26, 10, 15, tzinfo=BRT)
OWN = "40010001"
FIRST = "20261126000001"


@pytest.fixture()
def bot(demo_assistant: Assistant, demo_home: Path) -> Iterator[Assistant]:
    """The demo assistant with a fixed clock, fresh sessions and an empty outbox before and after."""
    a = demo_assistant
    a.deps.sessions = SessionStore()
    a.deps.clock = lambda: NOW
    with opstate_for(demo_home).transaction() as db:
        db.execute("DELETE FROM service_outbox")
    yield a
    a.deps.clock = None
    with opstate_for(demo_home).transaction() as db:
        db.execute("DELETE FROM service_outbox")


def _say(a: Assistant, session: str, text: str, inst: str = OWN) -> Any:
    return a.chat(ChatRequest(text=text, session_id=session, channel="whatsapp", installation_id=inst))


CASES = [
    pytest.param(
        "40010002",
        "boa noite, quero abrir uma reclamação da tensão aqui de casa, a luz fica fraca toda noite",
        "sim",
        "reclamação de nível de tensão",
        "11/12/2026",
        ("medições do seu medidor de", "precária em"),
        id="tensao",
    ),
    pytest.param(
        OWN,
        "queria mudar pra tarifa branca, vc consegue fazer o pedido?",
        "sim, pode",
        "troca de modalidade tarifária",
        "28/12/2026",
        ("Tarifa Branca", "últimas contas"),
        id="modalidade",
    ),
    pytest.param(OWN, "pode pedir a religação da minha luz pra mim?", "confirmo", "religação", "27/11/2026 às 10h15",
                 ("8h às 18h",), id="religacao"),
    pytest.param(
        OWN,
        "quero pedir pra verificarem meu medidor, acho q ta marcando a mais",
        "isso mesmo",
        "verificação do medidor",
        "28/12/2026",
        ("3 dias úteis",),
        id="medidor",
    ),
    pytest.param(
        OWN,
        "minha geladeira queimou dps que a energia voltou, quero pedir ressarcimento",
        "pode abrir",
        "ressarcimento de danos elétricos",
        "11/12/2026",
        ("27/11/2026", "alimentos ou remédios"),  # a fridge: vistoria in 1 business day (art. 613, I)
        id="ressarcimento",
    ),
]


@pytest.mark.parametrize(("inst", "ask", "yes", "name", "due", "proposal_words"), CASES)
def test_customer_asks_confirms_gets_protocol_and_deadline_then_asks_about_it(  # noqa: PLR0913
    bot: Assistant, demo_home: Path, demo_store: Any, inst: str, ask: str, yes: str, name: str, due: str,
    proposal_words: tuple[str, ...],
) -> None:
    sid = f"sr-{name[:8]}"
    proposal = _say(bot, sid, ask, inst)
    assert proposal.intent == "open_service_request" and proposal.refused is None
    assert [c["name"] for c in proposal.tool_calls] == ["service_request_preview"]
    assert proposal.reply.startswith("Posso ") and "Responda sim para confirmar" in proposal.reply
    assert all(w in proposal.reply for w in proposal_words), proposal.reply
    assert outbox_requests(demo_home) == []  # asked, not confirmed: nothing created

    opened = _say(bot, sid, yes, inst)
    assert [c["name"] for c in opened.tool_calls] == ["open_service_request"]
    first_sentence = opened.reply.split("\n")[0]
    assert first_sentence.startswith(f"Pronto, abri o seu pedido de {name}: protocolo {FIRST}. ")
    assert f"A distribuidora tem até {due} " in first_sentence and "REN 1.000/2021" in first_sentence
    rows = outbox_requests(demo_home, inst)
    assert [(r.protocol, r.status, r.channel) for r in rows] == [(FIRST, "open", "whatsapp")]

    queue = run_tool("service_request_queue", ToolContext(store=demo_store, scope=Scope.operator(), now=NOW), None, {})
    assert [(q.protocol, q.installation_id) for q in queue.value.requests] == [(FIRST, inst)]

    later = _say(bot, sid, "e meu pedido?", inst)
    assert later.tool_calls and later.tool_calls[0]["name"] == "deadline_status"
    assert later.tool_calls[0]["arguments"] == {"request_id": FIRST}
    assert FIRST in later.reply and "dentro do prazo" in later.reply

    again = _say(bot, sid, "sim", inst)  # a stray "sim" afterwards opens nothing
    assert again.intent != "open_service_request"
    assert len(outbox_requests(demo_home)) == 1


def test_a_later_conversation_finds_the_request(bot: Assistant, demo_home: Path) -> None:
    _say(bot, "sr-a", "pode abrir um pedido de religação pra mim")
    _say(bot, "sr-a", "sim")
    bot.deps.sessions = SessionStore()  # another day, another session
    later = _say(bot, "sr-b", "oi, como ta meu pedido de religação?")
    assert later.tool_calls[0]["name"] == "deadline_status"
    assert FIRST in [r["request_id"] for r in later.tool_calls[0]["result"]["value"]["requests"]]


def test_no_cancels_and_nothing_is_created(bot: Assistant, demo_home: Path) -> None:
    _say(bot, "sr-no", "quero pedir a verificação do medidor")
    r = _say(bot, "sr-no", "não, deixa pra lá")
    assert r.tool_calls == [] and r.reply.startswith("Tudo bem, não abri o pedido")
    assert _say(bot, "sr-no", "sim").tool_calls == [] or outbox_requests(demo_home) == []
    assert outbox_requests(demo_home) == []


def test_a_new_question_drops_the_proposal(bot: Assistant, demo_home: Path) -> None:
    _say(bot, "sr-topic", "quero abrir reclamação de tensão")
    other = _say(bot, "sr-topic", "quanto eu gastei ontem?")
    assert other.tool_calls[0]["name"] == "consumption_summary"
    stray = _say(bot, "sr-topic", "sim")
    assert all(c["name"] != "open_service_request" for c in stray.tool_calls)
    assert outbox_requests(demo_home) == []


def test_a_bare_ok_asks_again(bot: Assistant, demo_home: Path) -> None:
    _say(bot, "sr-ok", "quero pedir pra aferir o relógio de luz")
    r = _say(bot, "sr-ok", "ok")
    assert r.tool_calls == [] and "Responda sim" in r.reply
    assert _say(bot, "sr-ok", "sim").tool_calls[0]["name"] == "open_service_request"
    assert len(outbox_requests(demo_home)) == 1


def test_other_writes_are_still_declined(bot: Assistant, demo_home: Path) -> None:
    for text in ("cancela a multa da minha conta", "muda a leitura do meu medidor pra menos"):
        r = _say(bot, "sr-write", text)
        assert r.refused == "write_not_allowed" and r.tool_calls == [], text
    assert outbox_requests(demo_home) == []


def test_tarifa_branca_is_refused_for_baixa_renda(bot: Assistant, demo_home: Path) -> None:
    r = _say(bot, "sr-social", "quero aderir a tarifa branca", "40010009")
    assert "Não dá para pedir a Tarifa Branca" in r.reply and "art. 219" in r.reply
    assert _say(bot, "sr-social", "sim", "40010009").tool_calls == []
    assert outbox_requests(demo_home) == []


def test_before_identification_the_request_waits_for_it(bot: Assistant, demo_home: Path) -> None:
    r = bot.chat(ChatRequest(text="quero abrir reclamação da tensão", session_id="sr-anon", channel="web"))
    assert r.tool_calls == [] and not r.identified
    assert outbox_requests(demo_home) == []
