"""The goal card in the web chat, in a real headless Chromium at phone width (360 px): the week-3
scenario's customer (40010049, goal R$ 190,00) asks how the goal is going.
``SMARTMETER_SCREENSHOT_DIR=docs/screenshots`` saves ``webchat-5-meta.png``."""

from __future__ import annotations

import pytest

from channels.config import ChannelSettings
from tests.channels.server import free_port, running_server
from tests.channels.test_webchat import PHONE, _ask, _assert_reply_start_visible, _shot, browser  # noqa: F401
from tools.api.admin import open_store

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def test_goal_progress_card_at_phone_width(demo_home, browser):  # noqa: F811 (the imported fixture)
    store = open_store(demo_home, read_only=True)
    cpf = store.rows("SELECT cpf FROM customers WHERE installation_id = '40010049'")[0][0]
    port = free_port()
    settings = ChannelSettings(home=str(demo_home), public_url=f"http://127.0.0.1:{port}", rate_anonymous_per_min=1000)
    with running_server(settings, port) as base:
        page = browser.new_page(viewport=PHONE)
        page.goto(base + "/")
        page.get_by_label("Número da instalação").fill("40010049")
        page.get_by_label("4 últimos dígitos do CPF do titular").fill(cpf[-4:])
        page.get_by_role("button", name="Identificar").click()
        page.wait_for_selector("#ident", state="hidden", timeout=30_000)
        _ask(page, "tô dentro da meta?")
        reply = page.inner_text("li.msg.bot:last-child .reply")
        assert reply.startswith("Não, no ritmo atual você passa da meta de R$ 190,00")
        card = page.locator("li.msg.bot:last-child svg.goal-card")
        assert card.count() == 1
        text = page.evaluate("document.querySelector('li.msg.bot:last-child svg.goal-card').textContent")
        for fig in ("Meta do ciclo: R$ 190,00", "No ritmo atual, passa da meta", "Gasto até agora: R$ 108,31 (57% do ciclo)",
                    "Projeção para a leitura: R$ 191,13", "Faixa provável: R$ 165,57 a R$ 200,42",
                    "Cabe por dia até a leitura: R$ 6,28"):
            assert fig in text, fig
        box = card.bounding_box()
        assert box is not None and box["width"] <= PHONE["width"]
        _assert_reply_start_visible(page)
        card.scroll_into_view_if_needed()
        _shot(page, "webchat-5-meta.png")
