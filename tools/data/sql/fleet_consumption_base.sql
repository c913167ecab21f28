-- Interval rows of the selected installations in [start, end) with their posto tarifario.
-- Weekends and national tariff holidays ($fp_days) are fora de ponta all day; the intermediario
-- posto exists only for Group B. Posto windows per distributor in minutes of the day, half-open.
-- Parameters: $start, $end (TIMESTAMP); $group (group_code or customer_class, NULL = all);
--   $fp_days DATE[]; $w_dist, $w_posto VARCHAR[]; $w_lo, $w_hi INTEGER[]
WITH inst AS (
    SELECT installation_id, group_code, subgroup, customer_class, subclass, tariff_modality, feeder_id,
           distributor, gd_kind, phases
    FROM installations
    WHERE CAST($group AS VARCHAR) IS NULL OR group_code = CAST($group AS VARCHAR)
       OR customer_class = CAST($group AS VARCHAR)
),
win AS (
    SELECT unnest(CAST($w_dist AS VARCHAR[])) AS distributor, unnest(CAST($w_posto AS VARCHAR[])) AS posto,
           unnest(CAST($w_lo AS INTEGER[])) AS lo, unnest(CAST($w_hi AS INTEGER[])) AS hi
),
iv AS (
    SELECT l.installation_id, l.ts, l.interval_min, coalesce(l.import_wh, 0) AS import_wh,
           coalesce(l.export_wh, 0) AS export_wh, i.group_code, i.subgroup, i.customer_class, i.subclass,
           i.tariff_modality, i.feeder_id, i.distributor, i.gd_kind, i.phases,
           list_contains(CAST($fp_days AS DATE[]), CAST(l.ts AS DATE)) AS fp_day,
           hour(l.ts) * 60 + minute(l.ts) AS minute_of_day
    FROM load_profile l
    JOIN inst i ON i.installation_id = l.installation_id
    WHERE l.ts >= CAST($start AS TIMESTAMP) AND l.ts < CAST($end AS TIMESTAMP)
)
SELECT iv.*, coalesce(w.posto, 'fora_ponta') AS posto
FROM iv
LEFT JOIN win w
       ON w.distributor = iv.distributor AND NOT iv.fp_day
      AND iv.minute_of_day >= w.lo AND iv.minute_of_day < w.hi
      AND (w.posto = 'ponta' OR iv.group_code = 'B')
