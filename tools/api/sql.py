"""``sql_query``: the operator copilot's guarded read-only SQL fallback."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from tools.api.context import ToolContext
from tools.data.readonly_sql import ALLOWED_VIEWS, run_readonly, with_column_meant
from tools.errors import QueryNotAllowed
from tools.registry import ToolSpec
from tools.types import Issue, Provenance, Step, ToolResult, to_jsonable


class SqlQueryArgs(BaseModel):
    sql: str = Field(description="One SELECT over the allow-listed views (no personal data).")
    max_rows: int = Field(default=200, ge=1, le=5000)


@dataclass(frozen=True, slots=True)
class SqlQueryValue:
    columns: tuple[str, ...]
    rows: tuple[dict[str, Any], ...]
    row_count: int
    truncated: bool
    sql: str
    allowed_views: tuple[str, ...]


def sql_query(ctx: ToolContext, installation_id: str | None, args: SqlQueryArgs) -> ToolResult[SqlQueryValue]:
    issues: tuple[Issue, ...] = ()
    try:
        out = run_readonly(ctx.store, args.sql, max_rows=args.max_rows)
    except QueryNotAllowed as exc:
        meant = with_column_meant(args.sql, exc)  # one obvious column name ("modality"): run it, and say so
        if meant is None:
            raise
        out = run_readonly(ctx.store, meant[0], max_rows=args.max_rows)
        issues = (Issue("issue.sql.column_replaced", data={"column": meant[1], "replacement": meant[2]}),)
    rows = tuple(to_jsonable(r) for r in out.frame.to_dict(orient="records"))
    value = SqlQueryValue(tuple(out.frame.columns), rows, len(rows), out.truncated, out.sql, tuple(sorted(ALLOWED_VIEWS)))
    step = Step(key="sql.step.query", inputs={"max_rows": args.max_rows}, formula="guarded read-only SELECT",
                output=len(rows), unit="rows", sql=out.sql)
    return ToolResult(tool="sql_query", value=value, units={"row_count": "rows"}, trail=(step,), issues=issues,
                      provenance=Provenance(today=ctx.today, queries=(out.sql,)))


SPECS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="sql_query",
        fn=sql_query,
        args_model=SqlQueryArgs,
        audience=("operator",),
        needs_installation=False,
        summary="Guarded read-only SQL (single SELECT over allow-listed views, row limit, time limit); fallback only.",
    ),
)
