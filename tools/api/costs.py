"""Tools of this area (see tools.registry). Filled by the corresponding issue."""

from __future__ import annotations

from tools.registry import ToolSpec

SPECS: tuple[ToolSpec, ...] = ()
