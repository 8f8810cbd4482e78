//! The registered-poor household list (建档立卡户名单): one row per person, the household
//! number repeated on each member's row. Households match by household number, people by
//! resident ID number; a person already on another card moves to this one.

use std::collections::{BTreeMap, HashMap};

use super::read::Table;
use super::row::{Columns, Reader};
use super::values::DateValue;
use super::{Field, Mapping, Outcome, Plan, PlannedRow};
use crate::error::{Problem, Result};
use crate::household::{Household, HouseholdInput, HouseholdStatus, PovertyCause};
use crate::member::{Member, MemberInput};
use crate::record::RecordId;
use crate::resident_id::ResidentId;
use crate::store::{Store, Writer};

/// One person's row, read and checked.
#[derive(Debug, Clone, PartialEq)]
struct Person {
    row: usize,
    household_number: String,
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
}

impl Person {
    /// The same person with the same details (row numbers aside).
    fn same_as(&self, other: &Person) -> bool {
        Person { row: 0, ..self.clone() } == Person { row: 0, ..other.clone() }
    }
    fn is_head(&self) -> bool {
        self.relation == "户主" || (!self.head_name.is_empty() && self.name == self.head_name)
    }
}

pub(crate) enum Action {
    /// Write this household (insert when `id` is None) and then this member.
    Person { household: String, member: Option<RecordId>, input: MemberInput },
}

