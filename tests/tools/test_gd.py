"""SCEE compensation and the credit ledger (Lei 14.300/2022; REN 1.000 arts. 655-G..655-L)."""

from __future__ import annotations

from decimal import Decimal

from tools.domain.gd import (
    CreditLot,
    allocate,
    apply_floor,
    balance_by_expiry,
    expire_lots,
    month_add,
)

D = Decimal
ZERO = D(0)
TE_CONV = {"total": D("0.29020")}
TE_BRANCA = {"ponta": D("0.43600"), "intermediario": D("0.27695"), "fora_ponta": D("0.27695")}


def test_credit_expires_60_months_after_the_generating_bill() -> None:
    lot = CreditLot("2026-01", "total", D(10))
    assert lot.expires == "2031-01"
    valid, expired = expire_lots([lot], "2030-12")
    assert valid == (lot,) and expired == ()
    valid, expired = expire_lots([lot], "2031-01")
    assert valid == () and expired == (lot,)
    assert month_add("2026-11", 3) == "2027-02"


def test_oldest_credits_are_used_first() -> None:
    lots = [CreditLot("2026-03", "total", D(50)), CreditLot("2025-12", "total", D(30))]
    a = allocate({"total": D(60)}, {"total": ZERO}, lots, TE_CONV, "2026-06")
    assert a.compensated["total"] == D(60)
    assert a.credits_used_kwh == D(60)
    assert [(e.lot_origin, e.covered_kwh) for e in a.events] == [("2025-12", D(30)), ("2026-03", D(30))]
    assert a.lots_after == (CreditLot("2026-03", "total", D(20)),)


def test_expired_credits_are_not_used() -> None:
    lots = [CreditLot("2021-05", "total", D(40)), CreditLot("2024-01", "total", D(5))]
    a = allocate({"total": D(100)}, {"total": ZERO}, lots, TE_CONV, "2026-05")
    assert a.expired == (CreditLot("2021-05", "total", D(40)),)
    assert a.compensated["total"] == D(5)


def test_injection_of_the_cycle_comes_before_credits_and_excess_becomes_a_lot() -> None:
    lots = [CreditLot("2026-01", "total", D(100))]
    a = allocate({"total": D(150)}, {"total": D(200)}, lots, TE_CONV, "2026-07")
    assert a.from_injection_kwh == D(150)
    assert a.from_credits_kwh == ZERO
    assert a.new_credits_kwh == D(50)
    assert balance_by_expiry(a.lots_after) == {"2031-01": D(100), "2031-07": D(50)}


def test_compensation_never_exceeds_consumption() -> None:
    a = allocate(
        {"ponta": D(5), "intermediario": D(2), "fora_ponta": D(10)},
        {"fora_ponta": D(1000)},
        [CreditLot("2026-01", "fora_ponta", D(500))],
        TE_BRANCA,
        "2026-07",
    )
    for p, c in a.consumed.items():
        assert a.compensated[p] == c
    assert a.credits_used_kwh == ZERO  # the injection of the cycle covered everything


def test_convencional_credit_used_in_branca_counts_as_fora_ponta() -> None:
    # art. 655-G par. 6: TE of fora ponta / TE of ponta = 276.95 / 436.00
    a = allocate(
        {"ponta": D(10), "intermediario": ZERO, "fora_ponta": ZERO},
        {},
        [CreditLot("2026-01", "total", D(100))],
        TE_BRANCA,
        "2026-07",
    )
    e = a.events[0]
    assert e.source_posto == "fora_ponta"
    assert (e.source_kwh - D(10) * D("436.00") / D("276.95")).copy_abs() < D("1e-20")


def test_baixa_renda_caps_compensation_above_80_kwh() -> None:
    a = allocate({"total": D(130)}, {"total": D(200)}, [], TE_CONV, "2026-07", max_compensation_kwh=D(50))
    assert a.compensated["total"] == D(50)
    assert a.new_credits_kwh == D(150)


def test_floor_returns_freed_credits_to_their_lot() -> None:
    lots = [CreditLot("2026-01", "total", D(100))]
    rate = {"total": D("0.73945")}
    a = allocate({"total": D(120)}, {"total": ZERO}, lots, TE_CONV, "2026-07")
    assert a.compensated["total"] == D(100)
    floored = apply_floor(a, rate, {"total": ZERO}, D(100) * rate["total"], "2026-07")
    # GD I: the first 100 kWh (CD) are not compensated; 80 kWh go back to the 2026-01 lot
    assert floored.compensated["total"] == D(20)
    assert floored.lots_after == (CreditLot("2026-01", "total", D(80)),)
    assert floored.limited_by_floor
    assert floored.credits_used_kwh == D(20)


def test_floor_with_fio_b_parcel() -> None:
    # regulation.md 2.6 case B (GD II): (400 - E) 0.73945 + 0.12 E = 73.945 -> E = 358.12
    rate = {"total": D("0.73945")}
    a = allocate({"total": D(400)}, {"total": D(400)}, [], TE_CONV, "2026-07")
    f = apply_floor(a, rate, {"total": D("0.12")}, D("73.945"), "2026-07")
    assert f.compensated["total"].quantize(D("0.01")) == D("358.12")
    assert f.new_credits_kwh.quantize(D("0.01")) == D("41.88")
    assert f.compensated["total"] + f.new_credits_kwh == D(400)
