-- Energy and covered minutes of one installation in each comparison window.
-- The VALUES list holds ($wN_basis, $wN_start, $wN_end) tuples of bound parameters (the text never
-- holds a value); the usage part is the lake's rows or the per-day aggregate's (DATE bounds).
-- {ranges} repeats the windows as (t >= $wN_start AND t < $wN_end) OR ...: the same rows the join
-- keeps, but as a filter on the scan, so the aggregate's row groups outside every window are skipped
-- (over 13 months the join alone read every month of the installation).
SELECT w.basis,
       coalesce(sum(u.import_wh), 0) AS import_wh,
       coalesce(sum(u.minutes), 0) AS covered_minutes
FROM (VALUES {windows}) AS w(basis, wstart, wend)
LEFT JOIN (
  SELECT * FROM ({{usage}}) AS usage
  WHERE installation_id = $installation AND ({ranges})
) u
  ON u.t >= w.wstart AND u.t < w.wend
GROUP BY w.basis
