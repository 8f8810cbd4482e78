use chrono::NaiveDate;

use super::*;
use crate::error::Error;
use crate::household;
use crate::member::{self, MemberInput};
use crate::student::{EnrolmentStatus, StudentInput};
use crate::term::Term;

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn wk(s: &str) -> IsoWeek {
    IsoWeek::parse(s).unwrap()
}

/// A day well inside the 2026 autumn term, after every date the tests use.
const TODAY: (i32, u32, u32) = (2026, 12, 2);

fn today() -> NaiveDate {
    d(TODAY.0, TODAY.1, TODAY.2)
}

pub fn student(store: &mut Store, household: RecordId, name: &str) -> RecordId {
    let input = MemberInput {
        name: name.into(),
        relation: "之子".into(),
        student: Some(StudentInput { grade: Some(7), class_name: "2班".into(), ..StudentInput::default() }),
        ..Default::default()
    };
    member::create(store, household, &input).unwrap().meta.id
}

fn setup(names: &[&str]) -> (Store, RecordId, Vec<RecordId>) {
    let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    let h = household::create(&mut store, &household::tests::input("0001", "王建国")).unwrap().meta.id;
    let kids = names.iter().map(|n| student(&mut store, h, n)).collect();
    (store, h, kids)
}

pub fn case_input(member: RecordId, kind: CaseKind, reported: NaiveDate) -> CaseInput {
    CaseInput {
        member_id: member,
        kind,
        reported_date: reported.to_string(),
        dropped_out_date: None,
        reason: Reason::LeftToWork,
        reason_note: "随父母去广东".into(),
        risk_level: RiskLevel::High,
        heads: SevenHeads {
            county_head: "刘县长".into(),
            bureau_chief: "王局长".into(),
            town_head: "张镇长".into(),
            village_head: "李支书".into(),
            principal: "陈校长".into(),
            parent: "王建国".into(),
            teacher: "赵老师".into(),
        },
        notes: String::new(),
    }
}

fn status(store: &Store, member: RecordId) -> EnrolmentStatus {
    member::get(store.conn(), member).unwrap().student.unwrap().fields.enrolment_status
}

fn action(date: NaiveDate) -> ActionInput {
    ActionInput { action_date: date.to_string(), who: "赵老师、李支书".into(), what: "入户宣讲义务教育法".into(), outcome: "家长同意劝孩子回来".into() }
}

fn outcome(o: Outcome, date: NaiveDate) -> OutcomeInput {
    OutcomeInput { outcome: Some(o), outcome_date: Some(date.to_string()) }
}

