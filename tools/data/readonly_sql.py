"""Guarded read-only SQL for the operator copilot's ``sql_query`` fallback.

Three independent layers (any one of them alone stops the customer register):

1. **Validation** (sqlglot, DuckDB dialect): one SELECT (or set operation of SELECTs); every
   table reference is resolved *by scope* (``sqlglot.optimizer.scope``), so a CTE named like a
   forbidden table (``WITH customers AS (SELECT * FROM customers) …``) still has its inner
   ``customers`` resolved to the real table and refused; no table functions, file paths,
   qualified names or personal-data columns.
2. **A separate connection that can see only the allow-listed views**: a fresh in-memory DuckDB
   per query holding the allow-listed register tables (without any personal column) and views
   over the lake's Parquet files, then ``enable_external_access=false`` (only the lake directory
   stays readable), ``lock_configuration=true``, one thread and a memory limit. The store's own
   connection — with ``customers``, ``apikeys.json`` beside it, the usage aggregates — is never
   given to the statement.
3. **Output columns** are checked against an allow-list (the allowed views' columns, the
   statement's own aliases and expressions over them; never a personal-data name).

The statement runs wrapped in a row limit, with a time limit (interrupted when it expires).
"""

from __future__ import annotations

import datetime as dt
import decimal
import difflib
import re
import threading
import uuid
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd
import sqlglot
from sqlglot import exp
from sqlglot.optimizer.scope import Scope, traverse_scope

from tools.data import schema
from tools.data.store import Store
from tools.errors import QueryNotAllowed

#: Register tables the guarded connection receives, with the columns it receives (no personal data,
#: no link key to the customer register).
_REGISTER_VIEWS: dict[str, tuple[str, ...]] = {
    "installations": tuple(c for c in schema.INSTALLATION_COLUMNS if c != "customer_key"),
    "service_requests": ("request_id", "installation_id", "request_type", "opened_at", "closed_at", "status",
                         "area", "region"),
    "event_codes": ("code", "kind", "key", "category"),
}
_LAKE_VIEWS: dict[str, tuple[str, ...]] = {t: (*cols, "month") for t, cols in schema.LAKE_TABLES.items()}
_DERIVED_VIEWS: dict[str, tuple[str, ...]] = {
    "outages": ("installation_id", "start_ts", "end_ts", "duration_min", "counts_as_interruption"),
}
ALLOWED_VIEWS = frozenset({*_REGISTER_VIEWS, *_LAKE_VIEWS, *_DERIVED_VIEWS})
#: Every column a guarded statement may return under its own name.
ALLOWED_COLUMNS = frozenset(
    c for views in (_REGISTER_VIEWS, _LAKE_VIEWS, _DERIVED_VIEWS) for cols in views.values() for c in cols
)
_FORBIDDEN_FUNCS = frozenset(
    {"read_csv", "read_csv_auto", "read_parquet", "read_json", "read_json_auto", "read_text", "read_blob", "glob",
     "parquet_scan", "sniff_csv", "query", "query_table", "getenv", "current_setting", "duckdb_settings",
     "duckdb_tables", "duckdb_views", "duckdb_columns", "duckdb_databases", "duckdb_extensions",
     "pragma_table_info", "sqlite_scan", "postgres_scan", "parquet_metadata", "parquet_schema", "load_extension"}
)
#: Personal data (customer register) and secrets: refused as columns and as output names.
_FORBIDDEN_COLUMNS = frozenset({"cpf", "phone", "titular_name", "customer_key", "email", "digest", "salt"})
_PERSONAL_NAME = re.compile(r"cpf|phone|telefone|titular|e-?mail|customer_key|apikey|api_key|secret|token", re.I)
MEMORY_LIMIT = "1GB"


@dataclass(frozen=True, slots=True)
class SqlOutcome:
    sql: str  # the statement actually run (with the row limit)
    frame: pd.DataFrame
    truncated: bool


