//! A seeded generator of a realistic school: towns and villages of Hanyin County (Ankang,
//! Shaanxi), plausible names, valid resident ID numbers, households with parents, grandparents
//! and children in school, and teachers responsible for them. The same seed gives the same
//! school. The window's "load demo data" and the benchmarks both use it, at any size.

use std::collections::HashSet;

use chrono::{Datelike, NaiveDate};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::dropout::{self, ActionInput, CaseInput, CaseKind, Outcome, Reason, RiskLevel};
use crate::error::Result;
use crate::household::{self, HouseholdInput, HouseholdStatus, PovertyCause};
use crate::member::{self, Gender, MemberInput};
use crate::record::RecordId;
use crate::resident_id::ResidentId;
use crate::school::{self, SchoolInput};
use crate::stats::{self, Stats};
use crate::store::Store;
use crate::student::{EnrolmentStatus, Stage, StudentInput};
use crate::teacher::{self, TeacherInput, TeacherRole};
use crate::pairing;
use crate::plan::{self, PlanInput, PlanStatus, Track};
use crate::store::Writer;
use crate::term::Term;
use crate::visit::{self, FollowUpInput, VisitInput, VisitMode};

#[derive(Debug, Clone, Copy)]
pub struct DemoOptions {
    /// Students in school to generate (households follow: about one per two students).
    pub students: usize,
    pub seed: u64,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions { students: 300, seed: 2026 }
    }
}

/// Hanyin County's region code: every generated ID number starts with it.
const REGION: &str = "610921";

const TOWNS: &[(&str, &[&str])] = &[
    ("涧池镇", &["仁河村", "酒店村", "五爱村", "紫荆村", "高梁村", "营梁村", "梨树河村"]),
    ("城关镇", &["五一村", "太平村", "三元村", "月河村", "紫云村"]),
    ("蒲溪镇", &["兴隆村", "双坪村", "铁铜村", "蒲溪村"]),
    ("平梁镇", &["清河村", "太行村", "四坪村", "枣园村"]),
    ("双乳镇", &["三同村", "江河村", "双乳村"]),
    ("铁佛寺镇", &["安坪村", "铁佛村", "清河口村"]),
    ("漩涡镇", &["东河村", "茨沟村", "黄龙村", "堰坪村"]),
    ("汉阳镇", &["长宁村", "天星村", "汉阳村"]),
];

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "吴", "周", "徐", "胡", "冯", "沈", "黄", "赵", "何", "罗", "谢", "唐",
    "汪", "邓", "曹", "彭", "陶", "聂", "余", "柯", "廖", "龚", "程", "向", "覃", "储", "阮", "梁", "郑", "石",
];
const MALE: &[&str] = &[
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华", "飞", "鑫", "波",
    "宇", "浩", "凯", "健", "俊", "帆", "旭", "宁", "龙", "林", "阳", "博", "文", "轩", "睿", "泽", "子豪",
    "浩然", "宇航", "梓豪", "俊杰", "建国", "志强", "永平", "德福", "家兴", "天佑",
];
const FEMALE: &[&str] = &[
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀", "玲", "英", "婷", "雪", "慧", "琳", "欣", "怡", "萱",
    "涵", "悦", "梦", "佳", "雨", "诗", "晴", "瑶", "琪", "妍", "蕾", "秀兰", "桂芳", "雨桐", "梓涵", "欣怡",
    "思琪", "佳怡", "紫萱", "春梅", "玉兰",
];
const SUBJECTS: &[&str] = &["语文", "数学", "英语", "科学", "道德与法治", "体育", "音乐", "美术", "物理", "化学"];
const FOLLOW_UPS: &[&str] = &["协助申请寄宿生生活补助", "联系村委落实低保", "送学习用品到家", "电话回访家长", "安排心理老师谈话"];
const FINDINGS: &[&str] = &[
    "孩子学习积极，家长支持上学。",
    "祖辈照看，作业无人辅导。",
    "家中老人患病，经济压力大。",
    "孩子沉迷手机，已与家长沟通。",
    "房屋已完成危房改造，生活条件改善。",
];
/// Demo data asked for where there are records already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoError {
    /// The database already has household cards.
    NotEmpty,
}

impl crate::error::DomainError for DemoError {
    fn code(&self) -> &'static str {
        "not_empty"
    }
    fn message(&self, lang: crate::Lang) -> String {
        lang.pick(
            "数据库中已有户卡；演示数据只能载入空数据库。".into(),
            "The database already has household cards; demo data can only be loaded into an empty one.".into(),
        )
    }
}