#[test]
fn a_case_is_opened_logged_and_closed_and_the_student_follows() {
    let (mut store, _, kids) = setup(&["王小明"]);
    let kid = kids[0];
    let case = create(&mut store, &case_input(kid, CaseKind::DroppedOut, d(2026, 10, 12)), today()).unwrap();
    assert!(case.open);
    assert_eq!(case.dropped_out_date, Some(d(2026, 10, 12)), "left school the day it was reported");
    assert_eq!(case.name, "王小明");
    assert_eq!(case.class_name, "2班");
    assert_eq!(status(&store, kid), EnrolmentStatus::DroppedOut, "a dropout case marks the student");

    let dup = create(&mut store, &case_input(kid, CaseKind::AtRisk, d(2026, 10, 13)), today()).unwrap_err();
    assert_eq!(dup.report().fields[0].code, "open_case_exists");

    let early = add_action(&mut store, case.meta.id, &action(d(2026, 10, 11)), today()).unwrap_err();
    assert_eq!(early.report().fields[0].code, "before_reported");
    add_action(&mut store, case.meta.id, &action(d(2026, 10, 20)), today()).unwrap();
    let case = add_action(&mut store, case.meta.id, &ActionInput { what: "镇长带队再次入户".into(), ..action(d(2026, 10, 14)) }, today()).unwrap();
    assert_eq!(case.actions.iter().map(|a| a.action_date).collect::<Vec<_>>(), [d(2026, 10, 14), d(2026, 10, 20)], "oldest first");

    // Still out keeps the case open; returned closes it and enrols the student again.
    let case = set_outcome(&mut store, case.meta.id, &OutcomeInput { outcome: Some(Outcome::StillOut), outcome_date: None }, today()).unwrap();
    assert!(case.open);
    let case = set_outcome(&mut store, case.meta.id, &outcome(Outcome::Returned, d(2026, 10, 26)), today()).unwrap();
    assert!(!case.open);
    assert_eq!(status(&store, kid), EnrolmentStatus::Enrolled);
    let listed = list(store.conn(), &CaseFilter::default(), today()).unwrap();
    assert_eq!((listed[0].days_since_reported, listed[0].action_count), (14, 2));
    assert_eq!(listed[0].last_action.as_ref().unwrap().action_date, d(2026, 10, 20));
    assert!(list(store.conn(), &CaseFilter { open_only: true, ..Default::default() }, today()).unwrap().is_empty());

    // A new case once the first is closed; reopening the first is then refused.
    let second = create(&mut store, &case_input(kid, CaseKind::AtRisk, d(2026, 11, 2)), today()).unwrap();
    assert_eq!(status(&store, kid), EnrolmentStatus::Enrolled, "at risk is still in school");
    let reopen = set_outcome(&mut store, case.meta.id, &OutcomeInput::default(), today()).unwrap_err();
    assert_eq!(reopen.report().fields[0].code, "open_case_exists");

    // Transferred closes the case and marks the student transferred.
    set_outcome(&mut store, second.meta.id, &outcome(Outcome::Transferred, d(2026, 11, 20)), today()).unwrap();
    assert_eq!(status(&store, kid), EnrolmentStatus::TransferredOut);
}

#[test]
fn an_at_risk_case_becomes_a_dropout_and_a_reopened_case_puts_the_student_out_again() {
    let (mut store, _, kids) = setup(&["王小明"]);
    let kid = kids[0];
    let case = create(&mut store, &case_input(kid, CaseKind::AtRisk, d(2026, 10, 12)), today()).unwrap();
    assert_eq!(case.dropped_out_date, None);
    let case = update(&mut store, case.meta.id, &case_input(kid, CaseKind::DroppedOut, d(2026, 10, 12)), today()).unwrap();
    assert_eq!(case.dropped_out_date, Some(today()), "escalated today unless a date is given");
    assert_eq!(status(&store, kid), EnrolmentStatus::DroppedOut);
    let case = update(
        &mut store,
        case.meta.id,
        &CaseInput { dropped_out_date: Some("2026-11-03".into()), ..case_input(kid, CaseKind::DroppedOut, d(2026, 10, 12)) },
        today(),
    )
    .unwrap();
    assert_eq!(case.dropped_out_date, Some(d(2026, 11, 3)));

    let early = set_outcome(&mut store, case.meta.id, &outcome(Outcome::Returned, d(2026, 11, 1)), today()).unwrap_err();
    assert_eq!(early.report().fields[0].code, "before_reported", "not back before leaving");
    set_outcome(&mut store, case.meta.id, &outcome(Outcome::HomeSchooling, d(2026, 11, 10)), today()).unwrap();
    assert_eq!(status(&store, kid), EnrolmentStatus::Enrolled, "home-schooled students stay on the roll");
    let case = set_outcome(&mut store, case.meta.id, &OutcomeInput::default(), today()).unwrap();
    assert!(case.open && case.outcome_date.is_none());
    assert_eq!(status(&store, kid), EnrolmentStatus::DroppedOut, "reopened: out again");

    // The report date cannot move after what was logged.
    add_action(&mut store, case.meta.id, &action(d(2026, 11, 4)), today()).unwrap();
    let late = update(&mut store, case.meta.id, &case_input(kid, CaseKind::DroppedOut, d(2026, 11, 5)), today()).unwrap_err();
    assert_eq!(late.report().fields[0].code, "reported_after_actions");

    // Deleting an open dropout case withdraws it.
    delete(&mut store, case.meta.id).unwrap();
    assert_eq!(status(&store, kid), EnrolmentStatus::Enrolled);
    let actions: i64 = store.conn().query_row("SELECT count(*) FROM dropout_action WHERE deleted_at IS NULL", [], |r| r.get(0)).unwrap();
    assert_eq!(actions, 0, "its actions go with it");
}

