-- fleet_consumption average hourly load curve per meter-day, working days vs weekends/holidays [kW].
WITH iv AS (
{{base}}
), hourly AS (
    SELECT installation_id, CAST(ts AS DATE) AS day, hour(ts) AS h, any_value(fp_day) AS fp_day, sum(import_wh) AS wh
    FROM iv GROUP BY installation_id, day, h
)
SELECT CASE WHEN fp_day THEN 'weekend_holiday' ELSE 'working_day' END AS day_type, h AS hour,
       avg(wh) / 1000.0 AS avg_kw, count(*) AS n_meter_days
FROM hourly GROUP BY day_type, hour ORDER BY day_type DESC, hour
