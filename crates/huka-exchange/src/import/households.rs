//! The registered-poor household list (建档立卡户名单): one row per person, the household
//! number repeated on each member's row. Households match by household number, people by
//! resident ID number; a person already on another card moves to this one.
//!
//! The aid office's 贫困学生花名册 has one row per student, the household in the same row
//! (户主姓名, 户主身份证号, 与户主关系, 贫困户类别, 家庭人口, 联系电话 …) and no household
//! number: its households are keyed by the head's resident ID number. The head and each
//! student become members (the student with a student record of the grade and class); a
//! household already on a card (from either list) is found by its members' ID numbers; a new
//! one gets a number Huka makes (`household::generated_number`), never the ID number, which
//! the 建档立卡 list's 户编号 replaces when that list comes.

use std::collections::{BTreeMap, HashMap};

use super::read::{Cell, Row};
use super::row::{Columns, Kind, Reader};
use super::sheets::Source;
use super::values::{self, DateValue};
use super::{Field, Outcome, Place, Plan, PlannedRow};
use crate::error::{Problem, Result};
use crate::household::{Household, HouseholdInput, HouseholdStatus, PovertyCause};
use crate::member::{Member, MemberInput};
use crate::record::RecordId;
use crate::resident_id::ResidentId;
use crate::store::{Store, Writer};
use crate::student::{Stage, StudentInput};

/// What groups rows into one household.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Key {
    /// 户编号, on every row of a 建档立卡 list.
    Number(String),
    /// The head's resident ID number, in a list with no household number (花名册).
    Head(String),
}

/// One person's row, read and checked.
#[derive(Debug, Clone, PartialEq)]
struct Person {
    /// The source sheet and row number.
    at: (usize, usize),
    key: Key,
    head_name: String,
    name: String,
    relation: String,
    resident_id: String,
    gender: Option<crate::member::Gender>,
    birth_date: Option<chrono::NaiveDate>,
    town: String,
    village: String,
    group: String,
    phone: String,
    status: Option<HouseholdStatus>,
    causes: Option<Vec<PovertyCause>>,
    /// 家庭人口, a household's detail like the address.
    family_size: Option<i64>,
    /// A student's grade, stage and class, when the row gives them.
    class: Option<(Option<i64>, Stage, String)>,
}

impl Person {
    /// The same person with the same details (where they are aside).
    fn same_as(&self, other: &Person) -> bool {
        Person { at: (0, 0), ..self.clone() } == Person { at: (0, 0), ..other.clone() }
    }
    /// The same person, household details aside: a 花名册 repeats the head on each student's
    /// row, and the household's details are checked and merged across its rows by `agree`.
    /// A person on a 建档立卡 row has no class, and may have no relation: the same person on a
    /// 花名册 row of the same household, with them, is the same.
    fn same_person_as(&self, other: &Person) -> bool {
        fn person(p: &Person) -> (&Key, &str, &str, Option<crate::member::Gender>, Option<chrono::NaiveDate>) {
            (&p.key, &p.name, &p.resident_id, p.gender, p.birth_date)
        }
        let either = |a: &str, b: &str| a.is_empty() || b.is_empty() || a == b;
        person(self) == person(other)
            && either(&self.relation, &other.relation)
            && (self.class.is_none() || other.class.is_none() || self.class == other.class)
    }
    /// Takes the household's details this row left blank from what its other rows said.
    fn fill_from(&mut self, bits: &HouseholdBits) {
        let fill = |mine: &mut String, theirs: &str| {
            if mine.is_empty() {
                *mine = theirs.to_string();
            }
        };
        fill(&mut self.head_name, &bits.head_name);
        fill(&mut self.phone, &bits.phone);
        if format!("{}{}{}", self.town, self.village, self.group).is_empty() {
            (self.town, self.village, self.group) = (bits.town.clone(), bits.village.clone(), bits.group.clone());
        }
        self.status = self.status.or(bits.status);
        if self.causes.is_none() {
            self.causes = bits.causes.clone();
        }
        self.family_size = self.family_size.or(bits.family_size);
    }
    fn is_head(&self) -> bool {
        self.relation == "户主" || (!self.head_name.is_empty() && self.name == self.head_name)
    }
}

/// One member to write: into the household of `household`, over `member` if they exist.
pub(crate) struct Write {
    household: Key,
    member: Option<RecordId>,
    input: MemberInput,
}

pub(crate) enum Action {
    /// Write the households of these people (insert when new), then the people: one on a
    /// 建档立卡 row, the head and the student on a 花名册 row.
    People(Vec<Write>),
}

