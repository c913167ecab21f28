"""The assistant on the engagement intents, as people write on WhatsApp: set and ask about the goal,
opt in and out of the daily digest (consent recorded with purpose, date and channel), "parar" and
"voltar" in the consent log; the writes it must still decline."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from assistant import Assistant, AssistantDeps
from assistant.engine import ChatRequest
from assistant.router import OfflineRouter
from assistant.session import SessionStore
from tests.tools.test_engagement import OpHome


@pytest.fixture()
def bot(demo_store, tmp_path) -> Assistant:  # type: ignore[no-untyped-def]
    deps = AssistantDeps(home=tmp_path, store=OpHome(demo_store, tmp_path), sessions=SessionStore(),
                         today=dt.date(2026, 11, 26))
    deps._retriever_failed = True  # no knowledge index needed here
    return Assistant(deps)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("minha meta é gastar no máximo 180 reais", "set_goal"),
        ("qro por meta de 150 conto esse mes", "set_goal"),
        ("Meta: R$ 99,90", "set_goal"),
        ("meu limite agora é 230 kWh", "set_goal"),
        ("vou estourar a meta??", "goal_progress"),
        ("tô dentro da meta ainda?", "goal_progress"),
        ("qto posso gastar por dia", "goal_progress"),
        ("quero receber meu consumo todo dia", "message_subscription"),
        ("manda meu gasto diariamente às 7 da noite", "message_subscription"),
        ("não quero mais receber o resumo", "message_subscription"),
        ("para de mandar msg todo dia pfv", "message_subscription"),
        ("me manda o resumo de ontem", "daily_digest"),
        ("qual a meta de DEC da distribuidora?", "search_knowledge"),
        ("quanto vou pagar esse mes", "forecast_bill"),
    ],
)
def test_whatsapp_phrasings_route(text, intent):
    assert OfflineRouter("customer").route(text).intent == intent


def _chat(bot: Assistant, text: str, sid: str | None, channel: str = "whatsapp", inst: str | None = "40010049",
          phone: str | None = None):  # type: ignore[no-untyped-def]
    return bot.chat(ChatRequest(text=text, session_id=sid, channel=channel, installation_id=inst, phone=phone))


def test_set_and_ask_about_the_goal_on_whatsapp(bot):
    from tools.data.consent import consent_history
    from tools.data.goals import current_goal

    r = _chat(bot, "minha meta é gastar no máximo 190 reais", None)
    assert r.intent == "set_goal" and r.refused is None
    # the week-3 scenario's figures (tests/tools/test_engagement.py): R$ 191,13 against R$ 190,00
    assert r.reply.startswith("Pronto, sua meta é de R$ 190,00 por ciclo de leitura. No ritmo atual você passa da meta")
    assert "R$ 191,13" in r.reply and "R$ 6,28 por dia" in r.reply
    goal = current_goal(bot.deps.home, "40010049")
    assert goal is not None and (goal.amount, goal.unit, goal.channel) == (Decimal("190"), "brl", "whatsapp")
    assert [(c.purpose, c.granted, c.channel) for c in consent_history(bot.deps.home, "40010049")] == [
        ("goal_alerts", True, "whatsapp")]
    r2 = _chat(bot, "vou estourar a meta?", r.session_id)
    assert r2.intent == "goal_progress" and r2.reply.startswith("Sim, no ritmo atual você passa da meta de R$ 190,00")
    r3 = _chat(bot, "to dentro da meta?", r.session_id)
    assert r3.reply.startswith("Não, no ritmo atual você passa da meta de R$ 190,00")
    r4 = _chat(bot, "quero uma meta", r.session_id)  # no amount: the goal in force
    assert r4.intent == "goal_progress"
    r5 = _chat(bot, "minha meta é 250 kwh", r.session_id)
    assert r5.reply.startswith("Pronto, sua meta é de 250,0 kWh") and "Você está dentro da meta de 250,0 kWh" in r5.reply


def test_goal_needs_identification_and_an_amount(bot):
    r = _chat(bot, "minha meta é 150 reais", None, channel="web", inst=None)
    assert r.intent == "set_goal" and not r.tool_calls and r.awaiting  # identification first
    r = _chat(bot, "quero definir uma meta", None)
    assert r.intent == "set_goal" and not r.tool_calls and r.reply.startswith("Qual é a sua meta?")


def test_digest_opt_in_and_out_by_message(bot):
    from tools.data.consent import consent_history, has_consent

    r = _chat(bot, "quero receber meu consumo todo dia as 7h", None)
    assert r.intent == "message_subscription"
    assert r.reply.startswith("Pronto! A partir de amanhã você recebe no WhatsApp, todo dia às 8h")
    assert "Entre 21h e 8h não mandamos mensagens" in r.reply
    c = consent_history(bot.deps.home, "40010049")[-1]
    assert (c.purpose, c.granted, c.channel, c.details) == ("daily_digest", True, "whatsapp", {"hour": 8})
    assert c.at.tzinfo is not None and c.at.date() >= dt.date(2026, 11, 26)
    assert f"Registrei seu consentimento em {c.at.strftime('%d/%m/%Y')} (WhatsApp)" in r.reply
    r = _chat(bot, "me manda o resumo de ontem", r.session_id)  # the web/on-demand digest
    assert r.intent == "daily_digest" and r.reply.startswith("Ontem (25/11/2026) você consumiu")
    r = _chat(bot, "nao quero mais receber o resumo", r.session_id)
    assert r.reply.startswith("Tudo bem, cancelei o resumo diário do consumo")
    assert not has_consent(bot.deps.home, "40010049", "daily_digest")


def test_parar_revokes_the_purposes_and_voltar_restores_them(bot):
    from tools.data.consent import consent_history, has_consent

    sid = _chat(bot, "quero receber meu consumo todo dia", None).session_id
    _chat(bot, "minha meta é 200 reais", sid)
    r = _chat(bot, "PARAR", sid)
    assert r.intent == "opt_out" and "não receberá mais mensagens automáticas" in r.reply
    assert "Também cancelei" in r.reply
    assert not has_consent(bot.deps.home, "40010049", "daily_digest") and not has_consent(bot.deps.home, "40010049", "goal_alerts")
    r = _chat(bot, "voltar", sid)
    assert r.intent == "opt_in" and has_consent(bot.deps.home, "40010049", "daily_digest")
    assert [(c.purpose, c.granted) for c in consent_history(bot.deps.home, "40010049")][-4:] == [
        ("daily_digest", False), ("goal_alerts", False), ("daily_digest", True), ("goal_alerts", True)]


def test_parar_from_the_registered_phone_needs_no_identification(bot):
    from tools.data.consent import has_consent, record_consent

    record_consent(bot.deps.home, "40010016", "daily_digest", "whatsapp", True,
                   dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=-3))), {"hour": 8})
    r = _chat(bot, "parar", None, inst=None, phone="+5519980000016")
    assert r.intent == "opt_out" and not has_consent(bot.deps.home, "40010016", "daily_digest")


@pytest.mark.parametrize("text", ["tira essa multa", "muda o valor da minha conta pra 100 reais",
                                  "cancela essa cobrança", "zera meu consumo de outubro", "apaga a leitura de ontem"])
def test_other_writes_still_decline(bot, text):
    r = _chat(bot, text, None)
    assert r.refused == "write_not_allowed" and not r.tool_calls
