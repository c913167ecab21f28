"""Screenshots of the running operator copilot with headless Chromium (playwright + Debian chromium).

    .venv/bin/python bench/screenshot_copilot.py --home /tmp/copilot_home [--out docs/screenshots]

Starts ``streamlit run operator_ui/streamlit_app.py`` on a free port with ``SMARTMETER_HOME``,
asks one question on the Copiloto page (home) and opens every other page, saving
``copilot-home.png`` and ``copilot-<page>.png`` (quality, compensation, events, completeness, costs,
service). Never downloads a browser: it uses
``/usr/bin/chromium`` (``playwright install`` is not needed).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
sys.path.insert(0, str(ROOT))
from tests.channels.server import CHROMIUM_FLAGS as ARGS  # noqa: E402
from tests.channels.server import free_port  # noqa: E402

QUESTION = "Quais transformadores tiveram mais violações de DRP na última semana?"
#: every other page (URL path, whether it draws a chart); the service page shows the newest case
PAGES = (
    ("quality", True),
    ("compensation", True),
    ("events", True),
    ("completeness", True),
    ("costs", True),
    ("service", False),
)


def wait_healthy(url: str, timeout: float = 90.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("streamlit did not start")


def wait_idle(page: object, timeout_ms: int = 120_000) -> None:
    """Wait until Streamlit has finished the script run (no running status widget)."""
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout_ms
    )
    page.wait_for_timeout(1500)  # type: ignore[attr-defined]  # charts draw after the run


def fit_and_save(page: object, path: Path, max_height: int = 3200) -> None:
    """Grow the viewport to the app's content height (Streamlit scrolls an inner container), then save."""
    height = page.evaluate(  # type: ignore[attr-defined]
        "() => { const b = document.querySelector('[data-testid=\"stMainBlockContainer\"]');"
        " return b ? b.scrollHeight + 160 : 1000; }"
    )
    page.set_viewport_size({"width": 1440, "height": min(int(height) + 40, max_height)})  # type: ignore[attr-defined]
    page.wait_for_timeout(1500)  # type: ignore[attr-defined]
    page.screenshot(path=str(path))  # type: ignore[attr-defined]


def shoot(url: str, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000}, locale="pt-BR")
        page.goto(url, wait_until="domcontentloaded")
        page.wait_for_selector("[data-testid='stChatInput'] textarea", timeout=120_000)
        wait_idle(page)
        box = page.locator("[data-testid='stChatInput'] textarea")
        box.fill(QUESTION)
        box.press("Enter")
        page.wait_for_selector("[data-testid='stExpander']", timeout=120_000)
        page.wait_for_selector("[data-testid='stVegaLiteChart']", timeout=120_000)
        wait_idle(page)
        target = out / "copilot-home.png"
        fit_and_save(page, target)
        saved.append(target)
        for name, charted in PAGES:
            page.set_viewport_size({"width": 1440, "height": 1000})
            page.goto(f"{url}/{name}", wait_until="domcontentloaded")
            page.wait_for_selector("[data-testid='stMainBlockContainer'] h1", timeout=120_000)
            if charted:
                page.wait_for_selector("[data-testid='stVegaLiteChart']", timeout=120_000)
            wait_idle(page)
            target = out / f"copilot-{name}.png"
            fit_and_save(page, target)
            saved.append(target)
        browser.close()
    return saved


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", default=os.environ.get("SMARTMETER_HOME", "/tmp/copilot_home"))
    ap.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = ap.parse_args()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, SMARTMETER_HOME=str(Path(args.home).resolve()))
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ROOT / "operator_ui" / "streamlit_app.py"),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--client.toolbarMode",
        "viewer",
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_healthy(url)
        t0 = time.perf_counter()
        for path in shoot(url, Path(args.out)):
            print(f"saved {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")  # noqa: T201
        print(f"screenshots took {time.perf_counter() - t0:.1f} s")  # noqa: T201
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