const HEALTH_NOTES: &[&str] = &["慢性病（高血压）", "肢体残疾三级", "长期服药", "视力残疾四级", "大病（已出院）"];

/// Generates a school into an empty database (setting up a demo school if none is set up).
pub fn generate(store: &mut Store, opts: &DemoOptions) -> Result<Stats> {
    let pass = crate::access::ask(store, crate::access::Action::LoadDemo)?;
    if stats::get(store)?.households > 0 {
        return Err(DemoError::NotEmpty.into());
    }
    if school::get(store)?.is_none() {
        school::setup(
            store,
            &SchoolInput {
                code: "2161092101".into(),
                name: "汉阴县涧池镇九年制学校".into(),
                town: "涧池镇".into(),
                district: "汉阴县第三督学责任区".into(),
            },
        )?;
    }
    let mut g = Generator { rng: ChaCha8Rng::seed_from_u64(opts.seed), ids: HashSet::new() };
    let today = chrono::Utc::now().date_naive();
    // The bulk path: the records are journaled when they are all written, a batch at a time.
    pass.write(store, |w| w.bulk(|| {
        let teachers = (0..(opts.students / 15).max(4))
            .map(|i| {
                let role = match i {
                    0 => TeacherRole::Principal,
                    1 => TeacherRole::AidOfficer,
                    i if i % 3 == 0 => TeacherRole::SubjectTeacher,
                    _ => TeacherRole::ClassTeacher,
                };
                let gender = if g.rng.random_bool(0.6) { Gender::Female } else { Gender::Male };
                let t = TeacherInput {
                    name: g.name(gender),
                    phone: g.mobile(),
                    subject: SUBJECTS.choose(&mut g.rng).expect("subjects").to_string(),
                    role,
                };
                teacher::insert(w, &t)
            })
            .collect::<Result<Vec<RecordId>>>()?;

        let mut students = 0;
        let mut number = 0;
        let mut older = Vec::new();
        while students < opts.students {
            number += 1;
            let kids = (g.school_children()).min(opts.students - students);
            let h = g.household(number);
            let id = household::insert(w, &h.input)?;
            for m in &h.members {
                member::insert_input(w, id, m)?;
            }
            let mut kid_ids = Vec::new();
            for _ in 0..kids {
                let kid = g.child(&h.input.head_name, h.father_migrant);
                let kid_id = member::insert_input(w, id, &kid)?;
                if kid.student.as_ref().and_then(|s| s.grade).is_some_and(|grade| grade >= 7) {
                    older.push(kid_id);
                }
                kid_ids.push(kid_id);
            }
            students += kids;
            let n = g.rng.random_range(1..=2);
            let helpers: Vec<RecordId> = teachers.choose_multiple(&mut g.rng, n).copied().collect();
            teacher::link(w, id, &helpers)?;
            g.teachers_work(w, id, &kid_ids, &helpers, today)?;
        }
        g.aid_work(w, today)?;
        g.roster_work(w)?;
        // Its own generator, so that the school above stays what the seed always made.
        let mut d = Generator { rng: ChaCha8Rng::seed_from_u64(opts.seed ^ 0x6b6f_6e67), ids: HashSet::new() };
        d.dropout_work(w, &older, today)
    }))?;
    crate::search::optimize(store, &pass)?;
    stats::get(store)
}

