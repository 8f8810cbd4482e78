//! The three lists that must agree (三表比对): the student-registration roster (学籍), the
//! poverty-household list (household cards) and the aid grants, matched by resident ID number.
//!
//! Four kinds of mismatch, each with a reason a clerk can act on:
//! * `unregistered` (漏登) — a student, or a child of compulsory-school age, of a registered-poor
//!   household whom the roster does not have;
//! * `phantom` (空挂学籍嫌疑) — a roster entry with no such person behind it: marked registered-poor
//!   but on no household card, or on a card that says the child left school;
//! * `duplicate` (重复学籍) — the same person registered twice (the same national student number,
//!   or the same name and birth date under two ID numbers);
//! * `no_aid` (未享受资助) — an enrolled registered-poor student with no grant this term.
//!
//! A mismatch can be resolved or dismissed with a note; the decision hides it from the open
//! list and is kept (and shown) with it.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use rusqlite::params;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::record::{text_enum, RecordId};
use crate::store::Store;
use crate::student::{EnrolmentStatus, Stage};
use crate::term::Term;

text_enum! {
    pub enum MismatchKind {
        Unregistered = "unregistered", // 漏登
        Phantom = "phantom",           // 空挂学籍嫌疑
        Duplicate = "duplicate",       // 重复学籍
        NoAid = "no_aid",              // 未享受资助
    }
}

text_enum! {
    pub enum Decision {
        Resolved = "resolved",   // 已处理
        Dismissed = "dismissed", // 已排除
    }
}

/// Why a row is a mismatch: a code the window words, with what the wording needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "code")]
pub enum Reason {
    /// An enrolled student (household card) whose ID number the roster does not have.
    StudentNotOnRoster,
    /// A child of compulsory-school age, not recorded as a student, not on the roster.
    SchoolAgeNotOnRoster { age: i32 },
    /// A student without an ID number: nothing to match the roster with.
    NoResidentId,
    /// The roster says registered-poor; no household card has this ID number.
    PoorButNoCard,
    /// The roster has the child; the card says they left school.
    CardSaysLeft { status: EnrolmentStatus },
    /// Too old for the stage the roster gives.
    TooOldForStage { age: i32, stage: Stage },
    /// Two roster rows with one national student number.
    SameStudentNumber { other: String },
    /// Two roster rows with one name and birth date but different ID numbers.
    SameNameAndBirth { other: String },
    /// Registered-poor and enrolled, no grant (other than reversed) this term.
    NoGrantThisTerm,
}

