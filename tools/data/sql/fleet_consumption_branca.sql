-- fleet_consumption: eligible Group B convencional customers whose energy cost (TUSD + TE, before taxes)
-- would be lower with Tarifa Branca. Tariffs per subgroup in R$/MWh: $t_sub, $t_conv, $t_p, $t_i, $t_f.
WITH iv AS (
{{base}}
), tar AS (
    SELECT unnest(CAST($t_sub AS VARCHAR[])) AS subgroup, unnest(CAST($t_conv AS DOUBLE[])) AS t_conv,
           unnest(CAST($t_p AS DOUBLE[])) AS t_p, unnest(CAST($t_i AS DOUBLE[])) AS t_i,
           unnest(CAST($t_f AS DOUBLE[])) AS t_f
), pm AS (
    SELECT installation_id, any_value(subgroup) AS subgroup,
           sum(import_wh) AS total_wh,
           coalesce(sum(import_wh) FILTER (WHERE posto = 'ponta'), 0) AS p_wh,
           coalesce(sum(import_wh) FILTER (WHERE posto = 'intermediario'), 0) AS i_wh,
           coalesce(sum(import_wh) FILTER (WHERE posto = 'fora_ponta'), 0) AS f_wh
    FROM iv
    WHERE group_code = 'B' AND tariff_modality = 'convencional'
      AND subclass NOT IN ('baixa_renda', 'desconto_social')
    GROUP BY installation_id
), cost AS (
    SELECT pm.*, total_wh / 1e6 * t.t_conv AS conv_rs,
           (p_wh * t.t_p + i_wh * t.t_i + f_wh * t.t_f) / 1e6 AS branca_rs
    FROM pm JOIN tar t ON t.subgroup = pm.subgroup
)
SELECT count(*) AS n_eligible, count(*) FILTER (WHERE branca_rs < conv_rs) AS n_save,
       coalesce(sum(conv_rs - branca_rs) FILTER (WHERE branca_rs < conv_rs), 0) AS saving_rs
FROM cost
