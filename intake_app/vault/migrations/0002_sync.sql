-- Schema 2: sync with the central server (intake_app/sync/). Never edit after release.

-- Every bundle this device built, by per-device sequence. The built bytes are kept until
-- the server's receipt arrives, so a re-export or a retried upload sends the very same
-- bytes (never a fork); after the receipt only the hash stays (the chain needs it).
CREATE TABLE sync_outbox (
    sequence       INTEGER PRIMARY KEY CHECK (sequence >= 1),
    bundle         BLOB,
    bundle_hash    BLOB NOT NULL,
    prev_hash      BLOB NOT NULL,
    created_at     TEXT NOT NULL,
    server_key_id  TEXT NOT NULL,
    revision_count INTEGER NOT NULL,
    audit_count    INTEGER NOT NULL,
    rev_seq_hi     INTEGER NOT NULL,  -- highest revisions.seq carried by this bundle or an earlier one
    audit_seq_hi   INTEGER NOT NULL,  -- highest audit.seq carried by this bundle or an earlier one
    state          TEXT NOT NULL DEFAULT 'built' CHECK (state IN ('built', 'sent', 'delivered')),
    sent_at        TEXT,
    delivered_at   TEXT,
    CHECK (state = 'delivered' OR bundle IS NOT NULL)
);

-- Which bundle carries each revision, and whether the server's receipt listed it.
CREATE TABLE sync_revisions (
    revision_id  TEXT PRIMARY KEY REFERENCES revisions (revision_id),
    sequence     INTEGER NOT NULL REFERENCES sync_outbox (sequence),
    delivered_at TEXT
);
CREATE INDEX sync_revisions_by_sequence ON sync_revisions (sequence);

-- The server's signed receipts, as received (verified before they are stored).
CREATE TABLE sync_receipts (
    sequence    INTEGER PRIMARY KEY REFERENCES sync_outbox (sequence),
    receipt     BLOB NOT NULL,
    received_at TEXT NOT NULL,  -- the server's time in the receipt
    imported_at TEXT NOT NULL,
    via         TEXT NOT NULL CHECK (via IN ('usb', 'online'))
);

-- Controlled purge of identity data. Revisions stay append-only: the only UPDATE the
-- triggers let through rewrites the content of a revision that has a row here, and a row
-- can only be added for a revision the server's receipt listed (delivered). The row is
-- also the permanent record of the purge (the audit log has one entry per case too).
CREATE TABLE purged_revisions (
    revision_id TEXT PRIMARY KEY REFERENCES revisions (revision_id),
    case_id     TEXT NOT NULL,
    purged_at   TEXT NOT NULL,
    officer_id  TEXT NOT NULL,
    fields      INTEGER NOT NULL
);
CREATE INDEX purged_revisions_by_case ON purged_revisions (case_id);

CREATE TRIGGER purged_revisions_only_delivered BEFORE INSERT ON purged_revisions
WHEN NOT EXISTS (SELECT 1 FROM sync_revisions s
                 WHERE s.revision_id = NEW.revision_id AND s.delivered_at IS NOT NULL)
BEGIN SELECT RAISE(ABORT, 'only delivered revisions may be purged'); END;

CREATE TRIGGER purged_revisions_append_only_u BEFORE UPDATE ON purged_revisions
BEGIN SELECT RAISE(ABORT, 'purge records are append-only'); END;
CREATE TRIGGER purged_revisions_append_only_d BEFORE DELETE ON purged_revisions
BEGIN SELECT RAISE(ABORT, 'purge records are append-only'); END;

DROP TRIGGER revisions_append_only_u;
CREATE TRIGGER revisions_append_only_u BEFORE UPDATE ON revisions
WHEN NOT EXISTS (SELECT 1 FROM purged_revisions p WHERE p.revision_id = OLD.revision_id)
BEGIN SELECT RAISE(ABORT, 'revisions are append-only'); END;

-- even for a purged revision, only the content may change
CREATE TRIGGER revisions_purge_content_only BEFORE UPDATE ON revisions
WHEN NEW.seq IS NOT OLD.seq OR NEW.revision_id IS NOT OLD.revision_id OR NEW.case_id IS NOT OLD.case_id
  OR NEW.parent_id IS NOT OLD.parent_id OR NEW.officer_id IS NOT OLD.officer_id
  OR NEW.created_at IS NOT OLD.created_at OR NEW.codebook_version IS NOT OLD.codebook_version
  OR NEW.content_hash IS NOT OLD.content_hash
BEGIN SELECT RAISE(ABORT, 'revisions are append-only'); END;

-- nothing sent or delivered may disappear from the sync records
CREATE TRIGGER sync_revisions_no_delete BEFORE DELETE ON sync_revisions
BEGIN SELECT RAISE(ABORT, 'sync records are append-only'); END;
CREATE TRIGGER sync_outbox_no_delete BEFORE DELETE ON sync_outbox
BEGIN SELECT RAISE(ABORT, 'sync records are append-only'); END;
