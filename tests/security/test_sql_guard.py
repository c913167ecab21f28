"""C2: the guarded SQL of ``sql_query`` never shows the customer register, the key file or any file.

Reproduces the reported bypass (a CTE named ``customers`` selecting from the real ``customers``;
a CTE named like the key file's path) and runs every variant of ``sql_attacks.SQL_ESCAPES``
through the tool: each is refused (``QueryNotAllowed``) or returns nothing personal.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from channels.apikeys import ApiKeyStore
from tests.security.sql_attacks import SQL_ESCAPES, leaked
from tests.tiny import TINY_CPF, TINY_PHONE, build_tiny
from tools.api import Scope, ToolContext, run_tool
from tools.api.admin import open_store
from tools.data.readonly_sql import guarded_connection, run_readonly, validate
from tools.errors import QueryNotAllowed

PERSONAL = (*TINY_CPF.values(), *TINY_PHONE.values(), "Maria Souza", "Joao Lima", "4725", "7735")


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = build_tiny(tmp_path_factory.mktemp("sqlguard"))
    ApiKeyStore(home).create("app", "integrator", ("40010001",))
    return home


@pytest.fixture(scope="module")
def store(home: Path):  # type: ignore[no-untyped-def]
    s = open_store(home, read_only=True)
    yield s
    s.close()


def test_cte_shadowing_the_register_is_refused(store) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(QueryNotAllowed) as exc:
        run_readonly(store, "WITH customers AS (SELECT * FROM customers) SELECT * FROM customers")
    assert exc.value.context["reason"] == "table_not_allowed"
    assert exc.value.context["table"] == "customers"


def test_cte_named_like_the_key_file_is_refused(store, home: Path) -> None:  # type: ignore[no-untyped-def]
    key_file = f"{home}/apikeys.json"
    with pytest.raises(QueryNotAllowed) as exc:
        run_readonly(store, f'WITH "{key_file}" AS (SELECT * FROM "{key_file}") SELECT * FROM "{key_file}"')
    assert exc.value.context["reason"] == "table_not_allowed"


def test_the_guarded_connection_cannot_see_the_register_or_files(store, home: Path) -> None:  # type: ignore[no-untyped-def]
    """Layer 2 alone (no validation): the connection has no customers table and no file access."""
    con = guarded_connection(store)
    try:
        names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        assert "customers" not in names and "installations" in names
        cols = {r[0] for r in con.execute("DESCRIBE installations").fetchall()}
        assert "customer_key" not in cols and "installation_id" in cols
        for bad in (f"SELECT * FROM read_json('{home}/apikeys.json')", "SELECT * FROM customers",
                    f"ATTACH '{home}/smartmeter.duckdb' AS s", "SET enable_external_access = true",
                    "COPY (SELECT 1) TO '/tmp/x.csv'"):
            with pytest.raises(Exception):  # noqa: B017 - any DuckDB refusal
                con.execute(bad).fetchall()
    finally:
        con.close()


def test_the_allowed_views_still_answer(store) -> None:  # type: ignore[no-untyped-def]
    out = run_readonly(store, "SELECT installation_id, nominal_voltage_v FROM installations ORDER BY 1")
    assert out.frame.to_dict(orient="records") == [
        {"installation_id": "40010001", "nominal_voltage_v": 127},
        {"installation_id": "40010002", "nominal_voltage_v": 127},
    ]
    out = run_readonly(store, "WITH b AS (SELECT * FROM installations WHERE cycle_day = 12) SELECT count(*) AS n FROM b")
    assert out.frame["n"].tolist() == [1]
    out = run_readonly(store, "SELECT count(*) AS n FROM load_profile")  # empty lake: typed empty view
    assert out.frame["n"].tolist() == [0]


def test_list_and_struct_results_are_plain_values(store) -> None:  # type: ignore[no-untyped-def]
    """L3: ``SELECT [1,2]`` ended in a traceback."""
    ctx = ToolContext(store=store, scope=Scope.operator(), today=None)  # type: ignore[arg-type]
    result = run_tool("sql_query", ctx, None, {"sql": "SELECT [1,2] AS l, {'a': 1} AS s, 1.5::DECIMAL(4,2) AS d"})
    assert result.value.rows == ({"l": [1, 2], "s": {"a": 1}, "d": 1.5},)
    json.dumps(result.to_dict())


def test_output_columns_are_checked(store) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(QueryNotAllowed) as exc:
        run_readonly(store, "SELECT installation_id AS cpf_titular FROM installations")
    assert exc.value.context["reason"] == "personal_data"


@pytest.mark.parametrize("sql", SQL_ESCAPES)
def test_every_escape_is_blocked(store, home: Path, sql: str) -> None:  # type: ignore[no-untyped-def]
    ctx = ToolContext(store=store, scope=Scope.operator(), today=None)  # type: ignore[arg-type]
    try:
        result = run_tool("sql_query", ctx, None, {"sql": sql.format(home=home)})
    except QueryNotAllowed:
        return
    text = json.dumps(result.to_dict(), default=str)
    assert not leaked(text, str(home), PERSONAL), text[:300]


def test_at_least_seventy_variants() -> None:
    assert len(SQL_ESCAPES) >= 70
    assert len(set(SQL_ESCAPES)) == len(SQL_ESCAPES)


@pytest.mark.parametrize(("sql", "reason"), [
    ("WITH customers AS (SELECT * FROM customers) SELECT * FROM customers", "table_not_allowed"),
    ("SELECT * FROM installations i, LATERAL (SELECT * FROM customers) c", "table_not_allowed"),
    ("SELECT customer_key FROM installations", "personal_data"),
])
def test_validate_reasons(sql: str, reason: str) -> None:
    with pytest.raises(QueryNotAllowed) as exc:
        validate(sql)
    assert exc.value.context["reason"] == reason


def test_an_unknown_column_is_named_with_the_column_meant(store) -> None:  # type: ignore[no-untyped-def]
    # "modality" is not a column; the register's is "tariff_modality": the refusal says both, in pt-BR
    from assistant.engine import failure_text

    with pytest.raises(QueryNotAllowed) as exc:
        run_readonly(store, "SELECT feeder_id, count(*) FROM installations WHERE modality = 'branca' GROUP BY 1")
    assert (exc.value.context["reason"], exc.value.context["column"]) == ("unknown_column", "modality")
    assert exc.value.context["candidates"] == "tariff_modality"
    assert failure_text(exc.value) == (
        "Essa consulta não rodou: a coluna modality não existe nas visões consultadas. Você quis dizer tariff_modality?"
    )
    # through the tool, the one obvious column is used, and said: the rows are tariff_modality's
    ctx = ToolContext(store=store, scope=Scope.operator())
    # (the tiny register: two installations, both "convencional")
    sql = "SELECT count(*) AS n FROM installations WHERE modality = 'convencional'"
    result = run_tool("sql_query", ctx, None, {"sql": sql})
    assert [i.code for i in result.issues] == ["issue.sql.column_replaced"]
    assert "tariff_modality = 'convencional'" in result.value.sql
    assert result.value.rows == ({"n": 2},)
    refused = QueryNotAllowed("personal data", reason="personal_data", column="cpf")
    assert failure_text(refused) == "Essa consulta não é permitida: ela pede dados pessoais do cadastro (cpf)."


# ---------------------------------------------------------------- end to end: a real `serve` process
@pytest.mark.parametrize("sql", [
    "WITH customers AS (SELECT * FROM customers) SELECT * FROM customers",
    'WITH "{home}/apikeys.json" AS (SELECT * FROM "{home}/apikeys.json") SELECT * FROM "{home}/apikeys.json"',
])
def test_e2e_scripted_model_cannot_read_the_register(home: Path, sql: str) -> None:
    """The copilot on a real ``serve`` with the LLM engine; a (fake, hostile) model calls sql_query."""
    import httpx

    from tests.security.fake_llm import fake_llm
    from tests.security.serve_proc import serve_process

    operator = ApiKeyStore(home).create("ops", "operator")
    with fake_llm([("sql_query", {"sql": sql.format(home=home)})]) as (llm_url, shown):
        env = {"SMARTMETER_ENGINE": "llm", "SMARTMETER_ALLOW_LLM": "1", "SMARTMETER_LLM_BASE_URL": llm_url,
               "SMARTMETER_LLM_API_KEY": "fake"}
        with serve_process(home, env=env) as base:
            r = httpx.post(base + "/v1/chat", headers={"X-API-Key": operator}, timeout=60,
                           json={"text": "quantas instalações existem por município?", "audience": "operator"})
    assert r.status_code == 200
    assert shown and all("query_not_allowed" in m for m in shown)  # the model called it and was refused
    assert not any(leaked(m, str(home), PERSONAL) for m in shown)
    assert not leaked(r.text, str(home), PERSONAL), r.text[:500]
