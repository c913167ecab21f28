SELECT ts, v_a_dv, v_b_dv, v_c_dv FROM voltage_10min
WHERE installation_id = $installation AND ts >= $start AND ts < $end ORDER BY ts
