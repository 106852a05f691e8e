-- Work-order clocks per estate and clock, by state: every clock of every
-- cycle of the listed orders (open = running or at risk; n/a not counted).
SELECT site, clock,
       count(*) FILTER (WHERE status = 'met') AS met,
       count(*) FILTER (WHERE status = 'breached') AS breached,
       count(*) FILTER (WHERE status IN ('running', 'at_risk')) AS open,
       count(*) FILTER (WHERE status = 'unverified') AS unverified
FROM group_wo_clocks
WHERE period = $1 AND ($2::text[] IS NULL OR site = ANY ($2))
GROUP BY site, clock
ORDER BY site, array_position(ARRAY['record', 'notify', 'on_site',
                                    'resolve', 'callback'], clock), clock
