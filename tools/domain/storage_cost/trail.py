"""Trail of a priced scenario: one step per cost line plus fleet, coefficients, volumes,
overheads, tiering, total and per-meter steps (pure)."""

from __future__ import annotations

from tools.domain.storage_cost.coef import Coefficients
from tools.domain.storage_cost.lines import Line
from tools.domain.storage_cost.model import MDM_REF, MODEL_REF, Scenario, ScenarioResult
from tools.domain.storage_cost.sim import MonthState, VolumeModel
from tools.types import Step, TrailRef
from tools.units import money


def scenario_steps(
    sc: Scenario,
    coefs: Coefficients,
    vm: VolumeModel,
    state: MonthState,
    lines: list[Line],
    res: ScenarioResult,
) -> list[Step]:
    """The trail of a priced scenario: fleet, coefficients, volumes, one step per cost line,
    totals and per-meter figures."""
    name = {"scenario": sc.name}
    steps = [
        Step(
            "cost.step.fleet",
            {
                **name,
                "start": sc.fleet.start,
                "eval_month": state.label,
                "anchors": {g: list(v) for g, v in sc.fleet.anchors.items()},
                "shares": {s.key: round(s.share, 4) for s in sc.fleet.segments},
            },
            "meters[segment] = interp(anchors[group], month) * share[segment]",
            {k: round(v) for k, v in state.meters.items()},
            "meters",
            (MODEL_REF,),
        ),
        Step(
            "cost.step.coefficients",
            {**name, "source": res.coefficients},
            "bytes per value: calibrated on our lake layout when <home>/calibration.json exists, else literature",
            {
                s.key: {
                    "archive_b_per_row": round(coefs.lp_row(s, "archive").total, 3),
                    "hot_b_per_row": round(coefs.lp_row(s, "hot").total, 3),
                    "source": coefs.lp_row(s, "archive").source,
                }
                for s in sc.fleet.segments
            },
            "B/row",
            (TrailRef("shared/domain/storage-cost.md 2.2 e 5.2", "reference"),),
        ),
    ]
    for s in sc.fleet.segments:
        raw = vm.raw["archive"][s.key]
        steps.append(
            Step(
                "cost.step.volume",
                {
                    **name,
                    "segment": s.key,
                    "interval_min": s.interval_min,
                    "channels": len(s.channels),
                    "values_per_meter_month": {p: round(v.values, 1) for p, v in raw.items()},
                    "b_per_value": {p: round(v.b_per_value, 3) for p, v in raw.items()},
                },
                "; ".join(f"{p}: {v.formula}" for p, v in raw.items()),
                {p: round(v.bytes / 1e3, 3) for p, v in raw.items()},
                "KB/meter-month",
                (MODEL_REF,),
            )
        )
    o = sc.overheads
    steps.append(
        Step(
            "cost.step.overheads",
            {
                **name,
                "f_versions": o.f_versions,
                "f_aggregates": o.f_aggregates,
                "f_metadata": o.f_metadata,
                "safety_factor": o.safety_factor,
                "duckdb_block_overhead_hot": o.duckdb_block_overhead,
            },
            "(1 + f_versions) * (1 + f_aggregates) * (1 + f_metadata) * safety_factor",
            round(o.factor, 4),
            "factor",
            (MODEL_REF,),
        )
    )
    t = sc.tiering
    steps.append(
        Step(
            "cost.step.tiering",
            {
                **name,
                "hot_months": t.hot_months,
                "warm_months": t.warm_months,
                "retention_months": t.retention_months,
                "hot_copies": t.hot_copies,
                "object_copies": t.object_copies,
                "cold_class": t.cold_class,
            },
            "hot: ages < H (copy); object store: warm ages < W, cold W <= age < retention",
            {k: round(res.volumes[k], 3) for k in ("hot_gb", "warm_gb", "cold_gb")},
            "GB",
            (MODEL_REF, MDM_REF),
        )
    )
    for ln in lines:
        refs = (ln.price.ref(),) if ln.price else ()
        inputs = {
            **name,
            "quantity": round(ln.quantity, 6),
            "unit": ln.unit,
            "fixed": ln.fixed,
            "unit_price_usd": str(ln.price.value) if ln.price else None,
            **{k: (round(v, 6) if isinstance(v, float) else v) for k, v in ln.inputs.items()},
        }
        steps.append(Step(f"cost.line.{ln.key}", inputs, ln.formula, str(money(ln.usd)), "USD/month", refs))
    steps.append(
        Step(
            "cost.step.total",
            {**name, "fx_brl_per_usd": str(sc.fx_brl_per_usd), "lines": len(lines)},
            "sum(lines); BRL = USD * fx_brl_per_usd",
            {"usd_month": str(res.total_usd_month), "brl_month": str(res.total_brl_month)},
            "USD/month",
            (sc.fx_ref,),
        )
    )
    steps.append(
        Step(
            "cost.step.per_meter",
            {
                **name,
                "segments": list(sc.selection.segments or ["all"]),
                "products": list(sc.selection.products),
                "meters": round(res.answer_meters),
            },
            "(variable lines allocated by driver + fixed lines per meter x product byte share) / meters",
            {"usd": str(res.answer_usd_per_meter_month), "brl": str(res.answer_brl_per_meter_month)},
            "per meter-month",
            (sc.fx_ref,),
        )
    )
    return steps
