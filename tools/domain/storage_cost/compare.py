"""Scenario comparison and one-at-a-time sensitivity of the cost model (pure).

Sensitivity: each parameter is set to a low and a high value (everything else at the base
scenario) and the per-meter-month cost of the question's selection is recomputed, in BRL so
that the exchange rate takes part. Parameters are ranked by the swing |cost(a) - cost(b)|
(a tornado chart).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from tools.domain.storage_cost.coef import Coefficients
from tools.domain.storage_cost.model import Scenario, ScenarioResult
from tools.domain.storage_cost.scenario import run_scenario
from tools.domain.storage_cost.sim import Fleet
from tools.units import d


@dataclass(frozen=True, slots=True)
class ScenarioDelta:
    name: str
    versus: str
    usd_month: Decimal
    brl_month: Decimal
    usd_per_meter_month: Decimal
    brl_per_meter_month: Decimal
    pct: float  # of the answer per meter-month, relative to ``versus``


@dataclass(frozen=True, slots=True)
class SensitivityItem:
    parameter: str
    base: str
    low: str
    high: str
    brl_per_meter_month_low: Decimal
    brl_per_meter_month_high: Decimal
    swing_brl: Decimal
    swing_pct: float  # swing / base cost


def compare(results: Sequence[ScenarioResult]) -> tuple[ScenarioDelta, ...]:
    """Each scenario against the first one (answer of the selection)."""
    if len(results) < 2:
        return ()
    base = results[0]
    out = []
    for r in results[1:]:
        per = r.answer_usd_per_meter_month - base.answer_usd_per_meter_month
        pct = float(per / base.answer_usd_per_meter_month) if base.answer_usd_per_meter_month else 0.0
        out.append(
            ScenarioDelta(
                r.name,
                base.name,
                r.answer_usd_month - base.answer_usd_month,
                r.answer_brl_month - base.answer_brl_month,
                per,
                r.answer_brl_per_meter_month - base.answer_brl_per_meter_month,
                pct,
            )
        )
    return tuple(out)


Apply = Callable[[Scenario, float], Scenario]


def _interval(group: str) -> Apply:
    def f(sc: Scenario, v: float) -> Scenario:
        segs = tuple(replace(s, interval_min=int(v)) if s.group == group else s for s in sc.fleet.segments)
        return replace(sc, fleet=replace(sc.fleet, segments=segs))

    return f


def _meters(sc: Scenario, v: float) -> Scenario:
    anchors = {g: tuple((m, n * v) for m, n in pts) for g, pts in sc.fleet.anchors.items()}
    fleet: Fleet = replace(sc.fleet, anchors=anchors)
    return replace(sc, fleet=fleet)


def _fiscal(group: str) -> Apply:
    def f(sc: Scenario, v: float) -> Scenario:
        reads = {**sc.rates.fiscal_reads_per_day, group: v}
        return replace(sc, rates=replace(sc.rates, fiscal_reads_per_day=reads))

    return f


def perturbations(sc: Scenario, group: str) -> list[tuple[str, str, float, float, Apply]]:
    """(parameter, base label, low, high, apply) for the base scenario ``sc``."""
    t, o, p = sc.tiering, sc.overheads, sc.platform
    iv = next((s.interval_min for s in sc.fleet.segments if s.group == group), 15)
    items: list[tuple[str, str, float, float, Apply]] = [
        ("interval_minutes", str(iv), 60, 5, _interval(group)),
        (
            "retention_years",
            str(t.retention_months / 12),
            5,
            15,
            lambda s, v: replace(s, tiering=replace(s.tiering, retention_months=int(v * 12))),
        ),
        (
            "hot_months",
            str(t.hot_months),
            1,
            13,
            lambda s, v: replace(s, tiering=replace(s.tiering, hot_months=int(v))),
        ),
        (
            "bytes_per_value",
            "1.0",
            0.8,
            1.25,
            lambda s, v: replace(s, overheads=replace(s.overheads, bytes_scale=v)),
        ),
        (
            "safety_factor",
            str(o.safety_factor),
            1.0,
            1.5,
            lambda s, v: replace(s, overheads=replace(s.overheads, safety_factor=v)),
        ),
        (
            "f_versions",
            str(o.f_versions),
            0.02,
            0.15,
            lambda s, v: replace(s, overheads=replace(s.overheads, f_versions=v)),
        ),
        (
            "storage_prices",
            "1.0",
            0.7,
            1.3,
            lambda s, v: replace(s, platform=replace(s.platform, storage_price_factor=v)),
        ),
        (
            "compute_prices",
            "1.0",
            0.7,
            1.3,
            lambda s, v: replace(s, platform=replace(s.platform, compute_price_factor=v)),
        ),
        (
            "fixed_platform",
            "1.0",
            0.5,
            1.5,
            lambda s, v: replace(s, platform=replace(s.platform, fixed_factor=v)),
        ),
        ("meters", "1.0", 0.5, 2.0, _meters),
        (
            "fx_brl_per_usd",
            str(sc.fx_brl_per_usd),
            float(sc.fx_brl_per_usd) * 0.85,
            float(sc.fx_brl_per_usd) * 1.15,
            lambda s, v: replace(s, fx_brl_per_usd=d(round(v, 4))),
        ),
        (
            "qee_coverage",
            str(sc.rates.qee_coverage),
            0.1,
            1.0,
            lambda s, v: replace(s, rates=replace(s.rates, qee_coverage=v)),
        ),
        ("fiscal_reads_per_day", str(sc.rates.fiscal_reads_per_day[group]), 1, 4, _fiscal(group)),
        (
            "ingest_vcpu_s_per_m",
            str(p.ingest_vcpu_s_per_m),
            5,
            50,
            lambda s, v: replace(s, platform=replace(s.platform, ingest_vcpu_s_per_m=v)),
        ),
        (
            "egress_kb_per_meter_month",
            str(p.egress_kb_per_meter_month),
            0,
            p.egress_kb_per_meter_month * 3,
            lambda s, v: replace(s, platform=replace(s.platform, egress_kb_per_meter_month=v)),
        ),
    ]
    return items


def sensitivity(sc: Scenario, coefs: Coefficients, group: str = "B") -> tuple[SensitivityItem, ...]:
    """One-at-a-time swings of the selection's BRL per meter-month, largest first."""
    base, _ = run_scenario(sc, coefs, timeline=False, trail=False)
    ref = base.answer_brl_per_meter_month
    out = []
    for name, label, lo, hi, apply in perturbations(sc, group):
        vals = []
        for v in (lo, hi):
            r, _ = run_scenario(apply(sc, v), coefs, timeline=False, trail=False)
            vals.append(r.answer_brl_per_meter_month)
        swing = abs(vals[1] - vals[0])
        out.append(
            SensitivityItem(
                name, label, _fmt(lo), _fmt(hi), vals[0], vals[1], swing, float(swing / ref) if ref else 0.0
            )
        )
    return tuple(sorted(out, key=lambda i: i.swing_brl, reverse=True))


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.4g}"
