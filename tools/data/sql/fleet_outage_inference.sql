-- Outage inference: power-down / last-gasp bursts under one transformer within $window_min minutes
-- are one transformer outage when at least $min_meters meters and $min_share of the transformer's
-- meters went down; transformer outages of one feeder within the window are a feeder outage when
-- two or more transformers and at least $min_share of the feeder's transformers (or all of them) went
-- down. Parameters: $start, $end (TIMESTAMP); $window_min; $min_meters; $min_share;
-- $codes INTEGER[] (1, 101); $min_minutes (3: a long interruption)
WITH down AS (
    SELECT e.installation_id, min(e.ts) AS ts, i.transformer_id, i.feeder_id
    FROM events e
    JOIN installations i ON i.installation_id = e.installation_id
    WHERE e.ts >= CAST($start AS TIMESTAMP) AND e.ts < CAST($end AS TIMESTAMP)
      AND list_contains(CAST($codes AS INTEGER[]), e.code)
      AND i.transformer_id IS NOT NULL
    GROUP BY e.installation_id, i.transformer_id, i.feeder_id, time_bucket(INTERVAL 1 MINUTE, e.ts)
),
gaps AS (
    SELECT *,
           CASE WHEN ts - lag(ts) OVER (PARTITION BY transformer_id ORDER BY ts) <= $window_min * INTERVAL 1 MINUTE
                THEN 0 ELSE 1 END AS new_burst
    FROM down
),
bursts AS (
    SELECT *, sum(new_burst) OVER (PARTITION BY transformer_id ORDER BY ts ROWS UNBOUNDED PRECEDING) AS burst_no
    FROM gaps
),
t_size AS (
    SELECT transformer_id, count(*) AS n_meters FROM installations WHERE transformer_id IS NOT NULL GROUP BY transformer_id
),
f_size AS (
    SELECT feeder_id, count(DISTINCT transformer_id) AS n_transformers FROM installations
    WHERE transformer_id IS NOT NULL GROUP BY feeder_id
),
t_burst AS (
    SELECT b.transformer_id, any_value(b.feeder_id) AS feeder_id, b.burst_no,
           min(b.ts) AS start_ts, max(b.ts) AS last_ts, count(DISTINCT b.installation_id) AS n_down,
           any_value(s.n_meters) AS n_meters
    FROM bursts b JOIN t_size s ON s.transformer_id = b.transformer_id
    GROUP BY b.transformer_id, b.burst_no
),
t_out AS (
    SELECT *, n_down / n_meters AS share
    FROM t_burst
    WHERE n_down >= $min_meters AND n_down / n_meters >= $min_share
),
restore AS (
    SELECT t.transformer_id, t.burst_no, median(o.duration_min) AS duration_min, max(o.end_ts) AS end_ts
    FROM t_out t
    JOIN installations i ON i.transformer_id = t.transformer_id
    JOIN outages o ON o.installation_id = i.installation_id
                  AND o.start_ts >= t.start_ts - INTERVAL 1 MINUTE AND o.start_ts <= t.last_ts + INTERVAL 1 MINUTE
    GROUP BY t.transformer_id, t.burst_no
),
f_gaps AS (
    SELECT t.*, r.duration_min, r.end_ts,
           CASE WHEN t.start_ts - lag(t.start_ts) OVER (PARTITION BY t.feeder_id ORDER BY t.start_ts)
                     <= $window_min * INTERVAL 1 MINUTE THEN 0 ELSE 1 END AS new_f
    FROM t_out t LEFT JOIN restore r ON r.transformer_id = t.transformer_id AND r.burst_no = t.burst_no
),
f_bursts AS (
    SELECT *, sum(new_f) OVER (PARTITION BY feeder_id ORDER BY start_ts ROWS UNBOUNDED PRECEDING) AS f_no
    FROM f_gaps
),
f_out AS (
    SELECT fb.feeder_id, fb.f_no, min(fb.start_ts) AS start_ts, max(fb.last_ts) AS last_ts, max(fb.end_ts) AS end_ts,
           count(*) AS n_transformers, any_value(fs.n_transformers) AS feeder_transformers,
           sum(fb.n_down) AS n_down, sum(fb.n_meters) AS n_meters, median(fb.duration_min) AS duration_min,
           list(fb.transformer_id ORDER BY fb.transformer_id) AS transformers
    FROM f_bursts fb JOIN f_size fs ON fs.feeder_id = fb.feeder_id
    GROUP BY fb.feeder_id, fb.f_no
),
-- meters fed directly by the feeder (Group A, no transformer) join a feeder outage when they went
-- down within the window of it
direct AS (
    SELECT e.installation_id, e.ts, i.feeder_id
    FROM events e
    JOIN installations i ON i.installation_id = e.installation_id
    WHERE e.ts >= CAST($start AS TIMESTAMP) AND e.ts < CAST($end AS TIMESTAMP)
      AND list_contains(CAST($codes AS INTEGER[]), e.code)
      AND i.transformer_id IS NULL
),
direct_size AS (
    SELECT feeder_id, count(*) AS n_direct FROM installations WHERE transformer_id IS NULL GROUP BY feeder_id
),
classified AS (
    SELECT f.*, (n_transformers >= 2 AND n_transformers >= $min_share * feeder_transformers)
                OR n_transformers = feeder_transformers AS is_feeder
    FROM f_out f
),
with_direct AS (
    SELECT c.feeder_id, c.f_no, any_value(c.start_ts) AS start_ts, any_value(c.end_ts) AS end_ts,
           any_value(c.duration_min) AS duration_min, any_value(c.n_transformers) AS n_transformers,
           any_value(c.feeder_transformers) AS feeder_transformers, any_value(c.transformers) AS transformers,
           any_value(c.is_feeder) AS is_feeder,
           any_value(c.n_down) + CASE WHEN any_value(c.is_feeder) THEN count(DISTINCT d.installation_id) ELSE 0 END
               AS n_down,
           any_value(c.n_meters) + CASE WHEN any_value(c.is_feeder) THEN coalesce(any_value(ds.n_direct), 0) ELSE 0 END
               AS n_meters
    FROM classified c
    LEFT JOIN direct d ON d.feeder_id = c.feeder_id
                      AND d.ts >= c.start_ts - $window_min * INTERVAL 1 MINUTE
                      AND d.ts <= c.last_ts + $window_min * INTERVAL 1 MINUTE
    LEFT JOIN direct_size ds ON ds.feeder_id = c.feeder_id
    GROUP BY c.feeder_id, c.f_no
)
SELECT CASE WHEN is_feeder THEN 'feeder' ELSE 'transformer' END AS level,
       CASE WHEN is_feeder THEN feeder_id ELSE transformers[1] END AS entity_id,
       feeder_id, start_ts, end_ts, duration_min, coalesce(duration_min >= $min_minutes, false) AS long_interruption,
       n_transformers, feeder_transformers, n_down, n_meters, transformers
FROM with_direct
ORDER BY start_ts
