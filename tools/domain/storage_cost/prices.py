"""Price books for the cost estimator (pure: parsed JSON in, typed books out).

A catalogue document (``tools/reference/prices/<provider>.json``, or a user's contract file
with the same shape) holds one provider and its regions or profiles::

    {"provider": "aws", "kind": "cloud", "currency": "USD", "title": "...",
     "regions": {"sa-east-1": {"label": "...", "date": "...", "source": "...",
                               "params": {"messaging": "brokers", ...},
                               "prices": {"object_standard_gb_month": {"value": 0.0405, "unit": "USD/GB-month",
                                          "status": "reference", "source": "...", "date": "2025"}, ...}}}}

Every price keeps its status: ``confirmed`` (read in a dated copy of the provider's page or a
signed contract) or ``reference`` (recalled / derived, to verify before relying on it).
User files override single prices or add regions; their prices are marked with the file
as source.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Literal

from tools.errors import InvalidArguments
from tools.types import TrailRef
from tools.units import d

Status = Literal["confirmed", "reference"]
Kind = Literal["cloud", "on_premises"]


@dataclass(frozen=True, slots=True)
class Price:
    key: str
    value: Decimal
    unit: str
    status: Status
    source: str
    date: str = ""

    def ref(self) -> TrailRef:
        label = f"{self.source} ({self.date})" if self.date else self.source
        return TrailRef(label, self.status)


@dataclass(frozen=True, slots=True)
class PriceBook:
    """Prices of one provider region (cloud) or one on-premises TCO profile."""

    id: str  # "aws:sa-east-1", "onprem:commodity"
    provider: str
    region: str
    kind: Kind
    label: str
    currency: str
    date: str
    source: str
    prices: Mapping[str, Price] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)

    def get(self, key: str) -> Price | None:
        return self.prices.get(key)

    def param(self, key: str, default: Any = None) -> Any:
        return self.params.get(key, default)

    def missing(self, keys: Iterable[str]) -> list[str]:
        return [k for k in keys if k not in self.prices]


def _price(key: str, raw: Any, defaults: Mapping[str, str]) -> Price | None:
    if isinstance(raw, Mapping):
        value = raw.get("value")
        if value is None:
            return None
        status = str(raw.get("status", defaults.get("status", "reference")))
        return Price(
            key=key,
            value=d(value),
            unit=str(raw.get("unit", "")),
            status="confirmed" if status == "confirmed" else "reference",
            source=str(raw.get("source", defaults.get("source", ""))),
            date=str(raw.get("date", defaults.get("date", ""))),
        )
    if raw is None:
        return None
    return Price(key, d(raw), "", "reference", defaults.get("source", ""), defaults.get("date", ""))


def parse_document(doc: Mapping[str, Any], *, origin: str = "") -> dict[str, PriceBook]:
    """Books of one catalogue document, keyed ``provider:region``."""
    provider = str(doc.get("provider", "")).strip().lower()
    if not provider:
        raise InvalidArguments("price document without provider", origin=origin)
    kind: Kind = "on_premises" if doc.get("kind") == "on_premises" else "cloud"
    books: dict[str, PriceBook] = {}
    for region, body in (doc.get("regions") or {}).items():
        defaults = {
            "source": str(body.get("source", doc.get("source", origin))),
            "date": str(body.get("date", doc.get("date", ""))),
            "status": str(body.get("status", doc.get("status", "reference"))),
        }
        prices = {}
        for key, raw in (body.get("prices") or {}).items():
            p = _price(str(key), raw, defaults)
            if p is not None:
                prices[str(key)] = p
        books[f"{provider}:{region}"] = PriceBook(
            id=f"{provider}:{region}",
            provider=provider,
            region=str(region),
            kind=kind,
            label=str(body.get("label", region)),
            currency=str(doc.get("currency", "USD")),
            date=defaults["date"],
            source=defaults["source"],
            prices=prices,
            params=dict(body.get("params") or {}),
        )
    return books


def parse_catalogue(docs: Iterable[Mapping[str, Any]]) -> dict[str, PriceBook]:
    """Price books of every provider document, by book id."""
    out: dict[str, PriceBook] = {}
    for doc in docs:
        out.update(parse_document(doc))
    return out


def merge_overrides(
    books: Mapping[str, PriceBook], doc: Mapping[str, Any], origin: str
) -> dict[str, PriceBook]:
    """Apply a user's contract file: single prices replace catalogue ones, new regions are added."""
    out = dict(books)
    for book_id, over in parse_document(doc, origin=origin).items():
        base = out.get(book_id)
        if base is None:
            out[book_id] = over
            continue
        out[book_id] = replace(
            base,
            prices={**base.prices, **over.prices},
            params={**base.params, **over.params},
        )
    return out


#: Default book per provider name (São Paulo regions, where Brazilian meter data should live).
DEFAULT_REGION: dict[str, str] = {
    "aws": "sa-east-1",
    "azure": "brazilsouth",
    "gcp": "southamerica-east1",
    "oci": "sa-saopaulo-1",
    "huawei": "la-south-2",
    "onprem": "commodity",
}
INFRA_DEFAULT: dict[str, str] = {"cloud": "aws", "on_premises": "onprem"}


def select_book(books: Mapping[str, PriceBook], provider: str, region: str | None = None) -> PriceBook:
    """The book for ``provider`` (``aws``, ``onprem``, ``aws:us-east-1``...) and optional region."""
    name = provider.strip().lower()
    if name in INFRA_DEFAULT:
        name = INFRA_DEFAULT[name]
    if ":" in name:
        name, region = name.split(":", 1)
    book_id = f"{name}:{region or DEFAULT_REGION.get(name, '')}"
    if book_id not in books:
        raise InvalidArguments(
            "unknown provider or region", provider=provider, region=region, known=sorted(books)
        )
    return books[book_id]
