"""What an operator reads on every copilot page is plain pt-BR (issue 16), under Streamlit's AppTest
on the session demo store: the shared text sweep (``tests/text_sweep.py``) over titles, captions,
metrics, alerts, widgets, table headers and cells and chart titles; charts in pt-BR formats with
the regulatory limit drawn; a WhatsApp case in the service queue with its installation, a masked
phone, the customer's real question and the tool results.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from tests.operator_ui.page_text import chart_specs, page_texts
from tests.text_sweep import text_problems

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "operator_ui" / "streamlit_app.py")
PAGES = ["quality", "compensation", "events", "completeness", "costs", "service"]
TIMEOUT = 300
#: pt-BR words of the trade that look English to the sweep
ALLOWED = (
    "ranking",
    "offline",
    "on-premises",
    "datacenter",
    "broker",
    "Parquet",
    "CSV",
    "JSON",
    "OCI",
    "Huawei",
)
# A question written for this test (never an eval-set question).
QUESTION = "me mostra os alimentadores com mais DRC no mes passado"


@pytest.fixture(scope="module", autouse=True)
def ui_home(demo_home: Path) -> Any:
    from operator_ui import resources

    mp = pytest.MonkeyPatch()
    mp.setenv("SMARTMETER_HOME", str(demo_home))
    resources.clear()
    yield demo_home
    resources.clear()
    mp.undo()


@pytest.fixture(scope="module")
def whatsapp_case(demo_home: Path) -> dict[str, str]:
    """A WhatsApp conversation: a bill question, the CPF digits, then "quero falar com um atendente"."""
    from assistant import Assistant, AssistantDeps, ChatRequest
    from assistant.session import phone_binding

    deps = AssistantDeps.from_home(demo_home)
    try:
        phone = str(deps.store.rows("SELECT phone FROM customers WHERE installation_id = '40010001'")[0][0])
        bot = Assistant(deps)
        sid = None
        for text in ("oi, minha conta de outubro veio alta, pq?", "4705", "quero falar com um atendente"):
            resp = bot.chat(
                ChatRequest(
                    text=text, session_id=sid, channel="whatsapp", phone=phone, binding=phone_binding(phone)
                )
            )
            sid = resp.session_id
        assert resp.handoff
        case = next(h for h in deps.sessions.handoffs() if h["session_id"] == sid)
    finally:
        deps.store.close()
        deps.sessions.db.close()
    return {"id": str(case["id"]), "phone": phone}


def _open(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    if page == "copilot_chat":
        at.chat_input(key="copilot_q").set_value(QUESTION).run()
    else:
        at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def _problems(at: AppTest) -> list[str]:
    found = []
    for kind, text in page_texts(at):
        for problem in text_problems(text, ALLOWED):
            found.append(f"[{kind}] {text[:100]!r}: {problem}")
    return sorted(set(found))


@pytest.mark.parametrize("page", ["copilot_chat", *PAGES])
def test_every_copilot_page_reads_as_plain_pt_br(page, whatsapp_case):
    at = _open(page)
    if page == "service":
        at.radio(key="h_status").set_value("__all__").run()
        at.selectbox(key="h_sel").set_value(whatsapp_case["id"]).run()
    assert _problems(at) == []


@pytest.mark.parametrize("page", PAGES[:-1])
def test_charts_use_pt_br_number_and_date_formats(page):
    specs = chart_specs(_open(page))
    assert specs, page
    for spec in specs:
        locale = spec["config"]["locale"]
        assert locale["number"]["decimal"] == "," and locale["number"]["thousands"] == "."
        assert locale["time"]["shortMonths"][9] == "out"
        axes = [
            enc["axis"]
            for layer in spec.get("layer", [spec])
            for enc in (layer.get("encoding") or {}).values()
            if isinstance(enc, dict) and enc.get("type") == "quantitative" and "axis" in enc
        ]
        assert axes and all("format" in a for a in axes), page


def test_quality_ranking_chart_draws_the_drp_limit():
    spec = chart_specs(_open("quality"))[0]
    rules = [layer for layer in spec["layer"] if (layer.get("mark") or {}).get("type") == "rule"]
    assert rules, "a limit line"
    limit = rules[0]["data"]["values"][0]
    assert limit["_limit"] == 3.0  # PRODIST: DRP limit 3 %
    assert limit["_label"] == "Limite do DRP: 3,0%"


def test_service_queue_shows_the_whatsapp_case(whatsapp_case):
    at = _open("service")
    at.radio(key="h_status").set_value("__all__").run()
    at.selectbox(key="h_sel").set_value(whatsapp_case["id"]).run()
    metrics: dict[str, str] = {}
    for m in at.metric:  # the case row comes first; tool results below may reuse a label
        metrics.setdefault(m.label, m.value)
    assert metrics["Canal"] == "WhatsApp"
    assert metrics["Unidade consumidora"] == "40010001"
    phone = metrics["Telefone"]
    assert phone.endswith(whatsapp_case["phone"][-4:]) and "*" in phone
    assert whatsapp_case["phone"][-8:-4] not in phone.replace("-", "")  # the middle digits are masked
    question = next(m.value for m in at.markdown if m.value.startswith("**Pergunta do cliente:**"))
    assert "conta de outubro" in question and "atendente" not in question
    tools = [e.label for e in at.expander]
    assert "Explicação da conta" in tools, tools
