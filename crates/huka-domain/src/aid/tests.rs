use chrono::NaiveDate;
use proptest::prelude::*;

use super::*;
use crate::error::Error;
use crate::household::{self, HouseholdInput, HouseholdStatus, PovertyCause};
use crate::member::{self, MemberInput};
use crate::student::{EnrolmentStatus, StudentInput};
use crate::ResidentId;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

const AUTUMN: Term = Term { year: 2026, autumn: true };
const TODAY: NaiveDate = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
const BOARDING_PRIMARY: &str = "01900000-0000-7000-8000-000000000001";
const NUTRITION: &str = "01900000-0000-7000-8000-000000000003";

fn pid(s: &str) -> RecordId {
    RecordId::parse(s).unwrap()
}

fn student(store: &mut Store, household: RecordId, name: &str, seq: u16, s: StudentInput) -> RecordId {
    let id = ResidentId::compose("610921", d(2015, 3, 1), seq).as_str().to_string();
    member::create(store, household, &MemberInput { name: name.into(), resident_id: id, health: "左腿残疾".into(), student: Some(s), ..Default::default() })
        .unwrap()
        .meta
        .id
}

struct School {
    store: Store,
    /// Registered-poor, boarding, primary.
    boarder: RecordId,
    /// Registered-poor, junior, day student.
    day: RecordId,
    /// Not on any list, boarding, primary.
    other: RecordId,
    /// Registered-poor, dropped out.
    dropped: RecordId,
}

fn school() -> School {
    let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    crate::school::setup(&mut store, &crate::school::SchoolInput { code: "6109210001".into(), name: "五一小学".into(), ..Default::default() }).unwrap();
    let poor = household::create(
        &mut store,
        &HouseholdInput { village: "五一村".into(), poverty_causes: vec![PovertyCause::Disability], ..household::tests::input("0001", "王建国") },
    )
    .unwrap()
    .meta
    .id;
    let none = household::create(&mut store, &HouseholdInput { status: HouseholdStatus::None, ..household::tests::input("0002", "李红") }).unwrap().meta.id;
    let primary = |boarding| StudentInput { grade: Some(4), class_name: "2班".into(), boarding, ..Default::default() };
    let boarder = student(&mut store, poor, "王小明", 1, primary(true));
    let day = student(&mut store, poor, "王小红", 2, StudentInput { stage: Stage::Junior, grade: Some(1), class_name: "1班".into(), ..Default::default() });
    let other = student(&mut store, none, "李娜", 3, primary(true));
    let dropped = student(&mut store, poor, "王小刚", 4, StudentInput { enrolment_status: EnrolmentStatus::DroppedOut, ..primary(true) });
    School { store, boarder, day, other, dropped }
}

fn input(member: RecordId, programme: &str) -> GrantInput {
    GrantInput {
        member_id: member,
        programme_id: pid(programme),
        term: AUTUMN,
        amount: String::new(),
        applied_date: "2026-09-10".into(),
        parent_name: "王建国".into(),
        class_teacher_name: "张老师".into(),
    }
}

fn sign(role: SignRole, name: &str) -> Signoff {
    Signoff { role, name: name.into() }
}

fn step(date: &str, signoffs: Vec<Signoff>) -> StepInput {
    StepInput { date: date.into(), signoffs, ..Default::default() }
}

fn fields(e: Error) -> Vec<String> {
    e.report().fields.into_iter().map(|f| f.field).collect()
}

#[test]
fn yuan_and_fen() {
    assert_eq!(parse_yuan("625"), Some(62_500));
    assert_eq!(parse_yuan("62.5"), Some(6_250));
    assert_eq!(parse_yuan("￥1,250.00元"), Some(125_000));
    assert_eq!(parse_yuan(" 0.07 "), Some(7));
    for bad in ["", "-5", "1.234", "abc", "1e3", ".5", "5.", "5..0"] {
        assert_eq!(parse_yuan(bad), if bad == "5." { Some(500) } else { None }, "{bad:?}");
    }
    assert_eq!(yuan(62_500), "625.00");
    assert_eq!(yuan(7), "0.07");
}

