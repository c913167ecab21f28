-- The similar homes of $installation read from the register (part of consumption_peers.sql; needs
-- the CTE ``me``): the {half} nearest ids on each side among the installations of its class,
-- subgroup and phases without GD. Scans the whole register.
cand AS (
  SELECT i.installation_id
  FROM installations i JOIN me
    ON i.customer_class = me.customer_class AND i.subgroup = me.subgroup AND i.phases = me.phases
  WHERE i.installation_id <> $installation
    AND coalesce(i.gd_kind, 'none') = 'none' AND coalesce(i.gd_kwp, 0) = 0
), peers AS (
  (SELECT installation_id FROM cand WHERE installation_id > $installation ORDER BY installation_id LIMIT {half})
  UNION ALL
  (SELECT installation_id FROM cand WHERE installation_id < $installation ORDER BY installation_id DESC LIMIT {half})
