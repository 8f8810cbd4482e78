-- Covering indexes for the term's coverage dashboard (coverage::compute). Each holds exactly the
-- columns the dashboard reads of the rows it counts, so its scans read a compact index instead
-- of the wide rows (plans carry five text tracks, households a dozen columns).

CREATE INDEX household_listed ON household (id, head_name, village)
    WHERE deleted_at IS NULL AND status <> 'none';
CREATE INDEX student_enrolled ON student (member_id, grade, class_name)
    WHERE deleted_at IS NULL AND enrolment_status = 'enrolled';
CREATE INDEX member_names ON member (id, household_id, name) WHERE deleted_at IS NULL;
CREATE INDEX plan_in_force ON plan (term, next_review_date, member_id, id)
    WHERE deleted_at IS NULL AND status IN ('active', 'reviewed');
