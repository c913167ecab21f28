"""LGPD in the tool layer: a customer sees only the identified installation, whatever the arguments."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tests.lake import insert_installations, with_load_profile_columns, write_lake
from tools.api import Scope, ToolContext, run_tool
from tools.api import consumption as api
from tools.api.admin import open_store
from tools.data import schema
from tools.data.store import Store
from tools.errors import ForbiddenInstallation, InvalidArguments, NotIdentified, UnknownInstallation

TODAY = dt.date(2026, 11, 26)
TOOLS = ("consumption_summary", "consumption_profile", "appliance_breakdown", "efficiency_tips")
ARGS: tuple[dict[str, Any], ...] = (
    {},
    {"period": "yesterday"},
    {"period": {"start": "2026-11-16", "end": "2026-11-25"}},
    {"installation_id": "A"},  # trying to smuggle an id through the arguments
    {"installation_id": "B"},
    {"period": "not-a-period"},
    {"appliance": "geladeira"},
)


def _store(home: Path) -> Store:
    store = open_store(home)
    rows = []
    frames = []
    ts = pd.date_range("2026-11-10", "2026-11-25 23:45", freq="15min")
    for iid, wh in (("A", 25), ("B", 60)):
        row: dict[str, object] = dict.fromkeys(schema.INSTALLATION_COLUMNS)
        row.update(
            installation_id=iid,
            group_code="B",
            subgroup="B1",
            customer_class="residencial",
            phases=1,
            tariff_modality="convencional",
            gd_kind="none",
            gd_kwp=0.0,
            distributor="CPFL_PAULISTA",
            cycle_day=10,
            interval_min=15,
        )
        rows.append(row)
        w = np.full(len(ts), wh) + np.where((ts.hour == 19) & (ts.minute == 0), 900, 0)
        df = pd.DataFrame(
            {"installation_id": iid, "ts": ts, "interval_min": 15, "import_wh": w, "export_wh": 0}
        )
        frames.append(with_load_profile_columns(df))
    insert_installations(store, rows)
    write_lake(home, "load_profile", pd.concat(frames, ignore_index=True))
    store.refresh_views()
    return store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    s = _store(tmp_path_factory.mktemp("scope"))
    yield s
    s.close()


@pytest.mark.parametrize("tool", TOOLS)
@pytest.mark.parametrize("args", ARGS)
def test_other_installation_is_forbidden_whatever_the_args(
    store: Store, tool: str, args: dict[str, Any]
) -> None:
    ctx = ToolContext(store=store, scope=Scope.customer("A"), today=TODAY)
    with pytest.raises(ForbiddenInstallation):
        run_tool(tool, ctx, "B", args)


@pytest.mark.parametrize("tool", TOOLS)
def test_id_in_arguments_is_rejected_not_followed(store: Store, tool: str) -> None:
    ctx = ToolContext(store=store, scope=Scope.customer("A"), today=TODAY)
    with pytest.raises(InvalidArguments):
        run_tool(tool, ctx, "A", {"installation_id": "B"})


@pytest.mark.parametrize("tool", TOOLS)
def test_anonymous_and_missing_installation(store: Store, tool: str) -> None:
    with pytest.raises(NotIdentified):
        run_tool(tool, ToolContext(store=store, scope=Scope.anonymous(), today=TODAY), "A", {})
    with pytest.raises(NotIdentified):
        run_tool(tool, ToolContext(store=store, scope=Scope.customer("A"), today=TODAY), None, {})


def test_operator_gets_unknown_installation(store: Store) -> None:
    with pytest.raises(UnknownInstallation):
        run_tool(
            "consumption_summary", ToolContext(store=store, scope=Scope.operator(), today=TODAY), "ZZ", {}
        )


@pytest.mark.parametrize(
    ("fn", "model"),
    [
        (api.consumption_summary, api.ConsumptionSummaryArgs),
        (api.consumption_profile, api.ConsumptionProfileArgs),
        (api.appliance_breakdown, api.ApplianceBreakdownArgs),
        (api.efficiency_tips, api.EfficiencyTipsArgs),
    ],
)
def test_tool_functions_check_scope_themselves(store: Store, fn: Any, model: Any) -> None:
    ctx = ToolContext(store=store, scope=Scope.customer("A"), today=TODAY)
    with pytest.raises(ForbiddenInstallation):
        fn(ctx, "B", model())


@pytest.mark.parametrize("tool", TOOLS)
def test_own_installation_answers_without_naming_others(store: Store, tool: str) -> None:
    ctx = ToolContext(store=store, scope=Scope.customer("A"), today=TODAY)
    r = run_tool(tool, ctx, "A", {"period": {"start": "2026-11-16", "end": "2026-11-25"}})
    text = json.dumps(r.to_dict())
    assert r.provenance.installation_id == "A"
    assert '"B"' not in text
