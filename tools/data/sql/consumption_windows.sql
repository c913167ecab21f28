-- Energy and covered minutes of one installation in each comparison window.
-- The VALUES list holds ($wN_basis, $wN_start, $wN_end) tuples of bound parameters (the text never
-- holds a value); the usage part is the lake's rows or the per-day aggregate's (DATE bounds).
SELECT w.basis,
       coalesce(sum(u.import_wh), 0) AS import_wh,
       coalesce(sum(u.minutes), 0) AS covered_minutes
FROM (VALUES {windows}) AS w(basis, wstart, wend)
LEFT JOIN ({{usage}}) u
  ON u.installation_id = $installation AND u.t >= w.wstart AND u.t < w.wend
GROUP BY w.basis