impl Reason {
    /// The reason as a sentence, for the CLI and exported lists (the window words it itself).
    pub fn message(&self, lang: crate::Lang) -> String {
        let status_zh = |s: &EnrolmentStatus| match s {
            EnrolmentStatus::DroppedOut => "辍学",
            EnrolmentStatus::TransferredOut => "转出",
            EnrolmentStatus::Graduated => "毕业",
            EnrolmentStatus::Suspended => "休学",
            EnrolmentStatus::Enrolled => "在读",
        };
        let stage_zh = |s: &Stage| match s {
            Stage::Primary => "小学",
            Stage::Junior => "初中",
            _ => "该学段",
        };
        let (zh, en) = match self {
            Reason::StudentNotOnRoster => ("户卡记为在读，学籍名册中没有此身份证号".to_string(), "in school on the household card, but not on the roster".to_string()),
            Reason::SchoolAgeNotOnRoster { age } => (format!("义务教育适龄（{age} 岁），不在学籍名册中"), format!("of compulsory-school age ({age}), not on the roster")),
            Reason::NoResidentId => ("没有身份证号，无法与学籍名册比对".into(), "no resident ID number to match the roster with".into()),
            Reason::PoorButNoCard => ("学籍标注为建档立卡，但户卡中没有此人".into(), "marked registered-poor on the roster, but on no household card".into()),
            Reason::CardSaysLeft { status } => (format!("学籍在册，但户卡记为{}", status_zh(status)), format!("on the roster, but the card says {}", status.as_str())),
            Reason::TooOldForStage { age, stage } => (format!("{age} 岁仍在{}学籍中", stage_zh(stage)), format!("aged {age} on the {} roster", stage.as_str())),
            Reason::SameStudentNumber { other } => (format!("与另一条学籍（{other}）学籍号相同"), format!("same national student number as another entry ({other})")),
            Reason::SameNameAndBirth { other } => (format!("与另一条学籍（{other}）同名同出生日期，身份证号不同"), format!("same name and birth date as another entry ({other}), different ID number")),
            Reason::NoGrantThisTerm => ("建档立卡在读学生，本学期没有任何资助".into(), "registered-poor and in school, no aid this term".into()),
        };
        if lang == crate::Lang::Zh { zh } else { en }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DecisionInfo {
    pub decision: Decision,
    pub note: String,
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Mismatch {
    pub kind: MismatchKind,
    /// The member (unregistered, no aid) or the roster row (phantom, duplicate).
    pub subject_id: RecordId,
    pub name: String,
    /// The household card, when there is one to open.
    pub household_id: Option<RecordId>,
    pub class_name: String,
    /// `610921********1234`, or empty.
    pub resident_id_masked: String,
    pub reason: Reason,
    pub decision: Option<DecisionInfo>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KindCount {
    pub open: usize,
    pub decided: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reconciliation {
    pub term: Term,
    pub today: NaiveDate,
    /// Rows on the roster; when 0 the roster has not been imported and only `no_aid` is checked.
    pub roster_rows: i64,
    pub unregistered: KindCount,
    pub phantom: KindCount,
    pub duplicate: KindCount,
    pub no_aid: KindCount,
    /// Open ones first, then decided; by kind, class and name within each.
    pub mismatches: Vec<Mismatch>,
}

fn age_on(birth: NaiveDate, today: NaiveDate) -> i32 {
    let years = today.year() - birth.year();
    if (today.month(), today.day()) < (birth.month(), birth.day()) { years - 1 } else { years }
}

/// 漏登's rows: members of registered-poor households, enrolled or of school age, with no
/// roster row of their number (found by its digest, through the partial index on live
/// digests: the `<> ''` terms let SQLite use it).
pub(crate) const UNREGISTERED: &str = "SELECT m.id, m.name, m.household_id, coalesce(s.class_name, ''), m.resident_id, m.birth_date, s.enrolment_status, m.birth_date_sealed
     FROM member m JOIN household h ON h.id = m.household_id
     LEFT JOIN student s ON s.member_id = m.id AND s.deleted_at IS NULL
     WHERE m.deleted_at IS NULL AND h.deleted_at IS NULL AND h.status <> 'none'
       AND (s.enrolment_status = 'enrolled' OR (s.id IS NULL AND (m.birth_date_sealed <> '' OR m.birth_date IS NOT NULL)))
       AND (m.resident_id_digest = '' OR NOT EXISTS (SELECT 1 FROM registration r WHERE r.resident_id_digest = m.resident_id_digest AND r.resident_id_digest <> '' AND r.deleted_at IS NULL))";

/// Every live roster row with the member of its number, if any (by digest, as above).
pub(crate) const ROSTER_ROWS: &str = "SELECT r.id, r.name, m.household_id, r.class_name, r.resident_id, r.registered_poor, r.stage, r.birth_date, s.enrolment_status,
            CASE WHEN r.national_student_number_digest <> '' THEN r.national_student_number_digest ELSE r.national_student_number END,
            r.birth_date_sealed
     FROM registration r
     LEFT JOIN member m ON m.resident_id_digest = r.resident_id_digest AND m.resident_id_digest <> '' AND m.deleted_at IS NULL
     LEFT JOIN student s ON s.member_id = m.id AND s.deleted_at IS NULL
     WHERE r.deleted_at IS NULL";

/// Compares the three lists for `term` as of `today`.
pub fn reconcile(store: &Store, term: Term, today: NaiveDate) -> Result<Reconciliation> {
    crate::access::require(store, crate::access::Action::Reconcile)?;
    let conn = store.conn();
    // The birth dates are sealed (`sealed`): opened with the second key; the numbers are
    // matched by their digests, and shown masked (the clear columns).
    let key = crate::sealed::key(store);
    let birth_of = |table: &str, id: &str, sealed: &str, clear: Option<String>| {
        NaiveDate::parse_from_str(&crate::sealed::read(key, table, id, "birth_date", sealed, &clear.unwrap_or_default()), "%Y-%m-%d").ok()
    };
    let roster_rows: i64 = conn.query_row("SELECT count(*) FROM registration WHERE deleted_at IS NULL", [], |r| r.get(0))?;
    let mut found: Vec<Mismatch> = Vec::new();
    let mut push = |kind, subject_id, name, household_id, class_name, id: &str, reason| {
        found.push(Mismatch { kind, subject_id, name, household_id, class_name, resident_id_masked: crate::masking::resident_id(id), reason, decision: None });
    };

    if roster_rows > 0 {
        // 漏登: members of registered-poor households, enrolled or of compulsory-school age,
        // that no roster row is linked to.
        let mut stmt = conn.prepare_cached(UNREGISTERED)?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let (id, name, household, class): (RecordId, String, RecordId, String) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            let (resident_id, status): (String, Option<EnrolmentStatus>) = (r.get(4)?, r.get(6)?);
            let birth = birth_of("member", &id.to_string(), &r.get::<_, String>(7)?, r.get(5)?);
            let reason = match (status, birth) {
                (Some(_), _) if resident_id.is_empty() => Reason::NoResidentId,
                (Some(_), _) => Reason::StudentNotOnRoster,
                (None, Some(birth)) => {
                    let age = age_on(birth, today);
                    if !(6..=15).contains(&age) {
                        continue;
                    }
                    Reason::SchoolAgeNotOnRoster { age }
                }
                (None, None) => continue,
            };
            push(MismatchKind::Unregistered, id, name, Some(household), class, &resident_id, reason);
        }

        // 空挂学籍嫌疑: roster rows with no such person behind them. The same pass collects
        // the rows for the duplicate check below.
        let mut stmt = conn.prepare_cached(ROSTER_ROWS)?;
        struct Entry {
            id: RecordId,
            name: String,
            household: Option<RecordId>,
            class: String,
            resident_id: String,
            birth: Option<NaiveDate>,
            number: String,
        }
        let mut entries = Vec::new();
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let id: RecordId = r.get(0)?;
            let birth = birth_of("registration", &id.to_string(), &r.get::<_, String>(10)?, r.get(7)?);
            // `number`: the national student number's digest (equal numbers, equal digests).
            let e = Entry { id, name: r.get(1)?, household: r.get(2)?, class: r.get(3)?, resident_id: r.get(4)?, birth, number: r.get(9)? };
            let (poor, stage, status): (Option<bool>, Option<Stage>, Option<EnrolmentStatus>) = (r.get(5)?, r.get(6)?, r.get(8)?);
            let age = e.birth.map(|b| age_on(b, today));
            let reason = if e.household.is_none() && poor == Some(true) {
                Some(Reason::PoorButNoCard)
            } else if let Some(status @ (EnrolmentStatus::DroppedOut | EnrolmentStatus::TransferredOut | EnrolmentStatus::Graduated)) = status {
                Some(Reason::CardSaysLeft { status })
            } else if let (Some(age), Some(stage @ (Stage::Primary | Stage::Junior))) = (age, stage) {
                // Compulsory education ends at about 15; three years late is not a slow start.
                let limit = if stage == Stage::Primary { 15 } else { 18 };
                (age > limit).then_some(Reason::TooOldForStage { age, stage })
            } else {
                None
            };
            if let Some(reason) = reason {
                push(MismatchKind::Phantom, e.id, e.name.clone(), e.household, e.class.clone(), &e.resident_id, reason);
            }
            entries.push(e);
        }

        // 重复学籍: one national student number twice, or one name and birth date under two
        // ID numbers. Each row of a pair is listed once, naming another row of its group.
        let mut by_number: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut by_person: HashMap<(&str, NaiveDate), Vec<usize>> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            if !e.number.is_empty() {
                by_number.entry(&e.number).or_default().push(i);
            }
            if let Some(birth) = e.birth {
                by_person.entry((&e.name, birth)).or_default().push(i);
            }
        }
        let groups = by_number.values().map(|g| (g, true)).chain(by_person.values().map(|g| (g, false)));
        let mut duplicates: Vec<(usize, usize, bool)> = Vec::new();
        for (group, same_number) in groups.filter(|(g, _)| g.len() > 1) {
            for &i in group {
                let other = *group.iter().find(|&&j| j != i).expect("a group of two or more");
                duplicates.push((i, other, same_number));
            }
        }
        // A row in both kinds of group is listed once, for its student number.
        duplicates.sort_by_key(|&(i, _, same_number)| (i, !same_number));
        duplicates.dedup_by_key(|d| d.0);
        for (i, other, same_number) in duplicates {
            let (e, o) = (&entries[i], &entries[other]);
            let other = format!("{} {}", o.name, o.class).trim().to_string();
            let reason = if same_number { Reason::SameStudentNumber { other } } else { Reason::SameNameAndBirth { other } };
            push(MismatchKind::Duplicate, e.id, e.name.clone(), e.household, e.class.clone(), &e.resident_id, reason);
        }
    }

    // 未享受资助: enrolled registered-poor students with no grant this term.
    let mut stmt = conn.prepare_cached(
        "SELECT m.id, m.name, m.household_id, s.class_name, m.resident_id
         FROM student s JOIN member m ON m.id = s.member_id JOIN household h ON h.id = m.household_id
         WHERE s.deleted_at IS NULL AND s.enrolment_status = 'enrolled' AND m.deleted_at IS NULL AND h.deleted_at IS NULL AND h.status <> 'none'
           AND NOT EXISTS (SELECT 1 FROM aid_grant g WHERE g.member_id = m.id AND g.term = ?1 AND g.deleted_at IS NULL AND g.status <> 'reversed')",
    )?;
    let mut rows = stmt.query([term])?;
    while let Some(r) = rows.next()? {
        push(MismatchKind::NoAid, r.get(0)?, r.get(1)?, Some(r.get(2)?), r.get(3)?, &r.get::<_, String>(4)?, Reason::NoGrantThisTerm);
    }

    // Decisions taken earlier.
    let mut decisions: HashMap<(MismatchKind, RecordId), DecisionInfo> = HashMap::new();
    let mut stmt = conn.prepare_cached("SELECT kind, subject_id, decision, note, updated_at FROM reconcile_decision WHERE deleted_at IS NULL")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        decisions.insert((r.get(0)?, r.get(1)?), DecisionInfo { decision: r.get(2)?, note: r.get(3)?, at: r.get(4)? });
    }
    let mut counts: HashMap<MismatchKind, KindCount> = HashMap::new();
    for m in &mut found {
        m.decision = decisions.remove(&(m.kind, m.subject_id));
        let c = counts.entry(m.kind).or_default();
        if m.decision.is_some() { c.decided += 1 } else { c.open += 1 }
    }
    let order = |k: MismatchKind| MismatchKind::ALL.iter().position(|x| *x == k);
    found.sort_by(|a, b| {
        (a.decision.is_some(), order(a.kind), &a.class_name, &a.name).cmp(&(b.decision.is_some(), order(b.kind), &b.class_name, &b.name))
    });
    let count = |k| counts.get(&k).cloned().unwrap_or_default();
    Ok(Reconciliation {
        term,
        today,
        roster_rows,
        unregistered: count(MismatchKind::Unregistered),
        phantom: count(MismatchKind::Phantom),
        duplicate: count(MismatchKind::Duplicate),
        no_aid: count(MismatchKind::NoAid),
        mismatches: found,
    })
}

/// Resolves or dismisses a mismatch, with a note saying what was done or why it is not one.
pub fn decide(store: &mut Store, kind: MismatchKind, subject: RecordId, decision: Decision, note: &str) -> Result<()> {
    let pass = crate::access::ask(store, crate::access::Action::Reconcile)?;
    let mut c = crate::labels::checks();
    c.required("note", note);
    c.max_len("note", note, 500);
    c.finish()?;
    pass.write(store, |w| {
        w.tx().execute(
            "UPDATE reconcile_decision SET deleted_at = ?1, updated_at = ?1, device_id = ?2 WHERE kind = ?3 AND subject_id = ?4 AND deleted_at IS NULL",
            params![w.now(), w.device_id(), kind, subject],
        )?;
        let m = w.new_meta();
        w.tx().execute(
            "INSERT INTO reconcile_decision (id, kind, subject_id, decision, note, created_at, updated_at, device_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)",
            params![m.id, kind, subject, decision, note.trim(), w.now(), w.device_id()],
        )?;
        Ok(())
    })
}

/// Takes a decision back: the mismatch is open again.
pub fn reopen(store: &mut Store, kind: MismatchKind, subject: RecordId) -> Result<()> {
    crate::access::write(store, crate::access::Action::Reconcile, |w| {
        w.tx().execute(
            "UPDATE reconcile_decision SET deleted_at = ?1, updated_at = ?1, device_id = ?2 WHERE kind = ?3 AND subject_id = ?4 AND deleted_at IS NULL",
            params![w.now(), w.device_id(), kind, subject],
        )?;
        Ok(())
    })
}

#[cfg(test)]
mod tests;
