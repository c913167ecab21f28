"""The copilot honours the question: filters applied and echoed on the first line, an empty default
period widened in words, "quem vai estourar" ranking the units projected to exceed, providers priced
as asked. On the session demo store, through the same engine as the copilot page."""

from __future__ import annotations

import itertools

from assistant import Assistant, ChatRequest
from tools.api import Scope, ToolContext, run_tool

_ids = itertools.count()


def _ask(bot: Assistant, text: str):
    return bot.chat(
        ChatRequest(text=text, session_id=f"op-ans-{next(_ids)}", channel="cli", audience="operator")
    )


def _tool(bot: Assistant, name: str, **args):
    ctx = ToolContext(store=bot.deps.store, scope=Scope.operator(), today=bot.deps.data_today())
    return run_tool(name, ctx, None, args)


def test_deadline_filters_are_applied_and_echoed(demo_assistant):
    resp = _ask(demo_assistant, "religações que vencem hoje em campinas")
    call = resp.tool_calls[0]
    assert call["name"] == "deadline_exposure"
    assert call["arguments"]["request_type"] == "religacao"
    assert call["arguments"]["region"].lower() == "campinas"
    assert call["arguments"]["due_within_days"] == 1  # 26/11 00:00 → 27/11 00:00: due today
    first = resp.reply.splitlines()[0]
    assert "religação" in first and "Campinas" in first and "hoje" in first


def test_an_empty_default_week_is_widened_to_90_days(demo_assistant):
    week = _tool(demo_assistant, "events_summary", code="tamper")  # the tool's default: last week
    wide = _tool(demo_assistant, "events_summary", code="tamper", period="last_90_days")
    suspects = sum(1 for x in wide.value.tamper if x.possible_ntl)
    assert not any(x.possible_ntl for x in week.value.tamper) and suspects > 0  # the demo's tamper cases
    resp = _ask(demo_assistant, "tem alguma suspeita de fraude em medidor?")
    assert [c["arguments"].get("period") for c in resp.tool_calls] == [None, "last_90_days"]
    assert "Nenhuma suspeita de violação no período" in resp.reply
    assert f"Nos últimos 90 dias: Alarmes de violação: {len(wide.value.tamper)} medidores" in resp.reply
    assert f"(suspeita de perda não técnica): {suspects}." in resp.reply


def test_who_will_exceed_ranks_the_units_projected_to_exceed(demo_assistant):
    resp = _ask(demo_assistant, "quem vai estourar o DRP esse mes?")
    call = resp.tool_calls[0]
    assert call["name"] == "quality_ranking"
    assert call["arguments"]["level"] == "meter" and call["arguments"]["indicator"] == "DRP"
    assert resp.reply.startswith("Unidades com projeção de passar o limite de DRP")
    assert "R$ 0,00" not in resp.reply


def test_providers_are_priced_as_asked(demo_assistant):
    resp = _ask(demo_assistant, "quanto sai azure contra gcp pra 500 mil medidores")
    call = resp.tool_calls[0]
    assert call["name"] == "storage_cost"
    assert call["arguments"]["infrastructure"] == ["azure", "gcp"]
    assert "nuvem Azure" in resp.reply and "nuvem GCP" in resp.reply and "AWS" not in resp.reply


def test_a_feeder_filter_narrows_the_exposure(demo_assistant):
    whole = _tool(demo_assistant, "compensation_exposure", indicator=["DRP", "DRC"], period="last_month")
    by_feeder = {g.group_id: g.amount_rs for g in whole.value.groups}
    resp = _ask(demo_assistant, "compensação de DRP e DRC do AL-001 no mes passado")
    call = resp.tool_calls[0]
    assert call["arguments"]["feeder"] == "AL-001"
    value = call["result"]["value"]
    assert float(value["total_rs"]) == float(by_feeder.get("AL-001", 0))
    assert "alimentador AL-001" in resp.reply.splitlines()[0]


def test_upper_first_keeps_acronyms_and_currency() -> None:
    from assistant.i18n import upper_first

    # str.capitalize would give "Nenhuma compensação estimada (r$ 0,00)" and "Ranking de drp"
    assert upper_first("nenhuma compensação estimada (R$ 0,00)") == "Nenhuma compensação estimada (R$ 0,00)"
    assert upper_first("ranking de DRP") == "Ranking de DRP"
    assert upper_first("") == ""


