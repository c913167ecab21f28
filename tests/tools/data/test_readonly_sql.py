"""The operator's guarded SQL: only one SELECT over allow-listed views, never personal data."""

import pytest

from tools.api.admin import open_store
from tools.data.readonly_sql import run_readonly, validate
from tools.errors import QueryNotAllowed


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        ("DELETE FROM installations", "not_select"),
        ("SELECT 1; SELECT 2", "multiple_statements"),
        ("SELECT * FROM customers", "table_not_allowed"),
        ("SELECT cpf FROM installations", "personal_data"),
        ("SELECT * FROM read_csv('/etc/passwd')", "table_function"),
        ("SELECT * FROM main.installations", "qualified_table"),
        ("WITH x AS (SELECT * FROM customers) SELECT * FROM x", "table_not_allowed"),
        ("SELECT read_text('/etc/hosts')", "function_not_allowed"),
        ("COPY installations TO '/tmp/x.csv'", "not_select"),
    ],
)
def test_refused(sql, reason):
    with pytest.raises(QueryNotAllowed) as exc:
        validate(sql)
    assert exc.value.context["reason"] == reason


def test_row_limit_and_rollback(tmp_path):
    store = open_store(tmp_path)
    store.con.execute(
        "INSERT INTO installations (installation_id, group_code) SELECT 'I' || i::VARCHAR, 'B' FROM range(30) t(i)"
    )
    out = run_readonly(store, "SELECT installation_id FROM installations ORDER BY 1", max_rows=10)
    assert len(out.frame) == 10 and out.truncated
    assert "LIMIT 11" in out.sql
    out = run_readonly(store, "WITH b AS (SELECT * FROM installations WHERE group_code = 'B') SELECT count(*) AS n FROM b")
    assert int(out.frame["n"][0]) == 30
