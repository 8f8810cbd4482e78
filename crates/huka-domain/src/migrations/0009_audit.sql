-- Schema 9: the audit trail. Every write appends one entry per record it changed, in the same
-- transaction: when, who (the account and its name then), which device, the operation, the
-- record, and each changed field's old and new value. Each device's entries form a chain: an
-- entry carries the SHA-256 of the one before, so editing or deleting any entry breaks it.
-- Entries are never updated or deleted.
CREATE TABLE audit (
    device_id   TEXT NOT NULL,
    seq         INTEGER NOT NULL,           -- 1, 2, … on this device
    at          TEXT NOT NULL,              -- UTC, RFC 3339
    account_id  TEXT NOT NULL,
    account     TEXT NOT NULL,              -- the account's name when it wrote
    op          TEXT NOT NULL,              -- insert / update / delete, or an event (export, restore …)
    kind        TEXT NOT NULL,              -- the table, or the event's subject
    record_id   TEXT NOT NULL,
    changes     TEXT NOT NULL,              -- {"field": [old, new], …}
    prev        TEXT NOT NULL,              -- the previous entry's hash ('' for the first)
    hash        TEXT NOT NULL,
    PRIMARY KEY (device_id, seq)
) STRICT;
CREATE INDEX audit_record ON audit (record_id);
CREATE INDEX audit_account ON audit (account_id, at);
CREATE INDEX audit_at ON audit (at);
