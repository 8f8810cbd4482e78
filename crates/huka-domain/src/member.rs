//! Household members: the people on a household card, with their resident ID numbers.
//!
//! Gender and birth date follow from a valid resident ID number. When the user leaves them
//! empty they are taken from it; when the user types something else, what was typed is kept
//! and the disagreement is reported in [`Member::id_mismatch`] — shown, never overwritten.

use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::error::{Problem, Result, Rule};
use crate::household;
use crate::record::{Meta, RecordId};
use crate::resident_id::ResidentId;
use crate::search;
use crate::store::{Store, Writer};
use crate::student::{self, Student, StudentInput};
use crate::text::clean;

pub use crate::resident_id::Gender;

/// The rules of this module a field can break (their codes and sentences are the window's and
/// the scripts').
pub static DUPLICATE_RESIDENT_ID: Rule = Rule { code: "duplicate_resident_id", zh: "该身份证号已登记在另一名成员名下", en: "this resident ID number is already recorded for another member" };

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberInput {
    pub name: String,
    /// Relation to the head of household: 户主, 配偶, 之子, 之女 …
    #[serde(default)]
    pub relation: String,
    /// As typed; normalized and validated here. Empty when unknown.
    #[serde(default)]
    pub resident_id: String,
    /// `None`: take it from the resident ID number.
    #[serde(default)]
    pub gender: Option<Gender>,
    /// `YYYY-MM-DD`; `None` or empty: take it from the resident ID number.
    #[serde(default)]
    pub birth_date: Option<String>,
    /// Health and disability notes.
    #[serde(default)]
    pub health: String,
    #[serde(default)]
    pub migrant_work: bool,
    /// Present when the member is in school.
    #[serde(default)]
    pub student: Option<StudentInput>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    #[serde(flatten)]
    pub meta: Meta,
    pub household_id: RecordId,
    pub name: String,
    pub relation: String,
    /// Normalized; empty when unknown.
    pub resident_id: String,
    pub gender: Option<Gender>,
    /// `None` in a masked view (`card`), which shows [`Member::birth_year`] only.
    pub birth_date: Option<NaiveDate>,
    /// The year of the birth date: what a masked view shows of it (`masking`).
    pub birth_year: Option<i32>,
    pub health: String,
    pub migrant_work: bool,
    /// Fields where what was typed disagrees with the resident ID number: `gender`, `birthDate`.
    pub id_mismatch: Vec<String>,
    pub student: Option<Student>,
}

/// A member input after cleaning and validation, ready to store.
pub struct Clean {
    name: String,
    relation: String,
    resident_id: String,
    gender: Option<Gender>,
    birth_date: Option<NaiveDate>,
    health: String,
    migrant_work: bool,
    student: Option<StudentInput>,
}

impl MemberInput {
    pub fn cleaned(&self) -> Result<Clean> {
        let mut c = crate::labels::checks();
        let name = clean(&self.name);
        c.required("name", &name);
        c.max_len("name", &name, 30);
        let relation = clean(&self.relation);
        c.max_len("relation", &relation, 10);
        let health = self.health.trim().to_string();
        c.max_len("health", &health, 500);

        let id = match self.resident_id.trim() {
            "" => None,
            raw => match ResidentId::parse(raw) {
                Ok(id) => Some(id),
                Err(p) => {
                    c.add("residentId", Problem::ResidentId(p));
                    None
                }
            },
        };
        let typed_birth = c.date("birthDate", self.birth_date.as_deref(), false, Some(chrono::Utc::now().date_naive()));
        if let Some(s) = &self.student {
            s.check(&mut c);
        }
        c.finish()?;
        Ok(Clean {
            name,
            relation,
            gender: self.gender.or(id.as_ref().map(ResidentId::gender)),
            birth_date: typed_birth.or(id.as_ref().map(ResidentId::birth_date)),
            resident_id: id.map(|i| i.as_str().to_string()).unwrap_or_default(),
            health,
            migrant_work: self.migrant_work,
            student: self.student.as_ref().map(StudentInput::cleaned),
        })
    }
}

