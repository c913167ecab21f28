"""Offline routing and slot extraction on paraphrases that are not in the evaluation set."""

import datetime as dt

import pytest

from assistant.router import OfflineRouter
from assistant.slots import extract_operator_slots, extract_period

TODAY = dt.date(2026, 11, 26)


@pytest.fixture(scope="module")
def customer_router():
    return OfflineRouter("customer")


@pytest.mark.parametrize(
    ("text", "intents"),
    [
        ("qnto deu meu consumo d ontem", {"consumption_summary"}),
        ("gastei quantos kwh na semana retrasada", {"consumption_summary"}),
        ("pq minha fatura veio tao cara", {"explain_bill"}),
        ("compensa eu ir pra tarifa branca?", {"compare_tariffs"}),
        ("meus creditos solares vencem quando", {"gd_credits"}),
        ("a energia acabou 4 vezes essa semana, tenho direito a algo?", {"continuity_indicators"}),
        ("a luz ta fraca toda noite aqui", {"voltage_quality"}),
        ("quero falar com gente de verdade", {"handoff_to_agent"}),
        ("qual o placar do flamengo", {"out_of_scope"}),
        ("quanto a geladeira gasta por mes", {"appliance_breakdown"}),
        ("tem como eu saber quanto vai dar a proxima conta", {"forecast_bill"}),
    ],
)
def test_customer_paraphrases(customer_router, text, intents):
    assert customer_router.route(text).intent in intents


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("quanto consumi anteontem", "day_before_yesterday"),
        ("consumo da semana passada", "last_week"),
        ("gastei quanto em setembro?", "2026-09"),
        ("e em dezembro?", "2025-12"),
        ("ultimos 15 dias", "last_15_days"),
        ("de 5 a 20 de setembro", {"start": "2026-09-05", "end": "2026-09-20"}),
        ("no feriado de 12 de outubro", "2026-10-12"),
        ("entre 01/10 e 15/10", {"start": "2026-10-01", "end": "2026-10-15"}),
        ("este ano", "this_year"),
        ("agosto ou setembro", ["2026-08", "2026-09"]),
    ],
)
def test_periods(text, expected):
    assert extract_period(text, TODAY) == expected


def test_operator_slots():
    s = extract_operator_slots("Liste os 10 medidores com maior DRC em outubro", "quality_ranking", TODAY)
    assert s == {"indicator": "DRC", "level": "meter", "limit": 10, "period": "2026-10"}
    s = extract_operator_slots("custo de 1,5 milhão de medidores monofásicos por 5 anos no local", "storage_cost", TODAY)
    assert s["meters"] == 1_500_000 and s["phases"] == 1 and s["retention_years"] == 5
    assert s["infrastructure"] == "on_premises"
