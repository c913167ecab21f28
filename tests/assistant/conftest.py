"""Assistant fixtures: a tiny store for identification/policy tests, and the demo store with a
knowledge index for the evaluation, privacy sweep and LLM-engine tests."""

from __future__ import annotations

import datetime as dt
import os
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


@pytest.fixture(scope="session")
def kb_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The knowledge index, built once (the demo store is built with knowledge=False).

    ``SMARTMETER_TEST_KNOWLEDGE_HOME`` keeps the index between runs (the build is incremental
    there). An index without chunks is a failure, never a reason to skip the tests that use it.
    """
    from assistant.admin import build_knowledge_index

    kept = os.environ.get("SMARTMETER_TEST_KNOWLEDGE_HOME")
    home = Path(kept) if kept else tmp_path_factory.mktemp("assistant-kb")
    report = build_knowledge_index(home)
    assert report.get("chunks"), f"the knowledge index has no chunks: {report}"
    return home


@pytest.fixture(scope="session")
def demo_deps(
    demo_home: Path, demo_store, kb_home: Path, tmp_path_factory: pytest.TempPathFactory
) -> AssistantDeps:  # type: ignore[no-untyped-def]
    """Deps over the shared demo store; audit log and sessions kept out of the shared home."""
    home = tmp_path_factory.mktemp("assistant-home")
    deps = AssistantDeps(home=home, store=demo_store, sessions=SessionStore())
    from assistant.knowledge_tool import make_retriever

    deps._retriever = make_retriever(kb_home)
    return deps


@pytest.fixture(scope="session")
def demo_assistant(demo_deps: AssistantDeps) -> Assistant:
    return Assistant(demo_deps)
