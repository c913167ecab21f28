"""The web chat in a real headless Chromium at phone size: identify, ask, see the tool's figure."""

from __future__ import annotations

import shutil

import pytest

from channels.config import ChannelSettings
from tests.channels.server import CHROMIUM_FLAGS, free_port, running_server
from tools.api import Scope, ToolContext, run_tool
from tools.api.admin import demo_metadata, open_store

pytestmark = [pytest.mark.browser, pytest.mark.integration]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = CHROMIUM_FLAGS


@pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium not installed (.ci/run installs it)")
def test_phone_sized_webchat_identifies_and_answers(demo_home, tmp_path):
    from playwright.sync_api import sync_playwright

    meta = demo_metadata(demo_home)
    cust = meta["demo_customer"]
    store = open_store(demo_home, read_only=True)
    expected = run_tool("consumption_summary", ToolContext(store=store, scope=Scope.operator()), cust["installation_id"],
                        {"period": "yesterday"})
    kwh = f"{float(expected.value.total_kwh):.1f}".replace(".", ",") + " kWh"
    port = free_port()
    settings = ChannelSettings(home=str(demo_home), public_url=f"http://127.0.0.1:{port}")
    with running_server(settings, port) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        page = browser.new_page(viewport={"width": 360, "height": 740})
        page.goto(base + "/")
        page.get_by_label("Número da instalação").fill(cust["installation_id"])
        page.get_by_label("4 últimos dígitos do CPF do titular").fill(cust["cpf_last4"])
        page.get_by_role("button", name="Identificar").click()
        page.wait_for_selector("#ident", state="hidden", timeout=30_000)  # the form hides once identified
        assert "identificação confirmada" in page.inner_text("#log")
        page.get_by_label("Sua mensagem").fill("quanto consumi ontem?")
        page.keyboard.press("Enter")
        page.wait_for_selector(f"text={kwh}", timeout=30_000)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no horizontal scroll on a phone
        page.locator("li.msg.bot summary").last.click()
        assert page.locator("li.msg.bot .detail").last.is_visible()
        page.screenshot(path=str(tmp_path / "webchat-phone.png"), full_page=True)
        browser.close()
    assert (tmp_path / "webchat-phone.png").stat().st_size > 5_000
