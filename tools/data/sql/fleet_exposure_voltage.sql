-- compensation_exposure, voltage part: sets of 1.008 valid readings above DRPlim/DRClim, with the
-- installation's energy in the month of the set's last reading (EUSD base).
-- The voltage_sets placeholder below is replaced by quality_voltage_sets.sql. Extra parameters:
--   $drp_lim_pct, $drc_lim_pct; $energy_start, $energy_end (TIMESTAMP, whole months)
WITH sets AS (
{{voltage_sets}}
),
viol AS (
    SELECT s.*, strftime(s.set_end, '%Y-%m') AS month
    FROM sets s
    WHERE s.drp_rate_pct > $drp_lim_pct OR s.drc_rate_pct > $drc_lim_pct
),
energy AS (
    SELECT lp.installation_id, strftime(lp.ts, '%Y-%m') AS ym,
           sum(lp.import_wh) AS wh, count(DISTINCT CAST(lp.ts AS DATE)) AS days
    FROM load_profile lp
    WHERE lp.installation_id IN (SELECT installation_id FROM viol)
      AND lp.ts >= CAST($energy_start AS TIMESTAMP) AND lp.ts < CAST($energy_end AS TIMESTAMP)
    GROUP BY lp.installation_id, ym
)
SELECT v.installation_id, v.set_no, v.set_start, v.set_end, v.month, v.n_valid, v.complete, v.nlp, v.nlc,
       i.feeder_id, i.transformer_id, i.conjunto_id, i.group_code, i.subgroup, i.contracted_demand_kw,
       i.nominal_voltage_v, coalesce(e.wh, 0) AS wh, coalesce(e.days, 0) AS days
FROM viol v
JOIN installations i ON i.installation_id = v.installation_id
LEFT JOIN energy e ON e.installation_id = v.installation_id AND e.ym = v.month
