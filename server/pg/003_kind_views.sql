-- 003_kind_views.sql: one view per kind of record with its fields as
-- typed columns (docs/POSTGRES.md), over the partitions of records. The
-- fields are those of the verb table (`rounds verbs --json`, handheld/
-- verbs.c) when this file was written; every field, these and any other,
-- stays in the record's fields (jsonb). A value of another JSON type
-- than the column's (a record made by an older version) reads NULL.
-- text and choice fields are text, whole numbers bigint, yes/no boolean,
-- times (ms since the epoch) timestamptz.

CREATE VIEW scan_view AS SELECT
    site,
    id,
    status,
    created_at,
    updated_at,
    creator,
    reopen_count,
    events,
    fields->>'tag' AS "tag",
    fields->>'payload' AS "payload",
    fields->>'route' AS "route",
    fields->>'method' AS "method",
    fields->>'note' AS "note",
    CASE WHEN jsonb_typeof(fields->'anomaly') = 'boolean'
        THEN (fields->>'anomaly')::boolean END AS "anomaly",
    fields->>'workorder' AS "workorder",
    fields->>'by' AS "by",
    fields,
    conflicts
FROM records_scan;

CREATE VIEW visit_view AS SELECT
    site,
    id,
    status,
    created_at,
    updated_at,
    creator,
    reopen_count,
    events,
    fields->>'name' AS "name",
    fields->>'id_type' AS "id_type",
    fields->>'id_no' AS "id_no",
    fields->>'phone' AS "phone",
    fields->>'unit' AS "unit",
    fields->>'purpose' AS "purpose",
    CASE WHEN jsonb_typeof(fields->'party') = 'number'
        THEN (fields->>'party')::bigint END AS "party",
    fields->>'gate' AS "gate",
    fields->>'pass' AS "pass",
    fields->>'plate' AS "plate",
    fields->>'by' AS "by",
    fields->>'exit_gate' AS "exit_gate",
    fields->>'exit_by' AS "exit_by",
    fields->>'reason' AS "reason",
    fields,
    conflicts
FROM records_visit;

CREATE VIEW vehicle_view AS SELECT
    site,
    id,
    status,
    created_at,
    updated_at,
    creator,
    reopen_count,
    events,
    fields->>'plate' AS "plate",
    fields->>'type' AS "type",
    fields->>'unit' AS "unit",
    fields->>'phone' AS "phone",
    fields->>'gate' AS "gate",
    fields->>'by' AS "by",
    fields->>'exit_gate' AS "exit_gate",
    fields->>'exit_by' AS "exit_by",
    fields,
    conflicts
FROM records_vehicle;

CREATE VIEW workorder_view AS SELECT
    site,
    id,
    status,
    created_at,
    updated_at,
    creator,
    reopen_count,
    events,
    fields->>'place' AS "place",
    fields->>'category' AS "category",
    fields->>'description' AS "description",
    fields->>'contact' AS "contact",
    CASE WHEN jsonb_typeof(fields->'appointment') = 'number'
        THEN to_timestamp((fields->>'appointment')::bigint / 1000.0)
        END AS "appointment",
    fields->>'priority' AS "priority",
    fields->>'urgent_reason' AS "urgent_reason",
    fields->>'severity' AS "severity",
    CASE WHEN jsonb_typeof(fields->'called_at') = 'number'
        THEN to_timestamp((fields->>'called_at')::bigint / 1000.0)
        END AS "called_at",
    fields->>'channel' AS "channel",
    CASE WHEN jsonb_typeof(fields->'anonymous') = 'boolean'
        THEN (fields->>'anonymous')::boolean END AS "anonymous",
    CASE WHEN jsonb_typeof(fields->'valid') = 'boolean'
        THEN (fields->>'valid')::boolean END AS "valid",
    fields->>'by' AS "by",
    fields->>'assignee' AS "assignee",
    fields->>'dispatch_by' AS "dispatch_by",
    fields->>'arrive_by' AS "arrive_by",
    fields->>'signature' AS "signature",
    CASE WHEN jsonb_typeof(fields->'labour_min') = 'number'
        THEN (fields->>'labour_min')::bigint END AS "labour_min",
    fields->>'materials' AS "materials",
    fields->>'complete_note' AS "complete_note",
    fields->>'signature_strokes' AS "signature_strokes",
    fields->>'complete_by' AS "complete_by",
    fields->>'satisfaction' AS "satisfaction",
    fields->>'callback_method' AS "callback_method",
    fields->>'callback_result' AS "callback_result",
    fields->>'callback_signature_strokes' AS "callback_signature_strokes",
    fields->>'callback_signature' AS "callback_signature",
    fields->>'callback_note' AS "callback_note",
    fields->>'callback_by' AS "callback_by",
    fields->>'feedback_method' AS "feedback_method",
    fields->>'feedback_note' AS "feedback_note",
    fields->>'feedback_by' AS "feedback_by",
    fields->>'escalate_to' AS "escalate_to",
    fields->>'escalate_note' AS "escalate_note",
    fields->>'escalate_by' AS "escalate_by",
    fields->>'reply_text' AS "reply_text",
    fields->>'reply_method' AS "reply_method",
    CASE WHEN jsonb_typeof(fields->'answer_by') = 'number'
        THEN to_timestamp((fields->>'answer_by')::bigint / 1000.0)
        END AS "answer_by",
    fields->>'reply_by' AS "reply_by",
    fields->>'assess_note' AS "assess_note",
    fields->>'assess_by' AS "assess_by",
    fields->>'close_note' AS "close_note",
    fields->>'close_by' AS "close_by",
    fields->>'cancel_reason' AS "cancel_reason",
    fields->>'cancel_by' AS "cancel_by",
    fields->>'reopen_reason' AS "reopen_reason",
    fields->>'reopen_by' AS "reopen_by",
    fields,
    conflicts
