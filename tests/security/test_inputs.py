"""M3/M5 bad dates and horizons → InvalidPeriod / 422 naming the field; M4 personal data in logs."""

from __future__ import annotations

import datetime as dt
import json
import stat
from pathlib import Path

import httpx
import pytest

from assistant import Assistant, AssistantDeps, ChatRequest
from assistant.masking import mask
from channels.apikeys import ApiKeyStore
from channels.config import ChannelSettings
from tests.channels.server import running_server
from tests.tiny import build_tiny
from tools.api import Scope, ToolContext, run_tool
from tools.api.admin import open_store
from tools.api.arg_guard import check_period
from tools.errors import InvalidArguments, InvalidPeriod

TODAY = dt.date(2026, 11, 26)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny(tmp_path_factory.mktemp("inputs"))


@pytest.fixture(scope="module")
def ctx(home: Path) -> ToolContext:
    return ToolContext(store=open_store(home, read_only=True), scope=Scope.operator(), today=TODAY)


@pytest.mark.parametrize(("tool", "args", "field"), [
    ("explain_bill", {"reference": "2026-13"}, "reference"),
    ("explain_bill", {"reference": "0000-01"}, "reference"),
    ("explain_bill", {"reference": "9999-12"}, "reference"),
    ("explain_bill", {"reference": "1970-01"}, "reference"),
    ("events_summary", {"period": "2026-02-29"}, "period"),
    ("events_summary", {"period": "2026-02-30"}, "period"),
    ("voltage_quality", {"period": "2026-11-31"}, "period"),
    ("gd_credits", {"period": "9999-12"}, "period"),
    ("tariff_flag", {"period": "0000-01"}, "period"),
    ("quality_ranking", {"period": "last_0_days"}, "period"),
    ("consumption_summary", {"period": ["2026-10", "2026-13"]}, "period[1]"),  # each of two periods
    ("storage_cost", {"eval_month": "1900-01"}, "eval_month"),
    ("storage_cost", {"eval_month": "9999-12"}, "eval_month"),
])
def test_bad_dates_are_invalid_period_naming_the_field(ctx: ToolContext, tool: str, args: dict, field: str) -> None:
    with pytest.raises(InvalidPeriod) as exc:
        run_tool(tool, ctx, "40010001", args)
    assert exc.value.context["field"] == field


class _UntouchableStore:
    """A store that fails the test on any use: a refusal must come before any query (M5)."""

    def __init__(self) -> None:
        self.touched: list[str] = []

    def __getattr__(self, name: str) -> object:
        self.touched.append(name)
        raise AssertionError(f"the store was used ({name}) before the period was checked")


@pytest.mark.parametrize(("tool", "args"), [
    ("explain_bill", {"reference": "9999-12"}),
    ("voltage_quality", {"period": "2026-11-31"}),
    ("quality_ranking", {"period": "last_0_days"}),
    ("storage_cost", {"eval_month": "1900-01"}),
    ("consumption_summary", {"period": ["2026-10", "2026-13"]}),
])
def test_bad_dates_are_refused_before_any_query(tool: str, args: dict) -> None:
    # M5: a far horizon once scanned years of readings (44 s and more) before failing; the guard
    # must refuse it without reading anything, whatever the size of the store
    store = _UntouchableStore()
    ctx = ToolContext(store=store, scope=Scope.operator(), today=TODAY)  # type: ignore[arg-type]
    with pytest.raises(InvalidPeriod):
        run_tool(tool, ctx, "40010001", args)
    assert store.touched == []


@pytest.mark.parametrize("group", ["Z", ""])
def test_unknown_group_is_invalid_arguments(ctx: ToolContext, group: str) -> None:
    with pytest.raises(InvalidArguments) as exc:
        run_tool("data_completeness", ctx, None, {"group": group})
    assert exc.value.context["field"] == "group"


def test_valid_dates_still_pass(ctx: ToolContext) -> None:
    run_tool("tariff_flag", ctx, "40010001", {"period": "2026-10"})
    run_tool("tariff_flag", ctx, "40010001", {"period": "2024-02-29"})  # a real leap day
    # labels the tool resolves itself, and two periods to compare, are not refused by the guard
    run_tool("tariff_flag", ctx, "40010001", {"period": "next_month"})
    for period in ("current_cycle", "last_bill", ["2026-10", "2026-08"]):
        check_period("period", period, TODAY)  # raises InvalidPeriod if refused


def test_rest_bad_dates_are_422_problems(home: Path) -> None:
    op = ApiKeyStore(home).create("ops", "operator")
    with running_server(ChannelSettings(home=str(home))) as base:
        h = {"X-API-Key": op}
        for path, params, field in [
            ("/v1/installations/40010001/bills/2026-13/explanation", {}, "ref"),
            ("/v1/installations/40010001/bills/1970-01/explanation", {}, "reference"),
            ("/v1/installations/40010001/bills/9999-12/explanation", {}, "reference"),
            ("/v1/installations/40010001/consumption", {"period": "2026-02-30"}, "period"),
            ("/v1/installations/40010001/consumption", {"period": "2026-11-31"}, "period"),
            ("/v1/installations/40010001/consumption", {"period": "2026-02-29"}, "period"),
        ]:
            r = httpx.get(base + path, params=params, headers=h, timeout=60)
            assert r.status_code in (404, 422), (path, params, r.status_code, r.text[:300])
            assert r.headers["content-type"].startswith("application/problem+json")
            if r.status_code == 422 and field:
                assert r.json()["errors"][0]["field"] == field
        r = httpx.post(base + "/v1/costs/estimate", json={"eval_month": "9999-12"}, headers=h, timeout=60)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "eval_month", r.text[:300]
        r = httpx.post(base + "/v1/costs/estimate", json={"eval_month": "1900-01"}, headers=h, timeout=60)
        assert r.status_code == 422


# ---------------------------------------------------------------- M4
def test_masking_catches_what_was_logged_in_clear() -> None:
    for text, secret in [
        ("529 982 247 25", "982"), ("529.982.247/25", "982"), ("meu cep é 13010-111", "13010"),
        ("minha chave sm_abcd1234_AbCdEfGhIjKlMnOpQrStUvWx12", "AbCdEf"),
        ("token 0123456789abcdef0123456789abcdef", "0123456789abcdef"),
        ("aqui é a Joana Silva", "Joana"), ("4725", "4725"),
    ]:
        assert secret not in mask(text), text


def test_cpf_digits_never_reach_the_audit_log_or_history(tmp_path: Path) -> None:
    home = build_tiny(tmp_path)
    a = Assistant(AssistantDeps.from_home(home))
    r = a.chat(ChatRequest(text="minha instalação é 40010002", binding="rest:anonymous"))
    r = a.chat(ChatRequest(text="7735", session_id=r.session_id, binding="rest:anonymous"))
    assert r.identified
    a.chat(ChatRequest(text="x" * 1_000_000, session_id=r.session_id, binding="rest:anonymous"))
    audit = (home / "logs" / "audit.jsonl").read_text()
    assert "7735" not in audit
    assert max(len(json.loads(line)["text"]) for line in audit.splitlines()) <= 2000
    state = a.deps.sessions.load(r.session_id, binding="rest:anonymous")
    assert state.history and "7735" not in json.dumps(state.history)
    for name in ("logs/audit.jsonl", "assistant.sqlite"):
        assert stat.S_IMODE((home / name).stat().st_mode) == 0o600, name
    sids = {json.loads(line)["session_id"] for line in audit.splitlines()}
    assert all(s.startswith("s-") for s in sids)
