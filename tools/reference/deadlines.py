"""Regulated service deadlines: ``tools/reference/deadlines.json`` read and parsed into the
:class:`~tools.domain.deadline_reference.DeadlineReference` of the domain."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from tools.domain.deadline_reference import DeadlineReference, parse_reference

DEADLINES_FILE = "deadlines.json"


@cache
def deadlines_document() -> dict[str, Any]:
    """The parsed ``deadlines.json``."""
    text = (resources.files("tools.reference") / DEADLINES_FILE).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def load_deadline_reference() -> DeadlineReference:
    """The packaged deadlines reference (read and parsed once)."""
    return parse_reference(deadlines_document())
