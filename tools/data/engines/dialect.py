"""The thin dialect layer: the project's DuckDB SQL, with its parameters bound, as Spark SQL.

Every fleet query is written once, in DuckDB SQL (``tools/data/sql/*.sql``). For Spark the text is
parsed by sqlglot (DuckDB dialect), its ``$name`` parameters are bound as typed literals, the few
constructs sqlglot does not map (or maps with other semantics) are rewritten on the syntax tree,
and the tree is generated as Spark SQL:

==============================================  ================================================
DuckDB                                          Spark
==============================================  ================================================
``SELECT unnest($a) AS x, unnest($b) AS y``     ``SELECT * FROM VALUES (...) AS t(x, y)``
(parallel lists, no FROM: parameter tables)
``unnest([..]) AS p, unnest([..]) AS v`` with   ``inline(array(named_struct('p', .., 'v', ..)))``
a FROM (long format)
``range(a, b, step)`` (end exclusive)           ``filter(sequence(a, b, step), x -> x < b)``
``time_bucket(INTERVAL n MINUTE, ts)``          epoch seconds floored to ``n`` minutes
``list(DISTINCT x ORDER BY x)``                 ``array_sort(collect_set(x))``
``list(x)`` (any order)                         ``array_sort(collect_list(x))``
``microsecond(ts)``                             fraction of ``extract(SECOND FROM ts)``
``strip_accents(x)``                            ``translate(x, 'áàâã…', 'aaaa…')`` (Latin letters)
``to_days(n)``                                  ``make_dt_interval(n)``
``to_minutes(n)``                               ``make_dt_interval(0, 0, n)``
``HUGEINT``                                     ``DECIMAL(38, 0)``
``1440.0`` (DECIMAL literal)                    ``CAST(1440.0 AS DOUBLE)`` (DuckDB divides
                                                decimals in DOUBLE; Spark would keep 6 places)
``q ASOF JOIN s ON q.k = s.k AND s.t >= q.t``   ``q JOIN s ON ...`` + ``min(s.t)`` per left row
(projecting left columns and ``s.t`` only)      (``max`` for ``<=``)
==============================================  ================================================

Anything else goes through sqlglot's own DuckDB -> Spark mapping. The Spark session runs with
``spark.sql.session.timeZone=UTC`` and reads the lake's timestamps as ``TIMESTAMP_NTZ``, like DuckDB.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import math
import unicodedata
from collections.abc import Mapping
from typing import Any

import sqlglot
from sqlglot import exp


class DialectError(ValueError):
    """A DuckDB construct this layer does not translate (add a rewrite here, never a second query)."""


# ----------------------------------------------------------------------------- parameters


def literal(value: Any) -> exp.Expr:
    """A typed SQL literal for a bound parameter (DuckDB types, generated later for Spark)."""
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int):
        return exp.Literal.number(value)
    if isinstance(value, float | decimal.Decimal):
        f = float(value)
        if math.isnan(f) or math.isinf(f):
            raise DialectError(f"parameter value {value!r} has no SQL literal")
        return exp.cast(exp.Literal.number(repr(f)), exp.DataType.build("DOUBLE"))
    if isinstance(value, dt.datetime):
        return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), exp.DataType.build("TIMESTAMP", dialect="duckdb"))
    if isinstance(value, dt.date):
        return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.build("DATE"))
    if isinstance(value, str):
        return exp.Literal.string(value)
    if isinstance(value, list | tuple):
        return exp.Array(expressions=[literal(v) for v in value])
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        return literal(value.to_pydatetime())
    raise DialectError(f"unsupported parameter type {type(value).__name__}")


def bind(tree: exp.Expr, params: Mapping[str, Any]) -> exp.Expr:
    """Replace every ``$name`` placeholder by the literal of ``params[name]``."""

    def sub(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Placeholder | exp.Parameter):
            name = node.name
            if name not in params:
                raise DialectError(f"missing parameter ${name}")
            return literal(params[name])
        return node

    return tree.transform(sub)


# ----------------------------------------------------------------------------- rewrites


def _unnest_arg(node: exp.Expr) -> exp.Expr | None:
    """The argument of ``unnest(x)`` (through an alias), or None."""
    inner = node.this if isinstance(node, exp.Alias) else node
    if isinstance(inner, exp.Unnest) and len(inner.expressions) == 1:
        return inner.expressions[0]
    if isinstance(inner, exp.Explode):
        return inner.this
    return None


def _array_items(node: exp.Expr) -> tuple[list[exp.Expr], exp.DataType | None] | None:
    """Items of a literal array (possibly under a CAST to T[]), with the element type of the cast."""
    elem: exp.DataType | None = None
    if isinstance(node, exp.Cast):
        to = node.to
        if to.this == exp.DataType.Type.ARRAY and to.expressions:
            elem = to.expressions[0]
        node = node.this
    if isinstance(node, exp.Array):
        return list(node.expressions), elem
    if isinstance(node, exp.Null):
        return [], elem
    return None


def _typed(item: exp.Expr, elem: exp.DataType | None) -> exp.Expr:
    return exp.cast(item, elem.copy()) if elem is not None else item


def _parameter_table(select: exp.Select) -> exp.Expr | None:
    """``SELECT [DISTINCT] unnest(l1) AS a, unnest(l2) AS b`` (no FROM) as a VALUES table."""
    if select.args.get("from_") or select.args.get("from") or not select.expressions:
        return None
    cols: list[tuple[str, list[exp.Expr], exp.DataType | None]] = []
    for e in select.expressions:
        arg = _unnest_arg(e)
        if arg is None:
            return None
        items = _array_items(arg)
        if items is None:
            return None
        cols.append((e.alias_or_name or f"col{len(cols)}", items[0], items[1]))
    n = max(len(c[1]) for c in cols)
    names = [c[0] for c in cols]
    if n == 0:  # an empty typed table
        empty = exp.select(
            *[exp.alias_(_typed(exp.Null(), c[2]), c[0]) for c in cols]
        ).where(exp.false())
        return empty
    rows = []
    for i in range(n):
        rows.append(
            exp.Tuple(
                expressions=[_typed(c[1][i], c[2]) if i < len(c[1]) else exp.Null() for c in cols]
            )
        )
    values = exp.Values(
        expressions=rows,
        alias=exp.TableAlias(this=exp.to_identifier("_p"), columns=[exp.to_identifier(x) for x in names]),
    )
    out = exp.select(*names).from_(values)
    if select.args.get("distinct"):
        out = out.distinct()
    return out


def _long_format(select: exp.Select) -> None:
    """Two or more parallel ``unnest([...]) AS x`` over a FROM: one ``inline(array(named_struct))``."""
    unnests = [e for e in select.expressions if _unnest_arg(e) is not None]
    if len(unnests) < 2:
        return
    arrays = []
    for e in unnests:
        items = _array_items(_unnest_arg(e))  # type: ignore[arg-type]
        if items is None:
            raise DialectError("parallel unnest of a non-literal list")
        arrays.append((e.alias_or_name, items[0]))
    n = len(arrays[0][1])
    if any(len(a[1]) != n for a in arrays):
        raise DialectError("parallel unnest of lists of different lengths")
    structs = [
        exp.func("named_struct", *[x for name, items in arrays for x in (exp.Literal.string(name), items[i])])
        for i in range(n)
    ]
    gen = exp.func("inline", exp.Array(expressions=structs))
    first = select.expressions.index(unnests[0])
    kept = [e for e in select.expressions if e not in unnests]
    kept.insert(first, gen)
    select.set("expressions", kept)


def _asof(select: exp.Select) -> None:
    """``q ASOF JOIN s ON eq AND s.t >= q.t`` projecting left columns and ``s.t``: JOIN + min/max."""
    joins = select.args.get("joins") or []
    asof = [j for j in joins if (j.args.get("method") or "").upper() == "ASOF"]
    if not asof:
        return
    if len(asof) > 1 or len(joins) > 1:
        raise DialectError("ASOF JOIN: one join per SELECT only")
    join = asof[0]
    right = join.this.alias_or_name
    conds = list(join.args["on"].flatten()) if isinstance(join.args["on"], exp.And) else [join.args["on"]]
    ineq = [c for c in conds if isinstance(c, exp.GTE | exp.GT | exp.LTE | exp.LT)]
    if len(ineq) != 1:
        raise DialectError("ASOF JOIN: exactly one inequality")
    cmp_ = ineq[0]
    r_col, flip = (cmp_.this, False) if cmp_.this.table == right else (cmp_.expression, True)
    ge = isinstance(cmp_, exp.GTE | exp.GT) != flip  # right >= left: the first right row after
    agg = exp.Min if ge else exp.Max
    group: list[exp.Expr] = []
    new_exprs: list[exp.Expr] = []
    for e in select.expressions:
        inner = e.this if isinstance(e, exp.Alias) else e
        if isinstance(inner, exp.Column) and inner.table == right:
            if inner.name != r_col.name:
                raise DialectError("ASOF JOIN: only the ordering column of the right side may be projected")
            new_exprs.append(exp.alias_(agg(this=inner.copy()), e.alias_or_name))
        else:
            group.append(inner.copy())
            new_exprs.append(e)
    join.set("method", None)
    select.set("expressions", new_exprs)
    select.set("group", exp.Group(expressions=group))


def _grouping_aliases(select: exp.Select) -> None:
    """``GROUP BY GROUPING SETS ((key), ())`` / ``GROUPING(key)`` on a select alias: Spark wants the
    aliased expression itself there (DuckDB resolves the alias)."""
    group = select.args.get("group")
    if not isinstance(group, exp.Group):
        return
    sets = [g for g in group.expressions if isinstance(g, exp.GroupingSets)]
    if not sets:
        return
    aliases = {e.alias: e.this for e in select.expressions if isinstance(e, exp.Alias) and not isinstance(e.this, exp.Grouping)}

    def sub(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Column) and not node.table and node.name in aliases:
            return aliases[node.name].copy()
        return node

    for gs in sets:
        gs.replace(gs.transform(sub))
    for g in select.find_all(exp.Grouping):
        g.replace(g.transform(sub))


def _accent_table() -> tuple[str, str]:
    """Latin letters with diacritics (Latin-1 Supplement and Extended-A) and their base letters."""
    accented, plain = [], []
    for code in range(0xC0, 0x180):
        ch = chr(code)
        base = unicodedata.normalize("NFD", ch)[0]
        if base != ch and base.isascii() and base.isalpha():
            accented.append(ch)
            plain.append(base)
    return "".join(accented), "".join(plain)


_ACCENTED, _PLAIN = _accent_table()


def _r(node: exp.Expr) -> exp.Expr:
    """A rewritten copy of a child that a rewrite moves into a new node (not visited again)."""
    return node.copy().transform(_rewrite)


def _rewrite(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.Select):
        table = _parameter_table(node)
        if table is not None:
            return table
        _long_format(node)
        _asof(node)
        _grouping_aliases(node)
        return node
    if isinstance(node, exp.Filter) and isinstance(node.this, exp.ArrayAgg):
        # the FILTER belongs to the aggregate, inside the sort: array_sort(collect_list(x) FILTER (...))
        agg = node.this
        inner = agg.this.this if isinstance(agg.this, exp.Order) else agg.this
        fn = "collect_set" if isinstance(inner, exp.Distinct) else "collect_list"
        arg = inner.expressions[0] if isinstance(inner, exp.Distinct) else inner
        filtered = exp.Filter(this=exp.func(fn, _r(arg)), expression=_r(node.expression))
        return exp.func("array_sort", filtered)
    if isinstance(node, exp.GenerateSeries) and node.args.get("is_end_exclusive"):
        end = node.args["end"]
        seq = exp.func("sequence", _r(node.args["start"]), _r(end), _r(node.args["step"]))
        lam = exp.Lambda(
            this=exp.LT(this=exp.column("_x"), expression=_r(end)),
            expressions=[exp.to_identifier("_x")],
        )
        return exp.func("filter", seq, lam)
    if isinstance(node, exp.DateBin):
        step = node.this
        if not isinstance(step, exp.Interval):
            raise DialectError("time_bucket: literal interval only")
        unit = step.text("unit").upper()
        secs = int(step.this.name) * {"SECOND": 1, "MINUTE": 60, "HOUR": 3600, "DAY": 86400}[unit]
        ts = exp.cast(_r(node.expression), exp.DataType.build("TIMESTAMP_LTZ"))  # UTC session
        floored = exp.Mul(
            this=exp.Floor(this=exp.Div(this=exp.func("unix_seconds", ts), expression=exp.Literal.number(secs))),
            expression=exp.Literal.number(secs),
        )
        return exp.cast(exp.func("timestamp_seconds", floored), exp.DataType.build("TIMESTAMP"))
    if isinstance(node, exp.ArrayAgg):
        inner = node.this
        if isinstance(inner, exp.Order):
            inner = inner.this
        if isinstance(inner, exp.Distinct):
            return exp.func("array_sort", exp.func("collect_set", _r(inner.expressions[0])))
        return exp.func("array_sort", exp.func("collect_list", _r(inner)))
    if isinstance(node, exp.Anonymous) and node.name.lower() == "microsecond":
        sec = exp.Extract(this=exp.var("SECOND"), expression=_r(node.expressions[0]))
        return exp.cast(
            exp.Mod(this=exp.Mul(this=sec, expression=exp.Literal.number(1_000_000)),
                    expression=exp.Literal.number(1_000_000)),
            exp.DataType.build("BIGINT"),
        )
    if isinstance(node, exp.Round) and node.args.get("decimals") is not None:
        # DuckDB rounds a DOUBLE as round(x * 10^n) / 10^n in binary; Spark's round(x, n) rounds the
        # shortest decimal text of x (129.635 -> 129.64 where DuckDB gives 129.63)
        scale = exp.cast(exp.Pow(this=exp.Literal.number(10), expression=_r(node.args["decimals"])),
                         exp.DataType.build("DOUBLE"))
        scaled = exp.Mul(this=exp.cast(_r(node.this), exp.DataType.build("DOUBLE")), expression=scale)
        return exp.Div(this=exp.Round(this=scaled), expression=scale.copy())
    if isinstance(node, exp.Anonymous) and node.name.lower() == "strip_accents":
        # Spark has no strip_accents: the accented Latin letters (Portuguese and its neighbours)
        return exp.func("translate", _r(node.expressions[0]), exp.Literal.string(_ACCENTED),
                        exp.Literal.string(_PLAIN))
    if isinstance(node, exp.ToDays):
        return exp.func("make_dt_interval", _r(node.this))
    if isinstance(node, exp.Anonymous) and node.name.lower() == "to_minutes":
        zero = exp.Literal.number(0)
        return exp.func("make_dt_interval", zero, zero.copy(), _r(node.expressions[0]))
    if isinstance(node, exp.DataType) and node.this == exp.DataType.Type.INT128:
        return exp.DataType.build("DECIMAL(38, 0)")
    if isinstance(node, exp.Literal) and not node.is_string:
        text = node.name
        if "." in text and "e" not in text.lower():
            return exp.cast(node.copy(), exp.DataType.build("DOUBLE"))
    return node


# ----------------------------------------------------------------------------- entry point


@functools.lru_cache(maxsize=256)
def _parse(sql: str) -> exp.Expr:
    tree = sqlglot.parse_one(sql, read="duckdb")
    if tree is None:
        raise DialectError("empty SQL")
    return tree


def _unique_nested_ctes(tree: exp.Expr) -> None:
    """Suffix the names of CTEs nested in another CTE (sqlglot hoists them to the top for Spark,
    where an inner ``sets`` would clash with an outer one); references inside their scope follow."""
    n = 0
    for cte in list(tree.find_all(exp.CTE)):
        body = cte.this
        inner = body.args.get("with_") or body.args.get("with")
        if not isinstance(inner, exp.With):
            continue
        n += 1
        names = {c.alias_or_name: f"{c.alias_or_name}__{n}" for c in inner.expressions}
        for c in inner.expressions:
            c.set("alias", exp.TableAlias(this=exp.to_identifier(names[c.alias_or_name])))
        for table in body.find_all(exp.Table):
            if not table.args.get("db") and table.name in names:
                alias = table.alias
                table.set("this", exp.to_identifier(names[table.name]))
                if not alias:
                    table.set("alias", exp.TableAlias(this=exp.to_identifier(table.name.rsplit("__", 1)[0])))


def to_spark(sql: str, params: Mapping[str, Any] | None = None) -> str:
    """The DuckDB statement ``sql`` with ``params`` bound, as one Spark SQL statement."""
    tree = bind(_parse(sql).copy(), params or {})
    _unique_nested_ctes(tree)
    # literals first (parameters bound as DOUBLE casts are left alone), then the structural rewrites
    tree = tree.transform(_rewrite)
    return tree.sql(dialect="spark")
