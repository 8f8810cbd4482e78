//! Dropout prevention (控辍保学): a case per student who dropped out or is at risk, with the
//! reason, a risk level, the names of the "seven heads" responsible (county head, bureau chief,
//! town head, village head, principal, parent, teacher), a log of persuasion-to-return actions
//! (劝返), and an outcome. The weekly zero report (零报告) is in [`report`].
//!
//! A case is open until its outcome is `returned`, `home_schooling` or `transferred`
//! (`still_out` keeps it open); a student has at most one open case. A case of kind
//! `dropped_out` and the student's enrolment status move together, in the same transaction:
//!
//! * setting a student's status to dropped-out (member form, import) opens a case — or turns the
//!   student's open at-risk case into a dropout; opening or escalating a dropout case sets the
//!   status to dropped-out;
//! * the outcome `returned` or `home_schooling` (送教上门 students stay on the roll) sets the
//!   status back to enrolled, `transferred` to transferred; setting the status back to enrolled
//!   or transferred by hand closes the open dropout case the same way — unless the case was
//!   opened that same day and has no action yet: then it was a slip, and it is withdrawn;
//! * deleting a case withdraws it: a student marked dropped-out by it is enrolled again.

pub mod report;
pub mod week;

use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::error::{Checks, Lang, Problem, Result, Rule};
use crate::record::{text_enum, Meta, RecordId};
use crate::store::{Store, Writer};
use crate::student::EnrolmentStatus;
use crate::text::clean;

pub use report::{confirm_week, summary, week_report, weeks, Confirmation, DropoutSummary, WeekCase, WeekNumbers, WeekReport, WeekState, WeekStatus};
pub use week::IsoWeek;

/// The rules of this module a field can break (their codes and sentences are the window's and
/// the scripts').
pub static OPEN_CASE_EXISTS: Rule = Rule { code: "open_case_exists", zh: "该生已有未结案的控辍保学个案", en: "the student already has an open dropout case" };
pub static BEFORE_REPORTED: Rule = Rule { code: "before_reported", zh: "不能早于上报日期（或辍学日期）", en: "cannot be before the case was reported (or the student left)" };
pub static REPORTED_AFTER_ACTIONS: Rule = Rule { code: "reported_after_actions", zh: "不能晚于已有的劝返记录或结果日期", en: "cannot be after the case's actions or outcome" };
pub static FUTURE_WEEK: Rule = Rule { code: "future_week", zh: "这一周还没开始，不能确认", en: "this week has not begun; it cannot be confirmed yet" };

text_enum! {
    pub enum CaseKind {
        DroppedOut = "dropped_out", // 已辍学
        AtRisk = "at_risk",         // 有辍学风险
    }
}

text_enum! {
    pub enum Reason {
        DislikesSchool = "dislikes_school",          // 厌学
        LeftToWork = "left_to_work",                 // 外出务工
        FamilyHardship = "family_hardship",          // 家庭困难
        IllnessOrDisability = "illness_disability",  // 疾病或残疾
        EarlyMarriage = "early_marriage",            // 早婚
        Other = "other",                             // 其他
    }
}

text_enum! {
    pub enum RiskLevel {
        Low = "low",
        Medium = "medium",
        High = "high",
    }
}

text_enum! {
    pub enum Outcome {
        Returned = "returned",              // 已返校
        HomeSchooling = "home_schooling",   // 送教上门
        Transferred = "transferred",        // 转学
        StillOut = "still_out",             // 仍未返校
    }
}

impl Outcome {
    /// Whether the outcome closes the case (a student still out keeps it open).
    pub fn closes(self) -> bool {
        self != Outcome::StillOut
    }

    /// Whether the student is on the school's roll again (home-schooled students are).
    pub fn back_on_roll(self) -> bool {
        matches!(self, Outcome::Returned | Outcome::HomeSchooling)
    }
}

impl CaseKind {
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (CaseKind::DroppedOut, Lang::Zh) => "辍学",
            (CaseKind::DroppedOut, Lang::En) => "dropped out",
            (CaseKind::AtRisk, Lang::Zh) => "有辍学风险",
            (CaseKind::AtRisk, Lang::En) => "at risk",
        }
    }
}

impl Reason {
    pub fn label(self, lang: Lang) -> &'static str {
        let (zh, en) = match self {
            Reason::DislikesSchool => ("厌学", "dislikes school"),
            Reason::LeftToWork => ("外出务工", "left to work"),
            Reason::FamilyHardship => ("家庭困难", "family hardship"),
            Reason::IllnessOrDisability => ("疾病或残疾", "illness or disability"),
            Reason::EarlyMarriage => ("早婚", "early marriage"),
            Reason::Other => ("其他", "other"),
        };
        if lang == Lang::Zh { zh } else { en }
    }
}

