SELECT ts, interval_min, import_wh, export_wh, quality
FROM load_profile
WHERE installation_id = $installation AND ts >= $start AND ts < $end
  AND month BETWEEN $month_lo AND $month_hi
ORDER BY ts