#[test]
fn every_bad_field_is_reported_at_once() {
    let (mut store, h, kids) = setup(&["王小明"]);
    let input = CaseInput {
        reported_date: "2026-12-03".into(),
        dropped_out_date: Some("2026-13-01".into()),
        reason_note: "很".repeat(201),
        heads: SevenHeads { county_head: "长".repeat(31), teacher: "长".repeat(31), ..SevenHeads::default() },
        ..case_input(kids[0], CaseKind::DroppedOut, today())
    };
    let err = create(&mut store, &input, today()).unwrap_err();
    let fields: Vec<_> = err.report().fields.into_iter().map(|f| (f.field, f.code)).collect();
    assert_eq!(
        fields,
        [
            ("reportedDate".to_string(), "future_date".to_string()),
            ("droppedOutDate".into(), "bad_date".into()),
            ("reasonNote".into(), "too_long".into()),
            ("countyHead".into(), "too_long".into()),
            ("teacher".into(), "too_long".into()),
        ]
    );
    assert!(err.message(crate::Lang::Zh).contains("县长"), "{}", err.message(crate::Lang::Zh));

    // Not a student: the household head.
    let head = member::create(&mut store, h, &MemberInput { name: "王建国".into(), relation: "户主".into(), ..Default::default() }).unwrap();
    let err = create(&mut store, &case_input(head.meta.id, CaseKind::AtRisk, today()), today()).unwrap_err();
    assert_eq!(err.report().fields[0].code, "not_a_student");

    let case = create(&mut store, &case_input(kids[0], CaseKind::DroppedOut, d(2026, 11, 2)), today()).unwrap();
    let no_date = set_outcome(&mut store, case.meta.id, &OutcomeInput { outcome: Some(Outcome::Returned), outcome_date: None }, today()).unwrap_err();
    assert_eq!(no_date.report().fields[0].code, "required");
    let blank = add_action(&mut store, case.meta.id, &ActionInput { action_date: "2026-11-05".into(), ..Default::default() }, today()).unwrap_err();
    let fields: Vec<_> = blank.report().fields.into_iter().map(|f| f.field).collect();
    assert_eq!(fields, ["who", "what"]);
    let before = store.conn().query_row("SELECT count(*) FROM dropout_action", [], |r| r.get::<_, i64>(0)).unwrap();
    assert_eq!(before, 0, "nothing written");
}

fn set_status_by_form(store: &mut Store, member: RecordId, to: EnrolmentStatus) {
    let m = member::get(store.conn(), member).unwrap();
    let input = MemberInput {
        name: m.name,
        relation: m.relation,
        student: Some(StudentInput { enrolment_status: to, ..m.student.unwrap().fields }),
        ..Default::default()
    };
    member::update(store, member, &input).unwrap();
}

