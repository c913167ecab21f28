-- DRP/DRC per installation and set of $set_size valid 10-minute readings (PRODIST Modulo 8).
-- One row per installation and set. Parameters:
--   $start, $end      requested period [start, end) (TIMESTAMP, whole days)
--   $end_ext          readings from $end up to $end_ext only complete the last set
--   $set_size         1008
--   $low_pu           0.1: a phase below 0,1 pu is interrupted (reading dropped)
--   $installation     one installation id, or NULL for the whole fleet
--   $vdays            TRUE: read the per-day figures from voltage_days (it matches the lake and
--                     $start, $end_ext are midnights); FALSE: compute them from the readings
--   $b_nom ... $b_phi band table (nominal V; adequate lo/hi, precaria lo/hi in 0.1 V)
--   $b_tr             TR of the readings (V): the nominal, or the VT secondary for MT meters
-- Windows (aligned on the 10-minute grid) overlapping any power-down/up interruption (any
-- duration; short ones are VTCD) are expurgated; the number of sets is ceil(valid readings in the period / $set_size).
--
-- How (same rows as numbering every valid reading, at a fraction of the cost): the readings of an
-- installation are numbered in time order (rn), set = rn // $set_size. Per installation and day,
-- one aggregate over the readings (vday: rows with a reading, on the 10-minute grid or not,
-- min/max per phase) says whether the day is *simple*: complete (144 readings on the 10-minute
-- grid), no interruption touches it and every reading of every phase lies in the adequate band,
-- so all its readings are valid and adequate.
-- Only the other days are classified reading by reading (rl). A day whose readings all fall in
-- one set adds its counts to that set; a simple day split by a set boundary is cut by the clock
-- (reading k at 00:00 + 10k min); any other split day is numbered reading by reading. A regular
-- meter (complete, adequate days) never reaches the reading level.
WITH bands AS (
    SELECT unnest(CAST($b_nom AS DOUBLE[])) AS nominal_v,
           unnest(CAST($b_alo AS DOUBLE[])) AS a_lo,
           unnest(CAST($b_ahi AS DOUBLE[])) AS a_hi,
           unnest(CAST($b_plo AS DOUBLE[])) AS p_lo,
           unnest(CAST($b_phi AS DOUBLE[])) AS p_hi,
           unnest(CAST($b_tr AS DOUBLE[])) AS tr_v
),
inst AS (
    SELECT i.installation_id, b.nominal_v, b.a_lo, b.a_hi, b.p_lo, b.p_hi,
           CAST($low_pu AS DOUBLE) * b.tr_v * 10 AS low_dv
    FROM installations i
    JOIN bands b ON b.nominal_v = CAST(i.nominal_voltage_v AS DOUBLE)
    WHERE CAST($installation AS VARCHAR) IS NULL OR i.installation_id = CAST($installation AS VARCHAR)
),
intr AS (
    -- 10-minute windows [ts, ts + 10 min) touched by an interruption [start_ts, end_ts)
    SELECT DISTINCT installation_id,
           unnest(range(time_bucket(INTERVAL 10 MINUTE, start_ts), end_ts, INTERVAL 10 MINUTE)) AS ts
    FROM outages
    WHERE start_ts < CAST($end_ext AS TIMESTAMP)
      AND end_ts > CAST($start AS TIMESTAMP) - INTERVAL 10 MINUTE
),
intr_days AS (
    SELECT DISTINCT installation_id, CAST(ts AS DATE) AS day FROM intr
),
vday AS (
    -- per installation and day: rows with a reading on any phase, all on the 10-minute grid or
    -- not, min/max per phase, first/last reading (no band needed). From ``voltage_days`` (built
    -- with the lake, tools/data/voltage_days.py) when $vdays says it matches the lake and the
    -- period is whole days; otherwise one pass over the readings (the same rows)
    SELECT installation_id, day, n_any, on_grid, a_min, a_max, b_min, b_max, c_min, c_max, first_ts, last_ts
    FROM voltage_days
    WHERE CAST($vdays AS BOOLEAN)
      AND day >= CAST($start AS DATE) AND day < CAST($end_ext AS DATE)
      AND (CAST($installation AS VARCHAR) IS NULL OR installation_id = CAST($installation AS VARCHAR))
    UNION ALL
    SELECT r.installation_id, CAST(r.ts AS DATE) AS day, count(*) AS n_any,
           bool_and(minute(r.ts) % 10 = 0 AND second(r.ts) = 0 AND microsecond(r.ts) = 0) AS on_grid,
           min(r.v_a_dv) AS a_min, max(r.v_a_dv) AS a_max, min(r.v_b_dv) AS b_min, max(r.v_b_dv) AS b_max,
           min(r.v_c_dv) AS c_min, max(r.v_c_dv) AS c_max, min(r.ts) AS first_ts, max(r.ts) AS last_ts
    FROM voltage_10min r
    WHERE NOT CAST($vdays AS BOOLEAN)
      AND r.ts >= CAST($start AS TIMESTAMP) AND r.ts < CAST($end_ext AS TIMESTAMP)
      AND (CAST($installation AS VARCHAR) IS NULL OR r.installation_id = CAST($installation AS VARCHAR))
      AND coalesce(r.v_a_dv, r.v_b_dv, r.v_c_dv) IS NOT NULL
    GROUP BY r.installation_id, CAST(r.ts AS DATE)
),
dstat AS (
    SELECT v.*, n.low_dv, n.a_lo, n.a_hi, n.p_lo, n.p_hi,
           $set_size >= 144 AND o.installation_id IS NULL
             AND (v.a_min IS NULL OR (v.a_min >= n.low_dv AND v.a_min >= n.a_lo AND v.a_max <= n.a_hi))
             AND (v.b_min IS NULL OR (v.b_min >= n.low_dv AND v.b_min >= n.a_lo AND v.b_max <= n.a_hi))
             AND (v.c_min IS NULL OR (v.c_min >= n.low_dv AND v.c_min >= n.a_lo AND v.c_max <= n.a_hi))
             AND v.n_any = 144 AND v.on_grid AS simple
    FROM vday v
    JOIN inst n ON n.installation_id = v.installation_id
    LEFT JOIN intr_days o ON o.installation_id = v.installation_id AND o.day = v.day
),
rl AS (
    -- reading level, only the days that are not simple: class per phase (0 adequada, 1 precaria,
    -- 2 critica; NULL = no reading or phase below 0,1 pu), interrupted windows expurgated
    SELECT r.installation_id, r.ts, CAST(r.ts AS DATE) AS day,
           CASE WHEN r.v_a_dv IS NULL OR r.v_a_dv < n.low_dv THEN NULL WHEN r.v_a_dv BETWEEN n.a_lo AND n.a_hi THEN 0
                WHEN r.v_a_dv BETWEEN n.p_lo AND n.p_hi THEN 1 ELSE 2 END AS ca,
           CASE WHEN r.v_b_dv IS NULL OR r.v_b_dv < n.low_dv THEN NULL WHEN r.v_b_dv BETWEEN n.a_lo AND n.a_hi THEN 0
                WHEN r.v_b_dv BETWEEN n.p_lo AND n.p_hi THEN 1 ELSE 2 END AS cb,
           CASE WHEN r.v_c_dv IS NULL OR r.v_c_dv < n.low_dv THEN NULL WHEN r.v_c_dv BETWEEN n.a_lo AND n.a_hi THEN 0
                WHEN r.v_c_dv BETWEEN n.p_lo AND n.p_hi THEN 1 ELSE 2 END AS cc
    FROM voltage_10min r
    JOIN (SELECT installation_id, day, low_dv, a_lo, a_hi, p_lo, p_hi FROM dstat WHERE NOT simple) AS n
      ON n.installation_id = r.installation_id AND n.day = CAST(r.ts AS DATE)
    ANTI JOIN intr o ON o.installation_id = r.installation_id AND o.ts = r.ts
    WHERE r.ts >= CAST($start AS TIMESTAMP) AND r.ts < CAST($end_ext AS TIMESTAMP)
),
rl_valid AS (
    SELECT * FROM rl WHERE coalesce(ca, cb, cc) IS NOT NULL
),
days AS (
    -- every day with valid readings: n_day, complete (144 on the grid), counts, first/last reading
    SELECT installation_id, day, n_any AS n_day, true AS full_day,
           0 AS a_prec, 0 AS a_crit, 0 AS b_prec, 0 AS b_crit, 0 AS c_prec, 0 AS c_crit,
           first_ts, last_ts, true AS simple
    FROM dstat WHERE simple
    UNION ALL
    SELECT installation_id, day, count(*) AS n_day,
           count(*) = 144 AND bool_and(minute(ts) % 10 = 0 AND second(ts) = 0 AND microsecond(ts) = 0) AS full_day,
           count(*) FILTER (WHERE ca = 1) AS a_prec, count(*) FILTER (WHERE ca = 2) AS a_crit,
           count(*) FILTER (WHERE cb = 1) AS b_prec, count(*) FILTER (WHERE cb = 2) AS b_crit,
           count(*) FILTER (WHERE cc = 1) AS c_prec, count(*) FILTER (WHERE cc = 2) AS c_crit,
           min(ts) AS first_ts, max(ts) AS last_ts, false AS simple
    FROM rl_valid
    GROUP BY installation_id, day
),
days_b AS (
    -- before: valid readings on the installation's earlier days; lim: readings past it only
    -- complete the last set of the period (ceil(valid readings in the period / $set_size) sets)
    SELECT *, before // $set_size AS s0, (before + n_day - 1) // $set_size AS s1
    FROM (
        SELECT *,
               coalesce(sum(n_day) OVER (PARTITION BY installation_id ORDER BY day
                                         ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before,
               ceil(coalesce(sum(n_day) FILTER (WHERE day < CAST($end AS DATE))
                             OVER (PARTITION BY installation_id), 0) / $set_size) * $set_size AS lim
        FROM days
    ) AS d
),
parts AS (
    -- a day inside one set
    SELECT installation_id, s0 AS set_no, first_ts AS p_start, last_ts AS p_end, n_day AS n,
           a_prec, a_crit, b_prec, b_crit, c_prec, c_crit
    FROM days_b WHERE s0 = s1 AND before < lim
    UNION ALL
    -- a simple complete day cut by a set boundary: the first k readings close set s0, by the clock
    SELECT installation_id, s0, first_ts, CAST(day AS TIMESTAMP) + to_minutes(CAST(10 * ((s0 + 1) * $set_size - before - 1) AS BIGINT)),
           (s0 + 1) * $set_size - before, 0, 0, 0, 0, 0, 0
    FROM days_b WHERE s0 <> s1 AND simple AND before < lim
    UNION ALL
    SELECT installation_id, s1, CAST(day AS TIMESTAMP) + to_minutes(CAST(10 * ((s0 + 1) * $set_size - before) AS BIGINT)), last_ts,
           before + n_day - (s0 + 1) * $set_size, 0, 0, 0, 0, 0, 0
    FROM days_b WHERE s0 <> s1 AND simple AND (s0 + 1) * $set_size < lim
    UNION ALL
    -- any other day cut by a set boundary: its readings numbered one by one
    SELECT installation_id, rn // $set_size, ts, ts, 1,
           CAST(ca = 1 AS INTEGER), CAST(ca = 2 AS INTEGER), CAST(cb = 1 AS INTEGER), CAST(cb = 2 AS INTEGER),
           CAST(cc = 1 AS INTEGER), CAST(cc = 2 AS INTEGER)
    FROM (
        SELECT v.installation_id, v.ts, v.ca, v.cb, v.cc, d.lim,
               d.before + row_number() OVER (PARTITION BY v.installation_id, v.day ORDER BY v.ts) - 1 AS rn
        FROM rl_valid v
        JOIN days_b d ON d.installation_id = v.installation_id AND d.day = v.day
        WHERE d.s0 <> d.s1 AND NOT d.simple AND d.before < d.lim
    ) AS x
    WHERE rn < lim
),
sets AS (
    SELECT installation_id, set_no,
           min(p_start) AS set_start, max(p_end) AS set_end, CAST(sum(n) AS BIGINT) AS n_valid,
           CAST(sum(a_prec) AS BIGINT) AS a_prec, CAST(sum(a_crit) AS BIGINT) AS a_crit,
           CAST(sum(b_prec) AS BIGINT) AS b_prec, CAST(sum(b_crit) AS BIGINT) AS b_crit,
           CAST(sum(c_prec) AS BIGINT) AS c_prec, CAST(sum(c_crit) AS BIGINT) AS c_crit
    FROM parts
    GROUP BY installation_id, set_no
)
SELECT installation_id, set_no, set_start, set_end, n_valid, n_valid = $set_size AS complete,
       a_prec, a_crit, b_prec, b_crit, c_prec, c_crit,
       greatest(a_prec, b_prec, c_prec) AS nlp,
       greatest(a_crit, b_crit, c_crit) AS nlc,
       100.0 * greatest(a_prec, b_prec, c_prec) / n_valid AS drp_rate_pct,
       100.0 * greatest(a_crit, b_crit, c_crit) / n_valid AS drc_rate_pct,
       100.0 * greatest(a_prec, b_prec, c_prec) / $set_size AS drp_so_far_pct,
       100.0 * greatest(a_crit, b_crit, c_crit) / $set_size AS drc_so_far_pct
FROM sets
