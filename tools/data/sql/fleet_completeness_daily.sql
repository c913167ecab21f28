-- data_completeness over the usage_daily aggregate (tools/data/usage.py): the same columns and values
-- as fleet_completeness.sql, whose $start, $end and $data_end are always midnights, from one row per
-- installation-day (rows = interval rows, minutes = sum(interval_min), estimated = rows with quality bit 1).
-- Parameters: $start, $end, $data_end (TIMESTAMP, midnight); $silent_days; $group (A | B | class | NULL)
WITH inst AS (
    SELECT installation_id, group_code, customer_class, feeder_id, transformer_id, interval_min,
           greatest(CAST($start AS TIMESTAMP), CAST(coalesce(connected_since, DATE '1900-01-01') AS TIMESTAMP)) AS exp_start
    FROM installations
    WHERE CAST($group AS VARCHAR) IS NULL OR group_code = CAST($group AS VARCHAR)
       OR customer_class = CAST($group AS VARCHAR)
),
got AS (
    SELECT installation_id, CAST(sum(rows) AS BIGINT) AS n_readings, sum(minutes) AS minutes,
           CAST(sum(estimated) AS BIGINT) AS n_estimated
    FROM usage_daily
    WHERE day >= CAST(CAST($start AS TIMESTAMP) AS DATE) AND day < CAST(CAST($end AS TIMESTAMP) AS DATE)
    GROUP BY installation_id
),
last AS (
    SELECT installation_id, max(last_ts) AS last_ts FROM usage_daily
    WHERE day < CAST(CAST($data_end AS TIMESTAMP) AS DATE) GROUP BY installation_id
),
recent AS (
    SELECT installation_id, CAST(sum(rows) AS BIGINT) AS n_recent, sum(import_wh) AS wh_recent
    FROM usage_daily
    WHERE day >= CAST(CAST($data_end AS TIMESTAMP) - $silent_days * INTERVAL 1 DAY AS DATE)
      AND day < CAST(CAST($data_end AS TIMESTAMP) AS DATE)
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