/// Households to write, by key: the existing id, the fields to write (an empty number: one
/// to make) and whether they change.
pub(crate) struct Households(BTreeMap<Key, (Option<RecordId>, HouseholdInput, bool)>);

pub(crate) struct HouseholdPlan {
    pub plan: Plan<Action>,
    households: Households,
}

impl std::ops::Deref for HouseholdPlan {
    type Target = Plan<Action>;
    fn deref(&self) -> &Plan<Action> {
        &self.plan
    }
}

fn status(attribute: &str, lift: &str) -> Option<HouseholdStatus> {
    if attribute.is_empty() && lift.is_empty() {
        return None;
    }
    Some(if lift.contains("边缘") || attribute.contains("边缘") {
        HouseholdStatus::EdgeMonitored
    } else if lift.contains("已脱贫") || lift.contains("脱贫不稳定") || lift == "是" || attribute.contains("已脱贫") || attribute.starts_with("脱贫") {
        HouseholdStatus::LiftedMonitored
    } else if attribute.contains("低保") {
        HouseholdStatus::MinimumAllowance
    } else if attribute.contains("特困") || attribute.contains("五保") {
        HouseholdStatus::ExtremePoverty
    } else {
        HouseholdStatus::RegisteredPoor
    })
}

fn causes(text: &str) -> Result<Vec<PovertyCause>, String> {
    let mut out = Vec::new();
    for part in text.split(['、', ',', '，', ';', '；', '/', ' ']).filter(|p| !p.is_empty()) {
        let cause = [
            ("病", PovertyCause::Illness),
            ("残", PovertyCause::Disability),
            ("学", PovertyCause::Schooling),
            ("灾", PovertyCause::Disaster),
            ("土地", PovertyCause::LackOfLand),
            ("水", PovertyCause::LackOfWater),
            ("技术", PovertyCause::LackOfSkills),
            ("劳", PovertyCause::LackOfLabour),
            ("资金", PovertyCause::LackOfFunds),
            ("交通", PovertyCause::PoorTransport),
            ("动力", PovertyCause::LackOfMotivation),
        ]
        .iter()
        .find(|(k, _)| part.contains(k))
        .map(|(_, c)| *c)
        .ok_or_else(|| part.to_string())?;
        if !out.contains(&cause) {
            out.push(cause);
        }
    }
    Ok(out)
}

/// A resident ID number column read: the number, or why the row is refused.
fn read_id(r: &mut Reader<'_>, field: Field, missing_zh: &str, missing_en: &str) -> Option<ResidentId> {
    if r.digits_lost(field) {
        return None;
    }
    let text = r.text(field);
    if text.is_empty() {
        r.error(field, missing_zh, missing_en);
        return None;
    }
    match ResidentId::parse(&text) {
        Ok(id) => Some(id),
        Err(p) => {
            r.problem(field, Problem::ResidentId(p));
            None
        }
    }
}

/// 镇, 村 and 组 out of a 家庭住址 such as “汉阴县涧池镇紫云村三组”: what comes before the
/// town (province, county) is left out, and so is what comes after the group.
fn split_address(address: &str) -> (String, String, String) {
    let a: String = address.chars().filter(|c| !c.is_whitespace()).collect();
    let cut = |s: &str, marks: &[&str]| marks.iter().filter_map(|m| s.find(m).map(|i| i + m.len())).min();
    let (town, rest) = match cut(&a, &["镇", "乡", "街道"]) {
        Some(end) => {
            let before = a[..end].char_indices().last().map(|(i, _)| i).unwrap_or(0);
            let start = ["省", "市", "县", "区"].iter().filter_map(|m| a[..before].rfind(m).map(|i| i + m.len())).max().unwrap_or(0);
            (a[start..end].to_string(), &a[end..])
        }
        None => (String::new(), a.as_str()),
    };
    let (village, rest) = match cut(rest, &["村", "社区"]) {
        Some(end) => (rest[..end].to_string(), &rest[end..]),
        None => (String::new(), rest),
    };
    let group = cut(rest, &["组", "社"]).map(|end| rest[..end].to_string()).unwrap_or_default();
    let fits = |s: &str, max: usize| if s.chars().count() <= max { s.to_string() } else { String::new() };
    if town.is_empty() && village.is_empty() {
        // Not an address Huka can split: kept whole as the village when it fits.
        return (String::new(), fits(&a, 30), String::new());
    }
    (fits(&town, 30), fits(&village, 30), fits(&group, 20))
}

/// The household's own columns of a row, the same for each of its people.
struct HouseholdBits {
    head_name: String,
    town: String,
    village: String,
    group: String,
    phone: String,
    status: Option<HouseholdStatus>,
    causes: Option<Vec<PovertyCause>>,
    family_size: Option<i64>,
}