FROM records_workorder;

CREATE VIEW inspection_view AS SELECT
    site,
    id,
    status,
    created_at,
    updated_at,
    creator,
    reopen_count,
    events,
    fields->>'unit' AS "unit",
    fields->>'doors_windows' AS "doors_windows",
    fields->>'water' AS "water",
    fields->>'power' AS "power",
    fields->>'gas' AS "gas",
    fields->>'leaks' AS "leaks",
    fields->>'cracks' AS "cracks",
    fields->>'note' AS "note",
    fields->>'by' AS "by",
    fields,
    conflicts
FROM records_inspection;

CREATE VIEW handover_view AS SELECT
    site,
    id,
    status,
    created_at,
    updated_at,
    creator,
    reopen_count,
    events,
    fields->>'to' AS "to",
    fields->>'notes' AS "notes",
    fields->>'keys' AS "keys",
    fields->>'items' AS "items",
    fields->>'by' AS "by",
    fields->>'confirm' AS "confirm",
    fields->>'ack_by' AS "ack_by",
    fields,
    conflicts
FROM records_handover;

CREATE VIEW dutylog_view AS SELECT
    site,
    id,
    status,
    created_at,
    updated_at,
    creator,
    reopen_count,
    events,
    fields->>'text' AS "text",
    fields->>'by' AS "by",
    fields,
    conflicts
FROM records_dutylog;

CREATE VIEW incident_view AS SELECT
    site,
    id,
    status,
    created_at,
    updated_at,
    creator,
    reopen_count,
    events,
    fields->>'type' AS "type",
    fields->>'place' AS "place",
    fields->>'description' AS "description",
    CASE WHEN jsonb_typeof(fields->'occurred_at') = 'number'
        THEN to_timestamp((fields->>'occurred_at')::bigint / 1000.0)
        END AS "occurred_at",
    fields->>'people' AS "people",
    fields->>'phone' AS "phone",
    fields->>'actions' AS "actions",
    fields->>'by' AS "by",
    fields->>'escalated_to' AS "escalated_to",
    fields->>'escalate_note' AS "escalate_note",
    fields->>'escalate_by' AS "escalate_by",
    fields->>'close_note' AS "close_note",
    fields->>'close_by' AS "close_by",
    fields,
    conflicts
FROM records_incident;

CREATE VIEW ownerkey_view AS SELECT
    site,
    id,
    status,
    created_at,
    updated_at,
    creator,
    reopen_count,
    events,
    fields->>'unit' AS "unit",
    fields->>'key_label' AS "key_label",
    fields->>'to' AS "to",
    fields->>'phone' AS "phone",
    fields->>'signature' AS "signature",
    fields->>'purpose' AS "purpose",
    fields->>'by' AS "by",
    fields->>'back_unit' AS "back_unit",
    fields->>'back_signature' AS "back_signature",
    fields->>'back_from' AS "back_from",
    fields->>'back_note' AS "back_note",
    fields->>'back_by' AS "back_by",
    fields,
    conflicts
FROM records_ownerkey;

CREATE VIEW lostfound_view AS SELECT
    site,
    id,
    status,
    created_at,
    updated_at,
    creator,
    reopen_count,
    events,
    fields->>'item' AS "item",
    fields->>'place' AS "place",
    CASE WHEN jsonb_typeof(fields->'found_at') = 'number'
        THEN to_timestamp((fields->>'found_at')::bigint / 1000.0)
        END AS "found_at",
    fields->>'finder' AS "finder",
    fields->>'kept_at' AS "kept_at",
    fields->>'note' AS "note",
    fields->>'by' AS "by",
    fields->>'claimant' AS "claimant",
    fields->>'id_no' AS "id_no",
    fields->>'phone' AS "phone",
    fields->>'return_signature' AS "return_signature",
    fields->>'return_note' AS "return_note",
    fields->>'return_by' AS "return_by",
    fields->>'dispose_reason' AS "dispose_reason",
    fields->>'dispose_by' AS "dispose_by",
    fields,
    conflicts
FROM records_lostfound;

CREATE VIEW exitslip_view AS SELECT
    site,
    id,
    status,
    created_at,
    updated_at,
    creator,
    reopen_count,
    events,
    fields->>'slip' AS "slip",
    fields->>'unit' AS "unit",
    fields->>'items' AS "items",
    CASE WHEN jsonb_typeof(fields->'moving_out') = 'boolean'
        THEN (fields->>'moving_out')::boolean END AS "moving_out",
    fields->>'release' AS "release",
    fields->>'result' AS "result",
    fields->>'reason' AS "reason",
    fields->>'carrier' AS "carrier",
    fields->>'phone' AS "phone",
    fields->>'plate' AS "plate",
    fields->>'gate' AS "gate",
    fields->>'by' AS "by",
    fields,
    conflicts
FROM records_exitslip;

CREATE VIEW task_view AS SELECT
    site,
    id,
    status,
    created_at,
    updated_at,
    creator,
    reopen_count,
    events,
    fields->>'plan' AS "plan",
    fields->>'note' AS "note",
    fields->>'by' AS "by",
    fields,
    conflicts
FROM records_task;
