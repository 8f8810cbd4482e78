//! Students: members of a household who are in school, with their registration details.
//! A student record belongs to exactly one member; it is saved together with the member.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::error::{Checks, Problem, Result, Rule};
use crate::record::{text_enum, Meta, RecordId};
use crate::store::Writer;
use crate::text::clean;

/// The rules of this module a field can break (their codes and sentences are the window's and
/// the scripts').
pub static GRADE_OUT_OF_RANGE: Rule = Rule { code: "grade_out_of_range", zh: "年级应在 1 到 12 之间", en: "the grade must be between 1 and 12" };
pub static NOT_A_STUDENT: Rule = Rule { code: "not_a_student", zh: "该成员不是在校学生", en: "this member is not a student" };

text_enum! {
    pub enum Stage {
        Preschool = "preschool",   // 学前
        Primary = "primary",       // 小学
        Junior = "junior",         // 初中
        Senior = "senior",         // 高中
        Vocational = "vocational", // 中职
        Higher = "higher",         // 高校
    }
}

impl Stage {
    /// The stage a grade number belongs to (1–6 primary, 7–9 junior, 10–12 senior; none: preschool).
    pub fn of_grade(grade: Option<i64>) -> Stage {
        match grade {
            None => Stage::Preschool,
            Some(..=6) => Stage::Primary,
            Some(7..=9) => Stage::Junior,
            Some(_) => Stage::Senior,
        }
    }
}

