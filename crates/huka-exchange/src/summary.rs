//! The school's summary for a term: the numbers the county bureau asks for — students by
//! stage, registered-poor students, pairing / plan / visit coverage, aid per programme,
//! dropout cases and weekly reports. It is `summary.json` in the county bundle, and the
//! county adds the summaries of its schools up with [`Figures::add`].
//!
//! Every figure is a count or an amount in fen, so that the county's totals are plain sums.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rusqlite::params;
use serde::{Deserialize, Serialize};

use crate::coverage;
use crate::error::Result;
use crate::school;
use crate::store::Store;
use crate::term::Term;
use crate::school::SchoolError;

/// The school a summary belongs to, as it names itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SchoolRef {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub town: String,
    /// Supervision district (督学责任区).
    #[serde(default)]
    pub district: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub school: SchoolRef,
    pub term: Term,
    /// The day "overdue" is counted on: the export day, or the term's last day once it is over.
    pub as_of: NaiveDate,
    #[serde(flatten)]
    pub figures: Figures,
}

/// The numbers of a summary; also the county's totals per town, district and county.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Figures {
    pub students: StudentFigures,
    pub coverage: CoverageFigures,
    #[serde(default)]
    pub aid: AidFigures,
    #[serde(default)]
    pub dropout: DropoutFigures,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StudentFigures {
    /// Enrolled students on any household card.
    pub enrolled: i64,
    /// By stage code (`primary`, `junior` …).
    pub enrolled_by_stage: BTreeMap<String, i64>,
    /// Enrolled students from a household on a poverty list (status other than `none`).
    pub registered_poor: i64,
    pub registered_poor_by_stage: BTreeMap<String, i64>,
    /// By household status code (`registered_poor`, `minimum_allowance` …).
    pub registered_poor_by_status: BTreeMap<String, i64>,
    /// Households on a poverty list with a student enrolled.
    pub households: i64,
    /// Among the registered-poor students.
    pub boarding: i64,
    pub left_behind: i64,
    pub disabled: i64,
    pub orphan: i64,
    pub single_parent: i64,
}

/// The term's 一教一帮 / 一生一策 / 家访 coverage of registered-poor students.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CoverageFigures {
    pub students: i64,
    /// With a current helper teacher.
    pub paired: i64,
    /// With a support plan in force (active or reviewed) for the term.
    pub with_plan: i64,
    /// Whose household was visited in the term.
    pub visited: i64,
    /// Home visits recorded in the term (to households on a list).
    pub visits: i64,
    pub reviews_overdue: i64,
    pub follow_ups_overdue: i64,
}

/// Aid (资助) per programme for the term.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AidFigures {
    pub programmes: Vec<AidProgramme>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AidProgramme {
    /// The programme's code, the same in every school of the county (e.g. `boarding_subsidy`).
    pub code: String,
    pub name: String,
    /// 奖贷助补免: `award`, `loan`, `grant`, `subsidy` or `waiver`.
    pub kind: String,
    /// Registered-poor students the programme should reach.
    pub students_due: i64,
    /// Of those, granted this term.
    pub granted: i64,
    /// Due but not granted (漏助).
    pub missed: i64,
    /// Granted amounts, in fen.
    pub amount_fen: i64,
}

/// Dropout prevention (控辍保学) for the term.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DropoutFigures {
    /// Dropout cases still open.
    pub open_cases: i64,
    /// Cases closed with the student back in school (劝返).
    pub returned: i64,
    /// The weekly reports (零报告) of the term, by ISO week.
    pub weekly_reports: Vec<WeeklyReport>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WeeklyReport {
    /// ISO week, `2026-W37`.
    pub week: String,
    /// Reports added up in this row: 1 in a school's summary, the schools reporting in a total.
    pub reports: i64,
    /// Of those, confirmed by the principal (0 or 1 in a school's summary).
    pub confirmed: i64,
    pub enrolment: i64,
    pub new_dropouts: i64,
    pub returns: i64,
    pub open_cases: i64,
}

