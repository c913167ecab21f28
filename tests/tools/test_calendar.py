"""Tariff calendar: holidays, postos, reading cycles, business days (hand-worked dates)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from tools.domain import calendar as cal
from tools.reference import load_reference, read_file

D = dt.date
PAULISTA = load_reference().posto_schedule("CPFL_PAULISTA")


@pytest.mark.parametrize(
    ("year", "easter"),
    [(2024, D(2024, 3, 31)), (2025, D(2025, 4, 20)), (2026, D(2026, 4, 5)), (2027, D(2027, 3, 28))],
)
def test_easter(year: int, easter: dt.date) -> None:
    assert cal.easter(year) == easter


def test_holidays_2026_include_moveable_and_20_nov() -> None:
    h = cal.tariff_holidays(2026)
    assert D(2026, 2, 17) in h  # Carnival Tuesday = Easter - 47
    assert D(2026, 2, 16) not in h  # Carnival Monday is not in REN 1.000 art. 2 XXXVIII
    assert D(2026, 4, 3) in h  # Good Friday = Easter - 2
    assert D(2026, 6, 4) in h  # Corpus Christi = Easter + 60
    assert D(2026, 11, 20) in h  # REN 1.101/2024
    assert len(h) == 12


def test_20_nov_only_from_2024() -> None:
    assert D(2023, 11, 20) not in cal.tariff_holidays(2023)
    assert D(2024, 11, 20) in cal.tariff_holidays(2024)


def test_reference_file_matches_coded_rule() -> None:
    rule = read_file("holidays.toml")["rule"]
    fixed = {(int(f["mmdd"][:2]), int(f["mmdd"][3:]), int(f["since"])) for f in rule["fixed"]}
    assert fixed == set(cal.FIXED_HOLIDAYS)
    assert dict(rule["easter_offsets"]) == cal.EASTER_OFFSETS


@pytest.mark.parametrize(
    ("ts", "posto"),
    [
        ("2026-11-19 18:00", "ponta"),  # Thursday
        ("2026-11-19 20:59", "ponta"),
        ("2026-11-19 21:00", "intermediario"),
        ("2026-11-19 21:59", "intermediario"),
        ("2026-11-19 22:00", "fora_ponta"),
        ("2026-11-19 17:00", "intermediario"),
        ("2026-11-19 16:59", "fora_ponta"),
        ("2026-11-20 19:00", "fora_ponta"),  # Consciencia Negra (holiday)
        ("2026-11-21 19:00", "fora_ponta"),  # Saturday
        ("2026-02-17 19:00", "fora_ponta"),  # Carnival Tuesday
    ],
)
def test_posto_of_cpfl_paulista(ts: str, posto: str) -> None:
    assert PAULISTA is not None
    assert cal.posto_of(dt.datetime.fromisoformat(ts), PAULISTA) == posto


def test_group_a_has_no_intermediario() -> None:
    assert PAULISTA is not None
    assert cal.posto_of(dt.datetime(2026, 11, 19, 17, 30), PAULISTA, group="A") == "fora_ponta"
    assert cal.posto_of(dt.datetime(2026, 11, 19, 18, 30), PAULISTA, group="A") == "ponta"


def test_vectorised_matches_scalar() -> None:
    assert PAULISTA is not None
    stamps = [dt.datetime(2026, 11, 16) + dt.timedelta(minutes=15 * k) for k in range(96 * 7)]
    days = np.array([s.date() for s in stamps], dtype="datetime64[D]")
    minutes = np.array([s.hour * 60 + s.minute for s in stamps])
    vec = cal.classify_postos(days, minutes, PAULISTA)
    assert list(vec) == [cal.posto_of(s, PAULISTA) for s in stamps]
    # one working day: 12 quarter-hours of ponta and 8 of intermediario
    assert list(vec[:96]).count("ponta") == 12
    assert list(vec[:96]).count("intermediario") == 8


def test_postos_reference_status() -> None:
    assert PAULISTA is not None
    assert PAULISTA.ponta == ((18 * 60, 21 * 60),)
    assert PAULISTA.intermediario == ((17 * 60, 18 * 60), (21 * 60, 22 * 60))
    assert PAULISTA.status == "reference"  # intermediario is the interim default (verification.md section 3)
    assert load_reference().posto_schedule("CPFL_SANTA_CRUZ") is None


def test_business_days() -> None:
    assert not cal.is_business_day(D(2026, 11, 20))  # Friday holiday
    assert cal.next_business_day(D(2026, 11, 19)) == D(2026, 11, 23)
    assert cal.roll_forward(D(2026, 11, 21)) == D(2026, 11, 23)
    assert cal.roll_forward(D(2026, 11, 23)) == D(2026, 11, 23)
    assert cal.add_business_days(D(2026, 11, 18), 3) == D(2026, 11, 24)
    assert not cal.is_business_day(D(2026, 11, 24), extra=[D(2026, 11, 24)])


def test_reading_cycles_are_27_to_33_days_and_contiguous() -> None:
    for cycle_day in range(1, 29):
        cycles = cal.cycles_read_between(cycle_day, D(2024, 1, 1), D(2027, 12, 31))
        assert len(cycles) >= 47
        for a, b in zip(cycles, cycles[1:], strict=False):
            assert b.start == a.reading_date
            assert b.end == b.reading_date - dt.timedelta(days=1)
        assert all(27 <= c.days <= 33 for c in cycles), cycle_day


def test_reading_day_moves_to_a_business_day() -> None:
    # cycle day 18: Sunday 18/10/2026 -> Monday 19/10; Wednesday 18/11 stays
    c = cal.cycle_for_label(18, "2026-11")
    assert (c.start, c.reading_date, c.days) == (D(2026, 10, 19), D(2026, 11, 18), 30)
    # cycle day 20: Friday 20/11/2026 is a holiday; Monday 23/11 would make 34 days (> 33),
    # so the reading moves back to Thursday 19/11
    c = cal.cycle_for_label(20, "2026-11")
    assert (c.start, c.reading_date, c.days) == (D(2026, 10, 20), D(2026, 11, 19), 30)
    assert cal.cycle_containing(20, D(2026, 11, 18)) == c
    assert cal.cycle_containing(20, D(2026, 11, 19)).start == D(2026, 11, 19)


def test_month_cycle_group_a() -> None:
    c = cal.month_cycle(2026, 2)
    assert (c.start, c.end, c.reading_date, c.days) == (D(2026, 2, 1), D(2026, 2, 28), D(2026, 3, 1), 28)
    assert c.label == "2026-02"  # Group A bills are named after the month billed