impl Outcome {
    pub fn label(self, lang: Lang) -> &'static str {
        let (zh, en) = match self {
            Outcome::Returned => ("已返校", "returned"),
            Outcome::HomeSchooling => ("送教上门", "home schooling"),
            Outcome::Transferred => ("转学", "transferred"),
            Outcome::StillOut => ("仍未返校", "still out"),
        };
        if lang == Lang::Zh { zh } else { en }
    }
}

/// Whether a case with this outcome is open.
pub fn is_open(outcome: Option<Outcome>) -> bool {
    !outcome.is_some_and(Outcome::closes)
}

/// The names of the "seven heads" (七长) responsible for a case.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SevenHeads {
    /// 县长
    #[serde(default)]
    pub county_head: String,
    /// 教育局长
    #[serde(default)]
    pub bureau_chief: String,
    /// 乡镇长
    #[serde(default)]
    pub town_head: String,
    /// 村长（村支书）
    #[serde(default)]
    pub village_head: String,
    /// 校长
    #[serde(default)]
    pub principal: String,
    /// 家长
    #[serde(default)]
    pub parent: String,
    /// 教师
    #[serde(default)]
    pub teacher: String,
}

/// The form fields of the seven heads, in order.
pub const HEADS: [&str; 7] = ["countyHead", "bureauChief", "townHead", "villageHead", "principal", "parent", "teacher"];
const NAME_MAX: usize = 30;

impl SevenHeads {
    fn names(&self) -> [&String; 7] {
        [&self.county_head, &self.bureau_chief, &self.town_head, &self.village_head, &self.principal, &self.parent, &self.teacher]
    }

    fn cleaned(&self, c: &mut Checks) -> SevenHeads {
        let h = SevenHeads {
            county_head: clean(&self.county_head),
            bureau_chief: clean(&self.bureau_chief),
            town_head: clean(&self.town_head),
            village_head: clean(&self.village_head),
            principal: clean(&self.principal),
            parent: clean(&self.parent),
            teacher: clean(&self.teacher),
        };
        for (field, name) in HEADS.iter().zip(h.names()) {
            c.max_len(field, name, NAME_MAX);
        }
        h
    }

