-- Schema 5: the audit log looked up by case and by action without reading all of it.
-- Opening a case lists its entries (AuditLog.entries with a case id), and editing a case
-- reads the duplicate decisions recorded about it (cases.decided_duplicates); both read the
-- whole log before, about 70-80 ms at 100,000 entries, and the log grows with every view
-- and print. An index on case_id also holds seq (the rowid), so "WHERE case_id = ? AND
-- seq > ? ORDER BY seq" is answered in order from the index alone.
CREATE INDEX IF NOT EXISTS audit_case ON audit (case_id);
CREATE INDEX IF NOT EXISTS audit_action ON audit (action);
