"""The published OpenAPI contract against the live app (a real uvicorn server), with schemathesis.

Every operation gets a bounded number of generated requests, valid (positive) and invalid
(negative); the app must answer none of them with a server error and every status it answers must
be documented for that operation.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from channels.apikeys import ApiKeyStore
from channels.config import ChannelSettings
from tests.channels.server import free_port, running_server
from tests.tiny import build_tiny

EXAMPLES_PER_MODE = 3  # per operation and mode: the work is bounded by the count, not by a clock


def _runner(strategy: object, label: str, base: str, key: str, calls: list[int], failures: list[str]) -> None:
    """Run ``EXAMPLES_PER_MODE`` generated requests of one operation and mode; collect the failures."""

    @given(case=strategy)
    @settings(max_examples=EXAMPLES_PER_MODE, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case: schemathesis.Case) -> None:
        calls.append(1)
        try:
            case.call_and_validate(base_url=base, headers={"X-API-Key": key},
                                   checks=[not_a_server_error, status_code_conformance], timeout=60)
        except BaseException as exc:  # noqa: BLE001 - schemathesis raises a group: collected below
            if isinstance(exc, KeyboardInterrupt):
                raise
            failures.append(f"{label}: {' '.join(str(exc).split())[:300]}")

    try:
        run()
    except Unsatisfiable:  # no parameters to make invalid (e.g. GET /healthz has none)
        pass
    except Exception as exc:  # noqa: BLE001 - e.g. a strategy that cannot generate
        failures.append(f"{label} generation: {type(exc).__name__}: {str(exc)[:200]}")


def _fuzz(base: str, key: str) -> tuple[int, list[str]]:
    schema = schemathesis.openapi.from_url(base + "/openapi.json")
    calls: list[int] = []
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            _runner(operation.as_strategy(generation_mode=mode), f"{operation.label} [{mode}]", base, key, calls,
                    failures)
    return len(calls), failures


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    home: Path = build_tiny(tmp_path_factory.mktemp("schemathesis"))
    key = ApiKeyStore(home).create("ops", "operator")
    port = free_port()
    settings_ = ChannelSettings(home=str(home), public_url=f"http://127.0.0.1:{port}",
                                twilio_auth_token="schemathesis-twilio-token-0123", media_secret="schemathesis-media-0123",
                                rate_anonymous_per_min=100_000, rate_per_key_per_min=100_000, rate_per_phone_per_min=100_000)
    with running_server(settings_, port) as base:
        yield base, key


def test_no_server_errors_and_no_undocumented_statuses(live) -> None:  # type: ignore[no-untyped-def]
    base, key = live
    calls, failures = _fuzz(base, key)
    assert calls > 50
    assert not failures, "\n".join(failures[:30])
