-- deadline_month_kwh.sql from the per-day aggregate (tools/data/usage.py), exact when $start and
-- $as_of are midnights. Parameters: $ids (VARCHAR[]), $start, $as_of (TIMESTAMP)
SELECT installation_id, strftime(day, '%Y-%m') AS month,
       sum(import_wh) AS import_wh, count(*) AS days
FROM usage_daily
WHERE installation_id IN (SELECT unnest($ids)) AND day >= CAST($start AS DATE) AND day < CAST($as_of AS DATE)
GROUP BY ALL
