"""Date arithmetic the outside callers (assistant, channels, operator UI) share with the tools:
re-exported from :mod:`tools.domain` so that they reach it through ``tools.api`` only (an import
contract in ``pyproject.toml``)."""

from tools.domain.calendar import LOCAL_TZ, easter
from tools.domain.periods import add_months, month_bounds, resolve_period

__all__ = ["LOCAL_TZ", "add_months", "easter", "month_bounds", "resolve_period"]
