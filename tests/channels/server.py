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
    for _ in range(200):
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if not thread.is_alive():  # uvicorn gave up (port taken, app failed to start)
            break
        time.sleep(0.05)
    else:
        server.should_exit = True
        raise RuntimeError(f"the test server at {base} never answered /healthz")
    if not server.started:
        server.should_exit = True
        thread.join(timeout=10)
        raise RuntimeError(f"the test server at {base} did not start")
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)
