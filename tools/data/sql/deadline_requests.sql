-- deadline_status / deadline_exposure: service requests with the meter's evidence, set-based.
-- Reconnections: the first power-up / relay reconnect after the request (ASOF JOIN); wrongful
-- suspensions: the relay disconnect before the report; voltage complaints: the first full set of
-- readings back in the PRODIST limits; first-reading types: the first load-profile reading.
-- Parameters: $as_of, $since (TIMESTAMP); $installation, $request_id, $region; $types and the
-- evidence type lists (VARCHAR[]); $reconnect_codes, $suspension_code; $search_days, $set_size,
-- $max_precaria, $max_critica; band table $b_nom ... $b_phi (0.1 V). The window frame size
-- (set_size - 1 rows) is written into the text before binding: a frame takes no parameter, and so
-- is {requests}: the CRM's ``service_requests`` table, or it united with the outbox rows the
-- assistant opened (``outbox_requests``, registered by tools.data.outbox.query_with_outbox).
-- Each lake read is a ``FROM <lake view> WHERE`` on its own: for one installation,
-- Store.scope_sql narrows it to that installation's files (the view opens every file).
WITH req AS (
{{request_rows}}
),
supply AS (
  SELECT installation_id, ts FROM events
  WHERE list_contains($reconnect_codes, code) AND ts < $as_of
    AND ts >= (SELECT min(opened_at) FROM req)
    AND installation_id IN (SELECT installation_id FROM req WHERE list_contains($reconnect_types, request_type))
),
reconnect AS (
  SELECT q.request_id, s.ts AS evidence_at
  FROM (SELECT * FROM req WHERE list_contains($reconnect_types, request_type)) q
  ASOF JOIN supply s ON q.installation_id = s.installation_id AND s.ts >= q.opened_at
),
disconnect AS (
  SELECT installation_id, ts FROM events
  WHERE code = $suspension_code AND ts < $as_of
    AND installation_id IN (SELECT installation_id FROM req WHERE list_contains($wrongful_types, request_type))
),
suspension AS (
  SELECT q.request_id, x.ts AS suspension_start
  FROM (SELECT * FROM req WHERE list_contains($wrongful_types, request_type)) q
  ASOF JOIN disconnect x ON q.installation_id = x.installation_id AND x.ts <= q.opened_at
),
bands AS (
  SELECT unnest($b_nom) AS nominal_v, unnest($b_alo) AS a_lo, unnest($b_ahi) AS a_hi,
         unnest($b_plo) AS p_lo, unnest($b_phi) AS p_hi
),
vlake AS (
  SELECT installation_id, ts, v_a_dv, v_b_dv, v_c_dv FROM voltage_10min
  WHERE ts < $as_of
    AND installation_id IN (SELECT installation_id FROM req WHERE list_contains($voltage_types, request_type))
),
vreadings AS (
  SELECT q.request_id, v.ts,
         CASE WHEN v.v_a_dv IS NULL OR v.v_a_dv BETWEEN b.a_lo AND b.a_hi THEN 0
              WHEN v.v_a_dv BETWEEN b.p_lo AND b.p_hi THEN 1 ELSE 2 END AS ca,
         CASE WHEN v.v_b_dv IS NULL OR v.v_b_dv BETWEEN b.a_lo AND b.a_hi THEN 0
              WHEN v.v_b_dv BETWEEN b.p_lo AND b.p_hi THEN 1 ELSE 2 END AS cb,
         CASE WHEN v.v_c_dv IS NULL OR v.v_c_dv BETWEEN b.a_lo AND b.a_hi THEN 0
              WHEN v.v_c_dv BETWEEN b.p_lo AND b.p_hi THEN 1 ELSE 2 END AS cc
  FROM (SELECT * FROM req WHERE list_contains($voltage_types, request_type)) q
  JOIN bands b ON b.nominal_v = q.nominal_voltage_v
  JOIN vlake v ON v.installation_id = q.installation_id AND v.ts >= q.opened_at
   AND v.ts < q.opened_at + to_days(CAST($search_days AS INTEGER)) AND v.ts < $as_of
),
vweeks AS (
  SELECT request_id, ts,
         count(*) OVER w AS n,
         greatest(sum(CAST(ca = 1 AS INTEGER)) OVER w, sum(CAST(cb = 1 AS INTEGER)) OVER w,
                  sum(CAST(cc = 1 AS INTEGER)) OVER w) AS nlp,
         greatest(sum(CAST(ca = 2 AS INTEGER)) OVER w, sum(CAST(cb = 2 AS INTEGER)) OVER w,
                  sum(CAST(cc = 2 AS INTEGER)) OVER w) AS nlc,
         first_value(ts) OVER w AS week_start
  FROM vreadings
  WINDOW w AS (PARTITION BY request_id ORDER BY ts ROWS BETWEEN {window_rows} PRECEDING AND CURRENT ROW)
),
voltage AS (
  SELECT request_id, arg_min(week_start, ts) AS evidence_at,
         min(ts) + INTERVAL 10 MINUTE AS evidence_proof_at
  FROM vweeks WHERE n = $set_size AND nlp <= $max_precaria AND nlc <= $max_critica
  GROUP BY request_id
),
first_reading AS (
  SELECT q.request_id, f.first_ts AS evidence_at
  FROM (SELECT * FROM req WHERE list_contains($first_reading_types, request_type)) q
  JOIN (SELECT installation_id, min(ts) AS first_ts FROM load_profile
        WHERE installation_id IN (SELECT installation_id FROM req WHERE list_contains($first_reading_types, request_type))
        GROUP BY installation_id) f ON f.installation_id = q.installation_id
  WHERE f.first_ts >= q.opened_at AND f.first_ts < $as_of
)
SELECT req.*,
       coalesce(reconnect.evidence_at, voltage.evidence_at, first_reading.evidence_at) AS evidence_at,
       coalesce(voltage.evidence_proof_at, reconnect.evidence_at, first_reading.evidence_at) AS evidence_proof_at,
       suspension.suspension_start
FROM req
LEFT JOIN reconnect USING (request_id)
LEFT JOIN voltage USING (request_id)
LEFT JOIN first_reading USING (request_id)
LEFT JOIN suspension USING (request_id)
ORDER BY req.opened_at, req.request_id
