-- kWh imported per installation and calendar month (the VRC of the deadline compensation).
-- Parameters: $ids (VARCHAR[]), $start, $as_of (TIMESTAMP)
SELECT installation_id, strftime(ts, '%Y-%m') AS month,
       sum(import_wh) AS import_wh, count(DISTINCT CAST(ts AS DATE)) AS days
FROM load_profile
WHERE installation_id IN (SELECT unnest($ids)) AND ts >= $start AND ts < $as_of
GROUP BY ALL