fn add_map(into: &mut BTreeMap<String, i64>, from: &BTreeMap<String, i64>) {
    for (k, v) in from {
        *into.entry(k.clone()).or_default() += v;
    }
}

impl Figures {
    /// Adds `other` in: every count and amount summed, programmes matched by code, weekly
    /// reports by week.
    pub fn add(&mut self, other: &Figures) {
        let (s, o) = (&mut self.students, &other.students);
        s.enrolled += o.enrolled;
        add_map(&mut s.enrolled_by_stage, &o.enrolled_by_stage);
        s.registered_poor += o.registered_poor;
        add_map(&mut s.registered_poor_by_stage, &o.registered_poor_by_stage);
        add_map(&mut s.registered_poor_by_status, &o.registered_poor_by_status);
        s.households += o.households;
        s.boarding += o.boarding;
        s.left_behind += o.left_behind;
        s.disabled += o.disabled;
        s.orphan += o.orphan;
        s.single_parent += o.single_parent;

        let (c, o) = (&mut self.coverage, &other.coverage);
        c.students += o.students;
        c.paired += o.paired;
        c.with_plan += o.with_plan;
        c.visited += o.visited;
        c.visits += o.visits;
        c.reviews_overdue += o.reviews_overdue;
        c.follow_ups_overdue += o.follow_ups_overdue;

        for p in &other.aid.programmes {
            match self.aid.programmes.iter_mut().find(|q| q.code == p.code) {
                Some(q) => {
                    q.students_due += p.students_due;
                    q.granted += p.granted;
                    q.missed += p.missed;
                    q.amount_fen += p.amount_fen;
                }
                None => self.aid.programmes.push(p.clone()),
            }
        }
        self.aid.programmes.sort_by(|a, b| a.code.cmp(&b.code));

        let (d, o) = (&mut self.dropout, &other.dropout);
        d.open_cases += o.open_cases;
        d.returned += o.returned;
        for w in &o.weekly_reports {
            match d.weekly_reports.iter_mut().find(|x| x.week == w.week) {
                Some(x) => {
                    x.reports += w.reports;
                    x.confirmed += w.confirmed;
                    x.enrolment += w.enrolment;
                    x.new_dropouts += w.new_dropouts;
                    x.returns += w.returns;
                    x.open_cases += w.open_cases;
                }
                None => d.weekly_reports.push(w.clone()),
            }
        }
        d.weekly_reports.sort_by(|a, b| a.week.cmp(&b.week));
    }
}

impl AidFigures {
    pub fn students_due(&self) -> i64 {
        self.programmes.iter().map(|p| p.students_due).sum()
    }
    pub fn granted(&self) -> i64 {
        self.programmes.iter().map(|p| p.granted).sum()
    }
    pub fn missed(&self) -> i64 {
        self.programmes.iter().map(|p| p.missed).sum()
    }
    pub fn amount_fen(&self) -> i64 {
        self.programmes.iter().map(|p| p.amount_fen).sum()
    }
}

/// One registered-poor student, as the county's list has them (see `lists/students.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StudentRow {
    /// The full, normalized resident ID number ("" when unknown): the one list of the bundle
    /// that carries it, for the county's cross-school and aid-system checks.
    pub resident_id: String,
    pub name: String,
    pub stage: String,
    pub grade: Option<i64>,
    pub class_name: String,
    pub household_number: String,
    pub household_status: String,
    pub town: String,
    pub village: String,
    pub boarding: bool,
    pub left_behind: bool,
    pub disabled: bool,
    pub paired: bool,
    pub plan_in_force: bool,
    pub visited: bool,
}

/// One aid grant (see `lists/aid.json`). ID numbers masked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AidGrantRow {
    pub masked_id: String,
    pub name: String,
    pub programme_code: String,
    pub amount_fen: i64,
    /// `granted`, or `missed` for a student due who got nothing.
    pub status: String,
    /// The student's grade and class (for the county's notice); absent in bundles from
    /// before schema 14.
    #[serde(default)]
    pub grade: Option<i64>,
    #[serde(default)]
    pub class_name: String,
    /// A granted row's step (`applied` … `paid`, as `GrantStatus` names it), so the county's
    /// notice lists only grants past the school's review and notice; absent in bundles from
    /// before schema 14 and for missed rows.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub step: String,
}