def test_fleet_energy_is_given_in_mwh_when_asked() -> None:
    import datetime as dt
    from decimal import Decimal

    from assistant.operator_answers import answer
    from assistant.operator_slots import extract_operator_slots
    from tools.api.fleet.consumption import ConsumptionRow, FleetConsumption, GdSummary
    from tools.types import Period, ToolResult

    slots = extract_operator_slots("quanto a frota consumiu em outubro em MWh?", "fleet_consumption", dt.date(2026, 11, 26))
    assert slots["_energy_unit"] == "MWh"
    value = FleetConsumption(
        period=Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31)),
        group_by="group",
        group=None,
        n_meters=200,
        import_kwh=Decimal("274697.6"),
        export_kwh=Decimal("10011.8"),
        rows=(
            ConsumptionRow("A", 12, Decimal("200377.5"), Decimal("0"), Decimal("16698.1")),
            ConsumptionRow("B", 188, Decimal("74320.1"), Decimal("10011.8"), Decimal("395.3")),
        ),
        load_curve=(),
        gd=GdSummary(0, Decimal(0), Decimal(0), 0),
        branca=None,
    )
    reply, *_ = answer("fleet_consumption", slots, lambda call: ToolResult(tool="fleet_consumption", value=value))
    # 274,697.6 kWh = 274.7 MWh; 200,377.5 kWh = 200.4 MWh; 74,320.1 kWh = 74.3 MWh
    assert "consumiram 274,7 MWh e injetaram 10,0 MWh" in reply, reply
    assert "A 200,4 MWh e B 74,3 MWh" in reply, reply
    assert "kWh" not in reply
    # without the unit asked, kWh as before
    reply_kwh, *_ = answer("fleet_consumption", {}, lambda call: ToolResult(tool="fleet_consumption", value=value))
    assert "274.697,6 kWh" in reply_kwh


def test_the_part_asked_about_leads_the_fleet_reply() -> None:
    import datetime as dt
    from decimal import Decimal

    from assistant.operator_answers import answer
    from assistant.operator_slots import extract_operator_slots
    from tools.api.fleet.consumption import FleetConsumption, GdSummary
    from tools.types import Period, ToolResult

    today = dt.date(2026, 11, 26)
    assert extract_operator_slots("quanto os clientes GD injetaram em outubro", "fleet_consumption", today)["_focus"] == "gd"
    # continuity words pick a continuity indicator: how long is DIC, how many times is FIC
    assert extract_operator_slots("qual alimentador tem mais interrupção esse ano", "quality_ranking", today)["indicator"] == "DIC"
    assert extract_operator_slots("quais trafos tiveram falta de energia mais vezes", "quality_ranking", today)["indicator"] == "FIC"
    value = FleetConsumption(
        period=Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31)),
        group_by="group", group=None, n_meters=200,
        import_kwh=Decimal("274697.6"), export_kwh=Decimal("10011.8"), rows=(), load_curve=(),
        gd=GdSummary(15, Decimal("3100.0"), Decimal("10011.8"), 15), branca=None,
    )
    slots = extract_operator_slots("quanto os clientes GD injetaram em outubro", "fleet_consumption", today)
    reply, *_ = answer("fleet_consumption", slots, lambda call: ToolResult(tool="fleet_consumption", value=value))
    body = reply.split("\n")[1]
    assert body.startswith("Geração distribuída: 15 clientes injetaram 10.011,8 kWh"), reply


def test_the_average_per_meter_of_the_class_asked_leads() -> None:
    import datetime as dt
    from decimal import Decimal

    from assistant.operator_answers import answer
    from assistant.operator_slots import extract_operator_slots
    from tools.api.fleet.consumption import ConsumptionRow, FleetConsumption, GdSummary
    from tools.types import Period, ToolResult

    slots = extract_operator_slots("qual o consumo medio por cliente residencial em outubro", "fleet_consumption", dt.date(2026, 11, 26))
    assert slots["group_by"] == "class" and slots["_class"] == "residencial"
    value = FleetConsumption(
        period=Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31)), group_by="class", group=None, n_meters=200,
        import_kwh=Decimal("274697.6"), export_kwh=Decimal("0"), load_curve=(),
        rows=(
            ConsumptionRow("industrial", 3, Decimal("200377.5"), Decimal("0"), Decimal("66792.5")),
            ConsumptionRow("residencial", 177, Decimal("42959.4"), Decimal("0"), Decimal("242.7")),  # 42,959.4 / 177
        ),
        gd=GdSummary(0, Decimal(0), Decimal(0), 0), branca=None,
    )
    reply, *_ = answer("fleet_consumption", slots, lambda call: ToolResult(tool="fleet_consumption", value=value))
    assert reply.split("\n")[1].startswith("Consumo médio por medidor: residencial 242,7 kWh (177 medidores)."), reply
