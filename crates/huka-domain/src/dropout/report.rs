//! The weekly zero report (零报告): for each ISO week, the students enrolled, new dropouts,
//! returns and open dropout cases — "zero" when nobody dropped out. Computed from the cases;
//! once the principal confirms a week its numbers are stored as confirmed (kept for the county
//! export), and a later difference in the records is flagged, never silently applied. Every
//! week of a term up to today is listed, so a week nobody confirmed is visible.
//!
//! How a week is counted (cases of kind `dropped_out` only; at-risk cases are not dropouts):
//! * new dropouts: cases whose student dropped out within the week;
//! * returns: cases with the outcome `returned` dated within the week;
//! * open cases: students who dropped out by the week's end and whose case was not closed by then;
//! * enrolment: the students enrolled now, taken back to the week's end through the cases — a
//!   student out of school at the week's end was not enrolled then, a student who dropped out
//!   (and is not back) after it was.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::week::IsoWeek;
use super::{CaseKind, Outcome, Reason};
use crate::error::{Problem, Result};
use crate::record::{format_time, text_enum, RecordId};
use crate::store::{Store, Writer};
use crate::student::EnrolmentStatus;
use crate::term::Term;
use crate::text::clean;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WeekNumbers {
    pub enrolment: i64,
    pub new_dropouts: i64,
    pub returns: i64,
    pub open_cases: i64,
}

text_enum! {
    pub enum WeekState {
        /// The principal confirmed it.
        Confirmed = "confirmed",
        /// Over, and nobody confirmed it.
        Missing = "missing",
        /// This week, not confirmed yet.
        Current = "current",
        /// Not begun.
        Future = "future",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Confirmation {
    pub by: String,
    pub at: DateTime<Utc>,
}

/// A week's numbers and whether they were confirmed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WeekStatus {
    pub week: IsoWeek,
    /// Monday.
    pub start: NaiveDate,
    /// Sunday.
    pub end: NaiveDate,
    /// As confirmed, for a confirmed week; else as the records give them today.
    #[serde(flatten)]
    pub numbers: WeekNumbers,
    /// No new dropout.
    pub zero: bool,
    pub state: WeekState,
    pub confirmed: Option<Confirmation>,
    /// A confirmed week whose records now give other numbers.
    pub changed: bool,
    /// What the records give now, when `changed`.
    pub recomputed: Option<WeekNumbers>,
}

/// A student counted in a week: who dropped out, who came back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WeekCase {
    pub case_id: RecordId,
    pub member_id: RecordId,
    pub name: String,
    pub grade: Option<i64>,
    pub class_name: String,
    pub date: NaiveDate,
    pub reason: Reason,
}

/// One week's report: its numbers, and the students behind the new dropouts and returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WeekReport {
    #[serde(flatten)]
    pub status: WeekStatus,
    pub dropouts: Vec<WeekCase>,
    pub returned: Vec<WeekCase>,
}

/// A term's dropout prevention, for the county export. Counts only; no names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DropoutSummary {
    pub term: Term,
    /// The day the counts stand at: the term's last day, or today while the term runs.
    pub as_of: NaiveDate,
    /// Cases reported within the term (dropouts and students at risk).
    pub cases_opened: i64,
    /// Students who dropped out within the term.
    pub dropouts: i64,
    /// Cases closed as returned within the term.
    pub returned: i64,
    /// Dropout cases still open on `as_of`.
    pub still_open: i64,
    /// At-risk cases open on `as_of`.
    pub at_risk_open: i64,
    pub weeks_confirmed: i64,
    pub weeks_missing: i64,
    /// Every week of the term up to `as_of`, oldest first.
    pub weeks: Vec<WeekStatus>,
}

/// A dropout case as the counts need it.
struct CaseRow {
    member: RecordId,
    kind: CaseKind,
    reported: NaiveDate,
    dropped_out: Option<NaiveDate>,
    outcome: Option<Outcome>,
    outcome_date: Option<NaiveDate>,
}

