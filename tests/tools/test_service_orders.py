"""Field-service orders from an events_summary value (tools/domain/service_orders.py)."""

from __future__ import annotations

from tools.domain.service_orders import order_id, service_orders

VALUE = {
    "period": {"start": "2026-10-27", "end": "2026-11-25", "label": "last_30_days"},
    "outages": [
        {
            "level": "feeder",
            "entity_id": "AL-003",
            "feeder_id": "AL-003",
            "start": "2026-10-29T01:50:55",
            "end": "2026-10-29T03:00:47",
            "duration_min": "69.6",
            "long_interruption": True,
            "n_transformers": 1,
            "feeder_transformers": 1,
            "meters_down": 9,
            "meters_under": 9,
            "transformers": ["TR-0031"],
        },
        {
            "level": "transformer",
            "entity_id": "TR-0012",
            "feeder_id": "AL-001",
            "start": "2026-11-02T10:00:00",
            "end": None,
            "duration_min": None,
            "long_interruption": True,
            "n_transformers": 1,
            "feeder_transformers": 2,
            "meters_down": 5,
            "meters_under": 20,
            "transformers": ["TR-0012"],
        },
        {
            "level": "transformer",
            "entity_id": "TR-0011",
            "feeder_id": "AL-001",
            "start": "2026-11-03T10:00:00",
            "end": "2026-11-03T10:01:30",
            "duration_min": "1.5",
            "long_interruption": False,
            "n_transformers": 1,
            "feeder_transformers": 2,
            "meters_down": 4,
            "meters_under": 15,
            "transformers": ["TR-0011"],
        },
    ],
    "tamper": [
        {
            "installation_id": "40010016",
            "transformer_id": "TR-0012",
            "feeder_id": "AL-001",
            "first_tamper": "2026-11-10T22:31:07",
            "n_alarms": 2,
            "codes": [102, 104],
            "before_kwh_day": "6.000",
            "after_kwh_day": "2.400",
            "drop_share": "0.600",
            "possible_ntl": True,
        },
        {
            "installation_id": "40010020",
            "transformer_id": "TR-0012",
            "feeder_id": "AL-001",
            "first_tamper": "2026-11-25T22:31:07",
            "n_alarms": 1,
            "codes": [104],
            "before_kwh_day": "3.124",
            "after_kwh_day": "2.266",
            "drop_share": "0.275",
            "possible_ntl": False,
        },
    ],
    "possible_ntl": ["40010016"],
}


def test_one_order_per_outage_and_per_possible_ntl():
    orders = service_orders(VALUE, "2026-11-26")
    assert [(o["type"], o["priority"]) for o in orders] == [
        ("outage_inspection", "high"),  # TR-0012 has no end yet: still out
        ("outage_inspection", "medium"),  # AL-003: 69.6 min >= 3 min
        ("ntl_inspection", "medium"),  # tamper + 60 % drop
        ("outage_inspection", "low"),  # 1.5 min: short interruption
    ]
    still_out = orders[0]
    assert still_out["location"] == {
        "level": "transformer",
        "feeder_id": "AL-001",
        "transformer_id": "TR-0012",
        "transformer_ids": ["TR-0012"],
        "installation_id": None,
    }
    assert still_out["evidence"]["meters_down"] == 5 and still_out["created_on"] == "2026-11-26"
    feeder = orders[1]
    assert feeder["location"]["transformer_id"] is None and feeder["location"]["transformer_ids"] == [
        "TR-0031"
    ]
    ntl = orders[2]
    assert ntl["location"]["installation_id"] == "40010016"
    assert ntl["evidence"]["alarm_codes"] == [102, 104] and ntl["evidence"]["drop_share"] == "0.600"
    assert ntl["source"] == {
        "system": "smartmeter",
        "tool": "events_summary",
        "period_start": "2026-10-27",
        "period_end": "2026-11-25",
    }


def test_tamper_without_drop_only_on_request():
    assert len(service_orders(VALUE, "2026-11-26")) == 4
    orders = service_orders(VALUE, "2026-11-26", include_tamper_without_drop=True)
    extra = [o for o in orders if o["type"] == "tamper_inspection"]
    assert (
        len(extra) == 1
        and extra[0]["priority"] == "low"
        and extra[0]["location"]["installation_id"] == "40010020"
    )


def test_ids_are_stable_and_distinct():
    a = service_orders(VALUE, "2026-11-26")
    b = service_orders(VALUE, "2026-11-27")  # exported again a day later: same orders, same ids
    assert [o["order_id"] for o in a] == [o["order_id"] for o in b]
    assert len({o["order_id"] for o in a}) == len(a)
    assert a[0]["order_id"] == order_id("outage_inspection", "transformer", "TR-0012", "2026-11-02T10:00:00")
    assert a[0]["order_id"].startswith("OS-OUT-")


def test_empty_or_foreign_values_give_no_orders():
    assert service_orders({}, "2026-11-26") == []
    assert service_orders({"outages": "n/a", "tamper": [None, 3]}, "2026-11-26") == []
