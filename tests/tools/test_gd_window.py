"""Audit item 4: gd_credits gives every figure over one named window (the billing cycles shown).

Hand-worked: a GD II home exporting a flat 20 Wh every 15 minutes = 1,92 kWh a day, reading day
10. Asked for October 2026, the cycle read in October is shown; the injection is that cycle's
(1,92 kWh x its days), not the 31 calendar days of October (59,52 kWh).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

from tests.tools.quality_helpers import installation_row, load_profile_frame, small_store
from tools.api.context import Scope, ToolContext, run_tool
from tools.data.store import Store

D = Decimal


@pytest.fixture()
def gd_store(tmp_path):  # type: ignore[no-untyped-def]
    row = installation_row(
        "UC-S", cycle_day=10, gd_kind="local", gd_class="GD2", gd_kwp=3.0, gd_since=dt.date(2024, 1, 1)
    )
    lp = load_profile_frame("UC-S", "2026-08-01", "2026-11-25 23:45", 100)
    lp["export_wh"] = pd.array([20] * len(lp), dtype="Int32")
    with small_store(tmp_path / "home", [row], {"load_profile": lp}) as store:
        yield store


def test_gd_credits_one_window_for_every_figure(gd_store: Store) -> None:
    ctx = ToolContext(gd_store, Scope.customer("UC-S"), today=dt.date(2026, 11, 26))
    r = run_tool("gd_credits", ctx, "UC-S", {"period": {"start": "2026-10-01", "end": "2026-10-31"}})
    v = r.value
    (c,) = v.cycles
    assert c.start <= dt.date(2026, 10, 1) <= c.end  # the cycle read in October began in September
    days = (c.end - c.start).days + 1
    assert (v.period_start, v.period_end) == (c.start, c.end)
    assert (v.asked_start, v.asked_end) == (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert c.injected_kwh == D("1.92") * days
    assert v.injected_in_period_kwh == D("1.92") * days  # not 31 x 1,92 = 59,52
    assert v.balance_as_of is not None and v.balance_as_of > c.end
