"""The web chat in a real headless Chromium at 360 px: identification, replies that start in view,
an input that never covers text, errors in words, a stopped server, masked CPF and safe **bold**.

Debian Chromium is required: without it these tests FAIL (``.ci/run`` installs it).
``SMARTMETER_SCREENSHOT_DIR=docs/screenshots`` also saves the phone screenshots there.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from channels.config import ChannelSettings
from tests.channels.server import CHROMIUM_FLAGS, free_port, running_server
from tools.api import Scope, ToolContext, run_tool
from tools.api.admin import demo_metadata, open_store

pytestmark = [pytest.mark.browser, pytest.mark.integration]
PHONE = {"width": 360, "height": 740}


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("Debian chromium is not installed: `apt-get install -y chromium` (.ci/run does it)")
    return path


def _shot(page: Any, name: str) -> None:
    target = os.environ.get("SMARTMETER_SCREENSHOT_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(target) / name))


@pytest.fixture()
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    exe = _chromium()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_FLAGS)
        yield b
        b.close()


def _layout(page: Any) -> dict[str, float]:
    """Rectangles of the scrolling conversation, the composer and the last bot reply's first line."""
    return page.evaluate(
        """() => {
        const s = document.getElementById('scroller').getBoundingClientRect();
        const c = document.getElementById('composer').getBoundingClientRect();
        const bots = document.querySelectorAll('li.msg.bot:not(.typing)');
        const last = bots[bots.length - 1].querySelector('.reply');
        const range = document.createRange(); range.setStart(last.firstChild || last, 0); range.setEnd(last.firstChild || last, 1);
        const first = range.getBoundingClientRect();
        return {scrollTop: s.top, scrollBottom: s.bottom, composerTop: c.top, composerBottom: c.bottom,
                firstTop: first.top, firstBottom: first.bottom, vh: window.innerHeight,
                scrollWidth: document.documentElement.scrollWidth};
    }"""
    )


def _assert_reply_start_visible(page: Any) -> None:
    box = _layout(page)
    assert box["scrollBottom"] <= box["composerTop"] + 0.5, box  # the input sits below the text, never over it
    assert box["composerBottom"] <= box["vh"] + 0.5, box
    assert box["scrollTop"] <= box["firstTop"] and box["firstBottom"] <= box["composerTop"], box  # first line in view
    assert box["scrollWidth"] <= PHONE["width"], box  # no horizontal scroll on a phone


def _wait_reply(page: Any, count_before: int) -> None:
    page.wait_for_function(
        f"document.querySelectorAll('li.msg.bot:not(.typing):not(.greeting)').length > {count_before}", timeout=30_000
    )


def _bot_count(page: Any) -> int:
    return int(page.evaluate("document.querySelectorAll('li.msg.bot:not(.typing):not(.greeting)').length"))


def _ask(page: Any, text: str) -> None:
    before = _bot_count(page)
    page.get_by_label("Sua mensagem").fill(text)
    page.keyboard.press("Enter")
    _wait_reply(page, before)


