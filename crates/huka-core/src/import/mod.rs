//! Importing the spreadsheets schools really get: the student-registration roster (学籍名册)
//! and the registered-poor household list (建档立卡户名单).
//!
//! read → map columns → normalize → validate → plan → apply. [`preview`] stops at the plan
//! (new / update / unchanged / rejected per row) and gives it a fingerprint; [`apply`] plans
//! again and refuses to write when the fingerprint differs from the one the user saw, so
//! nothing changes silently between the two. Apply is one transaction: all accepted rows are
//! written, or none.

pub mod columns;
mod households;
pub mod read;
pub mod rejects;
mod roster;
pub mod values;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use columns::{Column, Field, Mapping, Overrides};

use crate::error::{Error, Result};
use crate::record::text_enum;
use crate::store::Store;

text_enum! {
    pub enum ImportKind {
        /// 学籍名册: one row per registered student.
        Roster = "roster",
        /// 建档立卡户名单: one row per person, the household number repeated.
        Households = "households",
    }
}

text_enum! {
    pub enum Outcome {
        New = "new",
        Update = "update",
        Unchanged = "unchanged",
        Rejected = "rejected",
    }
}

/// Why a row was rejected: the row number as Excel shows it, the column's header, the reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RowError {
    pub row: usize,
    pub column: String,
    pub message: String,
    pub message_en: String,
}

/// The plan for one file, as the user sees it before anything is written.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Preview {
    pub kind: ImportKind,
    pub mapping: Mapping,
    /// The fields this kind of file can map a column to (for the mapping editor).
    pub fields: Vec<Field>,
    pub report: ImportReport,
    /// The outcome of each data row, by row number.
    pub outcomes: BTreeMap<usize, Outcome>,
    /// Identifies this plan: file, mapping and outcomes. `apply` refuses another.
    pub fingerprint: String,
    /// Fields the file must have but no column is mapped to. While any is missing there is no
    /// plan (the report is empty): the user maps a column to it first.
    pub missing: Vec<Field>,
}

/// The counts of a plan or of an import done. `imported + updated + unchanged + rejected == rows`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    pub rows: usize,
    pub imported: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub rejected: usize,
    pub errors: Vec<RowError>,
    /// Roster only: registered students on no household card after this import.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_on_poverty_list: Option<i64>,
}

/// A row of the file and what the plan does with it.
pub(crate) struct PlannedRow<A> {
    pub row: usize,
    pub outcome: Outcome,
    pub action: Option<A>,
}

/// A whole plan: the per-row outcomes and the errors of rejected rows.
pub(crate) struct Plan<A> {
    pub rows: Vec<PlannedRow<A>>,
    pub errors: Vec<RowError>,
}

impl<A> Plan<A> {
    fn report(&self) -> ImportReport {
        let count = |o: Outcome| self.rows.iter().filter(|r| r.outcome == o).count();
        ImportReport {
            rows: self.rows.len(),
            imported: count(Outcome::New),
            updated: count(Outcome::Update),
            unchanged: count(Outcome::Unchanged),
            rejected: count(Outcome::Rejected),
            errors: self.errors.clone(),
            not_on_poverty_list: None,
        }
    }
}

/// Reads a file and finds its header: the table and the column mapping, or why not.
fn detect(store: &Store, kind: ImportKind, bytes: &[u8], overrides: &Overrides) -> Result<(read::Table, Mapping)> {
    let table = read::read(bytes).map_err(Error::Unreadable)?;
    let mut all = columns::remembered(store, kind)?;
    all.extend(overrides.iter().map(|(k, v)| (k.clone(), *v)));
    let mapping = columns::detect(&table, kind, &all).ok_or(Error::NoHeader)?;
    Ok((table, mapping))
}

/// The fields a file of this kind must have that no column maps to.
fn missing(kind: ImportKind, mapping: &Mapping) -> Vec<Field> {
    let mut out = Vec::new();
    if mapping.column_of(Field::Name).is_none() {
        out.push(Field::Name);
    }
    if kind == ImportKind::Households && mapping.column_of(Field::HouseholdNumber).is_none() {
        out.push(Field::HouseholdNumber);
    }
    let has_id = mapping.column_of(Field::ResidentId).is_some()
        || (kind == ImportKind::Roster && mapping.column_of(Field::NationalStudentNumber).is_some());
    if !has_id {
        out.push(Field::ResidentId);
    }
    out
}

