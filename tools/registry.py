"""Tool registry: name → spec (callable, argument model, audience).

Drives the CLI (``smartmeter tool``), the REST routes, the assistant's tool adapters and the
README catalogue. Each ``tools.api.<area>`` module declares ``SPECS``; this module collects them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel

from tools.errors import UnknownTool
from tools.types import Audience, ToolResult

#: api modules that declare ``SPECS: tuple[ToolSpec, ...]``
_MODULES = (
    "tools.api.consumption",
    "tools.api.billing",
    "tools.api.quality",
    "tools.api.fleet",
    "tools.api.deadlines",
    "tools.api.costs",
    "tools.api.demand",
    "tools.api.sql",
    "tools.api.service_requests",
    "tools.api.engagement",
    "tools.api.challenges",
    "tools.api.outage_notices",
)


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """A registered tool.

    ``fn(ctx, installation_id, args)`` returns a :class:`ToolResult`. Customer tools get the
    installation from the caller (bound after identification), never from ``args``.
    """

    name: str
    fn: Callable[..., ToolResult[Any]]
    args_model: type[BaseModel]
    audience: tuple[Audience, ...]
    needs_installation: bool
    summary: str  # one line, English, for docs and the LLM tool description
    cites: tuple[str, ...] = ()  # regulation articles the tool applies
    writes: bool = False  # records something (a service request): never offered to an LLM, called on confirmation


@cache
def all_specs() -> dict[str, ToolSpec]:
    specs: dict[str, ToolSpec] = {}
    for mod_name in _MODULES:
        mod = importlib.import_module(mod_name)
        for spec in getattr(mod, "SPECS", ()):
            specs[spec.name] = spec
    return specs


def get(name: str) -> ToolSpec:
    try:
        return all_specs()[name]
    except KeyError:
        raise UnknownTool("unknown tool", name=name, known=sorted(all_specs())) from None


def names(audience: Audience | None = None) -> list[str]:
    return sorted(n for n, s in all_specs().items() if audience is None or audience in s.audience)
