"""The DuckDB -> Spark dialect layer on small statements (no Spark needed): bound parameters and
the rewrites sqlglot does not do, checked against the Spark SQL they must produce."""

from __future__ import annotations

import datetime as dt

import pytest

from tools.data.engines.dialect import DialectError, to_spark


def test_parameters_are_bound_as_typed_literals():
    sql = to_spark(
        "SELECT * FROM t WHERE ts >= $start AND d = $day AND x > $lim AND k = $key AND f = $flag",
        {"start": dt.datetime(2026, 10, 1), "day": dt.date(2026, 10, 2), "lim": 3.0, "key": "O'Brien", "flag": True},
    )
    assert "ts >= CAST('2026-10-01 00:00:00' AS TIMESTAMP_NTZ)" in sql
    assert "d = CAST('2026-10-02' AS DATE)" in sql
    assert "x > CAST(" in sql and "3.0 AS DOUBLE)" in sql
    assert "k = 'O\\'Brien'" in sql and "f = TRUE" in sql


def test_missing_parameter_is_an_error():
    with pytest.raises(DialectError, match=r"\$end"):
        to_spark("SELECT * FROM t WHERE ts < $end", {})


def test_parallel_parameter_lists_become_a_values_table():
    sql = to_spark(
        "WITH lim AS (SELECT unnest(CAST($a AS VARCHAR[])) AS conj, unnest(CAST($b AS DOUBLE[])) AS dic) SELECT * FROM lim",
        {"a": ["C1", "C2"], "b": [10.5, 12.0]},
    )
    assert "FROM VALUES (CAST('C1' AS STRING), CAST(10.5 AS DOUBLE)), (CAST('C2' AS STRING), CAST(12.0 AS DOUBLE))" in sql
    assert "AS _p(conj, dic)" in sql


def test_empty_parameter_list_is_an_empty_typed_table():
    sql = to_spark("SELECT unnest(CAST($d AS DATE[])) AS day", {"d": []})
    assert sql == "SELECT CAST(NULL AS DATE) AS day WHERE FALSE"


def test_range_keeps_duckdb_exclusive_end():
    sql = to_spark("SELECT unnest(range(a, b, INTERVAL 10 MINUTE)) AS ts FROM t")
    assert "FILTER(SEQUENCE(a, b, INTERVAL '10' MINUTE), _x -> _x < b)" in sql


def test_asof_join_becomes_join_and_min():
    sql = to_spark("SELECT q.id, s.ts AS at FROM q ASOF JOIN s ON q.k = s.k AND s.ts >= q.opened")
    assert sql == "SELECT q.id, MIN(s.ts) AS at FROM q JOIN s ON q.k = s.k AND s.ts >= q.opened GROUP BY q.id"


def test_decimal_literals_divide_as_double_like_duckdb():
    assert to_spark("SELECT 1440.0 * a / b FROM t") == "SELECT CAST(1440.0 AS DOUBLE) * a / b FROM t"


def test_strip_accents_becomes_translate():
    sql = to_spark("SELECT strip_accents(lower(region)) FROM t")
    assert sql.startswith("SELECT TRANSLATE(LOWER(region), '")
    accented, plain = sql.split("'")[1], sql.split("'")[3]
    table = dict(zip(accented, plain, strict=True))
    # the Portuguese letters with diacritics map to their base letters
    assert [table[c] for c in "\u00e3\u00e1\u00e2\u00e0\u00e9\u00ea\u00ed\u00f3\u00f4\u00f5\u00fa\u00e7\u00c3\u00c7"] == list("aaaaeeiooouc" + "AC")


def test_to_minutes_becomes_a_day_time_interval():
    sql = to_spark("SELECT CAST(d AS TIMESTAMP) + to_minutes(10 * k) FROM t")
    assert sql == "SELECT CAST(d AS TIMESTAMP_NTZ) + MAKE_DT_INTERVAL(0, 0, 10 * k) FROM t"
