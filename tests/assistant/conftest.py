"""A tiny real store (two installations, their titulars) for identification and policy tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from assistant import Assistant, AssistantDeps
from assistant.session import SessionStore
from tools.api.admin import open_store


@pytest.fixture()
def tiny_home(tmp_path: Path) -> Path:
    store = open_store(tmp_path)
    store.con.execute(
        "INSERT INTO installations (installation_id, meter_id, customer_key, group_code, subgroup, customer_class, "
        "subclass, phases, nominal_voltage_v, tariff_modality, gd_kind, distributor, cycle_day, interval_min) VALUES "
        "('40010001', 'M1', 'C1', 'B', 'B1', 'residencial', 'residencial', 1, 127, 'convencional', 'none', 'CPFL_PAULISTA', 10, 15),"
        "('40010002', 'M2', 'C2', 'B', 'B1', 'residencial', 'residencial', 1, 127, 'convencional', 'none', 'CPFL_PAULISTA', 12, 15)"
    )
    store.con.execute(
        "INSERT INTO customers VALUES ('C1', '40010001', 'Maria Souza', '52998224725', '+5519990010001'),"
        "('C2', '40010002', 'Joao Lima', '11144477735', '+5519990010002')"
    )
    store.close()
    return tmp_path


@pytest.fixture()
def tiny_assistant(tiny_home: Path) -> Assistant:
    store = open_store(tiny_home)
    deps = AssistantDeps(home=tiny_home, store=store, sessions=SessionStore(), today=dt.date(2026, 11, 26))
    return Assistant(deps)
