-- Patrol quality per estate: the figures of each site's patrol report.
SELECT site, as_of, routes, rounds, required, visited, tqi, on_time, late,
       missed, pending, out_of_order, duplicates, early, manual_scans,
       clock_flagged_scans, anomalies, unknown_tag_scans, unscheduled_scans
FROM group_patrol
WHERE period = $1 AND ($2::text[] IS NULL OR site = ANY ($2))
ORDER BY site
