-- Energy imported by one installation in [$start, $end) and the days with data (the usage part:
-- the lake's rows or the per-day aggregate's, of $installation).
SELECT coalesce(sum(import_wh), 0) AS wh, count(DISTINCT CAST(t AS DATE)) AS days
FROM ({{usage}})
WHERE t >= $start AND t < $end