def test_phone_identification_reply_in_view_and_errors_in_words(demo_home, browser):
    meta = demo_metadata(demo_home)
    cust = meta["demo_customer"]
    store = open_store(demo_home, read_only=True)
    expected = run_tool("consumption_summary", ToolContext(store=store, scope=Scope.operator()), cust["installation_id"],
                        {"period": "yesterday"})
    kwh = f"{float(expected.value.total_kwh):.1f}".replace(".", ",") + " kWh"
    wrong_cpf = "0000" if cust["cpf_last4"] != "0000" else "1111"
    port = free_port()
    settings = ChannelSettings(home=str(demo_home), public_url=f"http://127.0.0.1:{port}", rate_anonymous_per_min=1000)
    with running_server(settings, port) as base:
        page = browser.new_page(viewport=PHONE)
        page.goto(base + "/")
        # before identification: a greeting, where the number is printed, general suggestions
        assert "Olá" in page.inner_text("li.greeting")
        page.get_by_text("Onde encontro esse número?").click()
        assert "conta de luz" in page.inner_text("#inst-help")
        assert page.locator("#quick .chip").count() >= 3
        _shot(page, "webchat-1-inicio.png")
        # an unknown installation and a wrong CPF are answered in words, never an endless "Verificando…"
        page.get_by_label("Número da instalação").fill("99999999")
        page.get_by_label("4 últimos dígitos do CPF do titular").fill(cust["cpf_last4"])
        page.get_by_role("button", name="Identificar").click()
        page.wait_for_function("document.getElementById('ident-status').classList.contains('error')", timeout=30_000)
        assert "Não encontrei essa instalação" in page.inner_text("#ident-status")
        page.get_by_label("Número da instalação").fill(cust["installation_id"])
        page.get_by_label("4 últimos dígitos do CPF do titular").fill(wrong_cpf)
        page.get_by_role("button", name="Identificar").click()
        page.wait_for_function("!document.getElementById('ident-status').textContent.startsWith('Verificando')",
                               timeout=30_000)
        assert "não conferem" in page.inner_text("#ident-status")
        page.get_by_label("4 últimos dígitos do CPF do titular").fill(cust["cpf_last4"])
        page.get_by_role("button", name="Identificar").click()
        page.wait_for_selector("#ident", state="hidden", timeout=30_000)
        log = page.inner_text("#log")
        assert "identificação confirmada" in log
        assert cust["cpf_last4"] not in log and wrong_cpf not in log  # CPF digits never echoed in a bubble
        assert "Quanto consumi ontem?" in page.inner_text("#quick")  # suggestions after identification
        _shot(page, "webchat-2-identificacao.png")
        # a data reply: its figure, and its first line in view above the input
        _ask(page, "quanto consumi ontem?")
        assert kwh in page.inner_text("li.msg.bot:last-child")
        assert page.locator("li.msg.bot:last-child svg rect").count() == 24  # "ontem" drawn hour by hour
        _assert_reply_start_visible(page)
        _shot(page, "webchat-2b-ontem-por-hora.png")
        # a long reply with a chart: the page scrolls to the start of the reply, not to its end
        _ask(page, "quanto consumi nos últimos 30 dias?")
        assert page.locator("li.msg.bot:last-child svg rect").count() >= 20
        assert "kWh" in page.inner_text("li.msg.bot:last-child figure")  # y-axis with the unit
        _assert_reply_start_visible(page)
        _ask(page, "explique minha última conta")
        _assert_reply_start_visible(page)
        _shot(page, "webchat-3-conta.png")
        _ask(page, "mostre a conta linha por linha")
        assert "TUSD" in page.inner_text("li.msg.bot:last-child .reply")
        _assert_reply_start_visible(page)
        _shot(page, "webchat-3b-conta-linhas.png")
        page.locator("li.msg.bot:last-child details.how summary").click()
        assert page.locator("li.msg.bot:last-child .detail").is_visible()
        assert not page.inner_text("li.msg.bot:last-child .detail").startswith("Como calculei")  # said once, on the button
        _ask(page, "faltou energia ontem?")
        _assert_reply_start_visible(page)
        _shot(page, "webchat-4-falta-de-energia.png")
        # a CPF typed in the conversation is masked in the bubble
        _ask(page, "meu cpf é 123.456.789-09")
        assert "123.456.789-09" not in page.inner_text("#log")


def test_long_text_states_the_limit_instead_of_cutting(demo_home, browser):
    port = free_port()
    settings = ChannelSettings(home=str(demo_home), public_url=f"http://127.0.0.1:{port}")
    with running_server(settings, port) as base:
        page = browser.new_page(viewport=PHONE)
        page.goto(base + "/")
        page.get_by_label("Sua mensagem").fill("a" * 2100)
        assert "limite é 2.000" in page.inner_text("#limit")
        page.keyboard.press("Enter")
        assert page.locator("li.msg.me").count() == 0  # nothing sent, nothing silently cut
        assert page.input_value("#text") == "a" * 2100


def test_stopped_server_shows_an_error_and_the_message_is_retried(demo_home, browser):
    port = free_port()
    settings = ChannelSettings(home=str(demo_home), public_url=f"http://127.0.0.1:{port}")
    with running_server(settings, port) as base:
        page = browser.new_page(viewport=PHONE)
        page.goto(base + "/")
    # the server is stopped: the message stays, with an error in words and a retry button
    page.get_by_label("Sua mensagem").fill("como funciona a tarifa branca?")
    page.keyboard.press("Enter")
    page.wait_for_selector("li.msg.me.failed", timeout=30_000)
    bubble = page.inner_text("li.msg.me.failed")
    assert "como funciona a tarifa branca?" in bubble and "Sem conexão" in bubble
    assert page.get_by_role("button", name="Tentar de novo").is_visible()
    with running_server(settings, port):
        page.get_by_role("button", name="Tentar de novo").click()
        _wait_reply(page, 0)
        assert page.locator("li.msg.me.failed").count() == 0
        assert page.locator("li.msg.me").count() == 1  # retried, not duplicated


