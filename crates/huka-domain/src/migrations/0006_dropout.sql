-- Schema 6: dropout prevention (控辍保学) — a case per student who dropped out or is at risk,
-- with the names of the "seven heads" responsible, a log of persuasion-to-return actions (劝返),
-- an outcome; and the weekly zero reports (零报告) as the principal confirmed them.

CREATE TABLE dropout_case (
    id               TEXT PRIMARY KEY,
    member_id        TEXT NOT NULL REFERENCES member (id),
    kind             TEXT NOT NULL,               -- dropped_out / at_risk
    reported_date    TEXT NOT NULL,               -- when the case was reported
    dropped_out_date TEXT,                        -- when the student left school; NULL while only at risk
    reason           TEXT NOT NULL,               -- dislikes_school / left_to_work / family_hardship /
                                                  -- illness_disability / early_marriage / other
    reason_note      TEXT NOT NULL DEFAULT '',
    risk_level       TEXT NOT NULL,               -- low / medium / high
    -- The seven heads (七长): names of the people responsible.
    county_head      TEXT NOT NULL DEFAULT '',    -- 县长
    bureau_chief     TEXT NOT NULL DEFAULT '',    -- 教育局长
    town_head        TEXT NOT NULL DEFAULT '',    -- 乡镇长
    village_head     TEXT NOT NULL DEFAULT '',    -- 村长（村支书）
    principal        TEXT NOT NULL DEFAULT '',    -- 校长
    parent           TEXT NOT NULL DEFAULT '',    -- 家长
    teacher          TEXT NOT NULL DEFAULT '',    -- 教师
    outcome          TEXT,                        -- NULL / returned / home_schooling / transferred / still_out
    outcome_date     TEXT,
    notes            TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    device_id        TEXT NOT NULL,
    deleted_at       TEXT
) STRICT;
-- A case is open until it is returned, home-schooled or transferred; one open case per student.
CREATE UNIQUE INDEX dropout_case_open ON dropout_case (member_id)
    WHERE deleted_at IS NULL AND (outcome IS NULL OR outcome = 'still_out');
CREATE INDEX dropout_case_member ON dropout_case (member_id) WHERE deleted_at IS NULL;

CREATE TABLE dropout_action (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES dropout_case (id),
    action_date TEXT NOT NULL,
    who         TEXT NOT NULL,
    what        TEXT NOT NULL,
    outcome     TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    deleted_at  TEXT
) STRICT;
CREATE INDEX dropout_action_case ON dropout_action (case_id, action_date) WHERE deleted_at IS NULL;

-- A confirmed weekly report: the numbers as they were confirmed, kept for the county export.
CREATE TABLE dropout_week (
    id           TEXT PRIMARY KEY,
    week         TEXT NOT NULL,                   -- ISO week, 2026-W48
    enrolment    INTEGER NOT NULL,
    new_dropouts INTEGER NOT NULL,
    returns      INTEGER NOT NULL,
    open_cases   INTEGER NOT NULL,
    confirmed_by TEXT NOT NULL,
    confirmed_at TEXT NOT NULL,                   -- RFC 3339 UTC
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    deleted_at   TEXT
) STRICT;
CREATE UNIQUE INDEX dropout_week_alive ON dropout_week (week) WHERE deleted_at IS NULL;