/// Households to write, by household number: the existing id and the fields to write.
pub(crate) struct Households(BTreeMap<String, (Option<RecordId>, HouseholdInput, bool)>);

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
    } else if lift.contains("已脱贫") || lift.contains("脱贫不稳定") || lift == "是" {
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
    for part in text.split(|c: char| matches!(c, '、' | ',' | '，' | ';' | '；' | '/' | ' ')).filter(|p| !p.is_empty()) {
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

fn read_row(r: &mut Reader<'_>) -> Option<Person> {
    let household_number = r.text(Field::HouseholdNumber).replace(' ', "");
    if household_number.is_empty() {
        r.problem(Field::HouseholdNumber, Problem::Required);
    }
    let name = r.text(Field::Name);
    if name.is_empty() {
        r.problem(Field::Name, Problem::Required);
    }
    let id_text = r.text(Field::ResidentId);
    let id = if id_text.is_empty() {
        r.error(Field::ResidentId, "缺少身份证号", "the resident ID number is missing");
        None
    } else {
        match ResidentId::parse(&id_text) {
            Ok(id) => Some(id),
            Err(p) => {
                r.problem(Field::ResidentId, Problem::ResidentId(p));
                None
            }
        }
    };
    let gender = r.gender();
    let birth = r.birth_date();
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
    let mut relation = r.text(Field::Relation);
    if relation == "本人" {
        relation = "户主".into();
    }
    let id = id?;
    if !r.errors.is_empty() {
        return None;
    }
    let birth_date = match birth {
        Some(DateValue::Day(d)) => Some(d),
        _ => Some(id.birth_date()),
    };
    Some(Person {
        row: r.row.number,
        household_number,
        head_name: r.text(Field::HeadName),
        gender: gender.or(Some(id.gender())),
        birth_date,
        resident_id: id.as_str().to_string(),
        name,
        relation,
        town: r.text(Field::Town),
        village: r.text(Field::Village),
        group: r.text(Field::Group),
        phone,
        status: status(&r.text(Field::PovertyAttribute), &r.text(Field::LiftStatus)),
        causes,
    })
}

fn existing_households(store: &Store) -> Result<HashMap<String, Household>> {
    Ok(crate::household::all(store.conn())?.into_iter().map(|h| (h.fields.household_number.clone(), h)).collect())
}

fn existing_members(store: &Store) -> Result<HashMap<String, Member>> {
    Ok(crate::member::all_with_resident_id(store.conn())?.into_iter().map(|m| (m.resident_id.clone(), m)).collect())
}

/// The household as the file describes it, over what Huka already has (fields the file
/// leaves empty keep their current value).
fn household_fields(people: &[&Person], current: Option<&HouseholdInput>) -> (HouseholdInput, usize) {
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
        household_number: source.household_number.clone(),
        head_name: if head_name.is_empty() { source.name.clone() } else { head_name },
        town: keep(&source.town, current.map(|c| c.town.as_str())),
        village: keep(&source.village, current.map(|c| c.village.as_str())),
        group: keep(&source.group, current.map(|c| c.group.as_str())),
        phone: keep(&source.phone, current.map(|c| c.phone.as_str())),
        status: source.status.or(current.map(|c| c.status)).unwrap_or(HouseholdStatus::RegisteredPoor),
        poverty_causes: source.causes.clone().or(current.map(|c| c.poverty_causes.clone())).unwrap_or_default(),
        notes: current.map(|c| c.notes.clone()).unwrap_or_default(),
    };
    (h, source.row)
}

/// The member as the file describes them, over what Huka already has.
fn member_input(p: &Person, current: Option<&Member>) -> MemberInput {
    MemberInput {
        name: p.name.clone(),
        relation: if p.relation.is_empty() { current.map(|c| c.relation.clone()).unwrap_or_default() } else { p.relation.clone() },
        resident_id: p.resident_id.clone(),
        gender: p.gender,
        birth_date: p.birth_date.map(|d| d.to_string()),
        health: current.map(|c| c.health.clone()).unwrap_or_default(),
        migrant_work: current.is_some_and(|c| c.migrant_work),
        student: current.and_then(|c| c.student.as_ref().map(|s| s.fields.clone())),
    }
}

fn unchanged(current: &Member, wanted: &MemberInput) -> bool {
    current.name == wanted.name
        && current.relation == wanted.relation
        && current.gender == wanted.gender
        && current.birth_date.map(|d| d.to_string()) == wanted.birth_date
}

pub(crate) fn plan(store: &Store, table: &Table, mapping: &Mapping) -> Result<HouseholdPlan> {
    let mut plan = Plan { rows: Vec::new(), errors: Vec::new() };
    // Pass 1: read every row; the same person twice must agree.
    let mut people: Vec<(usize, Option<Person>)> = Vec::new();
    let mut seen: HashMap<String, Person> = HashMap::new();
    let columns = Columns::new(mapping);
    for row in &table.rows[mapping.header_index + 1..] {
        let mut r = Reader::new(row, &columns);
        if !r.is_data() {
            continue;
        }
        let person = read_row(&mut r).and_then(|p| match seen.get(&p.resident_id) {
            Some(first) if first.same_as(&p) => Some(Person { row: 0, ..p }), // a repeat: row 0 marks it
            Some(first) => {
                r.error(
                    Field::ResidentId,
                    format!("与第 {} 行身份证号相同，但其他信息不同", first.row),
                    format!("same resident ID number as row {} but different details", first.row),
                );
                None
            }
            None => {
                seen.insert(p.resident_id.clone(), p.clone());
                Some(p)
            }
        });
        plan.errors.append(&mut r.errors);
        people.push((row.number, person));
    }

    // Pass 2: each household as the file describes it.
    let current_households = existing_households(store)?;
    let current_members = existing_members(store)?;
    let mut groups: BTreeMap<String, Vec<&Person>> = BTreeMap::new();
    for (_, p) in &people {
        if let Some(p) = p.as_ref().filter(|p| p.row != 0) {
            groups.entry(p.household_number.clone()).or_default().push(p);
        }
    }
    let mut households = Households(BTreeMap::new());
    let mut household_source: HashMap<String, (usize, bool)> = HashMap::new();
    for (number, members) in &groups {
        let current = current_households.get(number);
        let (fields, source) = household_fields(members, current.map(|h| &h.fields));
        let changed = current.is_none_or(|h| h.fields != fields);
        household_source.insert(number.clone(), (source, changed));
        households.0.insert(number.clone(), (current.map(|h| h.meta.id), fields, changed));
    }

    // Pass 3: each row's outcome.
    for (row, person) in people {
        let (outcome, action) = match person {
            None => (Outcome::Rejected, None),
            Some(p) if p.row == 0 => (Outcome::Unchanged, None),
            Some(p) => {
                let current = current_members.get(&p.resident_id);
                let wanted = member_input(&p, current);
                let (source, household_changed) = household_source[&p.household_number];
                let household_id = current_households.get(&p.household_number).map(|h| h.meta.id);
                let outcome = match current {
                    None => Outcome::New,
                    Some(c) if Some(c.household_id) != household_id || !unchanged(c, &wanted) => Outcome::Update,
                    Some(_) if source == p.row && household_changed => Outcome::Update,
                    Some(_) => Outcome::Unchanged,
                };
                let action = (outcome != Outcome::Unchanged)
                    .then(|| Action::Person { household: p.household_number.clone(), member: current.map(|c| c.meta.id), input: wanted });
                (outcome, action)
            }
        };
        plan.rows.push(PlannedRow { row, outcome, action });
    }
    Ok(HouseholdPlan { plan, households })
}

pub(crate) fn apply(w: &Writer<'_>, plan: &HouseholdPlan, progress: &mut dyn FnMut(usize, usize)) -> Result<()> {
    let total = plan.rows.len();
    let mut ids: HashMap<&str, RecordId> = HashMap::new();
    let mut reindex: Vec<RecordId> = Vec::new();
    for (number, (id, fields, changed)) in &plan.households.0 {
        let id = match id {
            Some(id) => {
                if *changed {
                    crate::household::update_input(w, *id, fields)?;
                    reindex.push(*id);
                }
                *id
            }
            None => {
                let id = crate::household::insert_input(w, fields)?;
                reindex.push(id);
                id
            }
        };
        ids.insert(number.as_str(), id);
    }
    for (i, row) in plan.rows.iter().enumerate() {
        if let Some(Action::Person { household, member, input }) = &row.action {
            let household_id = ids[household.as_str()];
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
