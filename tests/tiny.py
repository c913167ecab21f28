"""A tiny real store: two installations and their titulars, a week of 15-minute readings."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.api.admin import open_store

TINY_CPF = {"40010001": "52998224725", "40010002": "11144477735"}
TINY_PHONE = {"40010001": "+5519990010001", "40010002": "+5519990010002"}


def build_tiny(home: Path) -> Path:
    store = open_store(home)
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
    return home


@pytest.fixture()
def tiny_home(tmp_path: Path) -> Path:
    return build_tiny(tmp_path)
