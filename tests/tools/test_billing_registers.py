"""Audit item 2: a bill reads the billing registers, not the sum of the intervals received.

A meter that missed a whole day of 15-minute intervals still advances its cumulative register
(REN 1.000/2021 art. 284; regulation.md 1.4). Hand-worked: flat 100 Wh per 15 minutes = 9,6 kWh
a day; the register at 00:00 of each day is 1.000.000 Wh + 9.600 Wh per day since 01/09/2026.
"""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal

import pandas as pd
import pytest

from tests.tools.quality_helpers import installation_row, load_profile_frame, small_store
from tools.api.context import Scope, ToolContext, run_tool
from tools.data.store import Store

D = Decimal
GAP_DAY = dt.date(2026, 10, 20)
FIRST = dt.date(2026, 9, 1)


def _registers(iid: str, days: int) -> pd.DataFrame:
    ts = [dt.datetime.combine(FIRST + dt.timedelta(days=k), dt.time()) for k in range(days)]
    return pd.DataFrame(
        {
            "installation_id": iid,
            "ts": ts,
            "register": "003",
            "posto": "total",
            "value_wh": [1_000_000 + 9_600 * k for k in range(days)],
        }
    )


@pytest.fixture()
def gap_store(tmp_path):  # type: ignore[no-untyped-def]
    lp = load_profile_frame("UC-G", "2026-09-01", "2026-11-25 23:45", 100)
    lp = lp[pd.to_datetime(lp["ts"]).dt.date != GAP_DAY]  # one day of intervals never arrived
    tables = {"load_profile": lp, "billing_registers": _registers("UC-G", 87)}  # 01/09 .. 26/11 00:00
    with small_store(tmp_path / "home", [installation_row("UC-G", phases=1, cycle_day=10)], tables) as store:
        yield store


def test_bill_with_a_gap_uses_the_register_delta(gap_store: Store) -> None:
    ctx = ToolContext(gap_store, Scope.customer("UC-G"), today=dt.date(2026, 11, 26))
    r = run_tool("explain_bill", ctx, "UC-G", {"reference": "last_bill"})
    v = r.value
    assert v.start <= GAP_DAY <= v.end
    days = (v.end - v.start).days + 1
    assert days == v.days
    # register: 9,6 kWh x days (the gap day included); the intervals alone lack 9,6 kWh
    assert v.consumption_kwh == D("9.6") * days
    ((tusd,),) = [[ln for ln in v.lines if ln.key == "billing.component.tusd"]]
    assert tusd.quantity == D("9.6") * days
    assert "billing.step.register_delta" in [s.key for s in r.trail]
    assert "issue.billing.missing_readings" not in [i.code for i in r.issues]


def test_bill_without_register_readings_keeps_the_intervals(gap_store: Store) -> None:
    """Registers missing at the cycle boundary: the interval sum, and the gap is reported."""
    shutil.rmtree(gap_store.lake / "billing_registers")
    gap_store.refresh_views()
    ctx = ToolContext(gap_store, Scope.customer("UC-G"), today=dt.date(2026, 11, 26))
    v = run_tool("explain_bill", ctx, "UC-G", {"reference": "last_bill"})
    assert v.value.consumption_kwh == D("9.6") * (v.value.days - 1)
    assert "issue.billing.missing_readings" in [i.code for i in v.issues]