def _refuse(message: str, reason: str, **context: Any) -> QueryNotAllowed:
    return QueryNotAllowed(message, reason=reason, **context)


def validate(sql: str) -> exp.Expression:
    """Parse and check; raise QueryNotAllowed with a reason code in ``context['reason']``."""
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except (sqlglot.errors.ParseError, sqlglot.errors.TokenError) as exc:
        raise _refuse("parse error", "parse_error") from exc
    if len(statements) != 1:
        raise _refuse("one statement only", "multiple_statements")
    tree = statements[0]
    if not isinstance(tree, exp.Select | exp.Union | exp.Intersect | exp.Except):
        raise _refuse("select only", "not_select")
    if tree.find(exp.Into, exp.Command, exp.Pragma, exp.Set, exp.Create, exp.Insert, exp.Update, exp.Delete,
                 exp.Drop, exp.Copy):
        raise _refuse("select only", "not_select")
    for table in tree.find_all(exp.Table):
        if isinstance(table.this, exp.Func) or not table.name:
            raise _refuse("table function", "table_function")
        if table.args.get("db") or table.args.get("catalog"):
            raise _refuse("qualified table", "qualified_table", table=table.name.lower())
    _check_scopes(tree)
    for func in tree.find_all(exp.Func):
        fname = (func.name if isinstance(func, exp.Anonymous) else func.sql_name()).lower()
        if fname in _FORBIDDEN_FUNCS or "read_" in fname or "scan" in fname:
            raise _refuse("function not allowed", "function_not_allowed", function=fname)
    for col in tree.find_all(exp.Column):
        if col.name.lower() in _FORBIDDEN_COLUMNS:
            raise _refuse("personal data", "personal_data", column=col.name)
    return tree


def _check_scopes(tree: exp.Expression) -> None:
    """Every table reference, resolved in its own scope, is a CTE/subquery or an allowed view."""
    try:
        scopes = traverse_scope(tree)
    except Exception as exc:  # noqa: BLE001 - sqlglot cannot resolve it: refuse, never guess
        raise _refuse("unresolvable statement", "parse_error") from exc
    resolved: set[int] = set()
    for scope in scopes:
        for source in scope.sources.values():
            if isinstance(source, Scope):
                continue
            if isinstance(source, exp.Table):
                resolved.add(id(source))
                if source.name.lower() not in ALLOWED_VIEWS:
                    raise _refuse("table not allowed", "table_not_allowed", table=source.name.lower())
    # Defence in depth: a table node the scopes did not see may only be an allowed view.
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        name = table.name.lower()
        if id(table) not in resolved and name not in ALLOWED_VIEWS and name not in ctes:
            raise _refuse("table not allowed", "table_not_allowed", table=name)


def guarded_connection(store: Store) -> duckdb.DuckDBPyConnection:
    """A fresh in-memory DuckDB that holds only the allow-listed views, then locked down."""
    con = duckdb.connect(":memory:")
    try:
        cur = store.cursor()
        try:
            for table, cols in _REGISTER_VIEWS.items():
                frame = cur.sql(f"SELECT {', '.join(cols)} FROM {table}").to_arrow_table()
                con.register(f"_src_{table}", frame)
                con.execute(f"CREATE VIEW {table} AS SELECT * FROM _src_{table}")
        finally:
            cur.close()
        for table in _LAKE_VIEWS:
            con.execute(store.lake_view_sql(table, absolute=True))
        con.execute(store.outages_view_sql())
        lake = str(store.lake.resolve()).rstrip("/") + "/"
        con.execute(f"SET allowed_directories = ['{lake.replace(chr(39), chr(39) * 2)}']")
        con.execute("SET enable_external_access = false")
        con.execute("SET autoinstall_known_extensions = false")
        con.execute("SET autoload_known_extensions = false")
        con.execute("SET threads = 1")
        con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        con.execute("SET lock_configuration = true")
    except Exception:
        con.close()
        raise
    return con


