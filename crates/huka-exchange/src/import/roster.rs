//! The student-registration roster (学籍名册): one row per registered student.
//! Rows match existing registrations by resident ID number (or the national student number
//! when it is G + a resident ID number); they are linked to household members with the same
//! resident ID number, whose student records follow the roster.

use std::collections::{HashMap, HashSet};

use super::row::{Columns, Kind, Reader};
use super::sheets::Source;
use super::values::{self, DateValue};
use super::{Field, Outcome, Place, Plan, PlannedRow};
use crate::error::{Problem, Result};
use crate::record::RecordId;
use crate::registration::{self, RegistrationInput};
use crate::resident_id::ResidentId;
use crate::store::{Store, Writer};

pub(crate) enum Action {
    Insert(RegistrationInput),
    Update(RecordId, RegistrationInput),
}

/// Reads one data row into a registration, or records why it cannot be one.
fn read_row(r: &mut Reader<'_>) -> Option<RegistrationInput> {
    let name = r.text(Field::Name);
    if name.is_empty() {
        r.problem(Field::Name, Problem::Required);
    } else if name.chars().count() > 30 {
        r.problem(Field::Name, Problem::TooLong { max: 30 });
    }
    // A number that lost its digits is never an ID: the row is refused with that cause.
    let nsn_lost = r.digits_lost(Field::NationalStudentNumber);
    let id_lost = r.digits_lost(Field::ResidentId);
    let nsn = if nsn_lost { String::new() } else { crate::resident_id::normalize(&r.text(Field::NationalStudentNumber)).to_uppercase() };
    let id_text = r.text(Field::ResidentId);
    let resident_id = if id_lost || nsn_lost {
        None
    } else if !id_text.is_empty() {
        match ResidentId::parse(&id_text) {
            Ok(id) => Some(id),
            Err(p) => {
                r.problem(Field::ResidentId, Problem::ResidentId(p));
                None
            }
        }
    } else if let Some(id) = nsn.strip_prefix('G').and_then(|rest| ResidentId::parse(rest).ok()) {
        Some(id)
    } else {
        let column = if r.mapping.column_of(Field::ResidentId).is_some() { Field::ResidentId } else { Field::NationalStudentNumber };
        r.error(column, "缺少身份证号，无法与户卡比对", "no resident ID number to match the row with");
        None
    };
    let gender = r.gender();
    let birth = r.birth_date();
    let (grade, stage) = match r.has(Field::Grade) {
        false => (None, None),
        true => match values::grade(r.cell(Field::Grade)) {
            Some((g, s)) => (g, Some(s)),
            None => {
                r.error(Field::Grade, "年级无法识别（应如“三年级”“初一”或 3）", "grade not understood (like 三年级, 初一 or 3)");
                (None, None)
            }
        },
    };
    let boarding = r.flag(Field::Boarding, values::boarding);
    let left_behind = r.flag(Field::LeftBehind, values::yes_no);
    let registered_poor = r.flag(Field::RegisteredPoor, values::yes_no);
    let phone = r.phone();
    let id = resident_id?;
    if !r.errors.is_empty() {
        return None;
    }
    // A full birth date in the file is kept; a year and month only, or none, comes from the ID number.
    let birth_date = match birth {
        Some(DateValue::Day(d)) => Some(d),
        _ => Some(id.birth_date()),
    };
    Some(RegistrationInput {
        resident_id: id.as_str().to_string(),
        national_student_number: nsn,
        name,
        gender: gender.or(Some(id.gender())),
        birth_date,
        stage,
        grade,
        class_name: r.text(Field::ClassName),
        ethnicity: r.text(Field::Ethnicity),
        boarding,
        left_behind,
        registered_poor,
        address: r.text(Field::Address),
        guardian_name: r.text(Field::GuardianName),
        phone,
    })
}

