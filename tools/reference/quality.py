"""PRODIST Modulo 8 reference values: ``tools/reference/quality_limits.json`` (voltage bands,
continuity limits, compensation coefficients, the EUSD fallback), parsed with numbers as Decimal."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

QUALITY_FILE = "quality_limits.json"
QUALITY_VERSION_KEY = "quality_limits"


@cache
def quality_limits() -> dict[str, Any]:
    """The parsed ``quality_limits.json`` (numbers as Decimal)."""
    text = (resources.files("tools.reference") / QUALITY_FILE).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text, parse_float=Decimal)
    return data


def quality_versions() -> dict[str, str]:
    """``{"quality_limits": version}`` for a result's provenance."""
    return {QUALITY_VERSION_KEY: str(quality_limits().get("version", ""))}
