-- Schema 3: duplicate-hint keys clustered by key, carrying what a hint needs.
-- At 100,000 cases a common surname matched ~70 cases whose rows were spread over as many
-- encrypted pages (each read and decrypted); clustering by (kind, key) and keeping the
-- case id, nationality and age band in the key row answers a lookup from a page or two.
CREATE TABLE person_keys_v3 (
    kind        TEXT NOT NULL,
    key         TEXT NOT NULL,
    case_rowid  INTEGER NOT NULL,
    case_id     TEXT NOT NULL,
    citizenship TEXT,
    age_band    TEXT,
    PRIMARY KEY (kind, key, case_rowid)
) WITHOUT ROWID;

INSERT OR IGNORE INTO person_keys_v3 (kind, key, case_rowid, case_id, citizenship, age_band)
SELECT pk.kind, pk.key, pk.case_rowid, c.case_id, c.citizenship, c.age_band
FROM person_keys pk JOIN cases c ON c.rowid = pk.case_rowid;

DROP TABLE person_keys;
ALTER TABLE person_keys_v3 RENAME TO person_keys;
CREATE INDEX person_keys_case ON person_keys (case_rowid);
