//! Financial aid (资助): the programmes a school administers, and grants to students on their
//! path applied → school reviewed → public notice (公示) → county reviewed → paid, each step
//! signed off by the people the paper forms name. A grant never skips a step; a paid grant is
//! never edited, only reversed with a reason.
//!
//! Eligibility rules per programme say which students are due a grant each term; a due student
//! without one is "missed" (漏助). Money is integer fen throughout; yuan exist only as text typed
//! or shown (`parse_yuan`, `yuan`).

use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::coverage::Listing;
use crate::error::{Checks, Lang, Problem, Result, Rule};
use crate::record::{text_enum, Meta, RecordId};
use crate::store::{Store, Writer};
use crate::student::Stage;
use crate::term::Term;
use crate::text::clean;

/// The rules of this module a field can break (their codes and sentences are the window's and
/// the scripts').
pub static BAD_PROGRAMME_CODE: Rule = Rule { code: "bad_programme_code", zh: "项目代码只能由字母、数字和下划线组成", en: "a programme code has only letters, digits and _" };
pub static DUPLICATE_PROGRAMME_CODE: Rule = Rule { code: "duplicate_programme_code", zh: "已有项目使用该代码", en: "another programme has this code" };
pub static DUPLICATE_GRANT: Rule = Rule { code: "duplicate_grant", zh: "该生本学期已有此项资助", en: "the student already has this aid for the term" };
pub static BEFORE_PREVIOUS_STEP: Rule = Rule { code: "before_previous_step", zh: "日期不能早于上一步", en: "the date is before the previous step" };
pub static BAD_APPLY_DAYS: Rule = Rule { code: "bad_apply_days", zh: "办理期限应为开学后 0 到 180 天", en: "the deadline is 0 to 180 days after the term starts" };
pub static NOTICE_ENDS_BEFORE_START: Rule = Rule { code: "notice_ends_before_start", zh: "公示结束日期不能早于开始日期", en: "the notice cannot end before it starts" };

/// The notice has not run its course: the county reviews after `end`.
fn notice_not_over(end: NaiveDate) -> Problem {
    Problem::Stated {
        code: "notice_not_over",
        zh: format!("公示期到 {end} 才结束，之后才能县级审核"),
        en: format!("the notice runs until {end}; the county reviews after that"),
    }
}

text_enum! {
    /// The five kinds of aid: 奖 / 贷 / 助 / 补 / 免.
    pub enum AidKind {
        Award = "award",     // 奖
        Loan = "loan",       // 贷
        Grant = "grant",     // 助
        Subsidy = "subsidy", // 补
        Waiver = "waiver",   // 免
    }
}

text_enum! {
    /// Who is due a grant of a programme each term, among enrolled students of its stages.
    pub enum Eligibility {
        /// Students of registered-poor households (any status but "none").
        RegisteredPoor = "registered_poor",
        /// …who board at school.
        RegisteredPoorBoarding = "registered_poor_boarding",
        /// Every enrolled student of the stages (the nutrition-meal plan).
        AllStudents = "all_students",
        /// Nobody automatically: students apply (loans, 雨露计划, donations).
        OnApplication = "on_application",
    }
}

text_enum! {
    /// Where a grant stands. The order of the path is the order here.
    pub enum GrantStatus {
        Applied = "applied",                // 已申请
        SchoolReviewed = "school_reviewed", // 学校已审核
        Notice = "notice",                  // 公示中
        CountyReviewed = "county_reviewed", // 县级已审核
        Paid = "paid",                      // 已发放
        Reversed = "reversed",              // 已冲回
    }
}

text_enum! {
    /// The people who sign a grant off, as the paper forms name them.
    pub enum SignRole {
        Parent = "parent",                  // 家长
        ClassTeacher = "class_teacher",     // 班主任
        Principal = "principal",            // 校长
        AidCentre = "aid_centre",           // 县学生资助中心
        DeputyDirector = "deputy_director", // 分管副局长
    }
}

/// A grant asked to skip a step, or to change once it can no longer change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantError {
    Step { from: GrantStatus, to: GrantStatus },
    Locked { status: GrantStatus },
    /// No school-reviewed grant to put on notice.
    NothingToNotice,
}

impl crate::error::DomainError for GrantError {
    fn code(&self) -> &'static str {
        match self {
            GrantError::Step { .. } => "grant_step",
            GrantError::Locked { .. } => "grant_locked",
            GrantError::NothingToNotice => "nothing_to_notice",
        }
    }
    fn message(&self, lang: Lang) -> String {
        match *self {
            GrantError::Step { from, to } => lang.pick(
                format!("资助不能从“{}”直接到“{}”：每一步都要依次办理。", from.label(Lang::Zh), to.label(Lang::Zh)),
                format!("A grant that is {} cannot become {}: every step is taken in order.", from.label(Lang::En), to.label(Lang::En)),
            ),
            GrantError::Locked { status } => lang.pick(
                format!("资助已“{}”，不能再修改。已发放的资助只能冲回并写明原因。", status.label(Lang::Zh)),
                format!("The grant is {} and can no longer be changed; a paid grant can only be reversed, with a reason.", status.label(Lang::En)),
            ),
            GrantError::NothingToNotice => lang.pick(
                "没有“学校已审核”的资助可以公示。".into(),
                "There are no school-reviewed grants to put on notice.".into(),
            ),
        }
    }
}

