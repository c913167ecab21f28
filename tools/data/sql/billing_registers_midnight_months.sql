-- billing_registers_midnight.sql from the ``midnight_registers`` table (tools/data/midnight_registers.py):
-- the 003 / 103 total registers of one installation read at 00:00 of each day in [$start, $end],
-- from its rows of the months [$month_lo, $month_hi] (one row a month, the readings as parallel lists).
SELECT ts, register, value_wh FROM (
  SELECT unnest(ts) AS ts, unnest(register) AS register, unnest(value_wh) AS value_wh
  FROM midnight_registers
  WHERE installation_id = $installation AND month BETWEEN $month_lo AND $month_hi
)
WHERE ts >= $start AND ts <= $end
ORDER BY ts, register
