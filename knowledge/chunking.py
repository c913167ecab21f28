"""Knowledge articles: front matter, validation and section chunking (pure, no I/O besides reading).

An article is a Markdown file in ``knowledge/documents/`` with front matter::

    ---
    id: religacao-prazos
    title: Prazos para religar a energia
    audience: customer            # customer | operator
    topics: [religacao, prazos]   # from TOPICS
    source: REN 1.000/2021, art. 362
    vigencia: texto compilado até a REN 1.150/2026
    status: confirmed             # confirmed | unconfirmed
    url: https://...              # optional
    ---

The body is split at ``## `` headings; the text before the first heading is the article's
introduction. A section may end with a line ``Fonte: <citation>``: that citation becomes the
section's anchor, otherwise the article ``source`` is used. Every chunk carries its citation,
status and audience, so a passage never travels without its source. Sections longer than
``max_words`` are split at paragraph boundaries, each piece keeping heading and citation.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Literal

#: bump when the chunking rules change: every article is then re-embedded
CHUNKER_VERSION = "2"

Audience = Literal["customer", "operator"]
Status = Literal["confirmed", "unconfirmed"]

AUDIENCES: tuple[str, ...] = ("customer", "operator")
STATUSES: tuple[str, ...] = ("confirmed", "unconfirmed")

#: allowed topic tags (metadata filters); a typo in an article fails validation
TOPICS: frozenset[str] = frozenset(
    {
        "fatura",
        "tarifa",
        "bandeira",
        "tributos",
        "tarifa_branca",
        "gd",
        "tarifa_social",
        "continuidade",
        "tensao",
        "prazos",
        "religacao",
        "suspensao",
        "ligacao",
        "atendimento",
        "danos",
        "medidor",
        "leitura",
        "pagamento",
        "lgpd",
        "eficiencia",
        "grupo_a",
        "indicadores",
        "custos",
        "dados",
        "compensacao",
    }
)

REQUIRED_FIELDS: tuple[str, ...] = ("id", "title", "audience", "topics", "source", "vigencia", "status")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{2,80}$")
_FONTE = re.compile(r"^\s*Fonte:\s*(?P<src>.+?)\s*$")
DEFAULT_MAX_WORDS = 170
DEFAULT_MIN_WORDS = 60


class ArticleError(ValueError):
    """An article file is malformed (missing field, unknown audience/topic, duplicate id...)."""


@dataclass(frozen=True, slots=True)
class Article:
    id: str
    title: str
    audience: Audience
    topics: tuple[str, ...]
    source: str
    vigencia: str
    status: Status
    body: str
    url: str = ""
    path: str = ""
    content_hash: str = ""  # sha256 of the whole file text (front matter included)


@dataclass(frozen=True, slots=True)
class Chunk:
    """One indexed passage: a section (or part of one) of an article, with its citation."""

    chunk_id: str  # "<article_id>#<position>"
    article_id: str
    title: str
    section: str
    text: str
    source: str
    audience: Audience
    status: Status
    topics: tuple[str, ...] = ()
    vigencia: str = ""
    url: str = ""
    position: int = 0
    article_hash: str = ""
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def embed_text(self) -> str:
        """What the embedding model sees: title, section heading and text."""
        head = self.title if self.section in ("", self.title) else f"{self.title}. {self.section}"
        return f"{head}.\n{self.text}"

    @property
    def search_text(self) -> str:
        """What BM25 indexes (same as ``embed_text``)."""
        return self.embed_text


# --------------------------------------------------------------------------- front matter


def _parse_value(raw: str) -> str | list[str]:
    raw = raw.strip()
    if raw.startswith("[") and raw.endswith("]"):
        return [v.strip().strip("\"'") for v in raw[1:-1].split(",") if v.strip()]
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        return raw[1:-1]
    return raw


def split_front_matter(text: str, where: str = "") -> tuple[dict[str, str | list[str]], str]:
    """Return ``(fields, body)``. Front matter is ``key: value`` lines between ``---`` fences."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise ArticleError(f"{where}: missing front matter (first line must be ---)")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise ArticleError(f"{where}: front matter is not closed with ---") from None
    fields: dict[str, str | list[str]] = {}
    for n, line in enumerate(lines[1:end], start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise ArticleError(f"{where}:{n}: expected 'key: value'")
        value = re.sub(r"\s+#.*$", "", value) if not value.strip().startswith(("http", "[")) else value
        fields[key.strip()] = _parse_value(value)
    return fields, "\n".join(lines[end + 1 :]).strip() + "\n"


def parse_article(text: str, path: str = "") -> Article:
    """Parse and validate one article file's text."""
    where = path or "<article>"
    fields, body = split_front_matter(text, where)
    missing = [f for f in REQUIRED_FIELDS if not fields.get(f)]
    if missing:
        raise ArticleError(f"{where}: missing front-matter fields {missing}")

    def scalar(name: str) -> str:
        value = fields.get(name, "")
        if isinstance(value, list):
            raise ArticleError(f"{where}: field {name!r} must be a single value")
        return value

    topics = fields["topics"]
    topics = [topics] if isinstance(topics, str) else topics
    art_id, audience, status = scalar("id"), scalar("audience"), scalar("status")
    if not _ID.match(art_id):
        raise ArticleError(f"{where}: id {art_id!r} must be lower-case letters, digits and '-'")
    if audience not in AUDIENCES:
        raise ArticleError(f"{where}: audience {audience!r} not in {AUDIENCES}")
    if status not in STATUSES:
        raise ArticleError(f"{where}: status {status!r} not in {STATUSES}")
    unknown = sorted(set(topics) - TOPICS)
    if unknown:
        raise ArticleError(f"{where}: unknown topics {unknown}; allowed: {sorted(TOPICS)}")
    if not body.strip():
        raise ArticleError(f"{where}: empty body")
    return Article(
        id=art_id,
        title=scalar("title"),
        audience=audience,  # type: ignore[arg-type]
        topics=tuple(topics),
        source=scalar("source"),
        vigencia=scalar("vigencia"),
        status=status,  # type: ignore[arg-type]
        body=body,
        url=scalar("url") if "url" in fields else "",
        path=path,
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


def documents_dir() -> Path:
    """The packaged articles folder (``knowledge/documents``)."""
    return Path(str(resources.files("knowledge") / "documents"))


def load_articles(directory: str | Path | None = None) -> list[Article]:
    """Read and validate every ``*.md`` article of ``directory`` (default: the packaged corpus).

    Raises :class:`ArticleError` on the first malformed file or on a duplicate id.
    """
    base = Path(directory) if directory is not None else documents_dir()
    articles: list[Article] = []
    seen: dict[str, str] = {}
    for path in sorted(base.glob("*.md")):
        if path.name.upper() == "README.MD":
            continue
        art = parse_article(path.read_text(encoding="utf-8"), str(path))
        if art.id in seen:
            raise ArticleError(f"duplicate article id {art.id!r} in {path} and {seen[art.id]}")
        seen[art.id] = str(path)
        articles.append(art)
    return articles


# --------------------------------------------------------------------------- chunking


@dataclass(frozen=True, slots=True)
class _Section:
    heading: str
    text: str
    source: str
    explicit: bool = False  # True when the section has its own "Fonte:" line


def _sections(article: Article) -> list[_Section]:
    sections: list[_Section] = []
    heading = ""  # the introduction has no heading
    buf: list[str] = []

    def flush() -> None:
        source = ""
        kept: list[str] = []
        for ln in buf:
            m = _FONTE.match(ln)
            if m:
                source = m.group("src")
            else:
                kept.append(ln)
        text = "\n".join(kept).strip()
        if text:
            sections.append(_Section(heading or article.title, text, source or article.source, bool(source)))

    for line in article.body.splitlines():
        if line.startswith("## "):
            flush()
            heading, buf = line[3:].strip(), []
        elif line.startswith("# ") and not sections and not buf:
            continue  # an optional H1 repeating the title
        else:
            buf.append(line)
    flush()
    return sections


def _split_long(text: str, max_words: int) -> list[str]:
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    pieces: list[str] = []
    current: list[str] = []
    count = 0
    for para in paragraphs:
        n = len(para.split())
        if current and count + n > max_words:
            pieces.append("\n\n".join(current))
            current, count = [], 0
        current.append(para)
        count += n
    if current:
        pieces.append("\n\n".join(current))
    return pieces


def _pack(sections: list[_Section], min_words: int, max_words: int) -> list[list[_Section]]:
    """Group consecutive short sections so that a passage is never a lone sentence."""
    groups: list[list[_Section]] = []
    words = 0
    for section in sections:
        n = len(section.text.split())
        if groups and words < min_words and words + n <= max_words:
            groups[-1].append(section)
            words += n
        else:
            groups.append([section])
            words = n
    if len(groups) > 1 and sum(len(s.text.split()) for s in groups[-1]) < min_words:
        last = groups[-1]
        if sum(len(s.text.split()) for s in groups[-2] + last) <= max_words:
            groups[-2].extend(groups.pop())
    return groups


def _unique(items: Iterable[str]) -> list[str]:
    out: list[str] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def chunk_article(
    article: Article, max_words: int = DEFAULT_MAX_WORDS, min_words: int = DEFAULT_MIN_WORDS
) -> list[Chunk]:
    """Split an article into section chunks, each with its citation anchor(s).

    Sections shorter than ``min_words`` are joined with the next one (their headings kept
    as ``## `` lines and their citations joined with ``; ``); sections longer than
    ``max_words`` are split at paragraph boundaries.
    """
    chunks: list[Chunk] = []
    for group in _pack(_sections(article), min_words, max_words):
        if len(group) == 1:
            heading, source, texts = group[0].heading, group[0].source, [group[0].text]
        else:
            heading = " / ".join(s.heading for s in group)
            explicit = _unique(s.source for s in group if s.explicit)
            source = "; ".join(explicit) if explicit else article.source
            texts = ["\n\n".join([group[0].text] + [f"## {s.heading}\n{s.text}" for s in group[1:]])]
        for text in texts:
            for piece in _split_long(text, max_words):
                chunks.append(
                    Chunk(
                        chunk_id=f"{article.id}#{len(chunks)}",
                        article_id=article.id,
                        title=article.title,
                        section=heading,
                        text=piece,
                        source=source,
                        audience=article.audience,
                        status=article.status,
                        topics=article.topics,
                        vigencia=article.vigencia,
                        url=article.url,
                        position=len(chunks),
                        article_hash=article.content_hash,
                    )
                )
    return chunks


def chunk_corpus(
    articles: Iterable[Article], max_words: int = DEFAULT_MAX_WORDS, min_words: int = DEFAULT_MIN_WORDS
) -> list[Chunk]:
    return [c for a in articles for c in chunk_article(a, max_words, min_words)]


def article_fingerprint(article: Article, embedder_name: str) -> str:
    """Hash that decides re-embedding: file content + chunker version + embedding backend."""
    h = hashlib.sha256()
    for part in (article.content_hash, CHUNKER_VERSION, embedder_name):
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()[:32]


def by_id(articles: Sequence[Article]) -> dict[str, Article]:
    return {a.id: a for a in articles}