impl GrantStatus {
    /// The one step that may follow this one (reversal aside).
    pub fn next(self) -> Option<GrantStatus> {
        use GrantStatus::*;
        match self {
            Applied => Some(SchoolReviewed),
            SchoolReviewed => Some(Notice),
            Notice => Some(CountyReviewed),
            CountyReviewed => Some(Paid),
            Paid | Reversed => None,
        }
    }

    /// Who must sign the step into this status.
    pub fn signers(self) -> &'static [SignRole] {
        match self {
            GrantStatus::Applied => &[SignRole::Parent, SignRole::ClassTeacher],
            GrantStatus::SchoolReviewed => &[SignRole::Principal],
            GrantStatus::CountyReviewed => &[SignRole::AidCentre, SignRole::DeputyDirector],
            GrantStatus::Notice | GrantStatus::Paid | GrantStatus::Reversed => &[],
        }
    }

    pub fn label(self, lang: crate::Lang) -> &'static str {
        use GrantStatus::*;
        let (zh, en) = match self {
            Applied => ("已申请", "applied"),
            SchoolReviewed => ("学校已审核", "school reviewed"),
            Notice => ("公示中", "on public notice"),
            CountyReviewed => ("县级已审核", "county reviewed"),
            Paid => ("已发放", "paid"),
            Reversed => ("已冲回", "reversed"),
        };
        if lang == crate::Lang::Zh { zh } else { en }
    }
}

/// Parses an amount typed in yuan ("500", "62.5", "1,250.00", "￥500") into fen. No floats.
pub fn parse_yuan(text: &str) -> Option<i64> {
    let s: String = text.trim().trim_start_matches(['¥', '￥']).chars().filter(|c| *c != ',' && *c != '，').collect();
    let s = s.trim_end_matches('元').trim();
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || frac.len() > 2 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let yuan: i64 = whole.parse().ok().filter(|y| *y <= 10_000_000)?;
    let fen: i64 = format!("{frac:0<2}").parse().ok()?;
    Some(yuan * 100 + fen)
}

/// Fen shown as yuan with two decimals: 62500 → "625.00".
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", fen.abs() / 100, fen.abs() % 100)
}

// ---------------------------------------------------------------------------------------------
// Programmes

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Programme {
    #[serde(flatten)]
    pub meta: Meta,
    pub code: String,
    pub name: String,
    pub kind: AidKind,
    pub amount_fen: i64,
    pub stages: Vec<Stage>,
    pub eligibility: Eligibility,
    pub active: bool,
    /// What a family must bring or do to receive it (printed on the policy card).
    pub family_todo: String,
    /// By when: days after the term starts (0: no date).
    pub apply_within_days: i64,
}

