"""Official spelling (IBGE) of the municipalities served: ``data/places.toml``."""

from __future__ import annotations

from functools import cache

from tools.reference.billing import read_file


@cache
def place_names() -> dict[str, str]:
    """Municipality as officially written, by its name without accents in lower case."""
    return {str(k): str(v) for k, v in read_file("places.toml")["names"].items()}
