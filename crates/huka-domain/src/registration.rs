//! Student registrations (学籍): the roster from the national registration system, one row per
//! registered student. Each is linked by resident ID number to the household member it is,
//! when the poverty list has that person; the rest are "not on the poverty list".

use chrono::NaiveDate;
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::member::Gender;
use crate::record::RecordId;
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

/// What [`input_from_row`] reads: the record's id, the clear columns, the sealed ones.
const READ: &str = "id, resident_id, national_student_number, name, gender, birth_date, stage, grade, class_name, ethnicity,
     boarding, left_behind, registered_poor, address, guardian_name, phone,
     resident_id_sealed, national_student_number_sealed, birth_date_sealed, resident_id_digest";

/// A registration as the holder of `second` reads it (the sealed fields opened; a row not
/// sealed yet keeps its clear values), from [`READ`] at column `at`; with its digest.
fn input_from_row(r: &rusqlite::Row<'_>, at: usize, second: Option<&crate::crypto::DataKey>) -> rusqlite::Result<(RecordId, RegistrationInput, String)> {
    let id: RecordId = r.get(at)?;
    let record = id.to_string();
    let open = |column: &str, sealed: String| second.and_then(|k| crate::sealed::open(k, "registration", &record, column, &sealed)).map(|v| v.to_string());
    let at = at + 1;
    let resident_id: String = r.get(at)?;
    let national_student_number: String = r.get(at + 1)?;
    let birth_date: Option<NaiveDate> = r.get(at + 4)?;
    let input = RegistrationInput {
        resident_id: open("resident_id", r.get(at + 15)?).unwrap_or(resident_id),
        national_student_number: open("national_student_number", r.get(at + 16)?).unwrap_or(national_student_number),
        name: r.get(at + 2)?,
        gender: r.get(at + 3)?,
        birth_date: open("birth_date", r.get(at + 17)?).and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()).or(birth_date),
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
    };
    Ok((id, input, r.get(at + 18)?))
}

/// Every live registration by the digest of its resident ID (for planning an import; a
/// holder's: the fields opened with `second`).
pub fn all_by_digest(conn: &Connection, second: Option<&crate::crypto::DataKey>) -> Result<std::collections::HashMap<String, (RecordId, RegistrationInput)>> {
    let mut stmt = conn.prepare(&format!("SELECT {READ} FROM registration WHERE deleted_at IS NULL"))?;
    let rows = stmt.query_map([], |r| input_from_row(r, 0, second))?;
    let mut map = std::collections::HashMap::new();
    for row in rows {
        let (id, input, digest) = row?;
        map.insert(digest, (id, input));
    }
    Ok(map)
}

/// A registration about to be inserted: its id and its sealed fields' columns, worked out
/// apart from the write ([`Sealing::of`]) — an import seals the next rows on another core
/// while this one writes — and written by [`insert_sealed`].
pub struct Sealing {
    id: RecordId,
    values: Vec<(&'static str, rusqlite::types::Value)>,
}

impl Sealing {
    /// A new registration's id and its sealed fields (`sealed::stored`) under `key`, the
    /// writer's ([`crate::sealed::writer_key`]).
    pub fn of(key: Option<&crate::crypto::DataKey>, r: &RegistrationInput) -> Sealing {
        let id = RecordId::new();
        let record = id.to_string();
        let birth = r.birth_date.map(|d| d.to_string());
        let mut values = crate::sealed::stored(key, "registration", &record, "resident_id", Some(&r.resident_id));
        values.extend(crate::sealed::stored(key, "registration", &record, "national_student_number", Some(&r.national_student_number)));
        values.extend(crate::sealed::stored(key, "registration", &record, "birth_date", birth.as_deref()));
        debug_assert!(values.iter().map(|(c, _)| *c).eq(SEALED));
        Sealing { id, values }
    }
}

/// Every column a registration's write sets, in [`Sealing::of`]'s order after the others.
const SEALED: [&str; 9] = [
    "resident_id", "resident_id_sealed", "resident_id_digest",
    "national_student_number", "national_student_number_sealed", "national_student_number_digest",
    "birth_date", "birth_year", "birth_date_sealed",
];

pub fn insert(w: &Writer<'_>, r: &RegistrationInput) -> Result<RecordId> {
    insert_sealed(w, r, Sealing::of(crate::sealed::writer_key(w), r))
}

/// Inserts a registration whose fields were sealed beforehand ([`Sealing::of`], with this
/// writer's key).
pub fn insert_sealed(w: &Writer<'_>, r: &RegistrationInput, sealing: Sealing) -> Result<RecordId> {
    let Sealing { id, values: sealed } = sealing;
    let (now, device) = (w.now(), w.device_id());
    let mut values: Vec<&dyn rusqlite::ToSql> = vec![
        &id, &r.name, &r.gender, &r.stage, &r.grade, &r.class_name, &r.ethnicity, &r.boarding, &r.left_behind, &r.registered_poor,
        &r.address, &r.guardian_name, &r.phone, &now, &device, &w.actor().id,
    ];
    values.extend(sealed.iter().map(|(_, v)| v as &dyn rusqlite::ToSql));
    w.tx().prepare_cached(&INSERT)?.execute(values.as_slice())?;
    Ok(id)
}

/// A registration's INSERT, its text made once rather than per row (an import writes tens of
/// thousands; `prepare_cached` finds the statement by this text).
static INSERT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "INSERT INTO registration (id, name, gender, stage, grade, class_name, ethnicity, boarding, left_behind, registered_poor,
             address, guardian_name, phone, created_at, updated_at, device_id, updated_by, {})
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14, ?15, ?16, {})",
        SEALED.join(", "),
        (17..17 + SEALED.len()).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", "),
    )
});

