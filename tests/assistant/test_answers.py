"""Answer composition: the first sentence answers the question asked (values worked by hand)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from assistant.answers import compose, read_cues
from assistant.dialogue import slots_for
from assistant.render_detail import detail_text, step_value
from assistant.session import SessionState
from tests.text_sweep import text_problems
from tools.types import Period, Provenance, Step, ToolResult, decimal_text

TODAY = dt.date(2026, 11, 26)


def _reply(
    tool: str, value: dict[str, Any], text: str, slots: dict[str, Any] | None = None, **kw: Any
) -> str:
    result = ToolResult(tool=tool, value=value, **kw)
    reply, _, _ = compose(tool, [result], text, slots or {}, TODAY)
    assert text_problems(reply) == [], reply
    return reply


def test_cues_read_the_number_and_its_direction() -> None:
    c = read_cues("vai passar de 250 esse mes?")
    assert (c.threshold, c.threshold_kwh, c.below) == (Decimal(250), False, False)
    c = read_cues("to juntando dinheiro pro natal, a luz desse mes vai ficar abaixo de 180?")
    assert (c.threshold, c.below) == (Decimal(180), True)
    c = read_cues("gastei mais de 300 kwh em outubro?")
    assert (c.threshold, c.threshold_kwh) == (Decimal(300), True)
    assert read_cues("oq é essa TUSD").line == "tusd" and read_cues("oq é essa TUSD").define
    assert read_cues("me explica linha por linha a ultima conta").lines
    assert read_cues("me da 3 dicas").count == 3


FORECAST = {
    "bill_month": "2026-12",
    "total_rs": "203.91",
    "low_rs": "173.59",
    "high_rs": "212.72",
    "kwh_projected": "218.258",
    "days_elapsed": 8,
    "days_total": 30,
    "kwh_to_date": "58.202",
    "last_bill_total_rs": "198.97",
}


def test_yes_no_with_a_number_answers_first() -> None:
    # 250 is above the whole range: "não"; 200 is inside it with the forecast (203,91) above: "provavelmente
    # sim"; 180 "abaixo" is inside too, with the forecast above 180: "provavelmente não" fica abaixo
    assert _reply("forecast_bill", FORECAST, "vai passar de 250?").startswith(
        "**Não** deve passar de R$ 250,00: a previsão é de R$ 203,91, entre R$ 173,59 e R$ 212,72"
    )
    assert _reply("forecast_bill", FORECAST, "vai passar de 200?").startswith(
        "**Provavelmente sim**, deve passar de R$ 200,00: a previsão é de R$ 203,91"
    )
    assert _reply("forecast_bill", FORECAST, "vai passar de 210?").startswith("**Provavelmente não** passa de R$ 210,00")
    assert _reply("forecast_bill", FORECAST, "fica abaixo de 220 reais?").startswith(
        "**Sim**, deve ficar abaixo de R$ 220,00"
    )
    assert _reply("forecast_bill", FORECAST, "vai ficar abaixo de 180?").startswith(
        "**Provavelmente não** fica abaixo de R$ 180,00"
    )
    assert _reply("forecast_bill", FORECAST, "vai ficar abaixo de 205?").startswith("**Provavelmente sim**, deve ficar abaixo")


BILL = {
    "bill_month": "2026-11",
    "start": "2026-10-19",
    "end": "2026-11-17",
    "days": 30,
    "consumption_kwh": "212.968",
    "total_rs": "198.97",
    "icms_rate": "0.18",
    "icms_rs": "35.81",
    "pis_rs": "1.03",
    "cofins_rs": "4.65",
    "cip_rs": "0",
    "previous_bill_month": "2026-10",
    "previous_total_rs": "212.87",
    "change_rs": "-13.90",
    "lines": [
        {
            "key": "billing.component.tusd",
            "posto": "total",
            "quantity": "212.968",
            "unit": "kWh",
            "amount_rs": "120.88",
        },
        {
            "key": "billing.component.te",
            "posto": "total",
            "quantity": "212.968",
            "unit": "kWh",
            "amount_rs": "78.09",
        },
    ],
    "drivers": [
        {"key": "billing.driver.days", "delta_rs": "-6.87", "previous": 31, "current": 30},
        {"key": "billing.driver.consumption", "delta_rs": "-7.03", "previous": "7.350", "current": "7.099"},
        {"key": "billing.driver.tariff", "delta_rs": "0.00", "previous": "0.73945", "current": "0.73945"},
    ],
}


def test_why_the_bill_changed_gives_direction_then_drivers_in_rs() -> None:
    reply = _reply("explain_bill", BILL, "minha conta veio um absurdo esse mes, oq aconteceu??")
    assert reply.startswith("Sua conta de novembro/2026 **caiu R$ 13,90**: veio R$ 198,97, contra R$ 212,87")
    # the larger driver first; the zero tariff driver is not a reason
    assert reply.index("R$ 7,03 a menos") < reply.index("R$ 6,87 a menos")
    assert "menos dias (30 dias contra 31)" in reply and "reajuste" not in reply


def test_a_bill_line_is_defined_with_this_customers_value() -> None:
    reply = _reply("explain_bill", BILL, "esse tal de TUSD na minha conta é taxa de que?")
    assert reply.startswith("A TUSD (Tarifa de Uso do Sistema de Distribuição)")
    assert "essa linha foi de **R$ 120,88**" in reply
    lines = _reply("explain_bill", BILL, "me explica linha por linha a ultima conta")
    assert "• TUSD (uso do sistema de distribuição) (213,0 kWh): R$ 120,88" in lines
    assert "• TE (tarifa de energia) (213,0 kWh): R$ 78,09" in lines


def test_outage_says_when_and_how_long() -> None:
    value = {
        "months": [
            {
                "month": "2026-11",
                "dic_h": "0.8",
                "dmic_h": "0.8",
                "fic": 1,
                "violated": [],
                "compensation_rs": "0",
                "payment_deadline": None,
            }
        ],
        "limits": {"dic_h": "8", "fic": "5", "dmic_h": "4"},
        "interruptions": [
            {
                "start": "2026-11-25T19:42:10",
                "end": "2026-11-25T20:30:05",
                "minutes": "47.9",
                "counted": True,
                "reason": "long",
            },
        ],
    }
    prov = Provenance(period=Period(dt.date(2026, 11, 1), dt.date(2026, 11, 25), "this_month"), today=TODAY)
    reply = _reply("continuity_indicators", value, "faltou luz ontem de noite aqui", provenance=prov)
    assert reply.startswith(
        "Sim, registrei uma falta de energia em 25/11/2026: **das 19h42 às 20h30** (48 min)."
    )
    assert "não há compensação a receber por novembro/2026" in reply
    plain = _reply("continuity_indicators", value, "quantas vezes caiu a luz esse mes?", provenance=prov)
    assert plain.startswith(
        "Em novembro/2026 registrei **1 interrupção** de 3 minutos ou mais: 25/11, das 19h42"
    )


def test_tips_are_listed_not_counted() -> None:
    value = {
        "period": {"start": "2026-10-27", "end": "2026-11-25"},
        "tips": [
            {
                "key": "tip.standby.unplug",
                "appliance": "standby",
                "placeholders": {"standby_w": 71, "saving_kwh_low": "7.344", "saving_kwh_high": "14.688"},
            },
            {
                "key": "tip.ac.setpoint",
                "appliance": "air_conditioning",
                "placeholders": {"saving_kwh_low": "2.0", "saving_kwh_high": "5.0", "ac_kwh_month": "25.0"},
            },
        ],
    }
    reply = _reply("efficiency_tips", value, "me da umas dicas")
    assert reply.startswith("Aqui vão 2 dicas para o seu consumo de 27/10/2026 a 25/11/2026:\n• ")
    assert "de 7,3 a 14,7 kWh por mês" in reply and "entre 2,0 e 5,0 kWh por mês" in reply


def test_a_bare_number_after_a_yes_no_question_asks_the_same_question() -> None:
    # "passa de 180?" then "e de 210?": the dialogue carries the check; 210 is inside the range
    # (173,59-212,72) above the forecast 203,91: "provavelmente não" passa
    state = SessionState(session_id="th")
    state.last_intent = "forecast_bill"
    state.last_slots = slots_for("passa de 180 reais?", "forecast_bill", state, "", TODAY)
    assert state.last_slots["threshold"] == {"value": 180.0, "unit": "R$", "direction": "above"}
    slots = slots_for("e de 210?", "forecast_bill", state, "same", TODAY)
    assert slots["threshold"] == {"value": 210.0, "unit": "R$", "direction": "above"}
    assert _reply("forecast_bill", FORECAST, "e de 210?", slots).startswith("**Provavelmente não** passa de R$ 210,00")


def test_tips_lead_with_the_appliance_asked_about_even_without_a_tip_for_it() -> None:
    # the readings gave only a standby tip; the question names the fridge: its general advice comes first
    value = {
        "period": {"start": "2026-10-27", "end": "2026-11-25"},
        "tips": [
            {
                "key": "tip.standby.unplug",
                "appliance": "standby",
                "placeholders": {"standby_w": 71, "saving_kwh_low": "7.344", "saving_kwh_high": "14.688"},
            }
        ],
    }
    reply = _reply("efficiency_tips", value, "vou ficar fora um mes, desligo o freezer?")
    assert reply.startswith("Aqui vão 2 dicas para o seu consumo de 27/10/2026 a 25/11/2026:\n• Para a geladeira: ")


def test_te_asked_in_the_bill_is_the_te_line() -> None:
    assert read_cues("oq seria a TE da minha conta").line == "te"
    assert read_cues("oq seria a TE da minha conta").define


def test_como_calculei_reads_as_steps_with_units() -> None:
    assert step_value(1, "readings") == "1 leitura" and step_value(5856, "readings") == "5.856 leituras"
    assert step_value(Decimal("-263.11"), "R$") == "R$ 263,11 a menos"
    assert step_value(Decimal("0.73945"), "R$/kWh") == "R$ 0,73945 por kWh"
    trail = (
        Step("consumption.step.total", {}, "sum(import_wh) / 1000", Decimal("221.074"), "kWh"),
        Step("an.unknown.step_key", {}, "x * y", 3, ""),
    )
    detail = detail_text([ToolResult(tool="consumption_summary", value={}, trail=trail)])
    assert (
        detail.splitlines()[1]
        == "• Consumo total do período: soma das leituras de energia ativa consumida: 221,1 kWh"
    )
    assert "sum(" not in detail and "unknown" not in detail and text_problems(detail) == []


def test_decimals_serialise_fixed_point() -> None:
    assert decimal_text(Decimal("0E-8")) == "0"
    assert decimal_text(Decimal("9.170000000000000000000000000")) == "9.17"
    assert decimal_text(Decimal("1.263481345961408225768954747")) == "1.26348135"
    assert decimal_text(Decimal("13.90")) == "13.90" and decimal_text(Decimal("-13.90")) == "-13.90"


def test_half_the_house_without_power_leads_with_a_missing_phase() -> None:
    """Some outlets dead and the rest working is a missing phase (article falta-de-fase), not the voltage level."""
    value = {
        "period": {"start": "2026-11-16", "end": "2026-11-22"},
        "precaria_share": "0",
        "critica_share": "0",
        "drp_lim_pct": "3",
        "drc_lim_pct": "0.5",
        "violated": False,
    }
    reply = _reply("voltage_quality", value, "umas tomadas da cozinha pararam e metade da casa ta sem luz")
    assert reply.startswith("Quando só parte das tomadas ou lâmpadas funciona, o mais provável é **falta de fase**")
    assert "dentro dos limites da ANEEL" in reply
    level = _reply("voltage_quality", value, "a tensão aqui ta boa?")
    assert level.startswith("A tensão da sua casa ficou **dentro dos limites da ANEEL** de 16/11/2026 a 22/11/2026")
    assert "fase" not in level


def test_the_month_of_most_or_least_kwh_is_named_first() -> None:
    value = {
        "period": {"start": "2026-08-01", "end": "2026-10-31", "label": "2026-08-01..2026-10-31"},
        "total_kwh": "347.768",
        "kwh_per_day": "3.780",
        "peak_month": {"month": "2026-10-01", "kwh": "118.774", "coverage": 1.0, "whole": True},
        "low_month": {"month": "2026-09-01", "kwh": "112.620", "coverage": 1.0, "whole": True},
    }
    assert _reply("consumption_summary", value, "qual mês gastei mais?").startswith(
        "O mês em que você mais consumiu foi **outubro/2026**, com 118,8 kWh."
    )
    assert _reply("consumption_summary", value, "em que mes eu gastei menos energia?").startswith(
        "O mês em que você menos consumiu foi **setembro/2026**, com 112,6 kWh."
    )
    # a single month: no month to name, the period's total answers
    one = {k: v for k, v in value.items() if k not in ("peak_month", "low_month")}
    assert not _reply("consumption_summary", one, "qual mês gastei mais?").startswith("O mês em que")


def test_outages_of_a_week_or_a_year_are_told_for_the_days_asked() -> None:
    months = [
        {"month": "2026-09", "dic_h": "4.00583333", "violated": ["DMIC"], "compensation_rs": "0.01"},
        {"month": "2026-11", "dic_h": "0.79666667", "violated": [], "compensation_rs": "0"},
    ]
    year = {
        "months": months,
        "limits": {"dic_h": "8", "fic": "5", "dmic_h": "4"},
        "asked_start": "2026-01-01",
        "asked_end": "2026-11-25",
        "asked_count": 2,
        "asked_hours": "4.80250000",  # 240.35 + 47.8 minutes
        "total_compensation_rs": "0.01",
        "interruptions": [
            {"start": "2026-09-25T00:57:58", "end": "2026-09-25T04:58:19", "minutes": "240.35", "counted": True},
            {"start": "2026-11-25T19:42:15", "end": "2026-11-25T20:30:03", "minutes": "47.8", "counted": True},
        ],
    }
    reply = _reply("continuity_indicators", year, "quanto tempo fiquei sem energia esse ano")
    assert reply.startswith(
        "De 01/01/2026 a 25/11/2026 registrei **2 interrupções** de 3 minutos ou mais, somando 4,8 h sem energia; "
        "a mais longa: 25/09, das 0h57 às 4h58 (4 h)."
    ), reply
    assert "Passou dos limites da ANEEL em setembro/2026" in reply
    # last week: only a 1.5-minute drop; November's 48-minute outage was outside the days asked
    week = {
        **year,
        "months": months[1:],
        "asked_start": "2026-11-16",
        "asked_end": "2026-11-22",
        "asked_count": 0,
        "asked_hours": "0",
        "total_compensation_rs": "0",
        "interruptions": [{"start": "2026-11-22T10:15:37", "end": "2026-11-22T10:17:10", "minutes": "1.55",
                           "counted": False, "reason": "short"}],
    }
    reply = _reply("continuity_indicators", week, "fiquei 6 horas sem luz semana passada, tenho direito a desconto?")
    assert reply.startswith("De 16/11/2026 a 22/11/2026 não registrei nenhuma interrupção de 3 minutos ou mais."), reply
    assert "não há compensação a receber" in reply and "novembro/2026" not in reply.split("\n")[0]


def test_is_my_solar_generating_less_compares_the_last_two_cycles_per_day() -> None:
    # October: 569.428 kWh in 28 days = 20.34 kWh/day; November: 600.000 kWh in 31 days = 19.35 kWh/day
    value = {
        "balance_kwh": "6188.810",
        "cycles": [
            {"bill_month": "2026-10", "days": 28, "injected_kwh": "569.428"},
            {"bill_month": "2026-11", "days": 31, "injected_kwh": "600.000"},
        ],
    }
    reply = _reply("gd_credits", value, "minhas placas tão gerando menos esse mes?")
    # more kWh in total, but less per day: yes, it fell
    assert reply.startswith(
        "**Sim**, a injeção caiu: no ciclo de novembro/2026 (31 dias) sua casa mandou **600,0 kWh** para a rede, "
        "contra 569,4 kWh em outubro/2026 (28 dias), menos por dia."
    ), reply
    assert _reply("gd_credits", value, "a geração aumentou?").startswith("**Não**, a injeção caiu")


def test_the_measured_and_contracted_demand_are_stated_first() -> None:
    value = {
        "verdict": "reduce", "contracted_kw": "150", "recommended_kw": "142", "saving_rs": "833.77",
        "max_measured_kw": "174.892", "first_month": "2025-11", "last_month": "2026-10",
    }
    reply = _reply("contracted_demand", value, "qual foi a demanda maxima e a contratada?")
    assert reply.startswith(
        "De novembro/2025 a outubro/2026, a maior demanda medida foi de **174,9 kW**, e a sua demanda contratada é de **150 kW**."
    ), reply
    # an advice question keeps the advice first
    assert not _reply("contracted_demand", value, "vale a pena reduzir a demanda?").startswith("De novembro/2025")


def test_the_price_of_a_kwh_is_the_bills_tusd_and_te() -> None:
    value = {
        **BILL,
        "lines": [
            {"key": "billing.component.tusd", "posto": "total", "quantity": "212.968", "rate_rs": "0.44925000", "amount_rs": "120.88"},
            {"key": "billing.component.te", "posto": "total", "quantity": "212.968", "rate_rs": "0.29020000", "amount_rs": "78.09"},
        ],
    }
    reply = _reply("explain_bill", value, "quanto custa o kwh?")
    assert reply.startswith("Na sua conta de novembro/2026, cada kWh custou R$ 0,45 de TUSD (o uso da rede) mais R$ 0,29 de TE"), reply


def test_did_my_bill_pass_a_value_is_answered_yes_or_no_first() -> None:
    # the November bill is R$ 198,97
    assert _reply("explain_bill", BILL, "minha conta passou de 250 reais?").startswith(
        "**Não**: a conta de novembro/2026 veio **R$ 198,97**, abaixo de R$ 250,00."
    )
    assert _reply("explain_bill", BILL, "a conta passou de 190?").startswith("**Sim**, passou: a conta de novembro/2026 veio **R$ 198,97**")
    assert _reply("explain_bill", BILL, "ficou abaixo de 150 reais?").startswith("**Não**: a conta de novembro/2026 veio **R$ 198,97**, acima")


def test_a_flag_missing_from_the_table_is_not_called_unannounced_once_its_month_began() -> None:
    from assistant.slots import flag_month

    # "dezembro" asked on 26/11/2026 is the flag about to be announced, not December 2025
    assert flag_month("2025-12", TODAY) == "2026-12"
    assert flag_month("2026-10", TODAY) == "2026-10"
    prov = Provenance(installation_id="x", period=Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31)), today=TODAY)
    past = _reply("tariff_flag", {"month": "2026-10", "flag": None}, "qual foi a bandeira de outubro", provenance=prov)
    assert past.startswith("A bandeira de outubro/2026 não está na nossa tabela; ela vem impressa na sua conta"), past
    coming = _reply("tariff_flag", {"month": "2026-12", "flag": None}, "qual a bandeira de dezembro", provenance=prov)
    assert coming.startswith("A bandeira de dezembro/2026 ainda não está na nossa tabela (a ANEEL anuncia"), coming


def test_the_days_of_an_ultrapassagem_are_listed_when_asked() -> None:
    value = {
        **BILL,
        "bill_month": "2026-10",
        "lines": [{"key": "billing.component.demand_overrun", "posto": "total", "quantity": "24.892", "amount_rs": "1039.76"}],
        "demand_peaks": [{"day": "2026-10-07", "kw": "174.756"}, {"day": "2026-10-05", "kw": "174.892"}],
    }
    reply = _reply("explain_bill", value, "em quais dias isso aconteceu?")
    assert reply.startswith(
        "A demanda passou da contratada (com a tolerância de 5%) em **2 dias** do ciclo de outubro/2026: "
        "05/10 (174,9 kW) e 07/10 (174,8 kW)."
    ), reply


def test_the_continuity_limits_are_stated_when_asked() -> None:
    value = {
        "months": [{"month": "2026-10", "dic_h": "0", "dmic_h": "0", "violated": [], "compensation_rs": "0"}],
        "limits": {"dic_h": "8", "fic": "5", "dmic_h": "4"},
        "interruptions": [],
    }
    reply = _reply("continuity_indicators", value, "quanto tempo de falta de energia dá direito a compensação?")
    assert reply.startswith(
        "Os limites da sua casa são: até **8,0 h** sem energia somando o mês (DIC), até **5** interrupções no mês (FIC) "
        "e até **4,0 h** numa única interrupção (DMIC)"
    ), reply


def test_late_fees_on_the_bill_are_explained_as_the_previous_bill_paid_late() -> None:
    reply = _reply("explain_bill", BILL, "minha conta veio com juros, pq?")
    assert reply.startswith("Multa e juros aparecem quando uma conta anterior foi paga depois do vencimento"), reply
