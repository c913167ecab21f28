SELECT ts, code FROM events
WHERE installation_id = $installation AND code IN (1, 2) AND ts >= $start AND ts < $end ORDER BY ts, code
