"""Retrieval evaluation: recall@k and MRR for lexical-only, dense-only and hybrid retrieval.

The labelled set (``knowledge/eval/retrieval.jsonl``) maps a question to the article ids that
answer it (any of them counts as a hit)::

    {"id": "k001", "text": "...", "audience": "customer", "articles": ["religacao-prazos"], "origin": "shared:d053"}

Each question is searched with the audience filter the assistant uses (customers see customer
articles; operators see both). Ranks are over distinct articles. ``run_retrieval_eval`` is
what ``smartmeter eval --retrieval`` prints through :func:`format_retrieval_eval`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from knowledge.retriever import MODES, HybridRetriever, Mode

MRR_DEPTH = 10


@dataclass(frozen=True, slots=True)
class LabelledQuestion:
    id: str
    text: str
    audience: str
    articles: tuple[str, ...]
    origin: str = ""


def default_eval_path() -> Path:
    return Path(str(resources.files("knowledge") / "eval" / "retrieval.jsonl"))


def load_questions(path: str | Path | None = None) -> list[LabelledQuestion]:
    p = Path(path) if path is not None else default_eval_path()
    out = []
    for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        if not row.get("articles"):
            raise ValueError(f"{p}:{n}: question without articles")
        out.append(
            LabelledQuestion(
                id=str(row.get("id", n)),
                text=row["text"],
                audience=row.get("audience", "customer"),
                articles=tuple(row["articles"]),
                origin=row.get("origin", ""),
            )
        )
    return out


def _score(ranked: Sequence[str], relevant: Sequence[str], k: int) -> tuple[float, float, int | None]:
    rank = next((i for i, a in enumerate(ranked[:MRR_DEPTH], start=1) if a in relevant), None)
    hit = 1.0 if rank is not None and rank <= k else 0.0
    return hit, (1.0 / rank if rank else 0.0), rank


def evaluate(
    retriever: HybridRetriever,
    questions: Sequence[LabelledQuestion],
    *,
    k: int = 3,
    modes: Sequence[Mode] = MODES,
) -> dict[str, Any]:
    """Scores per mode plus the misses (questions whose answer is not in the top ``k``)."""
    available = [m for m in modes if m == "lexical" or retriever.store is not None]
    report: dict[str, Any] = {"questions": len(questions), "k": k, "modes": {}, "misses": {}}
    unknown = sorted({a for q in questions for a in q.articles} - {c.article_id for c in retriever.chunks})
    if unknown:
        raise ValueError(f"labelled articles not in the index: {unknown}")
    shared = [q for q in questions if q.origin.startswith("shared:")]
    report["shared_questions"] = len(shared)
    for mode in available:
        hits = rr = 0.0
        shared_hits = shared_rr = 0.0
        misses = []
        for q in questions:
            ranked = retriever.articles(q.text, MRR_DEPTH, audience=q.audience, mode=mode)
            hit, recip, rank = _score(ranked, q.articles, k)
            hits += hit
            rr += recip
            if q.origin.startswith("shared:"):
                shared_hits += hit
                shared_rr += recip
            if not hit:
                misses.append(
                    {
                        "id": q.id,
                        "text": q.text,
                        "expected": list(q.articles),
                        "got": ranked[:k],
                        "rank": rank,
                    }
                )
        n = max(len(questions), 1)
        report["modes"][mode] = {
            f"recall_at_{k}": round(hits / n, 4),
            "mrr": round(rr / n, 4),
            f"shared_recall_at_{k}": round(shared_hits / max(len(shared), 1), 4),
            "shared_mrr": round(shared_rr / max(len(shared), 1), 4),
        }
        report["misses"][mode] = misses
    return report


def run_retrieval_eval(
    home_or_index: str | Path | HybridRetriever,
    *,
    eval_path: str | Path | None = None,
    k: int = 3,
    modes: Sequence[Mode] = MODES,
    embedder: Any = None,
) -> dict[str, Any]:
    """Evaluate retrieval on the labelled set.

    ``home_or_index`` is a smartmeter home (the index under ``<home>/chroma`` is opened with
    the default or given ``embedder``) or an already opened :class:`HybridRetriever`.
    Returns ``{"questions", "shared_questions", "k", "modes": {mode: {"recall_at_3", "mrr",
    "shared_recall_at_3", "shared_mrr"}}, "misses", "index_articles", "index_chunks"}``; the
    ``shared_*`` scores cover only the questions taken from ``shared/eval``. Latency is measured
    by ``bench/bench_knowledge.py``, not here.
    """
    if isinstance(home_or_index, HybridRetriever):
        retriever = home_or_index
    else:
        retriever = HybridRetriever.open(home_or_index, embedder=embedder)
    questions = load_questions(eval_path)
    report = evaluate(retriever, questions, k=k, modes=modes)
    report["index_chunks"] = len(retriever.chunks)
    report["index_articles"] = len({c.article_id for c in retriever.chunks})
    return report


def format_retrieval_eval(report: dict[str, Any], *, show_misses: int = 0) -> str:
    """Plain-text table of the scores (one row per mode), optionally with some misses."""
    k = report["k"]
    lines = [
        f"retrieval eval: {report['questions']} questions, "
        f"{report.get('index_articles', '?')} articles / {report.get('index_chunks', '?')} chunks",
        f"{'mode':<8} {f'recall@{k}':>9} {'MRR':>7}   "
        f"{'shared only (' + str(report.get('shared_questions', 0)) + '): recall / MRR':>36}",
    ]
    for mode, s in report["modes"].items():
        shared = f"{s.get(f'shared_recall_at_{k}', 0):.3f} / {s.get('shared_mrr', 0):.3f}"
        lines.append(f"{mode:<8} {s[f'recall_at_{k}']:>9.3f} {s['mrr']:>7.3f}   {shared:>36}")
    if show_misses:
        for mode, misses in report.get("misses", {}).items():
            for m in misses[:show_misses]:
                lines.append(
                    f"  miss [{mode}] {m['id']} {m['text']!r} expected={m['expected']} got={m['got']}"
                )
    return "\n".join(lines)
