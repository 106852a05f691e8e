-- 001_ops.sql: every site's ops, append-only, and the shipper's positions
-- (docs/POSTGRES.md). Applied once, in its own transaction, by roundsd's
-- migration runner (server/ship_pg.c), which records it in rounds_schema.
--
-- Unsigned 64-bit values of the op format (device ids, seqs, HLC stamps)
-- are kept in bigint with the same 64 bits: a device id above 2^63 reads
-- negative; lpad(to_hex(device_id), 16, '0') gives the 16 hex digits that
-- roundsd and rounds print.

CREATE TABLE kinds (
    kind smallint PRIMARY KEY,
    name text NOT NULL UNIQUE
);

CREATE TABLE actions (
    action smallint PRIMARY KEY,
    name text NOT NULL UNIQUE
);

CREATE TABLE ops (
    site text NOT NULL,
    device_id bigint NOT NULL,
    seq bigint NOT NULL,
    hlc bigint NOT NULL,
    wall_ms bigint NOT NULL,
    recv_ms bigint NOT NULL,
    kind smallint NOT NULL,
    action smallint NOT NULL,
    entity uuid NOT NULL,
    fields jsonb NOT NULL,
    prev_hash bytea NOT NULL,
    op bytea NOT NULL,
    PRIMARY KEY (site, device_id, seq)
);
CREATE INDEX ops_entity ON ops (site, entity);
CREATE INDEX ops_recv ON ops (site, recv_ms);

-- How far the ops of each (site, device) are shipped: every op with a seq
-- up to this one is in ops. Written in the transaction that ships them.
CREATE TABLE ship_position (
    site text NOT NULL,
    device_id bigint NOT NULL,
    seq bigint NOT NULL,
    shipped_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (site, device_id)
);
