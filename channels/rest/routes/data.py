"""Installation and fleet data routes: thin wrappers over ``tools.api.run_tool``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from channels.rest.deps import FleetCtxDep, InstallationCtxDep
from tools import registry
from tools.api import ToolContext, run_tool
from tools.api.costs import CostParams
from tools.domain.periods import add_months

router = APIRouter(prefix="/v1")
InstallationId = Annotated[str, Path(description="Número da instalação (unidade consumidora).", examples=["40010001"])]


def _run(name: str, ctx: ToolContext, installation_id: str | None, args: dict[str, Any]) -> dict[str, Any]:
    spec = registry.get(name)
    clean = {k: v for k, v in args.items() if v is not None and k in spec.args_model.model_fields}
    result: dict[str, Any] = run_tool(name, ctx, installation_id, clean).to_dict()
    return result


@router.get("/installations/{installation_id}/consumption", tags=["instalações"],
            summary="Consumo (kWh e R$ estimado) de um período, com comparação e trilha de cálculo")
def consumption(ctx: InstallationCtxDep, installation_id: InstallationId,
                start: Annotated[str | None, Query(description="Início (AAAA-MM-DD).", examples=["2026-10-01"])] = None,
                end: Annotated[str | None, Query(description="Fim (AAAA-MM-DD).", examples=["2026-10-31"])] = None,
                period: Annotated[str | None, Query(description="Ou um rótulo: yesterday, last_month, 2026-09…")] = None,
                granularity: Annotated[str | None, Query(description="day, hour ou interval")] = None) -> dict[str, Any]:
    p: Any = {"start": start, "end": end or start} if start else period
    return _run("consumption_summary", ctx, installation_id, {"period": p, "granularity": granularity})


@router.get("/installations/{installation_id}/bills", tags=["instalações"],
            summary="Últimas faturas calculadas a partir da memória de massa, linha a linha")
def bills(ctx: InstallationCtxDep, installation_id: InstallationId,
          months: Annotated[int, Query(ge=1, le=12, description="Quantas faturas.")] = 3) -> dict[str, Any]:
    today = ctx.data_today
    refs = ["last_bill"] + [
        f"{d.year:04d}-{d.month:02d}" for d in (add_months(today.replace(day=1), -k) for k in range(2, months + 1))
    ]
    return {"installation_id": installation_id, "bills": [_run("explain_bill", ctx, installation_id, {"reference": r}) for r in refs]}


@router.get("/installations/{installation_id}/bills/{ref}/explanation", tags=["instalações"],
            summary="Explicação de uma fatura (last_bill ou AAAA-MM): cada linha com fórmula, tarifa e fonte")
def bill_explanation(ctx: InstallationCtxDep, installation_id: InstallationId,
                     ref: Annotated[str, Path(examples=["last_bill", "2026-10"])]) -> dict[str, Any]:
    return _run("explain_bill", ctx, installation_id, {"reference": ref})


@router.get("/installations/{installation_id}/tariff-comparison", tags=["instalações"],
            summary="Convencional x Tarifa Branca nos últimos 12 meses, com simulação de deslocamento")
def tariff_comparison(ctx: InstallationCtxDep, installation_id: InstallationId,
                      shift_pct: Annotated[float | None, Query(ge=0, le=1, description="Fração da energia de ponta deslocada.")] = None
                      ) -> dict[str, Any]:
    args: dict[str, Any] = {"shift_pct": shift_pct, "shift": "peak_to_offpeak" if shift_pct else None}
    return _run("compare_tariffs", ctx, installation_id, args)


@router.get("/installations/{installation_id}/gd-credits", tags=["instalações"],
            summary="Geração distribuída: injeção, compensação e saldo de créditos por vencimento")
def gd_credits(ctx: InstallationCtxDep, installation_id: InstallationId,
               period: Annotated[str | None, Query()] = None) -> dict[str, Any]:
    return _run("gd_credits", ctx, installation_id, {"period": period})


@router.get("/installations/{installation_id}/quality", tags=["instalações"],
            summary="Qualidade: tensão (DRP/DRC) e continuidade (DIC/FIC/DMIC) com compensação")
def quality(ctx: InstallationCtxDep, installation_id: InstallationId,
            period: Annotated[str | None, Query()] = None) -> dict[str, Any]:
    return {
        "voltage": _run("voltage_quality", ctx, installation_id, {"period": period}),
        "continuity": _run("continuity_indicators", ctx, installation_id, {"period": period}),
    }


@router.get("/fleet/quality-ranking", tags=["frota"], summary="Ranking por DRP, DRC, DIC ou FIC (medidor, transformador, alimentador)")
def quality_ranking(ctx: FleetCtxDep, indicator: str = "DRP", level: str = "transformer", period: str | None = None,
                    limit: Annotated[int, Query(ge=1, le=1000)] = 10) -> dict[str, Any]:
    return _run("quality_ranking", ctx, None, {"indicator": indicator, "level": level, "period": period, "limit": limit})


@router.get("/fleet/compensation-exposure", tags=["frota"], summary="Compensações estimadas (R$) e prazos que vencem")
def compensation_exposure(ctx: FleetCtxDep, period: str | None = None, group_by: str | None = None,
                          due_within_days: int | None = None) -> dict[str, Any]:
    return _run("compensation_exposure", ctx, None, {"period": period, "group_by": group_by, "due_within_days": due_within_days})


@router.get("/fleet/events", tags=["frota"], summary="Eventos e alarmes, desligamentos inferidos e suspeitas de perdas")
def events(ctx: FleetCtxDep, period: str | None = None, kind: str | None = None, code: str | None = None,
           group_by: str | None = None) -> dict[str, Any]:
    return _run("events_summary", ctx, None, {"period": period, "kind": kind, "code": code, "group_by": group_by})


@router.get("/fleet/completeness", tags=["frota"], summary="Leituras esperadas x recebidas e medidores silenciosos")
def completeness(ctx: FleetCtxDep, period: str | None = None, group: str | None = None) -> dict[str, Any]:
    return _run("data_completeness", ctx, None, {"period": period, "group": group})


@router.post("/costs/estimate", tags=["custos"], summary="Custo mensal de armazenamento e processamento de dados de medição")
def cost_estimate(ctx: FleetCtxDep, body: CostParams) -> dict[str, Any]:
    """Mesmos parâmetros da ferramenta ``storage_cost`` (medidores, fases, intervalo, retenção, nuvem/on-premises…)."""
    return _run("storage_cost", ctx, None, body.model_dump(exclude_unset=True))
