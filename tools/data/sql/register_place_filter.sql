-- Installations on a feeder / transformer (case ignored) in a municipality (accents and case
-- ignored); a NULL filter matches everything. Positional parameters: each filter twice.
SELECT installation_id FROM installations
WHERE (CAST(? AS VARCHAR) IS NULL OR upper(feeder_id) = upper(CAST(? AS VARCHAR)))
  AND (CAST(? AS VARCHAR) IS NULL OR upper(transformer_id) = upper(CAST(? AS VARCHAR)))
  AND (CAST(? AS VARCHAR) IS NULL
       OR strip_accents(lower(municipality)) = strip_accents(lower(CAST(? AS VARCHAR))))
ORDER BY installation_id