pub(crate) fn plan(store: &Store, sources: &[Source<'_>]) -> Result<Plan<Action>> {
    // The roster's numbers are stored sealed: found by their keyed digests (`sealed`).
    let Some(key) = crate::sealed::key(store) else {
        return Err(crate::labels::invalid("residentId", crate::error::Problem::Rule(&crate::member::NUMBERS_NOT_YOURS)));
    };
    let existing = registration::all_by_digest(store.conn(), Some(key))?;
    let mut seen: HashMap<String, ((usize, usize), RegistrationInput)> = HashMap::new();
    let mut plan = Plan::new();
    for (sheet, source) in sources.iter().enumerate() {
        let columns = Columns::new(source);
        for row in &source.table.rows[source.mapping.header_index + 1..] {
            let mut r = Reader::new(row, &columns);
            match r.kind() {
                Kind::Blank => continue,
                Kind::Skipped(s) => {
                    plan.skipped.push(s);
                    continue;
                }
                Kind::Data => {}
            }
            let input = read_row(&mut r);
            let (outcome, action) = match input {
                None => (Outcome::Rejected, None),
                Some(input) => match seen.get(&input.resident_id) {
                    Some((_, same)) if *same == input => (Outcome::Unchanged, None),
                    Some((first, _)) => {
                        let first = Place { sheet: sources[first.0].name, row: first.1 };
                        r.error(
                            Field::ResidentId,
                            format!("与{}身份证号相同，但其他信息不同", first.zh()),
                            format!("same resident ID number as {} but different details", first.en()),
                        );
                        (Outcome::Rejected, None)
                    }
                    None => {
                        seen.insert(input.resident_id.clone(), ((sheet, row.number), input.clone()));
                        match existing.get(&crate::sealed::digest(key, "resident_id", &input.resident_id)) {
                            Some((_, current)) if *current == input => (Outcome::Unchanged, None),
                            Some((id, _)) => (Outcome::Update, Some(Action::Update(*id, input))),
                            None => (Outcome::New, Some(Action::Insert(input))),
                        }
                    }
                },
            };
            plan.errors.append(&mut r.errors);
            plan.rows.push(PlannedRow { sheet, row: row.number, outcome, action });
        }
    }
    Ok(plan)
}

pub(crate) fn apply(w: &Writer<'_>, plan: &Plan<Action>, progress: &mut dyn FnMut(usize, usize)) -> Result<()> {
    let total = plan.rows.len();
    let mut touched = Vec::new();
    let key = crate::sealed::writer_key(w);
    let inserted = plan.rows.iter().filter_map(|row| match &row.action {
        Some(Action::Insert(input)) => Some(input),
        _ => None,
    });
    // The new rows' fields are sealed on another thread, a batch ahead of the rows written
    // here: the sealing (a third of a registration's insert) runs beside SQLite's work.
    std::thread::scope(|scope| {
        let (sealed_tx, sealed) = std::sync::mpsc::sync_channel::<Vec<registration::Sealing>>(2);
        let inputs: Vec<&RegistrationInput> = inserted.collect();
        scope.spawn(move || {
            for batch in inputs.chunks(SEALING_BATCH) {
                if sealed_tx.send(batch.iter().map(|input| registration::Sealing::of(key, input)).collect()).is_err() {
                    return; // the write stopped
                }
            }
        });
        let mut ready = Vec::new().into_iter();
        // The bulk path: the rows inserted are journaled when they are all written.
        w.bulk(|| {
            for (i, row) in plan.rows.iter().enumerate() {
                match &row.action {
                    Some(Action::Insert(input)) => {
                        let sealing = match ready.next() {
                            Some(s) => s,
                            None => {
                                ready = sealed.recv().expect("a sealing for every new row").into_iter();
                                ready.next().expect("a batch is never empty")
                            }
                        };
                        touched.push(registration::insert_sealed(w, input, sealing)?);
                    }
                    Some(Action::Update(id, input)) => {
                        registration::update(w, *id, input)?;
                        touched.push(*id);
                    }
                    None => {}
                }
                if i % 500 == 0 {
                    progress(i, total);
                }
            }
            Ok(())
        })
    })?;
    registration::link(w, &touched)?;
    progress(total, total);
    Ok(())
}

/// How many new rows are sealed at a time, ahead of the write.
const SEALING_BATCH: usize = 1024;

/// How many registered students would be on no household card after this plan is applied.
pub(crate) fn unlinked_after(store: &Store, plan: &Plan<Action>) -> Result<i64> {
    // By the numbers' digests (`sealed`): the stored ones and the file's.
    let Some(key) = crate::sealed::key(store) else {
        return Err(crate::labels::invalid("residentId", crate::error::Problem::Rule(&crate::member::NUMBERS_NOT_YOURS)));
    };
    let mut ids: HashSet<String> = store
        .conn()
        .prepare_cached("SELECT resident_id_digest FROM registration WHERE deleted_at IS NULL AND resident_id_digest <> ''")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for row in &plan.rows {
        if let Some(Action::Insert(input)) = &row.action {
            ids.insert(crate::sealed::digest(key, "resident_id", &input.resident_id));
        }
    }
    let members: HashSet<String> = store
        .conn()
        .prepare_cached("SELECT resident_id_digest FROM member WHERE resident_id_digest <> '' AND deleted_at IS NULL")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids.iter().filter(|id| !members.contains(*id)).count() as i64)
}
