-- Schema 18: a smaller journal (issue 21).
-- No query reads the audit trail by account through `audit_account`: a list by user walks
-- `audit_at` newest first and keeps that user's entries (EXPLAIN QUERY PLAN), so the index
-- was written on every entry and never read.
DROP INDEX audit_account;

-- A record's clocks are mostly one clock for all its fields (a record written once and never
-- edited). Such a row is kept as `@<shape> <clock>`: the shape names its fields, listed once
-- here under the first 16 hex digits of the SHA-256 of their JSON list (`clock::shape_of`),
-- rather than the field names again in every row. Rows written before, and records whose
-- fields have several clocks, keep the JSON form, which still reads.
CREATE TABLE sync_clock_shape (
    shape  TEXT PRIMARY KEY,                -- 16 hex digits of the SHA-256 of `fields`
    fields TEXT NOT NULL                    -- the field names, a JSON array in order
) STRICT, WITHOUT ROWID;