impl AidGrantRow {
    /// A grant the school has reviewed and put on its notice (公示中, 县级已审核 or 已发放): what the
    /// county's notice (县级公示) may list. A row from an older bundle names no step: not listed.
    pub fn past_the_schools_notice(&self) -> bool {
        self.status == "granted" && matches!(self.step.as_str(), "notice" | "county_reviewed" | "paid")
    }
}

/// One dropout case (see `lists/dropouts.json`). ID numbers masked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DropoutRow {
    pub masked_id: String,
    pub name: String,
    pub stage: String,
    pub grade: Option<i64>,
    /// `open`, `returned` or another outcome code.
    pub status: String,
    pub left_on: Option<NaiveDate>,
    pub returned_on: Option<NaiveDate>,
}

/// The summary and the detail lists of one term.
#[derive(Debug, Clone, PartialEq)]
pub struct TermReport {
    pub summary: Summary,
    pub students: Vec<StudentRow>,
    pub aid: Vec<AidGrantRow>,
    pub dropouts: Vec<DropoutRow>,
}

/// The school's summary for `term`. `today` is the caller's date: overdue counts are taken
/// on it, or on the term's last day once the term is over.
pub fn compute(store: &Store, term: Term, today: NaiveDate) -> Result<Summary> {
    Ok(report(store, term, today)?.summary)
}

/// The summary with the detail lists the county bundle carries.
pub fn report(store: &Store, term: Term, today: NaiveDate) -> Result<TermReport> {
    let school = school::get(store)?.ok_or(SchoolError::NotSetUp)?;
    let as_of = today.min(term.end());
    let school = SchoolRef { code: school.code, name: school.name, town: school.town, district: school.district };

    // The coverage dashboard decides who counts as covered; its full lists give the flags.
    // (SQLite's LIMIT takes an i64.)
    let cov = coverage::compute(store, term, as_of, i64::MAX as usize)?;
    let ids = |l: &coverage::Listing<coverage::StudentItem>| l.items.iter().map(|s| s.member_id).collect::<std::collections::HashSet<_>>();
    let (unpaired, unplanned, unvisited) = (ids(&cov.no_pairing), ids(&cov.no_active_plan), ids(&cov.no_visit));

    let mut students = StudentFigures::default();
    let mut rows = Vec::new();
    let mut households = std::collections::HashSet::new();
    let mut stmt = store.conn().prepare_cached(
        "SELECT m.id, m.name, m.resident_id, s.stage, s.grade, s.class_name, s.boarding, s.left_behind, s.disabled, s.orphan, s.single_parent,
                h.id, h.household_number, h.status, h.town, h.village, m.resident_id_sealed
         FROM student s JOIN member m ON m.id = s.member_id JOIN household h ON h.id = m.household_id
         WHERE s.deleted_at IS NULL AND s.enrolment_status = 'enrolled' AND m.deleted_at IS NULL AND h.deleted_at IS NULL",
    )?;
    // The full numbers are sealed (`sealed`): opened with the second key of the holder who
    // makes the bundle (a reader without it gets the masked ones).
    let key = crate::sealed::key(store);
    let mut q = stmt.query([])?;
    while let Some(r) = q.next()? {
        let stage: String = r.get(3)?;
        *students.enrolled_by_stage.entry(stage.clone()).or_default() += 1;
        students.enrolled += 1;
        let status: String = r.get(13)?;
        if status == "none" {
            continue;
        }
        let member: crate::RecordId = r.get(0)?;
        let flags: [bool; 5] = [r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?, r.get(10)?];
        students.registered_poor += 1;
        *students.registered_poor_by_stage.entry(stage.clone()).or_default() += 1;
        *students.registered_poor_by_status.entry(status.clone()).or_default() += 1;
        households.insert(r.get::<_, String>(11)?);
        for (n, on) in [&mut students.boarding, &mut students.left_behind, &mut students.disabled, &mut students.orphan, &mut students.single_parent]
            .into_iter()
            .zip(flags)
        {
            *n += i64::from(on);
        }
        rows.push(StudentRow {
            resident_id: crate::sealed::read(key, "member", &member.to_string(), "resident_id", &r.get::<_, String>(16)?, &r.get::<_, String>(2)?),
            name: r.get(1)?,
            stage,
            grade: r.get(4)?,
            class_name: r.get(5)?,
            household_number: r.get(12)?,
            household_status: status,
            town: r.get(14)?,
            village: r.get(15)?,
            boarding: flags[0],
            left_behind: flags[1],
            disabled: flags[2],
            paired: !unpaired.contains(&member),
            plan_in_force: !unplanned.contains(&member),
            visited: !unvisited.contains(&member),
        });
    }
    students.households = households.len() as i64;
    // Sorted here rather than by SQLite: a third of the query's time at 30,000 students.
    rows.sort_unstable_by(|a, b| (&a.household_number, &a.name).cmp(&(&b.household_number, &b.name)));

    let visits: i64 = store.conn().query_row(
        "SELECT count(*) FROM visit v JOIN household h ON h.id = v.household_id
         WHERE v.deleted_at IS NULL AND v.visit_date BETWEEN ?1 AND ?2 AND h.deleted_at IS NULL AND h.status <> 'none'",
        params![term.start(), term.end()],
        |r| r.get(0),
    )?;
    let coverage = CoverageFigures {
        students: cov.students,
        paired: cov.students - cov.no_pairing.count as i64,
        with_plan: cov.students - cov.no_active_plan.count as i64,
        visited: cov.students - cov.no_visit.count as i64,
        visits,
        reviews_overdue: cov.reviews_overdue.count as i64,
        follow_ups_overdue: cov.follow_ups_overdue.count as i64,
    };
    let (aid, aid_rows) = aid_figures(store, term)?;
    let (dropout, dropout_rows) = dropout_figures(store, term, as_of)?;

    Ok(TermReport {
        summary: Summary { school, term, as_of, figures: Figures { students, coverage, aid, dropout } },
        students: rows,
        aid: aid_rows,
        dropouts: dropout_rows,
    })
}

