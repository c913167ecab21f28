-- The cumulative active-energy registers (003 import, 103 export; posto total) of one
-- installation read at 00:00 of each day in [$start, $end]: a cycle's energy is the difference
-- between the readings at the start of its first day and at the start of the day after its last
-- (REN 1.000 art. 284).
SELECT ts, register, max(value_wh) AS value_wh FROM billing_registers
WHERE installation_id = $installation AND posto = 'total' AND register IN ('003', '103')
  AND ts >= $start AND ts <= $end AND hour(ts) = 0 AND minute(ts) = 0 AND second(ts) = 0
GROUP BY 1, 2
