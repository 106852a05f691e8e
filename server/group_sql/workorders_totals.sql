-- Work orders across estates: sums; callback_coverage from the summed
-- called_back and completed_in_window.
SELECT count(*) AS estates, min(as_of) AS oldest_as_of,
       sum(orders)::bigint AS orders, sum(open)::bigint AS open,
       sum(urgent)::bigint AS urgent, sum(breached)::bigint AS breached,
       sum(at_risk)::bigint AS at_risk,
       sum(unverified)::bigint AS unverified,
       sum(repeats)::bigint AS repeats,
       sum(completed_in_window)::bigint AS completed_in_window,
       sum(called_back)::bigint AS called_back,
       round(sum(called_back)::numeric /
             nullif(sum(completed_in_window), 0), 4) AS callback_coverage,
       sum(breaches)::bigint AS breaches,
       sum(undelivered)::bigint AS undelivered
FROM group_workorders
WHERE period = $1 AND ($2::text[] IS NULL OR site = ANY ($2))