impl Programme {
    /// The last day for the family's part in `term`, when the programme names one.
    pub fn apply_by(&self, term: Term) -> Option<NaiveDate> {
        (self.apply_within_days > 0).then(|| term.start() + chrono::Days::new(self.apply_within_days as u64))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgrammeInput {
    pub code: String,
    pub name: String,
    pub kind: AidKind,
    /// Yuan per term as typed; empty or 0: the amount is set per grant.
    #[serde(default)]
    pub amount: String,
    pub stages: Vec<Stage>,
    pub eligibility: Eligibility,
    #[serde(default = "yes")]
    pub active: bool,
    /// What a family must bring or do (the policy card); at most 200 characters.
    #[serde(default)]
    pub family_todo: String,
    /// By when, in days after the term starts (0: no date; at most 180).
    #[serde(default)]
    pub apply_within_days: i64,
}

fn yes() -> bool {
    true
}

const PROGRAMME: &str = "SELECT id, created_at, updated_at, device_id, code, name, kind, amount_fen, stages, eligibility, active, family_todo, apply_within_days FROM aid_programme";

fn programme_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Programme> {
    let stages: String = r.get(8)?;
    Ok(Programme {
        meta: Meta::from_row(r, 0)?,
        code: r.get(4)?,
        name: r.get(5)?,
        kind: r.get(6)?,
        amount_fen: r.get(7)?,
        stages: serde_json::from_str(&stages).unwrap_or_default(),
        eligibility: r.get(9)?,
        active: r.get(10)?,
        family_todo: r.get(11)?,
        apply_within_days: r.get(12)?,
    })
}

/// Every programme, default ones first, in a stable order.
pub fn programmes(conn: &Connection) -> Result<Vec<Programme>> {
    let mut stmt = conn.prepare_cached(&format!("{PROGRAMME} WHERE deleted_at IS NULL ORDER BY id"))?;
    let rows = stmt.query_map([], programme_row)?.collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

pub fn programme(conn: &Connection, id: RecordId) -> Result<Programme> {
    conn.prepare_cached(&format!("{PROGRAMME} WHERE id = ?1 AND deleted_at IS NULL"))?
        .query_row([id], programme_row)
        .optional()?
        .ok_or(crate::labels::not_found("programme"))
}

fn check_programme(conn: &Connection, p: &ProgrammeInput, id: Option<RecordId>) -> Result<(String, i64)> {
    let mut c = crate::labels::checks();
    let code = p.code.trim().to_lowercase();
    c.required("code", &code);
    if !code.is_empty() && !code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        c.add("code", Problem::Rule(&BAD_PROGRAMME_CODE));
    }
    c.max_len("code", &code, 30);
    c.required("name", &p.name);
    c.max_len("name", &p.name, 60);
    let amount = if p.amount.trim().is_empty() { Some(0) } else { parse_yuan(&p.amount) };
    if amount.is_none() {
        c.add("amount", Problem::BadAmount);
    }
    if p.stages.is_empty() {
        c.add("stages", Problem::Required);
    }
    c.max_len("familyTodo", &p.family_todo, 200);
    if !(0..=180).contains(&p.apply_within_days) {
        c.add("applyWithinDays", Problem::Rule(&BAD_APPLY_DAYS));
    }
    let taken: Option<String> = conn
        .prepare_cached("SELECT id FROM aid_programme WHERE code = ?1 AND deleted_at IS NULL")?
        .query_row([&code], |r| r.get(0))
        .optional()?;
    if taken.is_some_and(|t| Some(t) != id.map(|i| i.to_string())) {
        c.add("code", Problem::Rule(&DUPLICATE_PROGRAMME_CODE));
    }
    c.finish()?;
    Ok((code, amount.unwrap_or(0)))
}

pub fn create_programme(store: &mut Store, p: &ProgrammeInput) -> Result<Programme> {
    let id = crate::access::write(store, crate::access::Action::Aid, |w| {
        let (code, amount) = check_programme(w.tx(), p, None)?;
        let m = w.new_meta();
        w.tx().execute(
            "INSERT INTO aid_programme (id, code, name, kind, amount_fen, stages, eligibility, active, family_todo, apply_within_days, created_at, updated_at, device_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?11, ?12, ?9, ?9, ?10)",
            params![m.id, code, clean(&p.name), p.kind, amount, serde_json::to_string(&p.stages).expect("stages"), p.eligibility, p.active, w.now(), w.device_id(), clean(&p.family_todo), p.apply_within_days],
        )?;
        Ok(m.id)
    })?;
    programme(store.conn(), id)
}

/// Edits a programme. Grants already made keep their amounts.
pub fn update_programme(store: &mut Store, id: RecordId, p: &ProgrammeInput) -> Result<Programme> {
    crate::access::write(store, crate::access::Action::Aid, |w| {
        programme(w.tx(), id)?;
        let (code, amount) = check_programme(w.tx(), p, Some(id))?;
        w.tx().execute(
            "UPDATE aid_programme SET code = ?2, name = ?3, kind = ?4, amount_fen = ?5, stages = ?6, eligibility = ?7, active = ?8,
                 family_todo = ?11, apply_within_days = ?12, updated_at = ?9, device_id = ?10 WHERE id = ?1",
            params![id, code, clean(&p.name), p.kind, amount, serde_json::to_string(&p.stages).expect("stages"), p.eligibility, p.active, w.now(), w.device_id(), clean(&p.family_todo), p.apply_within_days],
        )?;
        Ok(())
    })?;
    programme(store.conn(), id)
}

// ---------------------------------------------------------------------------------------------
// Grants

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Signoff {
    pub role: SignRole,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    #[serde(flatten)]
    pub meta: Meta,
    pub step: GrantStatus,
    pub step_date: NaiveDate,
    pub signoffs: Vec<Signoff>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Grant {
    #[serde(flatten)]
    pub meta: Meta,
    pub member_id: RecordId,
    pub student_name: String,
    pub household_id: RecordId,
    pub class_name: String,
    pub grade: Option<i64>,
    pub programme_id: RecordId,
    pub programme_name: String,
    pub kind: AidKind,
    pub term: Term,
    pub amount_fen: i64,
    pub status: GrantStatus,
    pub notice_start: Option<NaiveDate>,
    pub notice_end: Option<NaiveDate>,
    pub objections: String,
    pub paid_date: Option<NaiveDate>,
    pub reversed_reason: String,
    /// Oldest first: the path so far.
    pub steps: Vec<Step>,
}

/// A new application, signed by the parent and the class teacher.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GrantInput {
    pub member_id: RecordId,
    pub programme_id: RecordId,
    pub term: Term,
    /// Yuan as typed; empty: the programme's standard amount.
    #[serde(default)]
    pub amount: String,
    pub applied_date: String,
    #[serde(default)]
    pub parent_name: String,
    #[serde(default)]
    pub class_teacher_name: String,
}

/// The next step of a grant: which status it moves to (so that a double click cannot move it
/// twice), the date, who signed, and for the notice its closing date.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StepInput {
    pub date: String,
    #[serde(default)]
    pub signoffs: Vec<Signoff>,
    /// The last day of the public notice (for the notice step).
    #[serde(default)]
    pub notice_end: Option<String>,
    #[serde(default)]
    pub note: String,
}

const GRANT: &str = "SELECT g.id, g.created_at, g.updated_at, g.device_id, g.member_id, m.name, m.household_id,
        coalesce(s.class_name, ''), s.grade, g.programme_id, p.name, p.kind, g.term, g.amount_fen, g.status,
        g.notice_start, g.notice_end, g.objections, g.paid_date, g.reversed_reason
    FROM aid_grant g JOIN member m ON m.id = g.member_id JOIN aid_programme p ON p.id = g.programme_id
    LEFT JOIN student s ON s.member_id = g.member_id AND s.deleted_at IS NULL";

fn grant_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Grant> {
    Ok(Grant {
        meta: Meta::from_row(r, 0)?,
        member_id: r.get(4)?,
        student_name: r.get(5)?,
        household_id: r.get(6)?,
        class_name: r.get(7)?,
        grade: r.get(8)?,
        programme_id: r.get(9)?,
        programme_name: r.get(10)?,
        kind: r.get(11)?,
        term: r.get(12)?,
        amount_fen: r.get(13)?,
        status: r.get(14)?,
        notice_start: r.get(15)?,
        notice_end: r.get(16)?,
        objections: r.get(17)?,
        paid_date: r.get(18)?,
        reversed_reason: r.get(19)?,
        steps: Vec::new(),
    })
}

fn with_steps(conn: &Connection, mut g: Grant) -> Result<Grant> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, created_at, updated_at, device_id, step, step_date, signoffs, note FROM aid_step
         WHERE grant_id = ?1 AND deleted_at IS NULL ORDER BY step_date, id",
    )?;
    g.steps = stmt
        .query_map([g.meta.id], |r| {
            let signoffs: String = r.get(6)?;
            Ok(Step { meta: Meta::from_row(r, 0)?, step: r.get(4)?, step_date: r.get(5)?, signoffs: serde_json::from_str(&signoffs).unwrap_or_default(), note: r.get(7)? })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(g)
}

pub fn grant(conn: &Connection, id: RecordId) -> Result<Grant> {
    let g = conn
        .prepare_cached(&format!("{GRANT} WHERE g.id = ?1 AND g.deleted_at IS NULL"))?
        .query_row([id], grant_row)
        .optional()?
        .ok_or(crate::labels::not_found("grant"))?;
    with_steps(conn, g)
}

/// Which grants to list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GrantFilter {
    pub term: Option<Term>,
    #[serde(default)]
    pub programme_id: Option<RecordId>,
    #[serde(default)]
    pub status: Option<GrantStatus>,
}