#[test]
fn changing_the_enrolment_status_in_the_member_form_opens_and_closes_the_case() {
    let (mut store, _, kids) = setup(&["王小明", "王小红", "王小刚"]);
    let today = local_today();
    // Dropped out: a case opens, reported today, with the last case's names.
    create(&mut store, &case_input(kids[2], CaseKind::AtRisk, today), today).unwrap();
    set_status_by_form(&mut store, kids[0], EnrolmentStatus::DroppedOut);
    let case = open_case_of(store.conn(), kids[0]).unwrap().expect("a case");
    assert_eq!((case.kind, case.reported_date, case.dropped_out_date, case.reason), (CaseKind::DroppedOut, today, Some(today), Reason::Other));
    assert_eq!((case.heads.county_head.as_str(), case.heads.principal.as_str(), case.heads.parent.as_str()), ("刘县长", "陈校长", "王建国"));
    // Saving the form again with the same status changes nothing.
    set_status_by_form(&mut store, kids[0], EnrolmentStatus::DroppedOut);
    assert_eq!(list(store.conn(), &CaseFilter { member: Some(kids[0]), ..Default::default() }, today).unwrap().len(), 1);

    // Back to enrolled the same day with nothing logged: a slip, withdrawn.
    set_status_by_form(&mut store, kids[0], EnrolmentStatus::Enrolled);
    assert!(open_case_of(store.conn(), kids[0]).unwrap().is_none());
    assert!(list(store.conn(), &CaseFilter { member: Some(kids[0]), ..Default::default() }, today).unwrap().is_empty());

    // Once something was done about it, enrolled again means returned.
    set_status_by_form(&mut store, kids[1], EnrolmentStatus::DroppedOut);
    let case = open_case_of(store.conn(), kids[1]).unwrap().unwrap();
    add_action(&mut store, case.meta.id, &action(today), today).unwrap();
    set_status_by_form(&mut store, kids[1], EnrolmentStatus::Enrolled);
    let case = get(store.conn(), case.meta.id).unwrap();
    assert_eq!((case.outcome, case.outcome_date, case.open), (Some(Outcome::Returned), Some(today), false));

    // An at-risk case becomes the dropout case.
    let at_risk = open_case_of(store.conn(), kids[2]).unwrap().unwrap();
    set_status_by_form(&mut store, kids[2], EnrolmentStatus::DroppedOut);
    let case = open_case_of(store.conn(), kids[2]).unwrap().unwrap();
    assert_eq!((case.meta.id, case.kind, case.dropped_out_date), (at_risk.meta.id, CaseKind::DroppedOut, Some(today)));
    set_status_by_form(&mut store, kids[2], EnrolmentStatus::TransferredOut);
    assert_eq!(get(store.conn(), case.meta.id).unwrap().outcome, Some(Outcome::Transferred));
}

#[test]
fn deleting_a_member_or_a_household_card_takes_the_cases_along() {
    let (mut store, h, kids) = setup(&["王小明", "王小红"]);
    let a = create(&mut store, &case_input(kids[0], CaseKind::DroppedOut, d(2026, 11, 2)), today()).unwrap();
    add_action(&mut store, a.meta.id, &action(d(2026, 11, 3)), today()).unwrap();
    let b = create(&mut store, &case_input(kids[1], CaseKind::AtRisk, d(2026, 11, 2)), today()).unwrap();
    add_action(&mut store, b.meta.id, &action(d(2026, 11, 3)), today()).unwrap();
    let live = |s: &Store, table: &str| -> i64 { s.conn().query_row(&format!("SELECT count(*) FROM {table} WHERE deleted_at IS NULL"), [], |r| r.get(0)).unwrap() };

    member::delete(&mut store, kids[0]).unwrap();
    assert_eq!((live(&store, "dropout_case"), live(&store, "dropout_action")), (1, 1));
    assert!(matches!(get(store.conn(), a.meta.id), Err(Error::NotFound { .. })));
    let card = crate::card::get(&store, h).unwrap();
    assert_eq!(card.dropout_cases.len(), 1);
    assert_eq!(card.dropout_cases[0].name, "王小红");

    household::delete(&mut store, h).unwrap();
    assert_eq!((live(&store, "dropout_case"), live(&store, "dropout_action")), (0, 0));
}