text_enum! {
    pub enum EnrolmentStatus {
        Enrolled = "enrolled",       // 在读
        Suspended = "suspended",     // 休学
        DroppedOut = "dropped_out",  // 辍学
        TransferredOut = "transferred", // 转出
        Graduated = "graduated",     // 毕业
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StudentInput {
    /// National student number (全国学籍号), usually G + resident ID number. May be empty.
    #[serde(default)]
    pub national_student_number: String,
    pub stage: Stage,
    /// 1..=12 within the stage.
    #[serde(default)]
    pub grade: Option<i64>,
    #[serde(default)]
    pub class_name: String,
    pub enrolment_status: EnrolmentStatus,
    #[serde(default)]
    pub boarding: bool,
    #[serde(default)]
    pub left_behind: bool,
    #[serde(default)]
    pub disabled: bool,
    #[serde(default)]
    pub orphan: bool,
    #[serde(default)]
    pub single_parent: bool,
}

impl Default for StudentInput {
    fn default() -> Self {
        StudentInput {
            national_student_number: String::new(),
            stage: Stage::Primary,
            grade: None,
            class_name: String::new(),
            enrolment_status: EnrolmentStatus::Enrolled,
            boarding: false,
            left_behind: false,
            disabled: false,
            orphan: false,
            single_parent: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Student {
    #[serde(flatten)]
    pub meta: Meta,
    pub member_id: RecordId,
    #[serde(flatten)]
    pub fields: StudentInput,
    /// The national student number sealed (`sealed`), and its digest; never serialized.
    #[serde(skip)]
    pub seals: Seals,
}

/// A student's sealed column as stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Seals {
    pub national_student_number: String,
    pub national_student_number_digest: String,
}

/// Opens a student's national student number with the second key (a row not sealed yet keeps
/// its clear value).
pub fn open(second: &crate::crypto::DataKey, s: &mut Student) {
    if let Some(v) = crate::sealed::open(second, "student", &s.meta.id.to_string(), "national_student_number", &s.seals.national_student_number) {
        s.fields.national_student_number = v.to_string();
    }
}

impl StudentInput {
    pub(crate) fn check(&self, c: &mut Checks) {
        if self.grade.is_some_and(|g| !(1..=12).contains(&g)) {
            c.add("grade", Problem::Rule(&GRADE_OUT_OF_RANGE));
        }
        c.max_len("nationalStudentNumber", &self.national_student_number, 30);
        c.max_len("className", &self.class_name, 20);
    }

    pub(crate) fn cleaned(&self) -> StudentInput {
        StudentInput {
            national_student_number: crate::resident_id::normalize(&self.national_student_number).to_uppercase(),
            class_name: clean(&self.class_name),
            ..self.clone()
        }
    }
}

/// The student columns (alias `s`) that [`from_row`] reads, for a LEFT JOIN on member.
pub(crate) const COLUMNS: &str = "s.id, s.created_at, s.updated_at, s.device_id, s.member_id, s.national_student_number, \
     s.stage, s.grade, s.class_name, s.enrolment_status, s.boarding, s.left_behind, s.disabled, s.orphan, s.single_parent, \
     s.national_student_number_sealed, s.national_student_number_digest";

/// How many columns [`COLUMNS`] names.
pub(crate) const COLUMN_COUNT: usize = 17;

/// Reads a student from [`COLUMNS`] at column `at`; `None` when the LEFT JOIN found none.
pub(crate) fn from_row(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Option<Student>> {
    if r.get::<_, Option<String>>(at)?.is_none() {
        return Ok(None);
    }
    Ok(Some(Student {
        meta: Meta::from_row(r, at)?,
        member_id: r.get(at + 4)?,
        fields: StudentInput {
            national_student_number: r.get(at + 5)?,
            stage: r.get(at + 6)?,
            grade: r.get(at + 7)?,
            class_name: r.get(at + 8)?,
            enrolment_status: r.get(at + 9)?,
            boarding: r.get(at + 10)?,
            left_behind: r.get(at + 11)?,
            disabled: r.get(at + 12)?,
            orphan: r.get(at + 13)?,
            single_parent: r.get(at + 14)?,
        },
        seals: Seals { national_student_number: r.get(at + 15)?, national_student_number_digest: r.get(at + 16)? },
    }))
}

/// A class: stage, grade and class name, as the students' records say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClassRef {
    pub stage: Stage,
    pub grade: Option<i64>,
    pub class_name: String,
}

/// A class as notices and cards print it: `3年级2班` (the grade left out when unknown).
pub fn class_text(grade: Option<i64>, class_name: &str) -> String {
    format!("{}{class_name}", grade.map(|g| format!("{g}年级")).unwrap_or_default())
}

/// What a class name says, however it was typed: `2班`, `2`, `02班`, `(2)班`, `（2）班` and
/// `二班` are all `2` (imports keep what a list wrote; printing a class asks by this).
pub fn class_key(name: &str) -> String {
    const DIGITS: [char; 10] = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    let inner: String = clean(name).chars().filter(|c| !matches!(c, '班' | '(' | ')' | '（' | '）' | ' ')).collect();
    let digits: String = inner
        .chars()
        .map(|c| DIGITS.iter().position(|d| *d == c).and_then(|i| char::from_digit(i as u32, 10)).unwrap_or(c))
        .collect();
    // 十, 十一 … 十九 and 二十…: the one form of tens a class name takes.
    let tens = match inner.split_once('十') {
        Some((t, u)) if inner.chars().all(|c| c == '十' || DIGITS.contains(&c)) => {
            let digit = |s: &str| s.chars().next().and_then(|c| DIGITS.iter().position(|d| *d == c));
            Some(digit(t).unwrap_or(1) * 10 + digit(u).unwrap_or(0))
        }
        _ => None,
    };
    match tens {
        Some(n) => n.to_string(),
        None if digits.chars().all(|c| c.is_ascii_digit()) && !digits.is_empty() => digits.trim_start_matches('0').to_string(),
        None => digits,
    }
}

/// The live student record of a member, if the member is in school (its number opened with
/// `second`, else as stored: masked).
pub(crate) fn of_member(conn: &rusqlite::Connection, member_id: RecordId, second: Option<&crate::crypto::DataKey>) -> Result<Option<StudentInput>> {
    let row = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM student s WHERE s.member_id = ?1 AND s.deleted_at IS NULL"))?
        .query_row([member_id], |r| from_row(r, 0))
        .optional()?;
    let mut row = row.flatten();
    if let (Some(s), Some(k)) = (row.as_mut(), second) {
        open(k, s);
    }
    Ok(row.map(|s| s.fields))
}

/// What follows a student's enrolment status to or from dropped-out: their dropout case
/// (`dropout` implements it), in the same transaction — so that this module, below
/// `dropout`, never names it.
pub trait EnrolmentFollows {
    fn enrolment_changed(&self, member_id: RecordId, before: Option<EnrolmentStatus>, after: Option<EnrolmentStatus>) -> Result<()>;
}

/// Makes the member's student record match `input`: created, updated, or (for `None`)
/// turned into a tombstone. A change of enrolment status to or from dropped-out opens or
/// closes the student's dropout case in the same transaction (see `dropout`). The national
/// student number is sealed (`sealed`); with `keep_sealed` (a writer without the second key)
/// the one stored stays, and a new record gets none.
pub(crate) fn save_for_member(w: &Writer<'_>, member_id: RecordId, input: Option<&StudentInput>, keep_sealed: bool) -> Result<()> {
    let key = if keep_sealed { None } else { crate::sealed::writer_key(w) };
    let existing: Option<(RecordId, EnrolmentStatus)> = w
        .tx()
        .prepare_cached("SELECT id, enrolment_status FROM student WHERE member_id = ?1 AND deleted_at IS NULL")?
        .query_row([member_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let before = existing.map(|(_, status)| status);
    let existing = existing.map(|(id, _)| id);
    match (existing, input) {
        (None, None) => {}
        (Some(id), None) => w.tombstone("student", crate::labels::not_found("student"), id)?,
        (None, Some(s)) => {
            let m = w.new_meta();
            let number = crate::sealed::stored(key, "student", &m.id.to_string(), "national_student_number", Some(&s.national_student_number));
            let v = crate::sealed::value;
            w.tx().prepare_cached(
                "INSERT INTO student (id, member_id, national_student_number, stage, grade, class_name, enrolment_status,
                     boarding, left_behind, disabled, orphan, single_parent, created_at, updated_at, device_id, updated_by,
                     national_student_number_sealed, national_student_number_digest)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, ?14, ?15, ?16, ?17)",
            )?
            .execute(params![
                m.id, member_id, v(&number, "national_student_number"), s.stage, s.grade, s.class_name, s.enrolment_status,
                s.boarding, s.left_behind, s.disabled, s.orphan, s.single_parent, w.now(), w.device_id(), w.actor().id,
                v(&number, "national_student_number_sealed"), v(&number, "national_student_number_digest")
            ])?;
        }
        (Some(id), Some(s)) => {
            let number = match key {
                Some(k) => crate::sealed::changed(w.tx(), k, "student", &id.to_string(), "national_student_number", Some(&s.national_student_number))?,
                None => Vec::new(),
            };
            let extra: String = number.iter().map(|(c, _)| format!(", {c} = ?")).collect();
            let (now, device) = (w.now(), w.device_id());
            let mut values: Vec<&dyn rusqlite::ToSql> = vec![
                &s.stage, &s.grade, &s.class_name, &s.enrolment_status, &s.boarding, &s.left_behind, &s.disabled, &s.orphan, &s.single_parent, &now, &device,
            ];
            values.extend(number.iter().map(|(_, v)| v as &dyn rusqlite::ToSql));
            values.push(&id);
            w.tx()
                .prepare_cached(&format!(
                    "UPDATE student SET stage = ?, grade = ?, class_name = ?, enrolment_status = ?,
                         boarding = ?, left_behind = ?, disabled = ?, orphan = ?, single_parent = ?, updated_at = ?, device_id = ?{extra}
                     WHERE id = ?"
                ))?
                .execute(values.as_slice())?;
        }
    }
    let after = input.map(|s| s.enrolment_status);
    if before != after && (before == Some(EnrolmentStatus::DroppedOut) || after == Some(EnrolmentStatus::DroppedOut)) {
        w.enrolment_changed(member_id, before, after)?;
    }
    Ok(())
}
