//! What the archive prints, as the typesetter reads it: a household card of one term turned
//! into display text (Chinese labels, dates, yuan, masked or full ID numbers). Built from
//! [`crate::card::get`] and [`dropout::get`]: no query of its own beyond the teachers' names.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::aid::{self, Grant, SignRole};
use crate::dropout::{self, DropoutCase, RiskLevel};
use crate::error::Result;
use crate::card::HouseholdCard;
use crate::household::{HouseholdStatus, PovertyCause};
use crate::masking;
use crate::member::{Gender, Member};
use crate::plan::{Plan, PlanStatus};
use crate::record::RecordId;
use crate::student::EnrolmentStatus;
use crate::term::Term;
use crate::visit::{Visit, VisitMode};
use crate::Lang;

/// The whole document: the cover's facts and one or more cards.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Document<'a> {
    pub school: &'a str,
    pub school_code: &'a str,
    pub term: String,
    pub archivist: &'a str,
    /// `2026年11月29日` (the cover) and `2026-11-29` (the footer).
    pub date_long: String,
    pub date: String,
    pub full_ids: bool,
    /// The font family the pages are set in.
    pub font: &'a str,
    pub cards: Vec<&'a CardView>,
    /// The volume's front matter and stamps: each card's first page in the volume and its
    /// page count, the volume's pages, and the stamps' first number and count.
    pub pages: Vec<[usize; 2]>,
    pub total: usize,
    pub stamp_from: usize,
    pub stamp_count: usize,
}