    fn from_row(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<SevenHeads> {
        Ok(SevenHeads {
            county_head: r.get(at)?,
            bureau_chief: r.get(at + 1)?,
            town_head: r.get(at + 2)?,
            village_head: r.get(at + 3)?,
            principal: r.get(at + 4)?,
            parent: r.get(at + 5)?,
            teacher: r.get(at + 6)?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CaseInput {
    /// The student (a member with a student record). The student of a case never changes.
    pub member_id: RecordId,
    pub kind: CaseKind,
    /// YYYY-MM-DD, not in the future.
    pub reported_date: String,
    /// When the student left school (kind `dropped_out`); empty: the reported date — or, when an
    /// at-risk case becomes a dropout, today.
    #[serde(default)]
    pub dropped_out_date: Option<String>,
    pub reason: Reason,
    #[serde(default)]
    pub reason_note: String,
    pub risk_level: RiskLevel,
    #[serde(flatten)]
    pub heads: SevenHeads,
    #[serde(default)]
    pub notes: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutcomeInput {
    /// `None`: no outcome yet (the case is open).
    #[serde(default)]
    pub outcome: Option<Outcome>,
    /// YYYY-MM-DD; required when the outcome closes the case.
    #[serde(default)]
    pub outcome_date: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionInput {
    /// YYYY-MM-DD, not before the case was reported, not in the future.
    pub action_date: String,
    /// Who went (names).
    pub who: String,
    /// What was done or said.
    pub what: String,
    /// What came of it.
    #[serde(default)]
    pub outcome: String,
}

/// One persuasion-to-return action (劝返).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Action {
    #[serde(flatten)]
    pub meta: Meta,
    pub case_id: RecordId,
    pub action_date: NaiveDate,
    pub who: String,
    pub what: String,
    pub outcome: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DropoutCase {
    #[serde(flatten)]
    pub meta: Meta,
    pub member_id: RecordId,
    /// The student, as the card has them now.
    pub name: String,
    pub grade: Option<i64>,
    pub class_name: String,
    pub household_id: RecordId,
    pub head_name: String,
    pub village: String,
    pub kind: CaseKind,
    pub reported_date: NaiveDate,
    pub dropped_out_date: Option<NaiveDate>,
    pub reason: Reason,
    pub reason_note: String,
    pub risk_level: RiskLevel,
    #[serde(flatten)]
    pub heads: SevenHeads,
    pub outcome: Option<Outcome>,
    pub outcome_date: Option<NaiveDate>,
    pub notes: String,
    pub open: bool,
    /// Oldest first: the log reads as a story.
    pub actions: Vec<Action>,
}

/// The newest action of a case, for lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LastAction {
    pub action_date: NaiveDate,
    pub who: String,
    pub what: String,
    pub outcome: String,
}

/// One line of a list of cases. Names and class only: no ID numbers, no family details.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CaseSummary {
    pub id: RecordId,
    pub member_id: RecordId,
    pub name: String,
    pub grade: Option<i64>,
    pub class_name: String,
    pub household_id: RecordId,
    pub village: String,
    pub kind: CaseKind,
    pub reason: Reason,
    pub risk_level: RiskLevel,
    pub reported_date: NaiveDate,
    pub dropped_out_date: Option<NaiveDate>,
    pub outcome: Option<Outcome>,
    pub outcome_date: Option<NaiveDate>,
    pub open: bool,
    /// Days from the report to `today` (to the outcome, once closed).
    pub days_since_reported: i64,
    pub action_count: i64,
    pub last_action: Option<LastAction>,
}

#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub open_only: bool,
    pub household: Option<RecordId>,
    pub member: Option<RecordId>,
}

/// A student who may get a case (the case form's picker).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StudentRef {
    pub member_id: RecordId,
    pub name: String,
    pub grade: Option<i64>,
    pub class_name: String,
    pub household_id: RecordId,
    pub head_name: String,
    pub village: String,
    pub enrolment_status: EnrolmentStatus,
}

/// Today in the computer's own calendar: the day a status change in the member form opens a
/// case on (the window and the CLI send their own `today` everywhere else).
pub(crate) fn local_today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

const SELECT: &str = "SELECT c.id, c.created_at, c.updated_at, c.device_id, c.member_id, m.name, s.grade, s.class_name,
        m.household_id, h.head_name, h.village, c.kind, c.reported_date, c.dropped_out_date, c.reason, c.reason_note,
        c.risk_level, c.county_head, c.bureau_chief, c.town_head, c.village_head, c.principal, c.parent, c.teacher,
        c.outcome, c.outcome_date, c.notes
     FROM dropout_case c JOIN member m ON m.id = c.member_id JOIN household h ON h.id = m.household_id
     LEFT JOIN student s ON s.member_id = c.member_id AND s.deleted_at IS NULL";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DropoutCase> {
    let outcome: Option<Outcome> = r.get(24)?;
    Ok(DropoutCase {
        meta: Meta::from_row(r, 0)?,
        member_id: r.get(4)?,
        name: r.get(5)?,
        grade: r.get(6)?,
        class_name: r.get::<_, Option<String>>(7)?.unwrap_or_default(),
        household_id: r.get(8)?,
        head_name: r.get(9)?,
        village: r.get(10)?,
        kind: r.get(11)?,
        reported_date: r.get(12)?,
        dropped_out_date: r.get(13)?,
        reason: r.get(14)?,
        reason_note: r.get(15)?,
        risk_level: r.get(16)?,
        heads: SevenHeads::from_row(r, 17)?,
        outcome,
        outcome_date: r.get(25)?,
        notes: r.get(26)?,
        open: is_open(outcome),
        actions: Vec::new(),
    })
}

pub fn get(conn: &Connection, id: RecordId) -> Result<DropoutCase> {
    let mut case = conn
        .prepare_cached(&format!("{SELECT} WHERE c.id = ?1 AND c.deleted_at IS NULL"))?
        .query_row([id], from_row)
        .optional()?
        .ok_or(crate::labels::not_found("dropout case"))?;
    let mut stmt = conn.prepare_cached(
        "SELECT id, created_at, updated_at, device_id, case_id, action_date, who, what, outcome FROM dropout_action
         WHERE case_id = ?1 AND deleted_at IS NULL ORDER BY action_date, created_at, id",
    )?;
    case.actions = stmt
        .query_map([id], |r| {
            Ok(Action { meta: Meta::from_row(r, 0)?, case_id: r.get(4)?, action_date: r.get(5)?, who: r.get(6)?, what: r.get(7)?, outcome: r.get(8)? })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(case)
}

/// The student's open case, if any.
pub fn open_case_of(conn: &Connection, member: RecordId) -> Result<Option<DropoutCase>> {
    let id: Option<RecordId> = conn
        .prepare_cached("SELECT id FROM dropout_case WHERE member_id = ?1 AND deleted_at IS NULL AND (outcome IS NULL OR outcome = 'still_out')")?
        .query_row([member], |r| r.get(0))
        .optional()?;
    id.map(|id| get(conn, id)).transpose()
}

/// Cases, open ones first (highest risk, then longest open), then closed ones (latest outcome
/// first).
pub fn list(conn: &Connection, filter: &CaseFilter, today: NaiveDate) -> Result<Vec<CaseSummary>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.id, c.member_id, m.name, s.grade, s.class_name, m.household_id, h.village, c.kind, c.reason, c.risk_level,
                c.reported_date, c.dropped_out_date, c.outcome, c.outcome_date,
                (SELECT count(*) FROM dropout_action a WHERE a.case_id = c.id AND a.deleted_at IS NULL),
                la.action_date, la.who, la.what, la.outcome
         FROM dropout_case c JOIN member m ON m.id = c.member_id JOIN household h ON h.id = m.household_id
         LEFT JOIN student s ON s.member_id = c.member_id AND s.deleted_at IS NULL
         LEFT JOIN dropout_action la ON la.id = (SELECT a.id FROM dropout_action a WHERE a.case_id = c.id AND a.deleted_at IS NULL
                                                 ORDER BY a.action_date DESC, a.created_at DESC, a.id DESC LIMIT 1)
         WHERE c.deleted_at IS NULL
           AND (?1 = 0 OR c.outcome IS NULL OR c.outcome = 'still_out')
           AND (?2 IS NULL OR m.household_id = ?2)
           AND (?3 IS NULL OR c.member_id = ?3)",
    )?;
    let rows = stmt.query_map(params![filter.open_only, filter.household, filter.member], |r| {
        let outcome: Option<Outcome> = r.get(12)?;
        let reported: NaiveDate = r.get(10)?;
        let outcome_date: Option<NaiveDate> = r.get(13)?;
        let open = is_open(outcome);
        let until = if open { today } else { outcome_date.unwrap_or(today) };
        let last_date: Option<NaiveDate> = r.get(15)?;
        Ok(CaseSummary {
            id: r.get(0)?,
            member_id: r.get(1)?,
            name: r.get(2)?,
            grade: r.get(3)?,
            class_name: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
            household_id: r.get(5)?,
            village: r.get(6)?,
            kind: r.get(7)?,
            reason: r.get(8)?,
            risk_level: r.get(9)?,
            reported_date: reported,
            dropped_out_date: r.get(11)?,
            outcome,
            outcome_date,
            open,
            days_since_reported: (until - reported).num_days().max(0),
            action_count: r.get(14)?,
            last_action: match last_date {
                Some(action_date) => Some(LastAction { action_date, who: r.get(16)?, what: r.get(17)?, outcome: r.get(18)? }),
                None => None,
            },
        })
    })?;
    let mut cases: Vec<CaseSummary> = rows.collect::<rusqlite::Result<_>>()?;
    let risk = |r: RiskLevel| match r {
        RiskLevel::High => 0,
        RiskLevel::Medium => 1,
        RiskLevel::Low => 2,
    };
    cases.sort_by(|a, b| {
        b.open.cmp(&a.open).then_with(|| {
            if a.open {
                (risk(a.risk_level), a.reported_date, a.id).cmp(&(risk(b.risk_level), b.reported_date, b.id))
            } else {
                (b.outcome_date, b.id).cmp(&(a.outcome_date, a.id))
            }
        })
    });
    Ok(cases)
}

/// A case after its fields were cleaned and checked.
struct Clean {
    kind: CaseKind,
    reported: NaiveDate,
    dropped_out: Option<NaiveDate>,
    reason: Reason,
    reason_note: String,
    risk: RiskLevel,
    heads: SevenHeads,
    notes: String,
}

fn is_student(conn: &Connection, member: RecordId) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM student s JOIN member m ON m.id = s.member_id
             WHERE s.member_id = ?1 AND s.deleted_at IS NULL AND m.deleted_at IS NULL)",
        )?
        .query_row([member], |r| r.get(0))?)
}

