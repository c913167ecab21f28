"""Run the real FastAPI app on uvicorn in a background thread, on a free port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn

from channels.config import ChannelSettings
from channels.rest.app import create_app

#: Debian Chromium headless in a closed sandbox (no background networking, no first-run work)
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(settings: ChannelSettings, port: int | None = None) -> Iterator[str]:
    port = port or free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180  # start-up trains the routers: slow on a loaded 2-core machine
    while True:
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if not thread.is_alive() or time.monotonic() > deadline:  # uvicorn gave up, or start-up hung
            break
        time.sleep(0.1)
    if not server.started:
        server.should_exit = True
        thread.join(timeout=10)
        raise RuntimeError(f"the test server at {base} did not start")
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)
