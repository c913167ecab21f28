"""Knowledge articles as HTML pages: Markdown rendered on the server (raw HTML in the source is escaped),
one anchor per section, and the section a citation quotes highlighted at ``#citado``."""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Any

from markdown_it import MarkdownIt

_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def _slug(text: str) -> str:
    return _norm(text).replace(" ", "-")[:60] or "secao"


def sections(body: str) -> list[tuple[str, str]]:
    """(heading, markdown) pairs; the introduction has an empty heading."""
    out: list[tuple[str, str]] = []
    heading, buf = "", list[str]()
    for line in body.splitlines():
        if line.startswith("## "):
            if heading or "".join(buf).strip():
                out.append((heading, "\n".join(buf).strip()))
            heading, buf = line[3:].strip(), []
        elif line.startswith("# ") and not out and not buf:
            continue  # a title line repeats the article title
        else:
            buf.append(line)
    if heading or "".join(buf).strip():
        out.append((heading, "\n".join(buf).strip()))
    return out


def cited_index(parts: list[tuple[str, str]], excerpt: str | None) -> int | None:
    """The section that contains the quoted excerpt (its first words, Markdown markers ignored)."""
    if not excerpt:
        return None
    words = _norm(excerpt).split()
    for size in (12, 6, 3):
        probe = " ".join(words[:size])
        if not probe:
            return None
        for i, (heading, text) in enumerate(parts):
            if probe in _norm(f"{heading} {text}"):
                return i
    return None


def render_article_page(article: dict[str, Any], excerpt: str | None = None) -> str:
    title = html.escape(str(article["title"]))
    parts = sections(str(article["body"]))
    cited = cited_index(parts, excerpt)
    blocks = []
    for i, (heading, text) in enumerate(parts):
        anchor = "citado" if i == cited else _slug(heading or "introducao")
        cls = ' class="cited"' if i == cited else ""
        head = f"<h2>{html.escape(heading)}</h2>" if heading else ""
        blocks.append(f'<section id="{anchor}"{cls}>{head}{_MD.render(text)}</section>')
    badge = (
        '<p><span class="badge">Contém valores de referência, ainda não confirmados na fonte oficial</span></p>'
        if article.get("status") == "unconfirmed" else ""
    )
    return (
        '<!doctype html><html lang="pt-BR"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{title}</title><link rel="stylesheet" href="/static/style.css"></head>'
        f'<body class="page"><main class="article"><p><a href="/">← Voltar ao atendimento</a></p><h1>{title}</h1>'
        f"{badge}{''.join(blocks)}"
        f'<p class="status">Fonte: {html.escape(str(article["source"]))}</p></main></body></html>'
    )
