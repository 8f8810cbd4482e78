-- Schema 1: the school, household cards, members, students, teachers.
-- Every record table has: id (UUIDv7 text), created_at, updated_at (RFC 3339 UTC),
-- device_id (last writer), deleted_at (tombstone; NULL while alive).

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE school (
    id         TEXT PRIMARY KEY,
    code       TEXT NOT NULL,
    name       TEXT NOT NULL,
    town       TEXT NOT NULL DEFAULT '',
    district   TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    device_id  TEXT NOT NULL,
    deleted_at TEXT
) STRICT;

CREATE TABLE household (
    id               TEXT PRIMARY KEY,
    household_number TEXT NOT NULL,
    head_name        TEXT NOT NULL,
    town             TEXT NOT NULL DEFAULT '',
    village          TEXT NOT NULL DEFAULT '',
    grp              TEXT NOT NULL DEFAULT '',
    phone            TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL,
    poverty_causes   TEXT NOT NULL DEFAULT '[]', -- JSON array of cause codes
    notes            TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    device_id        TEXT NOT NULL,
    deleted_at       TEXT
) STRICT;
CREATE UNIQUE INDEX household_number_alive ON household (household_number) WHERE deleted_at IS NULL;

CREATE TABLE member (
    id           TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES household (id),
    name         TEXT NOT NULL,
    relation     TEXT NOT NULL DEFAULT '',
    resident_id  TEXT NOT NULL DEFAULT '',          -- normalized; '' when unknown
    gender       TEXT,                              -- as typed, or derived from resident_id
    birth_date   TEXT,                              -- YYYY-MM-DD
    health       TEXT NOT NULL DEFAULT '',
    migrant_work INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    deleted_at   TEXT
) STRICT;
CREATE INDEX member_household ON member (household_id) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX member_resident_id_alive ON member (resident_id)
    WHERE deleted_at IS NULL AND resident_id <> '';

CREATE TABLE student (
    id                      TEXT PRIMARY KEY,
    member_id               TEXT NOT NULL REFERENCES member (id),
    national_student_number TEXT NOT NULL DEFAULT '',
    stage                   TEXT NOT NULL,
    grade                   INTEGER,
    class_name              TEXT NOT NULL DEFAULT '',
    enrolment_status        TEXT NOT NULL,
    boarding                INTEGER NOT NULL DEFAULT 0,
    left_behind             INTEGER NOT NULL DEFAULT 0,
    disabled                INTEGER NOT NULL DEFAULT 0,
    orphan                  INTEGER NOT NULL DEFAULT 0,
    single_parent           INTEGER NOT NULL DEFAULT 0,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    device_id               TEXT NOT NULL,
    deleted_at              TEXT
) STRICT;
CREATE UNIQUE INDEX student_member_alive ON student (member_id) WHERE deleted_at IS NULL;

CREATE TABLE teacher (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    phone      TEXT NOT NULL DEFAULT '',
    subject    TEXT NOT NULL DEFAULT '',
    role       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    device_id  TEXT NOT NULL,
    deleted_at TEXT
) STRICT;

-- Teachers responsible for a household (一户一卡 names them).
CREATE TABLE household_teacher (
    id           TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES household (id),
    teacher_id   TEXT NOT NULL REFERENCES teacher (id),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    deleted_at   TEXT
) STRICT;
CREATE UNIQUE INDEX household_teacher_alive ON household_teacher (household_id, teacher_id) WHERE deleted_at IS NULL;
CREATE INDEX household_teacher_teacher ON household_teacher (teacher_id) WHERE deleted_at IS NULL;

-- Search text of each live household: its number, head, address, phone, and every member's
-- name and resident ID number, in search_key.body. household_search indexes that text with the
-- trigram tokenizer (an external-content FTS5 table over search_key), so any substring of 3+
-- characters — Chinese included — is found through the index; shorter terms scan the compact
-- search_key table. Both are kept by search::reindex_household inside every write's transaction.
CREATE TABLE search_key (
    key          INTEGER PRIMARY KEY,
    household_id TEXT NOT NULL UNIQUE REFERENCES household (id),
    body         TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE VIRTUAL TABLE household_search USING fts5 (
    body, content = 'search_key', content_rowid = 'key', tokenize = 'trigram'
);
