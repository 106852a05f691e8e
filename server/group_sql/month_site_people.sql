-- Month end per estate and person: each site's month report people rows.
SELECT site, person, rounds, scans_on_time, scans_late, checkpoints_missed,
       orders, clocks_met, clocks_breached, clocks_open, clocks_unverified,
       callbacks
FROM group_month_people
WHERE period = $1 AND ($2::text[] IS NULL OR site = ANY ($2))
ORDER BY site, person
