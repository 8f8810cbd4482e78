use chrono::NaiveDate;

use super::*;
use crate::ResidentId;
use crate::household::{self, HouseholdInput, HouseholdStatus};
use crate::member::{self, MemberInput};
use crate::registration::{self, RegistrationInput};
use crate::student::StudentInput;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

const AUTUMN: Term = Term { year: 2026, autumn: true };
const TODAY: NaiveDate = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();

fn id(birth: NaiveDate, seq: u16) -> String {
    ResidentId::compose("610921", birth, seq).as_str().to_string()
}

fn person(store: &mut Store, household: RecordId, name: &str, resident_id: &str, birth: Option<&str>, student: Option<StudentInput>) -> RecordId {
    let input = MemberInput { name: name.into(), resident_id: resident_id.into(), birth_date: birth.map(Into::into), student, ..Default::default() };
    member::create(store, household, &input).unwrap().meta.id
}

fn roster(store: &mut Store, rows: &[(&str, &str, &str, Option<NaiveDate>, Option<bool>)]) -> Vec<RecordId> {
    store
        .write(|w| {
            rows.iter()
                .map(|(name, resident_id, number, birth, poor)| {
                    registration::insert(
                        w,
                        &RegistrationInput {
                            resident_id: resident_id.to_string(),
                            national_student_number: number.to_string(),
                            name: name.to_string(),
                            gender: None,
                            birth_date: *birth,
                            stage: Some(Stage::Primary),
                            grade: Some(3),
                            class_name: "1班".into(),
                            ethnicity: String::new(),
                            boarding: None,
                            left_behind: None,
                            registered_poor: *poor,
                            address: String::new(),
                            guardian_name: String::new(),
                            phone: String::new(),
                        },
                    )
                })
                .collect()
        })
        .unwrap()
}

fn kinds(r: &Reconciliation, subject: RecordId) -> Vec<(MismatchKind, Reason)> {
    r.mismatches.iter().filter(|m| m.subject_id == subject).map(|m| (m.kind, m.reason.clone())).collect()
}