#[test]
fn defaults_remember_the_names_of_the_last_case() {
    let (mut store, h, kids) = setup(&["王小明", "王小红"]);
    let t = crate::teacher::create(
        &mut store,
        &crate::teacher::TeacherInput { name: "周校长".into(), phone: String::new(), subject: String::new(), role: crate::teacher::TeacherRole::Principal },
    )
    .unwrap();
    let helper = crate::teacher::create(
        &mut store,
        &crate::teacher::TeacherInput { name: "孙老师".into(), phone: String::new(), subject: String::new(), role: crate::teacher::TeacherRole::ClassTeacher },
    )
    .unwrap();
    let first = defaults(store.conn(), Some(kids[0])).unwrap();
    assert_eq!((first.principal.as_str(), first.parent.as_str(), first.county_head.as_str()), ("周校长", "王建国", ""));
    let _ = (t, h);
    crate::pairing::assign(&mut store, helper.meta.id, kids[1], d(2026, 9, 1)).unwrap();
    create(&mut store, &case_input(kids[0], CaseKind::AtRisk, d(2026, 11, 2)), today()).unwrap();
    let next = defaults(store.conn(), Some(kids[1])).unwrap();
    assert_eq!(next.county_head, "刘县长");
    assert_eq!(next.bureau_chief, "王局长");
    assert_eq!(next.town_head, "张镇长", "same town");
    assert_eq!(next.village_head, "李支书", "same village");
    assert_eq!(next.principal, "陈校长", "the last case's principal");
    assert_eq!(next.teacher, "孙老师", "the helper teacher");
    assert_eq!(defaults(store.conn(), None).unwrap().town_head, "张镇长");

    // The picker offers students without an open case.
    let offered: Vec<String> = candidates(store.conn(), "", 10).unwrap().into_iter().map(|s| s.name).collect();
    assert_eq!(offered, ["王小红"]);
    assert!(candidates(store.conn(), "小明", 10).unwrap().is_empty());
    assert_eq!(candidates(store.conn(), "五一", 10).unwrap().len(), 1, "by village");
}

/// Four students: A drops out in W41 and returns in W43, B drops out in W42 and stays out,
/// C is only at risk, D stays in school.
fn school_with_cases() -> (Store, Vec<RecordId>, RecordId) {
    let (mut store, _, kids) = setup(&["甲", "乙", "丙", "丁"]);
    let a = create(&mut store, &case_input(kids[0], CaseKind::DroppedOut, d(2026, 10, 5)), today()).unwrap();
    add_action(&mut store, a.meta.id, &action(d(2026, 10, 8)), today()).unwrap();
    set_outcome(&mut store, a.meta.id, &outcome(Outcome::Returned, d(2026, 10, 21)), today()).unwrap();
    create(&mut store, &case_input(kids[1], CaseKind::DroppedOut, d(2026, 10, 18)), today()).unwrap();
    create(&mut store, &case_input(kids[2], CaseKind::AtRisk, d(2026, 10, 6)), today()).unwrap();
    (store, kids, a.meta.id)
}

fn numbers(enrolment: i64, new_dropouts: i64, returns: i64, open_cases: i64) -> WeekNumbers {
    WeekNumbers { enrolment, new_dropouts, returns, open_cases }
}

#[test]
fn week_reports_are_computed_from_the_cases() {
    let (store, _, _) = school_with_cases();
    let report = |w: &str| week_report(&store, wk(w), today()).unwrap();
    // Enrolled now: A (back), C, D.
    assert_eq!(report("2026-W40").status.numbers, numbers(4, 0, 0, 0), "before anyone left");
    let w41 = report("2026-W41");
    assert_eq!(w41.status.numbers, numbers(3, 1, 0, 1));
    assert!(!w41.status.zero);
    assert_eq!(w41.dropouts.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["甲"]);
    assert_eq!((w41.status.start, w41.status.end), (d(2026, 10, 5), d(2026, 10, 11)));
    assert_eq!(report("2026-W42").status.numbers, numbers(2, 1, 0, 2), "B left on Sunday the 18th");
    let w43 = report("2026-W43");
    assert_eq!(w43.status.numbers, numbers(3, 0, 1, 1));
    assert!(w43.status.zero, "a week with a return but no new dropout is a zero report");
    assert_eq!(w43.returned[0].name, "甲");
    assert_eq!(w43.status.state, WeekState::Missing);
    assert_eq!(report("2026-W49").status.state, WeekState::Current);
    assert_eq!(report("2026-W50").status.state, WeekState::Future);
}

