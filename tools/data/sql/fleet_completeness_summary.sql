-- data_completeness totals per group_code and overall (GROUPING SETS) over fleet_completeness.sql.
-- Parameters: those of fleet_completeness.sql.
WITH pm AS (
{{completeness}}
)
SELECT group_code, count(*) AS n_meters, sum(received_minutes) AS received, sum(expected_minutes) AS expected,
       count(*) FILTER (WHERE n_readings = 0) AS n_without,
       count(*) FILTER (WHERE received_minutes >= 0.99 * expected_minutes) AS n_complete,
       sum(n_estimated) AS n_estimated,
       count(*) FILTER (WHERE days_since_last > $silent_days OR last_ts IS NULL) AS n_silent,
       count(*) FILTER (WHERE zero_while_communicating) AS n_zero,
       GROUPING(group_code) AS all_groups
FROM pm
GROUP BY GROUPING SETS ((group_code), ())