fn check(conn: &Connection, input: &CaseInput, today: NaiveDate, current: Option<&DropoutCase>) -> Result<Clean> {
    let mut c = crate::labels::checks();
    if current.is_none() && !is_student(conn, input.member_id)? {
        c.add("memberId", Problem::Rule(&crate::student::NOT_A_STUDENT));
    }
    let reported = c.date("reportedDate", Some(&input.reported_date), true, Some(today));
    let typed = c.date("droppedOutDate", input.dropped_out_date.as_deref(), false, Some(today));
    let dropped_out = match input.kind {
        CaseKind::AtRisk => None,
        CaseKind::DroppedOut => typed.or(match current {
            Some(cur) if cur.dropped_out_date.is_some() => cur.dropped_out_date,
            // An at-risk case becoming a dropout: the student left today.
            Some(_) => Some(today),
            None => reported,
        }),
    };
    let reason_note = input.reason_note.trim().to_string();
    c.max_len("reasonNote", &reason_note, 200);
    let notes = input.notes.trim().to_string();
    c.max_len("notes", &notes, 2000);
    let heads = input.heads.cleaned(&mut c);
    if let (Some(cur), Some(reported)) = (current, reported) {
        // The report comes first: before every action and the outcome.
        let first_action = cur.actions.iter().map(|a| a.action_date).min();
        if first_action.is_some_and(|d| d < reported) || cur.outcome_date.is_some_and(|d| d < reported) {
            c.add("reportedDate", Problem::Rule(&REPORTED_AFTER_ACTIONS));
        }
    }
    c.finish()?;
    Ok(Clean {
        kind: input.kind,
        reported: reported.expect("checked"),
        dropped_out,
        reason: input.reason,
        reason_note,
        risk: input.risk_level,
        heads,
        notes,
    })
}