fn id_mismatch(resident_id: &str, gender: Option<Gender>, birth: Option<NaiveDate>) -> Vec<String> {
    let Ok(id) = ResidentId::parse(resident_id) else { return Vec::new() };
    let mut out = Vec::new();
    if gender.is_some_and(|g| g != id.gender()) {
        out.push("gender".to_string());
    }
    if birth.is_some_and(|b| b != id.birth_date()) {
        out.push("birthDate".to_string());
    }
    out
}

fn select(filter: &str) -> String {
    format!(
        "SELECT {}, m.household_id, m.name, m.relation, m.resident_id, m.gender, m.birth_date, m.health, m.migrant_work, {}
         FROM member m LEFT JOIN student s ON s.member_id = m.id AND s.deleted_at IS NULL
         WHERE m.deleted_at IS NULL AND {filter}",
        Meta::columns("m"),
        student::COLUMNS,
    )
}

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Member> {
    let resident_id: String = r.get(7)?;
    let gender = r.get(8)?;
    let birth_date = r.get(9)?;
    Ok(Member {
        meta: Meta::from_row(r, 0)?,
        household_id: r.get(4)?,
        name: r.get(5)?,
        relation: r.get(6)?,
        id_mismatch: id_mismatch(&resident_id, gender, birth_date),
        resident_id,
        gender,
        birth_date,
        birth_year: crate::masking::birth_year(birth_date),
        health: r.get(10)?,
        migrant_work: r.get(11)?,
        student: student::from_row(r, 12)?,
    })
}

pub fn get(conn: &Connection, id: RecordId) -> Result<Member> {
    conn.query_row(&select("m.id = ?1"), [id], from_row).optional()?.ok_or(crate::labels::not_found("member"))
}

