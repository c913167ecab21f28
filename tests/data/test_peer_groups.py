"""peer_groups (similar-homes groups derived from the register): hand-worked rows, the same similar
homes as reading the register, freshness after a register change and on an older home."""

from __future__ import annotations

from pathlib import Path

from tests.lake import insert_installations
from tools.data import peer_groups
from tools.data.sqlfiles import sql_file
from tools.data.store import Store

B1 = {"customer_class": "residencial", "subgroup": "B1", "phases": 1}
B3 = {"customer_class": "comercial", "subgroup": "B3", "phases": 3}
FLEET = [
    {"installation_id": "A01", **B1, "gd_kind": "none"},
    {"installation_id": "A02", **B1},  # GD unknown: counts as none
    {"installation_id": "A03", **B1, "gd_kind": "fotovoltaica", "gd_kwp": 4.0},  # GD: nobody's peer
    {"installation_id": "A04", **B1, "gd_kind": "none", "gd_kwp": 0.0},
    {"installation_id": "A05", **B1, "gd_kwp": 3.0},  # kWp without a kind: GD all the same
    {"installation_id": "A06", **B1},
    {"installation_id": "A07", **B1},
    {"installation_id": "A08", **B1},
    {"installation_id": "C1", **B3},
    {"installation_id": "C2", **B3},
    {"installation_id": "N1", "customer_class": "residencial", "subgroup": "B1"},  # phases unknown
]


def _fleet(home: Path) -> Store:
    store = Store(home)
    insert_installations(store, FLEET)
    store.sync_usage()
    return store


def _peer_ids(store: Store, part: str, iid: str, half: int = 2) -> list[str]:
    me = "me AS (SELECT customer_class, subgroup, phases FROM installations WHERE installation_id = $installation)"
    sql = f"WITH {me}, {sql_file(part)}) SELECT installation_id FROM peers ORDER BY 1".replace(
        "{half}", str(half)
    )
    return [r[0] for r in store.rows(sql, {"installation": iid})]


def test_rows_number_the_eligible_homes_of_each_group(fresh_home: Path) -> None:
    with _fleet(fresh_home) as store:
        assert peer_groups.ready(store.con)
        assert not store.peer_groups_ready()  # a writer reads the register (it may change any time)
        got = store.rows("SELECT installation_id, peer_group, eligible, pos FROM peer_groups ORDER BY 1")
    # groups in (class, subgroup, phases) order: comercial/B3/3 = 1, residencial/B1/1 = 2; N1 has none.
    # pos counts the eligible ids <= its own: A03 and A05 (GD) repeat the count of the id before them.
    assert got == [
        ("A01", 2, True, 1),
        ("A02", 2, True, 2),
        ("A03", 2, False, 2),
        ("A04", 2, True, 3),
        ("A05", 2, False, 3),
        ("A06", 2, True, 4),
        ("A07", 2, True, 5),
        ("A08", 2, True, 6),
        ("C1", 1, True, 1),
        ("C2", 1, True, 2),
        ("N1", None, True, 1),
    ]


def test_similar_homes_are_the_nearest_eligible_ids_either_way(fresh_home: Path) -> None:
    # two on each side among the same class, subgroup and phases, GD left out, itself left out
    expected = {
        "A04": ["A01", "A02", "A06", "A07"],  # below: A02, A01 (A03 has GD); above: A06, A07 (A05 has GD)
        "A05": ["A02", "A04", "A06", "A07"],  # a GD home still has similar homes
        "A01": ["A02", "A04"],  # nobody below
        "A08": ["A06", "A07"],  # nobody above
        "C1": ["C2"],
        "N1": [],  # phases unknown: no group
        "ZZ": [],  # not in the register
    }
    with _fleet(fresh_home) as store:
        for part in ("consumption_peer_ids_groups.sql", "consumption_peer_ids_register.sql"):
            got = {iid: _peer_ids(store, part, iid) for iid in expected}
            assert got == expected, part
        # a wider window takes the whole group but the home itself and the GD homes
        assert _peer_ids(store, "consumption_peer_ids_groups.sql", "A04", half=200) == [
            "A01",
            "A02",
            "A06",
            "A07",
            "A08",
        ]


def test_rebuilt_when_the_register_changes(fresh_home: Path) -> None:
    with _fleet(fresh_home) as store:
        store.con.execute(
            "UPDATE installations SET gd_kind = 'fotovoltaica', gd_kwp = 2.5 WHERE installation_id = 'A06'"
        )
        assert not peer_groups.ready(store.con)
        assert _peer_ids(store, "consumption_peer_ids_register.sql", "A04") == ["A01", "A02", "A07", "A08"]
        store.sync_usage()
        assert peer_groups.ready(store.con)
        assert _peer_ids(store, "consumption_peer_ids_groups.sql", "A04") == ["A01", "A02", "A07", "A08"]
        assert store.rows("SELECT eligible, pos FROM peer_groups WHERE installation_id = 'A06'") == [
            (False, 3)
        ]


def test_an_older_home_gains_the_table_on_its_read_write_open(fresh_home: Path) -> None:
    with _fleet(fresh_home) as store:
        store.con.execute("DROP TABLE peer_groups")
        store.con.execute("DROP TABLE peer_groups_source")
    with Store(fresh_home, read_only=True) as reader:  # a snapshot without the table: not ready
        assert not reader.peer_groups_ready()
    with Store(fresh_home) as store:  # the read-write open builds it
        assert peer_groups.ready(store.con)
    with Store(fresh_home, read_only=True) as reader:
        assert reader.peer_groups_ready()
        assert _peer_ids(reader, "consumption_peer_ids_groups.sql", "A04") == ["A01", "A02", "A06", "A07"]
