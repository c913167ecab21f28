"""Errors → ``application/problem+json`` with a pt-BR ``detail`` and a stable ``code``."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.i18n import has, t
from tools.errors import (
    ForbiddenInstallation,
    InvalidArguments,
    InvalidPeriod,
    NoData,
    NotIdentified,
    QueryNotAllowed,
    ToolError,
    UnknownInstallation,
    UnknownTool,
)

_STATUS: dict[type[ToolError], int] = {
    NotIdentified: 401,
    ForbiddenInstallation: 403,
    UnknownInstallation: 404,
    UnknownTool: 404,
    NoData: 404,
    InvalidArguments: 422,
    InvalidPeriod: 422,
    QueryNotAllowed: 422,
}


class Problem(Exception):
    """An HTTP problem raised by routes: status, stable code (catalogue key under ``problem.``)."""

    def __init__(self, status: int, code: str, **context: Any) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.context = context


def problem_response(request: Request, status: int, code: str, extra: dict[str, Any] | None = None) -> JSONResponse:
    key = code if has(code) else "problem.generic"
    body: dict[str, Any] = {
        "type": f"https://smartmeter.example/problems/{code}",
        "title": code,
        "status": status,
        "detail": t(key),
        "code": code,
        "instance": str(request.url.path),
        "request_id": getattr(request.state, "request_id", None),
    }
    if extra:
        body.update(extra)
    headers = {"Retry-After": "60"} if status == 429 else None
    return JSONResponse(body, status_code=status, media_type="application/problem+json", headers=headers)


async def on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return problem_response(request, exc.status, exc.code, exc.context or None)


_FIELD_MESSAGES = {
    "error.invalid_period": "Data inválida: {value}. Use uma data que exista (mês de 01 a 12, dia do mês) "
                            "entre 2000 e dois anos à frente.",
    "error.invalid_arguments": "Valor não aceito: {value}.",
}


def tool_error_fields(exc: ToolError) -> dict[str, Any] | None:
    """``errors`` + ``detail`` naming the argument a tool refused (when it says which)."""
    ctx = exc.context
    errors: list[dict[str, Any]] = []
    if "field" in ctx:
        message = _FIELD_MESSAGES.get(exc.code, "Valor inválido: {value}.").format(value=ctx.get("value", ""))
        err: dict[str, Any] = {"field": ctx["field"], "location": "query", "message": message}
        if ctx.get("allowed"):
            err["allowed"] = list(ctx["allowed"])
            err["message"] += " Use um destes: " + ", ".join(map(str, ctx["allowed"])) + "."
        errors.append(err)
    for e in ctx.get("errors") or []:
        loc = [str(x) for x in e.get("loc", ())]
        errors.append({"field": ".".join(loc) or "body", "location": "query", "message": "Valor inválido."})
    if not errors:
        return None
    first = errors[0]
    return {"errors": errors, "detail": f"Parâmetro inválido: {first['field']}. {first['message']}"}


async def on_tool_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ToolError)
    status = next((s for cls, s in _STATUS.items() if isinstance(exc, cls)), 422)
    return problem_response(request, status, exc.code, tool_error_fields(exc) if status == 422 else None)


async def on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{"loc": list(e.get("loc", ())), "type": e.get("type")} for e in exc.errors()]
    return problem_response(request, 422, "problem.validation", {"errors": errors})


async def on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:  # a body that cannot be parsed: a validation problem of the field "body"
        return problem_response(request, 422, "problem.validation", {
            "errors": [{"field": "body", "location": "body", "message": "O corpo não pôde ser lido (JSON ou formulário inválido)."}],
            "detail": "Parâmetro inválido: body. O corpo não pôde ser lido (JSON ou formulário inválido)."})
    code = {401: "problem.unauthorized", 403: "problem.forbidden", 404: "problem.not_found",
            405: "problem.method_not_allowed", 413: "problem.payload_too_large",
            429: "problem.rate_limited"}.get(exc.status_code, "problem.generic")
    return problem_response(request, exc.status_code, code)
