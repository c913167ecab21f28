-- The similar homes of $installation from ``peer_groups`` (tools/data/peer_groups.py; part of
-- consumption_peers.sql): the eligible rows of its group whose position lies within {half} of its own.
-- With k = pos - eligible (eligible ids below its own), the {half} below are positions
-- k - {half} + 1 .. k and the {half} above k + eligible + 1 .. k + eligible + {half}.
mine AS (
  SELECT peer_group, pos - CAST(eligible AS INTEGER) AS k, CAST(eligible AS INTEGER) AS e
  FROM peer_groups WHERE installation_id = $installation
), peers AS (
  SELECT g.installation_id
  FROM peer_groups g JOIN mine ON g.peer_group = mine.peer_group
  WHERE g.eligible AND g.installation_id <> $installation
    AND g.pos BETWEEN mine.k - {half} + 1 AND mine.k + mine.e + {half}
