-- First and last day with data of one installation from the per-day aggregate, looking only at its
-- days before $first_before and from $last_from on (the aggregate's first two and last two months).
-- A day found before $first_before is the installation's first day (any other day of it is later),
-- one found from $last_from on its last day, whatever the bounds; NULL when there is none (the
-- caller then reads usage_span.sql). The aggregate is stored month after month, so the day bounds
-- skip the row groups of the months between.
SELECT min(day) FILTER (WHERE day < $first_before) AS first_t,
       max(day) FILTER (WHERE day >= $last_from) AS last_t
FROM usage_daily
WHERE installation_id = $installation AND (day < $first_before OR day >= $last_from)
