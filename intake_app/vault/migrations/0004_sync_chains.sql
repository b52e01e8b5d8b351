-- Schema 4: bundle chains. Never edit after release.
-- A laptop whose disk was cloned, or whose data folder was restored from a backup, makes
-- bundles whose sequences the server already holds with other bytes (bundle_fork). It then
-- takes a new device identity (intake_app/sync/new_identity.py) and starts a new chain at
-- sequence 1: the sync tables get a chain number. Every row so far is chain 1; the current
-- chain is meta 'sync.chain' (absent: 1). Old chains stay as a record and are never sent
-- again; a revision the server acknowledged in any chain stays delivered.
PRAGMA defer_foreign_keys = ON;

-- the purge grant reads sync_revisions: dropped here, recreated below on the rebuilt table
DROP TRIGGER purged_revisions_only_delivered;

CREATE TABLE sync_outbox_v4 (
    chain          INTEGER NOT NULL DEFAULT 1 CHECK (chain >= 1),
    sequence       INTEGER NOT NULL CHECK (sequence >= 1),
    bundle         BLOB,
    bundle_hash    BLOB NOT NULL,
    prev_hash      BLOB NOT NULL,
    created_at     TEXT NOT NULL,
    server_key_id  TEXT NOT NULL,
    revision_count INTEGER NOT NULL,
    audit_count    INTEGER NOT NULL,
    rev_seq_hi     INTEGER NOT NULL,  -- highest revisions.seq carried by this bundle or an earlier one of the chain
    audit_seq_hi   INTEGER NOT NULL,  -- highest audit.seq carried by this bundle or an earlier one of the chain
    state          TEXT NOT NULL DEFAULT 'built' CHECK (state IN ('built', 'sent', 'delivered')),
    sent_at        TEXT,
    delivered_at   TEXT,
    PRIMARY KEY (chain, sequence),
    CHECK (state = 'delivered' OR bundle IS NOT NULL)
);
INSERT INTO sync_outbox_v4 (chain, sequence, bundle, bundle_hash, prev_hash, created_at, server_key_id,
                            revision_count, audit_count, rev_seq_hi, audit_seq_hi, state, sent_at, delivered_at)
SELECT 1, sequence, bundle, bundle_hash, prev_hash, created_at, server_key_id, revision_count, audit_count,
       rev_seq_hi, audit_seq_hi, state, sent_at, delivered_at FROM sync_outbox;

-- a revision is in at most one bundle per chain; one not delivered in an old chain goes
-- into a bundle of the new one
CREATE TABLE sync_revisions_v4 (
    revision_id  TEXT NOT NULL REFERENCES revisions (revision_id),
    chain        INTEGER NOT NULL DEFAULT 1,
    sequence     INTEGER NOT NULL,
    delivered_at TEXT,
    PRIMARY KEY (revision_id, chain),
    FOREIGN KEY (chain, sequence) REFERENCES sync_outbox_v4 (chain, sequence)
);
INSERT INTO sync_revisions_v4 (revision_id, chain, sequence, delivered_at)
SELECT revision_id, 1, sequence, delivered_at FROM sync_revisions;

CREATE TABLE sync_receipts_v4 (
    chain       INTEGER NOT NULL DEFAULT 1,
    sequence    INTEGER NOT NULL,
    receipt     BLOB NOT NULL,
    received_at TEXT NOT NULL,  -- the server's time in the receipt
    imported_at TEXT NOT NULL,
    via         TEXT NOT NULL CHECK (via IN ('usb', 'online')),
    PRIMARY KEY (chain, sequence),
    FOREIGN KEY (chain, sequence) REFERENCES sync_outbox_v4 (chain, sequence)
);
INSERT INTO sync_receipts_v4 (chain, sequence, receipt, received_at, imported_at, via)
SELECT 1, sequence, receipt, received_at, imported_at, via FROM sync_receipts;

-- children first; their append-only triggers go with them and are recreated below
DROP TABLE sync_receipts;
DROP TABLE sync_revisions;
DROP TABLE sync_outbox;
ALTER TABLE sync_outbox_v4 RENAME TO sync_outbox;
ALTER TABLE sync_revisions_v4 RENAME TO sync_revisions;
ALTER TABLE sync_receipts_v4 RENAME TO sync_receipts;
CREATE INDEX sync_revisions_by_sequence ON sync_revisions (chain, sequence);

CREATE TRIGGER purged_revisions_only_delivered BEFORE INSERT ON purged_revisions
WHEN NOT EXISTS (SELECT 1 FROM sync_revisions s
                 WHERE s.revision_id = NEW.revision_id AND s.delivered_at IS NOT NULL)
BEGIN SELECT RAISE(ABORT, 'only delivered revisions may be purged'); END;

-- nothing sent or delivered may disappear from the sync records, in any chain
CREATE TRIGGER sync_revisions_no_delete BEFORE DELETE ON sync_revisions
BEGIN SELECT RAISE(ABORT, 'sync records are append-only'); END;
CREATE TRIGGER sync_outbox_no_delete BEFORE DELETE ON sync_outbox
BEGIN SELECT RAISE(ABORT, 'sync records are append-only'); END;
-- a delivered revision stays delivered (the purge grant relies on it)
CREATE TRIGGER sync_revisions_stay_delivered BEFORE UPDATE ON sync_revisions
WHEN OLD.delivered_at IS NOT NULL AND NEW.delivered_at IS NULL
BEGIN SELECT RAISE(ABORT, 'sync records are append-only'); END;
