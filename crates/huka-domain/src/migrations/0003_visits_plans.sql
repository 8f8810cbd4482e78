-- Schema 3: the teacher's daily work — pairings (一教一帮), home visits (家访) with follow-ups,
-- and support plans (一生一策) with reviews. A student is referred to by member id (a member
-- keeps its id when its student record is re-created).

CREATE TABLE pairing (
    id         TEXT PRIMARY KEY,
    teacher_id TEXT NOT NULL REFERENCES teacher (id),
    member_id  TEXT NOT NULL REFERENCES member (id),
    start_date TEXT NOT NULL,
    end_date   TEXT,                          -- NULL while current
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    device_id  TEXT NOT NULL,
    deleted_at TEXT
) STRICT;
-- One current helper teacher per student.
CREATE UNIQUE INDEX pairing_current ON pairing (member_id) WHERE deleted_at IS NULL AND end_date IS NULL;
CREATE INDEX pairing_teacher ON pairing (teacher_id) WHERE deleted_at IS NULL AND end_date IS NULL;

CREATE TABLE visit (
    id              TEXT PRIMARY KEY,
    household_id    TEXT NOT NULL REFERENCES household (id),
    visit_date      TEXT NOT NULL,
    mode            TEXT NOT NULL,           -- in_home / phone / video / at_school
    topics          TEXT NOT NULL DEFAULT '[]',
    findings        TEXT NOT NULL DEFAULT '',
    requests        TEXT NOT NULL DEFAULT '',
    parent_name     TEXT NOT NULL DEFAULT '',
    parent_ack_date TEXT,
    ack_photo       BLOB,                    -- the signed paper form, as chosen in the open dialog
    ack_photo_type  TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    device_id       TEXT NOT NULL,
    deleted_at      TEXT
) STRICT;
CREATE INDEX visit_household_date ON visit (household_id, visit_date) WHERE deleted_at IS NULL;
CREATE INDEX visit_date ON visit (visit_date, household_id) WHERE deleted_at IS NULL;

-- The teachers on a visit and the students discussed: parts of the visit record, rewritten
-- with it (they carry no meta of their own; the visit's is theirs).
CREATE TABLE visit_teacher (
    visit_id   TEXT NOT NULL REFERENCES visit (id),
    teacher_id TEXT NOT NULL REFERENCES teacher (id),
    PRIMARY KEY (visit_id, teacher_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX visit_teacher_teacher ON visit_teacher (teacher_id, visit_id);

CREATE TABLE visit_student (
    visit_id  TEXT NOT NULL REFERENCES visit (id),
    member_id TEXT NOT NULL REFERENCES member (id),
    PRIMARY KEY (visit_id, member_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE follow_up (
    id         TEXT PRIMARY KEY,
    visit_id   TEXT NOT NULL REFERENCES visit (id),
    action     TEXT NOT NULL,
    owner_id   TEXT REFERENCES teacher (id),
    due_date   TEXT NOT NULL,
    done_date  TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    device_id  TEXT NOT NULL,
    deleted_at TEXT
) STRICT;
CREATE INDEX follow_up_open ON follow_up (due_date) WHERE deleted_at IS NULL AND done_date IS NULL;
CREATE INDEX follow_up_visit ON follow_up (visit_id) WHERE deleted_at IS NULL;

CREATE TABLE plan (
    id                     TEXT PRIMARY KEY,
    member_id              TEXT NOT NULL REFERENCES member (id),
    term                   TEXT NOT NULL,    -- 2026-autumn, 2027-spring
    status                 TEXT NOT NULL,    -- draft / active / reviewed / closed
    tutoring               TEXT NOT NULL DEFAULT '{}',  -- {"needs": "...", "measures": "..."} per track
    care                   TEXT NOT NULL DEFAULT '{}',
    activities             TEXT NOT NULL DEFAULT '{}',
    aid                    TEXT NOT NULL DEFAULT '{}',
    psychological          TEXT NOT NULL DEFAULT '{}',
    goals                  TEXT NOT NULL DEFAULT '',
    responsible_teacher_id TEXT REFERENCES teacher (id),
    next_review_date       TEXT,
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL,
    device_id              TEXT NOT NULL,
    deleted_at             TEXT
) STRICT;
CREATE UNIQUE INDEX plan_member_term ON plan (member_id, term) WHERE deleted_at IS NULL;
CREATE INDEX plan_term ON plan (term, status) WHERE deleted_at IS NULL;

CREATE TABLE plan_review (
    id          TEXT PRIMARY KEY,
    plan_id     TEXT NOT NULL REFERENCES plan (id),
    review_date TEXT NOT NULL,
    progress    TEXT NOT NULL DEFAULT '',
    next_steps  TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    deleted_at  TEXT
) STRICT;
CREATE INDEX plan_review_plan ON plan_review (plan_id) WHERE deleted_at IS NULL;
