-- 15-minute slots of one installation in [$start, $end): sums of the interval readings that
-- start in the slot.
SELECT CAST(ts AS DATE) AS day,
       CAST(floor((hour(ts) * 60 + minute(ts)) / 15) * 15 AS INTEGER) AS slot,
       coalesce(sum(import_wh), 0) AS import_wh, coalesce(sum(export_wh), 0) AS export_wh,
       coalesce(sum(q1_varh), 0) AS q1_varh, coalesce(sum(q4_varh), 0) AS q4_varh,
       count(import_wh) AS readings
FROM load_profile WHERE installation_id = $installation AND ts >= $start AND ts < $end
GROUP BY 1, 2 ORDER BY 1, 2
