"""Orchestration layer: resolve the period, enforce the caller's scope, read through the
store, check sufficiency, call the pure domain function, attach provenance.

The outside world (assistant, channels, UI) calls :func:`run_tool` with a :class:`ToolContext`.
"""

from tools.api.context import Scope, ToolContext, run_tool

__all__ = ["Scope", "ToolContext", "run_tool"]
