//! The policy card (教育惠民政策明白卡) each family keeps: one page per household saying, for a
//! term, which programmes each of its students receives or is due, how much, the step the grant
//! is at, what the family must bring or do and by when, and whom to call. Printed by
//! `archive::policy_card` (the archive's Typst pipeline); this module decides what is on it and
//! whose cards a reader may print.
//!
//! A card carries nothing the family's neighbours should not read over a shoulder: no ID number,
//! no health, no disability, no cause of poverty, no address — the types below have no field
//! for them. A teacher prints the households in their care only (a household outside is
//! refused; a class or "all" is cut to their care).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::access::{self, Action, Role};
use crate::error::{DomainError, Lang, Result};
use crate::aid::GrantStatus;
use crate::installation::{require_mode, Mode};
use crate::record::RecordId;
use crate::school::SchoolError;
use crate::store::Store;
use crate::term::Term;

/// Whose cards to print.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase", tag = "kind")]
pub enum Scope {
    /// Every household with an enrolled student (a teacher: those in their care).
    All,
    /// One household, by its record (the card's button) …
    Household { id: RecordId },
    /// … or by its household number (the command line).
    HouseholdNumber { number: String },
    /// The households of a class's students: grade and class as stored ("3", "2班").
    Class { grade: i64, class_name: String },
    /// The households a teacher visits: those in the teacher's care, by the teacher's name.
    Teacher { name: String },
    /// The households in the logged-in teacher's care (the window's "my visits").
    Mine,
}

impl Scope {
    /// `GRADE-CLASS` as typed on the command line: `3-2`, `3-2班`.
    pub fn class(text: &str) -> Option<Scope> {
        let (grade, class) = text.trim().split_once('-')?;
        let grade: i64 = grade.trim().parse().ok()?;
        let class = crate::text::clean(class).replace(' ', "");
        if class.is_empty() {
            return None;
        }
        let class_name = if class.ends_with('班') { class } else { format!("{class}班") };
        Some(Scope::Class { grade, class_name })
    }
}

/// The policy cards' own refusals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyCardError {
    /// No household with an enrolled student matches (or none the reader may print).
    NothingToPrint,
    /// "My visits" asked by an account that is not a teacher's.
    NotATeacher,
    /// Two teachers have the name asked for: which one's households is not for Huka to guess.
    TeacherNameTwice,
}

impl DomainError for PolicyCardError {
    fn code(&self) -> &'static str {
        match self {
            PolicyCardError::NothingToPrint => "nothing_to_print",
            PolicyCardError::NotATeacher => "not_a_teacher",
            PolicyCardError::TeacherNameTwice => "teacher_name_twice",
        }
    }
    fn message(&self, lang: Lang) -> String {
        let (zh, en) = match self {
            PolicyCardError::NothingToPrint => ("没有可打印明白卡的家庭（所选范围内没有在读学生，或不在您的帮扶范围内）。", "No household to print a policy card for (no enrolled student in the choice, or none in your care)."),
            PolicyCardError::NotATeacher => ("只有教师账号才有“我的家访”。", "Only a teacher's account has \"my visits\"."),
            PolicyCardError::TeacherNameTwice => (
                "有两位同名的教师，无法确定是哪一位：请按班级打印，或先在教师名单里把姓名区分开（如加上学科）。",
                "Two teachers have this name: print by class instead, or tell the names apart in the teachers' list first (e.g. add the subject).",
            ),
        };
        lang.pick(zh.into(), en.into())
    }
}

/// One programme on a card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CardLine {
    pub programme: String,
    pub amount_fen: i64,
    /// `None`: due, not applied for yet.
    pub status: Option<GrantStatus>,
    /// What the family must bring or do now (empty: nothing).
    pub todo: String,
    /// By when.
    pub by: Option<NaiveDate>,
    /// The notice's last day, while the grant is on notice (printed as 公示至 M月D日); the day
    /// it was paid (已于 M月D日发放).
    pub notice_end: Option<NaiveDate>,
    pub paid_date: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CardStudent {
    pub name: String,
    pub grade: Option<i64>,
    pub class_name: String,
    pub lines: Vec<CardLine>,
}

