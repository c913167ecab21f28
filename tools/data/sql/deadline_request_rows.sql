-- The requests part of deadline_requests.sql (``req``): the CRM's requests ({requests}, see there)
-- with the installation's area, region, group, phases and nominal voltage, filtered by $as_of,
-- $installation, $request_id, $region, $types and $since. Run alone to learn whether there is any
-- request to look for evidence of (the whole query costs ~20 ms to plan, even for none).
SELECT r.request_id, r.installation_id, r.request_type,
       CAST(r.opened_at AS TIMESTAMP) AS opened_at,
       TRY_CAST(r.closed_at AS TIMESTAMP) AS closed_at,
       lower(coalesce(nullif(CAST(r.status AS VARCHAR), ''), 'open')) AS status,
       lower(coalesce(nullif(CAST(r.area AS VARCHAR), ''), i.area, 'urbana')) AS area,
       coalesce(nullif(CAST(r.region AS VARCHAR), ''), i.municipality, '-') AS region,
       coalesce(i.group_code, 'B') AS group_code, i.phases,
       CAST(i.nominal_voltage_v AS DOUBLE) AS nominal_voltage_v
FROM {requests} r LEFT JOIN installations i ON i.installation_id = r.installation_id
WHERE CAST(r.opened_at AS TIMESTAMP) <= $as_of
  AND (CAST($installation AS VARCHAR) IS NULL OR r.installation_id = CAST($installation AS VARCHAR))
  AND (CAST($request_id AS VARCHAR) IS NULL OR r.request_id = CAST($request_id AS VARCHAR))
  AND (CAST($region AS VARCHAR) IS NULL
       OR strip_accents(lower(coalesce(nullif(CAST(r.region AS VARCHAR), ''), i.municipality)))
          = strip_accents(lower(CAST($region AS VARCHAR))))
  AND (CAST($types AS VARCHAR[]) IS NULL OR list_contains(CAST($types AS VARCHAR[]), r.request_type))
  AND (CAST($since AS TIMESTAMP) IS NULL
       OR lower(coalesce(CAST(r.status AS VARCHAR), 'open')) NOT IN ('closed', 'cancelled')
       OR TRY_CAST(r.closed_at AS TIMESTAMP) >= CAST($since AS TIMESTAMP))