/// The term's aid per programme (those with a student due or a grant), and one row per grant
/// and per missed student. Reversed grants do not count.
fn aid_figures(store: &Store, term: Term) -> Result<(AidFigures, Vec<AidGrantRow>)> {
    let c = crate::aid::coverage(store, term, usize::MAX)?;
    let programmes = c
        .programmes
        .iter()
        .filter(|p| p.due > 0 || p.grants > 0)
        .map(|p| AidProgramme {
            code: p.code.clone(),
            name: p.name.clone(),
            kind: p.kind.as_str().to_string(),
            students_due: p.due as i64,
            granted: p.covered as i64,
            missed: p.missed as i64,
            amount_fen: p.amount_fen,
        })
        .collect();
    let mut rows = Vec::new();
    let mut stmt = store.conn().prepare_cached(
        "SELECT m.resident_id, m.name, p.code, g.amount_fen, s.grade, coalesce(s.class_name, ''), g.status FROM aid_grant g
         JOIN member m ON m.id = g.member_id JOIN aid_programme p ON p.id = g.programme_id
         LEFT JOIN student s ON s.member_id = m.id AND s.deleted_at IS NULL
         WHERE g.deleted_at IS NULL AND g.term = ?1 AND g.status <> 'reversed'
         ORDER BY p.code, m.name",
    )?;
    let mut q = stmt.query([term])?;
    while let Some(r) = q.next()? {
        let id: String = r.get(0)?;
        rows.push(AidGrantRow { masked_id: crate::masking::resident_id(&id), name: r.get(1)?, programme_code: r.get(2)?, amount_fen: r.get(3)?, status: "granted".into(), grade: r.get(4)?, class_name: r.get(5)?, step: r.get(6)? });
    }
    let codes: std::collections::HashMap<crate::RecordId, &str> = c.programmes.iter().map(|p| (p.programme_id, p.code.as_str())).collect();
    let mut id_of = store.conn().prepare_cached("SELECT resident_id FROM member WHERE id = ?1")?;
    for m in &c.missed.items {
        let id: String = id_of.query_row([m.member_id], |r| r.get(0))?;
        let code = codes.get(&m.programme_id).copied().unwrap_or_default().to_string();
        rows.push(AidGrantRow { masked_id: crate::masking::resident_id(&id), name: m.name.clone(), programme_code: code, amount_fen: m.amount_fen, status: "missed".into(), grade: m.grade, class_name: m.class_name.clone(), step: String::new() });
    }
    Ok((AidFigures { programmes }, rows))
}

