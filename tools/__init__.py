"""Deterministic analytics over smart-meter data: the only place numbers are made.

Public façade: callers use :func:`run_tool` with a :class:`ToolContext` and get a
:class:`ToolResult` with value, units, trail, issues and provenance.
"""

from tools.api import Scope, ToolContext, run_tool
from tools.types import Issue, Period, Provenance, Step, ToolResult, TrailRef

__all__ = ["Issue", "Period", "Provenance", "Scope", "Step", "ToolContext", "ToolResult", "TrailRef", "run_tool"]
