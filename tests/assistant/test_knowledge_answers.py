"""The knowledge reply opens with the sentence that carries the fact asked (packaged articles, BM25).

Questions worded here (not taken from the evaluation sets); each expected fact is read from the
article text (REN 1.000/2021, Lei 14.300/2022, PRODIST, LGPD).
"""

from __future__ import annotations

import re

import pytest

from assistant.knowledge_tool import search_knowledge
from assistant.render import knowledge_reply
from knowledge.retriever import HybridRetriever


@pytest.fixture(scope="module")
def lexical() -> HybridRetriever:
    return HybridRetriever.lexical()


def _first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s+(?=[A-ZÁÉÍÓÚÂÊÔÃÕÇ•*])", text.strip(), maxsplit=1)[0]


CASES = [
    # (question, article expected on top, regex the first sentence must contain)
    ("com quantos dias de antecedencia a companhia tem que me notificar antes de suspender a luz por divida?",
     "corte-de-energia-regras", r"15 dias"),
    ("eu consigo comercializar o excedente das placas fotovoltaicas?", "gd-como-funciona", r"^Não\."),
    ("os creditos do solar podem abater a conta de outro imovel que eu tenho?", "gd-autoconsumo-remoto",
     r"mesmo titular"),
    ("metade das lampadas apagou e o resto da casa ta normal, o que eu faço?", "falta-de-fase", r"fase"),
    ("com a religacao na zona rural, qual o prazo maximo?", "religacao-prazos", r"48 horas"),
    ("a empresa tem quanto tempo pra me entregar a declaração completa dos meus dados?", "lgpd-seus-dados",
     r"15 dias"),
]


@pytest.mark.parametrize(("question", "article", "fact"), CASES)
def test_the_first_sentence_carries_the_fact(lexical: HybridRetriever, question: str, article: str,
                                             fact: str) -> None:
    result = search_knowledge(lexical, question, "customer", k=3)
    assert result.value.passages[0].article_id == article
    reply, cites = knowledge_reply(result)
    assert re.search(fact, _first_sentence(reply)), reply
    assert cites and cites[0]["article_id"] == article


def test_the_other_sections_of_the_best_article_travel_as_context(lexical: HybridRetriever) -> None:
    result = search_knowledge(lexical, "quanto tempo valem os creditos da energia solar?", "customer", k=3)
    top = result.value.passages[0]
    context = result.value.context
    assert context and all(p.article_id == top.article_id and p.score == 0.0 for p in context)
    ids = {p.chunk_id for p in result.value.passages}
    assert not ids & {p.chunk_id for p in context}
    article = [c.chunk_id for c in lexical.article_chunks(top.article_id)]
    assert sorted([top.chunk_id, *(p.chunk_id for p in context)], key=article.index) == article


def test_a_follow_up_is_answered_from_its_own_words(lexical: HybridRetriever) -> None:
    """The search carries the topic of the previous question; the answer reads the latest message."""
    message = "e nos finais de semana, como fica?"
    query = f"qual é o horário de ponta da cpfl? {message}"
    result = search_knowledge(lexical, query, "customer", k=3)
    assert result.value.passages[0].article_id in (
        "eficiencia-horario-de-ponta", "tarifa-branca-o-que-e", "tarifa-branca-horarios-cpfl"
    )
    reply, _ = knowledge_reply(result, message)
    first = _first_sentence(reply)
    assert "sábados" in first and "fora de ponta" in first, reply


@pytest.mark.parametrize("question", ["o que é kwh?", "me explica o que é kWh pq eu nao entendo", "kwh é o que?"])
def test_the_unit_kwh_is_defined_first(question: str) -> None:
    from assistant.answers import knowledge_answer, read_cues

    assert read_cues(question).line == "kwh"
    # 1 kWh = 1,000 W for 1 h; a 5,500 W shower for 10 min = 5.5 kW x 1/6 h = 0.92 kWh
    answer = knowledge_answer(question, [{"article_id": "x", "text": "Texto qualquer de outro artigo.", "chunk_id": "x#0"}])
    assert answer.startswith("O kWh (quilowatt-hora) é a unidade de energia")
    assert "1.000 watts" in answer and "0,9 kWh" in answer
    assert "outro artigo" not in answer  # the unit's definition stands alone


@pytest.mark.parametrize("question", ["gastei mais de 300 kwh em outubro?", "quantos kwh eu gastei ontem?"])
def test_a_quantity_in_kwh_is_not_a_definition_question(question: str) -> None:
    from assistant.answers import read_cues

    assert read_cues(question).line is None