/// Reads and maps a file ready to plan: the table and its column mapping, or why not.
pub fn open(store: &Store, kind: ImportKind, bytes: &[u8], overrides: &Overrides) -> Result<(read::Table, Mapping)> {
    let (table, mapping) = detect(store, kind, bytes, overrides)?;
    match missing(kind, &mapping).first() {
        Some(f) => Err(Error::MissingColumn { column: f.label_zh() }),
        None => Ok((table, mapping)),
    }
}

fn fingerprint(bytes: &[u8], mapping: &Mapping, outcomes: &BTreeMap<usize, Outcome>) -> String {
    let mut h = Sha256::new();
    h.update(Sha256::digest(bytes));
    h.update(serde_json::to_vec(&mapping.columns).expect("plain data"));
    h.update(serde_json::to_vec(outcomes).expect("plain data"));
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Plans an import without writing anything.
pub fn preview(store: &Store, kind: ImportKind, bytes: &[u8], overrides: &Overrides) -> Result<Preview> {
    let (table, mapping) = detect(store, kind, bytes, overrides)?;
    let missing = missing(kind, &mapping);
    if !missing.is_empty() {
        let fields = Field::for_kind(kind).to_vec();
        return Ok(Preview { kind, mapping, fields, report: ImportReport::default(), outcomes: BTreeMap::new(), fingerprint: String::new(), missing });
    }
    let (report, outcomes) = match kind {
        ImportKind::Roster => {
            let plan = roster::plan(store, &table, &mapping)?;
            let mut report = plan.report();
            report.not_on_poverty_list = Some(roster::unlinked_after(store, &plan)?);
            (report, outcomes_of(&plan))
        }
        ImportKind::Households => {
            let plan = households::plan(store, &table, &mapping)?;
            (plan.report(), outcomes_of(&plan.plan))
        }
    };
    let fingerprint = fingerprint(bytes, &mapping, &outcomes);
    Ok(Preview { kind, fields: Field::for_kind(kind).to_vec(), mapping, report, outcomes, fingerprint, missing })
}

fn outcomes_of<A>(plan: &Plan<A>) -> BTreeMap<usize, Outcome> {
    plan.rows.iter().map(|r| (r.row, r.outcome)).collect()
}

/// Imports a file: plans it again and, when the plan is the one previewed (`expected`
/// fingerprint, if given), writes every accepted row in one transaction. The column
/// corrections in `overrides` are remembered. `progress(done, total)` is called as rows are written.
pub fn apply(
    store: &mut Store,
    kind: ImportKind,
    bytes: &[u8],
    overrides: &Overrides,
    expected: Option<&str>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ImportReport> {
    let (table, mapping) = open(store, kind, bytes, overrides)?;
    let mut report = match kind {
        ImportKind::Roster => {
            let plan = roster::plan(store, &table, &mapping)?;
            check_fingerprint(bytes, &mapping, &plan, expected)?;
            store.write(|w| roster::apply(w, &plan, progress))?;
            let mut report = plan.report();
            report.not_on_poverty_list = Some(crate::registration::unlinked_count(store)?);
            report
        }
        ImportKind::Households => {
            let plan = households::plan(store, &table, &mapping)?;
            check_fingerprint(bytes, &mapping, &plan.plan, expected)?;
            store.write(|w| households::apply(w, &plan, progress))?;
            plan.report()
        }
    };
    columns::remember(store, kind, overrides)?;
    report.errors.sort_by_key(|e| e.row);
    Ok(report)
}

fn check_fingerprint<A>(bytes: &[u8], mapping: &Mapping, plan: &Plan<A>, expected: Option<&str>) -> Result<()> {
    match expected {
        Some(e) if e != fingerprint(bytes, mapping, &outcomes_of(plan)) => Err(Error::PlanChanged),
        _ => Ok(()),
    }
}

/// Plans without writing, as `--dry-run` does: the report of `preview`.
pub fn dry_run(store: &Store, kind: ImportKind, bytes: &[u8], overrides: &Overrides) -> Result<ImportReport> {
    let p = preview(store, kind, bytes, overrides)?;
    match p.missing.first() {
        Some(f) => Err(Error::MissingColumn { column: f.label_zh() }),
        None => Ok(p.report),
    }
}

/// Helpers shared by the two kinds of file.
pub(crate) mod row {
    use super::read::{Cell, Row};
    use super::{Field, Mapping, RowError};
    use crate::error::{FieldError, Lang, Problem};

    /// Which column holds each field, looked up once per file rather than once per cell.
    pub struct Columns<'a> {
        pub mapping: &'a Mapping,
        by_field: Vec<Option<usize>>,
        mapped: Vec<usize>,
    }

    impl<'a> Columns<'a> {
        pub fn new(mapping: &'a Mapping) -> Self {
            let by_field = Field::ALL.iter().map(|f| mapping.column_of(*f)).collect();
            let mapped = mapping.columns.iter().filter(|c| c.field.is_some_and(|f| f != Field::Serial)).map(|c| c.index).collect();
            Columns { mapping, by_field, mapped }
        }
    }

    /// One data row being read, collecting its errors.
    pub struct Reader<'a> {
        pub row: &'a Row,
        pub columns: &'a Columns<'a>,
        pub mapping: &'a Mapping,
        pub errors: Vec<RowError>,
    }

    impl<'a> Reader<'a> {
        pub fn new(row: &'a Row, columns: &'a Columns<'a>) -> Self {
            Reader { row, columns, mapping: columns.mapping, errors: Vec::new() }
        }

        pub fn cell(&self, field: Field) -> &'a Cell {
            let index = Field::ALL.iter().position(|f| *f == field).expect("every field is listed");
            match self.columns.by_field[index] {
                Some(c) => self.row.get(c),
                None => &Cell::Empty,
            }
        }

        pub fn text(&self, field: Field) -> String {
            match self.cell(field) {
                Cell::Text(s) => crate::text::clean(s),
                other => crate::text::clean(&other.text()),
            }
        }

        pub fn has(&self, field: Field) -> bool {
            !self.cell(field).is_empty()
        }

        pub fn error(&mut self, field: Field, zh: impl Into<String>, en: impl Into<String>) {
            self.errors.push(RowError { row: self.row.number, column: self.mapping.header_of(field), message: zh.into(), message_en: en.into() });
        }

        pub fn problem(&mut self, field: Field, problem: Problem) {
            let fe = FieldError { field: "", problem };
            self.error(field, fe.problem.message(Lang::Zh), fe.problem.message(Lang::En));
        }

        /// 性别, if the column has a value; an error if the value is not a gender.
        pub fn gender(&mut self) -> Option<crate::member::Gender> {
            if !self.has(Field::Gender) {
                return None;
            }
            let g = super::values::gender(self.cell(Field::Gender));
            if g.is_none() {
                self.error(Field::Gender, "性别应为“男”或“女”", "gender must be 男 or 女");
            }
            g
        }

        /// 出生日期, if the column has a value; an error if it is not a date.
        pub fn birth_date(&mut self) -> Option<super::values::DateValue> {
            if !self.has(Field::BirthDate) {
                return None;
            }
            let d = super::values::date(self.cell(Field::BirthDate));
            if d.is_none() {
                self.error(Field::BirthDate, "日期无法识别（应如 2013-03-05）", "not a date (like 2013-03-05)");
            }
            d
        }

        /// 联系电话, normalized; an error if it is not a phone number.
        pub fn phone(&mut self) -> String {
            match crate::text::normalize_phone(&self.text(Field::Phone)) {
                Some(p) => p,
                None => {
                    self.problem(Field::Phone, Problem::BadPhone);
                    String::new()
                }
            }
        }

        /// A yes/no column read with `read`; an error if the value is neither.
        pub fn flag(&mut self, field: Field, read: fn(&Cell) -> Option<bool>) -> Option<bool> {
            if !self.has(field) {
                return None;
            }
            let v = read(self.cell(field));
            if v.is_none() {
                self.error(field, "应填“是”或“否”", "must be 是 or 否");
            }
            v
        }

        /// A row that is not data: blank in every mapped column, or a note under the table
        /// (one cell of text such as "注：…", "制表人：…").
        pub fn is_data(&self) -> bool {
            if self.columns.mapped.iter().all(|c| self.row.get(*c).is_empty()) {
                return false;
            }
            let mut filled = self.row.cells.iter().filter(|c| !c.is_empty());
            let note = match (filled.next(), filled.next()) {
                (Some(only), None) => {
                    let text = only.text();
                    ["注", "说明", "备注", "制表", "填表", "审核", "合计", "总计", "统计", "负责人"].iter().any(|p| text.starts_with(p))
                }
                _ => false,
            };
            !note
        }
    }
}

#[cfg(test)]
mod tests;