/// The term's dropout cases and weekly reports (confirmed ones as the principal confirmed them).
fn dropout_figures(store: &Store, term: Term, as_of: NaiveDate) -> Result<(DropoutFigures, Vec<DropoutRow>)> {
    let d = crate::dropout::summary(store, term, as_of)?;
    let weekly_reports = d
        .weeks
        .iter()
        .map(|w| WeeklyReport {
            week: w.week.to_string(),
            reports: 1,
            confirmed: i64::from(w.state == crate::dropout::WeekState::Confirmed),
            enrolment: w.numbers.enrolment,
            new_dropouts: w.numbers.new_dropouts,
            returns: w.numbers.returns,
            open_cases: w.numbers.open_cases,
        })
        .collect();
    // The cases the term saw: reported by its end, and not closed before it began.
    let mut stmt = store.conn().prepare_cached(
        "SELECT m.resident_id, m.name, coalesce(s.stage, ''), s.grade, c.outcome, c.dropped_out_date, c.outcome_date
         FROM dropout_case c JOIN member m ON m.id = c.member_id
         LEFT JOIN student s ON s.member_id = c.member_id AND s.deleted_at IS NULL
         WHERE c.deleted_at IS NULL AND c.kind = 'dropped_out' AND c.reported_date <= ?2
           AND (c.outcome_date IS NULL OR c.outcome_date >= ?1)
         ORDER BY c.reported_date, m.name",
    )?;
    let mut rows = Vec::new();
    let mut q = stmt.query(params![term.start(), term.end()])?;
    while let Some(r) = q.next()? {
        let id: String = r.get(0)?;
        let outcome: Option<String> = r.get(4)?;
        let outcome_date: Option<NaiveDate> = r.get(6)?;
        rows.push(DropoutRow {
            masked_id: crate::masking::resident_id(&id),
            name: r.get(1)?,
            stage: r.get(2)?,
            grade: r.get(3)?,
            returned_on: outcome_date.filter(|_| outcome.as_deref() == Some("returned")),
            status: outcome.unwrap_or_else(|| "open".into()),
            left_on: r.get(5)?,
        });
    }
    Ok((DropoutFigures { open_cases: d.still_open, returned: d.returned, weekly_reports }, rows))
}

/// Chinese names of the codes a summary uses, for spreadsheets.
pub fn stage_zh(code: &str) -> &str {
    match code {
        "preschool" => "学前",
        "primary" => "小学",
        "junior" => "初中",
        "senior" => "高中",
        "vocational" => "中职",
        "higher" => "高校",
        other => other,
    }
}

pub fn household_status_zh(code: &str) -> &str {
    match code {
        "registered_poor" => "建档立卡贫困户",
        "lifted_monitored" => "已脱贫（监测）",
        "minimum_allowance" => "低保户",
        "extreme_poverty" => "特困供养",
        "edge_monitored" => "边缘易致贫户（监测）",
        "none" => "非建档立卡",
        other => other,
    }
}

