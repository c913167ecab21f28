-- Similar homes: kWh/day statistics of a bounded number of installations of the same class,
-- subgroup and phases (the nearest ids on each side: a bounded sample whatever the fleet size; from
-- the aggregate split by installation bucket, only those of the installation's bucket and its two
-- neighbours are read, see tools/data/queries/consumption.py),
-- without GD, with readings for at least $min_minutes of [$start, $end).
-- The CTE ``peers`` (their ids) comes from the derived ``peer_groups`` when it matches the
-- register (consumption_peer_ids_groups.sql), else from the register (consumption_peer_ids_register.sql).
-- The usage part is the lake's rows or the per-day aggregate's (DATE bounds).
WITH me AS (
  SELECT customer_class, subgroup, phases FROM installations WHERE installation_id = $installation
), {{peer_ids}}), usage AS (
  SELECT u.installation_id,
         sum(u.import_wh) / 1000.0 / (sum(u.minutes) / 1440.0) AS kwh_day
  FROM ({{usage}}) u JOIN peers p ON p.installation_id = u.installation_id
  WHERE u.t >= $start AND u.t < $end AND u.month BETWEEN $month_lo AND $month_hi
    -- the id range of the peers lets the scan skip the row groups of everyone else
    AND u.installation_id BETWEEN (SELECT min(installation_id) FROM peers) AND (SELECT max(installation_id) FROM peers)
  GROUP BY u.installation_id
  HAVING sum(u.minutes) >= $min_minutes
)
SELECT count(*) AS peers,
       median(kwh_day) AS median_kwh_day,
       quantile_cont(kwh_day, 0.25) AS p25_kwh_day,
       quantile_cont(kwh_day, 0.75) AS p75_kwh_day,
       avg(CASE WHEN kwh_day < $this_kwh_day THEN 1.0 ELSE 0.0 END) AS share_below,
       (SELECT customer_class FROM me) AS customer_class,
       (SELECT subgroup FROM me) AS subgroup,
       (SELECT phases FROM me) AS phases
FROM usage
