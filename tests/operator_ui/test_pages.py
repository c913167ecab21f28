"""Operator copilot pages under Streamlit's AppTest, on the session demo store.

Each page is opened through ``st.navigation`` (``switch_page``) and must render without an
exception and with its expected elements; figures shown are checked against the same tool run
directly (so a wrong argument or a wrong field on a page is caught). Copilot questions from
``shared/eval/operator_dev.jsonl`` go through the chat page. No timing assertions (see
``bench/bench_pages.py``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from assistant.render import fmt_value

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "operator_ui" / "streamlit_app.py")
EVAL = (
    Path(__file__).resolve().parents[2] / "assistant" / "eval" / "operator_dev.jsonl"
)  # copy of the shared set
PAGES = ["quality", "compensation", "events", "completeness", "costs", "service"]
TIMEOUT = 180


@pytest.fixture(scope="module", autouse=True)
def ui_home(demo_home: Path) -> Any:
    """Point the app at the demo store; drop cached results and close the stores afterwards."""
    from operator_ui import resources

    mp = pytest.MonkeyPatch()
    mp.setenv("SMARTMETER_HOME", str(demo_home))
    resources.clear()
    yield demo_home
    resources.clear()  # on_release closes the read-only DuckDB connection and the session db
    mp.undo()


@pytest.fixture(scope="module")
def handoff_id(demo_home: Path) -> str:
    """A real handoff: an identified customer asks about consumption, then for a person."""
    from assistant import Assistant, AssistantDeps, ChatRequest

    deps = AssistantDeps.from_home(demo_home)
    try:
        bot = Assistant(deps)
        sid = "ui-test-handoff"
        for text in ("Quanto consumi nos últimos 30 dias?", "Quero falar com um atendente"):
            resp = bot.chat(ChatRequest(text=text, session_id=sid, channel="web", installation_id="40010001"))
        assert resp.handoff
        case = next(h for h in deps.sessions.handoffs() if h["session_id"] == sid)
    finally:
        deps.store.close()
        deps.sessions.db.close()
    return str(case["id"])


def _tool(demo_home: Path, name: str, installation_id: str | None = None, **args: Any) -> Any:
    from tools.api import Scope, ToolContext, run_tool
    from tools.api.admin import open_store

    store = open_store(demo_home, read_only=True)
    try:
        return run_tool(name, ToolContext(store=store, scope=Scope.operator()), installation_id, args)
    finally:
        store.close()


def _page(name: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    at.switch_page(f"app_pages/{name}.py").run()
    return at


def _metric(at: AppTest, label: str) -> str:
    values = [
        m.value for m in at.metric if m.label.replace("\\$", "$") == label
    ]  # "$" is escaped for Markdown
    assert values, f"no metric {label!r} in {[m.label for m in at.metric]}"
    return str(values[0])


def _charts(at: AppTest) -> int:
    return len(at.get("vega_lite_chart"))


def test_home_is_the_copilot_chat():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert at.title[0].value == "Copiloto"
    assert len(at.chat_input) == 1
    assert len(at.button) >= 4  # suggested questions


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_with_its_elements(page, handoff_id):
    at = _page(page)
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.metric and at.dataframe, page
    assert _charts(at) >= 1, page
    assert len(at.download_button) >= 1, page
    if page != "costs":  # storage_cost runs no SQL; every other page shows the SQL it ran
        assert any(c.language == "sql" for c in at.code), page


def test_quality_page_drills_from_feeder_to_transformer_to_meter(demo_home):
    from tools.api.admin import list_installations

    topo = list_installations(demo_home)
    feeder = "AL-001"
    transformer = "TR-0012"
    meters = {r["installation_id"] for r in topo if r["transformer_id"] == transformer}
    at = _page("quality")
    assert at.subheader[0].value == "Alimentadores por DRP"
    assert _metric(at, "Limite do DRP") == "3,0%"
    at.selectbox(key="q_feeder").set_value(feeder).run()
    assert at.subheader[0].value == "Transformadores por DRP"
    ranking = at.dataframe[0].value
    assert set(ranking["Alimentador"]) == {feeder}
    assert transformer in set(ranking["Identificação"])
    at.selectbox(key="q_transformer").set_value(transformer).run()
    assert not at.exception
    assert at.subheader[0].value == "Medidores por DRP"
    shown = set(at.dataframe[0].value["Identificação"])
    assert shown and shown <= meters  # only this transformer's meters


def test_quality_page_compensation_at_stake_matches_the_tool(demo_home):
    at = _page("quality")
    exposure = _tool(demo_home, "compensation_exposure", period="this_month", indicator=["DRP", "DRC"])
    assert _metric(at, "Total da rede") == fmt_value(exposure.value.total_rs, "R$")
    at.selectbox(key="q_feeder").set_value("AL-002").run()
    by_feeder = {g.group_id: g.amount_rs for g in exposure.value.groups}
    assert _metric(at, "Compensação estimada no recorte") == fmt_value(by_feeder.get("AL-002", 0), "R$")


def test_compensation_page_shows_the_deadline_calendar(demo_home):
    at = _page("compensation")
    dl = _tool(demo_home, "deadline_exposure", due_within_days=7, limit=200)
    assert _metric(at, "Pedidos no período") == fmt_value(dl.value.total_requests)
    assert _metric(at, "Vencem em até 7 dias") == str(len(dl.value.due_soon))
    at.radio(key="c_days").set_value(30).run()
    dl30 = _tool(demo_home, "deadline_exposure", due_within_days=30, limit=200)
    assert _metric(at, "Vencem em até 30 dias") == str(len(dl30.value.due_soon))
    assert len(dl30.value.due_soon) >= len(dl.value.due_soon)


def test_events_page_counts_and_service_orders(demo_home):
    from tools.api.export import service_orders

    at = _page("events")
    ev = _tool(demo_home, "events_summary", period="last_30_days", group_by="feeder", limit=50)
    assert _metric(at, "Eventos e alarmes") == fmt_value(ev.value.total_events)
    assert _metric(at, "Desligamentos inferidos") == fmt_value(ev.value.n_outages)
    orders = service_orders(ev)
    assert len(orders) == ev.value.n_outages + ev.value.n_possible_ntl
    caption = [c.value for c in at.caption if "ordem de serviço" in c.value or "ordens de serviço" in c.value]
    assert caption and caption[0].startswith(str(len(orders)))
    assert any(b.label == "Exportar ordens de serviço (JSON)" for b in at.download_button)


def test_completeness_page_expected_vs_received(demo_home):
    at = _page("completeness")
    dc = _tool(demo_home, "data_completeness", period="last_7_days", silent_days=3, limit=100)
    final = next(s for s in dc.trail if s.key == "fleet.step.completeness")
    assert _metric(at, "Minutos esperados") == fmt_value(final.inputs["expected_minutes"])
    assert _metric(at, "Minutos recebidos") == fmt_value(final.inputs["received_minutes"])
    assert _metric(at, "Medidores silenciosos") == fmt_value(dc.value.n_silent)


def test_costs_page_cloud_and_on_premises_side_by_side():
    at = _page("costs")
    heads = [s.value for s in at.subheader]
    assert "Nuvem AWS" in heads
    assert "Datacenter próprio (on-premises)" in heads
    assert sum(1 for m in at.metric if m.label.replace("\\$", "$") == "R$ por medidor e mês") == 2
    at.selectbox(key="k_prov").set_value("azure").run()
    assert not at.exception
    assert "Nuvem Azure" in [s.value for s in at.subheader]


def test_service_page_shows_the_case(demo_home, handoff_id):
    at = _page("service")
    at.radio(key="h_status").set_value("__all__").run()
    at.selectbox(key="h_sel").set_value(handoff_id).run()
    assert not at.exception
    assert _metric(at, "Unidade consumidora") == "40010001"
    bill = _tool(demo_home, "explain_bill", "40010001", reference="last_bill")
    assert _metric(at, "Total (R$)") == fmt_value(bill.value.total_rs, "R$")
    reply = next(c.value for c in at.code if c.language in (None, "", "plaintext") and "Olá" in c.value)
    assert "Quanto consumi nos últimos 30 dias?" in reply  # the question, not "quero falar com um atendente"
    assert "atendente" not in reply
    assert fmt_value(bill.value.total_rs, "R$") in reply
    assert [m.name for m in at.chat_message][:2] == ["user", "assistant"]


def test_service_queue_shows_an_emergency_first_and_flagged_in_pt_br(demo_home, handoff_id):
    """A fallen wire reported after an ordinary handoff is still the first case the agent sees."""
    from assistant import Assistant, AssistantDeps, ChatRequest

    deps = AssistantDeps.from_home(demo_home)
    try:
        resp = Assistant(deps).chat(ChatRequest(text="caiu um fio do poste na frente de casa e está soltando faísca",
                                                session_id="ui-test-urgent", channel="whatsapp"))
        assert resp.handoff and resp.handoff_priority == "urgent"
        urgent = next(h["id"] for h in deps.sessions.handoffs() if h["session_id"] == "ui-test-urgent")
        at = _page("service")  # open cases: the default view
        assert not at.exception, at.exception
        table = next(df.value for df in at.dataframe if "Protocolo" in df.value.columns)
        ids, priorities = list(table["Protocolo"]), list(table["Prioridade"])
        assert ids.index(urgent) < ids.index(handoff_id)  # queued later, listed first
        assert priorities[ids.index(urgent)] == "URGENTE (emergência)"
        assert priorities[ids.index(handoff_id)] == "normal"
        first_normal = priorities.index("normal")
        assert set(priorities[:first_normal]) == {"URGENTE (emergência)"}  # all urgent cases come first
        at.selectbox(key="h_sel").set_value(urgent).run()
        assert any(e.value.startswith("Atendimento urgente: o cliente relatou uma emergência") for e in at.error)
        at.selectbox(key="h_sel").set_value(handoff_id).run()
        assert not any("Atendimento urgente" in e.value for e in at.error)
    finally:
        with deps.sessions._lock:
            deps.sessions.db.execute("DELETE FROM handoffs WHERE session_id = 'ui-test-urgent'")
            deps.sessions.db.commit()
        deps.store.close()
        deps.sessions.db.close()


def test_service_page_shows_the_requests_the_assistant_opened(demo_home, demo_store):
    """Issue 21: a request a customer confirmed in the chat is in the copilot's queue, in pt-BR."""
    import datetime as dt

    from assistant import Assistant, AssistantDeps, ChatRequest
    from assistant.session import SessionStore
    from tools.data.opstate import opstate_for

    deps = AssistantDeps(home=demo_home, store=demo_store, sessions=SessionStore(),
                         clock=lambda: dt.datetime(2026, 11, 26, 10, 15, tzinfo=dt.timezone(dt.timedelta(hours=-3))))
    bot = Assistant(deps)
    try:
        for text in ("queria que verificassem meu medidor", "sim"):
            resp = bot.chat(ChatRequest(text=text, session_id="ui-sr", channel="whatsapp", installation_id="40010001"))
        protocol = resp.tool_calls[0]["result"]["value"]["protocol"]
        at = _page("service")
        assert not at.exception, at.exception
        table = next(df.value for df in at.dataframe if "Protocolo" in df.value.columns)
        row = table[table["Protocolo"] == protocol].iloc[0]
        assert row["Prazo regulatório"] == "28/12/2026"  # 30 days (art. 250): Sat 26/12 -> Mon 28/12/2026
        assert row["Criado em"] == "26/11/2026 10:15"
        assert (row["Tipo de pedido"], row["Situação"], row["Canal"]) == (
            "inspeção (aferição) do medidor", "aberto", "WhatsApp"
        )
        assert _metric(at, "Em aberto") == "1"
    finally:
        with opstate_for(demo_home).transaction() as db:
            db.execute("DELETE FROM service_outbox")


def _questions(*ids: str) -> list[dict[str, Any]]:
    cases = [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [c for c in cases if c["id"] in ids]


@pytest.mark.parametrize("case", _questions("od01", "od04", "od11", "od18", "od22"), ids=lambda c: c["id"])
def test_copilot_answers_operator_questions_with_figure_table_sql_download(case):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.chat_input(key="copilot_q").set_value(case["text"]).run()
    assert not at.exception, at.exception
    assert [m.name for m in at.chat_message] == ["user", "assistant"]
    assert at.metric, "a figure"
    assert at.dataframe, "a table"
    assert len(at.download_button) >= 2, "CSV and Parquet"
    sql = [c.value for c in at.code if c.language == "sql"]
    if case["id"] == "od18":  # storage_cost is a model, not a query: no SQL, two scenarios charted
        assert not sql and _charts(at) >= 1
    elif case["id"] == "od22":  # guarded SQL fallback: the query itself is shown
        assert any("voltage_10min" in s and "TR-0012" in s for s in sql)
    else:
        assert sql and _charts(at) >= 1
