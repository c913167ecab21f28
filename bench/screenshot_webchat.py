"""Screenshot of the web chat at phone size after identifying the demo customer and asking a question.

    .venv/bin/python bench/screenshot_webchat.py --home .smartmeter --out docs/screenshots/webchat-phone.png
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from channels.config import ChannelSettings  # noqa: E402
from tests.channels.server import CHROMIUM_FLAGS, free_port, running_server  # noqa: E402
from tools.api.admin import demo_metadata  # noqa: E402

FLAGS = CHROMIUM_FLAGS


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--home", default=".smartmeter")
    ap.add_argument("--out", default="docs/screenshots/webchat-phone.png")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    cust = demo_metadata(args.home)["demo_customer"]
    port = free_port()
    settings = ChannelSettings(home=args.home, public_url=f"http://127.0.0.1:{port}")
    with running_server(settings, port) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), headless=True, args=FLAGS)
        page = browser.new_page(viewport={"width": 360, "height": 800})
        page.goto(base + "/")
        page.get_by_label("Número da instalação").fill(cust["installation_id"])
        page.get_by_label("4 últimos dígitos do CPF do titular").fill(cust["cpf_last4"])
        page.get_by_role("button", name="Identificar").click()
        page.wait_for_selector("#ident", state="hidden", timeout=30_000)
        for q in ("quanto consumi nos últimos 7 dias?",):
            n = page.locator("li.msg.bot").count()
            page.get_by_label("Sua mensagem").fill(q)
            page.keyboard.press("Enter")
            page.wait_for_function(f"document.querySelectorAll('li.msg.bot').length > {n}", timeout=30_000)
        page.locator("li.msg.bot summary").last.click()
        page.screenshot(path=args.out, full_page=True)
        browser.close()
    print(f"screenshot: {args.out}")


if __name__ == "__main__":
    main()
