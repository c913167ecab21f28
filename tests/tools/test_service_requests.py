"""Service requests opened from a conversation (issue 21), at the tool layer, on the demo store.

Deadlines worked by hand from REN 1.000/2021 for a request confirmed on Thursday 26/11/2026 at
10:15 (Sao Paulo), urban area (art. 656: the day of the request is day 0; a due day on a weekend
or holiday moves to the next business day):

* verificacao_tensao, 15 days (art. 438 § 1º I): 26/11 + 15 = Fri 11/12/2026; the 168-hour
  measurement, 30 days (§ 1º II): Sat 26/12 -> Mon 28/12/2026.
* troca_modalidade_tarifaria and inspecao_medidor, 30 days (arts. 222 I, 250): Mon 28/12/2026.
* religacao_normal, 24 continuous hours from a request on a business day between 08:00 and
  18:00 (art. 362 IV and § 2º): Fri 27/11/2026 10:15.
* ressarcimento_danos, 15 days (art. 617 I): Fri 11/12/2026; the vistoria, 10 days (art. 613 II):
  Sun 06/12 -> Mon 07/12/2026.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from tools.api import Scope, ToolContext, run_tool
from tools.data.opstate import opstate_for
from tools.data.outbox import outbox_requests
from tools.domain import request_types as rt
from tools.domain.deadline_reference import load_reference, resolve_request_types
from tools.errors import ForbiddenInstallation

BRT = dt.timezone(dt.timedelta(hours=-3))
NOW = dt.datetime(2026, 11, 26, 10, 15, tzinfo=BRT)
TODAY = dt.date(2026, 11, 26)
OWN = "40010001"


@pytest.fixture()
def home(demo_home: Path) -> Iterator[Path]:
    """The demo home with an empty outbox before and after the test (tests never share requests)."""
    with opstate_for(demo_home).transaction() as db:
        db.execute("DELETE FROM service_outbox")
    yield demo_home
    with opstate_for(demo_home).transaction() as db:
        db.execute("DELETE FROM service_outbox")


def _ctx(store, inst: str = OWN, now: dt.datetime = NOW) -> ToolContext:  # type: ignore[no-untyped-def]
    return ToolContext(store=store, scope=Scope.customer(inst), today=TODAY, now=now)


@pytest.mark.parametrize(
    ("rtype", "due", "follow"),
    [
        (rt.VOLTAGE_COMPLAINT, dt.date(2026, 12, 11), {rt.VOLTAGE_MEASUREMENT_168H: dt.date(2026, 12, 28)}),
        (rt.MODALITY_CHANGE, dt.date(2026, 12, 28), {}),
        (rt.RECONNECTION, dt.date(2026, 11, 27), {}),
        (rt.METER_INSPECTION, dt.date(2026, 12, 28), {}),
        (rt.DAMAGE_CLAIM, dt.date(2026, 12, 11), {"ressarcimento_verificacao": dt.date(2026, 12, 7)}),
    ],
)
def test_preview_gives_the_regulated_deadline_and_writes_nothing(home, demo_store, rtype, due, follow):  # type: ignore[no-untyped-def]
    r = run_tool("service_request_preview", _ctx(demo_store), OWN, {"request_type": rtype})
    v = r.value
    assert v.eligible and v.protocol is None
    assert v.due_date == due
    assert {f.request_type: f.due_date for f in v.follow_ups} == follow
    assert outbox_requests(home) == []
    assert any("REN 1.000/2021" in c.source for c in r.citations)
    if rtype == rt.RECONNECTION:
        assert v.due_at == dt.datetime(2026, 11, 27, 10, 15, tzinfo=BRT)
        assert v.deadline_unit == "hours" and v.deadline_amount == 24


def test_open_gives_a_protocol_once_per_confirmation(home, demo_store):  # type: ignore[no-untyped-def]
    args = {"request_type": rt.METER_INSPECTION, "channel": "whatsapp", "source_key": "confirm-0001"}
    first = run_tool("open_service_request", _ctx(demo_store), OWN, args).value
    again = run_tool("open_service_request", _ctx(demo_store), OWN, args).value  # a channel retry of the "sim"
    other = run_tool("open_service_request", _ctx(demo_store), OWN, dict(args, source_key="confirm-0002")).value
    assert first.protocol == "20261126000001" and first.created
    assert again.protocol == first.protocol and not again.created
    assert other.protocol == "20261126000002"
    rows = outbox_requests(home, OWN)
    assert [r.protocol for r in rows] == ["20261126000002", "20261126000001"]
    row = rows[1]
    assert (row.request_type, row.status, row.channel, row.due_date) == (
        "inspecao_medidor", "open", "whatsapp", dt.date(2026, 12, 28)
    )
    assert row.created_at == NOW and row.created_at.utcoffset() == dt.timedelta(hours=-3)
    assert row.article == "REN 1.000/2021, art. 250" and row.exported_at is None


def test_a_customer_opens_requests_only_for_their_installation(home, demo_store):  # type: ignore[no-untyped-def]
    with pytest.raises(ForbiddenInstallation):
        run_tool("open_service_request", _ctx(demo_store), "40010002", {"request_type": rt.METER_INSPECTION})
    assert outbox_requests(home) == []


def test_voltage_complaint_attaches_the_meters_weeks(home, demo_store):  # type: ignore[no-untyped-def]
    weak = "40010002"  # weak transformer TR-0011: DRP and DRC above the limits (docs/scenarios.md)
    ctx = _ctx(demo_store, weak)
    opened = run_tool("open_service_request", ctx, weak, {"request_type": rt.VOLTAGE_COMPLAINT}).value
    vq = run_tool("voltage_quality", _ctx(demo_store, weak), weak, {"period": "last_week"}).value
    ev = opened.evidence
    assert ev["violated"] is True and ev["indicative"] is True
    assert [(w["drp_pct"], w["drc_pct"]) for w in ev["weeks"]] == [(str(s.drp_pct), str(s.drc_pct)) for s in vq.sets]
    assert (Decimal(ev["drp_lim_pct"]), Decimal(ev["drc_lim_pct"])) == (Decimal(3), Decimal("0.5"))
    stored = outbox_requests(home, weak)[0]
    assert stored.details["weeks"] == ev["weeks"]


def test_tarifa_branca_is_refused_where_the_rule_forbids_it(home, demo_store):  # type: ignore[no-untyped-def]
    social = "40010009"  # baixa renda: Tarifa Branca vedada (art. 219, II)
    r = run_tool("open_service_request", _ctx(demo_store, social), social, {"request_type": rt.MODALITY_CHANGE})
    assert not r.value.eligible and r.value.protocol is None
    assert r.disqualified and r.value.refusal == "service.refusal.branca_excluded"
    group_a = "40010013"
    r = run_tool("service_request_preview", _ctx(demo_store, group_a), group_a, {"request_type": rt.MODALITY_CHANGE})
    assert r.value.refusal == "service.refusal.branca_group_a"
    assert outbox_requests(home) == []


def test_modality_change_carries_the_comparison(home, demo_store):  # type: ignore[no-untyped-def]
    r = run_tool("open_service_request", _ctx(demo_store), OWN, {"request_type": rt.MODALITY_CHANGE}).value
    cmp = run_tool("compare_tariffs", _ctx(demo_store), OWN, {}).value
    assert r.evidence["current_modality"] == "convencional" and r.evidence["target_modality"] == "branca"
    assert r.evidence["branca_rs"] == str(cmp.branca.total_rs)
    assert r.evidence["convencional_rs"] == str(cmp.convencional.total_rs)


def test_a_fridge_is_visited_within_one_business_day(home, demo_store):  # type: ignore[no-untyped-def]
    args = {"request_type": rt.DAMAGE_CLAIM, "refrigerated": True}
    v = run_tool("service_request_preview", _ctx(demo_store), OWN, args).value
    assert {f.request_type: f.due_date for f in v.follow_ups} == {
        rt.DAMAGE_VISIT_REFRIGERATION: dt.date(2026, 11, 27)  # 1 business day (art. 613, I): Fri 27/11/2026
    }
    assert v.due_date == dt.date(2026, 12, 11)


def test_damage_reported_after_90_days_has_the_longer_deadline(home, demo_store):  # type: ignore[no-untyped-def]
    args = {"request_type": rt.DAMAGE_CLAIM, "damage_date": "2026-08-01"}  # 117 days before the request
    v = run_tool("service_request_preview", _ctx(demo_store), OWN, args).value
    assert v.request_type == rt.DAMAGE_CLAIM_LATE
    assert v.due_date == dt.date(2026, 12, 28)  # 30 days (art. 617, II): Sat 26/12 -> Mon 28/12/2026


def test_deadline_status_reads_the_outbox_with_the_crm_export(home, demo_store):  # type: ignore[no-untyped-def]
    opened = run_tool(
        "open_service_request", _ctx(demo_store), OWN, {"request_type": rt.RECONNECTION, "source_key": "religa-0001"}
    ).value
    st = run_tool("deadline_status", _ctx(demo_store), OWN, {}).value
    assert opened.protocol in [r.request_id for r in st.requests]
    one = run_tool("deadline_status", _ctx(demo_store), OWN, {"request_id": opened.protocol}).value
    assert one.main is not None and one.main.request_id == opened.protocol
    assert one.main.state == "open" and one.main.due_at == dt.datetime(2026, 11, 27, 10, 15)
    assert one.main.remaining_hours == 24  # judged at the instant the request was recorded


def test_operator_queue_lists_the_outbox(home, demo_store):  # type: ignore[no-untyped-def]
    run_tool("open_service_request", _ctx(demo_store), OWN, {"request_type": rt.METER_INSPECTION})
    later = NOW + dt.timedelta(days=40)
    q = run_tool("service_request_queue", ToolContext(store=demo_store, scope=Scope.operator(), today=TODAY,
                                                      now=later), None, {})
    assert [(r.protocol, r.overdue) for r in q.value.requests] == [("20261126000001", True)]
    assert (q.value.open, q.value.overdue, q.value.pending_export) == (1, 1, 1)
    with pytest.raises(ForbiddenInstallation):
        run_tool("service_request_queue", _ctx(demo_store), None, {})


def test_every_request_type_the_assistant_names_resolves_to_deadline_rules() -> None:
    from assistant.slots import REQUEST_WORDS

    ref = load_reference()
    assert set(rt.OPENABLE) <= set(ref.rules)
    assert set(rt.PRIMARY_TYPES) <= set(ref.rules)
    for key, _, _ in REQUEST_WORDS:
        assert resolve_request_types(key, ref), key


def test_a_branca_customer_is_offered_the_way_back(home, demo_store):  # type: ignore[no-untyped-def]
    branca = "40010007"  # Tarifa Branca home (docs/scenarios.md): the change goes back to convencional (art. 223)
    v = run_tool("service_request_preview", _ctx(demo_store, branca), branca, {"request_type": rt.MODALITY_CHANGE}).value
    assert v.eligible and (v.evidence["current_modality"], v.evidence["target_modality"]) == ("branca", "convencional")
    assert v.due_date == dt.date(2026, 12, 28)
