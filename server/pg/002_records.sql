-- 002_records.sql: every site's merged records (the fold of their ops, as
-- `roundsd dump` lists them), one table per kind: records is partitioned
-- by kind into records_scan, records_visit, ... (docs/POSTGRES.md).
-- A record's row is replaced whenever an op of it is shipped.

CREATE TABLE records (
    site text NOT NULL,
    kind smallint NOT NULL,
    id uuid NOT NULL,
    status text,
    created_hlc bigint NOT NULL,
    updated_hlc bigint NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    creator bigint NOT NULL,
    reopen_count integer NOT NULL,
    events integer NOT NULL,
    fields jsonb NOT NULL,
    conflicts jsonb,
    state bytea NOT NULL,
    PRIMARY KEY (site, kind, id)
) PARTITION BY LIST (kind);

CREATE TABLE records_scan PARTITION OF records FOR VALUES IN (1);
CREATE TABLE records_visit PARTITION OF records FOR VALUES IN (2);
CREATE TABLE records_vehicle PARTITION OF records FOR VALUES IN (3);
CREATE TABLE records_workorder PARTITION OF records FOR VALUES IN (4);
CREATE TABLE records_inspection PARTITION OF records FOR VALUES IN (5);
CREATE TABLE records_handover PARTITION OF records FOR VALUES IN (6);
CREATE TABLE records_dutylog PARTITION OF records FOR VALUES IN (7);
CREATE TABLE records_incident PARTITION OF records FOR VALUES IN (8);
CREATE TABLE records_ownerkey PARTITION OF records FOR VALUES IN (9);
CREATE TABLE records_lostfound PARTITION OF records FOR VALUES IN (10);
CREATE TABLE records_exitslip PARTITION OF records FOR VALUES IN (11);
CREATE TABLE records_task PARTITION OF records FOR VALUES IN (12);
CREATE TABLE records_site PARTITION OF records FOR VALUES IN (32);
CREATE TABLE records_unit PARTITION OF records FOR VALUES IN (33);
CREATE TABLE records_route PARTITION OF records FOR VALUES IN (34);
CREATE TABLE records_checkpoint PARTITION OF records FOR VALUES IN (35);
CREATE TABLE records_staff PARTITION OF records FOR VALUES IN (36);
CREATE TABLE records_plate PARTITION OF records FOR VALUES IN (37);
CREATE TABLE records_blacklist PARTITION OF records FOR VALUES IN (38);
CREATE TABLE records_resolution PARTITION OF records FOR VALUES IN (39);
CREATE TABLE records_pii_access PARTITION OF records FOR VALUES IN (40);
CREATE TABLE records_pii_key PARTITION OF records FOR VALUES IN (41);
CREATE TABLE records_holiday PARTITION OF records FOR VALUES IN (42);
CREATE TABLE records_roster PARTITION OF records FOR VALUES IN (43);
CREATE TABLE records_taskplan PARTITION OF records FOR VALUES IN (44);
CREATE TABLE records_tag_key PARTITION OF records FOR VALUES IN (45);
-- A kind added to the op format before a migration names it.
CREATE TABLE records_other PARTITION OF records DEFAULT;

INSERT INTO kinds VALUES
    (1, 'scan'), (2, 'visit'), (3, 'vehicle'), (4, 'workorder'),
    (5, 'inspection'), (6, 'handover'), (7, 'dutylog'), (8, 'incident'),
    (9, 'ownerkey'), (10, 'lostfound'), (11, 'exitslip'), (12, 'task'),
    (32, 'site'), (33, 'unit'), (34, 'route'), (35, 'checkpoint'),
    (36, 'staff'), (37, 'plate'), (38, 'blacklist'), (39, 'resolution'),
    (40, 'pii_access'), (41, 'pii_key'), (42, 'holiday'), (43, 'roster'),
    (44, 'taskplan'), (45, 'tag_key');
INSERT INTO actions VALUES
    (1, 'create'), (2, 'set'), (3, 'exit'), (4, 'refuse'), (10, 'dispatch'),
    (11, 'arrive'), (12, 'complete'), (13, 'callback'), (14, 'close'),
    (15, 'cancel'), (16, 'reopen'), (17, 'receive'), (18, 'feedback'),
    (19, 'escalate'), (20, 'ack'), (21, 'reply'), (22, 'assess'),
    (23, 'attach'), (30, 'retire'), (51, 'return'), (52, 'dispose');
