//! The registered-poor household list (建档立卡户名单): one row per person, the household
//! number repeated on each member's row. Households match by household number, people by
//! resident ID number; a person already on another card moves to this one.

use std::collections::{BTreeMap, HashMap};

use super::read::{Cell, Row};
use super::row::{Columns, Kind, Reader};
use super::sheets::Source;
use super::values::DateValue;
use super::{Field, Outcome, Place, Plan, PlannedRow};
use crate::error::{Problem, Result};
use crate::household::{Household, HouseholdInput, HouseholdStatus, PovertyCause};
use crate::member::{Member, MemberInput};
use crate::record::RecordId;
use crate::resident_id::ResidentId;
use crate::store::{Store, Writer};

/// One person's row, read and checked.
#[derive(Debug, Clone, PartialEq)]
struct Person {
    /// The source sheet and row number.
    at: (usize, usize),
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
    /// The same person with the same details (where they are aside).
    fn same_as(&self, other: &Person) -> bool {
        Person { at: (0, 0), ..self.clone() } == Person { at: (0, 0), ..other.clone() }
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

fn read_row(r: &mut Reader<'_>, sheet: usize) -> Option<Person> {
    let household_number = r.text(Field::HouseholdNumber).replace(' ', "");
    if household_number.is_empty() {
        r.problem(Field::HouseholdNumber, Problem::Required);
    }
    let name = r.text(Field::Name);
    if name.is_empty() {
        r.problem(Field::Name, Problem::Required);
    }
    let id_text = r.text(Field::ResidentId);
    let id = if r.digits_lost(Field::ResidentId) {
        None
    } else if id_text.is_empty() {
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
        at: (sheet, r.row.number),
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
fn household_fields(people: &[&Person], current: Option<&HouseholdInput>) -> (HouseholdInput, (usize, usize)) {
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
    (h, source.at)
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

/// The household's own columns, merged over its members' rows in most county lists.
const HOUSEHOLD_FIELDS: [Field; 9] = [
    Field::HouseholdNumber,
    Field::HeadName,
    Field::Town,
    Field::Village,
    Field::Group,
    Field::PovertyAttribute,
    Field::LiftStatus,
    Field::PovertyCause,
    Field::Phone,
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

/// A data row read: (sheet, row), and the person unless rejected — `(true, person)` when the
/// row repeats an earlier one.
type RowRead = ((usize, usize), Option<(bool, Person)>);

pub(crate) fn plan(store: &Store, sources: &[Source<'_>]) -> Result<HouseholdPlan> {
    let mut plan = Plan::new();
    // Pass 1: read every row; the same person twice must agree.
    let mut people: Vec<RowRead> = Vec::new();
    let mut seen: HashMap<String, Person> = HashMap::new();
    for (sheet, source) in sources.iter().enumerate() {
        let columns = Columns::new(source.name, source.mapping);
        let mut above: Option<Row> = None;
        let mut filled = 0;
        for original in &source.table.rows[source.mapping.header_index + 1..] {
            match Reader::new(original, &columns).kind() {
                Kind::Blank => continue,
                Kind::Skipped(s) => {
                    plan.skipped.push(s);
                    continue;
                }
                Kind::Data => {}
            }
            let down = filled_down(original, above.as_ref(), &columns);
            let row = down.as_ref().unwrap_or(original);
            let mut r = Reader::new(row, &columns);
            if down.is_some() {
                filled += 1;
            }
            if r.has(Field::HouseholdNumber) {
                above = Some(row.clone());
            }
            let person = read_row(&mut r, sheet).and_then(|p| match seen.get(&p.resident_id) {
                Some(first) if first.same_as(&p) => Some((true, p)),
                Some(first) => {
                    let first = Place { sheet: sources[first.at.0].name, row: first.at.1 };
                    r.error(
                        Field::ResidentId,
                        format!("与{}身份证号相同，但其他信息不同", first.zh()),
                        format!("same resident ID number as {} but different details", first.en()),
                    );
                    None
                }
                None => {
                    seen.insert(p.resident_id.clone(), p.clone());
                    Some((false, p))
                }
            });
            plan.errors.append(&mut r.errors);
            people.push(((sheet, row.number), person));
        }
        if filled > 0 {
            plan.filled.push((source.mapping.header_of(Field::HouseholdNumber), source.name.to_string(), filled));
        }
    }

    // Pass 2: each household as the file describes it.
    let current_households = existing_households(store)?;
    let current_members = existing_members(store)?;
    let mut groups: BTreeMap<String, Vec<&Person>> = BTreeMap::new();
    for (_, p) in &people {
        if let Some((false, p)) = p {
            groups.entry(p.household_number.clone()).or_default().push(p);
        }
    }
    let mut households = Households(BTreeMap::new());
    let mut household_source: HashMap<String, ((usize, usize), bool)> = HashMap::new();
    for (number, members) in &groups {
        let current = current_households.get(number);
        let (fields, source) = household_fields(members, current.map(|h| &h.fields));
        let changed = current.is_none_or(|h| h.fields != fields);
        household_source.insert(number.clone(), (source, changed));
        households.0.insert(number.clone(), (current.map(|h| h.meta.id), fields, changed));
    }

    // Pass 3: each row's outcome.
    for ((sheet, row), person) in people {
        let (outcome, action) = match person {
            None => (Outcome::Rejected, None),
            Some((true, _)) => (Outcome::Unchanged, None),
            Some((false, p)) => {
                let current = current_members.get(&p.resident_id);
                let wanted = member_input(&p, current);
                let (source, household_changed) = household_source[&p.household_number];
                let household_id = current_households.get(&p.household_number).map(|h| h.meta.id);
                let outcome = match current {
                    None => Outcome::New,
                    Some(c) if Some(c.household_id) != household_id || !unchanged(c, &wanted) => Outcome::Update,
                    Some(_) if source == p.at && household_changed => Outcome::Update,
                    Some(_) => Outcome::Unchanged,
                };
                let action = (outcome != Outcome::Unchanged)
                    .then(|| Action::Person { household: p.household_number.clone(), member: current.map(|c| c.meta.id), input: wanted });
                (outcome, action)
            }
        };
        plan.rows.push(PlannedRow { sheet, row, outcome, action });
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
