-- data_completeness by feeder, transformer, customer class or municipality over fleet_completeness.sql.
-- Parameters: those of fleet_completeness.sql and $group_by ('class' | 'feeder' | 'transformer' | 'municipality').
WITH pm AS (
{{completeness}}
)
SELECT CASE CAST($group_by AS VARCHAR)
           WHEN 'class' THEN pm.customer_class
           WHEN 'feeder' THEN pm.feeder_id
           WHEN 'transformer' THEN pm.transformer_id
           ELSE i.municipality END AS group_key,
       count(*) AS n_meters, sum(pm.received_minutes) AS received, sum(pm.expected_minutes) AS expected,
       count(*) FILTER (WHERE pm.n_readings = 0) AS n_without
FROM pm
JOIN installations i ON i.installation_id = pm.installation_id
GROUP BY 1
HAVING group_key IS NOT NULL
ORDER BY 1