def _check_output(columns: list[str], tree: exp.Expression) -> None:
    aliases = {a.alias.lower() for a in tree.find_all(exp.Alias)} | {
        c.alias_or_name.lower() for c in tree.find_all(exp.CTE)
    }
    for name in columns:
        low = name.lower()
        if low in _FORBIDDEN_COLUMNS or _PERSONAL_NAME.search(low):
            raise _refuse("personal data", "personal_data", column=name)
        if low in ALLOWED_COLUMNS or low in aliases or not re.fullmatch(r"[a-z_][a-z0-9_]*", low):
            continue  # a view column, the statement's own alias, or an expression's generated name
        raise _refuse("column not allowed", "column_not_allowed", column=name)


def _plain(value: Any) -> Any:
    """A JSON-friendly Python value for any DuckDB result type (lists, structs, maps, blobs...)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return str(value)


def with_column_meant(sql: str, refusal: QueryNotAllowed) -> tuple[str, str, str] | None:
    """The statement with an unknown column replaced by the one view column that contains its name
    ("modality" → "tariff_modality"), as ``(sql, column, replacement)``; None when not that case."""
    ctx = refusal.context
    candidates = [c for c in str(ctx.get("candidates", "")).split(", ") if c]
    column = str(ctx.get("column", "")).lower()
    if ctx.get("reason") != "unknown_column" or len(candidates) != 1 or column not in candidates[0]:
        return None
    tree = validate(sql)
    for col in tree.find_all(exp.Column):
        if col.name.lower() == column:
            col.set("this", exp.to_identifier(candidates[0]))
    return tree.sql(dialect="duckdb"), column, candidates[0]


def run_readonly(store: Store, sql: str, params: list[Any] | None = None, max_rows: int = 500,
                 timeout_s: float = 10.0) -> SqlOutcome:
    """Validate, limit, run on a guarded connection with a time limit; check the output columns."""
    tree = validate(sql)
    inner = tree.sql(dialect="duckdb")
    limited = f"SELECT * FROM ({inner}) AS q LIMIT {int(max_rows) + 1}"
    con = guarded_connection(store)
    timer = threading.Timer(timeout_s, con.interrupt)
    timer.start()
    try:
        cur = con.execute(limited, params or [])
        columns = [d[0] for d in cur.description or []]
        raw = cur.fetchall()
    except duckdb.InterruptException as exc:
        raise _refuse("time limit", "timeout", seconds=timeout_s) from exc
    except duckdb.PermissionException as exc:
        raise _refuse("file access not allowed", "file_access") from exc
    except duckdb.Error as exc:
        if "interrupt" in str(exc).lower():
            raise _refuse("time limit", "timeout", seconds=timeout_s) from exc
        missing = re.search(r'column "([^"]+)" not found', str(exc))
        if missing:  # the operator's own column name, with the view columns it may have meant
            name = missing.group(1).lower()
            candidates = sorted(c for c in ALLOWED_COLUMNS if name in c) or difflib.get_close_matches(
                name, sorted(ALLOWED_COLUMNS), n=3, cutoff=0.7
            )
            raise _refuse(
                "unknown column", "unknown_column", column=missing.group(1), candidates=", ".join(candidates[:3])
            ) from exc
        raise _refuse("query failed", "execution_error", error=type(exc).__name__) from exc
    finally:
        timer.cancel()
        con.close()
    _check_output(columns, tree)
    if len(set(columns)) != len(columns):
        columns = [c if columns.index(c) == i else f"{c}_{i}" for i, c in enumerate(columns)]
    rows = [[_plain(v) for v in r] for r in raw[:max_rows]]
    frame = pd.DataFrame(rows, columns=columns, dtype=object) if rows else pd.DataFrame(columns=columns)
    return SqlOutcome(sql=limited, frame=frame, truncated=len(raw) > max_rows)
