"""Incremental index build on a real Chroma store (hash embeddings: instant)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from knowledge.chunking import chunk_corpus, documents_dir, load_articles
from knowledge.embeddings import HashEmbedder
from knowledge.index import build_index
from knowledge.store import ChromaStore


class CountingEmbedder(HashEmbedder):
    """Hash embeddings that remember which passages were embedded."""

    def __init__(self) -> None:
        super().__init__(dim=128)
        self.embedded: list[str] = []

    def embed_passages(self, texts):  # type: ignore[no-untyped-def]
        self.embedded.extend(texts)
        return super().embed_passages(texts)


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    shutil.copytree(documents_dir(), docs, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return docs


def test_changing_one_article_re_embeds_only_that_article(tmp_path: Path, corpus: Path):
    home = tmp_path / "home"
    emb = CountingEmbedder()
    first = build_index(home, embedder=emb, documents=corpus)
    n_chunks = len(chunk_corpus(load_articles(corpus)))
    assert first.embedded_chunks == first.chunks == n_chunks == len(emb.embedded)
    assert ChromaStore(home, emb.name).count() == n_chunks

    emb.embedded.clear()
    again = build_index(home, embedder=emb, documents=corpus)
    assert again.embedded_chunks == 0 and emb.embedded == []
    assert again.unchanged_articles == again.articles

    path = corpus / "religacao-prazos.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("até **24 horas**", "até **24 horas** (exemplo editado)"), encoding="utf-8")
    changed = build_index(home, embedder=emb, documents=corpus)
    religacao_chunks = [c for c in chunk_corpus(load_articles(corpus)) if c.article_id == "religacao-prazos"]
    assert changed.embedded_articles == ("religacao-prazos",)
    assert changed.embedded_chunks == len(religacao_chunks) == len(emb.embedded)
    assert all(t.startswith("Prazos para religar a energia") for t in emb.embedded)
    assert changed.unchanged_articles == changed.articles - 1

    store = ChromaStore(home, emb.name)
    assert store.count() == n_chunks  # old chunks replaced, not duplicated
    stored = {c.chunk_id: c for c in store.chunks()}
    assert any("exemplo editado" in stored[c.chunk_id].text for c in religacao_chunks)


def test_removed_article_is_deleted_from_the_index(tmp_path: Path, corpus: Path):
    home = tmp_path / "home"
    emb = HashEmbedder(dim=64)
    build_index(home, embedder=emb, documents=corpus)
    (corpus / "eficiencia-standby.md").unlink()
    report = build_index(home, embedder=emb, documents=corpus)
    assert report.removed_articles == ("eficiencia-standby",)
    assert report.embedded_chunks == 0
    ids = {c.article_id for c in ChromaStore(home, emb.name).chunks()}
    assert "eficiencia-standby" not in ids and len(ids) == report.articles


def test_store_query_filters_by_audience_and_topic(tmp_path: Path, corpus: Path):
    emb = HashEmbedder(dim=256)
    build_index(tmp_path, embedder=emb, documents=corpus)
    store = ChromaStore(tmp_path, emb.name)
    by_id = {c.chunk_id: c for c in store.chunks()}
    vec = emb.embed_query("compensação por DRP e DRC de tensão precária")
    cust = store.query(vec, 10, audiences=["customer"])
    assert cust and all(by_id[cid].audience == "customer" for cid, _ in cust)
    gd = store.query(vec, 10, topics=["gd"])
    assert gd and all("gd" in by_id[cid].topics for cid, _ in gd)
    scores = [s for _, s in store.query(vec, 5)]
    assert scores == sorted(scores, reverse=True) and -1.0 <= scores[-1] <= scores[0] <= 1.0


def test_hash_embedder_is_deterministic_and_normalised():
    emb = HashEmbedder(dim=64)
    a = emb.embed_passages(["religação da energia", "bandeira tarifária"])
    b = emb.embed_passages(["religação da energia", "bandeira tarifária"])
    assert np.array_equal(a, b)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0)
    assert float(emb.embed_query("religacao da energia") @ a[0]) == pytest.approx(1.0, abs=1e-6)