/// Every live member with a resident ID number, in one query (for planning an import).
pub fn all_with_resident_id(conn: &Connection) -> Result<Vec<Member>> {
    let mut stmt = conn.prepare(&select("m.resident_id <> ''"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The live members of a household: head first, then oldest first.
pub fn of_household(conn: &Connection, household: RecordId) -> Result<Vec<Member>> {
    let sql = select("m.household_id = ?1") + " ORDER BY m.relation <> '户主', m.birth_date IS NULL, m.birth_date, m.id";
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([household], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn resident_id_taken(conn: &Connection, resident_id: &str, except: Option<RecordId>) -> Result<bool> {
    if resident_id.is_empty() {
        return Ok(false);
    }
    let other: Option<RecordId> = conn
        .query_row("SELECT id FROM member WHERE resident_id = ?1 AND resident_id <> '' AND deleted_at IS NULL", [resident_id], |r| r.get(0))
        .optional()?;
    Ok(other.is_some_and(|o| Some(o) != except))
}

pub fn create(store: &mut Store, household_id: RecordId, input: &MemberInput) -> Result<Member> {
    let pass = crate::access::ask(store, crate::access::Action::EditHousehold(household_id))?;
    let m = numbers_kept(store, input, None)?.cleaned()?;
    let id = pass.write(store, |w| insert(w, household_id, &m))?;
    as_seen(store, get(store.conn(), id)?)
}

/// A member as the store's account may see it: a reader without the second key (a teacher)
/// gets the numbers masked and no birth date, also of the member they just saved.
fn as_seen(store: &Store, mut m: Member) -> Result<Member> {
    if !crate::access::sees_numbers(store) {
        mask_numbers(&mut m);
    }
    Ok(m)
}

/// The masked view of a member's numbers (the `masking` rule): ID and national student number
/// masked, the birth date left to its year.
pub(crate) fn mask_numbers(m: &mut Member) {
    m.resident_id = crate::masking::resident_id(&m.resident_id);
    m.birth_date = None;
    m.id_mismatch.clear();
    if let Some(s) = &mut m.student {
        s.fields.national_student_number = crate::masking::national_student_number(&s.fields.national_student_number);
    }
}

/// Adds one member (and its student record) to a household inside a transaction.
pub(crate) fn insert_input(w: &Writer<'_>, household_id: RecordId, input: &MemberInput) -> Result<RecordId> {
    let id = insert_unindexed(w, household_id, &input.cleaned()?)?;
    search::reindex_household(w.tx(), household_id)?;
    Ok(id)
}

fn insert(w: &Writer<'_>, household_id: RecordId, m: &Clean) -> Result<RecordId> {
    let id = insert_unindexed(w, household_id, m)?;
    search::reindex_household(w.tx(), household_id)?;
    Ok(id)
}

/// Inserts a member without updating the search index (bulk writers reindex once at the end).
pub fn insert_unindexed(w: &Writer<'_>, household_id: RecordId, m: &Clean) -> Result<RecordId> {
    household::get(w.tx(), household_id)?;
    if resident_id_taken(w.tx(), &m.resident_id, None)? {
        return Err(crate::labels::invalid("residentId", Problem::Rule(&DUPLICATE_RESIDENT_ID)));
    }
    let meta = w.new_meta();
    w.tx().prepare_cached(
        "INSERT INTO member (id, household_id, name, relation, resident_id, gender, birth_date, health, migrant_work, created_at, updated_at, device_id, updated_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?12)",
    )?
    .execute(params![meta.id, household_id, m.name, m.relation, m.resident_id, m.gender, m.birth_date, m.health, m.migrant_work, w.now(), w.device_id(), w.actor().id])?;
    student::save_for_member(w, meta.id, m.student.as_ref())?;
    Ok(meta.id)
}

pub fn update(store: &mut Store, id: RecordId, input: &MemberInput) -> Result<Member> {
    let pass = crate::access::ask_care_edit(store, id)?;
    let before = get(store.conn(), id)?;
    let m = numbers_kept(store, input, Some(&before))?.cleaned()?;
    pass.write(store, |w| {
        let before = get(w.tx(), id)?;
        write_update(w, id, before.household_id, &m)?;
        search::reindex_household(w.tx(), before.household_id)
    })?;
    as_seen(store, get(store.conn(), id)?)
}

/// Only the principal and the aid officer enter ID and national student numbers.
pub static NUMBERS_NOT_YOURS: Rule = Rule {
    code: "numbers_not_yours",
    zh: "身份证号和全国学籍号只能由校长或资助专干录入和查看",
    en: "only the principal and the aid officer enter and see ID and national student numbers",
};

/// The input as an account that does not see full numbers (a teacher) may write it: the
/// numbers it was shown are masked, so the stored ones stay (none for a new member), and so
/// does the birth date when none is typed (the masked view shows its year only). A full
/// number typed is refused. A birth date typed replaces none but a missing one: the one stored
/// is what the ID number says, and the teacher sees its year only.
fn numbers_kept(store: &Store, input: &MemberInput, before: Option<&Member>) -> Result<MemberInput> {
    if crate::access::sees_numbers(store) {
        return Ok(input.clone());
    }
    let mut c = crate::labels::checks();
    let full = |typed: &str| ResidentId::parse(typed.trim().trim_start_matches(['G', 'g'])).is_ok();
    if full(&input.resident_id) {
        c.add("residentId", Problem::Rule(&NUMBERS_NOT_YOURS));
    }
    if input.student.as_ref().is_some_and(|s| full(&s.national_student_number)) {
        c.add("nationalStudentNumber", Problem::Rule(&NUMBERS_NOT_YOURS));
    }
    c.finish()?;
    let mut kept = input.clone();
    kept.resident_id = before.map(|b| b.resident_id.clone()).unwrap_or_default();
    if let Some(stored) = before.and_then(|b| b.birth_date) {
        kept.birth_date = Some(stored.to_string());
    }
    if let Some(s) = &mut kept.student {
        s.national_student_number = before.and_then(|b| b.student.as_ref()).map(|st| st.fields.national_student_number.clone()).unwrap_or_default();
    }
    Ok(kept)
}

/// Rewrites a member (possibly moving them to another household) inside a transaction,
/// without touching the search index: the caller reindexes the households concerned.
pub fn update_input(w: &Writer<'_>, id: RecordId, household_id: RecordId, input: &MemberInput) -> Result<()> {
    write_update(w, id, household_id, &input.cleaned()?)
}

fn write_update(w: &Writer<'_>, id: RecordId, household_id: RecordId, m: &Clean) -> Result<()> {
    if resident_id_taken(w.tx(), &m.resident_id, Some(id))? {
        return Err(crate::labels::invalid("residentId", Problem::Rule(&DUPLICATE_RESIDENT_ID)));
    }
    w.tx().prepare_cached(
        "UPDATE member SET household_id = ?1, name = ?2, relation = ?3, resident_id = ?4, gender = ?5, birth_date = ?6,
             health = ?7, migrant_work = ?8, updated_at = ?9, device_id = ?10
         WHERE id = ?11 AND deleted_at IS NULL",
    )?
    .execute(params![household_id, m.name, m.relation, m.resident_id, m.gender, m.birth_date, m.health, m.migrant_work, w.now(), w.device_id(), id])?;
    student::save_for_member(w, id, m.student.as_ref())
}

/// Removes a member from the card (tombstone), with their student record, pairings, plans and
/// dropout cases.
pub fn delete(store: &mut Store, id: RecordId) -> Result<()> {
    crate::access::ask_care_edit(store, id)?.write(store, |w| {
        let before = get(w.tx(), id)?;
        crate::dropout::tombstone_cases_of(w, "SELECT ?1", id)?;
        student::save_for_member(w, id, None)?;
        for table in ["pairing", "plan", "aid_grant"] {
            w.tx().execute(
                &format!("UPDATE {table} SET deleted_at = ?2, updated_at = ?2, device_id = ?3 WHERE deleted_at IS NULL AND member_id = ?1"),
                params![id, w.now(), w.device_id()],
            )?;
        }
        w.tombstone("member", crate::labels::not_found("member"), id)?;
        search::reindex_household(w.tx(), before.household_id)
    })
}

/// The result of checking a number while it is typed, for the window's live validation.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResidentIdCheck {
    pub normalized: String,
    pub valid: bool,
    pub birth_date: Option<NaiveDate>,
    pub gender: Option<Gender>,
    pub problem: Option<crate::error::FieldReport>,
}

pub fn check_resident_id(raw: &str) -> ResidentIdCheck {
    match crate::resident_id::ResidentId::parse(raw) {
        Ok(id) => ResidentIdCheck {
            normalized: id.as_str().to_string(),
            valid: true,
            birth_date: Some(id.birth_date()),
            gender: Some(id.gender()),
            problem: None,
        },
        Err(p) => ResidentIdCheck {
            normalized: crate::resident_id::normalize(raw),
            valid: false,
            birth_date: None,
            gender: None,
            problem: Some(
                crate::error::FieldError::new(crate::labels::field, "residentId", crate::error::Problem::ResidentId(p)).report(),
            ),
        },
    }
}

/// Helpers for tests, here and in the crates above (feature `testing`).
#[cfg(any(test, feature = "testing"))]
pub mod tests {
    // Built for the crates above too, where the tests themselves are not.
    #![allow(dead_code, unused_imports)]
    use super::*;
    use crate::error::Error;
    use crate::household::tests::input;
    use crate::student::{EnrolmentStatus, Stage};

    pub fn member_input(name: &str, resident_id: &str) -> MemberInput {
        MemberInput { name: name.into(), relation: "之子".into(), resident_id: resident_id.into(), ..Default::default() }
    }

    fn setup() -> (Store, RecordId) {
        let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
        let h = household::create(&mut store, &input("0001", "王建国")).unwrap();
        (store, h.meta.id)
    }

    #[test]
    fn gender_and_birth_date_come_from_the_id_number_when_left_empty() {
        let (mut store, h) = setup();
        let m = create(&mut store, h, &member_input("王小明", " 61092120130305001x ")).unwrap();
        assert_eq!(m.resident_id, "61092120130305001X");
        assert_eq!(m.gender, Some(Gender::Male));
        assert_eq!(m.birth_date, NaiveDate::from_ymd_opt(2013, 3, 5));
        assert!(m.id_mismatch.is_empty());
    }

    #[test]
    fn a_mismatch_with_what_was_typed_is_kept_and_shown() {
        let (mut store, h) = setup();
        let input = MemberInput {
            gender: Some(Gender::Female),
            birth_date: Some("2013-03-06".into()),
            ..member_input("王小明", "61092120130305001X")
        };
        let m = create(&mut store, h, &input).unwrap();
        assert_eq!(m.gender, Some(Gender::Female), "what the user typed is kept");
        assert_eq!(m.birth_date, NaiveDate::from_ymd_opt(2013, 3, 6));
        assert_eq!(m.id_mismatch, ["gender", "birthDate"]);
    }

    #[test]
    fn bad_id_numbers_and_duplicates_are_refused() {
        let (mut store, h) = setup();
        let err = create(&mut store, h, &member_input("王小明", "610921201303050011")).unwrap_err();
        let report = err.report();
        assert_eq!(report.fields[0].field, "residentId");
        assert_eq!(report.fields[0].code, "resident_id_check");
        assert!(!report.message.contains("610921201303050011"), "messages never echo ID numbers");

        create(&mut store, h, &member_input("王小明", "61092120130305001X")).unwrap();
        let dup = create(&mut store, h, &member_input("王小红", "61092120130305001x")).unwrap_err();
        assert!(matches!(&dup, Error::Invalid(f) if f[0].problem == Problem::Rule(&DUPLICATE_RESIDENT_ID)));
        assert_eq!(of_household(store.conn(), h).unwrap().len(), 1);
    }

    #[test]
    fn a_member_in_school_has_a_student_record_that_follows_edits() {
        let (mut store, h) = setup();
        let student = StudentInput {
            national_student_number: "G61092120130305001X".into(),
            stage: Stage::Primary,
            grade: Some(6),
            class_name: "2班".into(),
            enrolment_status: EnrolmentStatus::Enrolled,
            boarding: true,
            left_behind: true,
            ..StudentInput::default()
        };
        let m = create(&mut store, h, &MemberInput { student: Some(student.clone()), ..member_input("王小明", "") }).unwrap();
        let s = m.student.clone().expect("student");
        assert_eq!(s.fields.grade, Some(6));
        assert!(s.fields.boarding && s.fields.left_behind);

        let m2 = update(&mut store, m.meta.id, &MemberInput { student: Some(StudentInput { grade: Some(7), stage: Stage::Junior, ..student }), ..member_input("王小明", "") }).unwrap();
        let s2 = m2.student.expect("still a student");
        assert_eq!(s2.meta.id, s.meta.id, "the same student record is updated");
        assert_eq!((s2.fields.stage, s2.fields.grade), (Stage::Junior, Some(7)));

        let m3 = update(&mut store, m.meta.id, &member_input("王小明", "")).unwrap();
        assert!(m3.student.is_none(), "no longer in school");
        let tombstones: i64 = store.conn().query_row("SELECT count(*) FROM student WHERE deleted_at IS NOT NULL", [], |r| r.get(0)).unwrap();
        assert_eq!(tombstones, 1);
    }

    #[test]
    fn grades_outside_one_to_twelve_are_refused() {
        let (mut store, h) = setup();
        let input = MemberInput { student: Some(StudentInput { grade: Some(13), ..StudentInput::default() }), ..member_input("王小明", "") };
        let err = create(&mut store, h, &input).unwrap_err();
        assert_eq!(err.report().fields[0].field, "grade");
    }

    #[test]
    fn deleting_a_member_leaves_a_tombstone() {
        let (mut store, h) = setup();
        let m = create(&mut store, h, &member_input("王小明", "61092120130305001X")).unwrap();
        delete(&mut store, m.meta.id).unwrap();
        assert!(of_household(store.conn(), h).unwrap().is_empty());
        assert!(matches!(get(store.conn(), m.meta.id), Err(Error::NotFound { .. })));
        // The ID number is free again for a new, live member.
        create(&mut store, h, &member_input("王小明", "61092120130305001X")).unwrap();
    }
}
