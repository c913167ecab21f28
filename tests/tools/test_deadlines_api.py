"""deadline_status / deadline_exposure on a hand-built store (real DuckDB) and on the demo fleet.

Hand-worked timelines (reference values of deadlines.json: custo administrativo de inspecao
mono 60 / tri 120 -> k1 = 30 / 60; TUSD Fio B 200 R$/MWh; data today 2026-11-26):

- A  UC_URB religacao_normal, paid Fri 30/10/2026 19:00 -> count from Tue 03/11 08:00 (Mon 02/11
     Finados) -> due Wed 04/11 08:00. CRM closed Wed 04/11 07:50 (on time) but the meter
     reconnected at 14:30: late, Pv = 30.5 h. VRC Nov = 150 kWh over 25 days -> 180 kWh x 0.2
     = 36.00. C = 30 + 30 x 36 x 6.5/24 = 322.50.
- B  UC_RUR religacao_urgencia (rural, 8 h), Sat 10/10 10:00 -> Tue 13/10 08:00 (Mon 12/10
     holiday) -> due 16:00; power-up 18:15: Pv = 10.25 h. VRC Oct = 93 kWh x 0.2 = 18.60.
     C = 60 + 30 x 18.60 x 2.25/8 = 216.9375 -> 216.94.
- C  UC_URB reclamacao_sem_visita Fri 30/10 14:00 -> 5 dias uteis -> Mon 09/11; closed Wed 11/11:
     Pv = 5 + 2 = 7; C = 30 + 20 x 36 x 2/5 = 318.00.
- D  UC_S wrongful suspension: relay off Thu 05/11 10:00, report Sat 07/11 09:00 -> due 13:00;
     relay on 12:00 (on time). art. 441: T = 50 h; max(36 x 50/730, 30) = 30.00.
- E  UC_V voltage complaint 01/10 10:00; 3 days of critica readings, then adequate: the first
     1.008-reading set with <= 5 critica starts at reading 427 = 04/10 09:10; CRM closed 03/10.
- F  UC_X religacao_normal Mon 16/11 10:00, relay on 15:00, CRM still open.
- G  UC_URB religacao_normal Wed 25/11 15:00, open: due Thu 26/11 15:00.
- H  UC_RUR religacao_normal Wed 18/11 10:00, CRM closed 16:00, no meter event.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from tests.lake import write_lake
from tools.api import Scope, ToolContext, run_tool
from tools.data.store import Store
from tools.errors import ForbiddenInstallation

TODAY = dt.date(2026, 11, 26)
D = dt.datetime


def _installations(store: Store) -> None:
    rows = [
        ("UC_URB", "urbana", 1, 127, "Campinas"),
        ("UC_RUR", "rural", 3, 220, "Mogi Mirim"),
        ("UC_S", "urbana", 1, 127, "Campinas"),
        ("UC_V", "urbana", 1, 127, "Campinas"),
        ("UC_X", "urbana", 1, 127, "Sumare"),
    ]
    for inst, area, phases, nominal, muni in rows:
        store.con.execute(
            "INSERT INTO installations (installation_id, group_code, subgroup, customer_class, phases, "
            "nominal_voltage_v, area, municipality, distributor) VALUES (?, 'B', 'B1', 'residencial', ?, ?, ?, ?, "
            "'CPFL_PAULISTA')",
            [inst, phases, nominal, area, muni],
        )


def _load_profile(store: Store) -> None:
    days = pd.date_range("2026-10-01 12:00", "2026-11-25 12:00", freq="D")
    frames = []
    for inst, wh in (("UC_URB", 6000), ("UC_RUR", 3000), ("UC_S", 6000), ("UC_V", 6000), ("UC_X", 6000)):
        frames.append(
            pd.DataFrame({"installation_id": inst, "ts": days, "interval_min": 1440, "import_wh": wh})
        )
    lp = pd.concat(frames, ignore_index=True)
    for col in ("export_wh", "q1_varh", "q2_varh", "q3_varh", "q4_varh", "i_a_ca", "i_b_ca", "i_c_ca"):
        lp[col] = 0
    for col in ("v_a_dv", "v_b_dv", "v_c_dv"):
        lp[col] = 1270
    lp["quality"] = 0
    write_lake(store.home, "load_profile", lp)


def _events(store: Store) -> None:
    ev = [
        ("UC_URB", D(2026, 10, 27, 10, 0), 30),
        ("UC_URB", D(2026, 11, 4, 14, 30), 31),
        ("UC_URB", D(2026, 11, 24, 10, 0), 30),
        ("UC_RUR", D(2026, 10, 5, 9, 0), 30),
        ("UC_RUR", D(2026, 10, 13, 18, 15), 2),
        ("UC_S", D(2026, 11, 5, 10, 0), 30),
        ("UC_S", D(2026, 11, 7, 12, 0), 31),
        ("UC_X", D(2026, 11, 10, 10, 0), 30),
        ("UC_X", D(2026, 11, 16, 15, 0), 31),
    ]
    df = pd.DataFrame(ev, columns=["installation_id", "ts", "code"])
    df["code"] = df["code"].astype("int16")
    df["value"] = None
    df["value"] = df["value"].astype("float64")
    write_lake(store.home, "events", df)


def _voltage(store: Store) -> None:
    ts = pd.date_range("2026-10-01 10:00", periods=12 * 144, freq="10min")
    v = [1000 if i < 432 else 1270 for i in range(len(ts))]  # 3 days critica (100 V), then 127 V
    df = pd.DataFrame({"installation_id": "UC_V", "ts": ts, "v_a_dv": v})
    df["v_a_dv"] = df["v_a_dv"].astype("int16")
    df["v_b_dv"] = pd.array([None] * len(df), dtype="Int16")
    df["v_c_dv"] = pd.array([None] * len(df), dtype="Int16")
    write_lake(store.home, "voltage_10min", df)


REQUESTS = [
    ("A", "UC_URB", "religacao_normal", D(2026, 10, 30, 19, 0), D(2026, 11, 4, 7, 50), "closed"),
    ("B", "UC_RUR", "religacao_urgencia", D(2026, 10, 10, 10, 0), D(2026, 10, 13, 18, 20), "closed"),
    ("C", "UC_URB", "reclamacao_sem_visita", D(2026, 10, 30, 14, 0), D(2026, 11, 11, 10, 0), "closed"),
    ("D", "UC_S", "religacao_suspensao_indevida", D(2026, 11, 7, 9, 0), D(2026, 11, 7, 12, 5), "closed"),
    ("E", "UC_V", "verificacao_tensao", D(2026, 10, 1, 10, 0), D(2026, 10, 3, 12, 0), "closed"),
    ("F", "UC_X", "religacao_normal", D(2026, 11, 16, 10, 0), None, "open"),
    ("G", "UC_URB", "religacao_normal", D(2026, 11, 25, 15, 0), None, "open"),
    ("H", "UC_RUR", "religacao_normal", D(2026, 11, 18, 10, 0), D(2026, 11, 18, 16, 0), "closed"),
]


def build_store(home: Path) -> Store:
    store = Store(home)
    _installations(store)
    _load_profile(store)
    _events(store)
    _voltage(store)
    store.con.execute(
        "CREATE TABLE IF NOT EXISTS service_requests (request_id VARCHAR, installation_id VARCHAR, request_type VARCHAR, "
        "opened_at TIMESTAMP, closed_at TIMESTAMP, status VARCHAR, area VARCHAR, region VARCHAR)"
    )
    for rid, inst, rtype, opened, closed, status in REQUESTS:
        store.con.execute(
            "INSERT INTO service_requests VALUES (?, ?, ?, ?, ?, ?, NULL, NULL)",
            [rid, inst, rtype, opened, closed, status],
        )
    store.refresh_views()
    return store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    s = build_store(tmp_path_factory.mktemp("deadlines_home"))
    yield s
    s.close()


def _op(store: Store) -> ToolContext:
    return ToolContext(store=store, scope=Scope.operator(), today=TODAY)


def _by_id(records) -> dict:  # type: ignore[no-untyped-def]
    return {r.request_id: r for r in records}


def test_customer_asks_when_reconnection_happens(store: Store) -> None:
    """'paguei a conta, quando religam?' -> religacao of the caller, open one with its deadline and article."""
    ctx = ToolContext(store=store, scope=Scope.customer("UC_URB"), today=TODAY)
    res = run_tool("deadline_status", ctx, "UC_URB", {"request_type": "religacao"})
    recs = _by_id(res.value.requests)
    assert set(recs) == {"A", "G"}
    g = recs["G"]
    assert g.state == "open"
    assert g.due_at == D(2026, 11, 26, 15, 0)
    assert g.article == "REN 1.000/2021, art. 362, IV e V"
    assert g.deadline_amount == 24 and g.deadline_unit == "hours"
    assert g.remaining_hours == Decimal("15.00")
    assert g.elapsed_hours == Decimal("9.00")
    assert g.compensation_if_missed == Decimal("30.00")
    assert any(c.source == "REN 1.000/2021, art. 362, IV e V" for c in res.citations)
    assert {r.request_type for r in res.value.rules} == {
        "religacao_normal",
        "religacao_urgencia",
        "religacao_suspensao_indevida",
    }
    assert (
        res.value.main == g and res.value.main_rule is not None and res.value.main_rule.deadline_amount == 24
    )
    assert res.to_dict()["value"]["requests"]  # JSON-ready


def test_meter_late_although_crm_closed_on_time(store: Store) -> None:
    res = run_tool("deadline_status", _op(store), "UC_URB", {"request_id": "A"})
    (a,) = res.value.requests
    assert a.count_start == D(2026, 11, 3, 8, 0)
    assert a.due_at == D(2026, 11, 4, 8, 0)
    assert a.evidence_at == D(2026, 11, 4, 14, 30) and a.done_source == "meter"
    assert a.state == "late" and a.hidden_late and a.meter_flag == "closed_before_meter"
    assert a.pv == Decimal("30.5") and a.pr == 24
    assert a.vrc == Decimal("36.00")
    assert a.compensation == Decimal("322.50")
    keys = [s.key for s in res.trail]
    assert "deadlines.step.compensation_440" in keys
    assert any("ASOF JOIN" in s.sql for s in res.trail if s.key == "deadlines.step.requests")


def test_urgent_rural_reconnection_and_business_days_rule(store: Store) -> None:
    b = _by_id(run_tool("deadline_status", _op(store), "UC_RUR", {"request_id": "B"}).value.requests)["B"]
    assert (b.count_start, b.due_at) == (D(2026, 10, 13, 8, 0), D(2026, 10, 13, 16, 0))
    assert b.pv == Decimal("10.25") and b.meter_flag == "confirmed"
    assert b.compensation == Decimal("216.94")
    c = _by_id(run_tool("deadline_status", _op(store), "UC_URB", {"request_id": "C"}).value.requests)["C"]
    assert c.due_date == dt.date(2026, 11, 9) and c.pv == Decimal(7)
    assert c.compensation == Decimal("318.00")


def test_wrongful_suspension_minimum(store: Store) -> None:
    res = run_tool("deadline_status", _op(store), "UC_S", {})
    (dd,) = res.value.requests
    assert dd.state == "on_time" and dd.suspension_hours == Decimal("50.00")
    assert dd.compensation == Decimal("30.00")


def test_voltage_week_evidence(store: Store) -> None:
    (e,) = run_tool(
        "deadline_status", _op(store), "UC_V", {"request_type": "tensao", "request_id": "E"}
    ).value.requests
    assert e.evidence_at == D(2026, 10, 4, 9, 10)
    assert e.meter_flag == "closed_before_meter" and e.state == "on_time"


def test_exposure_flags_and_totals(store: Store) -> None:
    res = run_tool("deadline_exposure", _op(store), None, {"due_within_hours": 24, "lookback_days": 90})
    v = res.value
    assert [r.request_id for r in v.due_soon] == ["G"]
    assert {r.request_id for r in v.late} == {"A", "B", "C"}
    flags = {r.request_id: r.meter_flag for r in v.flagged}
    assert flags == {
        "A": "closed_before_meter",
        "E": "closed_before_meter",
        "F": "meter_done_still_open",
        "H": "closed_not_confirmed",
    }
    assert v.total_compensation_owed == Decimal("322.50") + Decimal("216.94") + Decimal("318.00") + Decimal(
        "30.00"
    )
    assert v.total_at_stake == Decimal("30.00")
    campinas = {g.request_type: g for g in v.groups if g.region == "Campinas"}
    assert campinas["religacao_normal"].hidden_late == 1
    assert any("ASOF JOIN" in s.sql for s in res.trail)


def test_exposure_filters(store: Store) -> None:
    res = run_tool(
        "deadline_exposure",
        _op(store),
        None,
        {"region": "Mogi Mirim", "request_type": "religacao", "lookback_days": 90},
    )
    assert {g.request_type for g in res.value.groups} == {"religacao_urgencia", "religacao_normal"}
    assert {r.request_id for r in res.value.late} == {"B"}


def test_customer_scope(store: Store) -> None:
    ctx = ToolContext(store=store, scope=Scope.customer("UC_X"), today=TODAY)
    with pytest.raises(ForbiddenInstallation):
        run_tool("deadline_status", ctx, "UC_URB", {"request_type": "religacao"})
    with pytest.raises(ForbiddenInstallation):
        run_tool("deadline_exposure", ctx, None, {})


def test_no_request_gives_rules(store: Store) -> None:
    res = run_tool("deadline_status", _op(store), "UC_RUR", {"request_type": "ligacao nova"})
    assert res.value.requests == ()
    rules = {r.request_type: r for r in res.value.rules}
    assert (
        rules["ligacao_nova"].deadline_amount == 5 and rules["ligacao_nova"].deadline_unit == "business_days"
    )
    assert "deadlines.issue.no_requests" in {i.code for i in res.issues}
    assert res.value.main is None and res.value.main_rule.request_type == "ligacao_nova"


# ----------------------------------------------------------------------------- demo fleet


def _find(node, key):  # type: ignore[no-untyped-def]
    if isinstance(node, dict):
        if key in node:
            return node[key]
        for v in node.values():
            found = _find(v, key)
            if found is not None:
                return found
    return None


def test_demo_fleet_late_reconnection_closed_on_time(demo_home: Path, demo_store: Store) -> None:
    """The generator's suspension reconnected 30 h after a business-hours payment (urban, 24 h):
    the CRM closed the order before the deadline, the meter proves it late."""
    from tools.api.admin import demo_metadata

    planned = [
        s
        for s in _find(demo_metadata(demo_home), "suspensions") or []
        if s.get("area") == "urbana"
        and s["payment_ts"] == s["count_from_ts"]
        and s["hours_after_payment"] > 24
    ]
    assert planned, "the demo generator plans a late urban reconnection"
    ctx = ToolContext(store=demo_store, scope=Scope.operator(), today=TODAY)
    res = run_tool("deadline_exposure", ctx, None, {"request_type": "religacao", "lookback_days": 400})
    hidden = {r.installation_id: r for r in res.value.late if r.hidden_late}
    for s in planned:
        r = hidden[s["installation_id"]]
        assert r.evidence_at == pd.Timestamp(s["reconnect_ts"]).to_pydatetime()
        assert r.closed_at is not None and r.closed_at <= r.due_at < r.evidence_at
        assert r.meter_flag == "closed_before_meter" and r.compensation > 0
    assert any(g.hidden_late for g in res.value.groups)
    # the customer sees it too, with the article
    cust = ToolContext(store=demo_store, scope=Scope.customer(planned[0]["installation_id"]), today=TODAY)
    st = run_tool("deadline_status", cust, planned[0]["installation_id"], {"request_type": "religacao"})
    assert st.value.main is not None and st.value.main.hidden_late
    assert st.value.main.article == "REN 1.000/2021, art. 362, IV e V"
