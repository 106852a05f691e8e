-- Patrol quality across estates: sums; tqi from the summed visited and
-- required, never an average of the estates' tqi.
SELECT count(*) AS estates, min(as_of) AS oldest_as_of,
       sum(routes)::bigint AS routes, sum(rounds)::bigint AS rounds,
       sum(required)::bigint AS required, sum(visited)::bigint AS visited,
       round(sum(visited)::numeric / nullif(sum(required), 0), 4) AS tqi,
       sum(on_time)::bigint AS on_time, sum(late)::bigint AS late,
       sum(missed)::bigint AS missed, sum(pending)::bigint AS pending,
       sum(out_of_order)::bigint AS out_of_order,
       sum(duplicates)::bigint AS duplicates, sum(early)::bigint AS early,
       sum(manual_scans)::bigint AS manual_scans,
       sum(clock_flagged_scans)::bigint AS clock_flagged_scans,
       sum(anomalies)::bigint AS anomalies,
       sum(unknown_tag_scans)::bigint AS unknown_tag_scans,
       sum(unscheduled_scans)::bigint AS unscheduled_scans
FROM group_patrol
WHERE period = $1 AND ($2::text[] IS NULL OR site = ANY ($2))
