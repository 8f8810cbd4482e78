-- Schema 5: financial aid (资助) — programmes, grants with their sign-off path — and the
-- decisions taken on the mismatches between the three lists (学籍 / 建档立卡 / 资助).

CREATE TABLE aid_programme (
    id          TEXT PRIMARY KEY,
    code        TEXT NOT NULL,             -- short stable code, e.g. boarding_primary
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,             -- award 奖 / loan 贷 / grant 助 / subsidy 补 / waiver 免
    amount_fen  INTEGER NOT NULL CHECK (amount_fen >= 0),  -- standard amount per term; 0: as applied
    stages      TEXT NOT NULL DEFAULT '[]',                -- JSON array of student stages
    eligibility TEXT NOT NULL,             -- who is due: registered_poor, registered_poor_boarding, all_students, on_application
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    deleted_at  TEXT
) STRICT;
CREATE UNIQUE INDEX aid_programme_code_alive ON aid_programme (code) WHERE deleted_at IS NULL;

-- The default programmes have fixed ids, so every installation (and a later merge) agrees on them.
INSERT INTO aid_programme (id, code, name, kind, amount_fen, stages, eligibility, created_at, updated_at, device_id) VALUES
  ('01900000-0000-7000-8000-000000000001', 'boarding_primary', '义务教育寄宿生生活补助（小学）', 'subsidy', 50000, '["primary"]', 'registered_poor_boarding', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'default'),
  ('01900000-0000-7000-8000-000000000002', 'boarding_junior', '义务教育寄宿生生活补助（初中）', 'subsidy', 62500, '["junior"]', 'registered_poor_boarding', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'default'),
  ('01900000-0000-7000-8000-000000000003', 'nutrition', '农村义务教育学生营养改善计划', 'subsidy', 50000, '["primary","junior"]', 'all_students', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'default'),
  ('01900000-0000-7000-8000-000000000004', 'preschool', '学前教育幼儿资助', 'grant', 50000, '["preschool"]', 'registered_poor', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'default'),
  ('01900000-0000-7000-8000-000000000005', 'senior_grant', '普通高中国家助学金', 'grant', 100000, '["senior"]', 'registered_poor', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'default'),
  ('01900000-0000-7000-8000-000000000006', 'senior_waiver', '普通高中免学杂费', 'waiver', 60000, '["senior"]', 'registered_poor', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'default'),
  ('01900000-0000-7000-8000-000000000007', 'vocational_grant', '中职国家助学金', 'grant', 100000, '["vocational"]', 'registered_poor', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'default'),
  ('01900000-0000-7000-8000-000000000008', 'vocational_waiver', '中职免学费', 'waiver', 100000, '["vocational"]', 'registered_poor', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'default'),
  ('01900000-0000-7000-8000-000000000009', 'origin_loan', '生源地信用助学贷款', 'loan', 0, '["higher"]', 'on_application', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'default'),
  ('01900000-0000-7000-8000-00000000000a', 'yulu', '雨露计划', 'subsidy', 150000, '["vocational","higher"]', 'on_application', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'default'),
  ('01900000-0000-7000-8000-00000000000b', 'donation', '社会捐资助学', 'grant', 0, '["preschool","primary","junior","senior","vocational","higher"]', 'on_application', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'default');

-- A grant to one student under one programme for one term, and where it stands on its path:
-- applied → school_reviewed → notice → county_reviewed → paid (→ reversed, with a reason).
CREATE TABLE aid_grant (
    id              TEXT PRIMARY KEY,
    member_id       TEXT NOT NULL REFERENCES member (id),
    programme_id    TEXT NOT NULL REFERENCES aid_programme (id),
    term            TEXT NOT NULL,
    amount_fen      INTEGER NOT NULL CHECK (amount_fen >= 0),
    status          TEXT NOT NULL,
    notice_start    TEXT,                  -- the public notice (公示) period
    notice_end      TEXT,
    objections      TEXT NOT NULL DEFAULT '',  -- objections raised during the notice, and how they were handled
    paid_date       TEXT,
    reversed_reason TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    device_id       TEXT NOT NULL,
    deleted_at      TEXT
) STRICT;
-- One grant per student, programme and term (a reversed one may be granted again).
CREATE UNIQUE INDEX aid_grant_once ON aid_grant (member_id, programme_id, term)
    WHERE deleted_at IS NULL AND status <> 'reversed';
CREATE INDEX aid_grant_term ON aid_grant (term, programme_id, member_id, status, amount_fen) WHERE deleted_at IS NULL;

-- Each step a grant took, with who signed it off (JSON [{"role": "principal", "name": "…"}]).
CREATE TABLE aid_step (
    id         TEXT PRIMARY KEY,
    grant_id   TEXT NOT NULL REFERENCES aid_grant (id),
    step       TEXT NOT NULL,
    step_date  TEXT NOT NULL,
    signoffs   TEXT NOT NULL DEFAULT '[]',
    note       TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    device_id  TEXT NOT NULL,
    deleted_at TEXT
) STRICT;
CREATE INDEX aid_step_grant ON aid_step (grant_id) WHERE deleted_at IS NULL;

-- A mismatch between the three lists that someone resolved or dismissed, with a note.
CREATE TABLE reconcile_decision (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,              -- unregistered / phantom / duplicate / no_aid
    subject_id TEXT NOT NULL,              -- the member or registration the mismatch is about
    decision   TEXT NOT NULL,              -- resolved / dismissed
    note       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    device_id  TEXT NOT NULL,
    deleted_at TEXT
) STRICT;
CREATE UNIQUE INDEX reconcile_decision_once ON reconcile_decision (kind, subject_id) WHERE deleted_at IS NULL;
