-- 004_master_views.sql: one view per kind of master data with its fields
-- as typed columns (docs/POSTGRES.md), over the partitions of records,
-- as 003_kind_views.sql does for the records: site, unit, route,
-- checkpoint, staff, plate, blacklist, holiday, roster, taskplan, and the
-- office's log of opened personal data (pii_access). The fields are those
-- of the office's field tables (server/admin_kinds.c; docs/DATA-MODEL.md,
-- "Kinds, keys and fields") when this file was written; every field,
-- these and any other, stays in the record's fields (jsonb). A value of
-- another JSON type than the column's reads NULL. Text and choice fields
-- are text, whole numbers bigint, true/false boolean, times (ms since the
-- epoch) timestamptz. Every view has the office's who-did-it fields: by
-- (the create), set_by (the last set), retire_by and retire_reason; status
-- is active or retired.
--
-- No view, on purpose:
--   resolution (39): reserved, never written (a resolution is a set on
--     the entity itself), so its partition stays empty;
--   pii_key (41), tag_key (45): the office's public keys (a key id and
--     base64 key bytes) for sealing personal data and checking signed
--     tags: nothing to count or chart, and a BI tool has no use for
--     them. Their rows stay in records_pii_key and records_tag_key.
-- staff_view leaves out pin_hash (a PIN's Argon2id hash: a credential),
-- also from its fields column; records_staff keeps it.

CREATE VIEW site_view AS SELECT
    site,
    id,
    status,
    created_at,
    updated_at,
    creator,
    events,
    fields->>'name' AS "name",
    fields->>'address' AS "address",
    fields->>'by' AS "by",
    fields->>'set_by' AS "set_by",
    fields->>'retire_by' AS "retire_by",
    fields->>'retire_reason' AS "retire_reason",
    fields,
    conflicts
FROM records_site;

CREATE VIEW unit_view AS SELECT
    site,
    id,
    status,
    created_at,
    updated_at,
    creator,
    events,
    fields->>'unit' AS "unit",
    fields->>'building' AS "building",
    fields->>'cluster' AS "cluster",
    CASE WHEN jsonb_typeof(fields->'vacant') = 'boolean'
        THEN (fields->>'vacant')::boolean END AS "vacant",
    fields->>'resident' AS "resident",
    fields->>'by' AS "by",
    fields->>'set_by' AS "set_by",
    fields->>'retire_by' AS "retire_by",
    fields->>'retire_reason' AS "retire_reason",
    fields,
    conflicts
FROM records_unit;

CREATE VIEW route_view AS SELECT
    site,
    id,
    status,
    created_at,
    updated_at,
    creator,
    events,
    fields->>'route' AS "route",
    fields->>'name' AS "name",
    CASE WHEN jsonb_typeof(fields->'interval_min') = 'number'
        THEN (fields->>'interval_min')::bigint END AS "interval_min",
    fields->>'checkpoints' AS "checkpoints",
    CASE WHEN jsonb_typeof(fields->'checkpoint_count') = 'number'
        THEN (fields->>'checkpoint_count')::bigint END AS "checkpoint_count",
    CASE WHEN jsonb_typeof(fields->'window_min') = 'number'
        THEN (fields->>'window_min')::bigint END AS "window_min",
    fields->>'active_from' AS "active_from",
    fields->>'active_to' AS "active_to",
    fields->>'active_days' AS "active_days",
    fields->>'recurrence' AS "recurrence",
    fields->>'offsets' AS "offsets",
    CASE WHEN jsonb_typeof(fields->'tolerance_min') = 'number'
        THEN (fields->>'tolerance_min')::bigint END AS "tolerance_min",
    fields->>'tolerances' AS "tolerances",
    fields->>'by' AS "by",
    fields->>'set_by' AS "set_by",
    fields->>'retire_by' AS "retire_by",
    fields->>'retire_reason' AS "retire_reason",
    fields,
    conflicts
FROM records_route;

CREATE VIEW checkpoint_view AS SELECT
    site,
    id,
    status,
    created_at,
    updated_at,
    creator,
    events,
    fields->>'tag' AS "tag",
    fields->>'name' AS "name",
    fields->>'place' AS "place",
    fields->>'by' AS "by",
    fields->>'set_by' AS "set_by",
    fields->>'retire_by' AS "retire_by",
    fields->>'retire_reason' AS "retire_reason",
    fields,
    conflicts
FROM records_checkpoint;

CREATE VIEW staff_view AS SELECT
    site,
    id,
    status,
    created_at,
    updated_at,
    creator,
    events,
    fields->>'staff' AS "staff",
    fields->>'name' AS "name",
    fields->>'role' AS "role",
    fields->>'phone' AS "phone",
    fields->>'cluster' AS "cluster",
    -- whether a PIN is set, never its hash
    CASE WHEN jsonb_typeof(fields->'pin_hash') = 'string'
        THEN fields->>'pin_hash' <> '' ELSE false END AS "pin_set",
    CASE WHEN jsonb_typeof(fields->'pin_set_ms') = 'number'
        THEN to_timestamp((fields->>'pin_set_ms')::bigint / 1000.0)
        END AS "pin_set_at",
    fields->>'pin_set_by' AS "pin_set_by",
    fields->>'by' AS "by",
    fields->>'set_by' AS "set_by",
    fields->>'retire_by' AS "retire_by",
    fields->>'retire_reason' AS "retire_reason",
    fields - 'pin_hash' AS "fields",
    conflicts
FROM records_staff;

CREATE VIEW plate_view AS SELECT
    site,
    id,
    status,
    created_at,
    updated_at,
    creator,
    events,
    fields->>'plate' AS "plate",
    fields->>'unit' AS "unit",
    fields->>'owner' AS "owner",
    fields->>'by' AS "by",
    fields->>'set_by' AS "set_by",
    fields->>'retire_by' AS "retire_by",
    fields->>'retire_reason' AS "retire_reason",
    fields,
    conflicts
FROM records_plate;

CREATE VIEW blacklist_view AS SELECT
    site,
    id,
    status,
    created_at,
    updated_at,
    creator,
    events,
    fields->>'type' AS "type",
    fields->>'name' AS "name",
    fields->>'id_no' AS "id_no",
    fields->>'plate' AS "plate",
    fields->>'reason' AS "reason",
    fields->>'by' AS "by",
    fields->>'set_by' AS "set_by",
    fields->>'retire_by' AS "retire_by",
    fields->>'retire_reason' AS "retire_reason",
    fields,
    conflicts
FROM records_blacklist;

CREATE VIEW holiday_view AS SELECT
    site,
    id,
    status,
    created_at,
    updated_at,
    creator,
    events,
    -- YYYY-MM-DD, checked by the office: a date
    CASE WHEN fields->>'date' ~ '^\d{4}-\d{2}-\d{2}$'
        THEN (fields->>'date')::date END AS "date",
    fields->>'type' AS "type",
    fields->>'name' AS "name",
    fields->>'by' AS "by",
    fields->>'set_by' AS "set_by",
    fields->>'retire_by' AS "retire_by",
    fields->>'retire_reason' AS "retire_reason",
    fields,
    conflicts
FROM records_holiday;

CREATE VIEW roster_view AS SELECT
    site,
    id,
    status,
    created_at,
    updated_at,
    creator,
    events,
    fields->>'roster' AS "roster",
    -- YYYY-MM-DD, mon..sun or daily: text
    fields->>'day' AS "day",
    fields->>'shift' AS "shift",
    fields->>'route' AS "route",
    fields->>'post' AS "post",
    fields->>'staff' AS "staff",
    -- HH:MM local; end at or before start is the next day
    fields->>'start' AS "start",
    fields->>'end' AS "end",
    fields->>'by' AS "by",
    fields->>'set_by' AS "set_by",
    fields->>'retire_by' AS "retire_by",
    fields->>'retire_reason' AS "retire_reason",
    fields,
    conflicts
FROM records_roster;

CREATE VIEW taskplan_view AS SELECT
    site,
    id,
    status,
    created_at,
    updated_at,
    creator,
    events,
    fields->>'plan' AS "plan",
    fields->>'name' AS "name",
    fields->>'recurrence' AS "recurrence",
    fields->>'place' AS "place",
    fields->>'by' AS "by",
    fields->>'set_by' AS "set_by",
    fields->>'retire_by' AS "retire_by",
    fields->>'retire_reason' AS "retire_reason",
    fields,
    conflicts
FROM records_taskplan;

-- The office's log of opened personal data (roundsd pii show): who opened
-- which record's sealed fields, and why. It holds no personal data
-- itself (the target's id and kind, the field names), and is what an
-- audit of the office reads.
CREATE VIEW pii_access_view AS SELECT
    site,
    id,
    created_at,
    creator,
    CASE WHEN fields->>'target' ~ '^[0-9a-f]{32}$'
        THEN (fields->>'target')::uuid END AS "target",
    fields->>'target_kind' AS "target_kind",
    fields->>'fields' AS "fields_opened",
    fields->>'reason' AS "reason",
    fields->>'by' AS "by",
    fields
FROM records_pii_access;
