-- Schema 2: the student-registration roster (学籍), as imported from the national system.
-- One row per registered student, matched to household members by resident ID number.

CREATE TABLE registration (
    id                      TEXT PRIMARY KEY,
    resident_id             TEXT NOT NULL,              -- normalized; the match key
    national_student_number TEXT NOT NULL DEFAULT '',
    name                    TEXT NOT NULL,
    gender                  TEXT,
    birth_date              TEXT,
    stage                   TEXT,
    grade                   INTEGER,
    class_name              TEXT NOT NULL DEFAULT '',
    ethnicity               TEXT NOT NULL DEFAULT '',
    boarding                INTEGER,                    -- NULL: the roster does not say
    left_behind             INTEGER,
    registered_poor         INTEGER,                    -- what the roster claims
    address                 TEXT NOT NULL DEFAULT '',
    guardian_name           TEXT NOT NULL DEFAULT '',
    phone                   TEXT NOT NULL DEFAULT '',
    member_id               TEXT REFERENCES member (id), -- the household member with this resident ID
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    device_id               TEXT NOT NULL,
    deleted_at              TEXT
) STRICT;
CREATE UNIQUE INDEX registration_resident_id_alive ON registration (resident_id) WHERE deleted_at IS NULL;
CREATE INDEX registration_member ON registration (member_id) WHERE deleted_at IS NULL;
