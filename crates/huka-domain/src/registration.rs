//! Student registrations (学籍): the roster from the national registration system, one row per
//! registered student. Each is linked by resident ID number to the household member it is,
//! when the poverty list has that person; the rest are "not on the poverty list".

use chrono::NaiveDate;
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::member::Gender;
use crate::record::{Meta, RecordId};
use crate::store::{Store, Writer};
use crate::student::{self, EnrolmentStatus, Stage, StudentInput};

/// What the roster says about one student. `None`: the roster does not say.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationInput {
    pub resident_id: String,
    pub national_student_number: String,
    pub name: String,
    pub gender: Option<Gender>,
    pub birth_date: Option<NaiveDate>,
    pub stage: Option<Stage>,
    pub grade: Option<i64>,
    pub class_name: String,
    pub ethnicity: String,
    pub boarding: Option<bool>,
    pub left_behind: Option<bool>,
    pub registered_poor: Option<bool>,
    pub address: String,
    pub guardian_name: String,
    pub phone: String,
}

/// A registration whose student is on no household card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnlinkedRegistration {
    pub id: RecordId,
    pub name: String,
    /// Masked like the ID number (`masking`): `G610921********001X`.
    pub national_student_number: String,
    /// Masked: `610921********001X`.
    pub resident_id_masked: String,
    pub grade: Option<i64>,
    pub class_name: String,
    pub registered_poor: Option<bool>,
}

const COLUMNS: &str = "resident_id, national_student_number, name, gender, birth_date, stage, grade, class_name, ethnicity,
     boarding, left_behind, registered_poor, address, guardian_name, phone";

fn input_from_row(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<RegistrationInput> {
    Ok(RegistrationInput {
        resident_id: r.get(at)?,
        national_student_number: r.get(at + 1)?,
        name: r.get(at + 2)?,
        gender: r.get(at + 3)?,
        birth_date: r.get(at + 4)?,
        stage: r.get(at + 5)?,
        grade: r.get(at + 6)?,
        class_name: r.get(at + 7)?,
        ethnicity: r.get(at + 8)?,
        boarding: r.get(at + 9)?,
        left_behind: r.get(at + 10)?,
        registered_poor: r.get(at + 11)?,
        address: r.get(at + 12)?,
        guardian_name: r.get(at + 13)?,
        phone: r.get(at + 14)?,
    })
}

/// Every live registration by resident ID (for planning an import).
pub fn all_by_resident_id(conn: &Connection) -> Result<std::collections::HashMap<String, (RecordId, RegistrationInput)>> {
    let mut stmt = conn.prepare(&format!("SELECT id, {COLUMNS} FROM registration WHERE deleted_at IS NULL"))?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, RecordId>(0)?, input_from_row(r, 1)?)))?;
    let mut map = std::collections::HashMap::new();
    for row in rows {
        let (id, input) = row?;
        map.insert(input.resident_id.clone(), (id, input));
    }
    Ok(map)
}

pub fn insert(w: &Writer<'_>, r: &RegistrationInput) -> Result<RecordId> {
    let m: Meta = w.new_meta();
    w.tx()
        .prepare_cached(&format!(
            "INSERT INTO registration (id, {COLUMNS}, created_at, updated_at, device_id, updated_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?17, ?18, ?19)"
        ))?
        .execute(params![
            m.id, r.resident_id, r.national_student_number, r.name, r.gender, r.birth_date, r.stage, r.grade, r.class_name,
            r.ethnicity, r.boarding, r.left_behind, r.registered_poor, r.address, r.guardian_name, r.phone, w.now(), w.device_id(), w.actor().id
        ])?;
    Ok(m.id)
}

pub fn update(w: &Writer<'_>, id: RecordId, r: &RegistrationInput) -> Result<()> {
    w.tx()
        .prepare_cached(
            "UPDATE registration SET resident_id = ?2, national_student_number = ?3, name = ?4, gender = ?5, birth_date = ?6,
                 stage = ?7, grade = ?8, class_name = ?9, ethnicity = ?10, boarding = ?11, left_behind = ?12,
                 registered_poor = ?13, address = ?14, guardian_name = ?15, phone = ?16, updated_at = ?17, device_id = ?18,
                 updated_by = ?19
             WHERE id = ?1",
        )?
        .execute(params![
            id, r.resident_id, r.national_student_number, r.name, r.gender, r.birth_date, r.stage, r.grade, r.class_name,
            r.ethnicity, r.boarding, r.left_behind, r.registered_poor, r.address, r.guardian_name, r.phone, w.now(), w.device_id(),
            w.actor().id
        ])?;
    Ok(())
}

