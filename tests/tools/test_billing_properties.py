"""Property tests of the bill engine (hypothesis): totals equal the sum of the lines, the lines
stay within a cent of their exact value, compensation never exceeds consumption, credits are
conserved and never negative, and the availability floor holds."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tools.domain.billing import InstallationFacts, Usage, compute_bill, resolve_inputs
from tools.domain.gd import CreditLot, expire_lots
from tools.reference import load_reference
from tools.units import money

D = Decimal
ZERO = D(0)
REF = load_reference()
POSTOS = ("ponta", "intermediario", "fora_ponta")

kwh = st.integers(min_value=0, max_value=900_000).map(lambda wh: D(wh) / 1000)
lots = st.lists(
    st.builds(
        CreditLot,
        origin=st.sampled_from(["2021-03", "2022-08", "2024-01", "2025-06", "2026-02"]),
        posto=st.sampled_from(["total", "fora_ponta", "ponta"]),
        kwh=st.integers(min_value=1, max_value=400_000).map(lambda wh: D(wh) / 1000),
    ),
    max_size=4,
)


@st.composite
def bills(draw: st.DrawFn):  # type: ignore[no-untyped-def]
    modality = draw(st.sampled_from(["convencional", "branca"]))
    subclass = (
        "residencial"
        if modality == "branca"
        else draw(st.sampled_from(["residencial", "baixa_renda", "desconto_social"]))
    )
    facts = InstallationFacts(
        "p",
        modality=modality,
        subclass=subclass,
        phases=draw(st.integers(min_value=1, max_value=3)),
        gd_class=draw(st.sampled_from(["none", "GD1", "GD2"])),
    )
    use = {p: draw(kwh) for p in POSTOS}
    inj = {p: draw(kwh) for p in POSTOS} if facts.has_gd else {}
    days = draw(st.integers(min_value=27, max_value=33))
    start = dt.date(2026, 5, 4) + dt.timedelta(days=draw(st.integers(min_value=0, max_value=120)))
    inputs, issues = resolve_inputs(
        facts, start, start + dt.timedelta(days=days - 1), Usage(use, inj), REF, credits=draw(lots)
    )
    inputs = replace(
        inputs,
        icms=draw(st.sampled_from([D("0"), D("0.12"), D("0.18"), D("0.25")])),
        pis=D(draw(st.integers(min_value=0, max_value=200))) / 10000,
        cofins=D(draw(st.integers(min_value=0, max_value=800))) / 10000,
        bandeira_rs_kwh=D(draw(st.sampled_from([0, 1885, 4463, 7877]))) / 1_000_000,
        cip=D(draw(st.integers(min_value=0, max_value=5000))) / 100,
    )
    return inputs


@settings(max_examples=250, deadline=None)
@given(bills())
def test_total_matches_the_tax_block_and_the_formula(inputs) -> None:  # type: ignore[no-untyped-def]
    b = compute_bill(inputs)
    # the lines and the tax block are rounded apart; both must give the invoice total (audit item 3)
    t = b.taxes
    assert t.subtotal is not None
    assert t.subtotal + t.icms + t.pis + t.cofins + money(inputs.cip) == b.total
    component_steps = [s for s in b.steps if s.key.startswith("billing.component.")]
    assert len(component_steps) == len(b.lines)
    # convencional residencial without SCEE, above the availability cost: the plain formula
    # money(kWh x (TUSD + TE + bandeira) / ((1 - ICMS) x (1 - PIS - COFINS))) + CIP
    kwh_total = sum(inputs.kwh.values(), ZERO)
    if (
        inputs.modality == "convencional"
        and inputs.facts.subclass == "residencial"
        and inputs.gd_class == "none"
        and kwh_total >= inputs.cd_kwh
    ):
        rate = inputs.rates["total"]
        pre = kwh_total * (rate.tusd + rate.te + inputs.bandeira_rs_kwh)
        gross = (1 - inputs.icms) * (1 - inputs.pis - inputs.cofins)
        assert b.total == money(pre / gross) + money(inputs.cip)
    g = inputs.gross_up
    for ln in b.lines:
        exact = ln.amount_before_taxes if ln.key == "billing.component.cip" else ln.amount_before_taxes * g
        assert abs(ln.amount - exact) <= D("0.01")
    assert b.total >= 0


@settings(max_examples=250, deadline=None)
@given(bills())
def test_compensation_never_exceeds_consumption_and_credits_are_conserved(inputs) -> None:  # type: ignore[no-untyped-def]
    b = compute_bill(inputs)
    assert b.compensated_kwh <= b.consumption_kwh
    if b.allocation is None:
        assert b.compensated_kwh == 0
        return
    a = b.allocation
    for p, c in a.consumed.items():
        assert ZERO <= a.compensated[p] <= c
    assert all(lot.kwh > 0 for lot in a.lots_after)
    # conservation in source kWh: injection + valid credits = used + new/remaining credits
    valid, _ = expire_lots(inputs.credits, inputs.bill_month)
    before = sum(inputs.injected.values(), ZERO) + sum((lot.kwh for lot in valid), ZERO)
    used = sum((e.source_kwh for e in a.events), ZERO)
    after = sum((lot.kwh for lot in a.lots_after), ZERO)
    assert abs(before - used - after) < D("1e-18")
    # bandeira only on non-compensated energy
    band = [ln.quantity for ln in b.lines if ln.key == "billing.component.bandeira"]
    if band:
        assert band[0] <= b.consumption_kwh - b.compensated_kwh


@settings(max_examples=200, deadline=None)
@given(bills())
def test_energy_charge_never_below_the_availability_cost(inputs) -> None:  # type: ignore[no-untyped-def]
    b = compute_bill(inputs)
    if inputs.cd_kwh == 0 or not inputs.floor_applies:
        return
    energy = sum(
        (
            ln.amount_before_taxes
            for ln in b.lines
            if ln.key not in ("billing.component.bandeira", "billing.component.cip")
        ),
        ZERO,
    )
    if inputs.modality == "convencional":
        from tools.domain.billing import price_range

        cd_rs = price_range(ZERO, inputs.cd_kwh, inputs.tranches)
    else:
        cd_rs = inputs.cd_kwh * inputs.cd_rate.total
    assert energy >= cd_rs - D("1e-18")