/// 家庭人口: a whole number of people (“5” or “5人”), if the column has a value.
fn family_size(r: &mut Reader<'_>) -> Option<i64> {
    if !r.has(Field::FamilySize) {
        return None;
    }
    let n = match r.cell(Field::FamilySize) {
        Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e6 => Some(*n as i64),
        Cell::Number(_) => None,
        _ => r.text(Field::FamilySize).trim_end_matches(['人', '口']).trim().parse::<i64>().ok(),
    };
    match n {
        Some(n) if (1..=crate::household::MAX_FAMILY_SIZE).contains(&n) => Some(n),
        _ => {
            let rule = &crate::household::BAD_FAMILY_SIZE;
            r.refuse(Field::FamilySize, rule.code, rule.zh, rule.en);
            None
        }
    }
}

fn household_bits(r: &mut Reader<'_>) -> HouseholdBits {
    let (mut town, mut village, mut group) = (r.text(Field::Town), r.text(Field::Village), r.text(Field::Group));
    if r.has(Field::Address) && town.is_empty() && village.is_empty() && group.is_empty() {
        (town, village, group) = split_address(&r.text(Field::Address));
    }
    let phone = r.phone();
    let causes = if r.has(Field::PovertyCause) {
        match causes(&r.text(Field::PovertyCause)) {
            Ok(c) => Some(c),
            Err(unknown) => {
                r.error(
                    Field::PovertyCause,
                    format!("无法识别的致贫原因“{unknown}”（应为 因病、因残、因学、因灾、缺土地、缺水、缺技术、缺劳力、缺资金、交通条件落后、自身发展动力不足）"),
                    format!("unknown poverty cause “{unknown}”"),
                );
                None
            }
        }
    } else {
        None
    };
    HouseholdBits {
        head_name: r.text(Field::HeadName),
        town,
        village,
        group,
        phone,
        status: status(&r.text(Field::PovertyAttribute), &r.text(Field::LiftStatus)),
        causes,
        family_size: family_size(r),
    }
}

/// 年级 and 班级, if the row has a grade; an error if the grade is not one.
fn read_class(r: &mut Reader<'_>) -> Option<(Option<i64>, Stage, String)> {
    if !r.has(Field::Grade) {
        return None;
    }
    match values::grade(r.cell(Field::Grade)) {
        Some((grade, stage)) => Some((grade, stage, r.text(Field::ClassName))),
        None => {
            r.error(Field::Grade, "年级无法识别（应如“三年级”“初一”或 3）", "grade not understood (like 三年级, 初一 or 3)");
            None
        }
    }
}

fn person(at: (usize, usize), key: Key, bits: &HouseholdBits, name: String, relation: String, id: &ResidentId) -> Person {
    Person {
        at,
        key,
        head_name: bits.head_name.clone(),
        name,
        relation,
        resident_id: id.as_str().to_string(),
        gender: Some(id.gender()),
        birth_date: Some(id.birth_date()),
        town: bits.town.clone(),
        village: bits.village.clone(),
        group: bits.group.clone(),
        phone: bits.phone.clone(),
        status: bits.status,
        causes: bits.causes.clone(),
        family_size: bits.family_size,
        class: None,
    }
}

/// A row of a 建档立卡 list: one person of the household numbered in the row.
fn read_row(r: &mut Reader<'_>, sheet: usize) -> Option<(Vec<Person>, HouseholdBits)> {
    let household_number = r.text(Field::HouseholdNumber).replace(' ', "");
    if household_number.is_empty() {
        r.problem(Field::HouseholdNumber, Problem::Required);
    } else if ResidentId::parse(&household_number).is_ok() {
        // A household number is shown in full everywhere: an ID number must never become one.
        r.refuse(
            Field::HouseholdNumber,
            "household_number_is_resident_id",
            "户编号是一个身份证号：户编号处处完整显示，不能用身份证号。没有户编号的名单（如贫困学生花名册）请把“户主身份证号”列指定为“户主身份证号”",
            "the household number is a resident ID number: household numbers are shown in full everywhere. For a list without household numbers (a 花名册), map the head's ID column to 户主身份证号",
        );
    }
    let name = r.text(Field::Name);
    if name.is_empty() {
        r.problem(Field::Name, Problem::Required);
    }
    let id = read_id(r, Field::ResidentId, "缺少身份证号", "the resident ID number is missing");
    let (own, bits) = Own::read(r);
    let id = id?;
    if !r.errors.is_empty() {
        return None;
    }
    let relation = own.relation.clone();
    let p = own.on(person((sheet, r.row.number), Key::Number(household_number), &bits, name, relation, &id));
    Some((vec![p], bits))
}

