-- data_completeness: share of expected interval minutes received per installation in [start, end),
-- silence (days since the last reading before $data_end) and zero consumption while communicating
-- (readings in the last $silent_days days, all with import_wh = 0).
-- Parameters: $start, $end, $data_end (TIMESTAMP); $silent_days; $group (A | B | class | NULL)
WITH inst AS (
    SELECT installation_id, group_code, customer_class, feeder_id, transformer_id, interval_min,
           greatest(CAST($start AS TIMESTAMP), CAST(coalesce(connected_since, DATE '1900-01-01') AS TIMESTAMP)) AS exp_start
    FROM installations
    WHERE CAST($group AS VARCHAR) IS NULL OR group_code = CAST($group AS VARCHAR)
       OR customer_class = CAST($group AS VARCHAR)
),
got AS (
    SELECT installation_id, count(*) AS n_readings, sum(interval_min) AS minutes,
           count(*) FILTER (WHERE quality & 1 = 1) AS n_estimated
    FROM (SELECT DISTINCT installation_id, ts, interval_min, quality FROM load_profile
          WHERE ts >= CAST($start AS TIMESTAMP) AND ts < CAST($end AS TIMESTAMP))
    GROUP BY installation_id
),
last AS (
    SELECT installation_id, max(ts) AS last_ts FROM load_profile
    WHERE ts < CAST($data_end AS TIMESTAMP) GROUP BY installation_id
),
recent AS (
    SELECT installation_id, count(*) AS n_recent, sum(import_wh) AS wh_recent
    FROM load_profile
    WHERE ts >= CAST($data_end AS TIMESTAMP) - $silent_days * INTERVAL 1 DAY AND ts < CAST($data_end AS TIMESTAMP)
    GROUP BY installation_id
)
SELECT i.installation_id, i.group_code, i.customer_class, i.feeder_id, i.transformer_id, i.interval_min,
       greatest(date_diff('minute', i.exp_start, CAST($end AS TIMESTAMP)), 0) AS expected_minutes,
       coalesce(g.minutes, 0) AS received_minutes,
       coalesce(g.n_readings, 0) AS n_readings,
       coalesce(g.n_estimated, 0) AS n_estimated,
       l.last_ts,
       date_diff('minute', l.last_ts, CAST($data_end AS TIMESTAMP)) / 1440.0 AS days_since_last,
       coalesce(r.n_recent, 0) > 0 AND coalesce(r.wh_recent, 0) = 0 AS zero_while_communicating
FROM inst i
LEFT JOIN got g ON g.installation_id = i.installation_id
LEFT JOIN last l ON l.installation_id = i.installation_id
LEFT JOIN recent r ON r.installation_id = i.installation_id