def test_reply_markup_is_escaped_and_bold_rendered(demo_home, browser):
    """Only **x** becomes <strong>; any HTML in a reply or a citation stays text (the server is stubbed here)."""
    port = free_port()
    settings = ChannelSettings(home=str(demo_home), public_url=f"http://127.0.0.1:{port}")
    reply = {
        "session_id": "s-test", "reply": "Sua conta: **R$ 198,97**.\n<img src=x onerror=window.pwned=1>",
        "intent": "explain_bill", "tool_calls": [], "handoff": False, "refused": None, "latency_ms": 1.0,
        "suggestions": [], "detail": "", "identified": False, "charts": [], "engine": "offline",
        "citations": [{"source": "PRODIST Módulo 8", "title": "Falta de energia", "excerpt": "Cada unidade tem limites",
                       "article_id": "falta-de-energia-compensacao", "status": "confirmed"},
                      {"source": "PRODIST Módulo 8", "title": "", "excerpt": "", "status": "confirmed"}],
    }
    with running_server(settings, port) as base:
        page = browser.new_page(viewport=PHONE)
        page.route("**/v1/chat", lambda route: route.fulfill(status=200, content_type="application/json",
                                                              body=json.dumps(reply)))
        page.goto(base + "/")
        _ask(page, "explique minha conta")
        assert page.inner_text("li.msg.bot:last-child strong") == "R$ 198,97"
        assert "**" not in page.inner_text("#log")
        assert page.locator("li.msg.bot img").count() == 0 and not page.evaluate("window.pwned")
        links = page.locator("li.msg.bot:last-child .cites a")
        assert links.count() == 1  # the duplicate source is shown once
        page.unroute("**/v1/chat")
        href = links.first.get_attribute("href")
        assert href.startswith("/v1/knowledge/articles/falta-de-energia-compensacao?") and href.endswith("#citado")
        page.goto(base + href)
        cited = page.locator("#citado")
        assert cited.is_visible() and "Quando há compensação" in cited.inner_text()
        assert page.locator("main.article strong").count() >= 3 and "**" not in page.inner_text("main.article")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_money_never_wraps_between_the_currency_and_the_number(demo_home, browser):
    """Every "R$ 1.234,56" of a reply stays on one line at 360 px; the reply's text is unchanged."""
    port = free_port()
    settings = ChannelSettings(home=str(demo_home), public_url=f"http://127.0.0.1:{port}")
    # amounts after prefixes of every length from 1 to 40 letters: at 360 px some of them fall at a line end
    amounts = [f"R$ {k}.234,{k:02d}" for k in range(1, 41)]
    text = " ".join(f"{'x' * k} {a}" for k, a in enumerate(amounts, start=1))
    reply = {
        "session_id": "s-test", "reply": f"Sua conta: **-R$ 1.234,56** de crédito.\n{text}",
        "intent": "explain_bill", "tool_calls": [], "handoff": False, "refused": None, "latency_ms": 1.0,
        "suggestions": [], "detail": "", "identified": False, "charts": [], "engine": "offline", "citations": [],
    }
    split_js = """() => Array.from(document.querySelectorAll('li.msg.bot:last-child .reply .money'))
        .filter(s => s.getClientRects().length > 1).map(s => s.textContent)"""
    with running_server(settings, port) as base:
        page = browser.new_page(viewport=PHONE)
        page.route("**/v1/chat", lambda route: route.fulfill(status=200, content_type="application/json",
                                                              body=json.dumps(reply)))
        page.goto(base + "/")
        _ask(page, "explique minha conta")
        spans = page.locator("li.msg.bot:last-child .reply .money")
        assert spans.all_inner_texts() == ["-R$ 1.234,56", *amounts]  # each amount, sign and "R$" included
        assert page.inner_text("li.msg.bot:last-child strong") == "-R$ 1.234,56"  # bold still bold
        assert page.evaluate(split_js) == []  # no amount split over two lines
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        # the same text wraps inside amounts when the spans may wrap: the check above is not vacuous
        page.add_style_tag(content=".msg .money { white-space: normal !important; }")
        assert page.evaluate(split_js) != []


def test_docs_render_with_the_network_off(demo_home, browser):
    """/docs and /redoc draw the API from packaged assets: every request off this server is refused."""
    port = free_port()
    settings = ChannelSettings(home=str(demo_home), public_url=f"http://127.0.0.1:{port}")
    outside: list[str] = []

    def only_local(route: Any) -> None:
        url = route.request.url
        if url.startswith(f"http://127.0.0.1:{port}/") or url.startswith("data:") or url.startswith("blob:"):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    with running_server(settings, port) as base:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.route("**/*", only_local)
        page.goto(base + "/docs")
        page.wait_for_selector(".swagger-ui .opblock", timeout=60_000)
        assert page.locator(".swagger-ui .opblock").count() >= 15
        assert "Smart-meter assistant API" in page.inner_text(".swagger-ui .info")
        page.wait_for_selector(".swagger-ui .auth-wrapper .authorize", timeout=10_000)  # the X-API-Key scheme
        _shot(page, "docs-offline.png")
        page.goto(base + "/redoc")
        page.wait_for_selector(".api-content h2", timeout=60_000)
        assert "Ranking por DRP" in page.inner_text(".api-content")
        _shot(page, "redoc-offline.png")
    # nothing the pages need comes from outside; ReDoc's bundle only asks for its "powered by" logo (blocked, not drawn)
    assert [u for u in outside if not u.startswith("https://cdn.redoc.ly/redoc/logo")] == []
