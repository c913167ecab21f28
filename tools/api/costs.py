"""Storage and processing cost tools: ``storage_cost`` (operator), calibration and report data.

``estimate(CostParams)`` is the entry point for the REST route ``POST /v1/costs/estimate``
(``CostParams`` is its request body) and the CLI; the registered tool ``storage_cost`` calls
it with the store's home so calibrated coefficients (``<home>/calibration.json``) are used
when present. Lists in ``interval_minutes``, ``infrastructure``, ``retention_years``,
``hot_months`` and ``fiscal_reads_per_day`` expand into side-by-side scenarios.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tools.data.calibration import load_calibration
from tools.domain.storage_cost import Scenario, ScenarioResult, Selection, run_scenario
from tools.domain.storage_cost.coef import (
    DEFAULT_INTERVAL,
    Coefficients,
    Segment,
    default_segments,
    normalise_products,
)
from tools.domain.storage_cost.compare import ScenarioDelta, SensitivityItem, compare, sensitivity
from tools.domain.storage_cost.lines import Platform
from tools.domain.storage_cost.prices import PriceBook, select_book
from tools.domain.storage_cost.sim import DEFAULT_GROWTH, Fleet, Overheads, Tiering, flat_fleet
from tools.domain.storage_cost.volume import ProductRates
from tools.errors import InvalidArguments
from tools.reference.prices.catalogue import default_fx, load_books, price_catalogue_version
from tools.registry import ToolSpec
from tools.types import Issue, Provenance, Step, ToolResult, TrailRef
from tools.units import money

TOOL = "storage_cost"
INTERVALS = (1, 5, 10, 15, 30, 60)
INFRA_ALIASES = {
    "cloud": "cloud",
    "nuvem": "cloud",
    "on_premises": "on_premises",
    "on-premises": "on_premises",
    "onpremises": "on_premises",
    "on_prem": "on_premises",
    "onprem": "on_premises",
    "local": "on_premises",
}
DEFAULT_STEADY_METERS = {"B": 793_000.0, "A": 40_000.0}  # end of 2026 (brief of issue 9)
MAX_SCENARIOS = 24


def _as_list(v: Any) -> list[Any]:
    if v is None:
        return [None]
    return list(v) if isinstance(v, list | tuple) else [v]


class CostParams(BaseModel):
    """Arguments of ``storage_cost`` and body of ``POST /v1/costs/estimate``.

    Without ``meters`` the fleet follows the growth path (220k Group B meters in 2026-01, 793k
    at the end of 2026, 4 M in 2037-12; Group A 40k at 5 min) and is priced at ``eval_month``
    (default 2037-12). With ``meters`` the fleet is constant and priced at steady state (the
    whole retention held). ``meters`` counts the selected group (B when no group is given).
    ``group``/``phases``/``pv`` choose which meters the answer is about; the fleet keeps both
    groups (they share the platform's fixed lines) unless ``shared_platform`` is False.
    """

    model_config = ConfigDict(extra="forbid")

    meters: int | None = Field(None, gt=0, le=100_000_000, description="meters of the selected group/type")
    group: Literal["A", "B"] | None = None
    phases: Literal[1, 2, 3] | None = None
    pv: bool | None = Field(None, description="meters with distributed generation (PV) only / without")
    interval_minutes: int | list[int] | None = Field(
        None, description="load-profile interval; a list compares"
    )
    retention_years: float | list[float] | None = Field(None, description="MDM retention (default 10)")
    infrastructure: str | list[str] | None = Field(
        None, description="cloud | on_premises | provider; list compares"
    )
    provider: str | None = Field(
        None, description="aws | azure | gcp | oci | huawei (cloud), or provider:region"
    )
    region: str | None = None
    onprem_profile: Literal["commodity", "enterprise"] = "commodity"
    datasets: str | list[str] | None = Field(
        None, description="registers, load_profile, power_quality, events, alarms"
    )
    hot_months: int | list[int] | None = Field(None, description="MDC hot window in months (default 3)")
    warm_months: int = Field(24, ge=0, le=600)
    cold_class: Literal["infrequent", "archive"] = "infrequent"
    fiscal_reads_per_day: float | list[float] | None = None
    qee_coverage: float | None = Field(None, ge=0, le=1)
    fx_brl_per_usd: Decimal | None = Field(None, gt=0, le=100)
    growth: bool | None = None
    start_month: str | None = Field(None, pattern=r"^\d{4}-\d{2}$")
    eval_month: str | None = Field(None, pattern=r"^\d{4}-\d{2}$")
    fixed_lines: bool = True
    environments: int = Field(1, ge=1, le=5)
    dr_copy: bool = False
    warehouse: Literal["self_managed", "bigquery", "snowflake"] = "self_managed"
    safety_factor: float | None = Field(None, gt=0, le=5)
    messaging_units: int | None = Field(None, gt=0, le=1000)
    sensitivity: bool = True
    timeline: bool = True
    use_calibration: bool = True
    shared_platform: bool = Field(
        True, description="both groups share the platform; False: only the selected group"
    )

    @field_validator("interval_minutes")
    @classmethod
    def _intervals(cls, v: int | list[int] | None) -> int | list[int] | None:
        for i in _as_list(v):
            if i is not None and i not in INTERVALS:
                raise ValueError(f"interval must be one of {INTERVALS}")
        return v

    @field_validator("retention_years")
    @classmethod
    def _retention(cls, v: float | list[float] | None) -> float | list[float] | None:
        for r in _as_list(v):
            if r is not None and not 0.25 <= r <= 50:
                raise ValueError("retention_years must be between 0.25 and 50")
        return v

    @field_validator("hot_months")
    @classmethod
    def _hot(cls, v: int | list[int] | None) -> int | list[int] | None:
        for h in _as_list(v):
            if h is not None and not 0 <= h <= 120:
                raise ValueError("hot_months must be between 0 and 120")
        return v

    @field_validator("fiscal_reads_per_day")
    @classmethod
    def _fiscal(cls, v: float | list[float] | None) -> float | list[float] | None:
        for f in _as_list(v):
            if f is not None and not 0 < f <= 96:
                raise ValueError("fiscal_reads_per_day must be in (0, 96]")
        return v

    @field_validator("datasets")
    @classmethod
    def _datasets(cls, v: str | list[str] | None) -> str | list[str] | None:
        try:
            normalise_products(v)
        except InvalidArguments as exc:
            raise ValueError(str(exc.context.get("product"))) from exc
        return v


@dataclass(frozen=True, slots=True)
class StorageCostValue:
    """Answer (first scenario) plus every scenario, their differences and the sensitivity."""

    answer_usd_per_meter_month: Decimal
    answer_brl_per_meter_month: Decimal
    answer_usd_month: Decimal
    answer_brl_month: Decimal
    answer_usd_per_1000_meters_month: Decimal
    answer_brl_per_1000_meters_month: Decimal
    answer_meters: int
    fx_brl_per_usd: Decimal
    scenarios: tuple[ScenarioResult, ...]
    comparison: tuple[ScenarioDelta, ...]
    sensitivity: tuple[SensitivityItem, ...]
    calibration: Mapping[str, Any]


# ------------------------------------------------------------------------------ building scenarios


def coefficients_for(home: str | Path | None, use: bool = True) -> Coefficients:
    cal = load_calibration(home) if (home is not None and use) else None
    return Coefficients(cal or {})


def _book(books: Mapping[str, PriceBook], infra: str | None, p: CostParams) -> PriceBook:
    name = (infra or "cloud").strip().lower()
    kind = INFRA_ALIASES.get(name)
    if kind == "on_premises":
        return select_book(books, "onprem", p.onprem_profile)
    if kind == "cloud":
        prov = p.provider or "aws"
        return select_book(
            books, "aws" if prov.startswith("onprem") else prov, p.region if p.provider else None
        )
    return select_book(books, name, None)  # a provider name or provider:region


def _segments(p: CostParams, interval: int | None) -> tuple[tuple[Segment, ...], tuple[str, ...] | None, str]:
    """Fleet segments, the selection's segment keys, and the target group."""
    target: str = p.group or "B"
    iv = {g: (interval if (interval and g == target) else DEFAULT_INTERVAL[g]) for g in ("A", "B")}
    segs = [
        s
        for s in default_segments(iv["B"], iv["A"])
        if p.shared_platform or p.group is None or s.group == p.group
    ]

    def wanted(s: Segment) -> bool:
        return (
            s.group == target
            and (p.phases is None or s.phases == p.phases)
            and (p.pv is None or s.pv == p.pv)
        )

    selection = tuple(s.key for s in segs if wanted(s)) if (p.phases or p.pv is not None or p.group) else None
    if p.meters is not None and (p.phases is not None or p.pv is not None):
        keep = [s for s in segs if s.group != target or wanted(s)]
        tot = sum(s.share for s in keep if s.group == target)
        segs = [replace(s, share=s.share / tot) if s.group == target else s for s in keep]
    if selection == ():
        raise InvalidArguments("no meter type matches", group=p.group, phases=p.phases, pv=p.pv)
    return tuple(segs), selection, target


def _fleet(p: CostParams, segs: tuple[Segment, ...], target: str, retention_months: int) -> Fleet:
    groups: set[str] = {s.group for s in segs}
    growth = p.growth if p.growth is not None else p.meters is None
    if not growth:
        meters: dict[str, float] = {
            g: float(p.meters) if (p.meters and g == target) else DEFAULT_STEADY_METERS[g] for g in groups
        }
        return flat_fleet(segs, meters, max(retention_months, 1), p.eval_month or "2036-12")
    anchors: dict[str, tuple[tuple[str, float], ...]] = {g: DEFAULT_GROWTH[g] for g in groups}
    if p.meters is not None:
        last = anchors[target][-1][1]
        anchors[target] = tuple((m, n * p.meters / last) for m, n in anchors[target])
    return Fleet(segs, anchors, p.start_month or "2026-01", p.eval_month or "2037-12")


def build_scenarios(
    p: CostParams, books: Mapping[str, PriceBook], fx: Decimal, fx_ref: TrailRef, calibrated_with_lake: bool
) -> tuple[list[Scenario], str]:
    combos = list(
        itertools.product(
            _as_list(p.infrastructure),
            _as_list(p.interval_minutes),
            _as_list(p.retention_years),
            _as_list(p.hot_months),
            _as_list(p.fiscal_reads_per_day),
        )
    )
    if len(combos) > MAX_SCENARIOS:
        raise InvalidArguments("too many scenarios", scenarios=len(combos), max=MAX_SCENARIOS)
    products = normalise_products(p.datasets)
    out: list[Scenario] = []
    target: str = p.group or "B"
    for infra, interval, ret, hot, fiscal in combos:
        segs, selection, target = _segments(p, interval)
        retention = round((ret or 10) * 12)
        book = _book(books, infra, p)
        rates = ProductRates(qee_coverage=1.0 if p.qee_coverage is None else p.qee_coverage)
        if fiscal:
            rates = replace(rates, fiscal_reads_per_day={**rates.fiscal_reads_per_day, target: float(fiscal)})
        safety = p.safety_factor or (1.0 if calibrated_with_lake else 1.2)
        params = {
            "infrastructure": infra or "cloud",
            "provider": book.id,
            "interval_minutes": interval or DEFAULT_INTERVAL[target],
            "retention_years": ret or 10,
            "hot_months": 3 if hot is None else hot,
            "fiscal_reads_per_day": rates.fiscal_reads_per_day[target],
        }
        varying = [
            f"{k}={v}"
            for k, v, lst in (
                ("infrastructure", book.id, p.infrastructure),
                ("interval", params["interval_minutes"], p.interval_minutes),
                ("retention", params["retention_years"], p.retention_years),
                ("hot", params["hot_months"], p.hot_months),
                ("fiscal", params["fiscal_reads_per_day"], p.fiscal_reads_per_day),
            )
            if isinstance(lst, list)
        ]
        out.append(
            Scenario(
                name=" ".join(varying) or "base",
                fleet=_fleet(p, segs, target, retention),
                book=book,
                fx_brl_per_usd=fx,
                tiering=Tiering(
                    hot_months=3 if hot is None else int(hot),
                    warm_months=p.warm_months,
                    retention_months=retention,
                    object_copies=2 if p.dr_copy else 1,
                    cold_class=p.cold_class,
                ),
                overheads=Overheads(safety_factor=safety),
                rates=rates,
                platform=Platform(
                    fixed_lines=p.fixed_lines,
                    environments=float(p.environments),
                    warehouse=p.warehouse,
                    messaging_units=p.messaging_units,
                ),
                selection=Selection(selection, products),
                fx_ref=fx_ref,
                params=params,
            )
        )
    return out, target


# ------------------------------------------------------------------------------ estimate


def estimate(
    params: CostParams, *, home: str | Path | None = None, prices_path: str | Path | None = None
) -> ToolResult[StorageCostValue]:
    """Storage and processing cost estimate (every scenario, comparison, sensitivity, trail)."""
    books = load_books(prices_path)
    coefs = coefficients_for(home, params.use_calibration)
    fx, fx_ref = (
        (params.fx_brl_per_usd, TrailRef("fx_brl_per_usd argument", "confirmed"))
        if params.fx_brl_per_usd
        else default_fx()
    )
    scenarios, target = build_scenarios(params, books, fx, fx_ref, bool(coefs.calibration.get("lake")))
    results: list[ScenarioResult] = []
    trail: list[Step] = []
    for sc in scenarios:
        res, steps = run_scenario(sc, coefs, timeline=params.timeline)
        results.append(res)
        trail.extend(steps)
    sens = sensitivity(scenarios[0], coefs, target) if params.sensitivity else ()
    first = results[0]
    cal_info = (
        {"created": coefs.created, "source": dict(coefs.calibration.get("source") or {})}
        if coefs.calibrated
        else {}
    )
    value = StorageCostValue(
        first.answer_usd_per_meter_month,
        first.answer_brl_per_meter_month,
        first.answer_usd_month,
        first.answer_brl_month,
        money(first.answer_usd_per_meter_month * 1000),
        money(first.answer_brl_per_meter_month * 1000),
        round(first.answer_meters),
        fx,
        tuple(results),
        compare(results),
        sens,
        cal_info,
    )
    refs = {r for sc in scenarios for r in (sc.fx_ref,)}
    return ToolResult(
        tool=TOOL,
        value=value,
        units={
            "answer_usd_per_meter_month": "USD/meter-month",
            "answer_brl_per_meter_month": "BRL/meter-month",
            "answer_usd_month": "USD",
            "answer_brl_month": "R$",
            "answer_usd_per_1000_meters_month": "USD",
            "answer_brl_per_1000_meters_month": "R$",
            "answer_meters": "meters",
            "fx_brl_per_usd": "BRL/USD",
        },
        trail=tuple(trail),
        issues=tuple(_issues(params, scenarios, results, coefs)),
        provenance=Provenance(
            reference_versions={
                "prices": price_catalogue_version(),
                "calibration": coefs.created or "literature",
            }
        ),
        citations=(
            TrailRef("shared/domain/storage-cost.md", "reference"),
            *sorted(refs, key=lambda r: r.source),
        ),
    )


def _issues(
    p: CostParams, scenarios: list[Scenario], results: list[ScenarioResult], coefs: Coefficients
) -> list[Issue]:
    out: list[Issue] = []
    for sc, res in zip(scenarios, results, strict=True):
        if res.missing_prices:
            out.append(
                Issue(
                    "cost.issue.price_missing",
                    "disqualifying",
                    {"scenario": sc.name, "provider": sc.book.id, "lines": list(res.missing_prices)},
                )
            )
        n_ref = sum(1 for ln in res.lines if ln.price_status == "reference")
        if n_ref:
            out.append(
                Issue(
                    "cost.issue.reference_prices",
                    "warning",
                    {"scenario": sc.name, "provider": sc.book.id, "count": n_ref},
                )
            )
        if sc.tiering.retention_months < 120:
            out.append(
                Issue(
                    "cost.issue.retention_below_mdm",
                    "warning",
                    {"scenario": sc.name, "retention_years": sc.tiering.retention_months / 12},
                )
            )
    if not coefs.calibrated:
        out.append(Issue("cost.issue.literature_coefficients", "warning", {}))
    if not p.fixed_lines:
        out.append(Issue("cost.issue.fixed_lines_off", "warning", {}))
    if p.datasets:
        out.append(
            Issue("cost.issue.fixed_allocated", "warning", {"products": list(normalise_products(p.datasets))})
        )
    return out


def storage_cost(ctx: Any, installation_id: str | None, args: CostParams) -> ToolResult[StorageCostValue]:
    """The registered operator tool: ``estimate`` with the store's home (calibration)."""
    return estimate(args, home=ctx.store.home)


SPECS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name=TOOL,
        fn=storage_cost,
        args_model=CostParams,
        audience=("operator",),
        needs_installation=False,
        summary="Monthly storage and processing cost per meter and in total (USD and BRL) by meter type, data "
        "product and cost line, for cloud providers or on premises, with scenarios and sensitivity.",
    ),
)
