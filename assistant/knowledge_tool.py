"""The ``search_knowledge`` tool: cited passages from the regulation/FAQ knowledge base.

The assistant layer is the only place that imports :mod:`knowledge.retriever` (``tools/``
may not). The result follows the tool contract: a frozen value (the passages with title,
source, article id, score, status), a trail step with the query and the retrieval method,
citations with their confirmed/unconfirmed status, and issues (no result; unconfirmed source).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from knowledge.retriever import HybridRetriever, Passage, Retriever, audiences_for
from tools.types import Issue, Provenance, Step, ToolResult, TrailRef

TOOL_NAME = "search_knowledge"
SUMMARY = (
    "Search the pt-BR regulation and FAQ articles; returns cited passages (title, source, article, score)."
)

Audience = Literal["customer", "operator"]


@dataclass(frozen=True, slots=True)
class KnowledgeResult:
    query: str
    audience: str
    passages: tuple[Passage, ...]
    #: the other sections of the best article (score 0), where the sentence that answers may be
    context: tuple[Passage, ...] = ()


def make_retriever(home: str | Path, *, embedder: Any = None) -> HybridRetriever:
    """Open the hybrid retriever over the index built by ``smartmeter setup`` under ``home``."""
    return HybridRetriever.open(home, embedder=embedder)


def _method(retriever: Retriever) -> tuple[str, str]:
    mode = getattr(retriever, "mode", "hybrid")
    rrf_k = getattr(retriever, "rrf_k", 60)
    formulas = {
        "lexical": "bm25(stem_pt(query), stem_pt(passage))",
        "dense": "cosine(embed_query(query), embed_passage(passage))",
        "hybrid": f"sum over [bm25, dense] of 1 / ({rrf_k} + rank)",
    }
    return str(mode), formulas.get(str(mode), str(mode))


def _context(retriever: Retriever, passages: tuple[Passage, ...]) -> tuple[Passage, ...]:
    article_chunks = getattr(retriever, "article_chunks", None)
    if not passages or article_chunks is None:
        return ()
    have = {p.chunk_id for p in passages}
    return tuple(
        Passage.from_chunk(c, 0.0) for c in article_chunks(passages[0].article_id) if c.chunk_id not in have
    )


def search_knowledge(
    retriever: Retriever,
    query: str,
    audience: Audience | str,
    k: int = 3,
    *,
    topics: Sequence[str] | None = None,
) -> ToolResult[KnowledgeResult]:
    """Search the knowledge base for ``query`` as seen by ``audience``.

    Customers see customer articles; operators see operator and customer articles. Passages
    are the best section of each of the top ``k`` articles, best first; ``context`` holds the
    other sections of the best article, so that the answer can start with the sentence that
    carries the fact asked even when it sits in another section.
    """
    passages = tuple(retriever.search(query, k, audience=audience, topics=topics))
    context = _context(retriever, passages)
    mode, formula = _method(retriever)
    refs: list[TrailRef] = []
    for p in passages:
        ref = TrailRef(
            source=p.source, status="unconfirmed" if p.status == "unconfirmed" else "confirmed", url=p.url
        )
        if ref not in refs:
            refs.append(ref)
    step = Step(
        key="knowledge.step.search",
        inputs={
            "query": query,
            "audience": str(audience),
            "audiences_searched": list(audiences_for(audience) or ()),
            "topics": list(topics or ()),
            "k": k,
            "mode": mode,
        },
        formula=formula,
        output=[{"article_id": p.article_id, "chunk_id": p.chunk_id, "score": p.score} for p in passages],
        unit="score",
        refs=tuple(refs),
    )
    issues: list[Issue] = []
    if not passages:
        issues.append(Issue(code="issue.knowledge.no_results", severity="warning", data={"query": query}))
    for p in passages:
        if p.status == "unconfirmed":
            issues.append(
                Issue(
                    code="issue.knowledge.unconfirmed_source",
                    severity="warning",
                    data={"article_id": p.article_id, "title": p.title, "source": p.source},
                )
            )
    embedder = getattr(retriever, "embedder", None)
    versions = {"knowledge_mode": mode}
    if embedder is not None:
        versions["knowledge_embedder"] = str(getattr(embedder, "name", ""))
    chunks = getattr(retriever, "chunks", None)
    if chunks is not None:
        versions["knowledge_chunks"] = str(len(chunks))
    return ToolResult(
        tool=TOOL_NAME,
        value=KnowledgeResult(query=query, audience=str(audience), passages=passages, context=context),
        units={"score": "rrf" if mode == "hybrid" else ("bm25" if mode == "lexical" else "cosine")},
        trail=(step,),
        issues=tuple(issues),
        provenance=Provenance(reference_versions=versions),
        citations=tuple(refs),
    )