/// Grants by class and name (without their steps: `grant` has them).
pub fn grants(conn: &Connection, f: &GrantFilter, limit: usize) -> Result<Vec<Grant>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{GRANT} WHERE g.deleted_at IS NULL AND (?1 IS NULL OR g.term = ?1) AND (?2 IS NULL OR g.programme_id = ?2)
           AND (?3 IS NULL OR g.status = ?3)
         ORDER BY g.term DESC, p.id, s.grade, s.class_name, m.name LIMIT ?4"
    ))?;
    let rows = stmt.query_map(params![f.term, f.programme_id, f.status, limit as i64], grant_row)?.collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// The grants of a household's students, newest term first (for the card).
pub fn of_household(conn: &Connection, household: RecordId) -> Result<Vec<Grant>> {
    let mut stmt = conn.prepare_cached(&format!("{GRANT} WHERE g.deleted_at IS NULL AND m.household_id = ?1 ORDER BY g.term DESC, m.name, p.id"))?;
    let rows: Vec<Grant> = stmt.query_map([household], grant_row)?.collect::<rusqlite::Result<_>>()?;
    rows.into_iter().map(|g| with_steps(conn, g)).collect()
}

fn check_signoffs(c: &mut Checks, to: GrantStatus, signoffs: &[Signoff]) -> Vec<Signoff> {
    let mut out = Vec::new();
    for role in to.signers() {
        let name = signoffs.iter().find(|s| s.role == *role).map(|s| clean(&s.name)).unwrap_or_default();
        let field = match role {
            SignRole::Parent => "parentName",
            SignRole::ClassTeacher => "classTeacherName",
            SignRole::Principal => "principalName",
            SignRole::AidCentre => "aidCentreName",
            SignRole::DeputyDirector => "deputyDirectorName",
        };
        c.required(field, &name);
        c.max_len(field, &name, 30);
        out.push(Signoff { role: *role, name });
    }
    out
}

fn add_step(w: &Writer<'_>, grant: RecordId, step: GrantStatus, on: NaiveDate, signoffs: &[Signoff], note: &str) -> Result<()> {
    let m = w.new_meta();
    w.tx().execute(
        "INSERT INTO aid_step (id, grant_id, step, step_date, signoffs, note, created_at, updated_at, device_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)",
        params![m.id, grant, step, on, serde_json::to_string(signoffs).expect("signoffs"), note, w.now(), w.device_id()],
    )?;
    Ok(())
}

/// Records an application: the first step of a grant.
pub fn apply(store: &mut Store, g: &GrantInput, today: NaiveDate) -> Result<Grant> {
    let id = crate::access::write(store, crate::access::Action::Aid, |w| {
        let mut c = crate::labels::checks();
        let is_student: bool = w
            .tx()
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM student WHERE member_id = ?1 AND deleted_at IS NULL)")?
            .query_row([g.member_id], |r| r.get(0))?;
        if !is_student {
            c.add("memberId", Problem::Rule(&crate::student::NOT_A_STUDENT));
        }
        let programme = programme(w.tx(), g.programme_id).ok();
        if programme.is_none() {
            c.add("programmeId", Problem::Required);
        }
        let amount = if g.amount.trim().is_empty() { programme.as_ref().map(|p| p.amount_fen) } else { parse_yuan(&g.amount) };
        if amount.is_none() && programme.is_some() {
            c.add("amount", Problem::BadAmount);
        }
        let applied = c.date("appliedDate", Some(&g.applied_date), true, Some(today));
        let signoffs = check_signoffs(
            &mut c,
            GrantStatus::Applied,
            &[Signoff { role: SignRole::Parent, name: g.parent_name.clone() }, Signoff { role: SignRole::ClassTeacher, name: g.class_teacher_name.clone() }],
        );
        let twice: bool = w
            .tx()
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM aid_grant WHERE member_id = ?1 AND programme_id = ?2 AND term = ?3 AND deleted_at IS NULL AND status <> 'reversed')",
            )?
            .query_row(params![g.member_id, g.programme_id, g.term], |r| r.get(0))?;
        if twice {
            c.add("programmeId", Problem::Rule(&DUPLICATE_GRANT));
        }
        c.finish()?;
        let (amount, applied) = (amount.expect("checked"), applied.expect("checked"));
        let m = w.new_meta();
        w.tx().execute(
            "INSERT INTO aid_grant (id, member_id, programme_id, term, amount_fen, status, created_at, updated_at, device_id)
             VALUES (?1, ?2, ?3, ?4, ?5, 'applied', ?6, ?6, ?7)",
            params![m.id, g.member_id, g.programme_id, g.term, amount, w.now(), w.device_id()],
        )?;
        add_step(w, m.id, GrantStatus::Applied, applied, &signoffs, "")?;
        Ok(m.id)
    })?;
    grant(store.conn(), id)
}

