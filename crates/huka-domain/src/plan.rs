//! Support plans (一生一策): one per student per term, with needs and measures in four
//! priority tracks — tutoring first, care first, activities first, aid first — plus
//! psychological support; goals; a responsible teacher; reviews; and a status:
//! draft → active → reviewed ⇄ active → closed (a draft may be closed unused).

use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::error::{Problem, Result, Rule};
use crate::record::{text_enum, Meta, RecordId};
use crate::store::{Store, Writer};
use crate::term::Term;

/// The rules of this module a field can break (their codes and sentences are the window's and
/// the scripts').
pub static DUPLICATE_PLAN: Rule = Rule { code: "duplicate_plan", zh: "该生本学期已有帮扶计划", en: "the student already has a plan for this term" };

/// A plan asked to move in a way its status rules do not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusChange {
    pub from: &'static str,
    pub to: &'static str,
}

impl crate::error::DomainError for StatusChange {
    fn code(&self) -> &'static str {
        "status_change"
    }
    fn message(&self, lang: crate::Lang) -> String {
        let zh = |status: &str| match status {
            "draft" => "草稿",
            "active" => "执行中",
            "reviewed" => "已回顾",
            "closed" => "已结束",
            _ => "未知",
        };
        lang.pick(
            format!("帮扶计划不能从“{}”改为“{}”。", zh(self.from), zh(self.to)),
            format!("A {} support plan cannot become {}.", self.from, self.to),
        )
    }
}

text_enum! {
    pub enum PlanStatus {
        Draft = "draft",
        Active = "active",
        Reviewed = "reviewed",
        Closed = "closed",
    }
}

impl PlanStatus {
    /// Whether a plan may go from `self` to `to`.
    pub fn can_become(self, to: PlanStatus) -> bool {
        use PlanStatus::*;
        matches!((self, to), (Draft, Active) | (Draft, Closed) | (Active, Reviewed) | (Reviewed, Active) | (Active, Closed) | (Reviewed, Closed))
    }

    /// A plan in force: counted as "has an active plan".
    pub fn in_force(self) -> bool {
        matches!(self, PlanStatus::Active | PlanStatus::Reviewed)
    }
}

/// Needs and measures of one track.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Track {
    #[serde(default)]
    pub needs: String,
    #[serde(default)]
    pub measures: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanInput {
    pub member_id: RecordId,
    pub term: Term,
    #[serde(default)]
    pub tutoring: Track,
    #[serde(default)]
    pub care: Track,
    #[serde(default)]
    pub activities: Track,
    #[serde(default)]
    pub aid: Track,
    #[serde(default)]
    pub psychological: Track,
    #[serde(default)]
    pub goals: String,
    #[serde(default)]
    pub responsible_teacher_id: Option<RecordId>,
    /// YYYY-MM-DD; empty: eight weeks after the plan becomes active.
    #[serde(default)]
    pub next_review_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Review {
    #[serde(flatten)]
    pub meta: Meta,
    pub review_date: NaiveDate,
    pub progress: String,
    pub next_steps: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    #[serde(flatten)]
    pub meta: Meta,
    pub member_id: RecordId,
    pub term: Term,
    pub status: PlanStatus,
    pub tutoring: Track,
    pub care: Track,
    pub activities: Track,
    pub aid: Track,
    pub psychological: Track,
    pub goals: String,
    pub responsible_teacher_id: Option<RecordId>,
    pub next_review_date: Option<NaiveDate>,
    /// Newest first.
    pub reviews: Vec<Review>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewInput {
    pub review_date: String,
    #[serde(default)]
    pub progress: String,
    #[serde(default)]
    pub next_steps: String,
    /// When the next review is due; empty: eight weeks after this one.
    #[serde(default)]
    pub next_review_date: Option<String>,
}

const REVIEW_EVERY_DAYS: u64 = 56;

fn track_json(t: &Track) -> String {
    serde_json::to_string(&Track { needs: t.needs.trim().to_string(), measures: t.measures.trim().to_string() }).expect("strings")
}

fn check(conn: &Connection, p: &PlanInput) -> Result<Option<NaiveDate>> {
    let mut c = crate::labels::checks();
    let is_student: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM student WHERE member_id = ?1 AND deleted_at IS NULL)")?
        .query_row([p.member_id], |r| r.get(0))?;
    if !is_student {
        c.add("memberId", Problem::Rule(&crate::student::NOT_A_STUDENT));
    }
    if let Some(t) = p.responsible_teacher_id {
        if crate::teacher::get(conn, t).is_err() {
            c.add("responsibleTeacherId", Problem::Rule(&crate::teacher::UNKNOWN_TEACHER));
        }
    }
    for t in [&p.tutoring, &p.care, &p.activities, &p.aid, &p.psychological] {
        c.max_len("tracks", &t.needs, 3000);
        c.max_len("tracks", &t.measures, 3000);
    }
    c.max_len("goals", &p.goals, 3000);
    let next = c.date("nextReviewDate", p.next_review_date.as_deref(), false, None);
    c.finish()?;
    Ok(next)
}

const SELECT: &str = "SELECT id, created_at, updated_at, device_id, member_id, term, status, tutoring, care, activities, aid,
        psychological, goals, responsible_teacher_id, next_review_date FROM plan";

fn track(s: String) -> Track {
    serde_json::from_str(&s).unwrap_or_default()
}

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Plan> {
    Ok(Plan {
        meta: Meta::from_row(r, 0)?,
        member_id: r.get(4)?,
        term: r.get(5)?,
        status: r.get(6)?,
        tutoring: track(r.get(7)?),
        care: track(r.get(8)?),
        activities: track(r.get(9)?),
        aid: track(r.get(10)?),
        psychological: track(r.get(11)?),
        goals: r.get(12)?,
        responsible_teacher_id: r.get(13)?,
        next_review_date: r.get(14)?,
        reviews: Vec::new(),
    })
}

fn with_reviews(conn: &Connection, mut plan: Plan) -> Result<Plan> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, created_at, updated_at, device_id, review_date, progress, next_steps FROM plan_review
         WHERE plan_id = ?1 AND deleted_at IS NULL ORDER BY review_date DESC, id DESC",
    )?;
    plan.reviews = stmt
        .query_map([plan.meta.id], |r| Ok(Review { meta: Meta::from_row(r, 0)?, review_date: r.get(4)?, progress: r.get(5)?, next_steps: r.get(6)? }))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(plan)
}

