-- data_completeness lists: $list = 'worst' | 'silent' | 'zero', at most $limit installations.
WITH pm AS (
{{completeness}}
)
SELECT installation_id, group_code, feeder_id, n_readings, last_ts, days_since_last,
       received_minutes / nullif(expected_minutes, 0) AS completeness
FROM pm
WHERE CASE CAST($list AS VARCHAR)
          WHEN 'silent' THEN days_since_last > $silent_days OR last_ts IS NULL
          WHEN 'zero' THEN zero_while_communicating
          ELSE received_minutes < expected_minutes END
ORDER BY CASE CAST($list AS VARCHAR) WHEN 'silent' THEN coalesce(days_since_last, 1e9) * -1 ELSE 0 END,
         completeness NULLS FIRST, installation_id
LIMIT $limit
