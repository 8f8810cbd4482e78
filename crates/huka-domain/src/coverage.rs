//! The term's coverage dashboard: registered-poor students (enrolled, from a household whose
//! status is anything but `none`) with no helper teacher, no plan in force, no home visit this term; plan
//! reviews overdue; follow-up actions overdue. Also a teacher's "my students".

use chrono::NaiveDate;
use compact_str::CompactString;
use rustc_hash::{FxHashMap, FxHashSet};
use rusqlite::params;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::plan::PlanStatus;
use crate::record::RecordId;
use crate::store::Store;
use crate::term::Term;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StudentItem {
    pub member_id: RecordId,
    pub name: String,
    pub household_id: RecordId,
    pub head_name: String,
    pub village: String,
    pub grade: Option<i64>,
    pub class_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewItem {
    pub plan_id: RecordId,
    pub member_id: RecordId,
    pub name: String,
    pub household_id: RecordId,
    pub next_review_date: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FollowUpItem {
    pub id: RecordId,
    pub visit_id: RecordId,
    pub household_id: RecordId,
    pub head_name: String,
    pub action: String,
    pub owner: Option<String>,
    pub due_date: NaiveDate,
}

/// One list of the dashboard: how many, and the first items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Listing<T> {
    pub count: usize,
    pub items: Vec<T>,
}

impl<T> Listing<T> {
    /// Counts every element and builds only the first `limit` items.
    pub(crate) fn of<S>(all: impl Iterator<Item = S>, limit: usize, build: impl Fn(S) -> T) -> Listing<T> {
        let mut count = 0;
        let mut items = Vec::new();
        for source in all {
            count += 1;
            if items.len() < limit {
                items.push(build(source));
            }
        }
        Listing { count, items }
    }
}

fn inline(r: &rusqlite::Row, i: usize) -> rusqlite::Result<CompactString> {
    Ok(CompactString::new(r.get_ref(i)?.as_str()?))
}

/// One class's coverage: of its registered-poor students, how many are paired, have a plan in
/// force and were visited this term. A class is a grade and a class name, as the dashboard's
/// lists sort them (grades run on from primary to junior in a nine-year school).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClassCoverage {
    pub grade: Option<i64>,
    pub class_name: String,
    pub students: usize,
    pub paired: usize,
    pub with_plan: usize,
    pub visited: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Coverage {
    pub term: Term,
    pub today: NaiveDate,
    /// Registered-poor students enrolled.
    pub students: i64,
    pub no_pairing: Listing<StudentItem>,
    pub no_active_plan: Listing<StudentItem>,
    pub no_visit: Listing<StudentItem>,
    pub reviews_overdue: Listing<ReviewItem>,
    pub follow_ups_overdue: Listing<FollowUpItem>,
    /// Per class, in the lists' order (for the chart).
    pub classes: Vec<ClassCoverage>,
}

/// Ids as integers: the dashboard holds tens of thousands of them, and on an old laptop the
/// allocator, not SQLite, is what a `String` per id costs.
type Key = u128;

fn key(r: &rusqlite::Row, i: usize) -> rusqlite::Result<Key> {
    let text = r.get_ref(i)?.as_str()?;
    uuid::Uuid::parse_str(text).map(|u| u.as_u128()).map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e)))
}

fn key_set(store: &Store, sql: &str, args: &[&dyn rusqlite::ToSql]) -> Result<FxHashSet<Key>> {
    let mut stmt = store.conn().prepare_cached(sql)?;
    let mut set = FxHashSet::default();
    let mut rows = stmt.query(args)?;
    while let Some(r) = rows.next()? {
        set.insert(key(r, 0)?);
    }
    Ok(set)
}

/// A registered-poor student as the dashboard sorts and filters them. Names are short enough
/// to live inline (`CompactString`), so reading 30,000 of them allocates nothing per row.
struct Row {
    member: Key,
    household: Key,
    name: CompactString,
    grade: Option<i64>,
    class_name: CompactString,
}