proptest! {
    #[test]
    fn yuan_round_trips(fen in 0i64..1_000_000_000) {
        prop_assert_eq!(parse_yuan(&yuan(fen)), Some(fen));
    }

    #[test]
    fn parse_yuan_never_panics(text in ".{0,20}") {
        let _ = parse_yuan(&text);
    }
}

#[test]
fn a_grant_takes_every_step_in_order_and_is_locked_once_paid() {
    let mut s = school();
    let g = apply(&mut s.store, &input(s.boarder, BOARDING_PRIMARY), TODAY).unwrap();
    assert_eq!((g.status, g.amount_fen), (GrantStatus::Applied, 50_000), "the programme's standard amount");
    assert_eq!(g.steps[0].signoffs, [sign(SignRole::Parent, "王建国"), sign(SignRole::ClassTeacher, "张老师")]);
    let twice = apply(&mut s.store, &input(s.boarder, BOARDING_PRIMARY), TODAY).unwrap_err();
    assert_eq!(fields(twice), ["programmeId"]);

    // No skipping: applied cannot go to notice, or be paid.
    for to in [GrantStatus::Notice, GrantStatus::CountyReviewed, GrantStatus::Paid, GrantStatus::Reversed] {
        let e = advance(&mut s.store, g.meta.id, to, &step("2026-09-12", vec![]), TODAY).unwrap_err();
        assert_eq!(e.code(), "grant_step", "{to:?}");
    }
    // The principal must sign; the date cannot precede the application or lie in the future.
    let e = advance(&mut s.store, g.meta.id, GrantStatus::SchoolReviewed, &step("2026-09-01", vec![]), TODAY).unwrap_err();
    assert_eq!(fields(e), ["date", "principalName"]);
    let e = advance(&mut s.store, g.meta.id, GrantStatus::SchoolReviewed, &step("2026-12-01", vec![sign(SignRole::Principal, "赵校长")]), TODAY).unwrap_err();
    assert_eq!(fields(e), ["date"]);
    advance(&mut s.store, g.meta.id, GrantStatus::SchoolReviewed, &step("2026-09-15", vec![sign(SignRole::Principal, "赵校长")]), TODAY).unwrap();
    assert_eq!(set_amount(&mut s.store, g.meta.id, "480").unwrap().amount_fen, 48_000, "still editable before the county review");

    let notice_step = |end: &str| StepInput { notice_end: Some(end.into()), ..step("2026-09-16", vec![]) };
    let e = advance(&mut s.store, g.meta.id, GrantStatus::Notice, &notice_step("2026-09-10"), TODAY).unwrap_err();
    assert_eq!(fields(e), ["noticeEnd"]);
    advance(&mut s.store, g.meta.id, GrantStatus::Notice, &notice_step("2026-09-22"), TODAY).unwrap();
    record_objections(&mut s.store, g.meta.id, "无异议").unwrap();

    let county = vec![sign(SignRole::AidCentre, "县资助中心 刘"), sign(SignRole::DeputyDirector, "陈副局长")];
    let e = advance(&mut s.store, g.meta.id, GrantStatus::CountyReviewed, &step("2026-09-22", county.clone()), TODAY).unwrap_err();
    assert_eq!(fields(e), ["date"], "the county waits for the notice to end");
    advance(&mut s.store, g.meta.id, GrantStatus::CountyReviewed, &step("2026-09-25", county), TODAY).unwrap();
    assert_eq!(set_amount(&mut s.store, g.meta.id, "500").unwrap_err().code(), "grant_locked");
    let paid = advance(&mut s.store, g.meta.id, GrantStatus::Paid, &step("2026-10-08", vec![]), TODAY).unwrap();
    assert_eq!((paid.status, paid.paid_date, paid.steps.len()), (GrantStatus::Paid, Some(d(2026, 10, 8)), 5));
    assert_eq!(paid.objections, "无异议");

    assert_eq!(withdraw(&mut s.store, g.meta.id).unwrap_err().code(), "grant_locked");
    assert_eq!(fields(reverse(&mut s.store, g.meta.id, "2026-10-20", " ", TODAY).unwrap_err()), ["reason"]);
    let reversed = reverse(&mut s.store, g.meta.id, "2026-10-20", "重复发放，已退回", TODAY).unwrap();
    assert_eq!((reversed.status, reversed.reversed_reason.as_str(), reversed.amount_fen), (GrantStatus::Reversed, "重复发放，已退回", 48_000));
    // Reversed: the student may be granted again.
    apply(&mut s.store, &input(s.boarder, BOARDING_PRIMARY), TODAY).unwrap();
}

