-- One row per hour of one installation in [$start, $end] (days) from the hourly aggregate, for an
-- installation whose posto windows are whole hours (Group A: demand and hourly power factor).
-- ``slot`` = the first minute of the hour (its posto is that of every slot of the hour); the sums
-- are those of the hour's 15-minute slots; ``peak_wh`` = the largest 15-minute slot sum of
-- import_wh (its demand); ``slot_rows`` = the number of 15-minute slots with data (the row count
-- billing_slots.sql would return). Types as billing_slots.sql returns them.
SELECT day, CAST(hour AS INTEGER) * 60 AS slot,
       CAST(coalesce(import_wh, 0) AS HUGEINT) AS import_wh, CAST(coalesce(export_wh, 0) AS HUGEINT) AS export_wh,
       CAST(coalesce(q1_varh, 0) AS HUGEINT) AS q1_varh, CAST(coalesce(q4_varh, 0) AS HUGEINT) AS q4_varh,
       CAST(readings AS BIGINT) AS readings, CAST(peak_wh AS HUGEINT) AS peak_wh,
       CAST(slots AS BIGINT) AS slot_rows
FROM usage_hourly
WHERE installation_id = $installation AND day >= $start AND day <= $end
ORDER BY day, hour
