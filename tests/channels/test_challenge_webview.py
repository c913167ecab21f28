"""The challenge in the web chat, at phone size in headless Debian Chromium: the shower-challenge
home of the demo (40010048, docs/scenarios.md) identifies itself and asks how the challenge is
going; the answer comes first and in view, with the working behind "Como calculei".

``SMARTMETER_SCREENSHOT_DIR=docs/screenshots`` saves ``webchat-5-desafio.png`` and
``webchat-5b-desafio-calculo.png``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from channels.config import ChannelSettings
from tests.channels.server import CHROMIUM_FLAGS, free_port, running_server
from tests.channels.test_webchat import PHONE, _ask, _assert_reply_start_visible, _shot
from tools.api.admin import open_store

pytestmark = [pytest.mark.browser, pytest.mark.integration]
CHALLENGER = "40010048"


@pytest.fixture()
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.fail("Debian chromium is not installed: `apt-get install -y chromium`")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_FLAGS)
        yield b
        b.close()


def test_challenge_status_in_the_web_chat(demo_home, browser) -> None:  # type: ignore[no-untyped-def]
    store = open_store(demo_home, read_only=True)
    cpf = str(store.rows("SELECT cpf FROM customers WHERE installation_id = ?", [CHALLENGER])[0][0])
    port = free_port()
    settings = ChannelSettings(home=str(demo_home), public_url=f"http://127.0.0.1:{port}", rate_anonymous_per_min=1000)
    with running_server(settings, port) as base:
        page = browser.new_page(viewport=PHONE)
        page.goto(base + "/")
        page.get_by_label("Número da instalação").fill(CHALLENGER)
        page.get_by_label("4 últimos dígitos do CPF do titular").fill(cpf[-4:])
        page.get_by_role("button", name="Identificar").click()
        page.wait_for_selector("#ident", state="hidden", timeout=30_000)
        _ask(page, "como tô no desafio?")
        reply = page.inner_text("li.msg.bot:last-child .reply")
        assert reply.startswith("Você cumpriu o desafio da semana fora da ponta: de 16/11/2026 a 22/11/2026")
        assert "R$" in reply and "desafio do chuveiro" in reply
        _assert_reply_start_visible(page)
        _shot(page, "webchat-5-desafio.png")
        page.locator("li.msg.bot:last-child details.how summary").click()
        detail = page.inner_text("li.msg.bot:last-child .detail")
        assert "Tarifa Branca" in detail
        page.locator("li.msg.bot:last-child .detail").evaluate("e => e.scrollIntoView({block: 'start'})")
        _shot(page, "webchat-5b-desafio-calculo.png")
