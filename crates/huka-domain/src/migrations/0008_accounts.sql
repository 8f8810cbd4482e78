-- Schema 8: who acts. Accounts (校长, 资助专干, 教师, 审核员), the classes a teacher heads, and on
-- every record the account that last changed it, beside the device (the store stamps it on
-- every insert and update; '' for what was written before accounts existed).

CREATE TABLE account (
    id          TEXT PRIMARY KEY,
    login       TEXT NOT NULL,              -- lower-case; what the user types to log in
    name        TEXT NOT NULL,              -- shown: 李老师
    role        TEXT NOT NULL,              -- principal / aid_officer / teacher / reviewer
    teacher_id  TEXT REFERENCES teacher (id), -- a teacher account's own teacher record
    disabled_at TEXT,                       -- never deleted: history keeps the name
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    updated_by  TEXT NOT NULL DEFAULT '',
    deleted_at  TEXT
) STRICT;
CREATE UNIQUE INDEX account_login ON account (login) WHERE deleted_at IS NULL;

-- The classes a teacher heads (班主任): their students' cards are the teacher's to keep.
CREATE TABLE teacher_class (
    id          TEXT PRIMARY KEY,
    teacher_id  TEXT NOT NULL REFERENCES teacher (id),
    grade       INTEGER,
    class_name  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    updated_by  TEXT NOT NULL DEFAULT '',
    deleted_at  TEXT
) STRICT;
CREATE UNIQUE INDEX teacher_class_alive ON teacher_class (teacher_id, grade, class_name) WHERE deleted_at IS NULL;
CREATE INDEX teacher_class_class ON teacher_class (grade, class_name) WHERE deleted_at IS NULL;

ALTER TABLE school ADD COLUMN updated_by TEXT NOT NULL DEFAULT '';
ALTER TABLE household ADD COLUMN updated_by TEXT NOT NULL DEFAULT '';
ALTER TABLE member ADD COLUMN updated_by TEXT NOT NULL DEFAULT '';
ALTER TABLE student ADD COLUMN updated_by TEXT NOT NULL DEFAULT '';
ALTER TABLE teacher ADD COLUMN updated_by TEXT NOT NULL DEFAULT '';
ALTER TABLE household_teacher ADD COLUMN updated_by TEXT NOT NULL DEFAULT '';
ALTER TABLE registration ADD COLUMN updated_by TEXT NOT NULL DEFAULT '';
ALTER TABLE pairing ADD COLUMN updated_by TEXT NOT NULL DEFAULT '';
ALTER TABLE visit ADD COLUMN updated_by TEXT NOT NULL DEFAULT '';
ALTER TABLE follow_up ADD COLUMN updated_by TEXT NOT NULL DEFAULT '';
ALTER TABLE plan ADD COLUMN updated_by TEXT NOT NULL DEFAULT '';
ALTER TABLE plan_review ADD COLUMN updated_by TEXT NOT NULL DEFAULT '';
ALTER TABLE aid_programme ADD COLUMN updated_by TEXT NOT NULL DEFAULT '';
ALTER TABLE aid_grant ADD COLUMN updated_by TEXT NOT NULL DEFAULT '';
ALTER TABLE aid_step ADD COLUMN updated_by TEXT NOT NULL DEFAULT '';
ALTER TABLE reconcile_decision ADD COLUMN updated_by TEXT NOT NULL DEFAULT '';
ALTER TABLE dropout_case ADD COLUMN updated_by TEXT NOT NULL DEFAULT '';
ALTER TABLE dropout_action ADD COLUMN updated_by TEXT NOT NULL DEFAULT '';
ALTER TABLE dropout_week ADD COLUMN updated_by TEXT NOT NULL DEFAULT '';
ALTER TABLE signing_key ADD COLUMN updated_by TEXT NOT NULL DEFAULT '';
ALTER TABLE county_school ADD COLUMN updated_by TEXT NOT NULL DEFAULT '';
ALTER TABLE county_key ADD COLUMN updated_by TEXT NOT NULL DEFAULT '';
ALTER TABLE county_bundle ADD COLUMN updated_by TEXT NOT NULL DEFAULT '';
