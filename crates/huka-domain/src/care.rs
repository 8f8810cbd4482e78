//! Who is in whose care, answered from the school's records for `access` (its [`Care`] trait):
//! a household is in a teacher's care when one of its students is paired with them (一教一帮),
//! is in a class they head, or when its card names them.

use rusqlite::{Connection, OptionalExtension};

use crate::access::{Care, Of};
use crate::error::Result;
use crate::record::RecordId;
use crate::store::Store;

impl Care for Store {
    fn in_care_of(&self, teacher: RecordId, household: RecordId) -> Result<bool> {
        in_care_of(self.conn(), teacher, household)
    }
    fn household_of(&self, record: Of) -> Result<RecordId> {
        household_of(self.conn(), record)
    }
}

/// The same questions inside a write's transaction (sync's merge judges each incoming record
/// on the records as they stand when it is met).
impl Care for Connection {
    fn in_care_of(&self, teacher: RecordId, household: RecordId) -> Result<bool> {
        in_care_of(self, teacher, household)
    }
    fn household_of(&self, record: Of) -> Result<RecordId> {
        household_of(self, record)
    }
}

/// Whether a household is in the care of a teacher (for any teacher, not only the one who
/// acts: a teacher's laptop keeps in full only the cards in its teacher's care).
pub fn in_care_of(conn: &Connection, teacher: RecordId, household: RecordId) -> Result<bool> {
    let found: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM household_teacher WHERE household_id = ?1 AND teacher_id = ?2 AND deleted_at IS NULL
             UNION ALL
             SELECT 1 FROM member m JOIN pairing p ON p.member_id = m.id
              WHERE m.household_id = ?1 AND m.deleted_at IS NULL AND p.teacher_id = ?2
                AND p.end_date IS NULL AND p.deleted_at IS NULL
             UNION ALL
             SELECT 1 FROM member m JOIN student s ON s.member_id = m.id AND s.deleted_at IS NULL
                  JOIN teacher_class c ON c.grade IS s.grade AND c.class_name = s.class_name AND c.deleted_at IS NULL
              WHERE m.household_id = ?1 AND m.deleted_at IS NULL AND c.teacher_id = ?2
             LIMIT 1",
            rusqlite::params![household, teacher],
            |r| r.get(0),
        )
        .optional()?;
    Ok(found.is_some())
}

/// The households in a teacher's care, as an SQL `SELECT` of household ids over the parameter
/// `?{teacher_param}` holding the teacher's id — the same three ways as [`in_care_of`], for
/// queries that filter many households at once (search).
pub fn households_in_care_sql(teacher_param: usize) -> String {
    let t = teacher_param;
    format!(
        "SELECT household_id FROM household_teacher WHERE teacher_id = ?{t} AND deleted_at IS NULL
         UNION
         SELECT m.household_id FROM member m JOIN pairing p ON p.member_id = m.id
          WHERE m.deleted_at IS NULL AND p.teacher_id = ?{t} AND p.end_date IS NULL AND p.deleted_at IS NULL
         UNION
         SELECT m.household_id FROM member m JOIN student s ON s.member_id = m.id AND s.deleted_at IS NULL
              JOIN teacher_class c ON c.grade IS s.grade AND c.class_name = s.class_name AND c.deleted_at IS NULL
          WHERE m.deleted_at IS NULL AND c.teacher_id = ?{t}"
    )
}

/// The household a record belongs to.
fn household_of(conn: &Connection, of: Of) -> Result<RecordId> {
    let (sql, id, kind) = match of {
        Of::Member(id) => ("SELECT household_id FROM member WHERE id = ?1", id, "member"),
        Of::Visit(id) => ("SELECT household_id FROM visit WHERE id = ?1", id, "visit"),
        Of::FollowUp(id) => ("SELECT v.household_id FROM follow_up f JOIN visit v ON v.id = f.visit_id WHERE f.id = ?1", id, "follow-up"),
        Of::Plan(id) => ("SELECT m.household_id FROM plan p JOIN member m ON m.id = p.member_id WHERE p.id = ?1", id, "plan"),
        Of::DropoutCase(id) => ("SELECT m.household_id FROM dropout_case c JOIN member m ON m.id = c.member_id WHERE c.id = ?1", id, "dropout case"),
        Of::DropoutAction(id) => (
            "SELECT m.household_id FROM dropout_action a JOIN dropout_case c ON c.id = a.case_id JOIN member m ON m.id = c.member_id WHERE a.id = ?1",
            id,
            "dropout action",
        ),
    };
    conn.query_row(sql, [id], |r| r.get(0)).optional()?.ok_or(crate::labels::not_found(kind))
}
