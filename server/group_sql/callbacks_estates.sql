-- Callback coverage and the door-to-door share per estate.
SELECT site, as_of, completed, called_back, coverage, missing, callbacks,
       door_signed, door_unsigned, phone_enough, door_share_base,
       door_share, reopened
FROM group_callbacks
WHERE period = $1 AND ($2::text[] IS NULL OR site = ANY ($2))
ORDER BY site
