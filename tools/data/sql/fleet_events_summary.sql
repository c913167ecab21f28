-- events_summary: events/alarms by topology group and code, with subtotals (GROUPING SETS).
-- Parameters: $start, $end (TIMESTAMP); $kind ('event' | 'alarm' | NULL); $codes INTEGER[] (NULL = all);
--   $level 'meter' | 'transformer' | 'feeder'; $scope VARCHAR[] (installations inside the filters, NULL = all)
WITH e AS (
    SELECT e.installation_id, e.ts, e.code, c.kind, c.key, c.category,
           CASE CAST($level AS VARCHAR)
               WHEN 'meter' THEN i.installation_id
               WHEN 'transformer' THEN i.transformer_id
               ELSE i.feeder_id END AS group_id
    FROM events e
    JOIN event_codes c ON c.code = e.code
    JOIN installations i ON i.installation_id = e.installation_id
    WHERE e.ts >= CAST($start AS TIMESTAMP) AND e.ts < CAST($end AS TIMESTAMP)
      AND (CAST($kind AS VARCHAR) IS NULL OR c.kind = CAST($kind AS VARCHAR))
      AND (CAST($codes AS INTEGER[]) IS NULL OR list_contains(CAST($codes AS INTEGER[]), e.code))
      AND (CAST($scope AS VARCHAR[]) IS NULL OR list_contains(CAST($scope AS VARCHAR[]), e.installation_id))
)
SELECT group_id, code, any_value(kind) AS kind, any_value(key) AS key, any_value(category) AS category,
       count(*) AS n_events, count(DISTINCT installation_id) AS n_meters,
       min(ts) AS first_ts, max(ts) AS last_ts,
       GROUPING(group_id) AS all_groups, GROUPING(code) AS all_codes
FROM e
GROUP BY GROUPING SETS ((group_id, code), (group_id), (code), ())
ORDER BY all_groups, all_codes, n_events DESC, group_id, code