/// A row's columns of the person it names besides name and ID number: gender, birth date,
/// class, and the relation (本人 read as 户主).
struct Own {
    gender: Option<crate::member::Gender>,
    birth: Option<DateValue>,
    class: Option<(Option<i64>, Stage, String)>,
    relation: String,
}

impl Own {
    /// With the row's household columns, read between them (the order its problems are told in).
    fn read(r: &mut Reader<'_>) -> (Own, HouseholdBits) {
        let (gender, birth) = (r.gender(), r.birth_date());
        let bits = household_bits(r);
        let class = read_class(r);
        let relation = r.text(Field::Relation);
        (Own { gender, birth, class, relation: if relation == "本人" { "户主".into() } else { relation } }, bits)
    }

    /// The person with what the row says over what the ID number says.
    fn on(self, mut p: Person) -> Person {
        p.gender = self.gender.or(p.gender);
        if let Some(DateValue::Day(d)) = self.birth {
            p.birth_date = Some(d);
        }
        p.class = self.class;
        p
    }
}

/// A row of a 花名册: a student and the head of their household, keyed by the head's ID number
/// — or by the 户编号 of the 建档立卡 household of the same file the head is a member of
/// (`numbered`), so that the two lists in one workbook make one household.
fn read_student_row(r: &mut Reader<'_>, sheet: usize, numbered: &HashMap<String, String>) -> Option<(Vec<Person>, HouseholdBits)> {
    let name = r.text(Field::Name);
    if name.is_empty() {
        r.problem(Field::Name, Problem::Required);
    }
    let head_name = r.text(Field::HeadName);
    if head_name.is_empty() && r.mapping.column_of(Field::HeadName).is_some() {
        r.problem(Field::HeadName, Problem::Required);
    }
    let id = read_id(r, Field::ResidentId, "缺少学生身份证号", "the student's resident ID number is missing");
    let head = read_id(r, Field::HeadResidentId, "缺少户主身份证号，无法确定是哪一户", "the head's resident ID number is missing: the row cannot be put in a household");
    let (own, bits) = Own::read(r);
    let (id, head) = (id?, head?);
    if id != head && own.relation == "户主" {
        r.error(Field::Relation, "与户主关系为“户主”，但学生身份证号与户主身份证号不同", "the relation says 户主 but the student's and the head's ID numbers differ");
    }
    if !r.errors.is_empty() {
        return None;
    }
    let at = (sheet, r.row.number);
    let key = match numbered.get(head.as_str()) {
        Some(number) => Key::Number(number.clone()),
        None => Key::Head(head.as_str().to_string()),
    };
    let relation = if id == head { "户主".into() } else { own.relation.clone() };
    let student = own.on(person(at, key.clone(), &bits, name, relation, &id));
    if id == head {
        return Some((vec![student], bits));
    }
    // The sheet has a 户主姓名 column (`missing` asks for it) and this row's is filled.
    Some((vec![person(at, key, &bits, head_name, "户主".into(), &head), student], bits))
}

fn existing_households(store: &Store) -> Result<Vec<Household>> {
    crate::household::all(store.conn())
}

/// The members Huka has, found by a full ID number through its keyed digest (`sealed`): the
/// numbers are stored sealed, so the file's numbers are digested and compared with the
/// stored digests, and the members opened (their fields are compared and kept).
struct ExistingMembers<'a> {
    key: &'a crate::crypto::DataKey,
    by_digest: HashMap<String, Member>,
}

impl ExistingMembers<'_> {
    fn get(&self, resident_id: &str) -> Option<&Member> {
        self.by_digest.get(&crate::sealed::digest(self.key, "resident_id", resident_id))
    }
}

fn existing_members(store: &Store) -> Result<ExistingMembers<'_>> {
    // Only the holders of the second key import households (they read and write the numbers).
    let Some(key) = crate::sealed::key(store) else {
        return Err(crate::labels::invalid("residentId", crate::error::Problem::Rule(&crate::member::NUMBERS_NOT_YOURS)));
    };
    let members = crate::member::all_with_resident_id(store.conn(), Some(key))?;
    Ok(ExistingMembers { key, by_digest: members.into_iter().map(|m| (m.seals.resident_id_digest.clone(), m)).collect() })
}

