"""Fleet-wide weekly DRP/DRC: one set-based DuckDB query vs a per-meter pandas loop.

Generates N synthetic meters x 1.008 ten-minute readings directly in DuckDB (in memory):
3-phase meters (one in three) and single-phase meters, 127 V and 220 V, a share of "weak"
meters whose evening voltage sags into the precaria/critica bands, and interruptions on a
few meters (windows to expurgate). Then:

1. runs ``tools/data/sql/quality_voltage_sets.sql`` (the query ``quality_ranking`` and
   ``compensation_exposure`` use) once over the whole fleet: one query plan, window function
   + GROUP BY, no Python loop over meters;
2. runs the naive baseline on a subset: for each meter, a parameterised query for its readings
   and its interruptions, then the pure pandas function ``tools.domain.quality.voltage_indicators``;
   the baseline time is extrapolated linearly to N meters (stated in the output);
3. checks that both give the same nlp/nlc/n_valid on the subset.

Run: ``.venv/bin/python bench/bench_quality.py [--meters 20000] [--baseline-meters 200] [--threads 2]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import duckdb
import pandas as pd

from tools.api.quality_common import band_params, sql_file, voltage_rules
from tools.domain import quality as q

WEEK_START = dt.datetime(2026, 11, 16)

_GENERATE = """
CREATE OR REPLACE TABLE installations AS
SELECT printf('M%07d', i) AS installation_id,
       CASE WHEN i % 6 = 5 THEN 220 ELSE 127 END AS nominal_voltage_v,
       CASE WHEN i % 3 = 0 THEN 3 ELSE 1 END AS phases,
       printf('TR-%05d', i // 25) AS transformer_id,
       printf('AL-%03d', i // 1000) AS feeder_id,
       (i // 25) % 20 = 7 AS weak
FROM range($meters) t(i);

CREATE OR REPLACE TABLE voltage_10min AS
WITH grid AS (
    SELECT m.installation_id, m.nominal_voltage_v, m.phases, m.weak,
           CAST($start AS TIMESTAMP) + k * INTERVAL 10 MINUTE AS ts, k
    FROM installations m CROSS JOIN range(1008) r(k)
), v AS (
    SELECT installation_id, ts, phases,
           nominal_voltage_v * (1.0
               + CASE WHEN weak AND hour(ts) BETWEEN 18 AND 21 THEN -0.10 ELSE 0.0 END
               + 0.025 * sin(k / 24.0)) AS base_v
    FROM grid
)
SELECT installation_id, ts,
       CAST(round(10 * base_v * (1 + 0.02 * (random() - 0.5))) AS SMALLINT) AS v_a_dv,
       CASE WHEN phases = 3 THEN CAST(round(10 * base_v * (1 + 0.03 * (random() - 0.5))) AS SMALLINT) END AS v_b_dv,
       CASE WHEN phases = 3 THEN CAST(round(10 * base_v * (1 + 0.04 * (random() - 0.5))) AS SMALLINT) END AS v_c_dv
FROM v
ORDER BY installation_id, ts;

CREATE OR REPLACE TABLE outages AS
SELECT installation_id,
       CAST($start AS TIMESTAMP) + INTERVAL 2 DAY + (hash(installation_id) % 600) * INTERVAL 1 MINUTE AS start_ts,
       CAST($start AS TIMESTAMP) + INTERVAL 2 DAY + (hash(installation_id) % 600 + 45) * INTERVAL 1 MINUTE AS end_ts,
       45.0 AS duration_min, true AS counts_as_interruption
FROM installations
WHERE hash(installation_id) % 50 = 0;
"""


def generate(con: duckdb.DuckDBPyConnection, meters: int) -> float:
    t0 = time.perf_counter()
    con.execute("SELECT setseed(0.7)")
    for stmt in _GENERATE.split(";"):
        if stmt.strip():
            values = {"meters": meters, "start": WEEK_START}
            con.execute(stmt, {k: v for k, v in values.items() if f"${k}" in stmt} or None)
    return time.perf_counter() - t0


def params(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    nominals = [r[0] for r in con.execute("SELECT DISTINCT nominal_voltage_v FROM installations").fetchall()]
    end = WEEK_START + dt.timedelta(days=7)
    return {
        "start": WEEK_START,
        "end": end,
        "end_ext": end,
        "set_size": voltage_rules().set_size,
        "low_pu": float(voltage_rules().interruption_pu),
        "installation": None,
        **band_params(nominals),
    }


def set_based(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, float, float, str]:
    """(result, wall seconds, process CPU seconds, physical plan)."""
    sql = sql_file("quality_voltage_sets.sql")
    p = params(con)
    plan = con.execute("EXPLAIN " + sql, p).fetchall()
    t0, c0 = time.perf_counter(), time.process_time()
    df = con.execute(sql, p).df()
    return df, time.perf_counter() - t0, time.process_time() - c0, plan[0][1]


def per_meter_loop(
    con: duckdb.DuckDBPyConnection, ids: list[str]
) -> tuple[dict[str, tuple[int, int, int]], float, float, int]:
    rules = voltage_rules()
    end = WEEK_START + dt.timedelta(days=7)
    out: dict[str, tuple[int, int, int]] = {}
    n = 0
    t0, c0 = time.perf_counter(), time.process_time()
    for iid in ids:
        nominal = con.execute(
            "SELECT nominal_voltage_v FROM installations WHERE installation_id = ?", [iid]
        ).fetchone()
        readings = con.execute(
            "SELECT ts, v_a_dv, v_b_dv, v_c_dv FROM voltage_10min WHERE installation_id = ? ORDER BY ts",
            [iid],
        ).df()
        intr = con.execute("SELECT start_ts, end_ts FROM outages WHERE installation_id = ?", [iid]).fetchall()
        assert nominal is not None
        ind = q.voltage_indicators(
            readings, q.band_for(nominal[0], rules), rules, interruptions=intr, period_end=end
        )
        s = ind.sets[0]
        out[iid] = (s.nlp, s.nlc, s.n_valid)
        n += len(readings)
    return out, time.perf_counter() - t0, time.process_time() - c0, n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--meters", type=int, default=20000)
    ap.add_argument("--baseline-meters", type=int, default=200)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--explain", action="store_true", help="print the physical plan of the set-based query")
    a = ap.parse_args()

    con = duckdb.connect(":memory:")
    con.execute(f"SET threads = {int(a.threads)}")
    gen_s = generate(con, a.meters)
    readings = con.execute("SELECT count(*) FROM voltage_10min").fetchone()[0]  # type: ignore[index]
    print(
        f"fleet: {a.meters:,} meters x 1,008 readings = {readings:,} rows (generated in DuckDB in {gen_s:.1f} s)"
    )

    df, sql_s, sql_cpu, plan = set_based(con)
    violating = int(((df["nlp"] * 100 / 1008) > 3).sum())
    print(
        f"set-based SQL (one query plan, {a.threads} threads): {sql_s:.2f} s wall -> {readings / sql_s:,.0f} readings/s "
        f"({sql_cpu:.2f} CPU-s -> {readings / sql_cpu:,.0f} readings per CPU-second)"
    )
    print(f"  {len(df):,} meter-weeks, {violating:,} above DRPlim 3 %")
    if a.explain:
        print(plan)

    ids = df["installation_id"].sort_values().head(a.baseline_meters).tolist()
    ids += df.loc[df["nlp"] > 0, "installation_id"].head(20).tolist()  # include violating meters
    loop, loop_s, loop_cpu, loop_n = per_meter_loop(con, ids)
    extrapolated = loop_s / len(ids) * a.meters
    print(
        f"per-meter pandas loop (baseline): {len(ids)} meters in {loop_s:.2f} s wall / {loop_cpu:.2f} CPU-s -> "
        f"{loop_n / loop_s:,.0f} readings/s; extrapolated to {a.meters:,} meters: {extrapolated:,.0f} s "
        "(linear extrapolation from the subset, not measured on the whole fleet)"
    )
    print(
        f"speed-up: {extrapolated / sql_s:,.0f}x wall, "
        f"{(loop_cpu / len(ids) * a.meters) / sql_cpu:,.0f}x CPU (load from other processes inflates wall times)"
    )
    got = df.set_index("installation_id").loc[ids, ["nlp", "nlc", "n_valid"]]
    same = all(tuple(int(x) for x in got.loc[i]) == loop[i] for i in ids)
    print(f"results identical on the {len(ids)} baseline meters: {same}")
    if not same:
        raise SystemExit("set-based and per-meter results differ")


if __name__ == "__main__":
    main()
