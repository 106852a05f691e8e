-- Month end per person across estates (estates: where they worked).
SELECT person, count(DISTINCT site) AS estates,
       sum(rounds)::bigint AS rounds,
       sum(scans_on_time)::bigint AS scans_on_time,
       sum(scans_late)::bigint AS scans_late,
       sum(checkpoints_missed)::bigint AS checkpoints_missed,
       sum(orders)::bigint AS orders,
       sum(clocks_met)::bigint AS clocks_met,
       sum(clocks_breached)::bigint AS clocks_breached,
       sum(clocks_open)::bigint AS clocks_open,
       sum(clocks_unverified)::bigint AS clocks_unverified,
       sum(callbacks)::bigint AS callbacks
FROM group_month_people
WHERE period = $1 AND ($2::text[] IS NULL OR site = ANY ($2))
GROUP BY person
ORDER BY person
