"""Bill engine: the worked examples of shared/domain/regulation.md, reproduced to the cent.

Tariffs are the decoded CPFL Paulista REH 3.579/2026 values (UNCONFIRMED, regulation.md 1.6).
Examples that are "before taxes" zero the tax rates; the others use the reference rates
(ICMS band, PIS 0.63 %, COFINS 2.85 %).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from tools.domain.billing import (
    BillInputs,
    InstallationFacts,
    Usage,
    allocate_cents,
    compute_bill,
    estimate_energy_cost,
    resolve_inputs,
)
from tools.domain.billing.drivers import explain_change
from tools.domain.tariffs import breakeven_ponta_share
from tools.reference import load_reference
from tools.units import money

D = Decimal
ZERO = D(0)
REF = load_reference()
START = dt.date(2026, 5, 4)  # a 30-day cycle under REH 3.579/2026
NO_TAX = {"icms": ZERO, "pis": ZERO, "cofins": ZERO, "bandeira_rs_kwh": ZERO}
BRANCA_300 = {"ponta": D(45), "intermediario": D(30), "fora_ponta": D(225)}


def make(
    facts: InstallationFacts,
    kwh: dict[str, Decimal],
    injected: dict[str, Decimal] | None = None,
    *,
    start: dt.date = START,
    days: int = 30,
    modality: str | None = None,
    **override: object,
) -> BillInputs:
    inputs, _ = resolve_inputs(
        facts,
        start,
        start + dt.timedelta(days=days - 1),
        Usage(kwh=kwh, injected=injected or {}),
        REF,
        include_cip=False,
        modality=modality,
    )
    return replace(inputs, **override)  # type: ignore[arg-type]


def q4(x: Decimal) -> Decimal:
    return x.quantize(D("0.0001"))


# ------------------------------------------------------------------ regulation.md 1.7


def test_branca_vs_convencional_1_7() -> None:
    f = InstallationFacts("t", phases=3)
    conv = compute_bill(make(f, BRANCA_300, cd_kwh=ZERO, **NO_TAX))
    branca = compute_bill(make(f, BRANCA_300, modality="branca", cd_kwh=ZERO, **NO_TAX))
    assert conv.subtotal_before_taxes == D("221.835")
    assert branca.subtotal_before_taxes == D("225.5688")
    per_posto = {}
    for ln in branca.lines:
        per_posto[ln.posto] = per_posto.get(ln.posto, ZERO) + ln.amount_before_taxes
    assert per_posto == {"ponta": D("58.4730"), "intermediario": D("26.4798"), "fora_ponta": D("140.6160")}
    # "Branca is R$ 3,73 more expensive"
    assert money(branca.exact_total - conv.exact_total) == D("3.73")


def test_breakeven_1_7() -> None:
    conv = D("0.73945")
    rates = {"ponta": D("1.29940"), "intermediario": D("0.88266"), "fora_ponta": D("0.62496")}
    x = breakeven_ponta_share(conv, rates, D("0.1"))
    assert x is not None
    # E_int = 30 of 300 kWh: E_ponta must be <= ~39 kWh (13 %)
    assert q4(x) == D("0.1315")
    assert int(x * 300) == 39


# ------------------------------------------------------------------ regulation.md 3.6


def test_full_bill_3_6() -> None:
    f = InstallationFacts("t", phases=1)
    inputs = make(f, {"total": D(300)}, bandeira_rs_kwh=D("0.01885"), cip=D(20))
    assert (inputs.icms, inputs.pis, inputs.cofins) == (D("0.18"), D("0.0063"), D("0.0285"))
    b = compute_bill(inputs)
    assert b.subtotal_before_taxes == D("227.490")  # 221.835 + 5.655
    assert q4(b.subtotal_before_taxes * inputs.gross_up) == D("287.4294")
    assert (b.taxes.icms, b.taxes.pis, b.taxes.cofins) == (D("51.74"), D("1.48"), D("6.72"))
    assert b.total == D("307.43")
    assert [(ln.key.rsplit(".", 1)[1], ln.amount) for ln in b.lines] == [
        ("tusd", D("170.29")),
        ("te", D("110.00")),
        ("bandeira", D("7.14")),
        ("cip", D("20.00")),
    ]
    assert sum(ln.amount for ln in b.lines) == b.total


def test_full_bill_3_6_branca() -> None:
    f = InstallationFacts("t", phases=1)
    inputs = make(f, BRANCA_300, modality="branca", bandeira_rs_kwh=D("0.01885"))
    b = compute_bill(inputs)
    assert b.subtotal_before_taxes == D("231.2238")
    assert q4(b.subtotal_before_taxes * inputs.gross_up) == D("292.1470")


def test_tax_block_reconciles_to_the_total() -> None:
    """Audit item 3: subtotal + ICMS + PIS + COFINS = total, to the cent.

    254 kWh convencional, no bandeira, no CD, no CIP (ICMS 18 %, PIS 0,63 %, COFINS 2,85 %):
    subtotal 254 x 0,73945 = 187,8203; base = 187,8203 / (0,82 x 0,9652) = 237,3074 -> total 237,31.
    ICMS 237,3074 x 0,18 = 42,7153; PIS 194,5921 x 0,0063 = 1,2259; COFINS 194,5921 x 0,0285 = 5,5459.
    Each rounded alone: 187,82 + 42,72 + 1,23 + 5,55 = 237,32 (one cent over). The cent is taken
    from the amount whose rounding gained the most (ICMS, +0,0047): 187,82 + 42,71 + 1,23 + 5,55.
    """
    inputs = make(InstallationFacts("t", phases=1), {"total": D(254)}, bandeira_rs_kwh=ZERO, cd_kwh=ZERO)
    assert (inputs.icms, inputs.pis, inputs.cofins) == (D("0.18"), D("0.0063"), D("0.0285"))
    b = compute_bill(inputs)
    assert b.total == D("237.31")
    t = b.taxes
    assert (t.subtotal, t.icms, t.pis, t.cofins) == (D("187.82"), D("42.71"), D("1.23"), D("5.55"))
    assert t.subtotal + t.icms + t.pis + t.cofins == D("237.31")


@pytest.mark.parametrize(
    ("kwh", "icms", "p", "icms_rs"),
    [(150, "0.12", "130.5870", "15.6704"), (80, "0.00", "61.2889", "0.0000")],
)
def test_icms_band_examples_3_6(kwh: int, icms: str, p: str, icms_rs: str) -> None:
    inputs = make(InstallationFacts("t"), {"total": D(kwh)}, bandeira_rs_kwh=ZERO)
    assert inputs.icms == D(icms)
    base = compute_bill(inputs).subtotal_before_taxes * inputs.gross_up
    assert q4(base) == D(p)
    assert q4(base * inputs.icms) == D(icms_rs)


# ------------------------------------------------------------------ regulation.md 9.1


def test_icms_cliff_9_1() -> None:
    totals = {}
    for kwh in (90, 91, 200, 201):
        b = compute_bill(make(InstallationFacts("t"), {"total": D(kwh)}, bandeira_rs_kwh=ZERO))
        totals[kwh] = b.total
    assert totals == {90: D("68.95"), 91: D("79.22"), 200: D("174.12"), 201: D("187.79")}
    assert totals[91] - totals[90] == D("10.27")
    assert totals[201] - totals[200] == D("13.67")


# ------------------------------------------------------------------ regulation.md 2.6


@pytest.mark.parametrize(
    ("gd", "c", "i", "compensated", "charge", "credits"),
    [
        ("GD2", 400, 350, "350.00", "78.9725", "0.00"),
        ("GD2", 400, 400, "358.12", "73.945", "41.88"),
        ("GD2", 80, 200, "0.00", "73.945", "200.00"),
        ("GD1", 400, 350, "300.00", "73.945", "50.00"),
        ("GD1", 400, 400, "300.00", "73.945", "100.00"),
        ("GD1", 80, 200, "0.00", "73.945", "200.00"),
    ],
)
def test_gd_bill_2_6(gd: str, c: int, i: int, compensated: str, charge: str, credits: str) -> None:
    f = InstallationFacts("t", phases=3, gd_class=gd)  # trifasico: CD 100 kWh = R$ 73.945
    inputs = make(f, {"total": D(c)}, {"total": D(i)}, **NO_TAX)
    if gd == "GD2":
        assert inputs.scee_rate["total"] == D("0.12")  # 60 % (2026) x illustrative Fio B R$ 0.20/kWh
    b = compute_bill(inputs)
    assert b.allocation is not None
    assert b.allocation.compensated_kwh.quantize(D("0.01")) == D(compensated)
    assert b.subtotal_before_taxes.quantize(D("0.0001")) == D(charge).quantize(D("0.0001"))
    assert b.allocation.new_credits_kwh.quantize(D("0.01")) == D(credits)
    assert b.compensated_kwh <= b.consumption_kwh
    # never CD on top of the Fio B parcel: the charge is the larger of the two, not the sum
    assert b.subtotal_before_taxes >= D("73.945") - D("0.0000001")


def test_gd_bill_rounding_of_the_tie() -> None:
    """73.945 is an exact tie: ABNT NBR 5891 (round half to even) shows R$ 73,94.

    regulation.md 2.6 writes R$ 73,95 (informal half-up rounding of the same exact value).
    """
    f = InstallationFacts("t", phases=3, gd_class="GD1")
    b = compute_bill(make(f, {"total": D(400)}, {"total": D(350)}, **NO_TAX))
    assert b.exact_total == D("73.945")
    assert b.total == D("73.94")


def test_bandeira_only_on_non_compensated_2_6() -> None:
    for gd, billed in (("GD2", "50"), ("GD1", "100")):
        f = InstallationFacts("t", phases=3, gd_class=gd)
        b = compute_bill(
            make(f, {"total": D(400)}, {"total": D(350)}, **{**NO_TAX, "bandeira_rs_kwh": D("0.01885")})
        )
        band = [ln for ln in b.lines if ln.key == "billing.component.bandeira"]
        assert len(band) == 1
        assert band[0].quantity == D(billed)


def test_branca_gd_cross_posto_2_6() -> None:
    f = InstallationFacts("t", phases=3, gd_class="GD1", modality="branca")
    inputs = make(
        f,
        {"fora_ponta": D(200), "intermediario": D(30), "ponta": D(50)},
        {"fora_ponta": D(300)},
        cd_kwh=ZERO,
        **NO_TAX,
    )
    b = compute_bill(inputs)
    a = b.allocation
    assert a is not None
    ponta = [e for e in a.events if e.posto == "ponta"][0]
    assert ponta.factor.quantize(D("0.00001")) == D("0.63521")  # 276.95 / 436.00
    assert ponta.source_kwh.quantize(D("0.01")) == D("78.71")
    assert a.compensated["ponta"] == D(50)
    assert (D(30) - a.compensated["intermediario"]).quantize(D("0.01")) == D("8.71")
    assert a.new_credits_kwh == ZERO


# ------------------------------------------------------------------ regulation.md 9.5


def a4(measured: str) -> InstallationFacts:
    return InstallationFacts(
        "a",
        group="A",
        subgroup="A4",
        customer_class="industrial",
        subclass="industrial",
        modality="verde",
        phases=3,
        contracted_demand_kw=D(100),
    )


def test_group_a4_verde_9_5() -> None:
    inputs, _ = resolve_inputs(
        a4("108"),
        dt.date(2026, 6, 1),
        dt.date(2026, 6, 30),
        Usage(
            kwh={"ponta": D(2000), "fora_ponta": D(20000)},
            demand_kw={"ponta": D(100), "fora_ponta": D(108)},
            ufer_kwh=D(1200),
        ),
        REF,
        include_cip=False,
    )
    b = compute_bill(replace(inputs, **NO_TAX))
    pre = {(ln.key.rsplit(".", 1)[1], ln.posto): ln.amount_before_taxes for ln in b.lines}
    assert pre[("demand", "total")] == D("1785.24")
    assert pre[("demand_overrun", "total")] == D("264.48")
    assert pre[("tusd", "fora_ponta")] + pre[("te", "fora_ponta")] == D("8739.60")
    assert pre[("tusd", "ponta")] + pre[("te", "ponta")] == D("3566.90")
    assert b.subtotal_before_taxes - pre[("reactive_energy", "total")] == D("14356.22")
    assert pre[("reactive_energy", "total")] == D("348.24")  # 1.200 x TE B1 0.29020


def test_group_a_within_tolerance_no_overrun() -> None:
    inputs, _ = resolve_inputs(
        a4("104"),
        dt.date(2026, 6, 1),
        dt.date(2026, 6, 30),
        Usage(kwh={"ponta": D(2000), "fora_ponta": D(20000)}, demand_kw={"fora_ponta": D(104)}),
        REF,
        include_cip=False,
    )
    b = compute_bill(replace(inputs, **NO_TAX))
    keys = [ln.key for ln in b.lines]
    assert "billing.component.demand_overrun" not in keys
    assert [ln.quantity for ln in b.lines if ln.key == "billing.component.demand"] == [D(104)]


# ------------------------------------------------------------------ regulation.md 9.6


def test_tarifa_social_9_6() -> None:
    f = InstallationFacts("t", subclass="baixa_renda")
    b = compute_bill(make(f, {"total": D(130)}, **{**NO_TAX, "bandeira_rs_kwh": D("0.01885")}))
    t_br = D("0.54699")  # 277.41 + 269.58 R$/MWh
    assert b.subtotal_before_taxes == 50 * t_br + 50 * D("0.01885")
    disc = [ln for ln in b.lines if ln.key == "billing.component.social_discount"]
    assert disc[0].amount_before_taxes == -80 * t_br


def test_desconto_social_9_6() -> None:
    f = InstallationFacts("t", subclass="desconto_social")
    b = compute_bill(make(f, {"total": D(200)}, **{**NO_TAX, "bandeira_rs_kwh": D("0.01885")}))
    assert b.subtotal_before_taxes == 120 * D("0.55760") + 80 * D("0.73945") + 200 * D("0.01885")


# ------------------------------------------------------------------ availability, cycles, pro rata


def test_availability_cost_monofasico() -> None:
    b = compute_bill(make(InstallationFacts("t", phases=1), {"total": D(20)}, **NO_TAX))
    cd = [ln for ln in b.lines if ln.key == "billing.component.availability"]
    assert cd[0].amount_before_taxes == 10 * D("0.73945")
    assert b.subtotal_before_taxes == 30 * D("0.73945")


def test_short_cycle_has_no_availability_cost() -> None:
    inputs, issues = resolve_inputs(
        InstallationFacts("t"), START, START + dt.timedelta(days=24), Usage({"total": D(20)}), REF
    )
    assert inputs.cd_kwh == ZERO
    assert "issue.billing.cycle_short" in [i.code for i in issues]


def test_long_cycle_is_proportionalised_to_33_days() -> None:
    # regulation.md 9.4: 400 kWh over 36 days -> 366.67 kWh billed
    inputs, issues = resolve_inputs(
        InstallationFacts("t"), START, START + dt.timedelta(days=35), Usage({"total": D(400)}), REF
    )
    assert inputs.consumption_kwh.quantize(D("0.01")) == D("366.67")
    assert "issue.billing.cycle_long" in [i.code for i in issues]


def test_branca_availability_at_conventional_tariff() -> None:
    f = InstallationFacts("t", phases=1, modality="branca")
    b = compute_bill(make(f, {"ponta": D(10), "intermediario": ZERO, "fora_ponta": ZERO}, **NO_TAX))
    assert b.subtotal_before_taxes == 30 * D("0.73945")  # CD of 30 kWh at the convencional tariff


def test_tariff_change_inside_cycle_is_pro_rated() -> None:
    base = REF.tariff_lines("CPFL_PAULISTA", "B1", "convencional", "residencial", START)["total"]
    old = replace(base, tusd=D(400), te=D(100), valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2026, 5, 13))
    new = replace(
        base, tusd=D(600), te=D(200), valid_from=dt.date(2026, 5, 14), valid_to=dt.date(2026, 12, 31)
    )
    ref = replace(REF, tariffs=(old, new, *(t for t in REF.tariffs if t.subgroup != "B1")))
    inputs, _ = resolve_inputs(
        InstallationFacts("t"), START, START + dt.timedelta(days=29), Usage({"total": D(100)}), ref
    )
    # 10 days at R$ 0.50 + 20 days at R$ 0.80 -> R$ 0.70/kWh
    assert inputs.rates["total"].total == D("0.7")
    assert compute_bill(replace(inputs, **NO_TAX)).subtotal_before_taxes == D("70")
    assert "billing.step.tariff_prorata" in [s.key for s in inputs.pre_steps]


def test_bandeira_pro_rata_by_days() -> None:
    inputs, _ = resolve_inputs(
        InstallationFacts("t"), dt.date(2025, 11, 16), dt.date(2025, 12, 15), Usage({"total": D(100)}), REF
    )
    # 15 days vermelha patamar 1 (R$ 44.63/MWh) + 15 days amarela (R$ 18.85/MWh)
    assert inputs.bandeira_rs_kwh == D("0.03174")


def test_stand_in_tariff_is_flagged() -> None:
    _, issues = resolve_inputs(
        InstallationFacts("t"), dt.date(2026, 2, 1), dt.date(2026, 3, 2), Usage({"total": D(100)}), REF
    )
    codes = [i.code for i in issues]
    assert "issue.billing.stand_in_tariff" in codes
    assert "issue.billing.reference_values" in codes


# ------------------------------------------------------------------ rounding and cost estimate


def test_allocate_cents_reconciles_to_rounded_total() -> None:
    out = allocate_cents([D("1.005"), D("2.005"), D("3.005")])
    assert out == [D("1.01"), D("2.01"), D("3.00")]
    assert sum(out) == money(D("6.015"))


def test_estimate_energy_cost() -> None:
    inst = {
        "installation_id": "x",
        "tariff_modality": "convencional",
        "phases": 1,
        "distributor": "CPFL_PAULISTA",
    }
    amount, steps = estimate_energy_cost({"total": D("8.4")}, 1, inst, dt.date(2026, 11, 25), REF)
    # monthly equivalent 252 kWh -> ICMS 18 %; bandeira of 2026-11 not in the table -> verde
    q = D("1e-12")
    assert amount.quantize(q) == (
        D("8.4") * D("0.73945") / (D("0.82") * (1 - D("0.0063") - D("0.0285")))
    ).quantize(q)
    assert steps[-1].key == "billing.step.energy_cost"
    branca = {**inst, "tariff_modality": "branca"}
    amount_b, _ = estimate_energy_cost(
        {"ponta": D(1), "intermediario": D(0), "fora_ponta": D(0)}, 1, branca, dt.date(2026, 11, 25), REF
    )
    # 1 kWh in one day = 30 kWh a month: ICMS band 0 %
    assert amount_b.quantize(q) == (D("1.29940") / (1 - D("0.0063") - D("0.0285"))).quantize(q)


def test_drivers_add_up_to_the_change() -> None:
    f = InstallationFacts("t")
    prev = make(f, {"total": D(240)}, start=dt.date(2025, 11, 3), days=31)
    cur = make(f, {"total": D(190)}, start=dt.date(2025, 12, 4), days=30)
    drivers, steps, pb, cb = explain_change(prev, cur)
    assert sum(d.delta_rs for d in drivers) == cb.total - pb.total
    keys = [d.key for d in drivers]
    assert keys[:6] == [
        "billing.driver.days",
        "billing.driver.consumption",
        "billing.driver.tariff",
        "billing.driver.bandeira",
        "billing.driver.icms",
        "billing.driver.pis_cofins",
    ]
    by = {d.key: d for d in drivers}
    assert by["billing.driver.days"].delta_rs < 0  # one day less
    assert by["billing.driver.icms"].delta_rs < 0  # 190 kWh: 18 % -> 12 %
    assert by["billing.driver.bandeira"].previous > by["billing.driver.bandeira"].current
    assert len(steps) == len(drivers)


# ------------------------------------------------------------------ catalogue coverage


def test_every_emitted_key_has_pt_br_text() -> None:
    import re
    import string
    from pathlib import Path

    from assistant.i18n import catalogue

    cat = catalogue()
    root = Path(__file__).resolve().parents[2]
    files = [
        *(str(p.relative_to(root)) for p in sorted((root / "tools/api/billing").glob("*.py"))),
        *(str(p.relative_to(root)) for p in sorted((root / "tools/domain/billing").glob("*.py"))),
        "tools/domain/tariffs.py",
        "tools/domain/gd.py",
    ]
    pattern = re.compile(
        r'"((?:issue\.(?:billing|tariffs|gd)|billing\.(?:step|component|driver)|tariffs\.step|gd\.step)\.[a-z0-9_]+)"'
    )
    keys = {k for f in files for k in pattern.findall((root / f).read_text(encoding="utf-8"))}
    assert len(keys) > 60
    missing = sorted(k for k in keys if k not in cat and f"{k}.text" not in cat)
    assert missing == []
    # step labels have no placeholders (the renderer prints formula and output after them)
    steps = [k for k in keys if not k.startswith("issue.")]
    assert [k for k in steps if "{" in cat[k]] == []
    # issue placeholders are names of Issue.data keys
    for k in keys:
        if k.startswith("issue."):
            names = {f for _, f, _, _ in string.Formatter().parse(cat[k]) if f}
            assert all(re.fullmatch(r"[a-z_]+", n) for n in names), k


def test_issue_placeholders_match_data() -> None:
    import string

    from assistant.i18n import catalogue

    cat = catalogue()
    f = InstallationFacts(
        "t", subclass="baixa_renda", modality="branca", phases=3, gd_class="GD3", municipality="X"
    )
    _, issues = resolve_inputs(
        f,
        dt.date(2025, 6, 1),
        dt.date(2025, 7, 10),
        Usage({"ponta": D(10), "intermediario": D(0), "fora_ponta": D(5)}),
        REF,
    )
    assert len(issues) >= 6
    for i in issues:
        names = {n for _, n, _, _ in string.Formatter().parse(cat[i.code]) if n}
        assert names == set(i.data), i.code


def test_group_a_hour_rows_give_the_demand_and_ufer_of_their_15_minute_slots() -> None:
    """2026-10-05, 10:00-11:00, 5-minute meter: slots 10:00 / 10:15 / 10:30 / 10:45 import 100 /
    250 / 50 / 0 Wh and Q1 100 / 200 / 0 / 0 varh. Demand: the largest slot, 250 Wh in 15 min
    = 1.0 kW (the hour's 400 Wh would say 1.6 kW). UFER of the hour: f = 400 / sqrt(400^2 + 300^2)
    = 0.8 < 0.92, excess 400 * (0.92 / 0.8 - 1) = 60 Wh = 0.06 kWh. kWh 0.4, readings 12."""
    import pandas as pd

    from tools.domain.billing.usage import cycle_usages
    from tools.domain.calendar import month_cycle

    day = dt.date(2026, 10, 5)
    slots = pd.DataFrame(
        {
            "day": [day] * 4,
            "slot": [600, 615, 630, 645],
            "import_wh": [100, 250, 50, 0],
            "export_wh": [0, 0, 0, 0],
            "q1_varh": [100, 200, 0, 0],
            "q4_varh": [0, 0, 0, 0],
            "readings": [3, 3, 3, 3],
        }
    )
    hour = pd.DataFrame(
        {
            "day": [day],
            "slot": [600],
            "import_wh": [400],
            "export_wh": [0],
            "q1_varh": [300],
            "q4_varh": [0],
            "readings": [12],
            "peak_wh": [250],
        }
    )
    cycle = month_cycle(2026, 10)
    for frame in (slots, hour):
        (u,) = cycle_usages(frame, [cycle], None, group="A", interval_min=5, fp_reference=0.92)
        assert u.usage.kwh == {"fora_ponta": Decimal("0.4")}
        assert u.usage.demand_kw == {"fora_ponta": Decimal("1.0")}
        assert u.usage.ufer_kwh == Decimal("0.06")
        assert u.readings == 12
