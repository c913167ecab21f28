-- Energy and covered minutes of one installation in each comparison window.
-- {windows}: a list of ($wN_basis, $wN_start, $wN_end) tuples of bound parameters (the text never
-- holds a value); {{usage}}: the usage source (usage_lake.sql, or usage_daily.sql with DATE bounds).
SELECT w.basis,
       coalesce(sum(u.import_wh), 0) AS import_wh,
       coalesce(sum(u.minutes), 0) AS covered_minutes
FROM (VALUES {windows}) AS w(basis, wstart, wend)
LEFT JOIN ({{usage}}) u
  ON u.installation_id = $installation AND u.t >= w.wstart AND u.t < w.wend
GROUP BY w.basis
