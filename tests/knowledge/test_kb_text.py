"""Lexical normalisation: accents, chat spelling, stemming and stopwords."""

from __future__ import annotations

import pytest

from knowledge.text import strip_accents, tokenize


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("religação", "religacao"),
        ("tensão elétrica", "tensao eletrica"),
        ("créditos de geração", "creditos de geracao"),
        ("suspensão", "SUSPENSAO"),
        ("tarifária", "tarifaria"),
    ],
)
def test_accented_and_plain_spelling_give_the_same_tokens(a, b):
    assert tokenize(a) == tokenize(b)


def test_inflections_share_a_stem():
    assert tokenize("religação")[0] == tokenize("religar")[0] == tokenize("religada")[0]
    assert tokenize("faturas")[0] == tokenize("faturamento")[0]
    assert tokenize("medidores")[0] == tokenize("medidor")[0]


def test_chat_spelling_and_stopwords():
    # "pq", "vc", "qto" expand to stopwords and vanish; content words stay
    assert tokenize("pq vc pagou qto de conta?") == tokenize("pagou conta")
    assert tokenize("o que é a tarifa branca") == tokenize("tarifa branca")


def test_strip_accents_keeps_letters():
    assert strip_accents("Ação, pôr, cédula, Ç") == "Acao, por, cedula, C"
