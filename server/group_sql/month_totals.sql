-- Month end across estates: the month summaries' sums.
SELECT count(*) AS estates, min(as_of) AS oldest_as_of,
       sum((summary->>'people')::bigint)::bigint AS people,
       sum((summary->>'scans_on_time')::bigint)::bigint AS scans_on_time,
       sum((summary->>'scans_late')::bigint)::bigint AS scans_late,
       sum((summary->>'checkpoints_missed')::bigint)::bigint
           AS checkpoints_missed,
       sum((summary->>'clocks_met')::bigint)::bigint AS clocks_met,
       sum((summary->>'clocks_breached')::bigint)::bigint AS clocks_breached,
       sum((summary->>'callbacks')::bigint)::bigint AS callbacks
FROM report_runs
WHERE report = 'month' AND period = $1
  AND ($2::text[] IS NULL OR site = ANY ($2))