#[test]
fn eligibility_finds_the_missed_and_coverage_moves() {
    let mut s = school();
    let c = coverage(&s.store, AUTUMN, 100).unwrap();
    let of = |c: &AidCoverage, code: &str| c.programmes.iter().find(|p| p.code == code).cloned().unwrap();
    // Boarding subsidy: only the registered-poor boarder (not the boarder on no list, not the
    // dropped-out one). Nutrition: every enrolled primary/junior student.
    assert_eq!((of(&c, "boarding_primary").due, of(&c, "boarding_primary").missed), (1, 1));
    assert_eq!(of(&c, "boarding_junior").due, 0, "the junior student is a day student");
    assert_eq!(of(&c, "nutrition").due, 3);
    assert_eq!((c.due, c.covered, c.rate_permille), (4, 0, Some(0)));
    let missed: Vec<(RecordId, &str)> = c.missed.items.iter().map(|m| (m.member_id, m.programme_name.as_str())).collect();
    assert!(missed.contains(&(s.boarder, "义务教育寄宿生生活补助（小学）")));
    assert!(!missed.iter().any(|(m, _)| *m == s.dropped));
    assert!(missed.iter().any(|(m, _)| *m == s.other) && missed.iter().any(|(m, _)| *m == s.day));

    let g = apply(&mut s.store, &input(s.boarder, BOARDING_PRIMARY), TODAY).unwrap();
    apply(&mut s.store, &input(s.day, NUTRITION), TODAY).unwrap();
    let c = coverage(&s.store, AUTUMN, 100).unwrap();
    assert_eq!((of(&c, "boarding_primary").covered, of(&c, "boarding_primary").missed), (1, 0));
    assert_eq!((c.due, c.covered, c.rate_permille, c.missed.count), (4, 2, Some(500), 2));
    assert_eq!((c.amount_fen, c.paid_fen), (100_000, 0));
    // Another term is untouched.
    assert_eq!(coverage(&s.store, Term { year: 2027, autumn: false }, 100).unwrap().covered, 0);
    // Withdrawn: missed again.
    withdraw(&mut s.store, g.meta.id).unwrap();
    assert_eq!(of(&coverage(&s.store, AUTUMN, 100).unwrap(), "boarding_primary").missed, 1);
}

#[test]
fn a_notice_shows_name_class_programme_and_amount_and_nothing_private() {
    let mut s = school();
    let g = apply(&mut s.store, &input(s.boarder, BOARDING_PRIMARY), TODAY).unwrap();
    advance(&mut s.store, g.meta.id, GrantStatus::SchoolReviewed, &step("2026-09-15", vec![sign(SignRole::Principal, "赵校长")]), TODAY).unwrap();
    let n = start_notice(
        &mut s.store,
        pid(BOARDING_PRIMARY),
        AUTUMN,
        &StepInput { notice_end: Some("2026-09-22".into()), ..step("2026-09-16", vec![]) },
        TODAY,
    )
    .unwrap();
    assert_eq!(n, 1);
    assert_eq!(start_notice(&mut s.store, pid(BOARDING_PRIMARY), AUTUMN, &step("2026-09-16", vec![]), TODAY).unwrap_err().code(), "nothing_to_notice");

    let notice = notice(&s.store, AUTUMN, Some(pid(BOARDING_PRIMARY))).unwrap();
    assert_eq!(notice.rows.len(), 1);
    assert_eq!((notice.start, notice.end), (Some(d(2026, 9, 16)), Some(d(2026, 9, 22))));
    let text = serde_json::to_string(&notice).unwrap();
    assert!(text.contains("王小明") && text.contains("2班") && text.contains("50000"));
    let id = member::get(s.store.conn(), s.boarder).unwrap().resident_id;
    for private in [id.as_str(), &id[id.len() - 4..], "五一村", "涧池镇", "残疾", "disability", "因残", "13891501234", "王建国"] {
        assert!(!text.contains(private), "the notice shows {private:?}");
    }
}
