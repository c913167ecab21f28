"""Audit item 7, demo scenario: a tariff-modality switch mid-year (convencional -> branca).

The demo writes the switch as a register change (``installations_changes.csv``, valid_from at the
start of a billing cycle); each bill is computed with the modality in force on its first day.
Hand-worked (CPFL Paulista, REH 3.579/2026 decoded values, before taxes, regulation.md 1.6):
* the cycle before the switch, convencional: kWh x (0,44925 + 0,29020) = kWh x 0,73945;
* the cycle after it, branca: ponta x 1,29940 + intermediario x 0,88266 + fora ponta x 0,62496,
  with the kWh per posto summed here by plain SQL (ponta 18:00-20:59, intermediario 17:00-17:59
  and 21:00-21:59 on working days; weekends and 21/04, 01/05 all fora ponta).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from tools.api import Scope, ToolContext, run_tool
from tools.api.admin import demo_metadata
from tools.data.store import Store

D = Decimal
TODAY = dt.date(2026, 11, 26)
POSTO_SQL = """
SELECT CASE WHEN dayofweek(ts) IN (0, 6) OR CAST(ts AS DATE) IN ('2026-04-21', '2026-05-01') THEN 'fora_ponta'
            WHEN hour(ts) BETWEEN 18 AND 20 THEN 'ponta'
            WHEN hour(ts) IN (17, 21) THEN 'intermediario' ELSE 'fora_ponta' END AS posto,
       sum(import_wh) AS wh
FROM load_profile WHERE installation_id = ? AND ts >= ? AND ts < ? GROUP BY 1"""


def _switch(demo_home: Path) -> dict[str, Any]:
    (s,) = demo_metadata(demo_home)["scenarios"]["modality_switch"]
    return dict(s)


def test_bills_on_each_side_of_the_modality_switch(demo_store: Store, demo_home: Path) -> None:
    s = _switch(demo_home)
    iid, valid_from = s["installation_id"], dt.date.fromisoformat(s["valid_from"])
    ctx = ToolContext(store=demo_store, scope=Scope.operator(), today=TODAY)
    # the register holds two versions; the current row is the latest
    versions = ctx.installation_versions(iid)
    assert [(v[2]["tariff_modality"], v[0], v[1]) for v in versions][-2:] == [
        ("convencional", versions[-2][0], valid_from - dt.timedelta(days=1)),
        ("branca", valid_from, None),
    ]
    after_label = f"{valid_from.year}-{valid_from.month + 1:02d}"  # read a month after it starts
    before_label = f"{valid_from.year}-{valid_from.month:02d}"
    before = run_tool("explain_bill", ctx, iid, {"reference": before_label}).value
    after = run_tool("explain_bill", ctx, iid, {"reference": after_label}).value
    assert before.end == valid_from - dt.timedelta(days=1) and after.start == valid_from
    # before: convencional, one energy posto
    assert set(before.kwh_by_posto) == {"total"}
    kwh = before.consumption_kwh
    assert [(ln.key, ln.rate_rs) for ln in before.lines if ln.key.endswith(("tusd", "te"))] == [
        ("billing.component.tusd", D("0.44925")),
        ("billing.component.te", D("0.29020")),
    ]
    assert before.subtotal_before_taxes_rs == (kwh * D("0.73945")).quantize(D("0.01"))
    # after: branca, per posto, kWh per posto from a plain SQL split of the intervals
    rows = demo_store.rows(
        POSTO_SQL,
        [
            iid,
            dt.datetime.combine(after.start, dt.time()),
            dt.datetime.combine(after.end + dt.timedelta(days=1), dt.time()),
        ],
    )
    by_posto = {p: D(int(wh)) / 1000 for p, wh in rows}
    assert after.kwh_by_posto == by_posto
    expected = (
        by_posto["ponta"] * D("1.29940")
        + by_posto["intermediario"] * D("0.88266")
        + by_posto["fora_ponta"] * D("0.62496")
    )
    assert after.subtotal_before_taxes_rs == expected.quantize(D("0.01"))
