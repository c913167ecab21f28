"""Which sentence of an article answers the question (knowledge.sentences), on passages written here."""

from __future__ import annotations

from knowledge.sentences import best_sentence, rank_sentences, split_sentences, tokens

# a small article in the corpus' style: introduction, sections, a packed section, an example
INTRO = "A mudança de titular passa a conta para o nome de outra pessoa. Ela é pedida pelo novo morador."
SECTIONS = [
    "Pedir a troca é gratuito.\n- O pedido é atendido em até **3 dias úteis** na cidade.\n- Na área rural, em até 5 dias úteis.",
    "Não. O antigo titular não pode transferir as dívidas dele para o novo morador.\n"
    "## Exemplo\nPor exemplo: Ana pediu a troca de titular numa segunda e a conta saiu no nome dela na quinta.",
]
HEADINGS = ["Mudança de titular", "Prazo da troca", "Dívidas antigas / Exemplo"]
TITLE = "Mudança de titular"


def _best(question: str) -> str:
    best = best_sentence(question, [INTRO, *SECTIONS], HEADINGS, intro=0, title=TITLE)
    assert best is not None
    return best.sentence


def test_synonyms_fold_onto_one_token() -> None:
    assert set(tokens("comercializar")) == set(tokens("venda")) == set(tokens("vender"))
    assert set(tokens("suspensão")) == set(tokens("corte")) == set(tokens("desligamento"))
    assert set(tokens("notificação")) == set(tokens("aviso"))


def test_a_bare_no_stays_with_its_sentence_and_bullets_are_sentences() -> None:
    sents = split_sentences(SECTIONS[1].split("## ")[0])
    assert sents[0].startswith("Não. O antigo titular não pode")
    assert split_sentences(SECTIONS[0])[1] == "• O pedido é atendido em até **3 dias úteis** na cidade."


def test_a_deadline_question_gets_the_sentence_with_the_number_of_days() -> None:
    assert "3 dias úteis" in _best("em quantos dias fazem a troca do titular da conta aqui na cidade?")
    assert "5 dias úteis" in _best("e no sitio, a troca de titular demora quanto?")


def test_a_may_i_question_gets_the_yes_or_no() -> None:
    assert _best("o dono anterior pode passar as dividas dele pro novo morador?").startswith("Não.")


def test_a_definition_question_gets_the_introduction() -> None:
    assert _best("o que é mudança de titular?") == (
        "A mudança de titular passa a conta para o nome de outra pessoa."
    )


def test_an_example_does_not_lead_over_the_rule() -> None:
    ranked = rank_sentences("a troca de titular sai no nome da pessoa em quantos dias?",
                            [INTRO, *SECTIONS], HEADINGS, intro=0, title=TITLE)
    assert not ranked[0].sentence.startswith("Por exemplo")
    assert "dias úteis" in ranked[0].sentence


def test_a_sentence_sharing_no_word_gets_no_bonus() -> None:
    ranked = rank_sentences("quanto tempo?", ["O prazo é de 10 dias."], ["Prazos"])
    assert ranked[0].score == 0 and ranked[0].overlap == 0


def test_a_definition_question_gets_the_sentence_that_spells_the_term_out() -> None:
    # the term is an acronym whose letters are also a stem of a question word ("fic" of "ficar"):
    # it still counts, and the line "FIC = ..." beats the one that merely mentions FIC
    passages = [
        "As regras de continuidade valem para cada unidade consumidora.",
        "Os limites de DIC e FIC saem impressos na fatura todo mês.\n"
        "- DIC = soma das horas sem energia no período;\n- FIC = quantas vezes faltou energia no período.",
    ]
    heads = ["Continuidade", "Indicadores"]
    for question, expected in (
        ("oq é o FIC?", "• FIC = quantas vezes faltou energia no período."),
        ("o que significa DIC", "• DIC = soma das horas sem energia no período;"),
    ):
        best = best_sentence(question, passages, heads, intro=0, title="Continuidade")
        assert best is not None and best.sentence == expected


def test_an_article_number_does_not_end_a_sentence() -> None:
    from knowledge.sentences import split_sentences

    text = "Variáveis do art. 440: k0 = 50 % do custo. Ver os arts. 222 e 223 e o inc. IV. A troca é em 30 dias."
    assert split_sentences(text) == [
        "Variáveis do art. 440: k0 = 50 % do custo.",
        "Ver os arts. 222 e 223 e o inc. IV.",
        "A troca é em 30 dias.",
    ]


def test_a_time_asked_with_pode_is_a_duration_question() -> None:
    from knowledge.sentences import _cues

    assert _cues("em quanto tempo eles podem cortar?")["duration"]
    assert not _cues("em quanto tempo eles podem cortar?")["permission"]  # the time answers, not a yes/no
    assert _cues("eles podem cortar no sábado?")["permission"]
