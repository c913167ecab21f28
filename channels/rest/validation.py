"""422 problem+json for request validation: which field, what is wrong (pt-BR) and the allowed values.

Also rejects query parameters a route does not declare (a misspelt ``?peroid=`` must not be ignored)."""

from __future__ import annotations

import re
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from channels.rest.problems import Problem, problem_response


def _allowed(err: dict[str, Any]) -> list[str] | None:
    if err.get("type") == "value_error":  # a model's own check: "interval must be one of (1, 5, 15)"
        listed = re.search(r"must be one of \(([^)]*)\)", str(err.get("msg", "")))
        return [x.strip().strip("'") for x in listed.group(1).split(",") if x.strip()] if listed else None
    expected = str((err.get("ctx") or {}).get("expected", ""))
    if not expected or err.get("type") not in ("literal_error", "enum"):
        return None
    found = [a or b for a, b in re.findall(r"'([^']*)'|(?<![\w'])(\d+)(?![\w'])", expected)]
    return found or None


_MESSAGES = {
    "missing": "Campo obrigatório ausente.",
    "extra_forbidden": "Campo não aceito por este recurso.",
    "json_invalid": "O corpo não é um JSON válido.",
    "string_too_long": "Texto longo demais: no máximo {max_length} caracteres.",
    "string_too_short": "Texto curto demais: no mínimo {min_length} caractere(s).",
    "string_pattern_mismatch": "Formato inválido.",
    "greater_than_equal": "Deve ser maior ou igual a {ge}.",
    "less_than_equal": "Deve ser menor ou igual a {le}.",
    "greater_than": "Deve ser maior que {gt}.",
    "less_than": "Deve ser menor que {lt}.",
    "int_parsing": "Deve ser um número inteiro.",
    "int_type": "Deve ser um número inteiro.",
    "float_parsing": "Deve ser um número.",
    "float_type": "Deve ser um número.",
    "bool_parsing": "Deve ser true ou false.",
    "string_type": "Deve ser um texto.",
    "model_attributes_type": "Deve ser um objeto JSON.",
    "dict_type": "Deve ser um objeto JSON.",
    "list_type": "Deve ser uma lista.",
}


#: a model's own range check ("retention_years must be between 0.25 and 50")
_BETWEEN = re.compile(r"must be between (-?[\d.]+) and (-?[\d.]+)")

#: what a well-formed value looks like, for "string_pattern_mismatch" on these fields
FORMATS = {
    "period": "Use um mês AAAA-MM (mês de 01 a 12), um dia AAAA-MM-DD, um ano AAAA ou um rótulo como "
              "yesterday, last_30_days, last_month.",
    "start": "Use uma data AAAA-MM-DD.",
    "end": "Use uma data AAAA-MM-DD.",
    "ref": "Use last_bill ou um mês AAAA-MM (mês de 01 a 12).",
    "installation_id": "Use só os dígitos do número da instalação (6 a 15).",
    "article_id": "Use o article_id de uma citação.",
}


def field_error(err: dict[str, Any]) -> dict[str, Any]:
    loc = [str(x) for x in err.get("loc", ())]
    location = loc[0] if loc else "body"
    field = ".".join(loc[1:]) if len(loc) > 1 else location
    if err.get("type") == "json_invalid":
        field = "body"
    allowed = _allowed(err)
    if err.get("type") == "string_pattern_mismatch" and loc and loc[-1] in FORMATS:
        message = "Formato inválido. " + FORMATS[loc[-1]]
    elif allowed:
        message = "Valor não aceito. Use um destes: " + ", ".join(allowed) + "."
    elif err.get("type") == "value_error" and (bounds := _BETWEEN.search(str(err.get("msg", "")))):
        low, high = (x.replace(".", ",") for x in bounds.groups())
        message = f"Deve estar entre {low} e {high}."
    else:
        template = _MESSAGES.get(str(err.get("type")), "Valor inválido.")
        try:
            message = template.format(**(err.get("ctx") or {}))
        except (KeyError, IndexError):
            message = "Valor inválido."
    out: dict[str, Any] = {"field": field, "location": location, "message": message}
    if allowed:
        out["allowed"] = allowed
    return out


async def on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [field_error(e) for e in exc.errors()]
    return problem_response(request, 422, "problem.validation", with_detail(errors))


def with_detail(errors: list[dict[str, Any]]) -> dict[str, Any]:
    """``errors`` plus a ``detail`` sentence naming the first field (what a person reads first)."""
    first = errors[0] if errors else None
    detail = f"Parâmetro inválido: {first['field']}. {first['message']}" if first else "Parâmetros inválidos."
    return {"errors": errors, "detail": detail}


def _query_names(dependant: Any) -> set[str]:
    names = {p.alias for p in getattr(dependant, "query_params", [])}
    for sub in getattr(dependant, "dependencies", []):
        names |= _query_names(sub)
    return names


async def reject_unknown_query(request: Request) -> None:
    """App-wide dependency: a query parameter the route does not declare is a 422, not silently ignored."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None or not request.query_params:
        return
    known = _query_names(dependant)
    unknown = sorted(set(request.query_params.keys()) - known)
    if unknown:
        raise Problem(422, "problem.unknown_parameter", **with_detail([
            {"field": name[:60], "location": "query",
             "message": "Parâmetro desconhecido. Este recurso aceita: " + (", ".join(sorted(known)) or "nenhum") + ".",
             "allowed": sorted(known)} for name in unknown[:10]
        ]))