/// One household's pages.
#[derive(Debug, Clone, Serialize)]
pub struct CardView {
    pub number: String,
    pub head: String,
    pub town: String,
    pub village: String,
    pub group: String,
    pub phone: String,
    /// 家庭人口: the registered number, with the members listed when they differ.
    pub family_size: String,
    pub status: &'static str,
    pub causes: String,
    pub notes: String,
    pub teachers: Vec<String>,
    pub members: Vec<MemberRow>,
    pub students: Vec<StudentRow>,
    pub pairings: Vec<PairingRow>,
    pub visits: Vec<VisitView>,
    pub plans: Vec<PlanView>,
    pub grants: Vec<GrantView>,
    pub cases: Vec<CaseView>,
    /// The reader may not see this household in full (a teacher, another class's family):
    /// health and disability are left out, and the page says so.
    pub restricted: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct MemberRow {
    pub name: String,
    pub relation: String,
    pub gender: &'static str,
    pub birth: String,
    pub id: String,
    pub health: String,
    pub migrant: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct StudentRow {
    pub name: String,
    pub stage: &'static str,
    pub grade: String,
    pub class: String,
    pub number: String,
    pub status: &'static str,
    pub flags: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PairingRow {
    pub student: String,
    pub teacher: String,
    pub start: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FollowUpRow {
    pub action: String,
    pub owner: String,
    pub due: String,
    pub done: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct VisitView {
    pub date: String,
    pub mode: &'static str,
    pub teachers: String,
    pub students: String,
    pub topics: String,
    pub findings: String,
    pub requests: String,
    pub parent: String,
    pub parent_date: String,
    pub photo: bool,
    pub follow_ups: Vec<FollowUpRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TrackRow {
    pub name: &'static str,
    pub needs: String,
    pub measures: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReviewRow {
    pub date: String,
    pub progress: String,
    pub next_steps: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlanView {
    /// Short enough to keep its five tracks on one page.
    pub compact: bool,
    pub student: String,
    pub status: &'static str,
    pub teacher: String,
    pub next_review: String,
    pub goals: String,
    pub tracks: Vec<TrackRow>,
    pub reviews: Vec<ReviewRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepRow {
    pub step: &'static str,
    pub date: String,
    pub signoffs: String,
    pub note: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct GrantView {
    pub student: String,
    pub programme: String,
    pub kind: &'static str,
    pub amount: String,
    pub status: &'static str,
    pub notice: String,
    pub objections: String,
    pub reversed: String,
    pub steps: Vec<StepRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ActionRow {
    pub date: String,
    pub who: String,
    pub what: String,
    pub outcome: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    pub student: String,
    pub kind: &'static str,
    pub reason: String,
    pub risk: &'static str,
    pub reported: String,
    pub dropped_out: String,
    pub heads: Vec<(&'static str, String)>,
    pub outcome: String,
    pub notes: String,
    pub actions: Vec<ActionRow>,
}

fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn opt_date(d: Option<NaiveDate>) -> String {
    d.map(date).unwrap_or_default()
}

/// A resident ID number as the archive prints it: in full, or masked by `masking`'s rule (a
/// card outside the reader's care comes masked already and stays as it is).
fn id_text(stored: &str, full: bool) -> String {
    if full { stored.to_string() } else { masking::resident_id(stored) }
}

/// A national student number as the archive prints it (usually G + the ID number: masked the
/// same way).
fn student_number_text(number: &str, full: bool) -> String {
    if full { number.to_string() } else { masking::national_student_number(number) }
}

/// A birth date as the archive prints it: beside a masked ID number, the year only — the day
/// would give the masked digits back.
fn birth_text(m: &Member, full: bool) -> String {
    match (full, m.birth_date, m.birth_year) {
        (true, Some(d), _) => date(d),
        (_, _, Some(year)) => format!("{year}年"),
        _ => String::new(),
    }
}

fn status_zh(s: HouseholdStatus) -> &'static str {
    match s {
        HouseholdStatus::RegisteredPoor => "建档立卡贫困户",
        HouseholdStatus::LiftedMonitored => "已脱贫（纳入监测）",
        HouseholdStatus::MinimumAllowance => "低保户",
        HouseholdStatus::ExtremePoverty => "特困供养",
        HouseholdStatus::EdgeMonitored => "边缘易致贫户（监测）",
        HouseholdStatus::None => "非建档立卡",
    }
}

fn cause_zh(c: PovertyCause) -> &'static str {
    match c {
        PovertyCause::Illness => "因病",
        PovertyCause::Disability => "因残",
        PovertyCause::Schooling => "因学",
        PovertyCause::Disaster => "因灾",
        PovertyCause::LackOfLand => "缺土地",
        PovertyCause::LackOfWater => "缺水",
        PovertyCause::LackOfSkills => "缺技术",
        PovertyCause::LackOfLabour => "缺劳力",
        PovertyCause::LackOfFunds => "缺资金",
        PovertyCause::PoorTransport => "交通条件落后",
        PovertyCause::LackOfMotivation => "自身发展动力不足",
    }
}

fn gender_zh(g: Option<Gender>) -> &'static str {
    match g {
        Some(Gender::Male) => "男",
        Some(Gender::Female) => "女",
        None => "",
    }
}

fn enrolment_zh(s: EnrolmentStatus) -> &'static str {
    match s {
        EnrolmentStatus::Enrolled => "在读",
        EnrolmentStatus::Suspended => "休学",
        EnrolmentStatus::DroppedOut => "辍学",
        EnrolmentStatus::TransferredOut => "转出",
        EnrolmentStatus::Graduated => "毕业",
    }
}

fn mode_zh(m: VisitMode) -> &'static str {
    match m {
        VisitMode::InHome => "入户",
        VisitMode::Phone => "电话",
        VisitMode::Video => "视频",
        VisitMode::AtSchool => "在校约谈",
    }
}

fn plan_status_zh(s: PlanStatus) -> &'static str {
    match s {
        PlanStatus::Draft => "草稿",
        PlanStatus::Active => "执行中",
        PlanStatus::Reviewed => "已回顾",
        PlanStatus::Closed => "已结束",
    }
}

fn signer_zh(r: SignRole) -> &'static str {
    match r {
        SignRole::Parent => "家长",
        SignRole::ClassTeacher => "班主任",
        SignRole::Principal => "校长",
        SignRole::AidCentre => "县学生资助中心",
        SignRole::DeputyDirector => "分管副局长",
    }
}

fn risk_zh(r: RiskLevel) -> &'static str {
    match r {
        RiskLevel::Low => "低",
        RiskLevel::Medium => "中",
        RiskLevel::High => "高",
    }
}

fn yes(b: bool) -> &'static str {
    if b { "是" } else { "" }
}

/// Names of the people a card refers to by id: its members, and every teacher of the school.
pub(crate) struct Names<'a> {
    teachers: &'a HashMap<RecordId, String>,
    members: HashMap<RecordId, &'a str>,
}

impl<'a> Names<'a> {
    pub(crate) fn new(teachers: &'a HashMap<RecordId, String>, card: &'a HouseholdCard) -> Names<'a> {
        Names { teachers, members: card.members.iter().map(|m| (m.meta.id, m.name.as_str())).collect() }
    }
    fn teacher(&self, id: RecordId) -> String {
        self.teachers.get(&id).cloned().unwrap_or_else(|| "（已删除的教师）".into())
    }
    fn member(&self, id: RecordId) -> String {
        self.members.get(&id).map(|s| s.to_string()).unwrap_or_default()
    }
    fn teachers_of(&self, ids: &[RecordId]) -> String {
        ids.iter().map(|t| self.teacher(*t)).collect::<Vec<_>>().join("、")
    }
}

/// The card of one household for `term`: everything it holds, the term's visits, plans,
/// grants and the dropout cases open at some time in the term (with their actions).
pub(crate) fn card_view(conn: &rusqlite::Connection, card: &HouseholdCard, names: &Names<'_>, term: Term, full_ids: bool) -> Result<CardView> {
    let h = &card.household.fields;
    let students: Vec<&Member> = card.members.iter().filter(|m| m.student.is_some()).collect();
    let mut cases = Vec::new();
    for c in card.dropout_cases.iter().filter(|c| c.reported_date <= term.end() && c.outcome_date.is_none_or(|d| d >= term.start())) {
        cases.push(case_view(&dropout::get(conn, c.id)?));
    }
    Ok(CardView {
        restricted: card.restricted,
        number: h.household_number.clone(),
        head: h.head_name.clone(),
        town: h.town.clone(),
        village: h.village.clone(),
        group: h.group.clone(),
        phone: h.phone.clone(),
        family_size: crate::household::family_size_text(h.family_size, card.members.len()),
        status: status_zh(h.status),
        causes: h.poverty_causes.iter().map(|c| cause_zh(*c)).collect::<Vec<_>>().join("、"),
        notes: h.notes.clone(),
        teachers: card
            .teachers
            .iter()
            .map(|t| if t.fields.subject.is_empty() { t.fields.name.clone() } else { format!("{}（{}）", t.fields.name, t.fields.subject) })
            .collect(),
        members: card
            .members
            .iter()
            .map(|m| MemberRow {
                name: m.name.clone(),
                relation: m.relation.clone(),
                gender: gender_zh(m.gender),
                birth: birth_text(m, full_ids),
                id: id_text(&m.resident_id, full_ids),
                // A reader without the second key: whether there is a note (issue 22).
                health: if m.health.is_empty() && m.has_health_note { "有健康/残疾情况记录".into() } else { m.health.clone() },
                migrant: yes(m.migrant_work),
            })
            .collect(),
        students: students
            .iter()
            .map(|m| {
                let s = &m.student.as_ref().expect("filtered").fields;
                let flags: Vec<&str> = [(s.boarding, "寄宿"), (s.left_behind, "留守"), (s.disabled, "残疾"), (s.orphan, "孤儿"), (s.single_parent, "单亲")]
                    .into_iter()
                    .filter_map(|(on, label)| on.then_some(label))
                    .collect();
                StudentRow {
                    name: m.name.clone(),
                    stage: crate::summary::stage_zh(s.stage.as_str()),
                    grade: s.grade.map(|g| format!("{g}年级")).unwrap_or_default(),
                    class: s.class_name.clone(),
                    number: student_number_text(&s.national_student_number, full_ids),
                    status: enrolment_zh(s.enrolment_status),
                    flags: flags.join("、"),
                }
            })
            .collect(),
        pairings: card
            .pairings
            .iter()
            .map(|p| PairingRow { student: names.member(p.member_id), teacher: names.teacher(p.teacher_id), start: date(p.start_date) })
            .collect(),
        // Oldest first: an archive reads as a story.
        visits: card.visits.iter().rev().filter(|v| term.contains(v.visit_date)).map(|v| visit_view(v, names)).collect(),
        plans: card.plans.iter().filter(|p| p.term == term).map(|p| plan_view(p, names)).collect(),
        grants: card.grants.iter().filter(|g| g.term == term).map(grant_view).collect(),
        cases,
    })
}

fn visit_view(v: &Visit, names: &Names<'_>) -> VisitView {
    VisitView {
        date: date(v.visit_date),
        mode: mode_zh(v.mode),
        teachers: names.teachers_of(&v.teacher_ids),
        students: v.student_ids.iter().map(|s| names.member(*s)).collect::<Vec<_>>().join("、"),
        topics: v.topics.join("、"),
        findings: v.findings.clone(),
        requests: v.requests.clone(),
        parent: v.parent_name.clone(),
        parent_date: opt_date(v.parent_ack_date),
        photo: v.has_photo,
        follow_ups: v
            .follow_ups
            .iter()
            .map(|f| FollowUpRow {
                action: f.action.clone(),
                owner: f.owner_id.map(|o| names.teacher(o)).unwrap_or_default(),
                due: date(f.due_date),
                done: opt_date(f.done_date),
            })
            .collect(),
    }
}

fn plan_view(p: &Plan, names: &Names<'_>) -> PlanView {
    let tracks = [
        ("学习上优先辅导", &p.tutoring),
        ("生活上优先照顾", &p.care),
        ("活动上优先安排", &p.activities),
        ("资助上优先保障", &p.aid),
        ("心理上重点关注", &p.psychological),
    ];
    let length: usize = tracks.iter().map(|(_, t)| t.needs.chars().count() + t.measures.chars().count()).sum();
    PlanView {
        compact: length < 700,
        student: names.member(p.member_id),
        status: plan_status_zh(p.status),
        teacher: p.responsible_teacher_id.map(|t| names.teacher(t)).unwrap_or_default(),
        next_review: opt_date(p.next_review_date),
        goals: p.goals.clone(),
        tracks: tracks
            .into_iter()
            .map(|(name, t)| TrackRow { name, needs: t.needs.clone(), measures: t.measures.clone() })
            .collect(),
        reviews: p
            .reviews
            .iter()
            .rev()
            .map(|r| ReviewRow { date: date(r.review_date), progress: r.progress.clone(), next_steps: r.next_steps.clone() })
            .collect(),
    }
}

fn grant_view(g: &Grant) -> GrantView {
    GrantView {
        student: g.student_name.clone(),
        programme: g.programme_name.clone(),
        kind: crate::summary::aid_kind_zh(g.kind.as_str()),
        amount: format!("{} 元", aid::yuan(g.amount_fen)),
        status: g.status.label(Lang::Zh),
        notice: match (g.notice_start, g.notice_end) {
            (Some(a), Some(b)) => format!("{} 至 {}", date(a), date(b)),
            (Some(a), None) => format!("{} 起", date(a)),
            _ => String::new(),
        },
        objections: g.objections.clone(),
        reversed: g.reversed_reason.clone(),
        steps: g
            .steps
            .iter()
            .map(|s| StepRow {
                step: s.step.label(Lang::Zh),
                date: date(s.step_date),
                signoffs: s.signoffs.iter().map(|o| format!("{}：{}", signer_zh(o.role), o.name)).collect::<Vec<_>>().join("；"),
                note: s.note.clone(),
            })
            .collect(),
    }
}

fn case_view(c: &DropoutCase) -> CaseView {
    let h = &c.heads;
    let heads = [
        ("县长", &h.county_head),
        ("教育局长", &h.bureau_chief),
        ("乡镇长", &h.town_head),
        ("村长（村支书）", &h.village_head),
        ("校长", &h.principal),
        ("家长", &h.parent),
        ("教师", &h.teacher),
    ];
    CaseView {
        student: c.name.clone(),
        kind: c.kind.label(Lang::Zh),
        reason: if c.reason_note.is_empty() {
            c.reason.label(Lang::Zh).to_string()
        } else {
            format!("{}（{}）", c.reason.label(Lang::Zh), c.reason_note)
        },
        risk: risk_zh(c.risk_level),
        reported: date(c.reported_date),
        dropped_out: opt_date(c.dropped_out_date),
        heads: heads.into_iter().map(|(role, name)| (role, name.clone())).collect(),
        outcome: match (c.outcome, c.outcome_date) {
            (Some(o), Some(d)) => format!("{}（{}）", o.label(Lang::Zh), date(d)),
            (Some(o), None) => o.label(Lang::Zh).to_string(),
            (None, _) => "未结案".into(),
        },
        notes: c.notes.clone(),
        actions: c
            .actions
            .iter()
            .map(|a| ActionRow { date: date(a.action_date), who: a.who.clone(), what: a.what.clone(), outcome: a.outcome.clone() })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_student_numbers_are_masked_like_id_numbers() {
        assert_eq!(student_number_text("G61092120130305001X", false), "G610921********001X");
        assert_eq!(student_number_text("G61092120130305001X", true), "G61092120130305001X");
        assert_eq!(student_number_text("L2013123456789", false), "L201****6789");
        assert_eq!(student_number_text("", false), "");
    }
}
