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
    /// The health and disability note: for a holder of the second key only (`sealed`); ''
    /// for any other reader, who sees [`Member::has_health_note`].
    pub health: String,
    /// Whether a health or disability note is recorded (有健康/残疾情况记录): what a reader
    /// without the second key is shown of it.
    pub has_health_note: bool,
    pub migrant_work: bool,
    /// Fields where what was typed disagrees with the resident ID number: `gender`, `birthDate`.
    pub id_mismatch: Vec<String>,
    pub student: Option<Student>,
    /// What is stored sealed (`sealed`), opened by [`open`] for a holder of the second key.
    #[serde(skip)]
    pub seals: Seals,
}

/// A member's sealed columns as stored (never serialized).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Seals {
    pub resident_id: String,
    /// The keyed digest of the full number: equal numbers, equal digests.
    pub resident_id_digest: String,
    pub birth_date: String,
    pub health: String,
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
    /// Written by an account without the second key (a teacher): the sealed fields stored
    /// stay as they are (a new member gets none but a birth year).
    keep_sealed: bool,
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
            keep_sealed: false,
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
        "SELECT {}, m.household_id, m.name, m.relation, m.resident_id, m.gender, m.birth_date, m.health, m.migrant_work, {},
             m.resident_id_sealed, m.resident_id_digest, m.birth_date_sealed, m.birth_year, m.health_sealed, m.has_health_note
         FROM member m LEFT JOIN student s ON s.member_id = m.id AND s.deleted_at IS NULL
         WHERE m.deleted_at IS NULL AND {filter}",
        Meta::columns("m"),
        student::COLUMNS,
    )
}

/// A member as stored: the clear columns (masked number, no birth date, no health text once
/// sealed) and the sealed ones, unopened. Readers get it through [`open`] or [`mask_numbers`].
fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Member> {
    let at = 12 + student::COLUMN_COUNT;
    let resident_id: String = r.get(7)?;
    let gender = r.get(8)?;
    let birth_date: Option<NaiveDate> = r.get(9)?;
    let health: String = r.get(10)?;
    let birth_year: Option<i32> = r.get(at + 3)?;
    let has_health_note: bool = r.get(at + 5)?;
    Ok(Member {
        meta: Meta::from_row(r, 0)?,
        household_id: r.get(4)?,
        name: r.get(5)?,
        relation: r.get(6)?,
        id_mismatch: id_mismatch(&resident_id, gender, birth_date),
        resident_id,
        gender,
        birth_date,
        birth_year: birth_year.or(crate::masking::birth_year(birth_date)),
        has_health_note: has_health_note || !health.is_empty(),
        health,
        migrant_work: r.get(11)?,
        student: student::from_row(r, 12)?,
        seals: Seals { resident_id: r.get(at)?, resident_id_digest: r.get(at + 1)?, birth_date: r.get(at + 2)?, health: r.get(at + 4)? },
    })
}

/// A member as stored, not yet opened: see [`read`] for a member as the store's account sees
/// it.
pub fn get(conn: &Connection, id: RecordId) -> Result<Member> {
    conn.query_row(&select("m.id = ?1"), [id], from_row).optional()?.ok_or(crate::labels::not_found("member"))
}

/// A member as the store's account may see it: opened for a holder of the second key, the
/// masked view for any other.
pub fn read(store: &Store, id: RecordId) -> Result<Member> {
    as_seen(store, get(store.conn(), id)?)
}

/// Opens a member's sealed fields with the second key (a holder's reading): the full
/// numbers, the birth date, the health note. A row not sealed yet keeps its clear values.
pub fn open(second: &crate::crypto::DataKey, m: &mut Member) {
    let id = m.meta.id.to_string();
    if let Some(v) = crate::sealed::open(second, "member", &id, "resident_id", &m.seals.resident_id) {
        m.resident_id = v.to_string();
    }
    if let Some(v) = crate::sealed::open(second, "member", &id, "birth_date", &m.seals.birth_date) {
        m.birth_date = NaiveDate::parse_from_str(&v, "%Y-%m-%d").ok();
    }
    if let Some(v) = crate::sealed::open(second, "member", &id, "health", &m.seals.health) {
        m.health = v.to_string();
    }
    m.birth_year = m.birth_year.or(crate::masking::birth_year(m.birth_date));
    m.id_mismatch = id_mismatch(&m.resident_id, m.gender, m.birth_date);
    if let Some(s) = &mut m.student {
        student::open(second, s);
    }
}

