"""SQL text helpers for the statements DuckDB cannot parameterise (table functions, COPY targets)."""

from __future__ import annotations

from collections.abc import Iterable


def sql_str(value: object) -> str:
    """A SQL string literal (for paths in table functions and COPY, which take no parameters)."""
    return "'" + str(value).replace("'", "''") + "'"


def sql_str_list(values: Iterable[object]) -> str:
    """A SQL list of string literals, e.g. the files of ``read_parquet([...])``."""
    return "[" + ", ".join(sql_str(v) for v in values) + "]"
