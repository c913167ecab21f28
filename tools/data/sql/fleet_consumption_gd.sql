-- fleet_consumption GD injection: meters with GD, energy in/out, meters that injected more than consumed.
WITH iv AS (
{{base}}
), pm AS (
    SELECT installation_id, sum(import_wh) AS imp, sum(export_wh) AS exp FROM iv
    WHERE gd_kind IS NOT NULL AND gd_kind <> 'none' GROUP BY installation_id
)
SELECT count(*) AS n_gd, coalesce(sum(imp), 0) AS import_wh, coalesce(sum(exp), 0) AS export_wh,
       count(*) FILTER (WHERE exp > imp) AS n_export_gt_import
FROM pm
