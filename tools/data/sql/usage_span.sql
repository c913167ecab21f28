-- First and last interval (or day) with data of one installation; {{usage}}: the usage source
-- (usage_lake.sql or usage_daily.sql) of $installation.
SELECT min(t) AS first_t, max(t) AS last_t FROM ({{usage}})