#[test]
fn each_kind_of_mismatch_is_found_with_its_reason() {
    let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    let poor = household::create(&mut store, &household::tests::input("0001", "王建国")).unwrap().meta.id;
    let other = household::create(&mut store, &HouseholdInput { status: HouseholdStatus::None, ..household::tests::input("0002", "李红") }).unwrap().meta.id;
    let kid = Some(StudentInput::default());
    let (a_id, b_id, x_id) = (id(d(2017, 1, 5), 1), id(d(2017, 2, 5), 2), id(d(2016, 3, 5), 3));
    let a = person(&mut store, poor, "王一", &a_id, None, kid.clone());
    let b = person(&mut store, poor, "王二", &b_id, None, kid.clone());
    let c = person(&mut store, poor, "王三", "", Some("2016-05-01"), None);
    let adult = person(&mut store, poor, "王建国", "", Some("1980-05-01"), None);
    let e = person(&mut store, poor, "王五", "", None, kid.clone());
    let x = person(&mut store, poor, "王六", &x_id, None, Some(StudentInput { enrolment_status: EnrolmentStatus::DroppedOut, ..Default::default() }));
    let f = person(&mut store, other, "李一", &id(d(2017, 4, 5), 4), None, kid.clone());

    // Before the roster is imported, only aid is checked.
    let r = reconcile(&store, AUTUMN, TODAY).unwrap();
    assert_eq!((r.roster_rows, r.unregistered.open, r.no_aid.open), (0, 0, 3));

    let twin = d(2015, 6, 1);
    let rows = roster(
        &mut store,
        &[
            ("王一", &a_id, "G1", Some(d(2017, 1, 5)), Some(true)),
            ("赵空", &id(d(2016, 7, 1), 5), "G2", Some(d(2016, 7, 1)), Some(true)),
            ("王六", &x_id, "G3", Some(d(2016, 3, 5)), Some(true)),
            ("钱老", &id(d(2005, 1, 1), 6), "G4", Some(d(2005, 1, 1)), None),
            ("孙甲", &id(d(2016, 8, 1), 7), "G5", Some(d(2016, 8, 1)), None),
            ("孙乙", &id(d(2016, 9, 1), 8), "G5", Some(d(2016, 9, 1)), None),
            ("周同", &id(twin, 9), "G7", Some(twin), None),
            ("周同", &id(twin, 11), "G8", Some(twin), None),
        ],
    );
    let r = reconcile(&store, AUTUMN, TODAY).unwrap();
    assert!(kinds(&r, a).iter().all(|(k, _)| *k == MismatchKind::NoAid), "on both lists: only the aid is missing");
    assert_eq!(kinds(&r, b), [(MismatchKind::Unregistered, Reason::StudentNotOnRoster), (MismatchKind::NoAid, Reason::NoGrantThisTerm)]);
    assert_eq!(kinds(&r, c), [(MismatchKind::Unregistered, Reason::SchoolAgeNotOnRoster { age: 10 })]);
    assert!(kinds(&r, adult).is_empty());
    assert_eq!(kinds(&r, e)[0], (MismatchKind::Unregistered, Reason::NoResidentId));
    assert!(kinds(&r, x).is_empty(), "the dropped-out child is checked on the roster side");
    assert!(kinds(&r, f).is_empty(), "not registered-poor: not this table's business");
    assert_eq!(kinds(&r, rows[0]), []);
    assert_eq!(kinds(&r, rows[1]), [(MismatchKind::Phantom, Reason::PoorButNoCard)]);
    assert_eq!(kinds(&r, rows[2]), [(MismatchKind::Phantom, Reason::CardSaysLeft { status: EnrolmentStatus::DroppedOut })]);
    assert_eq!(kinds(&r, rows[3]), [(MismatchKind::Phantom, Reason::TooOldForStage { age: 21, stage: Stage::Primary })]);
    assert_eq!(kinds(&r, rows[4]), [(MismatchKind::Duplicate, Reason::SameStudentNumber { other: "孙乙 1班".into() })]);
    assert_eq!(kinds(&r, rows[5]), [(MismatchKind::Duplicate, Reason::SameStudentNumber { other: "孙甲 1班".into() })]);
    assert_eq!(kinds(&r, rows[6]), [(MismatchKind::Duplicate, Reason::SameNameAndBirth { other: "周同 1班".into() })]);
    assert_eq!(kinds(&r, rows[7]).len(), 1);
    assert_eq!((r.unregistered.open, r.phantom.open, r.duplicate.open, r.no_aid.open), (3, 3, 4, 3));
    let masked = &r.mismatches.iter().find(|m| m.subject_id == b).unwrap().resident_id_masked;
    assert_eq!(masked, &format!("610921********{}", &b_id[14..]));
    assert!(!serde_json::to_string(&r).unwrap().contains(&b_id), "full ID numbers stay out of the list");

    // A grant takes a student off the no-aid list.
    crate::aid::apply(
        &mut store,
        &crate::aid::GrantInput {
            member_id: a,
            programme_id: RecordId::parse("01900000-0000-7000-8000-000000000003").unwrap(),
            term: AUTUMN,
            amount: String::new(),
            applied_date: "2026-09-10".into(),
            parent_name: "王建国".into(),
            class_teacher_name: "张老师".into(),
        },
        TODAY,
    )
    .unwrap();
    assert_eq!(reconcile(&store, AUTUMN, TODAY).unwrap().no_aid.open, 2);

    // Dismissed with a note: off the open list, kept with its decision; reopened: back.
    assert_eq!(decide(&mut store, MismatchKind::Phantom, rows[3], Decision::Dismissed, " ").unwrap_err().code(), "invalid_input");
    decide(&mut store, MismatchKind::Phantom, rows[3], Decision::Dismissed, "复读生，年龄属实").unwrap();
    let r = reconcile(&store, AUTUMN, TODAY).unwrap();
    assert_eq!((r.phantom.open, r.phantom.decided), (2, 1));
    let decided = r.mismatches.last().unwrap();
    assert_eq!((decided.subject_id, decided.decision.as_ref().unwrap().note.as_str()), (rows[3], "复读生，年龄属实"));
    reopen(&mut store, MismatchKind::Phantom, rows[3]).unwrap();
    assert_eq!(reconcile(&store, AUTUMN, TODAY).unwrap().phantom.open, 3);
}
