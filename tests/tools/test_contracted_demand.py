"""Group A contracted demand: the pure optimiser worked by hand, and the tool on the demo fleet."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

import pytest

from tools.api import Scope, ToolContext, run_tool
from tools.data.store import Store
from tools.domain.contracted_demand import (
    MonthDemand,
    annual_cost,
    demand_charge,
    month_costs,
    optimise,
    optimise_azul,
)
from tools.errors import ForbiddenInstallation

D = Decimal
RATE = D("16.53")  # CPFL Paulista A4 verde demand tariff, R$/kW (regulation.md 7.3)
TOL, FACTOR = D("0.05"), D(2)
TODAY = dt.date(2026, 11, 26)

# measured monthly maximum demands [kW], Nov/2025 .. Oct/2026
HAND = [112, 118, 120, 115, 110, 108, 105, 111, 119, 130, 117, 114]
LABELS = [f"{2025 + (10 + i) // 12}-{(10 + i) % 12 + 1:02d}" for i in range(12)]


def _months(values: list[Any], rate: Decimal = RATE) -> list[MonthDemand]:
    return [MonthDemand(lab, D(str(v)), rate) for lab, v in zip(LABELS, values, strict=True)]


def test_regulation_examples_of_one_month() -> None:
    """regulation.md 7.3 / 9.5: contracted 100 kW.

    * measured 108 kW (> 105): billed 108 x 16,53 = 1.785,24; ultrapassagem (108 - 100) x 2 x 16,53 = 264,48;
    * measured 104 kW (<= 105): billed 104 x 16,53 = 1.719,12, no ultrapassagem;
    * measured 95 kW: billed the contract, 100 x 16,53 = 1.653,00;
    * measured 108,4 kW: 108,4 x 16,53 = 1.791,852 -> 1.791,85; 8,4 x 2 x 16,53 = 277,704 -> 277,70.
    """
    c = demand_charge(D(108), D(100), RATE, TOL, FACTOR)
    assert (c.billed_kw, c.demand_rs, c.overrun_kw, c.overrun_rs) == (D(108), D("1785.24"), D(8), D("264.48"))
    c = demand_charge(D(104), D(100), RATE, TOL, FACTOR)
    assert (c.billed_kw, c.demand_rs, c.overrun_rs) == (D(104), D("1719.12"), D(0))
    assert demand_charge(D(95), D(100), RATE, TOL, FACTOR).total_rs == D("1653.00")
    (m,) = month_costs([MonthDemand("2026-10", D("108.4"), RATE)], D(100), TOL, FACTOR)
    assert (m.demand_rs, m.overrun_rs, m.total_rs) == (D("1791.85"), D("277.70"), D("2069.55"))


def test_hand_worked_year_to_the_cent() -> None:
    """12 months, rate R$ 16,53/kW, tolerance 5 %, factor 2, current contract 150 kW.

    Demands (kW): 112 118 120 115 110 108 105 111 119 130 117 114 (largest 130 in Aug/2026).

    At 150 kW every month is below the contract: 12 x 150 = 1.800 kW billed
    -> 1.800 x 16,53 = R$ 29.754,00 a year.

    At 115 kW (limit without ultrapassagem 115 x 1,05 = 120,75 kW):
      * 7 months at or below 115 (112 115 110 108 105 111 114) are billed 115: 7 x 115 = 805;
      * 5 months above it are billed as measured: 118 + 120 + 119 + 130 + 117 = 604;
      * only 130 > 120,75: ultrapassagem (130 - 115) x 2 = 30 kW-equivalent;
      * total 805 + 604 + 30 = 1.439 -> 1.439 x 16,53 = R$ 23.786,67.
    Neighbours:
      * 114 kW (limit 119,7): 6 months billed 114 = 684; above: 118+120+115+119+130+117 = 719;
        ultrapassagem on 120 and 130: 2 x 6 + 2 x 16 = 44 -> 1.447 kW-equivalent;
      * 116 kW (limit 121,8): 7 months billed 116 = 812; above: 604; ultrapassagem on 130: 2 x 14 = 28
        -> 1.444 kW-equivalent.
    So 115 kW (1.439) beats 114 kW (1.447) and 116 kW (1.444).
    Saving: 29.754,00 - 23.786,67 = R$ 5.967,33 a year.
    """
    months = _months(HAND)
    plan = optimise("total", months, TOL, FACTOR, current_kw=D(150))
    assert plan.recommended_kw == D(115)
    assert plan.recommended_cost_rs == D("23786.67")
    assert plan.current_cost_rs == D("29754.00")
    assert plan.saving_rs == D("5967.33")
    assert annual_cost(months, D(114), TOL, FACTOR) == D(1447) * RATE
    assert annual_cost(months, D(116), TOL, FACTOR) == D(1444) * RATE
    aug = plan.months_at_recommended[9]
    assert (aug.month, aug.billed_kw, aug.overrun_kw, aug.demand_rs, aug.overrun_rs) == (
        "2026-08",
        D(130),
        D(15),
        D("2148.90"),
        D("495.90"),
    )
    assert plan.candidates == 130 - 30 + 1
    assert all(m.total_rs == D("2479.50") for m in plan.months_at_current)  # 150 x 16,53


def test_minimum_contracted_demand_is_30_kw() -> None:
    """A small load (max 20 kW) still contracts 30 kW (art. 148): 12 x 30 x 16,53 = R$ 5.950,80."""
    plan = optimise("total", _months([20] * 12), TOL, FACTOR)
    assert (plan.recommended_kw, plan.recommended_cost_rs, plan.saving_rs) == (D(30), D("5950.80"), None)


def test_azul_postos_are_independent_and_one_reaches_the_minimum() -> None:
    """Azul, ponta R$ 40/kW at 10 kW every month, fora ponta R$ 10/kW at 25 kW every month.

    Alone each posto would contract its own demand (10 and 25 kW); neither reaches 30 kW, so one is
    raised: ponta to 30 costs 12 x 20 x 40 = 9.600 more, fora ponta to 30 costs 12 x 5 x 10 = 600 more.
    Fora ponta is raised: ponta 10 kW (12 x 10 x 40 = 4.800) + fora ponta 30 kW (12 x 30 x 10 = 3.600).
    """
    p, fp = optimise_azul(_months([10] * 12, D(40)), _months([25] * 12, D(10)), TOL, FACTOR)
    assert (p.recommended_kw, fp.recommended_kw) == (D(10), D(30))
    assert (p.recommended_cost_rs, fp.recommended_cost_rs) == (D(4800), D(3600))


# ------------------------------------------------------------------ the tool on the demo fleet


@pytest.fixture(scope="module")
def ctx(demo_store: Store) -> ToolContext:
    return ToolContext(store=demo_store, scope=Scope.operator(), today=TODAY)


MONTHLY_DEMAND_SQL = (
    "SELECT strftime(b, '%Y-%m') AS month, max(wh) * 4 / 1000.0 AS kw FROM ("
    " SELECT time_bucket(INTERVAL 15 MINUTE, ts) AS b, sum(import_wh) AS wh FROM load_profile"
    " WHERE installation_id = ? AND ts >= '2025-11-01' AND ts < '2026-11-01' GROUP BY 1) GROUP BY 1 ORDER BY 1"
)


def test_demo_verde_installation_is_over_contracted(ctx: ToolContext, demo_store: Store) -> None:
    """40010013 (A4 verde, 150 kW contracted): about 145 kW most months and one month (October 2026)
    with about 175 kW. Recomputed here with plain SQL and a float brute force over whole kW."""
    rows = demo_store.rows(MONTHLY_DEMAND_SQL, ["40010013"])
    kw = [float(r[1]) for r in rows]
    assert len(kw) == 12

    def cost(c: float) -> float:
        return sum(max(m, c) * 16.53 + (2 * (m - c) * 16.53 if m > 1.05 * c else 0) for m in kw)

    best = min(range(30, math.ceil(max(kw)) + 1), key=lambda c: (round(cost(c), 2), -c))
    r = run_tool("contracted_demand", ctx, "40010013", {})
    v = r.value
    assert (v.modality, v.contracted_kw, v.months) == ("verde", D(150), 12)
    assert (v.first_month, v.last_month) == ("2025-11", "2026-10")
    assert v.recommended_kw == D(best) < D(150)
    assert v.verdict == "reduce"
    assert float(v.current_cost_rs) == pytest.approx(cost(150), abs=0.06)
    assert float(v.saving_rs) == pytest.approx(cost(150) - cost(best), abs=0.12)
    assert float(v.max_measured_kw) == pytest.approx(max(kw), abs=1e-3)
    assert not v.azul_available and v.azul is None
    assert "issue.demand.azul_not_available" in {i.code for i in r.issues}
    sources = {c.source for c in r.citations}
    assert {"REN 1.000/2021, art. 148", "REN 1.000/2021, art. 294", "REN 1.000/2021, art. 301"} <= sources
    assert any(c.status == "unconfirmed" for c in r.citations)  # the factor 2


def test_demo_reply_in_portuguese(ctx: ToolContext) -> None:
    from assistant.render import render

    r = run_tool("contracted_demand", ctx, "40010013", {})
    reply, _, _ = render("contracted_demand", [r], {}, TODAY)
    kw = f"{r.value.recommended_kw:f}"
    assert reply.startswith(f"Sua demanda contratada de 150 kW está acima do necessário: com {kw} kW")
    assert "a menos por ano" in reply and "horária azul" in reply


def test_operator_reply_speaks_about_the_installation(ctx: ToolContext) -> None:
    from assistant.render import render

    r = run_tool("contracted_demand", ctx, "40010013", {})
    reply, _, _ = render("contracted_demand", [r], {}, TODAY, audience="operator")
    assert reply.startswith("A demanda contratada da instalação, de 150 kW, está acima do necessário: com ")
    assert "Sua " not in reply and " sua " not in reply and "você" not in reply


def test_demo_azul_installation_is_not_priced_in_azul(ctx: ToolContext) -> None:
    """40010014 is A4 azul (400 kW); no A4 azul tariff is loaded: only the verde option, no invented
    azul value, no saving claimed against a contract that could not be priced."""
    from assistant.render import render

    r = run_tool("contracted_demand", ctx, "40010014", {})
    v = r.value
    assert (v.modality, v.verdict, v.azul, v.current_cost_rs, v.saving_rs) == (
        "azul",
        "azul_not_priced",
        None,
        None,
        None,
    )
    assert r.issues[0].code == "issue.demand.azul_not_available"
    reply, _, _ = render("contracted_demand", [r], {}, TODAY)
    assert reply.startswith("Sua instalação está na modalidade horária azul")
    assert "400 kW" in reply


def test_customer_sees_only_their_installation(demo_store: Store) -> None:
    cctx = ToolContext(store=demo_store, scope=Scope.customer("40010001"), today=TODAY)
    with pytest.raises(ForbiddenInstallation):
        run_tool("contracted_demand", cctx, "40010013", {})


def test_the_days_whose_demand_passed_the_contract_plus_tolerance() -> None:
    import datetime as dt
    from decimal import Decimal

    import pandas as pd

    from tools.domain.billing.usage import days_over

    # hourly rows with the hour's largest 15-minute energy: 46,000 Wh in 15 min = 184 kW,
    # 39,000 Wh = 156 kW, 40,000 Wh = 160 kW; contract 150 kW + 5 % = 157.5 kW
    slots = pd.DataFrame(
        {
            "day": pd.to_datetime(["2026-10-05", "2026-10-05", "2026-10-06", "2026-10-07"]),
            "slot": [600, 660, 600, 1140],
            "import_wh": [120_000, 90_000, 100_000, 110_000],
            "peak_wh": [46_000, 30_000, 39_000, 40_000],
        }
    )
    assert days_over(slots, 5, Decimal("157.5")) == [
        (dt.date(2026, 10, 5), Decimal("184.0")),
        (dt.date(2026, 10, 7), Decimal("160.0")),
    ]
    assert days_over(slots, 5, Decimal("200")) == []
    # only the cycle's days: the rows of the previous cycle read with it are left out
    assert days_over(slots, 5, Decimal("157.5"), dt.date(2026, 10, 6), dt.date(2026, 10, 31)) == [
        (dt.date(2026, 10, 7), Decimal("160.0"))
    ]
