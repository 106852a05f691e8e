-- Callbacks across estates: coverage = called_back / completed and
-- door_share = door_signed / door_share_base, of the sums.
SELECT count(*) AS estates, min(as_of) AS oldest_as_of,
       sum(completed)::bigint AS completed,
       sum(called_back)::bigint AS called_back,
       round(sum(called_back)::numeric / nullif(sum(completed), 0), 4)
           AS coverage,
       max(coverage_target) AS coverage_target,
       sum(missing)::bigint AS missing, sum(callbacks)::bigint AS callbacks,
       sum(door_signed)::bigint AS door_signed,
       sum(door_unsigned)::bigint AS door_unsigned,
       sum(phone_enough)::bigint AS phone_enough,
       sum(door_share_base)::bigint AS door_share_base,
       round(sum(door_signed)::numeric / nullif(sum(door_share_base), 0), 4)
           AS door_share,
       max(door_share_target) AS door_share_target,
       sum(reopened)::bigint AS reopened
FROM group_callbacks
WHERE period = $1 AND ($2::text[] IS NULL OR site = ANY ($2))