pub fn get(conn: &Connection, id: RecordId) -> Result<Plan> {
    let plan = conn
        .prepare_cached(&format!("{SELECT} WHERE id = ?1 AND deleted_at IS NULL"))?
        .query_row([id], from_row)
        .optional()?
        .ok_or(crate::labels::not_found("plan"))?;
    with_reviews(conn, plan)
}

/// A student's plan for a term, if there is one.
pub fn of_member_term(conn: &Connection, member: RecordId, term: Term) -> Result<Option<Plan>> {
    let plan = conn
        .prepare_cached(&format!("{SELECT} WHERE member_id = ?1 AND term = ?2 AND deleted_at IS NULL"))?
        .query_row(params![member, term], from_row)
        .optional()?;
    plan.map(|p| with_reviews(conn, p)).transpose()
}

/// The plans of a household's students, newest term first.
pub fn of_household(conn: &Connection, household: RecordId) -> Result<Vec<Plan>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE deleted_at IS NULL AND member_id IN (SELECT id FROM member WHERE household_id = ?1 AND deleted_at IS NULL)
         ORDER BY term DESC, member_id"
    ))?;
    let plans: Vec<Plan> = stmt.query_map([household], from_row)?.collect::<rusqlite::Result<_>>()?;
    let mut plans: Vec<Plan> = plans.into_iter().map(|p| with_reviews(conn, p)).collect::<Result<_>>()?;
    plans.sort_by(|a, b| (b.term, a.member_id).cmp(&(a.term, b.member_id)));
    Ok(plans)
}

pub(crate) fn insert(w: &Writer<'_>, p: &PlanInput, status: PlanStatus) -> Result<RecordId> {
    let next = check(w.tx(), p)?;
    if of_member_term(w.tx(), p.member_id, p.term)?.is_some() {
        return Err(crate::labels::invalid("term", Problem::Rule(&DUPLICATE_PLAN)));
    }
    let m = w.new_meta();
    w.tx()
        .prepare_cached(
            "INSERT INTO plan (id, member_id, term, status, tutoring, care, activities, aid, psychological, goals,
                 responsible_teacher_id, next_review_date, created_at, updated_at, device_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, ?14)",
        )?
        .execute(params![
            m.id, p.member_id, p.term, status, track_json(&p.tutoring), track_json(&p.care), track_json(&p.activities),
            track_json(&p.aid), track_json(&p.psychological), p.goals.trim(), p.responsible_teacher_id, next, w.now(), w.device_id()
        ])?;
    Ok(m.id)
}