/// One household's card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyCard {
    pub household_number: String,
    pub head_name: String,
    pub students: Vec<CardStudent>,
    /// What the family's grants this term come to (applied for, or further on).
    pub total_fen: i64,
    /// What programmes they are due but have not applied for would add: shown apart, so that a
    /// family does not count on money it has not asked for.
    pub due_fen: i64,
}

/// The cards asked for, with what every card shares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyCards {
    pub school_name: String,
    pub aid_officer: String,
    pub aid_phone: String,
    pub county_hotline: String,
    pub term: Term,
    pub cards: Vec<PolicyCard>,
    /// Households of the choice left out because they are not in the teacher's care.
    pub left_out: usize,
}

/// The cards of `scope` for `term`, as the store's account may print them.
pub fn collect(store: &Store, term: Term, scope: &Scope) -> Result<PolicyCards> {
    require_mode(store, Mode::School)?;
    let school = crate::school::get(store)?.ok_or(SchoolError::NotSetUp)?;
    let actor = store.actor().clone();
    let teacher_of_reader = match actor.role {
        Role::Teacher => actor.teacher_id,
        _ => None,
    };
    if actor.role == Role::Reviewer {
        access::require(store, Action::Aid)?;
    }
    // Which households the choice names (None: every one).
    let conn = store.conn();
    let wanted: Option<Vec<RecordId>> = match scope {
        Scope::All => None,
        Scope::Household { id } => {
            crate::household::get(conn, *id)?;
            access::require(store, Action::CareFor(*id))?;
            Some(vec![*id])
        }
        Scope::HouseholdNumber { number } => {
            let id = crate::household::by_number(conn, number)?.meta.id;
            access::require(store, Action::CareFor(id))?;
            Some(vec![id])
        }
        Scope::Class { grade, class_name } => {
            // The class as its records spell it or otherwise (2班, 2, (2)班, 二班: `class_key`).
            let wanted = crate::student::class_key(class_name);
            let mut stmt = conn.prepare_cached(
                "SELECT DISTINCT m.household_id, s.class_name FROM student s JOIN member m ON m.id = s.member_id
                 WHERE s.deleted_at IS NULL AND m.deleted_at IS NULL AND s.enrolment_status = 'enrolled' AND s.grade = ?1",
            )?;
            let rows = stmt.query_map(rusqlite::params![grade], |r| Ok((r.get::<_, RecordId>(0)?, r.get::<_, String>(1)?)))?;
            let mut ids = Vec::new();
            for row in rows {
                let (id, name) = row?;
                if crate::student::class_key(&name) == wanted && !ids.contains(&id) {
                    ids.push(id);
                }
            }
            Some(ids)
        }
        Scope::Teacher { name } => {
            let name = crate::text::clean(name);
            let named: Vec<_> = crate::teacher::list(store)?.into_iter().filter(|t| t.fields.name == name).collect();
            let teacher = match named.as_slice() {
                [one] => one,
                [] => return Err(crate::labels::not_found("teacher")),
                _ => return Err(PolicyCardError::TeacherNameTwice.into()),
            };
            Some(in_care(store, teacher.meta.id)?)
        }
        Scope::Mine => {
            let teacher = actor.teacher_id.ok_or(PolicyCardError::NotATeacher)?;
            Some(in_care(store, teacher)?)
        }
    };
    let mine: Option<std::collections::HashSet<RecordId>> = match teacher_of_reader {
        Some(t) => Some(in_care(store, t)?.into_iter().collect()),
        None if actor.role == Role::Teacher => Some(Default::default()),
        None => None,
    };
    let wanted: Option<std::collections::HashSet<RecordId>> = wanted.map(|w| w.into_iter().collect());

    let students = crate::aid::of_term(conn, term)?;
    let mut order: Vec<RecordId> = Vec::new();
    let mut by_household: std::collections::HashMap<RecordId, Vec<CardStudent>> = std::collections::HashMap::new();
    let mut left_out = std::collections::HashSet::new();
    for s in students {
        if wanted.as_ref().is_some_and(|w| !w.contains(&s.household_id)) {
            continue;
        }
        if mine.as_ref().is_some_and(|m| !m.contains(&s.household_id)) {
            left_out.insert(s.household_id);
            continue;
        }
        let lines = s.items.iter().map(|i| line(i, term)).collect();
        let list = by_household.entry(s.household_id).or_default();
        if list.is_empty() {
            order.push(s.household_id);
        }
        list.push(CardStudent { name: s.name, grade: s.grade, class_name: s.class_name, lines });
    }
    let mut cards = Vec::with_capacity(order.len());
    // A student of `aid::of_term` is a live member of a live household: a head not found is an
    // error to tell, not a card to leave out.
    let mut head = conn.prepare_cached("SELECT household_number, head_name FROM household WHERE id = ?1 AND deleted_at IS NULL")?;
    for id in order {
        let (household_number, head_name) = head.query_row([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let students = by_household.remove(&id).unwrap_or_default();
        let lines = || students.iter().flat_map(|s| &s.lines);
        let total_fen = lines().filter(|l| l.status.is_some()).map(|l| l.amount_fen).sum();
        let due_fen = lines().filter(|l| l.status.is_none()).map(|l| l.amount_fen).sum();
        cards.push(PolicyCard { household_number, head_name, students, total_fen, due_fen });
    }
    if cards.is_empty() {
        return Err(PolicyCardError::NothingToPrint.into());
    }
    // The printed order: by household number (a class's cards are handed out by the class
    // teacher, who sorts them anyway; a number is what the office files by).
    cards.sort_by(|a, b| a.household_number.cmp(&b.household_number));
    Ok(PolicyCards {
        school_name: school.name,
        aid_officer: school.aid_officer,
        aid_phone: school.aid_phone,
        county_hotline: school.county_hotline,
        term,
        cards,
        left_out: left_out.len(),
    })
}

fn in_care(store: &Store, teacher: RecordId) -> Result<Vec<RecordId>> {
    let mut stmt = store.conn().prepare_cached(&crate::care::households_in_care_sql(1))?;
    let ids = stmt.query_map([teacher], |r| r.get(0))?.collect::<rusqlite::Result<Vec<RecordId>>>()?;
    Ok(ids)
}

/// What the family does for one programme, from where its grant stands.
fn line(i: &crate::aid::AidItem, term: Term) -> CardLine {
    let p = &i.programme;
    let (todo, by) = match i.status {
        None if p.family_todo.is_empty() => ("请与学校资助专干联系办理申请".to_string(), p.apply_by(term)),
        None => (p.family_todo.clone(), p.apply_by(term)),
        Some(GrantStatus::Applied) => ("已申请，等待学校审核".into(), None),
        Some(GrantStatus::SchoolReviewed) => ("学校已审核，即将公示".into(), None),
        // The step says until when (公示至 M月D日, `notice_end`): objections are due by then.
        Some(GrantStatus::Notice) => ("如有异议，请在公示期内向学校反映".into(), None),
        Some(GrantStatus::CountyReviewed) => ("县级已审核，等待发放".into(), None),
        // The step says when (已于 M月D日发放, `paid_date`).
        Some(GrantStatus::Paid) => ("请核对到账金额，如有疑问请致电学校".into(), None),
        Some(GrantStatus::Reversed) => (String::new(), None),
    };
    CardLine { programme: p.name.clone(), amount_fen: i.amount_fen, status: i.status, todo, by, notice_end: i.notice_end, paid_date: i.paid_date }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::{self, AccountInput};
    use crate::error::Error;

    fn term() -> Term {
        Term::of(chrono::Local::now().date_naive())
    }

    fn demo(students: usize) -> Store {
        let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
        crate::school::setup(&mut store, &crate::school::SchoolInput { code: "2161092101".into(), name: "涧池镇九年制学校".into(), ..Default::default() }).unwrap();
        crate::demo::generate(&mut store, &crate::demo::DemoOptions { students, seed: 7 }).unwrap();
        crate::school::set_contacts(
            &mut store,
            &crate::school::ContactsInput { aid_officer: "赵专干".into(), aid_phone: "13912345678".into(), county_hotline: "0916-5212345".into() },
        )
        .unwrap();
        store
    }

    /// Every valid resident ID number in a text.
    fn full_ids(text: &str) -> usize {
        let chars: Vec<char> = text.chars().collect();
        chars.windows(18).filter(|w| crate::resident_id::ResidentId::parse(&w.iter().collect::<String>()).is_ok()).count()
    }

    #[test]
    fn every_household_with_a_student_gets_a_card_with_its_programmes_and_nothing_private() {
        let store = demo(60);
        let all = collect(&store, term(), &Scope::All).unwrap();
        assert_eq!((all.aid_officer.as_str(), all.aid_phone.as_str(), all.county_hotline.as_str()), ("赵专干", "13912345678", "09165212345"));
        let enrolled = crate::aid::of_term(store.conn(), term()).unwrap();
        let households: std::collections::HashSet<_> = enrolled.iter().map(|s| s.household_id).collect();
        assert_eq!(all.cards.len(), households.len());
        assert_eq!(all.cards.iter().map(|c| c.students.len()).sum::<usize>(), enrolled.len());
        assert_eq!(all.left_out, 0);
        // Granted lines say their step; due ones say what to bring and by when.
        let lines: Vec<&CardLine> = all.cards.iter().flat_map(|c| &c.students).flat_map(|s| &s.lines).collect();
        assert!(lines.iter().any(|l| l.status.is_some()));
        let due: Vec<&&CardLine> = lines.iter().filter(|l| l.status.is_none()).collect();
        assert!(!due.is_empty(), "the demo school misses some grants");
        for l in due {
            let p = crate::aid::programmes(store.conn()).unwrap().into_iter().find(|p| p.name == l.programme).unwrap();
            assert_eq!(l.by, p.apply_by(term()));
            assert!(!l.todo.is_empty());
        }
        for c in &all.cards {
            assert_eq!(c.total_fen + c.due_fen, c.students.iter().flat_map(|s| &s.lines).map(|l| l.amount_fen).sum::<i64>());
            assert_eq!(c.due_fen, c.students.iter().flat_map(|s| &s.lines).filter(|l| l.status.is_none()).map(|l| l.amount_fen).sum::<i64>());
        }
        // Nothing private: no ID number, no health, no cause of poverty, no phone of the family.
        let json = serde_json::to_string(&all).unwrap();
        assert_eq!(full_ids(&json), 0);
        let private: Vec<(String, String, String)> = store
            .conn()
            .prepare("SELECT m.id, m.health_sealed, h.poverty_causes, h.phone FROM member m JOIN household h ON h.id = m.household_id WHERE m.deleted_at IS NULL")
            .unwrap()
            .query_map([], |r| Ok((crate::sealed::opened(store.second(), "member", &r.get::<_, String>(0)?, "health", &r.get::<_, String>(1)?), r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(private.iter().any(|(h, _, _)| !h.is_empty()), "the demo school records health");
        for (health, causes, phone) in &private {
            assert!(health.is_empty() || !json.contains(health.as_str()), "health {health:?} printed");
            assert!(phone.is_empty() || !json.contains(phone.as_str()), "the family's phone printed");
            for cause in serde_json::from_str::<Vec<String>>(causes).unwrap_or_default() {
                assert!(!json.contains(&format!("\"{cause}\"")), "cause {cause:?} printed");
            }
        }
        assert!(!json.contains("resident") && !json.contains("health") && !json.contains("disab"));
    }

    #[test]
    fn one_household_a_class_or_a_teacher() {
        let mut store = demo(40);
        let all = collect(&store, term(), &Scope::All).unwrap();
        let first = &all.cards[0];
        let one = collect(&store, term(), &Scope::HouseholdNumber { number: format!(" {} ", first.household_number) }).unwrap();
        assert_eq!(one.cards, vec![first.clone()]);
        assert!(matches!(collect(&store, term(), &Scope::HouseholdNumber { number: "none".into() }), Err(Error::NotFound { kind: "household", .. })));

        let s = &first.students[0];
        let class = collect(&store, term(), &Scope::Class { grade: s.grade.unwrap(), class_name: s.class_name.clone() }).unwrap();
        assert!(class.cards.iter().all(|c| c.students.iter().any(|x| x.grade == s.grade && x.class_name == s.class_name)));
        // The class typed otherwise than its records spell it gives the same cards.
        let digits: String = s.class_name.chars().filter(char::is_ascii_digit).collect();
        let typed = collect(&store, term(), &Scope::Class { grade: s.grade.unwrap(), class_name: format!("（0{digits}）") }).unwrap();
        assert_eq!(typed.cards.len(), class.cards.len());
        assert!(class.cards.len() < all.cards.len());
        let nobody = collect(&store, term(), &Scope::Class { grade: 99, class_name: "1班".into() });
        assert!(matches!(nobody, Err(e) if e.domain::<PolicyCardError>() == Some(&PolicyCardError::NothingToPrint)));

        // A teacher heading the class: the class's households are theirs.
        let zhang = account::add(&mut store, &AccountInput { login: "zhang".into(), name: "张老师".into(), role: Role::Teacher, teacher_id: None }, "password-1").unwrap().actor();
        let stage = crate::student::Stage::of_grade(s.grade);
        crate::teacher::set_classes(&mut store, zhang.teacher_id.unwrap(), &[crate::student::ClassRef { stage, grade: s.grade, class_name: s.class_name.clone() }]).unwrap();
        let by_name = collect(&store, term(), &Scope::Teacher { name: "张老师".into() }).unwrap();
        assert!(by_name.cards.iter().all(|c| class.cards.iter().any(|k| k.household_number == c.household_number)));
        assert!(matches!(collect(&store, term(), &Scope::Teacher { name: "无此人".into() }), Err(Error::NotFound { kind: "teacher", .. })));
        assert!(matches!(collect(&store, term(), &Scope::Mine), Err(e) if e.domain::<PolicyCardError>() == Some(&PolicyCardError::NotATeacher)));
        // A second 张老师: which one is not guessed.
        let twin = crate::teacher::TeacherInput { name: "张老师".into(), phone: String::new(), subject: "数学".into(), role: crate::teacher::TeacherRole::SubjectTeacher };
        let twin = crate::teacher::create(&mut store, &twin).unwrap();
        let asked = collect(&store, term(), &Scope::Teacher { name: "张老师".into() });
        assert!(matches!(&asked, Err(e) if e.domain::<PolicyCardError>() == Some(&PolicyCardError::TeacherNameTwice)), "{asked:?}");
        crate::teacher::delete(&mut store, twin.meta.id).unwrap();

        // As the teacher: "all" is their care, another household is refused.
        store.act_as_for_tests(zhang);
        let mine = collect(&store, term(), &Scope::Mine).unwrap();
        assert_eq!(mine.cards, by_name.cards);
        let everything = collect(&store, term(), &Scope::All).unwrap();
        assert_eq!(everything.cards, mine.cards);
        assert_eq!(everything.left_out, all.cards.len() - mine.cards.len());
        let outside = all.cards.iter().find(|c| !mine.cards.iter().any(|m| m.household_number == c.household_number)).unwrap();
        assert!(matches!(collect(&store, term(), &Scope::HouseholdNumber { number: outside.household_number.clone() }), Err(Error::Forbidden { .. })));
    }

    #[test]
    fn a_class_is_typed_grade_dash_class() {
        assert_eq!(Scope::class("3-2"), Some(Scope::Class { grade: 3, class_name: "2班".into() }));
        assert_eq!(Scope::class(" 3-2班 "), Some(Scope::Class { grade: 3, class_name: "2班".into() }));
        assert_eq!(Scope::class("三-2"), None);
        assert_eq!(Scope::class("3"), None);
    }

    #[test]
    fn a_class_name_means_its_number_however_it_is_written() {
        for typed in ["2班", "2", "02班", "(2)班", "（2）班", "二班", " 2 班 "] {
            assert_eq!(crate::student::class_key(typed), "2", "{typed}");
        }
        for (typed, key) in [("十班", "10"), ("十二班", "12"), ("二十一班", "21"), ("12班", "12"), ("实验班", "实验")] {
            assert_eq!(crate::student::class_key(typed), key, "{typed}");
        }
        assert_ne!(crate::student::class_key("1班"), crate::student::class_key("11班"));
    }
}
