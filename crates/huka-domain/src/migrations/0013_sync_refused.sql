-- Schema 13: the records of the last change file read here that their author's role did not
-- allow (sync's merge judges each incoming record with the access rules of a local write):
-- kept out of the database and listed on the 同步 page. Bookkeeping of this computer: no
-- record table (no device, no author), so it neither travels nor enters the audit trail.
CREATE TABLE sync_refused (
    seq         INTEGER PRIMARY KEY,
    from_device TEXT NOT NULL,           -- the device whose file held it
    imported_at TEXT NOT NULL,           -- UTC, when the file was read
    tbl         TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    label       TEXT NOT NULL DEFAULT '', -- what a person recognizes it by (no ID number)
    author_id   TEXT NOT NULL,
    author      TEXT NOT NULL,           -- the author's name as this computer knows it
    author_role TEXT NOT NULL DEFAULT '',
    reason      TEXT NOT NULL,
    reason_en   TEXT NOT NULL
) STRICT;
