-- fleet_consumption_base.sql summed per installation and hour (the usage_hourly aggregate,
-- tools/data/usage.py): one row per installation, day and hour with data, posto by the hour's start.
-- Used only when every posto window is made of whole hours, so each hour lies in one posto and the
-- sums per posto, group, class or feeder equal those of the interval rows.
-- Parameters: as fleet_consumption_base.sql ($start, $end are midnights).
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
    SELECT u.installation_id, u.day, CAST(u.hour AS BIGINT) AS h,
           CAST(coalesce(u.import_wh, 0) AS HUGEINT) AS import_wh,
           CAST(coalesce(u.export_wh, 0) AS HUGEINT) AS export_wh, i.group_code, i.subgroup, i.customer_class,
           i.subclass, i.tariff_modality, i.feeder_id, i.distributor, i.gd_kind, i.phases,
           list_contains(CAST($fp_days AS DATE[]), u.day) AS fp_day,
           CAST(u.hour AS INTEGER) * 60 AS minute_of_day
    FROM usage_hourly u
    JOIN inst i ON i.installation_id = u.installation_id
    WHERE u.day >= CAST(CAST($start AS TIMESTAMP) AS DATE) AND u.day < CAST(CAST($end AS TIMESTAMP) AS DATE)
)
SELECT iv.*, coalesce(w.posto, 'fora_ponta') AS posto
FROM iv
LEFT JOIN win w
       ON w.distributor = iv.distributor AND NOT iv.fp_day
      AND iv.minute_of_day >= w.lo AND iv.minute_of_day < w.hi
      AND (w.posto = 'ponta' OR iv.group_code = 'B')