#[test]
fn a_confirmed_week_keeps_its_numbers_and_flags_later_changes() {
    let (mut store, kids, _) = school_with_cases();
    let confirmed = confirm_week(&mut store, wk("2026-W42"), " 陈校长 ", today()).unwrap();
    assert_eq!(confirmed.status.state, WeekState::Confirmed);
    assert_eq!(confirmed.status.confirmed.as_ref().unwrap().by, "陈校长");
    assert!(!confirmed.status.changed);

    // A dropout in that week reported late: the confirmed numbers stay, the difference shows.
    let late = CaseInput { dropped_out_date: Some("2026-10-14".into()), ..case_input(kids[3], CaseKind::DroppedOut, d(2026, 11, 2)) };
    create(&mut store, &late, today()).unwrap();
    let again = week_report(&store, wk("2026-W42"), today()).unwrap();
    assert_eq!(again.status.numbers, numbers(2, 1, 0, 2));
    assert!(again.status.changed);
    assert_eq!(again.status.recomputed, Some(numbers(1, 2, 0, 3)));
    // Confirming again takes the new numbers.
    let re = confirm_week(&mut store, wk("2026-W42"), "陈校长", today()).unwrap();
    assert_eq!((re.status.numbers, re.status.changed), (numbers(1, 2, 0, 3), false));
    let rows: i64 = store.conn().query_row("SELECT count(*) FROM dropout_week", [], |r| r.get(0)).unwrap();
    assert_eq!(rows, 1, "one row per week");

    // This week may be confirmed; next week not; a name is needed.
    confirm_week(&mut store, wk("2026-W49"), "陈校长", today()).unwrap();
    let future = confirm_week(&mut store, wk("2026-W50"), "陈校长", today()).unwrap_err();
    assert_eq!(future.report().fields[0].code, "future_week");
    let nobody = confirm_week(&mut store, wk("2026-W48"), " ", today()).unwrap_err();
    assert_eq!(nobody.report().fields[0].field, "confirmedBy");
}

#[test]
fn the_terms_weeks_show_the_missing_ones_and_cross_the_new_year() {
    let (mut store, _, _) = school_with_cases();
    let term = Term::parse("2026-autumn").unwrap();
    confirm_week(&mut store, wk("2026-W41"), "陈校长", today()).unwrap();
    let listed = weeks(&store, term, today()).unwrap();
    assert_eq!(listed.first().unwrap().week, wk("2026-W49"), "newest first, up to this week");
    assert_eq!(listed.last().unwrap().week, wk("2026-W36"), "the week of 1 September");
    assert_eq!(listed.len(), 14);
    assert_eq!(listed[0].state, WeekState::Current);
    let missing = listed.iter().filter(|w| w.state == WeekState::Missing).count();
    assert_eq!(missing, 12);
    assert!(listed.iter().any(|w| w.week == wk("2026-W41") && w.state == WeekState::Confirmed));

    // After the term: every week, across the new year and its week 53.
    let all = weeks(&store, term, d(2027, 3, 1)).unwrap();
    assert_eq!(all.len(), 22);
    assert_eq!(all[0].week, wk("2027-W04"));
    assert!(all.iter().any(|w| w.week == wk("2026-W53")));
    assert!(weeks(&store, Term::parse("2027-autumn").unwrap(), today()).unwrap().is_empty(), "not begun");

    let s = summary(&store, term, today()).unwrap();
    assert_eq!((s.cases_opened, s.dropouts, s.returned, s.still_open, s.at_risk_open), (3, 2, 1, 1, 1));
    assert_eq!((s.weeks_confirmed, s.weeks_missing, s.weeks.len()), (1, 12, 14));
    assert_eq!(s.weeks[0].week, wk("2026-W36"), "oldest first");
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["weeks"][5]["newDropouts"], 1);
    assert_eq!(json["weeks"][5]["confirmed"]["by"], "陈校长");
    assert_eq!(json["stillOpen"], 1);
}