fn advance_in(w: &Writer<'_>, id: RecordId, to: GrantStatus, s: &StepInput, today: NaiveDate) -> Result<()> {
    let current = grant(w.tx(), id)?;
    if current.status.next() != Some(to) {
        return Err(GrantError::Step { from: current.status, to }.into());
    }
    let mut c = crate::labels::checks();
    let on = c.date("date", Some(&s.date), true, Some(today));
    let last = current.steps.iter().map(|s| s.step_date).max();
    if let (Some(on), Some(last)) = (on, last) {
        if on < last {
            c.add("date", Problem::Rule(&BEFORE_PREVIOUS_STEP));
        }
    }
    let signoffs = check_signoffs(&mut c, to, &s.signoffs);
    c.max_len("note", &s.note, 500);
    let mut notice_end = None;
    if to == GrantStatus::Notice {
        notice_end = c.date("noticeEnd", s.notice_end.as_deref(), true, None);
        if let (Some(end), Some(on)) = (notice_end, on) {
            if end < on {
                c.add("noticeEnd", Problem::Rule(&NOTICE_ENDS_BEFORE_START));
                notice_end = None;
            }
        }
    }
    // The county reviews only after the notice has run its course.
    if to == GrantStatus::CountyReviewed {
        if let (Some(on), Some(end)) = (on, current.notice_end) {
            if on <= end {
                c.add("date", notice_not_over(end));
            }
        }
    }
    c.finish()?;
    let on = on.expect("checked");
    let stamp = (w.now(), w.device_id().to_string());
    match to {
        GrantStatus::Notice => w.tx().execute(
            "UPDATE aid_grant SET status = ?2, notice_start = ?3, notice_end = ?4, updated_at = ?5, device_id = ?6 WHERE id = ?1",
            params![id, to, on, notice_end, stamp.0, stamp.1],
        )?,
        GrantStatus::Paid => w.tx().execute(
            "UPDATE aid_grant SET status = ?2, paid_date = ?3, updated_at = ?4, device_id = ?5 WHERE id = ?1",
            params![id, to, on, stamp.0, stamp.1],
        )?,
        _ => w.tx().execute("UPDATE aid_grant SET status = ?2, updated_at = ?3, device_id = ?4 WHERE id = ?1", params![id, to, stamp.0, stamp.1])?,
    };
    add_step(w, id, to, on, &signoffs, s.note.trim())
}

/// Moves a grant one step along its path. `to` must be the next step.
pub fn advance(store: &mut Store, id: RecordId, to: GrantStatus, s: &StepInput, today: NaiveDate) -> Result<Grant> {
    let pass = crate::access::ask(store, crate::access::Action::Aid)?;
    let signed;
    let s = if to == GrantStatus::SchoolReviewed {
        // The school's review is the principal's own signature: recorded by a principal's
        // account, under the account's name (parents and teachers stay typed names).
        crate::access::require(store, crate::access::Action::SchoolReview)?;
        signed = signed_by_account(store, s, SignRole::Principal);
        &signed
    } else {
        s
    };
    pass.write(store, |w| advance_in(w, id, to, s, today))?;
    grant(store.conn(), id)
}

/// The step's sign-offs with `role` signed by the store's account (its name, whatever was
/// typed). The store itself (tests, the demo) keeps what was typed.
fn signed_by_account(store: &Store, s: &StepInput, role: SignRole) -> StepInput {
    let actor = store.actor();
    if actor.id == crate::access::Actor::system().id {
        return s.clone();
    }
    let mut signed = s.clone();
    signed.signoffs.retain(|x| x.role != role);
    signed.signoffs.push(Signoff { role, name: actor.name.clone() });
    signed
}

