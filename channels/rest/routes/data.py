"""Installation and fleet data routes: thin wrappers over ``tools.api.run_tool``.

Every parameter is declared with its description and, when the list is closed, its allowed values
(an OpenAPI ``enum``); every 200 response has the tool's typed result as its schema.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from channels.rest.deps import FleetCtxDep, InstallationCtxDep
from channels.rest.problems import Problem
from channels.rest.schemas import BillsPublic, QualityPublic, problem_responses, tool_result_model
from channels.rest.validation import with_detail
from tools import registry
from tools.api import ToolContext, run_tool
from tools.api.calendar import add_months, resolve_period
from tools.api.costs import CostParams
from tools.errors import InvalidPeriod

router = APIRouter(prefix="/v1")
InstallationId = Annotated[str, Path(description="Número da instalação (unidade consumidora), só dígitos.",
                                     pattern=r"^\d{6,15}$", examples=["40010001"])]

PERIOD_HELP = (
    "Período: um mês `AAAA-MM` (ex.: 2026-10), um dia `AAAA-MM-DD`, um ano `AAAA` ou um rótulo: "
    "`yesterday`, `last_7_days`, `last_30_days`, `last_N_days` (N até 999), `this_month`, `last_month`, "
    "`month_before_last`, `last_week`, `this_year`, `last_year`, `last_12_months`."
)
_PERIOD_PATTERN = (
    r"^(\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?|today|yesterday|day_before_yesterday|last_week|"
    r"last_24_hours|this_quarter|this_week|last_\d{1,3}_days|this_month|last_month|month_before_last|this_year|"
    r"last_year|last_12_months)$"
)
PeriodQuery = Annotated[str | None, Query(description=PERIOD_HELP + " Padrão: últimos 30 dias.",
                                          pattern=_PERIOD_PATTERN, max_length=20, examples=["2026-10"])]
Level = Literal["meter", "transformer", "feeder"]
Indicator = Literal["DRP", "DRC", "DIC", "FIC", "DMIC"]

_INSTALLATION_ERRORS = problem_responses(401, 403, 404, 422, 429)
_FLEET_ERRORS = problem_responses(401, 403, 422, 429)


def _ok(tool: str, description: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"model": tool_result_model(tool), "description": description}}


def _check_period(ctx: ToolContext, value: str | None, field: str = "period") -> None:
    """Reject a period that matches the pattern but is not a date (2026-02-31) before any tool runs."""
    if value is None:
        return
    try:
        resolve_period(value, ctx.data_today)
    except (InvalidPeriod, ValueError) as exc:
        raise Problem(422, "problem.validation", **with_detail([{
            "field": field, "location": "query", "message": f"Período inválido: {value[:20]}. {PERIOD_HELP}",
        }])) from exc


def _run(name: str, ctx: ToolContext, installation_id: str | None, args: dict[str, Any]) -> dict[str, Any]:
    spec = registry.get(name)
    clean = {k: v for k, v in args.items() if v is not None and k in spec.args_model.model_fields}
    result: dict[str, Any] = run_tool(name, ctx, installation_id, clean).to_dict()
    return result


@router.get("/installations/{installation_id}/consumption", tags=["instalações"], response_model=None,
            summary="Consumo (kWh e R$ estimado) de um período, com comparação e trilha de cálculo",
            responses={**_ok("consumption_summary", "Consumo do período, por dia e por posto."), **_INSTALLATION_ERRORS})
def consumption(ctx: InstallationCtxDep, installation_id: InstallationId,
                start: Annotated[str | None, Query(description="Início (AAAA-MM-DD); use com `end` em vez de `period`.",
                                                   pattern=r"^\d{4}-\d{2}-\d{2}$", examples=["2026-10-01"])] = None,
                end: Annotated[str | None, Query(description="Fim, inclusivo (AAAA-MM-DD). Padrão: igual a `start`.",
                                                 pattern=r"^\d{4}-\d{2}-\d{2}$", examples=["2026-10-31"])] = None,
                period: PeriodQuery = None) -> dict[str, Any]:
    if start:
        _check_period(ctx, start, "start")
        _check_period(ctx, end, "end")
        p: Any = {"start": start, "end": end or start}
    else:
        _check_period(ctx, period)
        p = period
    return _run("consumption_summary", ctx, installation_id, {"period": p})


@router.get("/installations/{installation_id}/bills", tags=["instalações"], response_model=None,
            summary="Últimas faturas calculadas a partir da memória de massa, linha a linha",
            responses={200: {"model": BillsPublic, "description": "As faturas, da mais recente para a mais antiga."},
                       **_INSTALLATION_ERRORS})
def bills(ctx: InstallationCtxDep, installation_id: InstallationId,
          months: Annotated[int, Query(ge=1, le=12, description="Quantas faturas (1 a 12).")] = 3) -> dict[str, Any]:
    today = ctx.data_today
    refs = ["last_bill"] + [
        f"{d.year:04d}-{d.month:02d}" for d in (add_months(today.replace(day=1), -k) for k in range(2, months + 1))
    ]
    return {"installation_id": installation_id, "bills": [_run("explain_bill", ctx, installation_id, {"reference": r}) for r in refs]}


@router.get("/installations/{installation_id}/bills/{ref}/explanation", tags=["instalações"], response_model=None,
            summary="Explicação de uma fatura (last_bill ou AAAA-MM): cada linha com fórmula, tarifa e fonte",
            responses={**_ok("explain_bill", "A fatura, linha a linha."), **_INSTALLATION_ERRORS})
def bill_explanation(ctx: InstallationCtxDep, installation_id: InstallationId,
                     ref: Annotated[str, Path(description="`last_bill` (a última fatura) ou o mês de referência AAAA-MM.",
                                              pattern=r"^(last_bill|\d{4}-(0[1-9]|1[0-2]))$",
                                              examples=["last_bill", "2026-10"])]) -> dict[str, Any]:
    return _run("explain_bill", ctx, installation_id, {"reference": ref})


@router.get("/installations/{installation_id}/tariff-comparison", tags=["instalações"], response_model=None,
            summary="Convencional x Tarifa Branca nos últimos 12 meses, com simulação de deslocamento",
            responses={**_ok("compare_tariffs", "As duas tarifas lado a lado."), **_INSTALLATION_ERRORS})
def tariff_comparison(ctx: InstallationCtxDep, installation_id: InstallationId,
                      shift_pct: Annotated[float | None, Query(ge=0, le=1, description="Fração (0 a 1) da energia de "
                                                               "ponta deslocada para fora de ponta na simulação.")] = None
                      ) -> dict[str, Any]:
    args: dict[str, Any] = {"shift_pct": shift_pct, "shift": "peak_to_offpeak" if shift_pct else None}
    return _run("compare_tariffs", ctx, installation_id, args)


@router.get("/installations/{installation_id}/gd-credits", tags=["instalações"], response_model=None,
            summary="Geração distribuída: injeção, compensação e saldo de créditos por vencimento",
            responses={**_ok("gd_credits", "Créditos de energia solar."), **_INSTALLATION_ERRORS})
def gd_credits(ctx: InstallationCtxDep, installation_id: InstallationId, period: PeriodQuery = None) -> dict[str, Any]:
    _check_period(ctx, period)
    return _run("gd_credits", ctx, installation_id, {"period": period})


@router.get("/installations/{installation_id}/quality", tags=["instalações"], response_model=None,
            summary="Qualidade: tensão (DRP/DRC) e continuidade (DIC/FIC/DMIC) com compensação",
            responses={200: {"model": QualityPublic, "description": "Tensão e continuidade."}, **_INSTALLATION_ERRORS})
def quality(ctx: InstallationCtxDep, installation_id: InstallationId, period: PeriodQuery = None) -> dict[str, Any]:
    _check_period(ctx, period)
    return {
        "voltage": _run("voltage_quality", ctx, installation_id, {"period": period}),
        "continuity": _run("continuity_indicators", ctx, installation_id, {"period": period}),
    }


@router.get("/fleet/quality-ranking", tags=["frota"], response_model=None,
            summary="Ranking por DRP, DRC, DIC, FIC ou DMIC (medidor, transformador, alimentador)",
            responses={**_ok("quality_ranking", "Os piores primeiro."), **_FLEET_ERRORS})
def quality_ranking(ctx: FleetCtxDep,
                    indicator: Annotated[Indicator, Query(description="Indicador: DRP e DRC (tensão, % do tempo fora da "
                                                          "faixa), DIC, FIC e DMIC (continuidade).")] = "DRP",
                    level: Annotated[Level, Query(description="Agregação: medidor, transformador ou alimentador.")]
                    = "transformer",
                    period: PeriodQuery = None,
                    limit: Annotated[int, Query(ge=1, le=1000, description="Quantas linhas (1 a 1000).")] = 10
                    ) -> dict[str, Any]:
    _check_period(ctx, period)
    return _run("quality_ranking", ctx, None, {"indicator": indicator, "level": level, "period": period, "limit": limit})


@router.get("/fleet/compensation-exposure", tags=["frota"], response_model=None,
            summary="Compensações estimadas (R$) e prazos que vencem",
            responses={**_ok("compensation_exposure", "Exposição a compensações."), **_FLEET_ERRORS})
def compensation_exposure(ctx: FleetCtxDep, period: PeriodQuery = None,
                          group_by: Annotated[Level | None, Query(description="Agrupar por medidor, transformador ou "
                                                                  "alimentador. Padrão: alimentador.")] = None,
                          due_within_days: Annotated[int | None, Query(ge=0, le=366, description="Só prazos que vencem "
                                                                       "nestes dias.")] = None) -> dict[str, Any]:
    _check_period(ctx, period)
    return _run("compensation_exposure", ctx, None, {"period": period, "group_by": group_by, "due_within_days": due_within_days})


@router.get("/fleet/events", tags=["frota"], response_model=None,
            summary="Eventos e alarmes, desligamentos inferidos e suspeitas de perdas",
            responses={**_ok("events_summary", "Eventos do período."), **_FLEET_ERRORS})
def events(ctx: FleetCtxDep, period: PeriodQuery = None,
           kind: Annotated[Literal["event", "alarm"] | None, Query(description="Só eventos (`event`) ou só alarmes "
                                                                   "(`alarm`). Padrão: os dois.")] = None,
           code: Annotated[int | None, Query(ge=0, le=99999, description="Código numérico do evento no medidor.")] = None,
           group_by: Annotated[Level | None, Query(description="Agrupar por medidor, transformador ou alimentador.")]
           = None) -> dict[str, Any]:
    _check_period(ctx, period)
    return _run("events_summary", ctx, None, {"period": period, "kind": kind, "code": code, "group_by": group_by})


@router.get("/fleet/completeness", tags=["frota"], response_model=None,
            summary="Leituras esperadas x recebidas e medidores silenciosos",
            responses={**_ok("data_completeness", "Completude das leituras."), **_FLEET_ERRORS})
def completeness(ctx: FleetCtxDep, period: PeriodQuery = None,
                 group: Annotated[Literal["A", "B"] | None, Query(description="Grupo tarifário A ou B. Padrão: todos.")]
                 = None) -> dict[str, Any]:
    _check_period(ctx, period)
    return _run("data_completeness", ctx, None, {"period": period, "group": group})


@router.post("/costs/estimate", tags=["custos"], response_model=None,
             summary="Custo mensal de armazenamento e processamento de dados de medição",
             responses={**_ok("storage_cost", "Custo por componente e total."), **_FLEET_ERRORS})
def cost_estimate(ctx: FleetCtxDep, body: CostParams) -> dict[str, Any]:
    """Mesmos parâmetros da ferramenta ``storage_cost`` (medidores, fases, intervalo, retenção, nuvem/on-premises…)."""
    return _run("storage_cost", ctx, None, body.model_dump(exclude_unset=True))