/// Sets the student's enrolment status (when they have a student record and it differs).
fn set_status(w: &Writer<'_>, member: RecordId, to: EnrolmentStatus) -> Result<()> {
    w.tx()
        .prepare_cached(
            "UPDATE student SET enrolment_status = ?2, updated_at = ?3, device_id = ?4
             WHERE member_id = ?1 AND deleted_at IS NULL AND enrolment_status <> ?2",
        )?
        .execute(params![member, to, w.now(), w.device_id()])?;
    Ok(())
}

fn insert_clean(w: &Writer<'_>, member: RecordId, c: &Clean) -> Result<RecordId> {
    if open_case_of(w.tx(), member)?.is_some() {
        return Err(crate::labels::invalid("memberId", Problem::Rule(&OPEN_CASE_EXISTS)));
    }
    let m = w.new_meta();
    let h = &c.heads;
    w.tx()
        .prepare_cached(
            "INSERT INTO dropout_case (id, member_id, kind, reported_date, dropped_out_date, reason, reason_note, risk_level,
                 county_head, bureau_chief, town_head, village_head, principal, parent, teacher, notes, created_at, updated_at, device_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?17, ?18)",
        )?
        .execute(params![
            m.id, member, c.kind, c.reported, c.dropped_out, c.reason, c.reason_note, c.risk, h.county_head, h.bureau_chief,
            h.town_head, h.village_head, h.principal, h.parent, h.teacher, c.notes, w.now(), w.device_id()
        ])?;
    if c.kind == CaseKind::DroppedOut {
        set_status(w, member, EnrolmentStatus::DroppedOut)?;
    }
    Ok(m.id)
}

/// Opens a case inside a transaction (also used by the demo generator).
pub(crate) fn insert(w: &Writer<'_>, input: &CaseInput, today: NaiveDate) -> Result<RecordId> {
    let c = check(w.tx(), input, today, None)?;
    insert_clean(w, input.member_id, &c)
}

/// Opens a case for a student. A dropout case marks the student dropped-out.
pub fn create(store: &mut Store, input: &CaseInput, today: NaiveDate) -> Result<DropoutCase> {
    let id = crate::access::ask_care(store, crate::access::Of::Member(input.member_id))?.write(store, |w| insert(w, input, today))?;
    get(store.conn(), id)
}

/// Edits a case's details (not its student, not its outcome). An open at-risk case that
/// becomes a dropout marks the student dropped-out.
pub fn update(store: &mut Store, id: RecordId, input: &CaseInput, today: NaiveDate) -> Result<DropoutCase> {
    crate::access::ask_care(store, crate::access::Of::DropoutCase(id))?.write(store, |w| {
        let current = get(w.tx(), id)?;
        let c = check(w.tx(), input, today, Some(&current))?;
        let h = &c.heads;
        w.tx().execute(
            "UPDATE dropout_case SET kind = ?2, reported_date = ?3, dropped_out_date = ?4, reason = ?5, reason_note = ?6,
                 risk_level = ?7, county_head = ?8, bureau_chief = ?9, town_head = ?10, village_head = ?11, principal = ?12,
                 parent = ?13, teacher = ?14, notes = ?15, updated_at = ?16, device_id = ?17
             WHERE id = ?1",
            params![
                id, c.kind, c.reported, c.dropped_out, c.reason, c.reason_note, c.risk, h.county_head, h.bureau_chief, h.town_head,
                h.village_head, h.principal, h.parent, h.teacher, c.notes, w.now(), w.device_id()
            ],
        )?;
        if current.open && c.kind == CaseKind::DroppedOut {
            set_status(w, current.member_id, EnrolmentStatus::DroppedOut)?;
        }
        Ok(())
    })?;
    get(store.conn(), id)
}

