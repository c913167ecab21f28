"""Guarded read-only SQL for the operator copilot's ``sql_query`` fallback.

The statement is parsed with sqlglot (DuckDB dialect) and accepted only if it is one SELECT
(or UNION of SELECTs) over allow-listed views, without table functions or file access; the
customer register is never reachable. It runs wrapped in a row limit, inside a transaction
that is rolled back, with a time limit (the query is interrupted when it expires).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlglot
from sqlglot import exp

from tools.data.store import Store
from tools.errors import QueryNotAllowed

ALLOWED_VIEWS = frozenset(
    {"installations", "load_profile", "voltage_10min", "events", "outages", "billing_registers", "event_codes",
     "service_requests"}
)
_FORBIDDEN_FUNCS = frozenset(
    {"read_csv", "read_csv_auto", "read_parquet", "read_json", "read_json_auto", "read_text", "read_blob", "glob",
     "parquet_scan", "sniff_csv", "query", "query_table", "getenv", "current_setting", "duckdb_settings",
     "duckdb_tables", "duckdb_views", "duckdb_columns", "pragma_table_info", "sqlite_scan", "postgres_scan"}
)
_FORBIDDEN_COLUMNS = frozenset({"cpf", "phone", "titular_name"})


@dataclass(frozen=True, slots=True)
class SqlOutcome:
    sql: str  # the statement actually run (with the row limit)
    frame: pd.DataFrame
    truncated: bool


def validate(sql: str) -> exp.Expression:
    """Parse and check; raise QueryNotAllowed with a reason code in ``context['reason']``."""
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except sqlglot.errors.ParseError as exc:
        raise QueryNotAllowed("parse error", reason="parse_error") from exc
    if len(statements) != 1:
        raise QueryNotAllowed("one statement only", reason="multiple_statements")
    tree = statements[0]
    if not isinstance(tree, exp.Select | exp.Union | exp.Intersect | exp.Except):
        raise QueryNotAllowed("select only", reason="not_select")
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        name = table.name.lower()
        if isinstance(table.this, exp.Func) or not name:
            raise QueryNotAllowed("table function", reason="table_function")
        if table.args.get("db") or table.args.get("catalog"):
            raise QueryNotAllowed("qualified table", reason="qualified_table", table=name)
        if name not in ALLOWED_VIEWS and name not in ctes:
            raise QueryNotAllowed("table not allowed", reason="table_not_allowed", table=name)
    for func in tree.find_all(exp.Func):
        fname = (func.name if isinstance(func, exp.Anonymous) else func.sql_name()).lower()
        if fname in _FORBIDDEN_FUNCS or "read_" in fname or "scan" in fname:
            raise QueryNotAllowed("function not allowed", reason="function_not_allowed", function=fname)
    for col in tree.find_all(exp.Column):
        if col.name.lower() in _FORBIDDEN_COLUMNS:
            raise QueryNotAllowed("personal data", reason="personal_data", column=col.name)
    return tree


def run_readonly(store: Store, sql: str, params: list[Any] | None = None, max_rows: int = 500,
                 timeout_s: float = 10.0) -> SqlOutcome:
    """Validate, limit, run read-only with a time limit."""
    tree = validate(sql)
    inner = tree.sql(dialect="duckdb")
    limited = f"SELECT * FROM ({inner}) AS q LIMIT {int(max_rows) + 1}"
    cur = store.cursor()
    timer = threading.Timer(timeout_s, cur.interrupt)
    timer.start()
    try:
        cur.execute("BEGIN TRANSACTION")
        frame = cur.execute(limited, params or []).df()
        cur.execute("ROLLBACK")
    except Exception as exc:
        if "interrupt" in str(exc).lower():
            raise QueryNotAllowed("time limit", reason="timeout", seconds=timeout_s) from exc
        raise QueryNotAllowed("query failed", reason="execution_error", error=type(exc).__name__) from exc
    finally:
        timer.cancel()
        cur.close()
    truncated = len(frame) > max_rows
    return SqlOutcome(sql=limited, frame=frame.head(max_rows), truncated=truncated)
