"""A tiny real store (two installations, their titulars) for identification and policy tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from assistant import Assistant, AssistantDeps
from assistant.session import SessionStore
from tests.tiny import tiny_home  # noqa: F401  (fixture)
from tools.api.admin import open_store


@pytest.fixture()
def tiny_assistant(tiny_home: Path) -> Assistant:  # noqa: F811 (the imported fixture)
    store = open_store(tiny_home)
    deps = AssistantDeps(home=tiny_home, store=store, sessions=SessionStore(), today=dt.date(2026, 11, 26))
    return Assistant(deps)