fn write_outcome(w: &Writer<'_>, current: &DropoutCase, outcome: Option<Outcome>, date: Option<NaiveDate>) -> Result<()> {
    w.tx()
        .prepare_cached("UPDATE dropout_case SET outcome = ?2, outcome_date = ?3, updated_at = ?4, device_id = ?5 WHERE id = ?1")?
        .execute(params![current.meta.id, outcome, date, w.now(), w.device_id()])?;
    let dropout = current.kind == CaseKind::DroppedOut;
    match outcome {
        Some(o) if o.back_on_roll() && dropout => set_status(w, current.member_id, EnrolmentStatus::Enrolled)?,
        Some(Outcome::Transferred) => set_status(w, current.member_id, EnrolmentStatus::TransferredOut)?,
        // Reopened: the student is out again.
        o if dropout && is_open(o) && !current.open => set_status(w, current.member_id, EnrolmentStatus::DroppedOut)?,
        _ => {}
    }
    Ok(())
}

/// Closes a case inside a transaction, unchecked (the demo generator).
pub(crate) fn close(w: &Writer<'_>, id: RecordId, outcome: Outcome, date: NaiveDate) -> Result<()> {
    let current = get(w.tx(), id)?;
    write_outcome(w, &current, Some(outcome), Some(date))
}

/// Records (or corrects) a case's outcome. `returned` and `home_schooling` put the student back
/// on the roll, `transferred` marks them transferred; taking a closing outcome away reopens the
/// case.
pub fn set_outcome(store: &mut Store, id: RecordId, input: &OutcomeInput, today: NaiveDate) -> Result<DropoutCase> {
    crate::access::ask_care(store, crate::access::Of::DropoutCase(id))?.write(store, |w| {
        let current = get(w.tx(), id)?;
        let mut c = crate::labels::checks();
        let date = match input.outcome {
            None => None,
            Some(o) => c.date("outcomeDate", input.outcome_date.as_deref(), o.closes(), Some(today)),
        };
        let earliest = current.dropped_out_date.map_or(current.reported_date, |d| d.max(current.reported_date));
        if date.is_some_and(|d| d < earliest) {
            c.add("outcomeDate", Problem::Rule(&BEFORE_REPORTED));
        }
        if !current.open && is_open(input.outcome) {
            if let Some(other) = open_case_of(w.tx(), current.member_id)? {
                if other.meta.id != id {
                    c.add("outcome", Problem::Rule(&OPEN_CASE_EXISTS));
                }
            }
        }
        c.finish()?;
        write_outcome(w, &current, input.outcome, date)
    })?;
    get(store.conn(), id)
}

/// Logs an action on a case inside a transaction (also used by the demo generator).
pub(crate) fn insert_action(w: &Writer<'_>, case_id: RecordId, input: &ActionInput, today: NaiveDate) -> Result<RecordId> {
    let case = get(w.tx(), case_id)?;
    let mut c = crate::labels::checks();
    let date = c.date("actionDate", Some(&input.action_date), true, Some(today));
    if date.is_some_and(|d| d < case.reported_date) {
        c.add("actionDate", Problem::Rule(&BEFORE_REPORTED));
    }
    let who = clean(&input.who);
    c.required("who", &who);
    c.max_len("who", &who, 100);
    let what = input.what.trim();
    c.required("what", what);
    c.max_len("what", what, 500);
    let outcome = input.outcome.trim();
    c.max_len("actionOutcome", outcome, 500);
    c.finish()?;
    let m = w.new_meta();
    w.tx()
        .prepare_cached(
            "INSERT INTO dropout_action (id, case_id, action_date, who, what, outcome, created_at, updated_at, device_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)",
        )?
        .execute(params![m.id, case_id, date, who, what, outcome, w.now(), w.device_id()])?;
    Ok(m.id)
}

/// Adds a persuasion-to-return action to a case's log.
pub fn add_action(store: &mut Store, case_id: RecordId, input: &ActionInput, today: NaiveDate) -> Result<DropoutCase> {
    crate::access::ask_care(store, crate::access::Of::DropoutCase(case_id))?.write(store, |w| insert_action(w, case_id, input, today))?;
    get(store.conn(), case_id)
}

/// Removes an action from its case's log (tombstone); returns the case.
pub fn delete_action(store: &mut Store, action_id: RecordId) -> Result<DropoutCase> {
    let case_id = crate::access::ask_care(store, crate::access::Of::DropoutAction(action_id))?.write(store, |w| {
        let case_id: RecordId = w
            .tx()
            .query_row("SELECT case_id FROM dropout_action WHERE id = ?1 AND deleted_at IS NULL", [action_id], |r| r.get(0))
            .optional()?
            .ok_or(crate::labels::not_found("dropout action"))?;
        w.tombstone("dropout_action", crate::labels::not_found("dropout action"), action_id)?;
        Ok(case_id)
    })?;
    get(store.conn(), case_id)
}

/// Deletes a case (tombstone) with its actions. An open dropout case is withdrawn: the
/// student it marked dropped-out is enrolled again.
pub fn delete(store: &mut Store, id: RecordId) -> Result<()> {
    crate::access::ask_care(store, crate::access::Of::DropoutCase(id))?.write(store, |w| {
        let current = get(w.tx(), id)?;
        withdraw(w, &current)
    })
}