/// The household as the file describes it, over what Huka already has (fields the file
/// leaves empty keep their current value). `number` is the household's number (empty: one
/// to be made).
fn household_fields(people: &[&Person], number: String, current: Option<&HouseholdInput>) -> (HouseholdInput, (usize, usize)) {
    let source = people.iter().find(|p| p.is_head()).unwrap_or(&people[0]);
    let keep = |file: &str, now: Option<&str>| if file.is_empty() { now.unwrap_or("").to_string() } else { file.to_string() };
    let head_name = if !source.head_name.is_empty() {
        source.head_name.clone()
    } else if source.is_head() {
        source.name.clone()
    } else {
        keep("", current.map(|c| c.head_name.as_str()))
    };
    let h = HouseholdInput {
        household_number: number,
        head_name: if head_name.is_empty() { source.name.clone() } else { head_name },
        town: keep(&source.town, current.map(|c| c.town.as_str())),
        village: keep(&source.village, current.map(|c| c.village.as_str())),
        group: keep(&source.group, current.map(|c| c.group.as_str())),
        phone: keep(&source.phone, current.map(|c| c.phone.as_str())),
        status: source.status.or(current.map(|c| c.status)).unwrap_or(HouseholdStatus::RegisteredPoor),
        poverty_causes: source.causes.clone().or(current.map(|c| c.poverty_causes.clone())).unwrap_or_default(),
        notes: current.map(|c| c.notes.clone()).unwrap_or_default(),
        family_size: source
            .family_size
            .or_else(|| people.iter().find_map(|p| p.family_size))
            .map(|n| n as f64)
            .or(current.and_then(|c| c.family_size)),
    };
    (h, source.at)
}

/// The member as the file describes them, over what Huka already has.
fn member_input(p: &Person, current: Option<&Member>) -> MemberInput {
    let now = current.and_then(|c| c.student.as_ref().map(|s| s.fields.clone()));
    let student = match &p.class {
        None => now,
        Some((grade, stage, class_name)) => {
            let base = now.unwrap_or_default();
            Some(StudentInput {
                stage: *stage,
                grade: grade.or(base.grade),
                class_name: if class_name.is_empty() { base.class_name.clone() } else { class_name.clone() },
                ..base
            })
        }
    };
    MemberInput {
        name: p.name.clone(),
        relation: if p.relation.is_empty() { current.map(|c| c.relation.clone()).unwrap_or_default() } else { p.relation.clone() },
        resident_id: p.resident_id.clone(),
        gender: p.gender,
        birth_date: p.birth_date.map(|d| d.to_string()),
        health: current.map(|c| c.health.clone()).unwrap_or_default(),
        migrant_work: current.is_some_and(|c| c.migrant_work),
        student,
    }
}

fn unchanged(current: &Member, wanted: &MemberInput) -> bool {
    current.name == wanted.name
        && current.relation == wanted.relation
        && current.gender == wanted.gender
        && current.birth_date.map(|d| d.to_string()) == wanted.birth_date
        && current.student.as_ref().map(|s| &s.fields) == wanted.student.as_ref()
}

/// The household's own columns, merged over its members' rows in most county lists.
const HOUSEHOLD_FIELDS: [Field; 10] = [
    Field::HouseholdNumber,
    Field::HeadName,
    Field::Town,
    Field::Village,
    Field::Group,
    Field::PovertyAttribute,
    Field::LiftStatus,
    Field::PovertyCause,
    Field::Phone,
    Field::FamilySize,
];

/// A member's row with no household number under a row that had one — a merged list saved as
/// CSV or unmerged keeps the value only on the household's first row — takes the household's
/// columns from that row. A head of household (户主) starts a household and is never filled.
fn filled_down(row: &Row, above: Option<&Row>, columns: &Columns<'_>) -> Option<Row> {
    let above = above?;
    let at = |r: &Row, f: Field| columns.of(f).map(|c| r.get(c).clone()).unwrap_or(Cell::Empty);
    let relation = crate::text::clean(&at(row, Field::Relation).text());
    if !at(row, Field::HouseholdNumber).is_empty() || at(row, Field::Name).is_empty() || relation == "户主" || relation == "本人" {
        return None;
    }
    let mut filled = row.clone();
    for f in HOUSEHOLD_FIELDS {
        if let Some(c) = columns.of(f) {
            if filled.get(c).is_empty() {
                if filled.cells.len() <= c {
                    filled.cells.resize(c + 1, Cell::Empty);
                }
                filled.cells[c] = above.get(c).clone();
            }
        }
    }
    Some(filled)
}