/// A registration brought up to date with the roster. Its sealed fields are written again only
/// where their value changed (`sealed::changed`): a fresh seal of the same number would look
/// like a change to the audit trail and to sync's clocks.
pub fn update(w: &Writer<'_>, id: RecordId, r: &RegistrationInput) -> Result<()> {
    let record = id.to_string();
    let birth = r.birth_date.map(|d| d.to_string());
    let mut sealed = Vec::new();
    for (column, clear) in [("resident_id", Some(r.resident_id.as_str())), ("national_student_number", Some(r.national_student_number.as_str())), ("birth_date", birth.as_deref())] {
        sealed.extend(match crate::sealed::writer_key(w) {
            Some(key) => crate::sealed::changed(w.tx(), key, "registration", &record, column, clear)?,
            None => crate::sealed::stored(None, "registration", &record, column, clear),
        });
    }
    let sql = format!(
        "UPDATE registration SET name = ?2, gender = ?3, stage = ?4, grade = ?5, class_name = ?6, ethnicity = ?7, boarding = ?8,
             left_behind = ?9, registered_poor = ?10, address = ?11, guardian_name = ?12, phone = ?13, updated_at = ?14,
             device_id = ?15, updated_by = ?16{}
         WHERE id = ?1",
        sealed.iter().enumerate().map(|(i, (c, _))| format!(", {c} = ?{}", 17 + i)).collect::<String>(),
    );
    let (now, device) = (w.now(), w.device_id());
    let mut values: Vec<&dyn rusqlite::ToSql> = vec![
        &id, &r.name, &r.gender, &r.stage, &r.grade, &r.class_name, &r.ethnicity, &r.boarding, &r.left_behind, &r.registered_poor,
        &r.address, &r.guardian_name, &r.phone, &now, &device, &w.actor().id,
    ];
    values.extend(sealed.iter().map(|(_, v)| v as &dyn rusqlite::ToSql));
    w.tx().prepare_cached(&sql)?.execute(values.as_slice())?;
    Ok(())
}

/// Registrations whose link changes, with their member now (by the numbers' digests, through
/// the partial indexes on live digests: the `<> ''` terms let SQLite use them).
pub(crate) const LINKS_CHANGED: &str = "SELECT r.id, m.id FROM registration r
     LEFT JOIN member m ON m.resident_id_digest = r.resident_id_digest AND m.resident_id_digest <> '' AND m.deleted_at IS NULL
     WHERE r.deleted_at IS NULL AND r.resident_id_digest <> '' AND r.member_id IS NOT m.id";

/// Links registrations to the household members with the same resident ID number, and brings
/// the linked members' student records up to date with what the roster says. Only
/// `registrations` (the ones just written) are synced, plus any whose link changes.
pub fn link(w: &Writer<'_>, touched: &[RecordId]) -> Result<()> {
    // Links that change: newly matching members, or members that went away.
    let mut stmt = w.tx().prepare(LINKS_CHANGED)?;
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
    let key = crate::sealed::writer_key(w);
    let linked: Vec<(RecordId, RecordId, RegistrationInput)> = w
        .tx()
        .prepare(&format!("SELECT member_id, {READ} FROM registration WHERE member_id IS NOT NULL AND deleted_at IS NULL"))?
        .query_map([], |r| {
            let (id, input, _) = input_from_row(r, 1, key)?;
            Ok((id, r.get(0)?, input))
        })?
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
    let current = student::of_member(w.tx(), member, crate::sealed::writer_key(w))?;
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
        student::save_for_member(w, member, Some(&wanted), false)?;
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
            // The clear columns: masked already once sealed (the rule again for a row not yet).
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
