-- quality_ranking for DRP/DRC: per-installation worst set, aggregated to meter/transformer/feeder.
-- The voltage_sets placeholder below is replaced by quality_voltage_sets.sql. Extra parameters:
--   $indicator 'DRP' | 'DRC'; $level 'meter' | 'transformer' | 'feeder'; $limit_pct; $ongoing (BOOLEAN:
--   the period has not ended, so the open set's value is nlp/1008 so far and its rate is the projection)
WITH sets AS (
{{voltage_sets}}
),
per_meter AS (
    SELECT installation_id,
           max(CASE WHEN CAST($ongoing AS BOOLEAN) AND NOT complete THEN drp_so_far_pct ELSE drp_rate_pct END) AS drp_value,
           max(drp_rate_pct) AS drp_projected,
           max(CASE WHEN CAST($ongoing AS BOOLEAN) AND NOT complete THEN drc_so_far_pct ELSE drc_rate_pct END) AS drc_value,
           max(drc_rate_pct) AS drc_projected,
           sum(n_valid) AS n_valid,
           count(*) AS n_sets,
           bool_and(complete) AS complete
    FROM sets
    GROUP BY installation_id
),
ent AS (
    SELECT CASE CAST($level AS VARCHAR)
               WHEN 'meter' THEN i.installation_id
               WHEN 'transformer' THEN i.transformer_id
               ELSE i.feeder_id END AS entity_id,
           i.feeder_id,
           CASE WHEN CAST($indicator AS VARCHAR) = 'DRP' THEN p.drp_value ELSE p.drc_value END AS value,
           CASE WHEN CAST($indicator AS VARCHAR) = 'DRP' THEN p.drp_projected ELSE p.drc_projected END AS projected,
           p.n_valid, p.complete
    FROM per_meter p
    JOIN installations i ON i.installation_id = p.installation_id
    WHERE CAST($scope AS VARCHAR[]) IS NULL OR list_contains(CAST($scope AS VARCHAR[]), i.installation_id)
)
SELECT entity_id,
       any_value(feeder_id) AS feeder_id,
       count(*) AS n_meters,
       avg(value) AS value,
       max(value) AS max_value,
       avg(projected) AS projected,
       count(*) FILTER (WHERE value > $limit_pct) AS n_violating,
       count(*) FILTER (WHERE projected > $limit_pct AND value <= $limit_pct) AS n_at_risk,
       sum(n_valid) AS n_readings,
       bool_and(complete) AS complete
FROM ent
GROUP BY entity_id
