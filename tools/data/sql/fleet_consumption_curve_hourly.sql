-- fleet_consumption_curve.sql over fleet_consumption_base_hourly.sql, whose rows already are the
-- installation-day-hour sums: average hourly load curve, working days vs weekends/holidays [kW].
WITH iv AS (
{{base}}
)
SELECT CASE WHEN fp_day THEN 'weekend_holiday' ELSE 'working_day' END AS day_type, h AS hour,
       avg(import_wh) / 1000.0 AS avg_kw, count(*) AS n_meter_days
FROM iv GROUP BY day_type, hour ORDER BY day_type DESC, hour
