//! The role × operation matrix: each role, each kind of write, full-ID reads — enforced in
//! the core, whatever a window shows.

use chrono::NaiveDate;
use serde_json::json;

use super::*;
use crate::account::{self, AccountInput};
use crate::demo::{self, DemoOptions};
use crate::error::Error;
use crate::term::Term;

struct School {
    store: Store,
    principal: Actor,
    officer: Actor,
    /// Paired with a student of `mine`.
    li: Actor,
    /// Heads the class of a student of `class_of_zhang`.
    zhang: Actor,
    mine: RecordId,
    class_of_zhang: RecordId,
    other: RecordId,
    /// A student of `other`.
    other_student: RecordId,
}

fn students_by_household(store: &Store) -> Vec<(RecordId, RecordId, Option<i64>, String)> {
    store
        .conn()
        .prepare(
            "SELECT m.household_id, m.id, s.grade, s.class_name FROM member m JOIN student s ON s.member_id = m.id
             WHERE m.deleted_at IS NULL AND s.deleted_at IS NULL AND s.enrolment_status = 'enrolled' ORDER BY m.household_id",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

fn school() -> School {
    let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    crate::school::setup(&mut store, &crate::school::SchoolInput { code: "2161092101".into(), name: "九年制学校".into(), town: String::new(), district: String::new() })
        .unwrap();
    demo::generate(&mut store, &DemoOptions { students: 60, seed: 11 }).unwrap();
    let add = |store: &mut Store, login: &str, name: &str, role: Role| {
        account::add(store, &AccountInput { login: login.into(), name: name.into(), role, teacher_id: None }, "password-1").unwrap().actor()
    };
    let principal = add(&mut store, "wang", "王校长", Role::Principal);
    let officer = add(&mut store, "zhao", "赵专干", Role::AidOfficer);
    let li = add(&mut store, "li", "李老师", Role::Teacher);
    let zhang = add(&mut store, "zhang", "张老师", Role::Teacher);
    let all = students_by_household(&store);
    let (mine, student, _, _) = all[0].clone();
    crate::pairing::assign(&mut store, li.teacher_id.unwrap(), student, NaiveDate::from_ymd_opt(2026, 9, 1).unwrap()).unwrap();
    // Zhang heads the class of a student in another household, whose class nobody of `mine` is in.
    let (class_of_zhang, _, grade, class_name) = all.iter().find(|(h, _, g, c)| *h != mine && !all.iter().any(|(h2, _, g2, c2)| *h2 == mine && g2 == g && c2 == c)).cloned().unwrap();
    let class = crate::pairing::ClassRef { stage: crate::student::Stage::of_grade(grade), grade, class_name: class_name.clone() };
    crate::teacher::set_classes(&mut store, zhang.teacher_id.unwrap(), &[class]).unwrap();
    let (other, other_student, _, _) = all
        .iter()
        .find(|(h, _, g, c)| *h != mine && *h != class_of_zhang && !(*g == grade && *c == class_name))
        .cloned()
        .unwrap();
    School { store, principal, officer, li, zhang, mine, class_of_zhang, other, other_student }
}

fn allowed(store: &Store, action: Action) -> bool {
    match require(store, action) {
        Ok(()) => true,
        Err(Error::Forbidden { reason, .. }) => {
            assert!(!reason.is_empty());
            false
        }
        Err(e) if e.domain::<crate::settings::WrongMode>().is_some() => false,
        Err(e) => panic!("{e:?}"),
    }
}

#[test]
fn each_role_may_do_what_its_rules_say_and_nothing_else() {
    let mut s = school();
    let (mine, other) = (s.mine, s.other);
    let actions = [
        Action::ManageAccounts,
        Action::ManageSchool,
        Action::SignAndExport,
        Action::LoadDemo,
        Action::Import,
        Action::CreateOrDeleteHousehold,
        Action::EditHousehold(mine),
        Action::EditHousehold(other),
        Action::ManagePairings,
        Action::CareFor(mine),
        Action::CareFor(other),
        Action::Aid,
        Action::SchoolReview,
        Action::Reconcile,
        Action::ConfirmWeek,
        Action::County,
        Action::ArchiveFullIds,
    ];
    let reviewer = Actor { role: Role::Reviewer, ..s.principal.clone() };
    let expected: [(&Actor, [bool; 17]); 4] = [
        (&s.principal, [true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, false, true]),
        (&s.officer, [false, false, false, false, true, true, true, true, true, true, true, true, false, true, false, false, false]),
        (&s.li, [false, false, false, false, false, false, true, false, false, true, false, false, false, false, false, false, false]),
        // In a school's database a reviewer has nothing to do (county work needs a county one).
        (&reviewer, [true, false, false, false, false, false, false, false, false, false, false, false, false, false, false, false, false]),
    ];
    for (actor, want) in expected {
        s.store.act_as_for_tests(actor.clone());
        let got: Vec<bool> = actions.iter().map(|a| allowed(&s.store, *a)).collect();
        assert_eq!(got, want, "{:?}", actor.role);
        // The same rule for any author, the store acting for someone else (a change file's
        // record, judged in the merge on the records as they stand).
        s.store.act_as_for_tests(Actor::system());
        let judged: Vec<bool> = actions.iter().map(|a| allows(s.store.conn(), actor, *a).unwrap()).collect();
        let mut by_role = want;
        by_role[15] = actor.role == Role::Reviewer; // county work: the role's; the mode is `require`'s to check
        assert_eq!(judged, by_role, "{:?} as an author", actor.role);
    }
    // In a county's database: the reviewer's work, nobody else's.
    let mut county = Store::open_in_memory(&crate::SCHEMA).unwrap();
    crate::settings::set_mode(&mut county, crate::settings::Mode::County).unwrap();
    county.act_as_for_tests(reviewer.clone());
    assert!(allowed(&county, Action::County) && allowed(&county, Action::ManageAccounts));
    assert!(!allowed(&county, Action::Aid) && !allowed(&county, Action::SignAndExport));
    county.act_as_for_tests(s.principal.clone());
    assert!(!allowed(&county, Action::County), "a principal's role is a school's");
    // A class teacher's class, a card that names a teacher.
    s.store.act_as_for_tests(s.zhang.clone());
    assert!(allowed(&s.store, Action::CareFor(s.class_of_zhang)));
    assert!(!allowed(&s.store, Action::CareFor(mine)));
    s.store.act_as_for_tests(Actor::system());
    crate::teacher::set_for_household(&mut s.store, other, &[s.zhang.teacher_id.unwrap()]).unwrap();
    s.store.act_as_for_tests(s.zhang.clone());
    assert!(allowed(&s.store, Action::EditHousehold(other)), "the card names them");
}

fn forbidden<T: std::fmt::Debug>(r: crate::error::Result<T>, what: &str) {
    match r {
        Err(Error::Forbidden { reason, reason_en }) => {
            assert!(reason.contains("李老师") && reason_en.contains("teacher"), "{what}: {reason}");
        }
        other => panic!("{what}: expected 权限不足, got {other:?}"),
    }
}

/// Every kind of write a teacher may not do is refused by the domain itself; what is theirs
/// goes through. (The files' side — signing, the county export, imports — is checked in
/// `huka-core`'s tests, above both.)
#[test]
fn a_teacher_is_refused_every_write_outside_their_care() {
    let mut s = school();
    let today = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    let other_member = crate::member::of_household(s.store.conn(), s.other).unwrap()[0].meta.id;
    s.store.act_as_for_tests(s.li.clone());
    let st = &mut s.store;
    forbidden(crate::household::create(st, &crate::household::tests::input("9999", "新户")), "create a card");
    forbidden(crate::household::update(st, s.other, &crate::household::tests::input("9998", "别人")), "edit another card");
    forbidden(crate::household::delete(st, s.mine), "delete a card");
    forbidden(crate::member::update(st, other_member, &Default::default()), "edit another family's member");
    forbidden(crate::member::delete(st, other_member), "delete another family's member");
    let visit: crate::visit::VisitInput = serde_json::from_value(json!({
        "householdId": s.other, "visitDate": "2026-11-01", "teacherIds": [s.li.teacher_id], "studentIds": [s.other_student], "mode": "in_home"
    }))
    .unwrap();
    forbidden(crate::visit::create(st, &visit), "visit another family");
    let plan: crate::plan::PlanInput = serde_json::from_value(json!({ "memberId": s.other_student, "term": "2026-autumn" })).unwrap();
    forbidden(crate::plan::create(st, &plan), "plan for another's student");
    let case: crate::dropout::CaseInput = serde_json::from_value(json!({
        "memberId": s.other_student, "kind": "at_risk", "reportedDate": "2026-11-01", "reason": "other", "riskLevel": "low"
    }))
    .unwrap();
    forbidden(crate::dropout::create(st, &case, today), "a dropout case for another's student");
    forbidden(crate::dropout::confirm_week(st, crate::dropout::IsoWeek::of(today), "李老师", today), "confirm the week");
    let programme = crate::aid::programmes(st.conn()).unwrap()[0].meta.id;
    let grant: crate::aid::GrantInput = serde_json::from_value(json!({
        "memberId": s.other_student, "programmeId": programme, "term": "2026-autumn", "appliedDate": "2026-11-01"
    }))
    .unwrap();
    forbidden(crate::aid::apply(st, &grant, today), "apply for aid");
    forbidden(crate::reconcile::decide(st, crate::reconcile::MismatchKind::NoAid, s.other_student, crate::reconcile::Decision::Dismissed, "x"), "decide on the lists");
    forbidden(crate::reconcile::reconcile(st, Term::of(today), today), "read the three lists");
    forbidden(crate::pairing::assign(st, s.li.teacher_id.unwrap(), s.other_student, today), "pair");
    forbidden(crate::teacher::create(st, &serde_json::from_value(json!({ "name": "新老师", "role": "class_teacher" })).unwrap()), "add a teacher");
    forbidden(account::add(st, &AccountInput { login: "x".into(), name: "x".into(), role: Role::Teacher, teacher_id: None }, "password-1"), "add an account");
    forbidden(account::list(st), "list accounts");
    forbidden(crate::demo::generate(st, &DemoOptions::default()), "load the demo");
    forbidden(crate::settings::set_idle_minutes(st, 5), "change settings");

    // Their own student's family: yes.
    let mine_visit: crate::visit::VisitInput = serde_json::from_value(json!({
        "householdId": s.mine, "visitDate": "2026-11-01", "teacherIds": [s.li.teacher_id], "mode": "phone"
    }))
    .unwrap();
    crate::visit::create(st, &mine_visit).unwrap();
    let h = crate::household::get(st.conn(), s.mine).unwrap();
    crate::household::update(st, s.mine, &crate::household::HouseholdInput { notes: "改过".into(), ..h.fields }).unwrap();
}

#[test]
fn the_school_review_is_the_principals_signature() {
    let mut s = school();
    let today = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    let applied = crate::aid::grants(s.store.conn(), &crate::aid::GrantFilter { status: Some(crate::aid::GrantStatus::Applied), ..Default::default() }, 1)
        .unwrap()
        .into_iter()
        .next()
        .expect("the demo has an applied grant");
    let step = crate::aid::StepInput {
        date: "2026-11-20".into(),
        signoffs: vec![crate::aid::Signoff { role: crate::aid::SignRole::Principal, name: "有人冒签".into() }],
        ..Default::default()
    };
    s.store.act_as_for_tests(s.officer.clone());
    match crate::aid::advance(&mut s.store, applied.meta.id, crate::aid::GrantStatus::SchoolReviewed, &step, today) {
        Err(Error::Forbidden { reason, .. }) => assert!(reason.contains("校长"), "{reason}"),
        other => panic!("{other:?}"),
    }
    s.store.act_as_for_tests(s.principal.clone());
    let g = crate::aid::advance(&mut s.store, applied.meta.id, crate::aid::GrantStatus::SchoolReviewed, &step, today).unwrap();
    let signed = &g.steps.last().unwrap().signoffs;
    assert_eq!(signed.iter().find(|x| x.role == crate::aid::SignRole::Principal).unwrap().name, "王校长", "the account signs, not a typed name");
}

#[test]
fn a_teacher_reads_every_card_with_numbers_masked_and_health_only_in_their_care() {
    let mut s = school();
    s.store.act_as_for_tests(s.li.clone());
    let other = crate::card::get(&s.store, s.other).unwrap();
    assert!(other.restricted);
    assert!(other.members.iter().all(|m| m.resident_id.is_empty() || m.resident_id.contains("********")), "{:?}", other.members);
    assert!(other.members.iter().all(|m| m.health.is_empty()));
    let text = serde_json::to_string(&other).unwrap();
    s.store.act_as_for_tests(s.principal.clone());
    let full = crate::card::get(&s.store, s.other).unwrap();
    assert!(!full.restricted);
    for m in full.members.iter().filter(|m| !m.resident_id.is_empty()) {
        assert!(!text.contains(&m.resident_id), "no full ID number reaches the teacher");
    }
    s.store.act_as_for_tests(s.li.clone());
    let mine = crate::card::get(&s.store, s.mine).unwrap();
    assert!(!mine.restricted, "health and disability in their care");
    // Numbers masked in their care too (issue 22): only the roles holding the second key see them.
    assert!(mine.members.iter().any(|m| m.resident_id.contains("********")));
    assert!(mine.members.iter().all(|m| m.resident_id.is_empty() || m.resident_id.contains("********")), "{:?}", mine.members);
    assert!(mine.members.iter().all(|m| m.birth_date.is_none()));
    // No health or disability text either (a teacher's computer cannot open it): whether there is one.
    assert!(mine.members.iter().all(|m| m.health.is_empty()));
    // Editing a member in their care keeps the number and birth date they cannot see; a full
    // number typed is refused.
    let shown = mine.members.iter().find(|m| m.resident_id.contains("********")).unwrap().clone();
    let stored = crate::member::get(s.store.conn(), shown.meta.id).unwrap();
    let input = crate::member::MemberInput {
        name: "改名".into(),
        relation: shown.relation.clone(),
        resident_id: shown.resident_id.clone(),
        gender: shown.gender,
        birth_date: None,
        health: shown.health.clone(),
        migrant_work: shown.migrant_work,
        student: shown.student.as_ref().map(|st| st.fields.clone()),
    };
    let answered = crate::member::update(&mut s.store, shown.meta.id, &input).unwrap();
    assert_eq!((answered.resident_id.as_str(), answered.birth_date), (shown.resident_id.as_str(), None), "what the teacher gets back is masked too");
    let after = crate::member::get(s.store.conn(), shown.meta.id).unwrap();
    assert_eq!((after.name.as_str(), &after.resident_id, after.birth_date), ("改名", &stored.resident_id, stored.birth_date));
    assert_eq!(after.student.as_ref().map(|st| &st.fields.national_student_number), stored.student.as_ref().map(|st| &st.fields.national_student_number));
    assert_eq!(after.seals, stored.seals, "what is sealed stays as it was, its ciphertexts too");
    assert_eq!(after.student.map(|st| st.seals), stored.student.map(|st| st.seals));
    assert!(!stored.seals.resident_id.is_empty());
    // A birth date typed does not replace the one stored (the teacher sees its year only).
    let dated = crate::member::MemberInput { birth_date: Some("2001-01-01".into()), ..input.clone() };
    crate::member::update(&mut s.store, shown.meta.id, &dated).unwrap();
    assert_eq!(crate::member::get(s.store.conn(), shown.meta.id).unwrap().birth_date, stored.birth_date);
    let typed = crate::member::MemberInput { resident_id: "61092120130305001X".into(), ..input };
    let refused = crate::member::update(&mut s.store, shown.meta.id, &typed).unwrap_err();
    assert!(matches!(&refused, Error::Invalid(f) if f[0].problem == crate::error::Problem::Rule(&crate::member::NUMBERS_NOT_YOURS)), "{refused:?}");
    // The card names who changed it last.
    s.store.act_as_for_tests(s.li.clone());
    let h = crate::household::get(s.store.conn(), s.mine).unwrap();
    crate::household::update(&mut s.store, s.mine, &crate::household::HouseholdInput { notes: "李老师改的".into(), ..h.fields }).unwrap();
    let card = crate::card::get(&s.store, s.mine).unwrap();
    assert_eq!(card.last_change.unwrap().by, "李老师");
}

/// The masking rule (`masking`), as a teacher meets it: for every household, in their care or
/// not (issue 22), nothing their card shows rebuilds an ID number — no full number, no birth
/// date with its day, the student number masked like the ID — and searching for a number, its
/// hidden digits or a birth date does not find the household.
#[test]
fn nothing_a_teacher_gets_outside_their_care_rebuilds_an_id_number() {
    use chrono::Datelike;
    let mut s = school();
    let households: Vec<RecordId> = crate::household::list(&s.store, "", 1000).unwrap().into_iter().map(|h| h.id).collect();
    s.store.act_as_for_tests(s.principal.clone());
    let full: Vec<_> = households.iter().map(|h| crate::card::get(&s.store, *h).unwrap()).collect();
    s.store.act_as_for_tests(s.li.clone());
    let mut outside = 0;
    for card in &full {
        let id = card.household.meta.id;
        if !crate::access::sees_in_full(&s.store, id).unwrap() {
            outside += 1;
        }
        let seen = crate::card::get(&s.store, id).unwrap();
        let text = serde_json::to_string(&seen).unwrap();
        for (m, shown) in card.members.iter().zip(&seen.members) {
            assert_eq!(m.meta.id, shown.meta.id);
            let Ok(number) = crate::resident_id::ResidentId::parse(&m.resident_id) else { continue };
            let birth = number.birth_date();
            for hidden in [m.resident_id.clone(), m.resident_id[6..14].to_string(), birth.format("%Y-%m-%d").to_string()] {
                assert!(!text.contains(&hidden), "the teacher's card shows {hidden}");
            }
            assert_eq!(shown.birth_date, None);
            assert_eq!(shown.birth_year, Some(birth.year()));
            let n = crate::masking::candidates(&shown.resident_id, birth.year());
            assert!(n >= 10, "{} and {} fit only {n} numbers", shown.resident_id, birth.year());
            if let (Some(full_s), Some(seen_s)) = (&m.student, &shown.student) {
                let nsn = &full_s.fields.national_student_number;
                if !nsn.is_empty() {
                    assert!(!text.contains(nsn.as_str()), "the student number is masked");
                    assert_eq!(seen_s.fields.national_student_number, crate::masking::national_student_number(nsn));
                }
            }
            for query in [m.resident_id.clone(), m.resident_id[6..14].to_string(), m.resident_id[..14].to_string(), birth.format("%Y%m%d").to_string(), birth.format("%Y-%m-%d").to_string()] {
                let found = crate::household::list(&s.store, &query, 1000).unwrap();
                assert!(found.iter().all(|h| h.id != id), "a teacher's search for {query} finds the household");
            }
        }
    }
    assert!(outside > 10, "the demo school has households outside the teacher's care ({outside})");
    // In the teacher's care neither; for the principal and the aid officer the full number is found.
    let mine = full.iter().find(|c| c.household.meta.id == s.mine).unwrap();
    let number = mine.members.iter().find(|m| m.resident_id.len() == 18).unwrap().resident_id.clone();
    assert!(crate::household::list(&s.store, &number, 10).unwrap().iter().all(|h| h.id != s.mine));
    let other = full.iter().find(|c| c.household.meta.id == s.other).unwrap();
    let number = other.members.iter().find(|m| m.resident_id.len() == 18).unwrap().resident_id.clone();
    s.store.act_as_for_tests(s.principal.clone());
    assert!(crate::household::list(&s.store, &number[6..14], 1000).unwrap().iter().any(|h| h.id == s.other), "the principal searches by birth digits");
    s.store.act_as_for_tests(s.officer.clone());
    assert!(crate::household::list(&s.store, &number, 10).unwrap().iter().any(|h| h.id == s.other), "the aid officer by the full number");
}
