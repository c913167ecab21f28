-- compensation_exposure, continuity part: installation-months above a DIC/FIC/DMIC/DICRI limit, with the
-- installation's energy in that month (EUSD base).
-- The continuity_monthly placeholder below is replaced by fleet_continuity_monthly.sql. Extra parameters:
--   limits as in fleet_ranking_continuity.sql plus $l_dicri_h DOUBLE[]; $energy_start, $energy_end
WITH cm AS (
{{continuity_monthly}}
),
lim AS (
    SELECT unnest(CAST($l_conj AS VARCHAR[])) AS conjunto_id, unnest(CAST($l_area AS VARCHAR[])) AS area,
           unnest(CAST($l_group AS VARCHAR[])) AS group_code, unnest(CAST($l_sub AS VARCHAR[])) AS subgroup,
           unnest(CAST($l_dic_h AS DOUBLE[])) AS dic_lim, unnest(CAST($l_fic AS DOUBLE[])) AS fic_lim,
           unnest(CAST($l_dmic_h AS DOUBLE[])) AS dmic_lim, unnest(CAST($l_dicri_h AS DOUBLE[])) AS dicri_lim
),
viol AS (
    SELECT cm.*, i.feeder_id, i.transformer_id, i.conjunto_id, i.area, i.group_code, i.subgroup,
           i.contracted_demand_kw
    FROM cm
    JOIN installations i ON i.installation_id = cm.installation_id
    JOIN lim l ON l.conjunto_id IS NOT DISTINCT FROM i.conjunto_id AND l.area IS NOT DISTINCT FROM i.area
              AND l.group_code IS NOT DISTINCT FROM i.group_code AND l.subgroup IS NOT DISTINCT FROM i.subgroup
    WHERE cm.dic_s / 3600.0 > l.dic_lim OR cm.fic > l.fic_lim OR cm.dmic_s / 3600.0 > l.dmic_lim
       OR cm.dicri_max_s / 3600.0 > l.dicri_lim
),
energy AS (
    SELECT lp.installation_id, strftime(lp.ts, '%Y-%m') AS ym,
           sum(lp.import_wh) AS wh, count(DISTINCT CAST(lp.ts AS DATE)) AS days
    FROM load_profile lp
    WHERE lp.installation_id IN (SELECT installation_id FROM viol)
      AND lp.ts >= CAST($energy_start AS TIMESTAMP) AND lp.ts < CAST($energy_end AS TIMESTAMP)
    GROUP BY lp.installation_id, ym
)
SELECT v.*, coalesce(e.wh, 0) AS wh, coalesce(e.days, 0) AS days
FROM viol v
LEFT JOIN energy e ON e.installation_id = v.installation_id AND e.ym = v.month
