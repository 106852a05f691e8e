-- 010_directory.sql: the node directory (docs/NODES.md): which roundsd
-- node holds which site. Read by every node (server/directory.c: a cache
-- refreshed off the sync loop), written by `roundsd node add`, `roundsd
-- site assign` and `roundsd site move`.

-- The nodes: where handhelds reach each one and the certificate it
-- presents. The PEM is kept whole, not only its pin: a REDIRECT hands the
-- handheld the certificate it must pin byte for byte (docs/PROTOCOL.md,
-- section 1), so it trusts the new node without a first unchecked
-- handshake; cert_sha256 (of the DER bytes) is what the enrollment
-- payload's fp carries and what an operator compares.
CREATE TABLE dir_nodes (
    name        text PRIMARY KEY
                CHECK (name ~ '^[A-Za-z0-9_.-]{1,63}$'
                       AND name NOT IN ('.', '..')),
    address     text NOT NULL CHECK (length(address) BETWEEN 3 AND 261),
    cert_pem    text NOT NULL
                CHECK (cert_pem LIKE '-----BEGIN CERTIFICATE-----%'
                       AND length(cert_pem) <= 16384),
    cert_sha256 text NOT NULL CHECK (cert_sha256 ~ '^[0-9a-f]{64}$'),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- The assignment: one row per site. epoch is its generation: 1 when
-- assigned, +1 at each finished move, in the same transaction that
-- changes node. state 'moving' (with move_to) while `roundsd site move`
-- runs: the old node takes no more syncs of the site.
CREATE TABLE dir_sites (
    site        text PRIMARY KEY
                CHECK (site ~ '^[A-Za-z0-9_.-]{1,63}$'
                       AND site NOT IN ('.', '..')),
    node        text NOT NULL REFERENCES dir_nodes (name),
    epoch       bigint NOT NULL DEFAULT 1 CHECK (epoch >= 1),
    state       text NOT NULL DEFAULT 'active'
                CHECK (state IN ('active', 'moving')),
    move_to     text REFERENCES dir_nodes (name),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((state = 'moving') = (move_to IS NOT NULL)),
    CHECK (move_to IS NULL OR move_to <> node)
);
CREATE INDEX dir_sites_node ON dir_sites (node);

-- Every finished move, for the office's history.
CREATE TABLE dir_moves (
    site        text NOT NULL REFERENCES dir_sites (site),
    epoch       bigint NOT NULL,        -- the epoch the move gave the site
    from_node   text NOT NULL REFERENCES dir_nodes (name),
    to_node     text NOT NULL REFERENCES dir_nodes (name),
    ops         bigint NOT NULL,        -- ops in the store that moved
    digest      text NOT NULL,          -- its digest (as roundsd dump)
    moved_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (site, epoch)
);