fn withdraw(w: &Writer<'_>, case: &DropoutCase) -> Result<()> {
    w.tx().execute(
        "UPDATE dropout_action SET deleted_at = ?2, updated_at = ?2, device_id = ?3 WHERE deleted_at IS NULL AND case_id = ?1",
        params![case.meta.id, w.now(), w.device_id()],
    )?;
    w.tombstone("dropout_case", crate::labels::not_found("dropout case"), case.meta.id)?;
    if case.open && case.kind == CaseKind::DroppedOut {
        w.tx().execute(
            "UPDATE student SET enrolment_status = 'enrolled', updated_at = ?2, device_id = ?3
             WHERE member_id = ?1 AND deleted_at IS NULL AND enrolment_status = 'dropped_out'",
            params![case.member_id, w.now(), w.device_id()],
        )?;
    }
    Ok(())
}

/// Tombstones the cases (and their actions) of the members that `members` selects — an SQL
/// query of member ids with one parameter, `?1` — when a member or a household card is deleted.
pub(crate) fn tombstone_cases_of(w: &Writer<'_>, members: &str, arg: RecordId) -> Result<()> {
    w.tx().execute(
        &format!(
            "UPDATE dropout_action SET deleted_at = ?2, updated_at = ?2, device_id = ?3
             WHERE deleted_at IS NULL AND case_id IN (SELECT id FROM dropout_case WHERE member_id IN ({members}))"
        ),
        params![arg, w.now(), w.device_id()],
    )?;
    w.tx().execute(
        &format!("UPDATE dropout_case SET deleted_at = ?2, updated_at = ?2, device_id = ?3 WHERE deleted_at IS NULL AND member_id IN ({members})"),
        params![arg, w.now(), w.device_id()],
    )?;
    Ok(())
}

impl crate::student::EnrolmentFollows for Writer<'_> {
    fn enrolment_changed(&self, member: RecordId, before: Option<EnrolmentStatus>, after: Option<EnrolmentStatus>) -> Result<()> {
        enrolment_changed(self, member, before, after)
    }
}

