"""Errors raised when a tool cannot answer.

Raise for "cannot answer"; return :class:`tools.types.Issue` for "answered with caveats".

Exception tree::

    ToolError
    ├── NotIdentified           customer not identified yet
    ├── ForbiddenInstallation   installation outside the caller's scope (LGPD)
    ├── UnknownInstallation     installation id not in the store
    ├── UnknownTool             tool name not in the registry
    ├── InvalidArguments        arguments failed validation
    ├── InvalidPeriod           period cannot be resolved or is outside the data
    ├── NoData                  no readings for the request
    ├── InsufficientData        not enough data to compute safely
    ├── TariffNotFound          no tariff record for distributor/modality/date
    └── QueryNotAllowed         guarded SQL refused (not a single SELECT on allowed views)

Each error has a stable ``code`` (a catalogue key under ``error.``) and keeps its context
as keyword arguments in ``context``.
"""

from __future__ import annotations

from typing import Any


class ToolError(Exception):
    code = "error.tool"

    def __init__(self, message: str = "", **context: Any) -> None:
        super().__init__(message or self.code)
        self.context: dict[str, Any] = context


class NotIdentified(ToolError):
    code = "error.not_identified"


class ForbiddenInstallation(ToolError):
    code = "error.forbidden_installation"


class UnknownInstallation(ToolError):
    code = "error.unknown_installation"


class UnknownTool(ToolError):
    code = "error.unknown_tool"


class InvalidArguments(ToolError):
    code = "error.invalid_arguments"


class InvalidPeriod(ToolError):
    code = "error.invalid_period"


class NoData(ToolError):
    code = "error.no_data"


class InsufficientData(ToolError):
    code = "error.insufficient_data"


class TariffNotFound(ToolError):
    code = "error.tariff_not_found"


class QueryNotAllowed(ToolError):
    code = "error.query_not_allowed"
