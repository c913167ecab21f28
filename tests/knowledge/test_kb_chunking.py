"""Articles: front matter validation and section chunks that keep their citation anchor."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from knowledge.chunking import (
    TOPICS,
    ArticleError,
    chunk_article,
    chunk_corpus,
    load_articles,
    parse_article,
)

ARTICLE = """---
id: exemplo-prazos
title: Exemplo de prazos
audience: customer
topics: [prazos, religacao]
source: REN 1.000/2021, art. 362
vigencia: texto compilado até a REN 1.150/2026
status: confirmed
---
Introdução curta sem fonte própria.

## Religação normal
Prazo de 24 horas na área urbana.
Fonte: REN 1.000/2021, art. 362, inciso IV

## Taxa
A taxa segue o art. 365.
Fonte: REN 1.000/2021, art. 365

## Sem fonte na seção
Texto que herda a fonte do artigo.
"""


def test_each_chunk_keeps_its_citation_anchor():
    chunks = chunk_article(parse_article(ARTICLE, "exemplo.md"), min_words=0)
    assert [c.section for c in chunks] == [
        "Exemplo de prazos",
        "Religação normal",
        "Taxa",
        "Sem fonte na seção",
    ]
    assert [c.source for c in chunks] == [
        "REN 1.000/2021, art. 362",  # introduction: the article's source
        "REN 1.000/2021, art. 362, inciso IV",
        "REN 1.000/2021, art. 365",
        "REN 1.000/2021, art. 362",  # no "Fonte:" line: falls back to the article's source
    ]
    assert all("Fonte:" not in c.text for c in chunks)
    assert [c.chunk_id for c in chunks] == [f"exemplo-prazos#{i}" for i in range(4)]
    assert all(c.audience == "customer" and c.status == "confirmed" for c in chunks)
    assert chunks[1].embed_text.startswith("Exemplo de prazos. Religação normal.\n")


def test_short_sections_are_joined_with_all_their_anchors():
    chunks = chunk_article(parse_article(ARTICLE, "exemplo.md"), min_words=12)
    # intro (5 words) + "Religação normal" (7) reach 12; "Taxa" (5) + last section (5) are joined
    assert [c.section for c in chunks] == [
        "Exemplo de prazos / Religação normal",
        "Taxa / Sem fonte na seção",
    ]
    assert chunks[0].source == "REN 1.000/2021, art. 362, inciso IV"  # the explicit anchor
    assert chunks[1].source == "REN 1.000/2021, art. 365"
    assert "## Religação normal\nPrazo de 24 horas" in chunks[0].text


def test_long_sections_are_split_at_paragraphs_keeping_heading_and_source():
    para = " ".join(["palavra"] * 60)
    text = ARTICLE.replace("A taxa segue o art. 365.", "\n\n".join([para] * 4))
    chunks = chunk_article(parse_article(text, "x.md"), max_words=130, min_words=0)
    taxa = [c for c in chunks if c.section == "Taxa"]
    assert len(taxa) == 2  # 4 × 60 words at most 130 per piece -> 2 pieces of 120
    assert {c.source for c in taxa} == {"REN 1.000/2021, art. 365"}


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("audience: customer", "audience: cliente", "audience"),
        ("status: confirmed", "status: talvez", "status"),
        ("topics: [prazos, religacao]", "topics: [prazos, religamento]", "unknown topics"),
        ("source: REN 1.000/2021, art. 362\n", "", "missing front-matter fields"),
        ("id: exemplo-prazos", "id: Exemplo Prazos", "id"),
    ],
)
def test_front_matter_is_validated(old, new, message):
    with pytest.raises(ArticleError, match=message):
        parse_article(ARTICLE.replace(old, new), "bad.md")


def test_duplicate_ids_are_rejected(tmp_path: Path):
    (tmp_path / "a.md").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "b.md").write_text(ARTICLE, encoding="utf-8")
    with pytest.raises(ArticleError, match="duplicate article id"):
        load_articles(tmp_path)


def test_packaged_corpus_is_valid_and_cited():
    articles = load_articles()
    assert 40 <= len(articles) <= 80
    audiences = {a.audience for a in articles}
    assert audiences == {"customer", "operator"}
    assert all(set(a.topics) <= TOPICS for a in articles)
    chunks = chunk_corpus(articles)
    assert len(chunks) >= 2 * len(articles)
    assert all(c.source.strip() and c.text.strip() for c in chunks)
    assert max(len(c.text.split()) for c in chunks) <= 200


def test_unconfirmed_articles_say_valor_de_referencia():
    unconfirmed = [a for a in load_articles() if a.status == "unconfirmed"]
    assert len(unconfirmed) >= 5
    missing = [a.id for a in unconfirmed if "valor de referência" not in a.body.lower()]
    assert missing == []


def test_known_anchor_religacao_cites_art_362():
    art = {a.id: a for a in load_articles()}["religacao-prazos"]
    chunks = chunk_article(art)
    prazos = next(c for c in chunks if "Prazos de religação" in c.section)
    assert re.search(r"arts?\. 362", prazos.source)
    assert "24 horas" in prazos.text
