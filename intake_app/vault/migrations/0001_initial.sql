-- Schema 1: the first release. Never edit after release: add 0002_….sql instead.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE officers (
    officer_id TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- the device identity: hybrid signing keys, created with the vault, never leave it
CREATE TABLE device (
    one          INTEGER PRIMARY KEY CHECK (one = 1),
    device_id    TEXT NOT NULL,
    ed25519_seed BLOB NOT NULL,
    mldsa65_seed BLOB NOT NULL,
    created_at   TEXT NOT NULL
);

-- append-only case revisions; the current record of a case is its head revision
CREATE TABLE revisions (
    seq              INTEGER PRIMARY KEY,
    revision_id      TEXT NOT NULL UNIQUE,
    case_id          TEXT NOT NULL,
    parent_id        TEXT,
    officer_id       TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    codebook_version TEXT NOT NULL,
    content          TEXT NOT NULL,
    content_hash     TEXT NOT NULL
);
CREATE INDEX revisions_by_case ON revisions (case_id, seq);
CREATE TRIGGER revisions_append_only_u BEFORE UPDATE ON revisions
BEGIN SELECT RAISE(ABORT, 'revisions are append-only'); END;
CREATE TRIGGER revisions_append_only_d BEFORE DELETE ON revisions
BEGIN SELECT RAISE(ABORT, 'revisions are append-only'); END;

-- the current view, derived from the head revision (rebuildable from revisions)
CREATE TABLE cases (
    rowid          INTEGER PRIMARY KEY,
    case_id        TEXT NOT NULL UNIQUE,
    head_revision  TEXT NOT NULL,
    revision_count INTEGER NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    record_date    TEXT,
    border_post    TEXT,
    gender         TEXT,
    age_band       TEXT,
    citizenship    TEXT,
    flags          INTEGER NOT NULL DEFAULT 0,
    sync_state     TEXT NOT NULL DEFAULT 'pending',
    review_state   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX cases_by_update ON cases (updated_at);
CREATE INDEX cases_by_sync ON cases (sync_state);

-- names and document numbers, accent-insensitive (inside the encrypted file)
CREATE VIRTUAL TABLE name_index USING fts5 (
    names, documents,
    tokenize = "unicode61 remove_diacritics 2",
    prefix = '2 3'
);

-- keys for duplicate-person hints
CREATE TABLE person_keys (
    case_rowid INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    key        TEXT NOT NULL
);
CREATE INDEX person_keys_lookup ON person_keys (kind, key);
CREATE INDEX person_keys_case ON person_keys (case_rowid);

-- an officer's unsaved intake, autosaved
CREATE TABLE drafts (
    draft_id   TEXT PRIMARY KEY,
    officer_id TEXT NOT NULL,
    case_id    TEXT,
    updated_at TEXT NOT NULL,
    content    TEXT NOT NULL
);

-- hash-chained audit log
CREATE TABLE audit (
    seq         INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    officer_id  TEXT NOT NULL,
    action      TEXT NOT NULL,
    case_id     TEXT,
    revision_id TEXT,
    detail      TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