impl CaseRow {
    fn left_school(&self) -> NaiveDate {
        self.dropped_out.unwrap_or(self.reported)
    }
    fn closed_by(&self, day: NaiveDate) -> bool {
        self.outcome.is_some_and(Outcome::closes) && self.outcome_date.is_some_and(|d| d <= day)
    }
    fn open_on(&self, day: NaiveDate) -> bool {
        self.reported <= day && !self.closed_by(day)
    }
    fn out_on(&self, day: NaiveDate) -> bool {
        self.left_school() <= day && !self.closed_by(day)
    }
}

/// What every week's numbers are computed from, read once.
struct Records {
    enrolled_now: i64,
    /// Dropout cases by student, with whether the student is enrolled now (`None`: no longer a student).
    students: HashMap<RecordId, (Option<bool>, Vec<CaseRow>)>,
    at_risk: Vec<CaseRow>,
}

impl Records {
    fn load(conn: &Connection) -> Result<Records> {
        let enrolled_now: i64 = conn.query_row(
            "SELECT count(*) FROM student s INDEXED BY student_enrolled JOIN member m ON m.id = s.member_id
             WHERE s.deleted_at IS NULL AND s.enrolment_status = 'enrolled' AND m.deleted_at IS NULL",
            [],
            |r| r.get(0),
        )?;
        let mut stmt = conn.prepare_cached(
            "SELECT c.member_id, c.kind, c.reported_date, c.dropped_out_date, c.outcome, c.outcome_date, s.enrolment_status
             FROM dropout_case c LEFT JOIN student s ON s.member_id = c.member_id AND s.deleted_at IS NULL
             WHERE c.deleted_at IS NULL",
        )?;
        let mut students: HashMap<RecordId, (Option<bool>, Vec<CaseRow>)> = HashMap::new();
        let mut at_risk = Vec::new();
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let case = CaseRow {
                member: r.get(0)?,
                kind: r.get(1)?,
                reported: r.get(2)?,
                dropped_out: r.get(3)?,
                outcome: r.get(4)?,
                outcome_date: r.get(5)?,
            };
            let status: Option<EnrolmentStatus> = r.get(6)?;
            if case.kind == CaseKind::AtRisk {
                at_risk.push(case);
            } else {
                students.entry(case.member).or_insert_with(|| (status.map(|s| s == EnrolmentStatus::Enrolled), Vec::new())).1.push(case);
            }
        }
        Ok(Records { enrolled_now, students, at_risk })
    }

    fn dropouts(&self) -> impl Iterator<Item = &CaseRow> {
        self.students.values().flat_map(|(_, cases)| cases)
    }

    fn numbers(&self, week: IsoWeek) -> WeekNumbers {
        let end = week.sunday();
        let mut n = WeekNumbers { enrolment: self.enrolled_now, ..WeekNumbers::default() };
        for case in self.dropouts() {
            n.new_dropouts += i64::from(week.contains(case.left_school()));
            n.returns += i64::from(case.outcome == Some(Outcome::Returned) && case.outcome_date.is_some_and(|d| week.contains(d)));
            n.open_cases += i64::from(case.out_on(end));
        }
        for (enrolled_now, cases) in self.students.values() {
            let Some(enrolled_now) = *enrolled_now else { continue };
            let out = cases.iter().any(|c| c.out_on(end));
            let left = cases.iter().any(|c| c.outcome == Some(Outcome::Transferred) && c.closed_by(end));
            let enrolled_then = if out || left {
                false
            } else if cases.iter().any(|c| c.left_school() > end) {
                // They dropped out later (and may not be back yet): in school at the week's end.
                true
            } else {
                enrolled_now
            };
            n.enrolment += i64::from(enrolled_then) - i64::from(enrolled_now);
        }
        n
    }
}

