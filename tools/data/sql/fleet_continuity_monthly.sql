-- Interruptions >= $min_seconds per installation and month of start (PRODIST Modulo 8 secao 8.2).
-- Interruptions starting on a critical day of the installation's conjunto go to DICRI.
-- Parameters: $start, $end (TIMESTAMP, [start, end)); $min_seconds; $crit_conj VARCHAR[], $crit_day DATE[]
WITH crit AS (
    SELECT DISTINCT unnest(CAST($crit_conj AS VARCHAR[])) AS conjunto_id,
                    unnest(CAST($crit_day AS DATE[])) AS day
),
o AS (
    SELECT o.installation_id,
           date_diff('second', o.start_ts, o.end_ts) AS secs,
           strftime(o.start_ts, '%Y-%m') AS month,
           c.day IS NOT NULL AS critical
    FROM outages o
    JOIN installations i ON i.installation_id = o.installation_id
    LEFT JOIN crit c ON c.conjunto_id = i.conjunto_id AND c.day = CAST(o.start_ts AS DATE)
    WHERE o.start_ts >= CAST($start AS TIMESTAMP) AND o.start_ts < CAST($end AS TIMESTAMP)
      AND date_diff('second', o.start_ts, o.end_ts) >= $min_seconds
)
SELECT installation_id, month,
       coalesce(sum(secs) FILTER (WHERE NOT critical), 0) AS dic_s,
       count(*) FILTER (WHERE NOT critical) AS fic,
       coalesce(max(secs) FILTER (WHERE NOT critical), 0) AS dmic_s,
       coalesce(max(secs) FILTER (WHERE critical), 0) AS dicri_max_s,
       coalesce(list(secs) FILTER (WHERE critical), []) AS dicri_s
FROM o
GROUP BY installation_id, month
