-- Energy imported by one installation in [$start, $end) and the days with data;
-- {{usage}}: the usage source (usage_lake.sql or usage_daily.sql) of $installation.
SELECT coalesce(sum(import_wh), 0) AS wh, count(DISTINCT CAST(t AS DATE)) AS days
FROM ({{usage}})
WHERE t >= $start AND t < $end