fn stored(conn: &Connection, from: IsoWeek, to: IsoWeek) -> Result<HashMap<IsoWeek, (WeekNumbers, Confirmation)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT week, enrolment, new_dropouts, returns, open_cases, confirmed_by, confirmed_at FROM dropout_week
         WHERE deleted_at IS NULL AND week BETWEEN ?1 AND ?2",
    )?;
    let rows = stmt.query_map(params![from, to], |r| {
        let at: String = r.get(6)?;
        let at = DateTime::parse_from_rfc3339(&at)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(6, rusqlite::types::Type::Text, Box::new(e)))?;
        Ok((
            r.get::<_, IsoWeek>(0)?,
            (WeekNumbers { enrolment: r.get(1)?, new_dropouts: r.get(2)?, returns: r.get(3)?, open_cases: r.get(4)? }, Confirmation { by: r.get(5)?, at }),
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn status(week: IsoWeek, computed: WeekNumbers, stored: Option<(WeekNumbers, Confirmation)>, today: NaiveDate) -> WeekStatus {
    let (numbers, confirmed) = match stored {
        Some((n, c)) => (n, Some(c)),
        None => (computed, None),
    };
    let changed = confirmed.is_some() && numbers != computed;
    let state = if confirmed.is_some() {
        WeekState::Confirmed
    } else if week.sunday() < today {
        WeekState::Missing
    } else if week.monday() <= today {
        WeekState::Current
    } else {
        WeekState::Future
    };
    WeekStatus {
        week,
        start: week.monday(),
        end: week.sunday(),
        numbers,
        zero: numbers.new_dropouts == 0,
        state,
        confirmed,
        changed,
        recomputed: changed.then_some(computed),
    }
}

fn week_cases(conn: &Connection, week: IsoWeek, returns: bool) -> Result<Vec<WeekCase>> {
    let (date, filter) = if returns {
        ("c.outcome_date", "c.outcome = 'returned'")
    } else {
        ("coalesce(c.dropped_out_date, c.reported_date)", "1")
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT c.id, c.member_id, m.name, s.grade, s.class_name, {date}, c.reason
         FROM dropout_case c JOIN member m ON m.id = c.member_id
         LEFT JOIN student s ON s.member_id = c.member_id AND s.deleted_at IS NULL
         WHERE c.deleted_at IS NULL AND c.kind = 'dropped_out' AND {filter} AND {date} BETWEEN ?1 AND ?2
         ORDER BY {date}, m.name"
    ))?;
    let rows = stmt.query_map(params![week.monday(), week.sunday()], |r| {
        Ok(WeekCase {
            case_id: r.get(0)?,
            member_id: r.get(1)?,
            name: r.get(2)?,
            grade: r.get(3)?,
            class_name: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
            date: r.get(5)?,
            reason: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn report(conn: &Connection, week: IsoWeek, today: NaiveDate) -> Result<WeekReport> {
    let computed = Records::load(conn)?.numbers(week);
    let stored = stored(conn, week, week)?.remove(&week);
    Ok(WeekReport {
        status: status(week, computed, stored, today),
        dropouts: week_cases(conn, week, false)?,
        returned: week_cases(conn, week, true)?,
    })
}

/// The report of one week: as confirmed, or as the records give it now.
pub fn week_report(store: &Store, week: IsoWeek, today: NaiveDate) -> Result<WeekReport> {
    report(store.conn(), week, today)
}

/// Stores a week's numbers as the records give them now, confirmed by `by` (the principal).
/// Confirming a week again replaces its numbers. Weeks that have not begun are refused.
pub fn confirm_week(store: &mut Store, week: IsoWeek, by: &str, today: NaiveDate) -> Result<WeekReport> {
    crate::access::write(store, crate::access::Action::ConfirmWeek, |w| {
        let mut c = crate::labels::checks();
        if week.monday() > today {
            c.add("week", Problem::Rule(&crate::dropout::FUTURE_WEEK));
        }
        let by = clean(by);
        c.required("confirmedBy", &by);
        c.max_len("confirmedBy", &by, 30);
        c.finish()?;
        let numbers = Records::load(w.tx())?.numbers(week);
        store_week(w, week, numbers, &by, &w.now())
    })?;
    week_report(store, week, today)
}

/// Writes a confirmed week (replacing a confirmation of the same week).
pub(crate) fn store_week(w: &Writer<'_>, week: IsoWeek, n: WeekNumbers, by: &str, at: &str) -> Result<()> {
    let existing: Option<RecordId> =
        w.tx().query_row("SELECT id FROM dropout_week WHERE week = ?1 AND deleted_at IS NULL", [week], |r| r.get(0)).optional()?;
    match existing {
        Some(id) => {
            w.tx().execute(
                "UPDATE dropout_week SET enrolment = ?2, new_dropouts = ?3, returns = ?4, open_cases = ?5, confirmed_by = ?6,
                     confirmed_at = ?7, updated_at = ?8, device_id = ?9 WHERE id = ?1",
                params![id, n.enrolment, n.new_dropouts, n.returns, n.open_cases, by, at, w.now(), w.device_id()],
            )?;
        }
        None => {
            let m = w.new_meta();
            w.tx().execute(
                "INSERT INTO dropout_week (id, week, enrolment, new_dropouts, returns, open_cases, confirmed_by, confirmed_at,
                     created_at, updated_at, device_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10)",
                params![m.id, week, n.enrolment, n.new_dropouts, n.returns, n.open_cases, by, at, w.now(), w.device_id()],
            )?;
        }
    }
    Ok(())
}

/// The weeks of `term` from its first up to `today`'s (or the term's last), oldest first.
fn term_weeks(term: Term, today: NaiveDate) -> Vec<IsoWeek> {
    let mut out = Vec::new();
    if today < term.start() {
        return out;
    }
    let last = IsoWeek::of(term.end().min(today));
    let mut week = IsoWeek::of(term.start());
    while week <= last {
        out.push(week);
        week = week.next();
    }
    out
}

fn statuses(conn: &Connection, term: Term, today: NaiveDate) -> Result<Vec<WeekStatus>> {
    let weeks = term_weeks(term, today);
    let (Some(&first), Some(&last)) = (weeks.first(), weeks.last()) else { return Ok(Vec::new()) };
    let records = Records::load(conn)?;
    let mut stored = stored(conn, first, last)?;
    Ok(weeks.into_iter().map(|w| status(w, records.numbers(w), stored.remove(&w), today)).collect())
}

/// Every week of the term up to today's, newest first: confirmed, missing, or this week.
pub fn weeks(store: &Store, term: Term, today: NaiveDate) -> Result<Vec<WeekStatus>> {
    let mut weeks = statuses(store.conn(), term, today)?;
    weeks.reverse();
    Ok(weeks)
}

/// The term's dropout prevention in numbers, with its weekly reports (for the county export).
pub fn summary(store: &Store, term: Term, today: NaiveDate) -> Result<DropoutSummary> {
    let conn = store.conn();
    let as_of = term.end().min(today);
    let records = Records::load(conn)?;
    let in_term = |d: NaiveDate| term.start() <= d && d <= as_of;
    let dropouts: Vec<&CaseRow> = records.dropouts().collect();
    let weeks = statuses(conn, term, today)?;
    Ok(DropoutSummary {
        term,
        as_of,
        cases_opened: dropouts.iter().copied().chain(&records.at_risk).filter(|c| in_term(c.reported)).count() as i64,
        dropouts: dropouts.iter().filter(|c| in_term(c.left_school())).count() as i64,
        returned: dropouts.iter().filter(|c| c.outcome == Some(Outcome::Returned) && c.outcome_date.is_some_and(in_term)).count() as i64,
        still_open: dropouts.iter().filter(|c| c.out_on(as_of)).count() as i64,
        at_risk_open: records.at_risk.iter().filter(|c| c.open_on(as_of)).count() as i64,
        weeks_confirmed: weeks.iter().filter(|w| w.state == WeekState::Confirmed).count() as i64,
        weeks_missing: weeks.iter().filter(|w| w.state == WeekState::Missing).count() as i64,
        weeks,
    })
}

/// Confirms the weeks of the current term that are over, as of `at` each (the demo's history).
pub(crate) fn confirm_past_weeks(w: &Writer<'_>, today: NaiveDate, by: &str, skip: &dyn Fn(usize, usize) -> bool) -> Result<()> {
    let records = Records::load(w.tx())?;
    let past: Vec<IsoWeek> = term_weeks(Term::of(today), today).into_iter().filter(|wk| wk.sunday() < today).collect();
    for (i, week) in past.iter().enumerate() {
        if skip(i, past.len()) {
            continue;
        }
        // Confirmed on the Monday after, at 9 in the morning Beijing time.
        let at = (week.sunday() + chrono::Days::new(1)).and_hms_opt(1, 0, 0).expect("a time").and_utc();
        store_week(w, *week, records.numbers(*week), by, &format_time(at))?;
    }
    Ok(())
}
