-- Schema 14: the policy card (明白卡) each family keeps, and the county's notice (县级公示).

-- What a family must bring or do to receive a programme's aid (shown on the policy card), and
-- by when: the number of days after the term starts ('' and 0: nothing to bring, no date).
ALTER TABLE aid_programme ADD COLUMN family_todo TEXT NOT NULL DEFAULT '';
ALTER TABLE aid_programme ADD COLUMN apply_within_days INTEGER NOT NULL DEFAULT 0;

-- Whom a family calls: the school's aid officer and phone, and the county's aid centre
-- (资助中心) hotline. Printed on the policy card.
ALTER TABLE school ADD COLUMN aid_officer TEXT NOT NULL DEFAULT '';
ALTER TABLE school ADD COLUMN aid_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE school ADD COLUMN county_hotline TEXT NOT NULL DEFAULT '';

-- County side: the grants a bundle reports (its lists/aid.json, granted rows only), for the
-- county's notice. A part of the bundle row like county_student: written and deleted with it.
-- Only what a notice prints: no ID number, no household detail.
CREATE TABLE county_grant (
    bundle_id      TEXT NOT NULL REFERENCES county_bundle (id),
    name           TEXT NOT NULL,
    grade          INTEGER,
    class_name     TEXT NOT NULL DEFAULT '',
    programme_code TEXT NOT NULL,
    programme_name TEXT NOT NULL DEFAULT '',
    amount_fen     INTEGER NOT NULL
) STRICT;
CREATE INDEX county_grant_bundle ON county_grant (bundle_id);

-- The default programmes (fixed ids, see 0005): what families usually bring, and when.
UPDATE aid_programme SET family_todo = '家长到学校在资助申请表上签字（按学校住宿名单发放）', apply_within_days = 14
    WHERE id IN ('01900000-0000-7000-8000-000000000001', '01900000-0000-7000-8000-000000000002') AND family_todo = '';
UPDATE aid_programme SET family_todo = '带户口本和建档立卡（或低保）证明到学校填写申请表并签字', apply_within_days = 14
    WHERE id IN ('01900000-0000-7000-8000-000000000004', '01900000-0000-7000-8000-000000000005', '01900000-0000-7000-8000-000000000006',
                 '01900000-0000-7000-8000-000000000007', '01900000-0000-7000-8000-000000000008') AND family_todo = '';
UPDATE aid_programme SET family_todo = '学生和家长带户口本、录取通知书到县学生资助中心办理', apply_within_days = 30
    WHERE id = '01900000-0000-7000-8000-000000000009' AND family_todo = '';
UPDATE aid_programme SET family_todo = '带户口本、录取通知书或学籍证明到学校或乡镇申请', apply_within_days = 30
    WHERE id = '01900000-0000-7000-8000-00000000000a' AND family_todo = '';