/// Adds `count` more home visits (this term and last) to random households of a generated
/// school: for benchmarks at the sizes a county reaches.
pub fn add_visits(store: &mut Store, count: usize, seed: u64) -> Result<()> {
    let pass = crate::access::ask(store, crate::access::Action::LoadDemo)?;
    let households: Vec<(RecordId, Vec<RecordId>, Vec<RecordId>)> = {
        let conn = store.conn();
        let ids: Vec<RecordId> = conn.prepare("SELECT id FROM household WHERE deleted_at IS NULL")?.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        let mut out = Vec::new();
        for id in ids {
            let kids: Vec<RecordId> = conn
                .prepare_cached("SELECT m.id FROM member m JOIN student s ON s.member_id = m.id AND s.deleted_at IS NULL WHERE m.household_id = ?1 AND m.deleted_at IS NULL")?
                .query_map([id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let teachers: Vec<RecordId> = crate::teacher::of_household(conn, id)?.into_iter().map(|t| t.meta.id).collect();
            if !teachers.is_empty() {
                out.push((id, kids, teachers));
            }
        }
        out
    };
    if households.is_empty() {
        return Ok(());
    }
    let mut g = Generator { rng: ChaCha8Rng::seed_from_u64(seed), ids: HashSet::new() };
    let today = chrono::Utc::now().date_naive();
    let from = Term::of(today).previous().start();
    let span = (today - from).num_days().max(1) as u64;
    pass.write(store, |w| {
        for _ in 0..count {
            let (id, kids, teachers) = households.choose(&mut g.rng).expect("households");
            let date = from + chrono::Days::new(g.rng.random_range(0..span));
            let follow_ups = if g.rng.random_bool(0.2) {
                vec![FollowUpInput { id: None, action: FOLLOW_UPS.choose(&mut g.rng).expect("follow-ups").to_string(), owner_id: Some(teachers[0]), due_date: (date + chrono::Days::new(30)).to_string(), done_date: None }]
            } else {
                Vec::new()
            };
            visit::insert(
                w,
                &VisitInput {
                    household_id: *id,
                    visit_date: date.to_string(),
                    teacher_ids: teachers.clone(),
                    student_ids: kids.clone(),
                    mode: VisitMode::Phone,
                    topics: vec![],
                    findings: String::new(),
                    requests: String::new(),
                    follow_ups,
                    parent_name: String::new(),
                    parent_ack_date: None,
                },
            )?;
        }
        Ok(())
    })
}

/// Pads a generated school to county sizes for the reconciliation benchmark: roster rows of
/// students on no household card (until the roster has `roster` rows) and last years' grants
/// to registered-poor students (until there are `grants`).
pub fn pad_for_reconcile(store: &mut Store, roster: usize, grants: usize, seed: u64) -> Result<()> {
    let pass = crate::access::ask(store, crate::access::Action::LoadDemo)?;
    use crate::registration::{self, RegistrationInput};
    let key = crate::sealed::key(store);
    let taken: HashSet<String> = store
        .conn()
        .prepare(
            "SELECT 'member', id, resident_id_sealed, resident_id FROM member WHERE resident_id <> ''
             UNION ALL SELECT 'registration', id, resident_id_sealed, resident_id FROM registration",
        )?
        .query_map([], |r| {
            let (table, id, sealed, clear): (String, String, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            Ok(crate::sealed::read(key, &table, &id, "resident_id", &sealed, &clear))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut g = Generator { rng: ChaCha8Rng::seed_from_u64(seed), ids: taken };
    let existing: i64 = store.conn().query_row("SELECT count(*) FROM registration WHERE deleted_at IS NULL", [], |r| r.get(0))?;
    let have: i64 = store.conn().query_row("SELECT count(*) FROM aid_grant WHERE deleted_at IS NULL", [], |r| r.get(0))?;
    let members: Vec<RecordId> = store
        .conn()
        .prepare("SELECT m.id FROM student s JOIN member m ON m.id = s.member_id WHERE s.deleted_at IS NULL AND m.deleted_at IS NULL")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let nutrition = RecordId::parse("01900000-0000-7000-8000-000000000003").expect("default programme id");
    pass.write(store, |w| {
        for _ in existing as usize..roster {
            let gender = if g.rng.random_bool(0.5) { Gender::Male } else { Gender::Female };
            let birth = g.birth(7, 15);
            let id = g.resident_id(birth, gender);
            registration::insert(
                w,
                &RegistrationInput {
                    national_student_number: format!("G{id}"),
                    resident_id: id,
                    name: g.name(gender),
                    gender: Some(gender),
                    birth_date: Some(birth),
                    stage: Some(Stage::Primary),
                    grade: Some(g.rng.random_range(1..=6)),
                    class_name: format!("{}班", g.rng.random_range(1..=4)),
                    ethnicity: "汉族".into(),
                    boarding: Some(false),
                    left_behind: None,
                    registered_poor: Some(false),
                    address: String::new(),
                    guardian_name: String::new(),
                    phone: String::new(),
                },
            )?;
        }
        let mut term = Term::of(chrono::Utc::now().date_naive()).previous().previous();
        let mut added = have as usize;
        'terms: while added < grants && !members.is_empty() {
            for m in &members {
                if added >= grants {
                    break 'terms;
                }
                crate::aid::insert_with_path(w, *m, nutrition, term, 50_000, &[(crate::aid::GrantStatus::Paid, term.start(), vec![])], None)?;
                added += 1;
            }
            term = term.previous();
        }
        Ok(())
    })
}

struct Generator {
    rng: ChaCha8Rng,
    ids: HashSet<String>,
}

struct GeneratedHousehold {
    input: HouseholdInput,
    members: Vec<MemberInput>,
    father_migrant: bool,
}

impl Generator {
    /// A lived-in school: most students paired with one of the household's teachers, visits
    /// this term and last (some with follow-ups, a few overdue), and support plans in every
    /// state — but not everything done, so the dashboard has work to show.
    fn teachers_work(&mut self, w: &Writer<'_>, household: RecordId, kids: &[RecordId], helpers: &[RecordId], today: NaiveDate) -> Result<()> {
        let term = Term::of(today);
        for kid in kids {
            if self.rng.random_bool(0.9) {
                pairing::pair(w, helpers[0], *kid, term.start())?;
            }
            if self.rng.random_bool(0.5) {
                plan::insert(w, &self.plan(*kid, term.previous(), helpers[0]), PlanStatus::Closed)?;
            }
            let status = match self.rng.random_range(0..100) {
                0..15 => None,
                15..30 => Some(PlanStatus::Draft),
                30..75 => Some(PlanStatus::Active),
                _ => Some(PlanStatus::Reviewed),
            };
            if let Some(status) = status {
                let mut p = self.plan(*kid, term, helpers[0]);
                let review = today - chrono::Days::new(20) + chrono::Days::new(self.rng.random_range(0..120));
                p.next_review_date = Some(review.to_string());
                plan::insert(w, &p, status)?;
            }
        }
        let visits = match self.rng.random_range(0..100) {
            0..20 => 0,
            20..70 => 1,
            _ => 2,
        };
        for i in 0..visits {
            // The last one this term (up to today), the one before it last term.
            let (from, to) = if i == 0 { (term.start(), today.max(term.start())) } else { (term.previous().start(), term.previous().end()) };
            let span = (to - from).num_days().max(0) as u64;
            let date = (from + chrono::Days::new(self.rng.random_range(0..=span))).min(today);
            let follow_ups = if self.rng.random_bool(0.4) {
                let due = date + chrono::Days::new(self.rng.random_range(7..60));
                let done = (due < today && self.rng.random_bool(0.6)).then(|| due.to_string());
                vec![FollowUpInput {
                    id: None,
                    action: FOLLOW_UPS.choose(&mut self.rng).expect("follow-ups").to_string(),
                    owner_id: Some(helpers[0]),
                    due_date: due.to_string(),
                    done_date: done,
                }]
            } else {
                Vec::new()
            };
            let topics: Vec<String> = visit::DEFAULT_TOPICS.choose_multiple(&mut self.rng, 3).map(|t| t.to_string()).collect();
            visit::insert(
                w,
                &VisitInput {
                    household_id: household,
                    visit_date: date.to_string(),
                    teacher_ids: helpers.to_vec(),
                    student_ids: kids.to_vec(),
                    mode: if self.rng.random_bool(0.8) { VisitMode::InHome } else { VisitMode::Phone },
                    topics,
                    findings: FINDINGS.choose(&mut self.rng).expect("findings").to_string(),
                    requests: String::new(),
                    follow_ups,
                    parent_name: String::new(),
                    parent_ack_date: Some(date.to_string()),
                },
            )?;
        }
        Ok(())
    }

    /// Aid as a school has it in the middle of a term: last term's grants all paid, this term's
    /// spread along the path (most paid, some on notice, a few just applied) — and a few due
    /// students missed, so the coverage and the three-list check have something to show.
    fn aid_work(&mut self, w: &Writer<'_>, today: NaiveDate) -> Result<()> {
        use crate::aid::{GrantStatus as S, SignRole, Signoff};
        let heads: std::collections::HashMap<RecordId, String> = w
            .tx()
            .prepare("SELECT id, head_name FROM household WHERE deleted_at IS NULL")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let due = crate::aid::due_pairs(w.tx())?;
        let sign = |role, name: &str| Signoff { role, name: name.to_string() };
        let (principal, teacher) = (self.name(Gender::Male), self.name(Gender::Female));
        let (centre, deputy) = (format!("县资助中心 {}", self.name(Gender::Female)), self.name(Gender::Male));
        let term = Term::of(today);
        for (t, is_current) in [(term.previous(), false), (term, true)] {
            let start = t.start();
            for (member, programme, amount, household) in &due {
                if self.rng.random_bool(if is_current { 0.06 } else { 0.01 }) {
                    continue; // missed
                }
                let applied = start + chrono::Days::new(self.rng.random_range(3..12));
                let path = [
                    (S::Applied, applied, vec![sign(SignRole::Parent, &heads[household]), sign(SignRole::ClassTeacher, &teacher)]),
                    (S::SchoolReviewed, applied + chrono::Days::new(4), vec![sign(SignRole::Principal, &principal)]),
                    (S::Notice, applied + chrono::Days::new(5), vec![]),
                    (S::CountyReviewed, applied + chrono::Days::new(14), vec![sign(SignRole::AidCentre, &centre), sign(SignRole::DeputyDirector, &deputy)]),
                    (S::Paid, applied + chrono::Days::new(30 + self.rng.random_range(0..20)), vec![]),
                ];
                // This term, a fifth of the grants stop short of being paid.
                let stop = if is_current && self.rng.random_bool(0.2) { self.rng.random_range(1..4) } else { 5 };
                let steps: Vec<_> = path.into_iter().take(stop).filter(|s| s.1 <= today).collect();
                if steps.is_empty() {
                    continue;
                }
                crate::aid::insert_with_path(w, *member, *programme, t, *amount, &steps, Some(applied + chrono::Days::new(11)))?;
            }
        }
        Ok(())
    }

    /// The roster (学籍) as the national system exports it: nearly every enrolled student, plus
    /// the errors the three-list check exists to catch — a few students missing (漏登), a
    /// registered-poor entry with no such person (空挂学籍嫌疑), and one person twice.
    fn roster_work(&mut self, w: &Writer<'_>) -> Result<()> {
        use crate::registration::{self, RegistrationInput};
        let key = crate::sealed::writer_key(w);
        let rows: Vec<RegistrationInput> = w
            .tx()
            .prepare(
                "SELECT m.resident_id, s.national_student_number, m.name, m.gender, m.birth_date, s.stage, s.grade, s.class_name, s.boarding, s.left_behind, h.village, h.head_name, h.phone,
                        m.id, m.resident_id_sealed, s.id, s.national_student_number_sealed, m.birth_date_sealed
                 FROM student s JOIN member m ON m.id = s.member_id JOIN household h ON h.id = m.household_id
                 WHERE s.deleted_at IS NULL AND s.enrolment_status = 'enrolled' AND m.resident_id <> '' ORDER BY m.id",
            )?
            .query_map([], |r| {
                let (member, student): (String, String) = (r.get(13)?, r.get(15)?);
                let id = crate::sealed::read(key, "member", &member, "resident_id", &r.get::<_, String>(14)?, &r.get::<_, String>(0)?);
                let number = crate::sealed::read(key, "student", &student, "national_student_number", &r.get::<_, String>(16)?, &r.get::<_, String>(1)?);
                let birth = crate::sealed::read(key, "member", &member, "birth_date", &r.get::<_, String>(17)?, &r.get::<_, Option<String>>(4)?.unwrap_or_default());
                Ok(RegistrationInput {
                    national_student_number: if number.is_empty() { format!("G{id}") } else { number },
                    resident_id: id,
                    name: r.get(2)?,
                    gender: r.get(3)?,
                    birth_date: NaiveDate::parse_from_str(&birth, "%Y-%m-%d").ok(),
                    stage: r.get(5)?,
                    grade: r.get(6)?,
                    class_name: r.get(7)?,
                    ethnicity: "汉族".into(),
                    boarding: r.get(8)?,
                    left_behind: r.get(9)?,
                    registered_poor: Some(true),
                    address: r.get(10)?,
                    guardian_name: r.get(11)?,
                    phone: r.get(12)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let Some(first) = rows.first().cloned() else { return Ok(()) };
        for row in &rows {
            if self.rng.random_bool(0.98) {
                registration::insert(w, row)?;
            }
        }
        // Someone the poverty list has never heard of, and the first student again under
        // another ID number (a typo in the national system).
        let birth = self.birth(8, 12);
        let gender = if self.rng.random_bool(0.5) { Gender::Male } else { Gender::Female };
        let ghost = self.resident_id(birth, gender);
        registration::insert(w, &RegistrationInput { resident_id: ghost.clone(), national_student_number: format!("G{ghost}"), name: self.name(gender), birth_date: Some(birth), ..first.clone() })?;
        let twin = self.resident_id(first.birth_date.unwrap_or(birth), first.gender.unwrap_or(gender));
        registration::insert(w, &RegistrationInput { resident_id: twin.clone(), national_student_number: format!("G{twin}"), ..first })?;
        registration::link(w, &[])
    }

    /// Dropout prevention in a school that does it: a junior-secondary student who left to work
    /// five weeks ago, three persuasion visits, back in school two weeks later; a student at
    /// risk this week; the weekly reports of the term confirmed by the principal — all but two.
    fn dropout_work(&mut self, w: &Writer<'_>, students: &[RecordId], today: NaiveDate) -> Result<()> {
        if students.len() < 2 {
            return Ok(());
        }
        let picked: Vec<RecordId> = students.choose_multiple(&mut self.rng, 2).copied().collect();
        let days_ago = |n: u64| today - chrono::Days::new(n);
        let mut heads = dropout::defaults(w.tx(), Some(picked[0]))?;
        heads.county_head = "刘志强".into();
        heads.bureau_chief = "王建华".into();
        heads.town_head = "张永平".into();
        heads.village_head = self.name(Gender::Male);
        let principal = heads.principal.clone();
        let left = dropout::insert(
            w,
            &CaseInput {
                member_id: picked[0],
                kind: CaseKind::DroppedOut,
                reported_date: days_ago(35).to_string(),
                dropped_out_date: Some(days_ago(36).to_string()),
                reason: Reason::LeftToWork,
                reason_note: "随亲戚去西安打工".into(),
                risk_level: RiskLevel::High,
                heads,
                notes: String::new(),
            },
            today,
        )?;
        for (n, who, what, outcome) in [
            (34, "班主任", "电话联系家长，了解孩子去向", "家长称孩子不愿读书"),
            (31, "班主任、村支书", "入户劝返，宣讲义务教育法", "家长同意让孩子回来，孩子仍在西安"),
            (27, "镇长、校长、班主任", "联系孩子亲戚，送孩子回家；落实寄宿生生活补助", "孩子答应下周返校"),
        ] {
            dropout::insert_action(w, left, &ActionInput { action_date: days_ago(n).to_string(), who: who.into(), what: what.into(), outcome: outcome.into() }, today)?;
        }
        dropout::close(w, left, Outcome::Returned, days_ago(23))?;

        let mut heads = dropout::defaults(w.tx(), Some(picked[1]))?;
        if heads.village_head.is_empty() {
            heads.village_head = self.name(Gender::Male);
        }
        let at_risk = dropout::insert(
            w,
            &CaseInput {
                member_id: picked[1],
                kind: CaseKind::AtRisk,
                reported_date: days_ago(6).to_string(),
                dropped_out_date: None,
                reason: Reason::DislikesSchool,
                reason_note: "成绩下滑，多次迟到".into(),
                risk_level: RiskLevel::Medium,
                heads,
                notes: String::new(),
            },
            today,
        )?;
        let what = ActionInput { action_date: days_ago(4).to_string(), who: "班主任".into(), what: "家访谈心，与家长商定每周联系".into(), outcome: "孩子愿意继续上学，需持续关注".into() };
        dropout::insert_action(w, at_risk, &what, today)?;
        // Two weeks nobody confirmed: one in the middle of the term, and the week before last.
        dropout::report::confirm_past_weeks(w, today, &principal, &|i, n| i == n / 2 || (n >= 5 && i == n - 2))
    }

    fn plan(&mut self, kid: RecordId, term: Term, teacher: RecordId) -> PlanInput {
        let pick = |rng: &mut ChaCha8Rng, list: &[(&str, &str)]| {
            let (needs, measures) = list.choose(rng).expect("tracks");
            Track { needs: needs.to_string(), measures: measures.to_string() }
        };
        PlanInput {
            member_id: kid,
            term,
            tutoring: pick(&mut self.rng, &[("数学基础薄弱", "每周两次课后辅导"), ("阅读量不足", "每天半小时亲子阅读，教师跟踪"), ("英语跟不上", "结对同学互助，周五答疑")]),
            care: pick(&mut self.rng, &[("父母外出务工，由祖辈照看", "班主任每周谈心一次"), ("住校生活不适应", "生活老师重点关注起居")]),
            activities: pick(&mut self.rng, &[("性格内向", "优先安排参加学校合唱团"), ("喜欢体育", "推荐参加校篮球队")]),
            aid: pick(&mut self.rng, &[("家庭收入低", "申请寄宿生生活补助"), ("营养不足", "落实营养改善计划")]),
            psychological: Track::default(),
            goals: "本学期各科成绩稳定，按时到校".into(),
            responsible_teacher_id: Some(teacher),
            next_review_date: None,
        }
    }

    fn given(&mut self, gender: Gender) -> &'static str {
        let list = if gender == Gender::Male { MALE } else { FEMALE };
        list.choose(&mut self.rng).expect("names")
    }

    fn name(&mut self, gender: Gender) -> String {
        let surname = SURNAMES.choose(&mut self.rng).expect("surnames");
        format!("{surname}{}", self.given(gender))
    }

    fn mobile(&mut self) -> String {
        let prefix = ["138", "139", "151", "152", "158", "177", "180", "187", "189", "199"].choose(&mut self.rng).expect("prefixes");
        format!("{prefix}{:08}", self.rng.random_range(0..100_000_000u32))
    }

    /// A unique valid resident ID number for someone born on `birth`.
    fn resident_id(&mut self, birth: NaiveDate, gender: Gender) -> String {
        loop {
            let seq = self.rng.random_range(0..500u16) * 2 + u16::from(gender == Gender::Male);
            let id = ResidentId::compose(REGION, birth, seq).as_str().to_string();
            if self.ids.insert(id.clone()) {
                return id;
            }
        }
    }

    fn birth(&mut self, age_from: i32, age_to: i32) -> NaiveDate {
        let year = 2026 - self.rng.random_range(age_from..=age_to);
        let start = NaiveDate::from_ymd_opt(year, 1, 1).expect("year");
        start + chrono::Days::new(self.rng.random_range(0..365))
    }

    fn school_children(&mut self) -> usize {
        match self.rng.random_range(0..100) {
            0..30 => 1,
            30..75 => 2,
            _ => 3,
        }
    }

    fn household(&mut self, number: usize) -> GeneratedHousehold {
        // Most households are in the school's own town.
        let (town_index, (town, villages)) = if self.rng.random_bool(0.7) {
            (0, TOWNS[0])
        } else {
            let i = self.rng.random_range(1..TOWNS.len());
            (i, TOWNS[i])
        };
        let village = villages.choose(&mut self.rng).expect("villages");
        let status = match self.rng.random_range(0..100) {
            0..70 => HouseholdStatus::RegisteredPoor,
            70..85 => HouseholdStatus::LiftedMonitored,
            85..92 => HouseholdStatus::EdgeMonitored,
            92..97 => HouseholdStatus::MinimumAllowance,
            _ => HouseholdStatus::ExtremePoverty,
        };
        let n = self.rng.random_range(1..=2);
        let mut causes: Vec<PovertyCause> = PovertyCause::ALL.choose_multiple(&mut self.rng, n).copied().collect();
        causes.sort_by_key(|c| c.as_str());

        let father_gender = if self.rng.random_bool(0.88) { Gender::Male } else { Gender::Female };
        let head = self.name(father_gender);
        let surname: String = head.chars().take(1).collect();
        let head_birth = self.birth(30, 50);
        let father_migrant = self.rng.random_bool(0.55);
        let sick = causes.iter().any(|c| matches!(c, PovertyCause::Illness | PovertyCause::Disability));
        let mut members = vec![MemberInput {
            name: head.clone(),
            relation: "户主".into(),
            resident_id: self.resident_id(head_birth, father_gender),
            health: if sick && self.rng.random_bool(0.5) { HEALTH_NOTES.choose(&mut self.rng).expect("notes").to_string() } else { String::new() },
            migrant_work: father_migrant,
            ..MemberInput::default()
        }];
        if self.rng.random_bool(0.82) {
            let g = if father_gender == Gender::Male { Gender::Female } else { Gender::Male };
            let b = self.birth(28, 48);
            members.push(MemberInput {
                name: self.name(g),
                relation: "配偶".into(),
                resident_id: self.resident_id(b, g),
                migrant_work: self.rng.random_bool(0.3),
                ..MemberInput::default()
            });
        }
        if self.rng.random_bool(0.35) {
            let g = if self.rng.random_bool(0.5) { Gender::Male } else { Gender::Female };
            let b = self.birth(58, 80);
            let given = self.given(g);
            members.push(MemberInput {
                name: if g == Gender::Male { format!("{surname}{given}") } else { self.name(g) },
                relation: if g == Gender::Male { "之父" } else { "之母" }.into(),
                resident_id: self.resident_id(b, g),
                health: if self.rng.random_bool(0.4) { HEALTH_NOTES.choose(&mut self.rng).expect("notes").to_string() } else { String::new() },
                ..MemberInput::default()
            });
        }
        let input = HouseholdInput {
            household_number: format!("{REGION}{:02}{:06}", town_index + 1, number),
            head_name: head,
            town: town.into(),
            village: village.to_string(),
            group: format!("{}组", self.rng.random_range(1..=9)),
            phone: self.mobile(),
            status,
            poverty_causes: causes,
            notes: String::new(),
            family_size: None,
        };
        GeneratedHousehold { input, members, father_migrant }
    }

    fn child(&mut self, head: &str, parents_away: bool) -> MemberInput {
        let gender = if self.rng.random_bool(0.52) { Gender::Male } else { Gender::Female };
        let surname: String = head.chars().take(1).collect();
        let birth = self.birth(6, 15);
        // Age on 1 September 2026 decides the grade: 6 → grade 1 … 14 → grade 9.
        let age = 2026 - birth.year() - i32::from(birth.ordinal() > 244);
        let grade = (age - 5).clamp(1, 9) as i64;
        let stage = if grade <= 6 { Stage::Primary } else { Stage::Junior };
        let resident_id = self.resident_id(birth, gender);
        MemberInput {
            name: format!("{surname}{}", self.given(gender)),
            relation: if gender == Gender::Male { "之子" } else { "之女" }.into(),
            student: Some(StudentInput {
                national_student_number: format!("G{resident_id}"),
                stage,
                grade: Some(grade),
                class_name: format!("{}班", self.rng.random_range(1..=3)),
                enrolment_status: EnrolmentStatus::Enrolled,
                boarding: self.rng.random_bool(if stage == Stage::Junior { 0.45 } else { 0.1 }),
                left_behind: parents_away && self.rng.random_bool(0.7),
                disabled: self.rng.random_bool(0.03),
                orphan: self.rng.random_bool(0.015),
                single_parent: self.rng.random_bool(0.08),
            }),
            resident_id,
            ..MemberInput::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn makes_a_lived_in_school_and_the_same_seed_makes_the_same_school() {
        let mut a = Store::open_in_memory(&crate::SCHEMA).unwrap();
        let stats = generate(&mut a, &DemoOptions::default()).unwrap();
        assert_eq!(stats.students, 300);
        assert!((120..=180).contains(&stats.households), "{stats:?}");
        assert!(stats.members > stats.students + stats.households);
        assert!(stats.teachers >= 10);
        assert_eq!(stats.schools, 1);

        let mut b = Store::open_in_memory(&crate::SCHEMA).unwrap();
        generate(&mut b, &DemoOptions::default()).unwrap();
        let heads = |s: &Store| household::list(s, "", 1000).unwrap().into_iter().map(|h| (h.household_number, h.head_name)).collect::<Vec<_>>();
        assert_eq!(heads(&a), heads(&b));

        // Every generated ID number is valid and agrees with gender and birth date.
        let key = a.second().unwrap();
        let ids: Vec<(String, String, String)> = a
            .conn()
            .prepare("SELECT id, resident_id_sealed, gender, birth_date_sealed, resident_id, birth_date FROM member")
            .unwrap()
            .query_map([], |r| {
                let id: String = r.get(0)?;
                assert!(crate::masking::is_masked(&r.get::<_, String>(4)?) && r.get::<_, Option<String>>(5)?.is_none(), "sealed from the start");
                let open = |c: &str, sealed: String| crate::sealed::open(key, "member", &id, c, &sealed).unwrap().to_string();
                Ok((open("resident_id", r.get(1)?), r.get(2)?, open("birth_date", r.get(3)?)))
            })
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        for (id, gender, birth) in ids {
            let parsed = ResidentId::parse(&id).unwrap();
            assert_eq!(parsed.gender().as_str(), gender);
            assert_eq!(parsed.birth_date().to_string(), birth);
        }
    }

    #[test]
    fn the_demo_has_a_dropout_case_with_a_return_an_open_case_and_the_terms_weekly_reports() {
        let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
        generate(&mut store, &DemoOptions { students: 60, seed: 4 }).unwrap();
        let today = chrono::Utc::now().date_naive();
        let cases = dropout::list(store.conn(), &Default::default(), today).unwrap();
        assert_eq!(cases.len(), 2, "{cases:?}");
        let open = &cases[0];
        assert!(open.open && open.kind == CaseKind::AtRisk);
        let back = &cases[1];
        assert_eq!((back.kind, back.outcome, back.action_count), (CaseKind::DroppedOut, Some(Outcome::Returned), 3));
        let kid = member::get(store.conn(), back.member_id).unwrap();
        assert_eq!(kid.student.unwrap().fields.enrolment_status, EnrolmentStatus::Enrolled, "back in school");
        let case = dropout::get(store.conn(), back.id).unwrap();
        assert!(!case.heads.county_head.is_empty() && !case.heads.principal.is_empty() && !case.heads.teacher.is_empty());

        let weeks = dropout::weeks(&store, Term::of(today), today).unwrap();
        let past = weeks.iter().filter(|w| w.end < today).count();
        let missing = weeks.iter().filter(|w| w.state == dropout::WeekState::Missing).count();
        let confirmed = weeks.iter().filter(|w| w.state == dropout::WeekState::Confirmed).count();
        assert_eq!(missing + confirmed, past);
        if past > 0 {
            assert!((1..=2).contains(&missing), "{weeks:?}");
        }
        assert!(weeks.iter().all(|w| !w.changed), "confirmed numbers agree with the records");
    }

    #[test]
    fn refuses_a_database_that_has_households() {
        let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
        generate(&mut store, &DemoOptions { students: 10, seed: 1 }).unwrap();
        assert!(matches!(generate(&mut store, &DemoOptions { students: 10, seed: 1 }), Err(e) if e.domain() == Some(&DemoError::NotEmpty)));
    }
}
