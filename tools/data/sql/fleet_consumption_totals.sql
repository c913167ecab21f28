-- fleet_consumption totals by $group_by ('group' | 'class' | 'feeder' | 'posto') with a grand total.
WITH iv AS (
{{base}}
)
SELECT CASE CAST($group_by AS VARCHAR) WHEN 'group' THEN group_code WHEN 'class' THEN customer_class
            WHEN 'feeder' THEN feeder_id ELSE posto END AS key,
       count(DISTINCT installation_id) AS n_meters, sum(import_wh) AS import_wh, sum(export_wh) AS export_wh,
       GROUPING(key) AS all_keys
FROM iv
GROUP BY GROUPING SETS ((key), ())
ORDER BY all_keys, import_wh DESC