/// Starts the public notice for every school-reviewed grant of a programme and term at once:
/// one notice is posted for them all. Returns how many grants it covers.
pub fn start_notice(store: &mut Store, programme: RecordId, term: Term, s: &StepInput, today: NaiveDate) -> Result<usize> {
    crate::access::write(store, crate::access::Action::Aid, |w| {
        let ids: Vec<RecordId> = w
            .tx()
            .prepare_cached("SELECT id FROM aid_grant WHERE programme_id = ?1 AND term = ?2 AND status = 'school_reviewed' AND deleted_at IS NULL")?
            .query_map(params![programme, term], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if ids.is_empty() {
            return Err(GrantError::NothingToNotice.into());
        }
        for id in &ids {
            advance_in(w, *id, GrantStatus::Notice, s, today)?;
        }
        Ok(ids.len())
    })
}

/// Records the objections raised during the notice and how they were handled.
pub fn record_objections(store: &mut Store, id: RecordId, text: &str) -> Result<Grant> {
    crate::access::write(store, crate::access::Action::Aid, |w| {
        let current = grant(w.tx(), id)?;
        if current.status != GrantStatus::Notice {
            return Err(GrantError::Locked { status: current.status }.into());
        }
        let mut c = crate::labels::checks();
        c.max_len("objections", text, 1000);
        c.finish()?;
        w.tx().execute(
            "UPDATE aid_grant SET objections = ?2, updated_at = ?3, device_id = ?4 WHERE id = ?1",
            params![id, text.trim(), w.now(), w.device_id()],
        )?;
        Ok(())
    })?;
    grant(store.conn(), id)
}

/// Changes the amount of a grant not yet county-reviewed.
pub fn set_amount(store: &mut Store, id: RecordId, amount: &str) -> Result<Grant> {
    crate::access::write(store, crate::access::Action::Aid, |w| {
        let current = grant(w.tx(), id)?;
        if matches!(current.status, GrantStatus::CountyReviewed | GrantStatus::Paid | GrantStatus::Reversed) {
            return Err(GrantError::Locked { status: current.status }.into());
        }
        let fen = parse_yuan(amount).ok_or_else(|| crate::labels::invalid("amount", Problem::BadAmount))?;
        w.tx().execute(
            "UPDATE aid_grant SET amount_fen = ?2, updated_at = ?3, device_id = ?4 WHERE id = ?1",
            params![id, fen, w.now(), w.device_id()],
        )?;
        Ok(())
    })?;
    grant(store.conn(), id)
}

/// Reverses a paid grant (冲回), with a reason. The grant and its path are kept.
pub fn reverse(store: &mut Store, id: RecordId, date_text: &str, reason: &str, today: NaiveDate) -> Result<Grant> {
    crate::access::write(store, crate::access::Action::Aid, |w| {
        let current = grant(w.tx(), id)?;
        if current.status != GrantStatus::Paid {
            return Err(GrantError::Step { from: current.status, to: GrantStatus::Reversed }.into());
        }
        let mut c = crate::labels::checks();
        let on = c.date("date", Some(date_text), true, Some(today));
        c.required("reason", reason);
        c.max_len("reason", reason, 500);
        c.finish()?;
        w.tx().execute(
            "UPDATE aid_grant SET status = 'reversed', reversed_reason = ?2, updated_at = ?3, device_id = ?4 WHERE id = ?1",
            params![id, reason.trim(), w.now(), w.device_id()],
        )?;
        add_step(w, id, GrantStatus::Reversed, on.expect("checked"), &[], reason.trim())
    })?;
    grant(store.conn(), id)
}

/// Withdraws a grant that has not been paid (a tombstone, with its steps). Paid grants are
/// reversed instead.
pub fn withdraw(store: &mut Store, id: RecordId) -> Result<()> {
    crate::access::write(store, crate::access::Action::Aid, |w| {
        let current = grant(w.tx(), id)?;
        if matches!(current.status, GrantStatus::Paid | GrantStatus::Reversed) {
            return Err(GrantError::Locked { status: current.status }.into());
        }
        w.tombstone("aid_grant", crate::labels::not_found("grant"), id)?;
        w.tx().execute(
            "UPDATE aid_step SET deleted_at = ?1, updated_at = ?1, device_id = ?2 WHERE grant_id = ?3 AND deleted_at IS NULL",
            params![w.now(), w.device_id(), id],
        )?;
        Ok(())
    })
}

/// The names last used for a role, so the forms need not ask again.
pub fn last_signer(conn: &Connection, role: SignRole) -> Result<Option<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT json_extract(value, '$.name') FROM aid_step, json_each(aid_step.signoffs)
         WHERE aid_step.deleted_at IS NULL AND json_extract(value, '$.role') = ?1
         ORDER BY aid_step.created_at DESC LIMIT 1",
    )?;
    Ok(stmt.query_row([role], |r| r.get(0)).optional()?)
}

/// Writes a grant that has already taken `steps` (generated data: the demo school). Each step
/// is (status, date, signers); the grant ends in the last one.
pub(crate) fn insert_with_path(w: &Writer<'_>, member: RecordId, programme: RecordId, term: Term, amount_fen: i64, steps: &[(GrantStatus, NaiveDate, Vec<Signoff>)], notice_end: Option<NaiveDate>) -> Result<RecordId> {
    let m = w.new_meta();
    let status = steps.last().map(|s| s.0).unwrap_or(GrantStatus::Applied);
    let at = |st: GrantStatus| steps.iter().find(|s| s.0 == st).map(|s| s.1);
    w.tx()
        .prepare_cached(
            "INSERT INTO aid_grant (id, member_id, programme_id, term, amount_fen, status, notice_start, notice_end, paid_date, created_at, updated_at, device_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11)",
        )?
        .execute(params![
            m.id, member, programme, term, amount_fen, status, at(GrantStatus::Notice), notice_end.filter(|_| at(GrantStatus::Notice).is_some()),
            at(GrantStatus::Paid), w.now(), w.device_id()
        ])?;
    for (step, on, signoffs) in steps {
        add_step(w, m.id, *step, *on, signoffs, "")?;
    }
    Ok(m.id)
}

