"""Operator slot extraction: filters, periods and parameters the copilot's tools take."""

import datetime as dt

from assistant.operator_slots import allowed_values, extract_operator_slots

TODAY = dt.date(2026, 11, 26)


def test_operator_slots():
    s = extract_operator_slots("Liste os 10 medidores com maior DRC em outubro", "quality_ranking", TODAY)
    assert s == {"indicator": "DRC", "level": "meter", "limit": 10, "period": "2026-10"}
    s = extract_operator_slots(
        "custo de 1,5 milhão de medidores monofásicos por 5 anos no local", "storage_cost", TODAY
    )
    assert s["meters"] == 1_500_000 and s["phases"] == 1 and s["retention_years"] == 5
    assert s["infrastructure"] == "on_premises"


def test_operator_slots_extended():
    s = extract_operator_slots(
        "quais compensacoes vencem nos proximos 7 dias", "compensation_exposure", TODAY
    )
    assert s == {"due_within_days": 7}
    s = extract_operator_slots(
        "quais religacoes estao vencendo nas proximas 4 horas", "deadline_exposure", TODAY
    )
    assert s == {"due_within_hours": 4, "request_type": "religacao"}
    s = extract_operator_slots("medidores mudos ha mais de 5 dias", "data_completeness", TODAY)
    assert s == {"silent_days": 5}
    s = extract_operator_slots("consumo por posto tarifario em setembro", "fleet_consumption", TODAY)
    assert s == {"group_by": "posto", "period": "2026-09"}
    s = extract_operator_slots("quais trafos estao com tensao precaria", "quality_ranking", TODAY)
    assert s == {"indicator": "DRP", "level": "transformer"}


def test_allowed_values_come_from_the_tool_models():
    assert allowed_values("fleet_consumption", "group_by") == ("group", "class", "feeder", "posto")
    assert allowed_values("events_summary", "group_by") == ("meter", "transformer", "feeder")
    assert allowed_values("no_such_tool", "group_by") == ()


PLACES = ("Campinas", "Ribeirão Preto", "Sorocaba")


def test_filters_named_in_the_question():
    s = extract_operator_slots("religacoes vencendo hoje em campinas", "deadline_exposure", TODAY, PLACES)
    assert s["request_type"] == "religacao" and s["region"] == "Campinas"
    assert s["due_within_days"] == 1  # from the data's today at 00:00 to the end of that day
    s = extract_operator_slots(
        "ligações novas atrasadas em Ribeirao Preto", "deadline_exposure", TODAY, PLACES
    )
    assert s["request_type"] == "ligacao_nova" and s["region"] == "Ribeirao Preto"
    s = extract_operator_slots("piores trafos do al-2 em drp", "quality_ranking", TODAY, PLACES)
    assert "feeder" not in s  # "al-2" is not a feeder id (AL-002 has three digits)
    s = extract_operator_slots("tampa violada no AL-001 desde 1º de setembro", "events_summary", TODAY)
    assert s["period"] == {"start": "2026-09-01", "end": "2026-11-25"} and s["code"] == "tamper"
    # the words for energy theft name the same alarms (tamper, with the consumption drop that follows)
    for text in ("medidores com possivel desvio de energia", "quem ta com gato no AL-002?", "perdas não técnicas do mês"):
        assert extract_operator_slots(text, "events_summary", TODAY).get("code") == "tamper", text


def test_storage_cost_providers_and_gd():
    s = extract_operator_slots("compara azure x gcp pra 500 mil medidores", "storage_cost", TODAY)
    assert s["infrastructure"] == ["azure", "gcp"] and s["meters"] == 500_000
    s = extract_operator_slots("custo na aws dos medidores com GD", "storage_cost", TODAY)
    assert s["provider"] == "aws" and s["pv"] is True


def test_loss_and_silent_meter_questions_reach_their_tools() -> None:
    from assistant.operator_slots import operator_route
    from assistant.router import Route

    weak = Route("events_summary", 0.14)  # the classifier's low-confidence guess
    assert operator_route("qual a perda não técnica estimada", weak).intent == "events_summary"
    assert operator_route("qual a perda não técnica estimada", weak).rule == "non_technical_loss"
    ranking = Route("quality_ranking", 0.5)
    assert operator_route("quais medidores estão com consumo zerado", ranking).intent == "data_completeness"
    assert extract_operator_slots("quais medidores estão com consumo zerado", "data_completeness", TODAY)["_focus"] == "zero"