pub fn aid_kind_zh(code: &str) -> &str {
    match code {
        "award" => "奖",
        "loan" => "贷",
        "grant" => "助",
        "subsidy" => "补",
        "waiver" => "免",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{self, DemoOptions};

    #[test]
    fn the_summary_agrees_with_the_dashboard_and_the_records() {
        let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
        let stats = demo::generate(&mut store, &DemoOptions { students: 150, seed: 4 }).unwrap();
        let today = chrono::Utc::now().date_naive();
        let term = Term::of(today);
        let r = report(&store, term, today).unwrap();
        let s = &r.summary.figures;
        assert_eq!(s.students.enrolled_by_stage.values().sum::<i64>(), s.students.enrolled);
        assert!(s.students.enrolled <= stats.students);
        assert_eq!(s.students.registered_poor_by_stage.values().sum::<i64>(), s.students.registered_poor);
        assert_eq!(s.students.registered_poor_by_status.values().sum::<i64>(), s.students.registered_poor);
        assert_eq!(r.students.len() as i64, s.students.registered_poor);
        let cov = coverage::compute(&store, term, today, 0).unwrap();
        assert_eq!(s.coverage.students, cov.students);
        assert_eq!(s.coverage.students, s.students.registered_poor);
        assert_eq!(r.students.iter().filter(|x| x.paired).count() as i64, s.coverage.paired);
        assert_eq!(r.students.iter().filter(|x| x.plan_in_force).count() as i64, s.coverage.with_plan);
        assert_eq!(r.students.iter().filter(|x| x.visited).count() as i64, s.coverage.visited);
        assert!(s.coverage.visits >= s.coverage.visited.min(1));
        assert_eq!(r.summary.school.code, "2161092101");
        assert!(r.students.iter().all(|x| x.resident_id.is_empty() || x.resident_id.len() == 18));

        // Aid: the same numbers as the aid page, one row per grant and per missed student.
        let aid = crate::aid::coverage(&store, term, usize::MAX).unwrap();
        assert!(!s.aid.programmes.is_empty());
        assert_eq!(s.aid.students_due(), aid.due as i64);
        assert_eq!(s.aid.granted(), aid.covered as i64);
        assert_eq!(s.aid.amount_fen(), aid.amount_fen);
        assert!(s.aid.programmes.iter().all(|p| p.granted + p.missed == p.students_due));
        assert_eq!(r.aid.iter().filter(|g| g.status == "missed").count(), aid.missed.count);
        assert!(r.aid.iter().all(|g| g.masked_id.is_empty() || g.masked_id.contains("********")));
        // Dropout: the demo's weeks, and its returned case if the term saw it.
        let d = crate::dropout::summary(&store, term, today).unwrap();
        assert_eq!(s.dropout.weekly_reports.len(), d.weeks.len());
        assert_eq!(s.dropout.weekly_reports.iter().map(|w| w.confirmed).sum::<i64>(), d.weeks_confirmed);
        assert_eq!(s.dropout.returned, d.returned);
        assert!(r.dropouts.iter().all(|c| c.masked_id.is_empty() || c.masked_id.contains("********")));
    }

    #[test]
    fn figures_add_up_field_by_field() {
        let mut a = Figures::default();
        a.students.enrolled = 3;
        a.students.enrolled_by_stage.insert("primary".into(), 3);
        a.aid.programmes.push(AidProgramme { code: "b".into(), students_due: 2, granted: 1, missed: 1, amount_fen: 50_000, ..Default::default() });
        a.dropout.weekly_reports.push(WeeklyReport { week: "2026-W37".into(), reports: 1, confirmed: 1, enrolment: 3, ..Default::default() });
        let mut b = a.clone();
        b.aid.programmes.push(AidProgramme { code: "a".into(), amount_fen: 1, ..Default::default() });
        b.dropout.weekly_reports[0].week = "2026-W38".into();
        let mut total = Figures::default();
        total.add(&a);
        total.add(&b);
        assert_eq!(total.students.enrolled, 6);
        assert_eq!(total.students.enrolled_by_stage["primary"], 6);
        assert_eq!(total.aid.programmes.iter().map(|p| p.code.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(total.aid.amount_fen(), 100_001);
        assert_eq!(total.dropout.weekly_reports.len(), 2);
        total.add(&a);
        assert_eq!(total.dropout.weekly_reports[0].reports, 2);
    }
}
