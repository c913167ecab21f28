"""Where things live (issue 17): SQL only in the data layer, one loader each for SQL files and
reference data, and the two usage sources of a query read alike."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import sqlglot

from tools.data.queries.common import with_usage
from tools.data.sqlfiles import sql_file

ROOT = Path(__file__).resolve().parents[2]
SQL_EXEMPT: set[str] = set()
_SQL = re.compile(r"\bSELECT\b[\s\S]*\bFROM\b", re.I)


def _literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        (n.lineno, n.value) for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def test_no_sql_text_in_the_tool_layer() -> None:
    found = [
        f"{p.relative_to(ROOT)}:{line}"
        for p in sorted((ROOT / "tools/api").rglob("*.py"))
        if str(p.relative_to(ROOT)) not in SQL_EXEMPT
        for line, text in _literals(p)
        if _SQL.search(text)
    ]
    assert found == []


def test_reference_files_are_read_only_by_tools_reference() -> None:
    readers = [
        str(p.relative_to(ROOT))
        for p in sorted((ROOT / "tools").rglob("*.py"))
        if "tools/reference" not in str(p.relative_to(ROOT))
        and re.search(r"resources\.files\(\"tools(?:\.reference)?\"\)", p.read_text(encoding="utf-8"))
    ]
    assert readers == []


def test_sql_files_are_read_by_one_loader() -> None:
    readers = [
        str(p.relative_to(ROOT))
        for p in sorted((ROOT / "tools").rglob("*.py"))
        if p.name != "sqlfiles.py" and re.search(r"resources\.files\(\"tools\.data\"\)", p.read_text(encoding="utf-8"))
    ]
    assert readers == []


def _columns(sql: str) -> list[str]:
    return [e.alias_or_name for e in sqlglot.parse_one(sql, read="duckdb").expressions]


def test_the_usage_sources_have_the_same_columns() -> None:
    lake, daily = sql_file("usage_lake.sql"), sql_file("usage_daily.sql")
    assert _columns(lake) == _columns(daily) == ["installation_id", "t", "import_wh", "minutes", "month"]
    assert "FROM load_profile" in lake and "FROM usage_daily" in daily


def test_one_installation_usage_is_narrowed_to_it() -> None:
    sql = with_usage("usage_span.sql", "lake", one_installation=True)
    # the form Store.scope_sql rewrites to the installation's own files
    assert re.search(r"FROM load_profile WHERE installation_id = \$installation\)", sql)
    assert "{{usage}}" not in sql and "usage_daily" not in sql
