"""The price catalogues (package data) and a user's contract prices, loaded.

Catalogue: ``tools/reference/prices/*.json`` read with importlib.resources. A user's file
(same shape, see docs/cost-model.md) is given by path or by the ``SMARTMETER_COST_PRICES``
environment variable; its prices override the catalogue's single prices or add regions.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from tools.domain.storage_cost.prices import PriceBook, merge_overrides, parse_catalogue
from tools.errors import InvalidArguments
from tools.types import TrailRef
from tools.units import d

PRICES_ENV = "SMARTMETER_COST_PRICES"


@cache
def _catalogue_docs() -> tuple[tuple[str, str], ...]:
    base = resources.files("tools.reference") / "prices"
    return tuple(
        sorted((e.name, e.read_text(encoding="utf-8")) for e in base.iterdir() if e.name.endswith(".json"))
    )


def catalogue_documents() -> list[dict[str, Any]]:
    """Every provider document of the catalogue (fx.json excluded)."""
    docs = [json.loads(text) for _, text in _catalogue_docs()]
    return [doc for doc in docs if "provider" in doc]


def user_prices_path(path: str | Path | None = None) -> Path | None:
    p = path or os.environ.get(PRICES_ENV)
    return Path(p) if p else None


def load_books(prices_path: str | Path | None = None) -> dict[str, PriceBook]:
    """Catalogue books, with the user's contract file applied when there is one."""
    books = parse_catalogue(catalogue_documents())
    path = user_prices_path(prices_path)
    if path is not None:
        if not path.is_file():
            raise InvalidArguments("prices file not found", path=str(path))
        doc = json.loads(path.read_text(encoding="utf-8"))
        docs = doc if isinstance(doc, list) else [doc]
        for one in docs:
            books = merge_overrides(books, one, origin=f"user prices file {path.name}")
    return books


def default_fx() -> tuple[Decimal, TrailRef]:
    """The catalogue's reference exchange rate (BRL per USD)."""
    for name, text in _catalogue_docs():
        if name == "fx.json":
            raw = json.loads(text)["fx_brl_per_usd"]
            return d(raw["value"]), TrailRef(f"{raw['source']} ({raw.get('date', '')})", "reference")
    return Decimal("5.40"), TrailRef("assumption", "reference")


def price_catalogue_version() -> str:
    """Dates of the catalogue documents, for provenance."""
    dates = sorted({str(b.date) for b in parse_catalogue(catalogue_documents()).values() if b.date})
    return ",".join(dates)
