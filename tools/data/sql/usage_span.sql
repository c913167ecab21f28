-- First and last interval (or day) with data of one installation (the usage part: the lake's rows
-- or the per-day aggregate's, of $installation).
SELECT min(t) AS first_t, max(t) AS last_t FROM ({{usage}})
