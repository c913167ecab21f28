"""Administrative entry points of the assistant layer (called by ``smartmeter setup`` / ``eval``).

Thin wrappers over :mod:`knowledge`: the tools layer cannot import it, so
``tools.api.admin.build_demo`` late-binds :func:`build_knowledge_index` from here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def build_knowledge_index(home: str | Path, *, embedder: Any = None, progress: Any = None) -> dict[str, Any]:
    """Build or incrementally update the knowledge index under ``<home>/chroma``.

    Only articles whose content (or the chunker / embedding backend) changed are re-embedded.
    Returns the :class:`knowledge.index.IndexReport` as a dict (articles, chunks,
    embedded_articles, embedded_chunks, removed_articles, seconds, ...).
    """
    from knowledge.index import build_index

    return build_index(home, embedder=embedder, progress=progress).to_dict()


def retrieval_eval(home: str | Path, *, embedder: Any = None) -> dict[str, Any]:
    """Recall@3 and MRR of lexical-only, dense-only and hybrid retrieval on the labelled set.

    The dict has ``modes`` (scores per mode), ``questions``, ``table`` (printable text) and
    ``misses`` (ids of the questions missed per mode).
    """
    from knowledge.evaluation import format_retrieval_eval, run_retrieval_eval

    report = run_retrieval_eval(home, embedder=embedder)
    report["table"] = format_retrieval_eval(report)
    report["misses"] = {mode: [m["id"] for m in misses] for mode, misses in report["misses"].items()}
    return report
