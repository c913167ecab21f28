-- DRP/DRC per installation and set of $set_size valid 10-minute readings (PRODIST Modulo 8).
-- One row per installation and set. Parameters:
--   $start, $end      requested period [start, end) (TIMESTAMP, whole days)
--   $end_ext          readings from $end up to $end_ext only complete the last set
--   $set_size         1008
--   $low_pu           0.1: a phase below 0,1 pu is interrupted (reading dropped)
--   $installation     one installation id, or NULL for the whole fleet
--   $b_nom ... $b_phi band table (nominal V; adequate lo/hi, precaria lo/hi in 0.1 V)
--   $b_tr             TR of the readings (V): the nominal, or the VT secondary for MT meters
-- Windows (aligned on the 10-minute grid) overlapping any power-down/up interruption (any
-- duration; short ones are VTCD) are expurgated; the number of sets is ceil(valid readings in the period / $set_size).
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
raw AS (
    -- class per phase: 0 adequada, 1 precaria, 2 critica; NULL = no reading or phase below 0,1 pu
    SELECT r.installation_id, r.ts,
           CASE WHEN r.v_a_dv IS NULL OR r.v_a_dv < n.low_dv THEN NULL WHEN r.v_a_dv BETWEEN n.a_lo AND n.a_hi THEN 0
                WHEN r.v_a_dv BETWEEN n.p_lo AND n.p_hi THEN 1 ELSE 2 END AS ca,
           CASE WHEN r.v_b_dv IS NULL OR r.v_b_dv < n.low_dv THEN NULL WHEN r.v_b_dv BETWEEN n.a_lo AND n.a_hi THEN 0
                WHEN r.v_b_dv BETWEEN n.p_lo AND n.p_hi THEN 1 ELSE 2 END AS cb,
           CASE WHEN r.v_c_dv IS NULL OR r.v_c_dv < n.low_dv THEN NULL WHEN r.v_c_dv BETWEEN n.a_lo AND n.a_hi THEN 0
                WHEN r.v_c_dv BETWEEN n.p_lo AND n.p_hi THEN 1 ELSE 2 END AS cc
    FROM voltage_10min r
    JOIN inst n ON n.installation_id = r.installation_id
    WHERE r.ts >= CAST($start AS TIMESTAMP) AND r.ts < CAST($end_ext AS TIMESTAMP)
),
valid AS (
    SELECT raw.*, CAST(raw.ts AS DATE) AS day, (hour(raw.ts) * 60 + minute(raw.ts)) // 10 AS slot
    FROM raw
    ANTI JOIN intr o ON o.installation_id = raw.installation_id AND o.ts = raw.ts
    WHERE coalesce(ca, cb, cc) IS NOT NULL
),
-- The ordinal (rn) of each valid reading of an installation, without a window over every reading:
-- valid readings on earlier days + position in the day. A day with all 144 slots valid (the usual
-- case) gives the position from the clock; only days with gaps are numbered by a window function.
days AS (
    -- unique (installation, ts) + 144 readings on the 10-minute grid = every slot of the day
    SELECT installation_id, day, count(*) AS n_day,
           count(*) = 144 AND bool_and(minute(ts) % 10 = 0 AND second(ts) = 0 AND microsecond(ts) = 0) AS full_day
    FROM valid
    GROUP BY installation_id, day
),
days_before AS (
    SELECT *, coalesce(sum(n_day) OVER (PARTITION BY installation_id ORDER BY day
                                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
    FROM days
),
per_meter AS (
    SELECT installation_id, coalesce(sum(n_day) FILTER (WHERE day < CAST($end AS DATE)), 0) AS n_in_period
    FROM days
    GROUP BY installation_id
),
numbered AS (
    SELECT v.*, d.before + v.slot AS rn
    FROM valid v JOIN days_before d ON d.installation_id = v.installation_id AND d.day = v.day
    WHERE d.full_day
    UNION ALL
    SELECT v.*, d.before + row_number() OVER (PARTITION BY v.installation_id, v.day ORDER BY v.ts) - 1 AS rn
    FROM valid v JOIN days_before d ON d.installation_id = v.installation_id AND d.day = v.day
    WHERE NOT d.full_day
),
cls AS (
    SELECT numbered.installation_id, rn // $set_size AS set_no, ts, ca, cb, cc
    FROM numbered
    JOIN per_meter ON per_meter.installation_id = numbered.installation_id
    WHERE rn < ceil(n_in_period / $set_size) * $set_size
),
sets AS (
    SELECT installation_id, set_no,
           min(ts) AS set_start, max(ts) AS set_end, count(*) AS n_valid,
           count(*) FILTER (WHERE ca = 1) AS a_prec, count(*) FILTER (WHERE ca = 2) AS a_crit,
           count(*) FILTER (WHERE cb = 1) AS b_prec, count(*) FILTER (WHERE cb = 2) AS b_crit,
           count(*) FILTER (WHERE cc = 1) AS c_prec, count(*) FILTER (WHERE cc = 2) AS c_crit
    FROM cls
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
