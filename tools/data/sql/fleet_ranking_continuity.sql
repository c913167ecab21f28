-- quality_ranking for DIC/FIC/DMIC: worst month of the period per installation (monthly apuracao),
-- every installation included (no interruption = 0), aggregated to meter/transformer/feeder.
-- The continuity_monthly placeholder below is replaced by fleet_continuity_monthly.sql. Extra parameters:
--   $indicator 'DIC' | 'FIC' | 'DMIC'; $level; $months VARCHAR[] (YYYY-MM of the period);
--   $last_month, $scale (days of the last month / days observed in it: DIC and FIC projection);
--   limits per (conjunto_id, area, group_code, subgroup): $l_conj, $l_area, $l_group, $l_sub VARCHAR[],
--   $l_dic_h, $l_fic, $l_dmic_h DOUBLE[] (monthly individual limits)
WITH cm AS (
{{continuity_monthly}}
),
lim AS (
    SELECT unnest(CAST($l_conj AS VARCHAR[])) AS conjunto_id, unnest(CAST($l_area AS VARCHAR[])) AS area,
           unnest(CAST($l_group AS VARCHAR[])) AS group_code, unnest(CAST($l_sub AS VARCHAR[])) AS subgroup,
           unnest(CAST($l_dic_h AS DOUBLE[])) AS dic_lim, unnest(CAST($l_fic AS DOUBLE[])) AS fic_lim,
           unnest(CAST($l_dmic_h AS DOUBLE[])) AS dmic_lim
),
per_month AS (
    SELECT i.installation_id, m.month,
           CASE CAST($indicator AS VARCHAR)
               WHEN 'DIC' THEN coalesce(cm.dic_s, 0) / 3600.0
               WHEN 'FIC' THEN coalesce(cm.fic, 0)
               ELSE coalesce(cm.dmic_s, 0) / 3600.0 END AS value
    FROM installations i
    CROSS JOIN (SELECT unnest(CAST($months AS VARCHAR[])) AS month) m
    LEFT JOIN cm ON cm.installation_id = i.installation_id AND cm.month = m.month
),
per_meter AS (
    SELECT installation_id,
           max(value) AS value,
           max(CASE WHEN month = CAST($last_month AS VARCHAR) AND CAST($indicator AS VARCHAR) <> 'DMIC'
                    THEN value * $scale ELSE value END) AS projected
    FROM per_month
    GROUP BY installation_id
),
ent AS (
    SELECT CASE CAST($level AS VARCHAR)
               WHEN 'meter' THEN i.installation_id
               WHEN 'transformer' THEN i.transformer_id
               ELSE i.feeder_id END AS entity_id,
           i.feeder_id, p.value, p.projected,
           CASE CAST($indicator AS VARCHAR) WHEN 'DIC' THEN l.dic_lim WHEN 'FIC' THEN l.fic_lim ELSE l.dmic_lim END AS lim
    FROM per_meter p
    JOIN installations i ON i.installation_id = p.installation_id
    LEFT JOIN lim l ON l.conjunto_id IS NOT DISTINCT FROM i.conjunto_id AND l.area IS NOT DISTINCT FROM i.area
                   AND l.group_code IS NOT DISTINCT FROM i.group_code AND l.subgroup IS NOT DISTINCT FROM i.subgroup
    WHERE CAST($scope AS VARCHAR[]) IS NULL OR list_contains(CAST($scope AS VARCHAR[]), i.installation_id)
)
SELECT entity_id,
       any_value(feeder_id) AS feeder_id,
       count(*) AS n_meters,
       avg(value) AS value,
       max(value) AS max_value,
       avg(projected) AS projected,
       avg(lim) AS limit_value,
       count(*) FILTER (WHERE value > lim) AS n_violating,
       count(*) FILTER (WHERE projected > lim AND value <= lim) AS n_at_risk
FROM ent
WHERE entity_id IS NOT NULL
GROUP BY entity_id
