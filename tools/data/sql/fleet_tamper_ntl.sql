-- Tamper alarms followed by a consumption drop (possible non-technical loss).
-- Daily energy is normalised by the minutes actually covered, before vs after the first tamper
-- alarm of the period, over $days days each side.
-- Parameters: $start, $end (TIMESTAMP); $codes INTEGER[] (tamper alarm codes); $days; $min_drop
WITH t AS (
    SELECT e.installation_id, min(e.ts) AS first_tamper, count(*) AS n_alarms,
           list(DISTINCT e.code ORDER BY e.code) AS codes
    FROM events e
    WHERE e.ts >= CAST($start AS TIMESTAMP) AND e.ts < CAST($end AS TIMESTAMP)
      AND list_contains(CAST($codes AS INTEGER[]), e.code)
    GROUP BY e.installation_id
),
lp AS (
    SELECT t.installation_id, t.first_tamper, l.ts, l.import_wh, l.interval_min
    FROM t
    JOIN load_profile l ON l.installation_id = t.installation_id
     AND l.ts >= t.first_tamper - $days * INTERVAL 1 DAY
     AND l.ts < t.first_tamper + $days * INTERVAL 1 DAY
),
agg AS (
    SELECT installation_id,
           1440.0 * sum(import_wh) FILTER (WHERE ts < first_tamper)
               / nullif(sum(interval_min) FILTER (WHERE ts < first_tamper), 0) AS before_wh_day,
           1440.0 * sum(import_wh) FILTER (WHERE ts >= first_tamper)
               / nullif(sum(interval_min) FILTER (WHERE ts >= first_tamper), 0) AS after_wh_day,
           sum(interval_min) FILTER (WHERE ts >= first_tamper) / 1440.0 AS after_days
    FROM lp
    GROUP BY installation_id
)
SELECT t.installation_id, i.transformer_id, i.feeder_id, t.first_tamper, t.n_alarms, t.codes,
       a.before_wh_day, a.after_wh_day, a.after_days,
       1 - a.after_wh_day / nullif(a.before_wh_day, 0) AS drop_share,
       coalesce(1 - a.after_wh_day / nullif(a.before_wh_day, 0) >= $min_drop, false) AS possible_ntl
FROM t
JOIN installations i ON i.installation_id = t.installation_id
LEFT JOIN agg a ON a.installation_id = t.installation_id
ORDER BY possible_ntl DESC, drop_share DESC NULLS LAST
