"""A real ``smartmeter serve`` process (uvicorn, one worker) on a free port, for end-to-end tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.channels.server import free_port

TWILIO_TOKEN = "e2e-twilio-token-0123456789abcdef"
MEDIA_SECRET = "e2e-media-secret-0123456789abcdef"


@contextmanager
def serve_process(home: Path, env: dict[str, str] | None = None, cwd: Path | None = None,
                  extra_args: tuple[str, ...] = ()) -> Iterator[str]:
    """Start ``smartmeter --home HOME serve`` and yield its base URL; stop it (by pid) afterwards."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    full_env = dict(os.environ, SMARTMETER_TWILIO_AUTH_TOKEN=TWILIO_TOKEN, SMARTMETER_MEDIA_SECRET=MEDIA_SECRET,
                    SMARTMETER_PUBLIC_URL=base, PYTHONPATH=os.pathsep.join(sys.path))
    full_env.update(env or {})
    cmd = [sys.executable, "-c", "from channels.cli import main; main()", "--home", str(home), "serve",
           "--port", str(port), "--workers", "1", *extra_args]
    proc = subprocess.Popen(cmd, env=full_env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                out = proc.stdout.read().decode() if proc.stdout else ""
                raise RuntimeError(f"serve exited with {proc.returncode}: {out[-2000:]}")
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("serve did not come up")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
