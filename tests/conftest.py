"""Shared fixtures: a real DuckDB store built once per session from the seeded demo fleet."""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ["SMARTMETER_ALLOW_LLM"] = "0"

DEMO_TODAY = dt.date(2026, 11, 26)  # demo fleet ends on 2026-11-25 (contracts.md)


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A demo home (store + lake) with the small test fleet, built once.

    A read-write connection is held for the whole session: DuckDB allows one configuration per
    file in a process, and later read-only opens (servers, the copilot) share this one.
    """
    from tools.api.admin import build_demo, open_store

    home = tmp_path_factory.mktemp("home")
    build_demo(home, meters=60, months=13, seed=7)
    store = open_store(home)
    _HELD[home] = store
    yield home
    _HELD.pop(home, None)
    store.close()


_HELD: dict[Path, object] = {}


MDM_EXPORTS = Path(__file__).parent / "fixtures" / "mdm_exports"


@pytest.fixture()
def mdm_exports() -> Path:
    """Small hand-made MDM exports, including malformed rows (see tests/data/test_ingest.py)."""
    return MDM_EXPORTS


@pytest.fixture()
def fresh_home(tmp_path: Path) -> Path:
    """An empty store home (the store is created on first open)."""
    return tmp_path / "home"


@pytest.fixture(scope="session")
def demo_store(demo_home: Path):  # type: ignore[no-untyped-def]
    """The session's read-write store over the demo home (shared, never closed by tests)."""
    return _HELD[demo_home]



@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Block outbound network; loopback stays allowed (real servers in API tests)."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in ("127.0.0.1", "localhost", "::1") and not host.startswith("/"):
            raise OSError(f"network blocked in tests: {host}")
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)