/// A new plan, as a draft.
pub fn create(store: &mut Store, p: &PlanInput) -> Result<Plan> {
    let id = crate::access::ask_care(store, crate::access::Of::Member(p.member_id))?.write(store, |w| insert(w, p, PlanStatus::Draft))?;
    get(store.conn(), id)
}

/// Edits a plan's content; a closed plan cannot be edited.
pub fn update(store: &mut Store, id: RecordId, p: &PlanInput) -> Result<Plan> {
    crate::access::ask_care(store, crate::access::Of::Plan(id))?.write(store, |w| {
        let current = get(w.tx(), id)?;
        if current.status == PlanStatus::Closed {
            return Err(StatusChange { from: "closed", to: "draft" }.into());
        }
        let next = check(w.tx(), p)?;
        w.tx().execute(
            "UPDATE plan SET tutoring = ?2, care = ?3, activities = ?4, aid = ?5, psychological = ?6, goals = ?7,
                 responsible_teacher_id = ?8, next_review_date = ?9, updated_at = ?10, device_id = ?11 WHERE id = ?1",
            params![
                id, track_json(&p.tutoring), track_json(&p.care), track_json(&p.activities), track_json(&p.aid),
                track_json(&p.psychological), p.goals.trim(), p.responsible_teacher_id, next.or(current.next_review_date), w.now(), w.device_id()
            ],
        )?;
        Ok(())
    })?;
    get(store.conn(), id)
}

/// Moves a plan to another status, if the step is allowed. Activating sets the first review
/// date (eight weeks on) unless one is set.
pub fn set_status(store: &mut Store, id: RecordId, to: PlanStatus, today: NaiveDate) -> Result<Plan> {
    crate::access::ask_care(store, crate::access::Of::Plan(id))?.write(store, |w| {
        let current = get(w.tx(), id)?;
        if !current.status.can_become(to) {
            return Err(StatusChange { from: current.status.as_str(), to: to.as_str() }.into());
        }
        let next = match (to, current.next_review_date) {
            (PlanStatus::Active, None) => Some(today + chrono::Days::new(REVIEW_EVERY_DAYS)),
            (_, d) => d,
        };
        w.tx().execute(
            "UPDATE plan SET status = ?2, next_review_date = ?3, updated_at = ?4, device_id = ?5 WHERE id = ?1",
            params![id, to, next, w.now(), w.device_id()],
        )?;
        Ok(())
    })?;
    get(store.conn(), id)
}

/// Records a review of a plan in force: it becomes "reviewed" and the next review is due.
pub fn add_review(store: &mut Store, plan: RecordId, r: &ReviewInput) -> Result<Plan> {
    crate::access::ask_care(store, crate::access::Of::Plan(plan))?.write(store, |w| {
        let current = get(w.tx(), plan)?;
        if !current.status.in_force() {
            return Err(StatusChange { from: current.status.as_str(), to: "reviewed" }.into());
        }
        let mut c = crate::labels::checks();
        let date = c.date("reviewDate", Some(&r.review_date), true, None);
        let next = c.date("nextReviewDate", r.next_review_date.as_deref(), false, None);
        c.max_len("progress", &r.progress, 3000);
        c.finish()?;
        let date = date.expect("checked");
        let m = w.new_meta();
        w.tx().execute(
            "INSERT INTO plan_review (id, plan_id, review_date, progress, next_steps, created_at, updated_at, device_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)",
            params![m.id, plan, date, r.progress.trim(), r.next_steps.trim(), w.now(), w.device_id()],
        )?;
        w.tx().execute(
            "UPDATE plan SET status = 'reviewed', next_review_date = ?2, updated_at = ?3, device_id = ?4 WHERE id = ?1",
            params![plan, next.unwrap_or(date + chrono::Days::new(REVIEW_EVERY_DAYS)), w.now(), w.device_id()],
        )?;
        Ok(())
    })?;
    get(store.conn(), plan)
}