/// The dashboard for `term`, as of `today` (overdue means due before today). Each list holds
/// its full count and at most `limit` items.
pub fn compute(store: &Store, term: Term, today: NaiveDate, limit: usize) -> Result<Coverage> {
    // The students once, joined here from three sequential scans (faster than 30,000 lookups
    // by text key), then each question as a set lookup: no correlated subqueries.
    let mut households: FxHashMap<Key, (CompactString, CompactString)> = FxHashMap::default();
    let mut stmt = store.conn().prepare_cached("SELECT id, head_name, village FROM household INDEXED BY household_listed WHERE deleted_at IS NULL AND status <> 'none'")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        households.insert(key(r, 0)?, (inline(r, 1)?, inline(r, 2)?));
    }
    let mut enrolled: FxHashMap<Key, (Option<i64>, CompactString)> = FxHashMap::default();
    let mut stmt = store.conn().prepare_cached("SELECT member_id, grade, class_name FROM student INDEXED BY student_enrolled WHERE deleted_at IS NULL AND enrolment_status = 'enrolled'")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        enrolled.insert(key(r, 0)?, (r.get(1)?, inline(r, 2)?));
    }
    let mut students: Vec<Row> = Vec::with_capacity(enrolled.len());
    let mut stmt = store.conn().prepare_cached("SELECT id, household_id, name FROM member INDEXED BY member_names WHERE deleted_at IS NULL")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let (member, household) = (key(r, 0)?, key(r, 1)?);
        let Some((grade, class_name)) = enrolled.remove(&member) else { continue };
        if households.contains_key(&household) {
            students.push(Row { member, household, name: inline(r, 2)?, grade, class_name });
        }
    }
    students.sort_unstable_by(|a, b| (a.grade, &a.class_name, &a.name, a.member).cmp(&(b.grade, &b.class_name, &b.name, b.member)));
    let paired = key_set(store, "SELECT member_id FROM pairing INDEXED BY pairing_current WHERE deleted_at IS NULL AND end_date IS NULL", &[])?;
    let planned = key_set(
        store,
        "SELECT member_id FROM plan INDEXED BY plan_in_force WHERE term = ?1 AND deleted_at IS NULL AND status IN ('active', 'reviewed')",
        &[&term],
    )?;
    // Few households go unvisited: ask the (household, date) index once per household for them.
    let unvisited = key_set(
        store,
        "SELECT h.id FROM household h WHERE h.deleted_at IS NULL AND h.status <> 'none' AND NOT EXISTS
           (SELECT 1 FROM visit v WHERE v.household_id = h.id AND v.deleted_at IS NULL AND v.visit_date BETWEEN ?1 AND ?2)",
        &[&term.start(), &term.end()],
    )?;
    let item = |s: &Row| {
        let (head, village) = &households[&s.household];
        StudentItem {
            member_id: RecordId(uuid::Uuid::from_u128(s.member)),
            name: s.name.to_string(),
            household_id: RecordId(uuid::Uuid::from_u128(s.household)),
            head_name: head.to_string(),
            village: village.to_string(),
            grade: s.grade,
            class_name: s.class_name.to_string(),
        }
    };
    let pick = |keep: &dyn Fn(&Row) -> bool| Listing::of(students.iter().filter(|s| keep(s)), limit, item);
    let no_pairing = pick(&|s| !paired.contains(&s.member));
    let no_active_plan = pick(&|s| !planned.contains(&s.member));
    let no_visit = pick(&|s| unvisited.contains(&s.household));
    // The students are sorted by class: one pass adds each class up.
    let mut classes: Vec<ClassCoverage> = Vec::new();
    for s in &students {
        if !classes.last().is_some_and(|c| c.grade == s.grade && c.class_name == s.class_name.as_str()) {
            classes.push(ClassCoverage { grade: s.grade, class_name: s.class_name.to_string(), students: 0, paired: 0, with_plan: 0, visited: 0 });
        }
        let c = classes.last_mut().expect("pushed above");
        c.students += 1;
        c.paired += usize::from(paired.contains(&s.member));
        c.with_plan += usize::from(planned.contains(&s.member));
        c.visited += usize::from(!unvisited.contains(&s.household));
    }

    // Deleting a member tombstones their plans, so the count needs no join.
    let review_count: i64 = store.conn().query_row(
        "SELECT count(*) FROM plan INDEXED BY plan_in_force WHERE deleted_at IS NULL AND term = ?1 AND status IN ('active', 'reviewed') AND next_review_date < ?2",
        params![term, today],
        |r| r.get(0),
    )?;
    let mut stmt = store.conn().prepare_cached(
        "SELECT p.id, p.member_id, m.name, m.household_id, p.next_review_date FROM plan p INDEXED BY plan_in_force JOIN member m ON m.id = p.member_id
         WHERE p.deleted_at IS NULL AND p.term = ?1 AND p.status IN ('active', 'reviewed') AND p.next_review_date < ?2
         ORDER BY p.next_review_date, m.name
         LIMIT ?3",
    )?;
    let items = stmt
        .query_map(params![term, today, limit], |r| {
            Ok(ReviewItem { plan_id: r.get(0)?, member_id: r.get(1)?, name: r.get(2)?, household_id: r.get(3)?, next_review_date: r.get(4)? })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let reviews_overdue = Listing { count: review_count as usize, items };
    // Deleting a visit or a household card tombstones its follow-ups, so the open index alone counts.
    let follow_up_count: i64 = store.conn().query_row(
        "SELECT count(*) FROM follow_up WHERE deleted_at IS NULL AND done_date IS NULL AND due_date < ?1",
        [today],
        |r| r.get(0),
    )?;
    let mut stmt = store.conn().prepare_cached(
        "SELECT f.id, f.visit_id, v.household_id, h.head_name, f.action, t.name, f.due_date
         FROM follow_up f JOIN visit v ON v.id = f.visit_id JOIN household h ON h.id = v.household_id
         LEFT JOIN teacher t ON t.id = f.owner_id
         WHERE f.deleted_at IS NULL AND f.done_date IS NULL AND f.due_date < ?1 AND v.deleted_at IS NULL AND h.deleted_at IS NULL
         ORDER BY f.due_date, h.head_name
         LIMIT ?2",
    )?;
    let items = stmt
        .query_map(params![today, limit], |r| {
            Ok(FollowUpItem {
                id: r.get(0)?,
                visit_id: r.get(1)?,
                household_id: r.get(2)?,
                head_name: r.get(3)?,
                action: r.get(4)?,
                owner: r.get(5)?,
                due_date: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let follow_ups_overdue = Listing { count: follow_up_count as usize, items };
    Ok(Coverage { term, today, students: students.len() as i64, no_pairing, no_active_plan, no_visit, reviews_overdue, follow_ups_overdue, classes })
}

/// One of a teacher's paired students, with what needs doing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MyStudent {
    #[serde(flatten)]
    pub student: StudentItem,
    pub last_visit: Option<NaiveDate>,
    pub visited_this_term: bool,
    pub plan_id: Option<RecordId>,
    pub plan_status: Option<PlanStatus>,
    pub overdue_follow_ups: i64,
}

/// The students a teacher currently helps: the teacher's start page.
pub fn my_students(store: &Store, teacher: RecordId, term: Term, today: NaiveDate) -> Result<Vec<MyStudent>> {
    let mut stmt = store.conn().prepare_cached(
        "SELECT m.id, m.name, m.household_id, h.head_name, h.village, st.grade, st.class_name,
                (SELECT max(v.visit_date) FROM visit v WHERE v.household_id = m.household_id AND v.deleted_at IS NULL),
                (SELECT pl.id FROM plan pl WHERE pl.member_id = m.id AND pl.term = ?2 AND pl.deleted_at IS NULL),
                (SELECT pl.status FROM plan pl WHERE pl.member_id = m.id AND pl.term = ?2 AND pl.deleted_at IS NULL),
                (SELECT count(*) FROM follow_up f JOIN visit v ON v.id = f.visit_id
                  WHERE v.household_id = m.household_id AND v.deleted_at IS NULL AND f.deleted_at IS NULL
                    AND f.done_date IS NULL AND f.due_date < ?3)
         FROM pairing p JOIN member m ON m.id = p.member_id JOIN household h ON h.id = m.household_id
         LEFT JOIN student st ON st.member_id = m.id AND st.deleted_at IS NULL
         WHERE p.teacher_id = ?1 AND p.deleted_at IS NULL AND p.end_date IS NULL AND m.deleted_at IS NULL AND h.deleted_at IS NULL
         ORDER BY st.grade, st.class_name, m.name",
    )?;
    let rows = stmt.query_map(params![teacher, term, today], |r| {
        let last_visit: Option<NaiveDate> = r.get(7)?;
        Ok(MyStudent {
            student: StudentItem {
                member_id: r.get(0)?,
                name: r.get(1)?,
                household_id: r.get(2)?,
                head_name: r.get(3)?,
                village: r.get(4)?,
                grade: r.get(5)?,
                class_name: r.get(6)?,
            },
            visited_this_term: last_visit.is_some_and(|d| term.contains(d)),
            last_visit,
            plan_id: r.get(8)?,
            plan_status: r.get(9)?,
            overdue_follow_ups: r.get(10)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::household::{self, HouseholdStatus};
    use crate::member::{self, MemberInput};
    use crate::plan::{self, PlanInput, PlanStatus, ReviewInput};
    use crate::student::StudentInput;
    use crate::teacher::{self, TeacherInput, TeacherRole};
    use crate::visit::{self, FollowUpInput, VisitInput, VisitMode};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    struct School {
        store: Store,
        teacher: RecordId,
        household: RecordId,
        kid: RecordId,
    }

    fn school() -> School {
        let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
        let household = household::create(&mut store, &household::tests::input("0001", "王建国")).unwrap().meta.id;
        let kid = member::create(&mut store, household, &MemberInput { name: "王小明".into(), student: Some(StudentInput::default()), ..Default::default() })
            .unwrap()
            .meta
            .id;
        // A student from a household on no list is not counted.
        let other = household::create(&mut store, &household::HouseholdInput { status: HouseholdStatus::None, ..household::tests::input("0002", "李红") }).unwrap().meta.id;
        member::create(&mut store, other, &MemberInput { name: "李娜".into(), student: Some(StudentInput::default()), ..Default::default() }).unwrap();
        let teacher = teacher::create(&mut store, &TeacherInput { name: "张老师".into(), phone: String::new(), subject: String::new(), role: TeacherRole::ClassTeacher })
            .unwrap()
            .meta
            .id;
        School { store, teacher, household, kid }
    }

    fn visit_on(s: &mut School, date: &str, due: &str) -> crate::visit::Visit {
        visit::create(
            &mut s.store,
            &VisitInput {
                household_id: s.household,
                visit_date: date.into(),
                teacher_ids: vec![s.teacher],
                student_ids: vec![s.kid],
                mode: VisitMode::InHome,
                topics: vec!["资助政策".into(), "防溺水安全".into()],
                findings: "孩子学习积极".into(),
                requests: "希望申请寄宿补助".into(),
                follow_ups: vec![FollowUpInput { id: None, action: "提交寄宿生补助申请".into(), owner_id: Some(s.teacher), due_date: due.into(), done_date: None }],
                parent_name: "王建国".into(),
                parent_ack_date: Some(date.into()),
            },
        )
        .unwrap()
    }

    #[test]
    fn the_dashboard_moves_as_the_work_is_done() {
        let mut s = school();
        let autumn = Term::parse("2026-autumn").unwrap();
        let c = compute(&s.store, autumn, d(2026, 10, 1), 100).unwrap();
        assert_eq!(c.students, 1, "only students of households on a list");
        assert_eq!((c.no_pairing.count, c.no_active_plan.count, c.no_visit.count), (1, 1, 1));
        assert_eq!(c.classes.len(), 1);
        assert_eq!((c.classes[0].students, c.classes[0].paired, c.classes[0].with_plan, c.classes[0].visited), (1, 0, 0, 0));

        crate::pairing::assign(&mut s.store, s.teacher, s.kid, d(2026, 9, 1)).unwrap();
        let p = plan::create(&mut s.store, &PlanInput {
            member_id: s.kid, term: autumn, tutoring: Default::default(), care: Default::default(), activities: Default::default(),
            aid: Default::default(), psychological: Default::default(), goals: String::new(), responsible_teacher_id: Some(s.teacher), next_review_date: None,
        }).unwrap();
        assert_eq!(compute(&s.store, autumn, d(2026, 10, 1), 100).unwrap().no_active_plan.count, 1, "a draft is not in force");
        plan::set_status(&mut s.store, p.meta.id, PlanStatus::Active, d(2026, 9, 10)).unwrap();
        visit_on(&mut s, "2026-09-20", "2026-10-15");

        let c = compute(&s.store, autumn, d(2026, 10, 1), 100).unwrap();
        assert_eq!((c.no_pairing.count, c.no_active_plan.count, c.no_visit.count), (0, 0, 0));
        assert_eq!((c.classes[0].students, c.classes[0].paired, c.classes[0].with_plan, c.classes[0].visited), (1, 1, 1, 1));
        assert!(c.follow_ups_overdue.count == 0 && c.reviews_overdue.count == 0);

        // Later in the term: the follow-up and the review (due 5 November) are overdue.
        let c = compute(&s.store, autumn, d(2026, 11, 10), 100).unwrap();
        assert_eq!(c.follow_ups_overdue.count, 1);
        assert_eq!(c.follow_ups_overdue.items[0].owner.as_deref(), Some("张老师"));
        assert_eq!(c.reviews_overdue.count, 1);
        plan::add_review(&mut s.store, p.meta.id, &ReviewInput { review_date: "2026-11-10".into(), progress: "好转".into(), next_steps: String::new(), next_review_date: None }).unwrap();
        assert!(compute(&s.store, autumn, d(2026, 11, 11), 100).unwrap().reviews_overdue.count == 0);

        let mine = my_students(&s.store, s.teacher, autumn, d(2026, 11, 11)).unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!((mine[0].visited_this_term, mine[0].overdue_follow_ups, mine[0].plan_status), (true, 1, Some(PlanStatus::Reviewed)));
    }

    #[test]
    fn the_classes_add_up_to_the_school() {
        let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
        crate::demo::generate(&mut store, &crate::demo::DemoOptions { students: 120, seed: 3 }).unwrap();
        let today = chrono::Local::now().date_naive();
        let c = compute(&store, Term::of(today), today, 10_000).unwrap();
        assert!(c.classes.len() > 3);
        let sum = |f: fn(&ClassCoverage) -> usize| c.classes.iter().map(f).sum::<usize>();
        assert_eq!(sum(|k| k.students) as i64, c.students);
        assert_eq!(sum(|k| k.paired), c.students as usize - c.no_pairing.count);
        assert_eq!(sum(|k| k.with_plan), c.students as usize - c.no_active_plan.count);
        assert_eq!(sum(|k| k.visited), c.students as usize - c.no_visit.count);
        // One entry per class, in the lists' order.
        let keys: Vec<_> = c.classes.iter().map(|k| (k.grade, k.class_name.clone())).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(keys, sorted);
        let in_class = c.no_pairing.items.iter().filter(|s| s.grade == c.classes[0].grade && s.class_name == c.classes[0].class_name).count();
        assert_eq!(in_class, c.classes[0].students - c.classes[0].paired);
    }

    #[test]
    fn term_boundaries() {
        let mut s = school();
        // A visit on the last day of the spring term counts for spring, not for autumn.
        visit_on(&mut s, "2026-08-31", "2027-01-31");
        let spring = Term::parse("2026-spring").unwrap();
        let autumn = Term::parse("2026-autumn").unwrap();
        assert!(compute(&s.store, spring, d(2026, 8, 31), 100).unwrap().no_visit.count == 0);
        assert_eq!(compute(&s.store, autumn, d(2026, 9, 1), 100).unwrap().no_visit.count, 1);
        // A follow-up due on the last day of autumn is not overdue that day, and still overdue
        // in the spring term after it if nobody did it.
        assert!(compute(&s.store, autumn, d(2027, 1, 31), 100).unwrap().follow_ups_overdue.count == 0);
        let spring27 = Term::parse("2027-spring").unwrap();
        let c = compute(&s.store, spring27, d(2027, 2, 1), 100).unwrap();
        assert_eq!(c.follow_ups_overdue.count, 1);
        visit::follow_up_done(&mut s.store, c.follow_ups_overdue.items[0].id, Some(d(2027, 2, 2))).unwrap();
        assert!(compute(&s.store, spring27, d(2027, 2, 3), 100).unwrap().follow_ups_overdue.count == 0);
    }

    #[test]
    fn visits_validate_and_keep_their_parts() {
        let mut s = school();
        let v = visit_on(&mut s, "2026-09-20", "2026-10-15");
        assert_eq!(v.teacher_ids, [s.teacher]);
        assert_eq!(v.student_ids, [s.kid]);
        assert_eq!(v.follow_ups.len(), 1);
        assert_eq!(visit::last_topics(&s.store, s.teacher).unwrap(), ["资助政策", "防溺水安全"]);
        let bad = visit::create(
            &mut s.store,
            &VisitInput {
                household_id: s.household,
                visit_date: "2099-01-01".into(),
                teacher_ids: vec![],
                student_ids: vec![RecordId::new()],
                mode: VisitMode::Phone,
                topics: vec![],
                findings: String::new(),
                requests: String::new(),
                follow_ups: vec![FollowUpInput { action: " ".into(), due_date: "明天".into(), ..Default::default() }],
                parent_name: String::new(),
                parent_ack_date: None,
            },
        )
        .unwrap_err();
        let fields: Vec<String> = bad.report().fields.into_iter().map(|f| f.field).collect();
        assert_eq!(fields, ["visitDate", "teacherIds", "studentIds", "action", "dueDate"]);

        // Editing keeps the follow-up (same id), deleting the visit removes it from the lists.
        let mut input = VisitInput {
            household_id: s.household,
            visit_date: "2026-09-21".into(),
            teacher_ids: vec![s.teacher],
            student_ids: vec![],
            mode: VisitMode::Phone,
            topics: vec![],
            findings: String::new(),
            requests: String::new(),
            follow_ups: vec![FollowUpInput { id: Some(v.follow_ups[0].meta.id), action: "已改".into(), owner_id: None, due_date: "2026-10-20".into(), done_date: None }],
            parent_name: String::new(),
            parent_ack_date: None,
        };
        let edited = visit::update(&mut s.store, v.meta.id, &input).unwrap();
        assert_eq!(edited.follow_ups[0].meta.id, v.follow_ups[0].meta.id);
        input.follow_ups.clear();
        assert!(visit::update(&mut s.store, v.meta.id, &input).unwrap().follow_ups.is_empty());
        visit::set_photo(&mut s.store, v.meta.id, b"\x89PNG\r\n\x1a\nrest").unwrap();
        assert!(visit::get(s.store.conn(), v.meta.id).unwrap().has_photo);
        assert!(visit::set_photo(&mut s.store, v.meta.id, b"GIF89a").is_err());
        visit::delete(&mut s.store, v.meta.id).unwrap();
        assert!(visit::list(&s.store, &Default::default(), 10).unwrap().is_empty());
    }
}