/// Keeps the cases in step when a student's enrolment status changes through the member form
/// (or an import): see the module documentation. Called inside the member's transaction.
fn enrolment_changed(w: &Writer<'_>, member: RecordId, before: Option<EnrolmentStatus>, after: Option<EnrolmentStatus>) -> Result<()> {
    use EnrolmentStatus::*;
    if before == after {
        return Ok(());
    }
    let today = local_today();
    let open = open_case_of(w.tx(), member)?;
    match (after, open) {
        (Some(DroppedOut), None) => {
            let input = CaseInput {
                member_id: member,
                kind: CaseKind::DroppedOut,
                reported_date: today.to_string(),
                dropped_out_date: None,
                reason: Reason::Other,
                reason_note: String::new(),
                risk_level: RiskLevel::High,
                heads: defaults(w.tx(), Some(member))?,
                notes: String::new(),
            };
            insert(w, &input, today)?;
        }
        (Some(DroppedOut), Some(case)) if case.kind == CaseKind::AtRisk => {
            w.tx().execute(
                "UPDATE dropout_case SET kind = 'dropped_out', dropped_out_date = ?2, updated_at = ?3, device_id = ?4 WHERE id = ?1",
                params![case.meta.id, today.max(case.reported_date), w.now(), w.device_id()],
            )?;
        }
        (Some(to @ (Enrolled | TransferredOut)), Some(case)) if before == Some(DroppedOut) && case.kind == CaseKind::DroppedOut => {
            if to == Enrolled && case.reported_date == today && case.actions.is_empty() {
                // Marked dropped-out and back the same day with nothing done: a slip, withdrawn.
                withdraw(w, &case)?;
            } else {
                let outcome = if to == Enrolled { Outcome::Returned } else { Outcome::Transferred };
                let date = today.max(case.dropped_out_date.unwrap_or(case.reported_date)).max(case.reported_date);
                w.tx().execute(
                    "UPDATE dropout_case SET outcome = ?2, outcome_date = ?3, updated_at = ?4, device_id = ?5 WHERE id = ?1",
                    params![case.meta.id, outcome, date, w.now(), w.device_id()],
                )?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// The seven heads a new case starts with, so that names are not typed again: the county head,
/// bureau chief and principal of the school's latest case (the principal teacher when there is
/// none), the town head and village head of the latest case in the student's town and village;
/// the parent and teacher of the student's own last case, else the head of the household and
/// the student's helper teacher (or a teacher responsible for the household).
pub fn defaults(conn: &Connection, member: Option<RecordId>) -> Result<SevenHeads> {
    let last = |filter: &str, arg: &dyn rusqlite::ToSql| -> Result<Option<SevenHeads>> {
        Ok(conn
            .prepare_cached(&format!(
                "SELECT c.county_head, c.bureau_chief, c.town_head, c.village_head, c.principal, c.parent, c.teacher
                 FROM dropout_case c JOIN member m ON m.id = c.member_id JOIN household h ON h.id = m.household_id
                 WHERE c.deleted_at IS NULL AND {filter} ORDER BY c.created_at DESC, c.id DESC LIMIT 1"
            ))?
            .query_row([arg], |r| SevenHeads::from_row(r, 0))
            .optional()?)
    };
    let any = last("?1 IS NULL", &rusqlite::types::Null)?.unwrap_or_default();
    let principal = if any.principal.is_empty() {
        conn.query_row("SELECT name FROM teacher WHERE deleted_at IS NULL AND role = 'principal' ORDER BY created_at LIMIT 1", [], |r| r.get(0))
            .optional()?
            .unwrap_or_default()
    } else {
        any.principal.clone()
    };
    let mut heads = SevenHeads { county_head: any.county_head, bureau_chief: any.bureau_chief, principal, ..SevenHeads::default() };
    let Some(member) = member else {
        heads.town_head = any.town_head;
        return Ok(heads);
    };
    let place: Option<(RecordId, String, String, String)> = conn
        .query_row(
            "SELECT h.id, h.town, h.village, h.head_name FROM member m JOIN household h ON h.id = m.household_id WHERE m.id = ?1",
            [member],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((household, town, village, head_name)) = place else { return Ok(heads) };
    if let Some(t) = last("h.town = ?1 AND c.town_head <> ''", &town)? {
        heads.town_head = t.town_head;
    }
    if let Some(v) = last("h.town || '/' || h.village = ?1 AND c.village_head <> ''", &format!("{town}/{village}"))? {
        heads.village_head = v.village_head;
    }
    let own = last("c.member_id = ?1", &member)?;
    heads.parent = own.as_ref().map(|o| o.parent.clone()).filter(|p| !p.is_empty()).unwrap_or(head_name);
    let helper: Option<String> = conn
        .query_row(
            "SELECT t.name FROM pairing p JOIN teacher t ON t.id = p.teacher_id
             WHERE p.member_id = ?1 AND p.deleted_at IS NULL AND p.end_date IS NULL",
            [member],
            |r| r.get(0),
        )
        .optional()?;
    let responsible = || -> Result<Option<String>> {
        Ok(conn
            .query_row(
                "SELECT t.name FROM household_teacher ht JOIN teacher t ON t.id = ht.teacher_id
                 WHERE ht.household_id = ?1 AND ht.deleted_at IS NULL AND t.deleted_at IS NULL ORDER BY ht.created_at LIMIT 1",
                [household],
                |r| r.get(0),
            )
            .optional()?)
    };
    heads.teacher = match helper.or_else(|| own.map(|o| o.teacher).filter(|t| !t.is_empty())) {
        Some(t) => t,
        None => responsible()?.unwrap_or_default(),
    };
    Ok(heads)
}

/// Students who may get a new case: in school (enrolled, suspended or dropped out) with no open
/// case, whose name, village or head of household contains `search`; by class.
pub fn candidates(conn: &Connection, search: &str, limit: usize) -> Result<Vec<StudentRef>> {
    let pattern = format!("%{}%", clean(search).replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
    let mut stmt = conn.prepare_cached(
        "SELECT m.id, m.name, s.grade, s.class_name, h.id, h.head_name, h.village, s.enrolment_status
         FROM student s JOIN member m ON m.id = s.member_id JOIN household h ON h.id = m.household_id
         WHERE s.deleted_at IS NULL AND m.deleted_at IS NULL AND h.deleted_at IS NULL
           AND s.enrolment_status IN ('enrolled', 'suspended', 'dropped_out')
           AND NOT EXISTS (SELECT 1 FROM dropout_case c WHERE c.member_id = m.id AND c.deleted_at IS NULL
                           AND (c.outcome IS NULL OR c.outcome = 'still_out'))
           AND (m.name LIKE ?1 ESCAPE '\\' OR h.village LIKE ?1 ESCAPE '\\' OR h.head_name LIKE ?1 ESCAPE '\\')
         ORDER BY s.grade, s.class_name, m.name, m.id
         LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![pattern, limit], |r| {
        Ok(StudentRef {
            member_id: r.get(0)?,
            name: r.get(1)?,
            grade: r.get(2)?,
            class_name: r.get(3)?,
            household_id: r.get(4)?,
            head_name: r.get(5)?,
            village: r.get(6)?,
            enrolment_status: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
pub(crate) mod tests;