/// The 户编号 of each person on the 建档立卡 sheets of the file (their resident ID number →
/// household number): a 花名册 sheet's household whose head is one of them is that household.
fn numbered_people(sources: &[Source<'_>], columns: &[Columns<'_>], by_heads: &[bool]) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for (sheet, source) in sources.iter().enumerate().filter(|(sheet, _)| !by_heads[*sheet]) {
        let columns = &columns[sheet];
        let mut above: Option<Row> = None;
        for original in &source.table.rows[source.mapping.header_index + 1..] {
            if !matches!(Reader::new(original, columns).kind(), Kind::Data) {
                continue;
            }
            let down = filled_down(original, above.as_ref(), columns);
            let row = down.as_ref().unwrap_or(original);
            let r = Reader::new(row, columns);
            if r.has(Field::HouseholdNumber) {
                above = Some(row.clone());
            }
            let number = r.text(Field::HouseholdNumber).replace(' ', "");
            if let (false, Ok(id)) = (number.is_empty(), ResidentId::parse(&r.text(Field::ResidentId))) {
                out.entry(id.as_str().to_string()).or_insert(number);
            }
        }
    }
    out
}

/// The first row of each household of a 花名册 and what its rows said of the household so far:
/// a later row of the household that says otherwise is refused; a detail only a later row
/// gives is the household's too (every row's blanks take it after the first pass).
type FirstRows = HashMap<Key, ((usize, usize), HouseholdBits)>;

/// Checks a 花名册 row's household columns against what the household's earlier rows said;
/// fills its blanks from them, and theirs from it.
fn agree(r: &mut Reader<'_>, sources: &[Source<'_>], firsts: &mut FirstRows, people: &mut [Person], bits: HouseholdBits) -> bool {
    let key = people[0].key.clone();
    let Some((at, first)) = firsts.get_mut(&key) else {
        firsts.insert(key, ((people[0].at), bits));
        return true;
    };
    let at = *at;
    let differs = |a: &str, b: &str| !a.is_empty() && !b.is_empty() && a != b;
    let mut wrong = Vec::new();
    if differs(&bits.head_name, &first.head_name) {
        wrong.push(Field::HeadName);
    }
    if differs(&bits.phone, &first.phone) {
        wrong.push(Field::Phone);
    }
    if bits.status.is_some() && first.status.is_some() && bits.status != first.status {
        wrong.push(Field::PovertyAttribute);
    }
    if bits.family_size.is_some() && first.family_size.is_some() && bits.family_size != first.family_size {
        wrong.push(Field::FamilySize);
    }
    let (now, then) = (format!("{}{}{}", bits.town, bits.village, bits.group), format!("{}{}{}", first.town, first.village, first.group));
    if differs(&now, &then) {
        wrong.push(if r.mapping.column_of(Field::Address).is_some() { Field::Address } else { Field::Village });
    }
    let first_place = Place { sheet: sources[at.0].name, row: at.1 };
    for f in &wrong {
        let header = r.mapping.header_of(*f);
        r.refuse(
            *f,
            "household_disagrees",
            format!("与{}同属一户（户主身份证号相同），但“{header}”不同：请核对后统一", first_place.zh()),
            format!("the same household as {} (the same head's ID number) but a different “{header}”: make them agree", first_place.en()),
        );
    }
    if !wrong.is_empty() {
        return false;
    }
    for p in people.iter_mut() {
        p.fill_from(first);
    }
    // What this row gives that the earlier ones left blank is the household's from now on.
    let mut merged = people[0].clone();
    merged.fill_from(first);
    first.head_name = merged.head_name;
    first.phone = merged.phone;
    (first.town, first.village, first.group) = (merged.town, merged.village, merged.group);
    first.status = merged.status;
    first.causes = merged.causes;
    first.family_size = merged.family_size;
    true
}

/// A data row read: (sheet, row), and its people unless rejected — `(true, person)` when the
/// person repeats an earlier row.
type RowRead = ((usize, usize), Option<Vec<(bool, Person)>>);

