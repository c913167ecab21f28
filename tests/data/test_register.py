"""Audit item 7: the versioned installation register.

A register export changes an installation only with a ``valid_from`` after its latest version;
a change without one (the audit's conflicting re-import) or back-dated is quarantined as
``register_conflict``; a change the meter's own data contradicts is quarantined as
``contradicts_readings``; an accepted change closes the version in force the day before.

Hand-worked from the rule with UC1 = 127 V, 3 phases, convencional since 01/01/2020, and
10-minute voltages of 127,0 V on phases A, B and C for October 2026:
* nominal 220 V from 15/10: median 127,0 V vs TR 220 V -> |127/220 - 1| = 0,42 > 0,15: contradicts;
* 1 phase from 15/10: 3 voltage channels with readings <> 1 phase: contradicts;
* branca from 15/10: accepted; version 1 = 01/01/2020..14/10/2026, version 2 = 15/10/2026..;
* branca from 01/10 after that: 01/10 <= 15/10 (latest version): register_conflict.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tools.api.context import Scope, ToolContext
from tools.data import schema
from tools.data.ingest import ingest_paths
from tools.data.store import Store

BASE = {
    "installation_id": "UC1",
    "meter_id": "M1",
    "customer_key": "C1",
    "group_code": "B",
    "subgroup": "B1",
    "customer_class": "residencial",
    "subclass": "residencial",
    "phases": "3",
    "nominal_voltage_v": "127",
    "tariff_modality": "convencional",
    "gd_kind": "none",
    "gd_kwp": "0",
    "gd_class": "none",
    "gd_since": "",
    "distributor": "CPFL_PAULISTA",
    "municipality": "Campinas",
    "area": "urbana",
    "conjunto_id": "CJ01",
    "feeder_id": "FD01",
    "transformer_id": "TR01",
    "cycle_day": "10",
    "interval_min": "15",
    "contracted_demand_kw": "",
    "connected_since": "2020-01-01",
}


def _register(path: Path, rows: list[dict[str, str]], valid_from: bool = False) -> Path:
    cols = list(schema.INSTALLATION_COLUMNS) + (["valid_from"] if valid_from else [])
    lines = [",".join(cols)] + [",".join(r.get(c, "") for c in cols) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _voltages(path: Path) -> Path:
    lines = ["installation_id,ts,phase,voltage_v"]
    t = dt.datetime(2026, 10, 1)
    while t < dt.datetime(2026, 11, 1):
        for ph in "ABC":
            lines.append(f"UC1,{t:%Y-%m-%d %H:%M:%S},{ph},127.0")
        t += dt.timedelta(minutes=10)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture()
def home(tmp_path: Path):  # type: ignore[no-untyped-def]
    store = Store(tmp_path / "home")
    rep = ingest_paths(
        store, [_register(tmp_path / "installations.csv", [BASE]), _voltages(tmp_path / "voltage_10min.csv")]
    )
    assert not rep.errors
    yield store, tmp_path
    store.close()


def _one(store: Store, sql: str) -> object:
    return store.con.execute(sql).fetchone()[0]  # type: ignore[index]


def _reasons(store: Store) -> list[str]:
    return [
        r[0]
        for r in store.con.execute(
            "SELECT reason FROM quarantine WHERE kind = 'installations' ORDER BY reason"
        ).fetchall()
    ]


def test_a_conflicting_reimport_is_quarantined_not_written(home) -> None:  # type: ignore[no-untyped-def]
    store, tmp = home
    other = {**BASE, "nominal_voltage_v": "220", "distributor": "CPFL_PIRATININGA"}
    rep = ingest_paths(store, [_register(tmp / "installations_other_fleet.csv", [other])])
    (f,) = rep.files
    assert (f.accepted, f.quarantined, dict(f.reasons)) == (0, 1, {"register_conflict": 1})
    assert _one(store, "SELECT nominal_voltage_v FROM installations WHERE installation_id = 'UC1'") == 127
    assert (
        _one(store, "SELECT distributor FROM installations WHERE installation_id = 'UC1'") == "CPFL_PAULISTA"
    )
    assert _one(store, "SELECT count(*) FROM installation_history") == 1


def test_changes_that_contradict_the_readings_are_quarantined(home) -> None:  # type: ignore[no-untyped-def]
    store, tmp = home
    volts = {**BASE, "nominal_voltage_v": "220", "valid_from": "2026-10-15"}
    phases = {**BASE, "phases": "1", "valid_from": "2026-10-15", "installation_id": "UC1"}
    rep = ingest_paths(store, [_register(tmp / "installations_v.csv", [volts], valid_from=True)])
    assert dict(rep.files[0].reasons) == {"contradicts_readings": 1}
    rep = ingest_paths(store, [_register(tmp / "installations_p.csv", [phases], valid_from=True)])
    assert dict(rep.files[0].reasons) == {"contradicts_readings": 1}
    assert _one(store, "SELECT count(*) FROM installation_history") == 1
    assert _one(store, "SELECT phases FROM installations") == 3


def test_a_dated_change_makes_a_new_version(home) -> None:  # type: ignore[no-untyped-def]
    store, tmp = home
    switch = {**BASE, "tariff_modality": "branca", "valid_from": "2026-10-15"}
    path = _register(tmp / "installations_changes.csv", [switch], valid_from=True)
    rep = ingest_paths(store, [path])
    assert (rep.files[0].accepted, rep.files[0].quarantined) == (1, 0)
    rows = store.con.execute(
        "SELECT tariff_modality, valid_from, valid_to FROM installation_history ORDER BY valid_from"
    ).fetchall()
    assert rows == [
        ("convencional", dt.date(2020, 1, 1), dt.date(2026, 10, 14)),
        ("branca", dt.date(2026, 10, 15), None),
    ]
    assert _one(store, "SELECT tariff_modality FROM installations") == "branca"
    ctx = ToolContext(store, Scope.operator(), today=dt.date(2026, 11, 1))
    assert ctx.installation_on("UC1", dt.date(2026, 10, 14))["tariff_modality"] == "convencional"
    assert ctx.installation_on("UC1", dt.date(2026, 10, 15))["tariff_modality"] == "branca"
    # the same change again is a duplicate; a back-dated one is a conflict
    again = ingest_paths(store, [path], force=True)
    assert (again.files[0].duplicate, again.files[0].quarantined) == (1, 0)
    back = {**BASE, "tariff_modality": "convencional", "subclass": "residencial", "valid_from": "2026-10-01"}
    back["meter_id"] = "M1-new"
    rep = ingest_paths(store, [_register(tmp / "installations_back.csv", [back], valid_from=True)])
    assert dict(rep.files[0].reasons) == {"register_conflict": 1}
    assert _one(store, "SELECT count(*) FROM installation_history") == 2
