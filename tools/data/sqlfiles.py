"""The one loader of the named SQL files under ``tools/data/sql`` (queries live as ``.sql`` text
there and run through the typed query functions of :mod:`tools.data.queries`)."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def sql_file(name: str) -> str:
    """The text of a named query from ``tools/data/sql`` (e.g. ``"quality_voltage_sets.sql"``)."""
    return (resources.files("tools.data") / "sql" / name).read_text(encoding="utf-8")


def with_parts(name: str, **parts: str) -> str:
    """A SQL file with ``{{part}}`` placeholders replaced by other SQL files."""
    sql = sql_file(name)
    for key, part in parts.items():
        sql = sql.replace("{{" + key + "}}", sql_file(part))
    return sql


__all__ = ["sql_file", "with_parts"]