pub(crate) fn plan(store: &Store, sources: &[Source<'_>]) -> Result<HouseholdPlan> {
    let mut plan = Plan::new();
    // Pass 1: read every row; the same person twice must agree, and so must a household's rows.
    let mut people: Vec<RowRead> = Vec::new();
    // Each person's first row: the person, and where in `people` they are.
    let mut seen: HashMap<String, (Person, usize, usize)> = HashMap::new();
    let mut firsts: FirstRows = HashMap::new();
    let columns: Vec<Columns<'_>> = sources.iter().map(Columns::new).collect();
    let by_heads: Vec<bool> = sources.iter().map(|s| super::sheets::household_key(Some(s.mapping)) == Some("head_resident_id")).collect();
    let numbered = if by_heads.contains(&true) { numbered_people(sources, &columns, &by_heads) } else { HashMap::new() };
    for (sheet, source) in sources.iter().enumerate() {
        let columns = &columns[sheet];
        let by_head = by_heads[sheet];
        let mut above: Option<Row> = None;
        let mut filled = 0;
        for original in &source.table.rows[source.mapping.header_index + 1..] {
            match Reader::new(original, columns).kind() {
                Kind::Blank => continue,
                Kind::Skipped(s) => {
                    plan.skipped.push(s);
                    continue;
                }
                Kind::Data => {}
            }
            let down = if by_head { None } else { filled_down(original, above.as_ref(), columns) };
            let row = down.as_ref().unwrap_or(original);
            let mut r = Reader::new(row, columns);
            if down.is_some() {
                filled += 1;
            }
            if r.has(Field::HouseholdNumber) {
                above = Some(row.clone());
            }
            let read = if by_head { read_student_row(&mut r, sheet, &numbered) } else { read_row(&mut r, sheet) };
            let read = read.and_then(|(mut ps, bits)| (!by_head || agree(&mut r, sources, &mut firsts, &mut ps, bits)).then_some(ps));
            let persons = read.and_then(|ps| {
                let mut out = Vec::new();
                for p in ps {
                    match seen.get_mut(&p.resident_id) {
                        Some((first, ..)) if first.same_as(&p) => out.push((true, p)),
                        // A 花名册 repeats the head on each student's row, and may list a person
                        // of the same file's 建档立卡 list: the class and relation one row gives
                        // are the person's (their first row is the one written).
                        Some((first, at, k)) if (by_head || by_heads[first.at.0]) && first.same_person_as(&p) => {
                            if (first.class.is_none() && p.class.is_some()) || (first.relation.is_empty() && !p.relation.is_empty()) {
                                let written = &mut people[*at].1.as_mut().expect("a person seen was read")[*k].1;
                                for q in [&mut *first, written] {
                                    q.class = q.class.take().or_else(|| p.class.clone());
                                    if q.relation.is_empty() {
                                        q.relation = p.relation.clone();
                                    }
                                }
                            }
                            out.push((true, p))
                        }
                        Some((first, ..)) => {
                            let first = Place { sheet: sources[first.at.0].name, row: first.at.1 };
                            let field = if by_head && p.is_head() && p.class.is_none() { Field::HeadResidentId } else { Field::ResidentId };
                            r.error(
                                field,
                                format!("与{}身份证号相同，但其他信息不同", first.zh()),
                                format!("same resident ID number as {} but different details", first.en()),
                            );
                            return None;
                        }
                        None => out.push((false, p)),
                    }
                }
                for (k, (repeat, p)) in out.iter().enumerate() {
                    if !repeat {
                        seen.insert(p.resident_id.clone(), (p.clone(), people.len(), k));
                    }
                }
                Some(out)
            });
            plan.errors.append(&mut r.errors);
            people.push(((sheet, row.number), persons));
        }
        if filled > 0 {
            plan.filled.push((source.mapping.header_of(Field::HouseholdNumber), source.name.to_string(), filled));
        }
    }

    // A 花名册 household's details, as all its rows said them, on each of its people.
    for (_, ps) in people.iter_mut() {
        for (_, p) in ps.iter_mut().flatten() {
            if let Some((_, bits)) = firsts.get(&p.key) {
                p.fill_from(bits);
            }
        }
    }

    // Pass 2: each household as the file describes it, found among those Huka has by its
    // number, or by its members' ID numbers (the head's first).
    let all_households = existing_households(store)?;
    let by_number: HashMap<&str, &Household> = all_households.iter().map(|h| (h.fields.household_number.as_str(), h)).collect();
    let by_id: HashMap<RecordId, &Household> = all_households.iter().map(|h| (h.meta.id, h)).collect();
    let current_members = existing_members(store)?;
    let mut groups: BTreeMap<Key, Vec<&Person>> = BTreeMap::new();
    for (_, ps) in &people {
        for (repeat, p) in ps.iter().flatten() {
            if !repeat {
                groups.entry(p.key.clone()).or_default().push(p);
            }
        }
    }
    let by_members = |members: &[&Person]| -> Option<&Household> {
        let mut ids: Vec<&str> = members.iter().filter(|p| p.is_head()).map(|p| p.resident_id.as_str()).collect();
        if let Key::Head(head) = &members[0].key {
            ids.insert(0, head);
        }
        ids.extend(members.iter().map(|p| p.resident_id.as_str()));
        ids.iter().find_map(|id| current_members.get(id)).and_then(|m| by_id.get(&m.household_id).copied())
    };
    // A household a 花名册 brought in (with a number Huka made) is the household of the list's
    // group whose head is in it (any member, if the group names no head) — and of one group only.
    let mut generated_taken: std::collections::HashSet<RecordId> = std::collections::HashSet::new();
    let mut households = Households(BTreeMap::new());
    let mut household_source: HashMap<Key, ((usize, usize), bool)> = HashMap::new();
    for (key, members) in &groups {
        let (current, number) = match key {
            Key::Number(n) => {
                let heads: Vec<&Person> = members.iter().copied().filter(|p| p.is_head()).collect();
                let generated = by_members(if heads.is_empty() { members } else { &heads })
                    .filter(|h| crate::household::is_generated_number(&h.fields.household_number) && !generated_taken.contains(&h.meta.id));
                let current = by_number.get(n.as_str()).copied().or(generated);
                if let Some(h) = current.filter(|h| crate::household::is_generated_number(&h.fields.household_number)) {
                    generated_taken.insert(h.meta.id);
                }
                (current, n.clone())
            }
            Key::Head(_) => {
                let current = by_members(members);
                (current, current.map(|h| h.fields.household_number.clone()).unwrap_or_default())
            }
        };
        let (fields, source) = household_fields(members, number, current.map(|h| &h.fields));
        let changed = current.is_none_or(|h| h.fields != fields);
        household_source.insert(key.clone(), (source, changed));
        households.0.insert(key.clone(), (current.map(|h| h.meta.id), fields, changed));
    }

    // Pass 3: each row's outcome: the most its people change.
    for ((sheet, row), persons) in people {
        let (outcome, action) = match persons {
            None => (Outcome::Rejected, None),
            Some(persons) => {
                let mut outcome = Outcome::Unchanged;
                let mut writes = Vec::new();
                for (repeat, p) in persons {
                    if repeat {
                        continue;
                    }
                    let current = current_members.get(&p.resident_id);
                    let wanted = member_input(&p, current);
                    let (source, household_changed) = household_source[&p.key];
                    let household_id = households.0[&p.key].0;
                    let this = match current {
                        None => Outcome::New,
                        Some(c) if Some(c.household_id) != household_id || !unchanged(c, &wanted) => Outcome::Update,
                        Some(_) if source == p.at && household_changed => Outcome::Update,
                        Some(_) => Outcome::Unchanged,
                    };
                    outcome = match (outcome, this) {
                        (Outcome::New, _) | (_, Outcome::New) => Outcome::New,
                        (Outcome::Update, _) | (_, Outcome::Update) => Outcome::Update,
                        _ => Outcome::Unchanged,
                    };
                    if this != Outcome::Unchanged {
                        writes.push(Write { household: p.key.clone(), member: current.map(|c| c.meta.id), input: wanted });
                    }
                }
                (outcome, (!writes.is_empty()).then_some(Action::People(writes)))
            }
        };
        plan.rows.push(PlannedRow { sheet, row, outcome, action });
    }
    Ok(HouseholdPlan { plan, households })
}

pub(crate) fn apply(w: &Writer<'_>, plan: &HouseholdPlan, progress: &mut dyn FnMut(usize, usize)) -> Result<()> {
    let total = plan.rows.len();
    let mut ids: HashMap<&Key, RecordId> = HashMap::new();
    let mut reindex: Vec<RecordId> = Vec::new();
    for (key, (id, fields, changed)) in &plan.households.0 {
        let id = match id {
            Some(id) => {
                if *changed {
                    crate::household::update_input(w, *id, fields)?;
                    reindex.push(*id);
                }
                *id
            }
            None if fields.household_number.is_empty() => {
                let fields = HouseholdInput { household_number: crate::household::generated_number(), ..fields.clone() };
                let id = crate::household::insert_input(w, &fields)?;
                reindex.push(id);
                id
            }
            None => {
                let id = crate::household::insert_input(w, fields)?;
                reindex.push(id);
                id
            }
        };
        ids.insert(key, id);
    }
    for (i, row) in plan.rows.iter().enumerate() {
        if let Some(Action::People(writes)) = &row.action {
            for Write { household, member, input } in writes {
                let household_id = ids[household];
                match member {
                    Some(id) => {
                        let before = crate::member::get(w.tx(), *id)?.household_id;
                        crate::member::update_input(w, *id, household_id, input)?;
                        reindex.push(before);
                    }
                    None => {
                        crate::member::insert_unindexed(w, household_id, &input.cleaned()?)?;
                    }
                }
                reindex.push(household_id);
            }
        }
        if i % 500 == 0 {
            progress(i, total);
        }
    }
    reindex.sort();
    reindex.dedup();
    for id in reindex {
        crate::search::reindex_household(w.tx(), id)?;
    }
    crate::registration::link(w, &[])?;
    progress(total, total);
    Ok(())
}
