-- Work orders per estate: the figures of each site's workorders report.
SELECT site, as_of, orders, open, urgent, breached, at_risk, unverified,
       repeats, completed_in_window, called_back, callback_coverage,
       breaches, undelivered
FROM group_workorders
WHERE period = $1 AND ($2::text[] IS NULL OR site = ANY ($2))
ORDER BY site