/// Every (student, programme) pair due a grant this term, with the standard amount: what the
/// demo school grants (most of it).
pub(crate) fn due_pairs(conn: &Connection) -> Result<Vec<(RecordId, RecordId, i64, RecordId)>> {
    let programmes = programmes(conn)?;
    let students = enrolled(conn)?;
    Ok(students
        .iter()
        .flat_map(|s| programmes.iter().filter(|p| p.due(s)).map(|p| (s.member, p.meta.id, p.amount_fen, s.household)))
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Eligibility and coverage

/// An enrolled student as eligibility sees them.
#[derive(Debug, Clone)]
struct Enrolled {
    member: RecordId,
    name: String,
    household: RecordId,
    stage: Stage,
    grade: Option<i64>,
    class_name: String,
    boarding: bool,
    registered_poor: bool,
}

fn enrolled(conn: &Connection) -> Result<Vec<Enrolled>> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.id, m.name, m.household_id, s.stage, s.grade, s.class_name, s.boarding, h.status <> 'none'
         FROM student s JOIN member m ON m.id = s.member_id JOIN household h ON h.id = m.household_id
         WHERE s.deleted_at IS NULL AND s.enrolment_status = 'enrolled' AND m.deleted_at IS NULL AND h.deleted_at IS NULL
         ORDER BY s.grade, s.class_name, m.name, m.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Enrolled {
            member: r.get(0)?,
            name: r.get(1)?,
            household: r.get(2)?,
            stage: r.get(3)?,
            grade: r.get(4)?,
            class_name: r.get(5)?,
            boarding: r.get(6)?,
            registered_poor: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

impl Programme {
    /// Whether `s` is due a grant of this programme (each term).
    fn due(&self, s: &Enrolled) -> bool {
        self.active
            && self.stages.contains(&s.stage)
            && match self.eligibility {
                Eligibility::RegisteredPoor => s.registered_poor,
                Eligibility::RegisteredPoorBoarding => s.registered_poor && s.boarding,
                Eligibility::AllStudents => true,
                Eligibility::OnApplication => false,
            }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgrammeCoverage {
    pub programme_id: RecordId,
    pub code: String,
    pub name: String,
    pub kind: AidKind,
    pub eligibility: Eligibility,
    /// Students due a grant this term.
    pub due: usize,
    /// …of whom have one (any status but reversed).
    pub covered: usize,
    pub missed: usize,
    /// Grants this term (due or not), and how many are paid.
    pub grants: usize,
    pub paid: usize,
    pub amount_fen: i64,
    pub paid_fen: i64,
}

/// A due student without the grant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MissedItem {
    pub member_id: RecordId,
    pub name: String,
    pub household_id: RecordId,
    pub grade: Option<i64>,
    pub class_name: String,
    pub programme_id: RecordId,
    pub programme_name: String,
    pub amount_fen: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AidCoverage {
    pub term: Term,
    pub programmes: Vec<ProgrammeCoverage>,
    /// Over every programme: (student, programme) pairs due, and covered.
    pub due: usize,
    pub covered: usize,
    /// 享受率 in per mille (1000 = every due grant given), or None when nothing is due.
    pub rate_permille: Option<u32>,
    pub amount_fen: i64,
    pub paid_fen: i64,
    pub missed: Listing<MissedItem>,
}

/// Eligibility and coverage for a term: per programme and overall, and the missed list.
pub fn coverage(store: &Store, term: Term, limit: usize) -> Result<AidCoverage> {
    let conn = store.conn();
    let programmes = programmes(conn)?;
    let students = enrolled(conn)?;
    // (member, programme) → counts; reversed grants do not count.
    let mut given: std::collections::HashMap<(RecordId, RecordId), GrantStatus> = std::collections::HashMap::new();
    let mut per: std::collections::HashMap<RecordId, (usize, usize, i64, i64)> = std::collections::HashMap::new();
    let mut stmt = conn.prepare_cached("SELECT member_id, programme_id, status, amount_fen FROM aid_grant WHERE term = ?1 AND deleted_at IS NULL AND status <> 'reversed'")?;
    let mut rows = stmt.query([term])?;
    while let Some(r) = rows.next()? {
        let (member, programme, status, amount): (RecordId, RecordId, GrantStatus, i64) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
        given.insert((member, programme), status);
        let e = per.entry(programme).or_default();
        e.0 += 1;
        e.2 += amount;
        if status == GrantStatus::Paid {
            e.1 += 1;
            e.3 += amount;
        }
    }
    let mut out = Vec::new();
    let mut missed_all = Vec::new();
    for p in &programmes {
        let (mut due, mut covered) = (0, 0);
        for s in students.iter().filter(|s| p.due(s)) {
            due += 1;
            if given.contains_key(&(s.member, p.meta.id)) {
                covered += 1;
            } else {
                missed_all.push((s, p));
            }
        }
        let (grants, paid, amount_fen, paid_fen) = per.get(&p.meta.id).copied().unwrap_or_default();
        if !p.active && grants == 0 {
            continue;
        }
        out.push(ProgrammeCoverage {
            programme_id: p.meta.id,
            code: p.code.clone(),
            name: p.name.clone(),
            kind: p.kind,
            eligibility: p.eligibility,
            due,
            covered,
            missed: due - covered,
            grants,
            paid,
            amount_fen,
            paid_fen,
        });
    }
    let (due, covered) = out.iter().fold((0, 0), |(d, c), p| (d + p.due, c + p.covered));
    let missed = Listing::of(missed_all.into_iter(), limit, |(s, p)| MissedItem {
        member_id: s.member,
        name: s.name.clone(),
        household_id: s.household,
        grade: s.grade,
        class_name: s.class_name.clone(),
        programme_id: p.meta.id,
        programme_name: p.name.clone(),
        amount_fen: p.amount_fen,
    });
    Ok(AidCoverage {
        term,
        rate_permille: (due > 0).then(|| (covered * 1000 / due) as u32),
        amount_fen: out.iter().map(|p| p.amount_fen).sum(),
        paid_fen: out.iter().map(|p| p.paid_fen).sum(),
        programmes: out,
        due,
        covered,
        missed,
    })
}

/// One programme as it stands for a student this term: granted (at a step), or due without a
/// grant yet. What the policy card (明白卡) prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AidItem {
    pub programme: Programme,
    /// The grant's amount, or the programme's standard amount when none is made yet.
    pub amount_fen: i64,
    /// `None`: due, not applied for yet.
    pub status: Option<GrantStatus>,
    pub notice_end: Option<NaiveDate>,
    pub paid_date: Option<NaiveDate>,
}

/// An enrolled student's aid for a term: every grant (reversed ones aside) and every programme
/// due without one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StudentAid {
    pub member_id: RecordId,
    pub name: String,
    pub household_id: RecordId,
    pub grade: Option<i64>,
    pub class_name: String,
    pub items: Vec<AidItem>,
}

/// Every enrolled student's aid for `term`, by grade, class and name.
pub fn of_term(conn: &Connection, term: Term) -> Result<Vec<StudentAid>> {
    let programmes = programmes(conn)?;
    let by_id: std::collections::HashMap<RecordId, &Programme> = programmes.iter().map(|p| (p.meta.id, p)).collect();
    let mut grants: std::collections::HashMap<RecordId, Vec<(RecordId, GrantStatus, i64, Option<NaiveDate>, Option<NaiveDate>)>> = std::collections::HashMap::new();
    let mut stmt = conn.prepare_cached(
        "SELECT member_id, programme_id, status, amount_fen, notice_end, paid_date FROM aid_grant
         WHERE term = ?1 AND deleted_at IS NULL AND status <> 'reversed' ORDER BY programme_id",
    )?;
    let mut rows = stmt.query([term])?;
    while let Some(r) = rows.next()? {
        grants.entry(r.get(0)?).or_default().push((r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?));
    }
    let mut out = Vec::new();
    for s in enrolled(conn)? {
        let mut items: Vec<AidItem> = Vec::new();
        for (programme, status, amount, notice_end, paid_date) in grants.remove(&s.member).unwrap_or_default() {
            let Some(p) = by_id.get(&programme) else { continue };
            items.push(AidItem { programme: (*p).clone(), amount_fen: amount, status: Some(status), notice_end, paid_date });
        }
        for p in programmes.iter().filter(|p| p.due(&s)) {
            if !items.iter().any(|i| i.programme.meta.id == p.meta.id) {
                items.push(AidItem { programme: p.clone(), amount_fen: p.amount_fen, status: None, notice_end: None, paid_date: None });
            }
        }
        items.sort_by_key(|i| i.programme.meta.id);
        out.push(StudentAid { member_id: s.member, name: s.name, household_id: s.household, grade: s.grade, class_name: s.class_name, items });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// The public notice (公示)

/// One line of a public notice. Deliberately only these four things: a notice is posted on a
/// wall, and never shows an ID number, an address, a poverty cause or a disability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NoticeRow {
    pub name: String,
    pub class_name: String,
    pub grade: Option<i64>,
    pub programme: String,
    pub amount_fen: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notice {
    pub school_name: String,
    pub term: Term,
    pub programme: Option<String>,
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
    pub rows: Vec<NoticeRow>,
    pub total_fen: i64,
}

/// The notice for a term (one programme, or all): the grants school-reviewed or in notice.
pub fn notice(store: &Store, term: Term, programme: Option<RecordId>) -> Result<Notice> {
    let conn = store.conn();
    let mut stmt = conn.prepare_cached(
        "SELECT m.name, coalesce(s.class_name, ''), s.grade, p.name, g.amount_fen, g.notice_start, g.notice_end
         FROM aid_grant g JOIN member m ON m.id = g.member_id JOIN aid_programme p ON p.id = g.programme_id
         LEFT JOIN student s ON s.member_id = g.member_id AND s.deleted_at IS NULL
         WHERE g.deleted_at IS NULL AND g.term = ?1 AND (?2 IS NULL OR g.programme_id = ?2) AND g.status IN ('school_reviewed', 'notice')
         ORDER BY p.id, s.grade, s.class_name, m.name",
    )?;
    let mut rows = Vec::new();
    let (mut start, mut end): (Option<NaiveDate>, Option<NaiveDate>) = (None, None);
    let mut q = stmt.query(params![term, programme])?;
    while let Some(r) = q.next()? {
        rows.push(NoticeRow { name: r.get(0)?, class_name: r.get(1)?, grade: r.get(2)?, programme: r.get(3)?, amount_fen: r.get(4)? });
        let (s, e): (Option<NaiveDate>, Option<NaiveDate>) = (r.get(5)?, r.get(6)?);
        start = match (start, s) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        end = end.max(e);
    }
    let school_name = crate::school::get(store)?.map(|s| s.name).unwrap_or_default();
    let programme = programme.map(|p| self::programme(conn, p)).transpose()?.map(|p| p.name);
    Ok(Notice { school_name, term, programme, start, end, total_fen: rows.iter().map(|r| r.amount_fen).sum(), rows })
}

#[cfg(test)]
mod tests;
