"""Knowledge articles by id, for citation links (the web chat opens the article a reply cites)."""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def _articles() -> dict[str, Any]:
    from knowledge.chunking import by_id, load_articles

    return dict(by_id(load_articles()))


def article(article_id: str) -> dict[str, Any] | None:
    a = _articles().get(article_id)
    if a is None:
        return None
    return {"id": a.id, "title": a.title, "source": a.source, "status": a.status, "audience": a.audience, "body": a.body}