/// Links registrations to the household members with the same resident ID number, and brings
/// the linked members' student records up to date with what the roster says. Only
/// `registrations` (the ones just written) are synced, plus any whose link changes.
pub fn link(w: &Writer<'_>, touched: &[RecordId]) -> Result<()> {
    // Links that change: newly matching members, or members that went away.
    let mut stmt = w.tx().prepare(
        "SELECT r.id, m.id FROM registration r
         LEFT JOIN member m ON m.resident_id = r.resident_id AND m.resident_id <> '' AND m.deleted_at IS NULL
         WHERE r.deleted_at IS NULL AND r.member_id IS NOT m.id",
    )?;
    let changed: Vec<(RecordId, Option<RecordId>)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
    for (reg, member) in &changed {
        w.tx()
            .prepare_cached("UPDATE registration SET member_id = ?2, updated_at = ?3, device_id = ?4 WHERE id = ?1")?
            .execute(params![reg, member, w.now(), w.device_id()])?;
    }
    let sync: std::collections::HashSet<RecordId> = changed.iter().map(|(r, _)| *r).chain(touched.iter().copied()).collect();
    if sync.is_empty() {
        return Ok(());
    }
    // One pass over the linked registrations; the others have no student record to sync.
    let linked: Vec<(RecordId, RecordId, RegistrationInput)> = w
        .tx()
        .prepare(&format!("SELECT id, member_id, {COLUMNS} FROM registration WHERE member_id IS NOT NULL AND deleted_at IS NULL"))?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, input_from_row(r, 2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (reg, member, input) in linked {
        if sync.contains(&reg) {
            sync_student(w, member, &input)?;
        }
    }
    Ok(())
}

/// Makes the member's student record say what the roster says (keeping what it does not say).
fn sync_student(w: &Writer<'_>, member: RecordId, r: &RegistrationInput) -> Result<()> {
    let current = student::of_member(w.tx(), member)?;
    let base = current.clone().unwrap_or_else(|| StudentInput { enrolment_status: EnrolmentStatus::Enrolled, ..StudentInput::default() });
    let wanted = StudentInput {
        national_student_number: if r.national_student_number.is_empty() { base.national_student_number.clone() } else { r.national_student_number.clone() },
        stage: r.stage.unwrap_or(base.stage),
        grade: r.grade.or(base.grade),
        class_name: if r.class_name.is_empty() { base.class_name.clone() } else { r.class_name.clone() },
        boarding: r.boarding.unwrap_or(base.boarding),
        left_behind: r.left_behind.unwrap_or(base.left_behind),
        ..base
    };
    if current.as_ref() != Some(&wanted) {
        student::save_for_member(w, member, Some(&wanted))?;
    }
    Ok(())
}

/// Registered students who are on no household card ("not on the poverty list"), by class.
pub fn unlinked(store: &Store) -> Result<Vec<UnlinkedRegistration>> {
    let mut stmt = store.conn().prepare_cached(
        "SELECT id, name, national_student_number, resident_id, grade, class_name, registered_poor FROM registration
         WHERE deleted_at IS NULL AND member_id IS NULL ORDER BY grade, class_name, name",
    )?;
    let rows = stmt.query_map([], |r| {
        let resident_id: String = r.get(3)?;
        Ok(UnlinkedRegistration {
            id: r.get(0)?,
            name: r.get(1)?,
            national_student_number: crate::masking::national_student_number(&r.get::<_, String>(2)?),
            resident_id_masked: crate::masking::resident_id(&resident_id),
            grade: r.get(4)?,
            class_name: r.get(5)?,
            registered_poor: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn unlinked_count(store: &Store) -> Result<i64> {
    Ok(store.conn().query_row("SELECT count(*) FROM registration WHERE deleted_at IS NULL AND member_id IS NULL", [], |r| r.get(0))?)
}

pub fn count(store: &Store) -> Result<i64> {
    Ok(store.conn().query_row("SELECT count(*) FROM registration WHERE deleted_at IS NULL", [], |r| r.get(0))?)
}