/// Every live member with a resident ID number, in one query (for planning an import): as
/// stored, each with its number's digest (`Member::seals`); opened with `second`.
pub fn all_with_resident_id(conn: &Connection, second: Option<&crate::crypto::DataKey>) -> Result<Vec<Member>> {
    let mut stmt = conn.prepare(&select("(m.resident_id <> '' OR m.resident_id_digest <> '')"))?;
    let rows = stmt.query_map([], from_row)?;
    let mut out: Vec<Member> = rows.collect::<rusqlite::Result<_>>()?;
    if let Some(k) = second {
        out.iter_mut().for_each(|m| open(k, m));
    }
    Ok(out)
}

/// The live members of a household: head first, then oldest first.
pub fn of_household(conn: &Connection, household: RecordId) -> Result<Vec<Member>> {
    let sql = select("m.household_id = ?1") + " ORDER BY m.relation <> '户主', m.birth_date IS NULL, m.birth_date, m.id";
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([household], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The live member with a number's digest. The `<> ''` lets SQLite use the partial index on
/// live digests (without it, every insert of a member read the whole table).
pub(crate) const TAKEN: &str = "SELECT id FROM member WHERE resident_id_digest = ?1 AND resident_id_digest <> '' AND deleted_at IS NULL";

/// Whether another live member has this number: by its digest (`digest`: '' for none).
fn resident_id_taken(conn: &Connection, digest: &str, except: Option<RecordId>) -> Result<bool> {
    if digest.is_empty() {
        return Ok(false);
    }
    let other: Option<RecordId> = conn
        .prepare_cached(TAKEN)?
        .query_row([digest], |r| r.get(0))
        .optional()?;
    Ok(other.is_some_and(|o| Some(o) != except))
}

pub fn create(store: &mut Store, household_id: RecordId, input: &MemberInput) -> Result<Member> {
    let pass = crate::access::ask(store, crate::access::Action::EditHousehold(household_id))?;
    let m = numbers_kept(store, input, None)?.cleaned()?;
    let m = Clean { keep_sealed: crate::sealed::key(store).is_none(), ..m };
    let id = pass.write(store, |w| insert(w, household_id, &m))?;
    as_seen(store, get(store.conn(), id)?)
}

/// A member as the store's account may see it: opened for a holder of the second key; a
/// reader without it (a teacher) gets the numbers masked, no birth date and no health text,
/// also of the member they just saved.
pub fn as_seen(store: &Store, mut m: Member) -> Result<Member> {
    match crate::sealed::key(store) {
        Some(k) => open(k, &mut m),
        None => mask_numbers(&mut m),
    }
    Ok(m)
}

/// The masked view of a member (the `masking` rule): ID and national student number masked,
/// the birth date left to its year, the health note to whether there is one.
pub fn mask_numbers(m: &mut Member) {
    m.resident_id = crate::masking::resident_id(&m.resident_id);
    m.birth_year = m.birth_year.or(crate::masking::birth_year(m.birth_date));
    m.birth_date = None;
    m.has_health_note = m.has_health_note || !m.health.is_empty();
    m.health.clear();
    m.id_mismatch.clear();
    if let Some(s) = &mut m.student {
        s.fields.national_student_number = crate::masking::national_student_number(&s.fields.national_student_number);
    }
}

/// Adds one member (and its student record) to a household inside a transaction (written as
/// the writer's account may: `numbers_kept`).
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
    let meta = w.new_meta();
    let id = meta.id.to_string();
    let key = if m.keep_sealed { None } else { crate::sealed::writer_key(w) };
    let birth = m.birth_date.map(|d| d.to_string());
    let number = crate::sealed::stored(key, "member", &id, "resident_id", Some(&m.resident_id));
    let birth = crate::sealed::stored(key, "member", &id, "birth_date", birth.as_deref());
    let health = crate::sealed::stored(key, "member", &id, "health", Some(&m.health));
    let v = crate::sealed::value;
    if let rusqlite::types::Value::Text(digest) = v(&number, "resident_id_digest") {
        if resident_id_taken(w.tx(), digest, None)? {
            return Err(crate::labels::invalid("residentId", Problem::Rule(&DUPLICATE_RESIDENT_ID)));
        }
    }
    w.tx().prepare_cached(
        "INSERT INTO member (id, household_id, name, relation, resident_id, gender, birth_date, health, migrant_work, created_at, updated_at, device_id, updated_by,
             resident_id_sealed, resident_id_digest, birth_date_sealed, birth_year, health_sealed, has_health_note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
    )?
    .execute(params![
        meta.id, household_id, m.name, m.relation, v(&number, "resident_id"), m.gender, v(&birth, "birth_date"), v(&health, "health"),
        m.migrant_work, w.now(), w.device_id(), w.actor().id,
        v(&number, "resident_id_sealed"), v(&number, "resident_id_digest"), v(&birth, "birth_date_sealed"), v(&birth, "birth_year"),
        v(&health, "health_sealed"), v(&health, "has_health_note")
    ])?;
    student::save_for_member(w, meta.id, m.student.as_ref(), m.keep_sealed)?;
    Ok(meta.id)
}

pub fn update(store: &mut Store, id: RecordId, input: &MemberInput) -> Result<Member> {
    let pass = crate::access::ask_care_edit(store, id)?;
    let before = read(store, id)?;
    let m = numbers_kept(store, input, Some(&before))?.cleaned()?;
    let m = Clean { keep_sealed: crate::sealed::key(store).is_none(), ..m };
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

/// Only the principal and the aid officer write health and disability notes (a teacher's
/// computer cannot seal them: issue 22).
pub static HEALTH_NOT_YOURS: Rule = Rule {
    code: "health_not_yours",
    zh: "健康和残疾情况只能由校长或资助专干录入和查看",
    en: "only the principal and the aid officer enter and see health and disability notes",
};

/// The input as an account without the second key (a teacher) may write it: it cannot seal,
/// so the numbers, birth date and health note stored stay as they are (`Clean::keep_sealed`;
/// none for a new member). A full number or a health note typed is refused. A birth date
/// typed is kept for a new member, or one whose birth year is missing, as its year only.
fn numbers_kept(store: &Store, input: &MemberInput, before: Option<&Member>) -> Result<MemberInput> {
    if crate::sealed::key(store).is_some() {
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
    if !input.health.trim().is_empty() {
        c.add("health", Problem::Rule(&HEALTH_NOT_YOURS));
    }
    c.finish()?;
    let mut kept = input.clone();
    kept.resident_id = String::new();
    kept.health = String::new();
    if before.is_some_and(|b| b.birth_year.is_some()) {
        kept.birth_date = None;
    }
    if let Some(s) = &mut kept.student {
        s.national_student_number = String::new();
    }
    Ok(kept)
}

/// Rewrites a member (possibly moving them to another household) inside a transaction,
/// without touching the search index: the caller reindexes the households concerned.
pub fn update_input(w: &Writer<'_>, id: RecordId, household_id: RecordId, input: &MemberInput) -> Result<()> {
    write_update(w, id, household_id, &input.cleaned()?)
}

fn write_update(w: &Writer<'_>, id: RecordId, household_id: RecordId, m: &Clean) -> Result<()> {
    let record = id.to_string();
    let birth = m.birth_date.map(|d| d.to_string());
    // The sealed fields that change: a value that opens to what is written keeps its sealed
    // text (a fresh nonce would make every edit look like a change of the number).
    let mut set: Vec<(&'static str, rusqlite::types::Value)> = Vec::new();
    match (m.keep_sealed, crate::sealed::writer_key(w)) {
        (false, Some(key)) => {
            let number = crate::sealed::changed(w.tx(), key, "member", &record, "resident_id", Some(&m.resident_id))?;
            if let Some(rusqlite::types::Value::Text(digest)) = number.iter().find(|(c, _)| *c == "resident_id_digest").map(|(_, v)| v) {
                if resident_id_taken(w.tx(), digest, Some(id))? {
                    return Err(crate::labels::invalid("residentId", Problem::Rule(&DUPLICATE_RESIDENT_ID)));
                }
            }
            set.extend(number);
            set.extend(crate::sealed::changed(w.tx(), key, "member", &record, "birth_date", birth.as_deref())?);
            set.extend(crate::sealed::changed(w.tx(), key, "member", &record, "health", Some(&m.health))?);
        }
        // Without the key: what is sealed stays; a birth year only where none is stored.
        _ => {
            let year: Option<i64> = w.tx().query_row("SELECT birth_year FROM member WHERE id = ?1", [id], |r| r.get(0))?;
            if year.is_none() && birth.is_some() {
                set.extend(crate::sealed::stored(None, "member", &record, "birth_date", birth.as_deref()));
            }
        }
    }
    let extra: String = set.iter().map(|(c, _)| format!(", {c} = ?")).collect();
    let sql = format!(
        "UPDATE member SET household_id = ?, name = ?, relation = ?, gender = ?, migrant_work = ?, updated_at = ?, device_id = ?{extra}
         WHERE id = ? AND deleted_at IS NULL"
    );
    let (now, device) = (w.now(), w.device_id());
    let mut values: Vec<&dyn rusqlite::ToSql> = vec![&household_id, &m.name, &m.relation, &m.gender, &m.migrant_work, &now, &device];
    values.extend(set.iter().map(|(_, v)| v as &dyn rusqlite::ToSql));
    values.push(&id);
    w.tx().prepare_cached(&sql)?.execute(values.as_slice())?;
    student::save_for_member(w, id, m.student.as_ref(), m.keep_sealed)
}

/// Removes a member from the card (tombstone), with their student record, pairings, plans and
/// dropout cases.
pub fn delete(store: &mut Store, id: RecordId) -> Result<()> {
    crate::access::ask_care_edit(store, id)?.write(store, |w| {
        let before = get(w.tx(), id)?;
        crate::dropout::tombstone_cases_of(w, "SELECT ?1", id)?;
        student::save_for_member(w, id, None, false)?;
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

    /// Issue 22: a holder's write stores the numbers, the birth date and the health note sealed,
    /// with only the masked view in clear; the holder reads them opened, a teacher the view.
    #[test]
    fn the_numbers_birth_date_and_health_are_stored_sealed_and_opened_for_a_holder_only() {
        let (mut store, h) = setup();
        let student = StudentInput { national_student_number: "G61092120130305001X".into(), ..StudentInput::default() };
        let input = MemberInput { health: "听力残疾".into(), student: Some(student), ..member_input("王小明", "61092120130305001X") };
        let m = create(&mut store, h, &input).unwrap();
        assert_eq!((m.resident_id.as_str(), m.birth_date, m.health.as_str()), ("61092120130305001X", NaiveDate::from_ymd_opt(2013, 3, 5), "听力残疾"));
        assert_eq!(m.student.as_ref().unwrap().fields.national_student_number, "G61092120130305001X");
        assert!(m.has_health_note && m.birth_year == Some(2013));
        let stored: (String, Option<String>, String, Option<i64>, i64, String) = store
            .conn()
            .query_row("SELECT resident_id, birth_date, health, birth_year, has_health_note, resident_id_digest FROM member WHERE id = ?1", [m.meta.id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
            })
            .unwrap();
        assert_eq!(stored, ("610921********001X".into(), None, String::new(), Some(2013), 1, crate::sealed::digest(store.second().unwrap(), "resident_id", "61092120130305001X")));
        let nsn: String = store.conn().query_row("SELECT national_student_number FROM student", [], |r| r.get(0)).unwrap();
        assert_eq!(nsn, "G610921********001X");
        // Editing the name alone keeps every sealed text as it was (no change to audit or sync).
        let before = get(store.conn(), m.meta.id).unwrap();
        update(&mut store, m.meta.id, &MemberInput { name: "王小亮".into(), ..input.clone() }).unwrap();
        let after = get(store.conn(), m.meta.id).unwrap();
        assert_eq!((after.seals, after.student.unwrap().seals), (before.seals, before.student.unwrap().seals));
        // Without the key (a teacher's laptop): the masked view, the year, whether a note is kept.
        store.set_second(None);
        let seen = read(&store, m.meta.id).unwrap();
        assert_eq!((seen.resident_id.as_str(), seen.birth_date, seen.birth_year, seen.health.as_str(), seen.has_health_note), ("610921********001X", None, Some(2013), "", true));
        assert_eq!(seen.student.unwrap().fields.national_student_number, "G610921********001X");
        // The audit trail captured only what is stored.
        let audit: Vec<String> = store.conn().prepare("SELECT changes FROM audit").unwrap().query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
        assert!(!audit.is_empty());
        for changes in audit {
            assert!(!changes.contains("20130305") && !changes.contains("2013-03-05") && !changes.contains("听力残疾"), "{changes}");
        }
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
