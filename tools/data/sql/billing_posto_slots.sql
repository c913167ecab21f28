-- Group B: one row per day and posto from the hourly aggregate. ``slot`` = the first minute of the
-- posto that day (the pure code re-classifies it to the same posto); ``slot_rows`` = the number of
-- 15-minute slots with data (the row count billing_slots.sql would return). Parameters:
-- $installation, first and last day ($start, $end), fora-ponta days ($fp_days DATE[]), posto of
-- each hour on working days ($hour_posto VARCHAR[24]).
WITH h AS (
  SELECT day, hour, import_wh, export_wh, readings, slots,
         CASE WHEN list_contains(CAST($fp_days AS DATE[]), day) THEN 'fora_ponta'
              ELSE list_extract(CAST($hour_posto AS VARCHAR[]), hour + 1) END AS posto
  FROM usage_hourly
  WHERE installation_id = $installation AND day >= $start AND day <= $end
)
SELECT day, CAST(min(hour) AS INTEGER) * 60 AS slot,
       coalesce(sum(import_wh), 0) AS import_wh, coalesce(sum(export_wh), 0) AS export_wh,
       CAST(0 AS DOUBLE) AS q1_varh, CAST(0 AS DOUBLE) AS q4_varh,
       CAST(sum(readings) AS BIGINT) AS readings, CAST(sum(slots) AS BIGINT) AS slot_rows
FROM h GROUP BY day, posto ORDER BY day, slot
