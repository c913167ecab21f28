"""Chroma adapter: one persistent collection per embedding backend under ``<home>/chroma``.

Offline settings (see ``shared/design/dependencies.md`` §2): telemetry off, no embedding
function (``embedding_function=None``); vectors are always passed explicitly, documents with
``passage:`` and queries with ``query:`` embeddings computed by :mod:`knowledge.embeddings`.
``chromadb`` is imported only when a store is opened.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from knowledge.chunking import Chunk

COLLECTION_PREFIX = "knowledge"


class VectorStore(Protocol):
    def count(self) -> int: ...

    def article_hashes(self) -> dict[str, str]: ...

    def chunks(self) -> list[Chunk]: ...

    def upsert(self, chunks: Sequence[Chunk], embeddings: np.ndarray) -> None: ...

    def delete_articles(self, article_ids: Sequence[str]) -> None: ...

    def query(
        self,
        vector: np.ndarray,
        n: int,
        audiences: Sequence[str] | None = None,
        topics: Sequence[str] | None = None,
    ) -> list[tuple[str, float]]: ...


def chroma_path(home: str | Path) -> Path:
    return Path(home) / "chroma"


def collection_name(embedder_name: str) -> str:
    return f"{COLLECTION_PREFIX}-{embedder_name}"[:512]


def _metadata(chunk: Chunk) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "article_id": chunk.article_id,
        "title": chunk.title,
        "section": chunk.section,
        "source": chunk.source,
        "audience": chunk.audience,
        "status": chunk.status,
        "topics": "|".join(chunk.topics),
        "vigencia": chunk.vigencia,
        "url": chunk.url,
        "position": chunk.position,
        "article_hash": chunk.article_hash,
    }
    for topic in chunk.topics:  # boolean flags so `where` can filter by topic
        meta[f"t_{topic}"] = True
    return meta


def _chunk_from(chunk_id: str, text: str, meta: dict[str, Any]) -> Chunk:
    return Chunk(
        chunk_id=chunk_id,
        article_id=str(meta["article_id"]),
        title=str(meta["title"]),
        section=str(meta.get("section", "")),
        text=text,
        source=str(meta["source"]),
        audience=meta["audience"],
        status=meta["status"],
        topics=tuple(t for t in str(meta.get("topics", "")).split("|") if t),
        vigencia=str(meta.get("vigencia", "")),
        url=str(meta.get("url", "")),
        position=int(meta.get("position", 0)),
        article_hash=str(meta.get("article_hash", "")),
    )


def build_where(audiences: Sequence[str] | None, topics: Sequence[str] | None) -> dict[str, Any] | None:
    """Chroma ``where`` for an audience set and any-of topics (``None`` = no filter)."""
    clauses: list[dict[str, Any]] = []
    if audiences:
        clauses.append(
            {"audience": {"$in": list(audiences)}} if len(audiences) > 1 else {"audience": audiences[0]}
        )
    if topics:
        flags = [{f"t_{t}": True} for t in topics]
        clauses.append(flags[0] if len(flags) == 1 else {"$or": flags})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


class ChromaStore:
    """Persistent Chroma collection ``knowledge-<embedder>`` under ``<home>/chroma``."""

    def __init__(self, home: str | Path, embedder_name: str) -> None:
        os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
        import chromadb
        from chromadb.config import Settings

        self.path = chroma_path(home)
        self.path.mkdir(parents=True, exist_ok=True)
        self.embedder_name = embedder_name
        self._client = chromadb.PersistentClient(
            path=str(self.path), settings=Settings(anonymized_telemetry=False, allow_reset=False)
        )
        self._col = self._client.get_or_create_collection(
            name=collection_name(embedder_name),
            embedding_function=None,
            metadata={"hnsw:space": "cosine", "embedder": embedder_name},
        )

    @property
    def name(self) -> str:
        return str(self._col.name)

    def count(self) -> int:
        return int(self._col.count())

    def _get_all(self, include: list[str]) -> dict[str, Any]:
        return dict(self._col.get(include=include))  # type: ignore[arg-type]

    def article_hashes(self) -> dict[str, str]:
        got = self._get_all(["metadatas"])
        out: dict[str, str] = {}
        for meta in got.get("metadatas") or []:
            out[str(meta["article_id"])] = str(meta.get("article_hash", ""))
        return out

    def chunks(self) -> list[Chunk]:
        got = self._get_all(["documents", "metadatas"])
        chunks = [
            _chunk_from(cid, doc or "", dict(meta or {}))
            for cid, doc, meta in zip(got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True)
        ]
        return sorted(chunks, key=lambda c: (c.article_id, c.position))

    def upsert(self, chunks: Sequence[Chunk], embeddings: np.ndarray) -> None:
        if not chunks:
            return
        self._col.upsert(
            ids=[c.chunk_id for c in chunks],
            embeddings=np.asarray(embeddings, dtype=np.float32).tolist(),
            documents=[c.text for c in chunks],
            metadatas=[_metadata(c) for c in chunks],
        )

    def delete_articles(self, article_ids: Sequence[str]) -> None:
        if article_ids:
            where: Any = {"article_id": {"$in": list(article_ids)}}
            self._col.delete(where=where)

    def query(
        self,
        vector: np.ndarray,
        n: int,
        audiences: Sequence[str] | None = None,
        topics: Sequence[str] | None = None,
    ) -> list[tuple[str, float]]:
        """Nearest chunks as ``(chunk_id, cosine similarity)``, best first."""
        total = self.count()
        if total == 0:
            return []
        res = self._col.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32).tolist()],
            n_results=min(n, total),
            where=build_where(audiences, topics),
            include=["distances"],
        )
        ids = res["ids"][0]
        dists = (res.get("distances") or [[]])[0]
        return [(cid, 1.0 - float(d)) for cid, d in zip(ids, dists, strict=True)]