/// Starts this term's plan from the student's plan of the previous term (as a draft).
pub fn copy_previous(store: &mut Store, member: RecordId, term: Term) -> Result<Plan> {
    crate::access::require_care(store, crate::access::Of::Member(member))?;
    let previous = of_member_term(store.conn(), member, term.previous())?.ok_or(crate::labels::not_found("plan"))?;
    let input = PlanInput {
        member_id: member,
        term,
        tutoring: previous.tutoring,
        care: previous.care,
        activities: previous.activities,
        aid: previous.aid,
        psychological: previous.psychological,
        goals: previous.goals,
        responsible_teacher_id: previous.responsible_teacher_id,
        next_review_date: None,
    };
    create(store, &input)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::member::{self, MemberInput};
    use crate::student::StudentInput;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn setup() -> (Store, RecordId) {
        let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
        let h = crate::household::create(&mut store, &crate::household::tests::input("0001", "王建国")).unwrap().meta.id;
        let kid = member::create(&mut store, h, &MemberInput { name: "王小明".into(), student: Some(StudentInput::default()), ..Default::default() })
            .unwrap()
            .meta
            .id;
        (store, kid)
    }

    fn input(kid: RecordId, term: &str) -> PlanInput {
        PlanInput {
            member_id: kid,
            term: Term::parse(term).unwrap(),
            tutoring: Track { needs: "数学基础弱".into(), measures: "每周两次课后辅导".into() },
            care: Track::default(),
            activities: Track::default(),
            aid: Track { needs: "寄宿生活费".into(), measures: "申请寄宿生生活补助".into() },
            psychological: Track::default(),
            goals: "期末数学及格".into(),
            responsible_teacher_id: None,
            next_review_date: None,
        }
    }

    #[test]
    fn status_follows_the_allowed_steps_only() {
        let (mut store, kid) = setup();
        let p = create(&mut store, &input(kid, "2026-autumn")).unwrap();
        assert_eq!(p.status, PlanStatus::Draft);
        let err = set_status(&mut store, p.meta.id, PlanStatus::Reviewed, d(2026, 9, 5)).unwrap_err();
        assert_eq!(err.code(), "status_change");
        assert!(err.message(crate::Lang::Zh).contains("草稿"));
        let p = set_status(&mut store, p.meta.id, PlanStatus::Active, d(2026, 9, 5)).unwrap();
        assert_eq!(p.next_review_date, Some(d(2026, 10, 31)), "first review eight weeks on");
        let p = add_review(&mut store, p.meta.id, &ReviewInput { review_date: "2026-10-30".into(), progress: "进步明显".into(), next_steps: String::new(), next_review_date: None }).unwrap();
        assert_eq!(p.status, PlanStatus::Reviewed);
        assert_eq!(p.reviews.len(), 1);
        assert_eq!(p.next_review_date, Some(d(2026, 12, 25)));
        let p = set_status(&mut store, p.meta.id, PlanStatus::Active, d(2026, 11, 1)).unwrap();
        let p = set_status(&mut store, p.meta.id, PlanStatus::Closed, d(2027, 1, 20)).unwrap();
        assert!(update(&mut store, p.meta.id, &input(kid, "2026-autumn")).is_err(), "a closed plan is not edited");
        assert!(set_status(&mut store, p.meta.id, PlanStatus::Active, d(2027, 1, 21)).is_err());
        for (from, to, ok) in [
            (PlanStatus::Draft, PlanStatus::Closed, true),
            (PlanStatus::Draft, PlanStatus::Reviewed, false),
            (PlanStatus::Closed, PlanStatus::Draft, false),
            (PlanStatus::Reviewed, PlanStatus::Draft, false),
        ] {
            assert_eq!(from.can_become(to), ok, "{from:?} → {to:?}");
        }
    }

    #[test]
    fn one_plan_per_student_per_term_and_copying_last_terms() {
        let (mut store, kid) = setup();
        create(&mut store, &input(kid, "2026-spring")).unwrap();
        let dup = create(&mut store, &input(kid, "2026-spring")).unwrap_err();
        assert_eq!(dup.report().fields[0].code, "duplicate_plan");
        let copied = copy_previous(&mut store, kid, Term::parse("2026-autumn").unwrap()).unwrap();
        assert_eq!(copied.status, PlanStatus::Draft);
        assert_eq!(copied.tutoring.measures, "每周两次课后辅导");
        assert_eq!(copied.term.to_string(), "2026-autumn");
        assert!(copy_previous(&mut store, kid, Term::parse("2027-autumn").unwrap()).is_err(), "no plan in 2027-spring");
    }
}
