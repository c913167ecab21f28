"""Synthetic fleet generator: determinism, realism checks and the named scenarios.

One small fleet (45 meters, 2 months, ending 2026-11-25) is generated once per module and read
back with DuckDB straight from the CSV exports, as an ingest would see them.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest

from tools.demo.generator import crafted_voltage_week, generate, scenario_ids

END = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], duckdb.DuckDBPyConnection]:
    out = tmp_path_factory.mktemp("demo45")
    meta = generate(out, meters=45, months=2, seed=7, end=END)
    con = duckdb.connect()
    for view, pattern, extra in (
        ("lp", "load_profile_*.csv", ""),
        ("v10", "voltage_10min_*.csv", ""),
        ("ev", "events_*.csv", ""),
        ("reg", "billing_registers_*.csv", ", 'register': 'VARCHAR'"),
        ("inst", "installations.csv", ""),
        ("cust", "customers.csv", ", 'cpf': 'VARCHAR', 'phone': 'VARCHAR'"),
    ):
        types = "{'installation_id': 'VARCHAR'" + extra + "}"
        con.execute(f"CREATE TABLE {view} AS SELECT * FROM read_csv('{out}/{pattern}', types = {types})")
    con.execute(f"CREATE TABLE st AS SELECT * FROM read_json('{out}/meter_reads_*.jsonl')")
    return out, meta, con


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    return con.execute(sql, params or []).fetchall()


def test_same_arguments_give_byte_identical_files(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", meters=14, months=1, seed=3, end=END)
    b = generate(tmp_path / "b", meters=14, months=1, seed=3, end=END)
    assert a == b
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "b").iterdir())
    assert "metadata.json" in names and any(n.startswith("meter_reads_") for n in names)
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    c = generate(tmp_path / "c", meters=14, months=1, seed=4, end=END)
    assert (tmp_path / "c" / "load_profile_2026-11.csv").read_bytes() != (
        tmp_path / "a" / "load_profile_2026-11.csv"
    ).read_bytes()
    assert c["period"] == {"start": "2026-10-26", "end": "2026-11-25"}


def test_a_rerun_replaces_the_previous_exports(tmp_path: Path) -> None:
    generate(tmp_path, meters=5, months=2, seed=7, end=END)
    assert (tmp_path / "load_profile_2026-09.csv").exists()
    (tmp_path / "notes.txt").write_text("not ours")
    meta = generate(tmp_path, meters=5, months=1, seed=7, end=END)
    names = {p.name for p in tmp_path.iterdir()}
    assert names == set(meta["files"]) | {"metadata.json", "notes.txt"}
    assert "load_profile_2026-09.csv" not in names


def test_period_files_and_metadata(fleet: Any) -> None:
    out, meta, con = fleet
    assert meta["period"] == {"start": "2026-09-26", "end": "2026-11-25"}
    assert meta["today"] == "2026-11-26"
    assert json.loads((out / "metadata.json").read_text()) == meta
    for name, rows in meta["files"].items():
        if name.endswith(".csv"):
            assert sum(1 for _ in (out / name).open()) == rows + 1, name  # header + rows
    first, last = _rows(con, "SELECT min(ts), max(ts) FROM lp")[0]
    assert first == dt.datetime(2026, 9, 26, 0, 0)
    assert last == dt.datetime(2026, 11, 25, 23, 55)  # Group A, 5-minute intervals, ts = interval start
    stream_last = _rows(con, "SELECT max(ts) FROM lp WHERE list_contains(?, installation_id)",
                        [meta["stream"]["installations"]])[0][0]  # fmt: skip
    assert stream_last < dt.datetime(2026, 11, 24)  # their last two days live in the stream files only
    assert _rows(con, "SELECT count(*) FROM inst")[0][0] == 45
    # 10-minute voltage only in the hot window (voltage_months=3 covers the whole 2-month period here)
    assert _rows(con, "SELECT min(ts) FROM v10")[0][0] >= dt.datetime(2026, 9, 26)


def test_demo_customer_and_cpf_check_digits(fleet: Any) -> None:
    _, meta, con = fleet
    demo = meta["demo_customer"]
    cpf, phone = _rows(con, "SELECT cpf, phone FROM cust WHERE installation_id = '40010001'")[0]
    assert demo == {"installation_id": "40010001", "phone": "+5519990010001", "cpf_last4": str(cpf)[-4:]}
    assert phone == "+5519990010001"

    def valid(c: str) -> bool:  # independent mod-11 check (Receita Federal rule)
        d = [int(x) for x in c]
        s1 = sum(d[i] * (10 - i) for i in range(9)) % 11
        s2 = sum(d[i] * (11 - i) for i in range(10)) % 11
        return len(set(c)) > 1 and d[9] == (0 if s1 < 2 else 11 - s1) and d[10] == (0 if s2 < 2 else 11 - s2)

    cpfs = [str(r[0]).zfill(11) for r in _rows(con, "SELECT cpf FROM cust")]
    assert len(set(cpfs)) == 45 and all(valid(c) for c in cpfs)
    assert valid("52998224725") and not valid("52998224724")  # the checker itself
    assert all(p.startswith("+55") and len(p) == 14 for (p,) in _rows(con, "SELECT phone FROM cust"))


def test_required_scenarios_exist(fleet: Any) -> None:
    _, meta, _ = fleet
    for name in ("shower_heavy", "flat_profile", "solar", "branca", "baixa_renda", "commerce", "group_a",
                 "weak_transformers", "weak_transformer_meters", "phase_problem", "tamper", "silent",
                 "comm_gaps", "long_outage_feeder", "short_outages", "suspensions"):  # fmt: skip
        assert scenario_ids(meta, name), name
    assert len(scenario_ids(meta, "group_a")) >= 2
    assert scenario_ids(meta, "long_outage_feeder") == ["AL-002"]
    assert scenario_ids(meta, "suspensions") == ["40010025", "40010026", "40010027"]
    with pytest.raises(KeyError, match="valid: .*solar"):
        scenario_ids(meta, "no_such_scenario")


def test_installation_register(fleet: Any) -> None:
    _, meta, con = fleet
    rows = {r[0]: r[1:] for r in _rows(con, "SELECT installation_id, group_code, interval_min, nominal_voltage_v, "
                                            "tariff_modality, gd_kind, gd_class, gd_kwp, contracted_demand_kw, phases FROM inst")}  # fmt: skip
    for a in scenario_ids(meta, "group_a"):
        assert rows[a][:3] == ("A", 5, 13800) and rows[a][3] in ("verde", "azul") and rows[a][7] > 0
    classes = {rows[i][5] for i in scenario_ids(meta, "solar")}
    assert classes == {"GD1", "GD2"} and all(
        rows[i][4] == "local" and 2 <= rows[i][6] <= 8 for i in scenario_ids(meta, "solar")
    )
    assert {r[1] for r in rows.values() if r[0] == "B"} == {15, 60}
    assert {r[2] for r in rows.values() if r[0] == "B"} == {127, 220}
    assert all(rows[i][3] == "branca" for i in scenario_ids(meta, "branca"))
    tr_sizes = [
        n for (n,) in _rows(con, "SELECT count(*) FROM inst WHERE group_code = 'B' GROUP BY transformer_id")
    ]
    assert min(tr_sizes) >= 8 and max(tr_sizes) <= 25


def test_shower_heavy_home_peaks_in_the_evening(fleet: Any) -> None:
    _, meta, con = fleet
    (home,) = scenario_ids(meta, "shower_heavy")
    by_hour = dict(_rows(con, """SELECT hour(ts), avg(value) FROM lp WHERE installation_id = ? AND channel = 'AE_FWD'
                                AND isodow(ts) <= 5 GROUP BY 1""", [home]))  # fmt: skip
    peak = max(by_hour, key=by_hour.__getitem__)
    assert 18 <= peak <= 21
    assert by_hour[peak] > 4 * by_hour[3]  # showers dwarf the night base load
    morning = max(by_hour[h] for h in (6, 7))
    assert morning > 2 * by_hour[3]  # the morning shower bump exists too
    # the flat profile has no peak worth the name
    (flat,) = scenario_ids(meta, "flat_profile")
    f = [v for _, v in _rows(con, "SELECT hour(ts), avg(value) FROM lp WHERE installation_id = ? "
                                  "AND channel = 'AE_FWD' GROUP BY 1", [flat])]  # fmt: skip
    assert max(f) < 1.4 * min(f)


def test_solar_exports_at_noon_never_at_night(fleet: Any) -> None:
    _, meta, con = fleet
    for inst in scenario_ids(meta, "solar"):
        noon, night = _rows(con, """SELECT sum(value) FILTER (WHERE hour(ts) BETWEEN 11 AND 13),
                                           sum(value) FILTER (WHERE hour(ts) >= 20 OR hour(ts) < 5)
                                    FROM lp WHERE installation_id = ? AND channel = 'AE_REV'""", [inst])[0]  # fmt: skip
        assert noon > 0 and night == 0
    (exporter,) = scenario_ids(meta, "net_exporter")
    imp, exp = _rows(con, "SELECT sum(value) FILTER (WHERE channel = 'AE_FWD'), sum(value) FILTER "
                          "(WHERE channel = 'AE_REV') FROM lp WHERE installation_id = ?", [exporter])[0]  # fmt: skip
    assert exp > imp
    non_gd = _rows(con, "SELECT count(*) FROM lp JOIN inst USING (installation_id) "
                        "WHERE channel = 'AE_REV' AND gd_kind = 'none' AND group_code = 'B'")[0][0]  # fmt: skip
    assert non_gd == 0  # Group B meters without GD do not export the AE_REV channel


def _bands(con: duckdb.DuckDBPyConnection, ids: list[str]) -> tuple[int, int, int]:
    """(adequada, precaria, critica) readings of 127 V meters, PRODIST bands written out by hand."""
    return _rows(con, """SELECT count(*) FILTER (WHERE voltage_v BETWEEN 117 AND 133),
                                count(*) FILTER (WHERE (voltage_v >= 110 AND voltage_v < 117) OR (voltage_v > 133 AND voltage_v <= 135)),
                                count(*) FILTER (WHERE voltage_v < 110 OR voltage_v > 135)
                         FROM v10 WHERE list_contains(?, installation_id)""", [ids])[0]  # fmt: skip


def test_weak_transformers_give_precaria_and_critica_others_stay_adequate(fleet: Any) -> None:
    _, meta, con = fleet
    weak = scenario_ids(meta, "weak_transformer_meters")
    assert set(scenario_ids(meta, "weak_transformers")) == {"TR-0011", "TR-0021"}
    for tr in scenario_ids(meta, "weak_transformers"):
        ids = [i for (i,) in _rows(con, "SELECT installation_id FROM inst WHERE transformer_id = ?", [tr])]
        ok, prec, crit = _bands(con, ids)
        assert prec / (ok + prec + crit) > 0.03, tr  # above the DRP limit on the pool of readings
        worst = max(b[2] / sum(b) for b in (_bands(con, [i]) for i in ids))
        assert worst > 0.005, tr  # at least one meter above the DRC limit
    # the worst reading of a weak meter happens at the evening peak
    hour = _rows(
        con, "SELECT hour(ts) FROM v10 WHERE installation_id = ? ORDER BY voltage_v, ts LIMIT 1", [weak[0]]
    )
    assert 17 <= hour[0][0] <= 22
    ok, prec, crit = _bands(con, scenario_ids(meta, "voltage_reference"))
    assert ok / (ok + prec + crit) > 0.97
    normal_127 = [i for (i,) in _rows(con, "SELECT installation_id FROM inst WHERE group_code = 'B' "
                                           "AND nominal_voltage_v = 127")]  # fmt: skip
    normal_127 = [i for i in normal_127 if i not in weak and i not in scenario_ids(meta, "phase_problem")]
    ok, prec, crit = _bands(con, normal_127)
    assert ok / (ok + prec + crit) > 0.97


def test_phase_problems_show_on_one_phase(fleet: Any) -> None:
    _, meta, con = fleet
    (sag,) = scenario_ids(meta, "phase_sag")
    per_phase = dict(
        _rows(con, "SELECT phase, avg(voltage_v) FROM v10 WHERE installation_id = ? GROUP BY 1", [sag])
    )
    assert per_phase["C"] < per_phase["A"] - 5 and abs(per_phase["A"] - per_phase["B"]) < 3
    (loss,) = scenario_ids(meta, "phase_loss")
    zeros = dict(_rows(con, "SELECT phase, count(*) FILTER (WHERE voltage_v = 0) FROM v10 "
                            "WHERE installation_id = ? GROUP BY 1", [loss]))  # fmt: skip
    assert zeros["B"] > 0 and zeros["A"] == 0 and zeros["C"] == 0
    codes = [
        c
        for (c,) in _rows(
            con, "SELECT code FROM ev WHERE installation_id = ? AND code IN (4, 6) ORDER BY ts", [loss]
        )
    ]
    assert codes and codes == [4, 6] * (len(codes) // 2)


def test_outage_events_are_paired_and_blank_the_load_profile(fleet: Any) -> None:
    _, meta, con = fleet
    seq = _rows(con, """SELECT installation_id, list(code ORDER BY ts, code) FROM ev WHERE code IN (1, 2)
                        GROUP BY 1""")  # fmt: skip
    for inst, codes in seq:  # (a reconnection after a suspension adds a lone power_up: allowed)
        downs = [i for i, c in enumerate(codes) if c == 1]
        assert all(i + 1 < len(codes) and codes[i + 1] == 2 for i in downs), inst
    # every power_down comes with a last-gasp alarm at the same instant
    assert _rows(con, """SELECT count(*) FROM ev d WHERE code = 1 AND NOT EXISTS (SELECT 1 FROM ev g
                         WHERE g.code = 101 AND g.installation_id = d.installation_id AND g.ts = d.ts)""")[0][0] == 0  # fmt: skip
    # the evening outage of 'yesterday' on the demo feeder: all its meters within seconds of each other
    y = meta["details"]["yesterday_outage"]
    feeder_meters = _rows(con, "SELECT count(*) FROM inst WHERE feeder_id = ?", [y["feeder_id"]])[0][0]
    n, spread = _rows(con, """SELECT count(DISTINCT installation_id), date_diff('second', min(ts), max(ts)) FROM ev
                              WHERE code = 1 AND ts BETWEEN ?::TIMESTAMP AND ?::TIMESTAMP + INTERVAL 1 MINUTE""",
                      [y["start"], y["start"]])[0]  # fmt: skip
    assert n == feeder_meters and spread < 30
    # load profile during that outage: nothing imported, intervals flagged as interrupted (15-minute demo meter)
    vals = _rows(con, """SELECT value, quality FROM lp WHERE installation_id = '40010001' AND channel = 'AE_FWD'
                         AND ts >= ?::TIMESTAMP AND ts + INTERVAL 15 MINUTE <= ?::TIMESTAMP""", [y["start"], y["end"]])  # fmt: skip
    assert vals == [(0.0, 2)] * 3  # 19:45, 20:00 and 20:15 (outage 19:42-20:30)


def test_short_outages_are_under_three_minutes(fleet: Any) -> None:
    _, meta, con = fleet
    for so in meta["scenarios"]["short_outages"]:
        rows = _rows(con, """SELECT installation_id, list(ts ORDER BY ts, code), list(code ORDER BY ts, code) FROM ev
                             WHERE code IN (1, 2) AND ts BETWEEN ?::TIMESTAMP AND ?::TIMESTAMP + INTERVAL 1 MINUTE
                             GROUP BY 1""", [so["start"], so["end"]])  # fmt: skip
        assert rows
        for _, ts, codes in rows:
            assert codes == [1, 2] and (ts[1] - ts[0]).total_seconds() < 180


def test_long_outage_feeder_exceeds_a_monthly_dic_of_8_hours(fleet: Any) -> None:
    _, meta, con = fleet
    feeder = scenario_ids(meta, "long_outage_feeder")[0]
    (month,) = [d["month"] for d in meta["details"]["dic_exceeded"]]
    worst = _rows(con, """WITH e AS (SELECT installation_id, ts, code,
                              lead(ts) OVER (PARTITION BY installation_id ORDER BY ts, code) AS nts,
                              lead(code) OVER (PARTITION BY installation_id ORDER BY ts, code) AS nc
                            FROM ev WHERE code IN (1, 2))
                          SELECT min(h) FROM (SELECT e.installation_id, sum(date_diff('second', ts, nts)) / 3600.0 AS h
                            FROM e JOIN inst USING (installation_id)
                            WHERE code = 1 AND nc = 2 AND date_diff('second', ts, nts) >= 180
                              AND strftime(ts, '%Y-%m') = ? AND feeder_id = ? GROUP BY 1)""", [month, feeder])[0][0]  # fmt: skip
    assert worst > 8.0


def test_tamper_alarm_then_sustained_consumption_drop(fleet: Any) -> None:
    _, meta, con = fleet
    tampers = meta["details"]["tamper"]
    assert [t["installation_id"] for t in tampers] == scenario_ids(meta, "tamper")
    for t in tampers:
        codes = {c for (c,) in _rows(con, "SELECT code FROM ev WHERE installation_id = ? AND ts >= ?::TIMESTAMP",
                                     [t["installation_id"], t["alarm_ts"]])}  # fmt: skip
        assert codes & {102, 104}
        before, after = _rows(con, """SELECT sum(value) FILTER (WHERE ts < ?::TIMESTAMP) / 20.0,
                                             sum(value) FILTER (WHERE ts >= ?::TIMESTAMP + INTERVAL 1 DAY) / 20.0
                                      FROM lp WHERE installation_id = ? AND channel = 'AE_FWD'
                                      AND ts >= ?::TIMESTAMP - INTERVAL 20 DAY AND ts < ?::TIMESTAMP + INTERVAL 21 DAY""",
                              [t["alarm_ts"]] * 2 + [t["installation_id"]] + [t["alarm_ts"]] * 2)[0]  # fmt: skip
        assert after < 0.6 * before  # more than a 40 % drop


def test_silent_meters_send_nothing_in_the_last_five_days(fleet: Any) -> None:
    _, meta, con = fleet
    silent = scenario_ids(meta, "silent")
    assert silent
    cut = dt.datetime(2026, 11, 21)  # the last 5 days: 21..25 Nov
    for view in ("lp", "v10", "ev", "reg"):
        assert _rows(con, f"SELECT count(*) FROM {view} WHERE list_contains(?, installation_id) AND ts >= ?",
                     [silent, cut])[0][0] == 0, view  # fmt: skip
    assert _rows(con, "SELECT count(*) FROM st WHERE list_contains(?, installation_id)", [silent])[0][0] == 0
    assert _rows(con, "SELECT count(*) FROM lp WHERE list_contains(?, installation_id) AND ts < ?",
                 [silent, cut])[0][0] > 0  # fmt: skip


def test_comm_gaps_are_missing_rows(fleet: Any) -> None:
    _, meta, con = fleet
    for inst, windows in meta["details"]["comm_gap_windows"].items():
        for w in windows:
            assert _rows(con, "SELECT count(*) FROM lp WHERE installation_id = ? AND ts >= ?::TIMESTAMP "
                              "AND ts < ?::TIMESTAMP", [inst, w["start"], w["end"]])[0][0] == 0  # fmt: skip
    good = _rows(con, """SELECT min(n) FROM (SELECT installation_id, count(*) FILTER (WHERE k >= 0.75 * 1440 / im) n
                         FROM (SELECT installation_id, ts::DATE d, count(*) k, any_value(interval_min) im FROM lp
                               WHERE channel = 'AE_FWD' AND ts < '2026-11-24' GROUP BY 1, 2)
                         WHERE NOT list_contains(?, installation_id) GROUP BY 1)""",
                 [scenario_ids(meta, "silent") + scenario_ids(meta, "comm_gaps")])[0][0]  # fmt: skip
    assert good >= 57  # of 59 days before the stream window (outages may spoil a day or two)


def test_billing_registers_match_the_interval_data(fleet: Any) -> None:
    _, meta, con = fleet
    diffs = _rows(con, """WITH r AS (SELECT ts, value_wh - lag(value_wh) OVER (ORDER BY ts) AS d FROM reg
                              WHERE installation_id = '40010001' AND register = '003' AND posto = 'total'),
                           l AS (SELECT ts::DATE + 1 AS day, sum(value) AS s FROM lp
                              WHERE installation_id = '40010001' AND channel = 'AE_FWD' GROUP BY 1)
                         SELECT count(*), count(*) FILTER (WHERE d = s) FROM r JOIN l ON r.ts = l.day""")[0]  # fmt: skip
    assert diffs == (61, 61)
    # branca: ponta + intermediario + fora_ponta == total at every reading; Group A: every 6 h
    bad = _rows(con, """SELECT count(*) FROM (SELECT installation_id, ts, register,
                            sum(value_wh) FILTER (WHERE posto <> 'total') AS parts,
                            any_value(value_wh) FILTER (WHERE posto = 'total') AS total
                          FROM reg WHERE register <> '006' GROUP BY ALL) WHERE parts IS NOT NULL AND parts <> total""")  # fmt: skip
    assert bad[0][0] == 0
    hours = {h for (h,) in _rows(con, "SELECT DISTINCT hour(ts) FROM reg WHERE installation_id = ?",
                                 [scenario_ids(meta, "group_a")[0]])}  # fmt: skip
    assert hours == {0, 6, 12, 18}
    exceeded = meta["details"]["demand_exceeded"][0]
    peak_w = _rows(con, """SELECT max(value_wh) FROM reg WHERE installation_id = ? AND register = '006'
                           AND posto = 'total' AND strftime(ts - INTERVAL 1 SECOND, '%Y-%m') = ?""",
                   [exceeded["installation_id"], exceeded["month"]])[0][0]  # fmt: skip
    assert peak_w > 1.05 * exceeded["contracted_kw"] * 1000  # ultrapassagem (> 5 % tolerance)


def test_stream_file_complements_the_csv(fleet: Any) -> None:
    _, meta, con = fleet
    stream = meta["stream"]
    assert stream["start"] == "2026-11-24 00:00:00" and stream["installations"]
    msgs, overlap = _rows(con, """SELECT (SELECT count(*) FROM st),
        (SELECT count(*) FROM lp JOIN st ON lp.installation_id = st.installation_id AND lp.ts = st.ts::TIMESTAMP)""")[0]  # fmt: skip
    assert msgs == sum(n for f, n in meta["files"].items() if f.endswith(".jsonl")) and overlap == 0
    first = json.loads(next(iter((Path(fleet[0]) / next(iter(stream["files"]))).open())))
    assert set(first) == {"installation_id", "ts", "interval_min", "channels", "quality"}
    assert "AE_FWD" in first["channels"] and first["ts"].startswith("2026-11-24T")


def test_suspensions_cut_the_relay_and_reconnect(fleet: Any) -> None:
    _, meta, con = fleet
    late = 0
    for s in meta["scenarios"]["suspensions"]:
        codes = _rows(con, """SELECT list(code ORDER BY ts, code) FROM ev WHERE installation_id = ?
                              AND code IN (30, 31) AND ts BETWEEN ?::TIMESTAMP AND ?::TIMESTAMP""",
                      [s["installation_id"], s["disconnect_ts"], s["reconnect_ts"]])[0][0]  # fmt: skip
        assert codes == [30, 31]
        assert _rows(con, """SELECT count(*) FROM ev WHERE installation_id = ? AND code = 2
                             AND ts BETWEEN ?::TIMESTAMP AND ?::TIMESTAMP + INTERVAL 10 SECOND""",
                     [s["installation_id"], s["reconnect_ts"], s["reconnect_ts"]])[0][0] == 1  # fmt: skip
        imported = _rows(con, """SELECT sum(value) FROM lp WHERE installation_id = ? AND channel = 'AE_FWD'
                                 AND ts >= ?::TIMESTAMP + INTERVAL 1 HOUR AND ts < ?::TIMESTAMP - INTERVAL 1 HOUR""",
                         [s["installation_id"], s["disconnect_ts"], s["reconnect_ts"]])[0][0]  # fmt: skip
        assert imported in (0, None)
        late += s["hours_after_payment"] > 24
    assert late >= 1


def test_crafted_voltage_week_has_exact_counts() -> None:
    start = dt.datetime(2026, 10, 5)
    df = crafted_voltage_week("40019999", start, 127, n_precaria=31, n_critica=5, interruption_windows=3)
    assert len(df) == 1008 + 3 and set(df["phase"]) == {"A"}
    v = df["voltage_v"].to_numpy()
    valid = v[v > 0]
    assert len(valid) == 1008 and (v == 0).sum() == 3
    prec = ((valid >= 110) & (valid < 117)) | ((valid > 133) & (valid <= 135))
    crit = (valid < 110) | (valid > 135)
    assert prec.sum() == 31 and crit.sum() == 5  # DRP 3.075 % (violated), DRC 0.496 % (not violated)
    assert {116.9, 110.0, 133.1, 135.0}.issubset(set(valid[prec])) and {117.0, 133.0}.issubset(set(valid))
    assert df["ts"].iloc[0] == start and (df["ts"].diff().dropna() == np.timedelta64(10, "m")).all()
    three = crafted_voltage_week("40019999", start, 220, 40, 7, phases=3)
    per = three.assign(c=(three["voltage_v"] < 191) | (three["voltage_v"] > 233)).groupby("phase")["c"].sum()
    assert per.to_dict() == {"A": 7, "B": 3, "C": 3}
    with pytest.raises(ValueError):
        crafted_voltage_week("x", start, 115, 1, 1)


def test_demo_data_writes_the_service_requests(fleet: Any, tmp_path: Path) -> None:
    """Audit item 6: demo-data alone (no setup) exports the service requests, so a store built with
    demo-data + ingest answers deadline_status for the late reconnection.

    The rule (REN 1.000/2021 art. 362 IV): religacao normal, urban area, 24 hours from the payment.
    A suspension reconnected more than 24 hours after the payment is late.
    """
    from tools.api.context import Scope, ToolContext, run_tool
    from tools.data.ingest import ingest_paths
    from tools.data.store import Store

    out, meta, _ = fleet
    assert (out / "service_requests.csv").exists()
    assert meta["files"]["service_requests.csv"] > 0
    late = next(s for s in meta["scenarios"]["suspensions"] if s["hours_after_payment"] > 24)
    home = tmp_path / "home"
    files = [out / n for n in ("installations.csv", "customers.csv", "service_requests.csv")]
    files += sorted(out.glob("events_*.csv"))
    store = Store(home)
    try:
        report = ingest_paths(store, files)
        assert not report.errors
        ctx = ToolContext(store, Scope.operator(), today=END + dt.timedelta(days=1))
        res = run_tool("deadline_status", ctx, late["installation_id"], {"request_type": "religacao"})
        reqs = [r for r in res.value.requests if r.request_type.startswith("religacao")]
        assert reqs, "no religacao request for the late reconnection"
        (req,) = [r for r in reqs if r.opened_at == dt.datetime.fromisoformat(late["payment_ts"])]
        assert req.deadline_amount == 24 and req.deadline_unit == "hours"
        assert req.due_at == dt.datetime.fromisoformat(late["payment_ts"]) + dt.timedelta(hours=24)
        assert req.late
    finally:
        store.close()


def test_group_a_voltages_are_the_vt_secondary(fleet: Any) -> None:
    """Group A meters export 10-minute voltages too, read at the VT secondary: 13.800/115 V gives
    115/sqrt(3) = 66,4 V phase-neutral, inside the MT adequada band 0,93-1,05 x 66,4 = 61,7-69,7 V."""
    _, meta, con = fleet
    ids = scenario_ids(meta, "group_a")
    n, mean = _rows(
        con, "SELECT count(*), avg(voltage_v) FROM v10 WHERE list_contains(?, installation_id)", [ids]
    )[0]
    assert n > 0
    assert 61.7 < mean < 69.7
