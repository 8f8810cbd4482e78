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
mod sheets;
pub mod values;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use columns::{Column, Field, Mapping, Overrides};
pub use sheets::{Choices, SheetPreview, SheetStatus, SheetSummary};

use crate::error::Result;
use crate::record::text_enum;
use crate::store::Store;
use sheets::Opened;

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

/// Why a file cannot be imported as it is. All but `PlanChanged` mean the file cannot be
/// read as a spreadsheet of the expected kind (CLI exit status 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportError {
    Unreadable(read::ReadProblem),
    NoHeader,
    MissingColumn { sheet: String, column: &'static str },
    NoSuchSheet { name: String, available: String },
    NoSheetChosen,
    PlanChanged,
}

impl crate::error::DomainError for ImportError {
    fn code(&self) -> &'static str {
        match self {
            ImportError::Unreadable(_) => "file_unreadable",
            ImportError::NoHeader => "no_header",
            ImportError::MissingColumn { .. } => "missing_column",
            ImportError::NoSuchSheet { .. } => "no_such_sheet",
            ImportError::NoSheetChosen => "no_sheet_chosen",
            ImportError::PlanChanged => "plan_changed",
        }
    }

    fn unreadable_file(&self) -> bool {
        *self != ImportError::PlanChanged
    }

    fn message(&self, lang: crate::Lang) -> String {
        let (zh, en) = match self {
            ImportError::Unreadable(p) => (p.message_zh(), p.message_en()),
            ImportError::NoHeader => (
                "找不到表头：没有一个工作表的前 50 行中有“姓名”“身份证号”等列名。请检查文件，或在窗口中指定各列。".into(),
                "No header row: no sheet names columns such as 姓名 or 身份证号 in its first 50 rows.".into(),
            ),
            ImportError::MissingColumn { sheet, column } if sheet.is_empty() => {
                (format!("文件中没有“{column}”列，无法导入。"), format!("The file has no “{column}” column."))
            }
            ImportError::MissingColumn { sheet, column } => (
                format!("工作表“{sheet}”中没有“{column}”列，无法导入。可只导入其他工作表。"),
                format!("The sheet “{sheet}” has no “{column}” column; the other sheets can be imported without it."),
            ),
            ImportError::NoSuchSheet { name, available } => (
                format!("文件中没有名为“{name}”的工作表（有：{available}）。"),
                format!("The file has no sheet named “{name}” (it has: {available})."),
            ),
            ImportError::NoSheetChosen => (
                "没有选中任何有表头的工作表，未导入任何内容。".into(),
                "No sheet with a header is chosen; nothing was imported.".into(),
            ),
            ImportError::PlanChanged => (
                "预览之后文件或数据已发生变化，未导入任何内容。请重新预览。".into(),
                "The file or the records changed after the preview; nothing was imported. Please preview again.".into(),
            ),
        };
        lang.pick(zh, en)
    }
}

/// A row of the file: the sheet's name (empty for a CSV file) and the row number Excel shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Place<'a> {
    pub sheet: &'a str,
    pub row: usize,
}

impl Place<'_> {
    /// As Excel names a cell's row: `二年级!17`, or `17` in a CSV file.
    pub fn reference(self) -> String {
        if self.sheet.is_empty() {
            self.row.to_string()
        } else {
            format!("{}!{}", self.sheet, self.row)
        }
    }
    /// "第 17 行" or "“二年级”第 17 行".
    pub fn zh(self) -> String {
        if self.sheet.is_empty() {
            format!("第 {} 行", self.row)
        } else {
            format!("“{}”第 {} 行", self.sheet, self.row)
        }
    }
    /// "row 17" or "row 17 of 二年级".
    pub fn en(self) -> String {
        if self.sheet.is_empty() {
            format!("row {}", self.row)
        } else {
            format!("row {} of {}", self.row, self.sheet)
        }
    }
}

/// Why a row was rejected: where it is (sheet and the row number Excel shows), the column's
/// header, a stable code and the reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RowError {
    /// The sheet's name; empty for a CSV file.
    pub sheet: String,
    pub row: usize,
    /// `二年级!17`, or `17` in a CSV file.
    pub reference: String,
    pub column: String,
    pub code: String,
    pub message: String,
    pub message_en: String,
}

/// A row that is not a record and was left out on purpose, and why: a note under the table,
/// a 合计 row, the header repeated, a group heading, values only in columns not imported.
/// Rows blank in every column but 序号 are not listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SkippedRow {
    pub sheet: String,
    pub row: usize,
    pub reference: String,
    pub code: String,
    pub message: String,
    pub message_en: String,
}

/// One sentence about a whole column, ahead of the rows: most of its values lost their digits
/// to a number format (the rows are rejected), or its blanks were filled from the row above.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ColumnProblem {
    pub column: String,
    pub sheets: Vec<String>,
    /// The code of the row errors it stands for (`digits_lost`, `leading_zero_lost`), or
    /// `filled_down` (nothing rejected).
    pub code: String,
    /// The rows it concerns, of `of` rows with a value in the column.
    pub rows: usize,
    pub of: usize,
    pub message: String,
    pub message_en: String,
}

/// The plan for one file, as the user sees it before anything is written.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Preview {
    pub kind: ImportKind,
    /// Every sheet of the file in tab order: imported or why not, and its column mapping.
    pub sheets: Vec<SheetPreview>,
    /// The fields this kind of file can map a column to (for the mapping editor).
    pub fields: Vec<Field>,
    pub report: ImportReport,
    /// The outcome of each data row, by its reference (`二年级!17`).
    pub outcomes: BTreeMap<String, Outcome>,
    /// Identifies this plan: file, sheets, mappings and outcomes. `apply` refuses another.
    pub fingerprint: String,
    /// Fields a chosen sheet must have but no column is mapped to. While any is missing there
    /// is no plan (the report is empty): the user maps a column to it, or leaves the sheet out.
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
    /// Every sheet of the file: imported (its header row and data rows) or skipped, and why.
    pub sheets: Vec<SheetSummary>,
    /// Sentences about whole columns, to read before the rows.
    pub columns: Vec<ColumnProblem>,
    pub errors: Vec<RowError>,
    pub skipped: Vec<SkippedRow>,
    /// Roster only: registered students on no household card after this import.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_on_poverty_list: Option<i64>,
}

impl ImportReport {
    /// The row errors not summed up by a sentence about their column, for a list of rows.
    pub fn row_errors_not_in_columns(&self) -> impl Iterator<Item = &RowError> {
        self.errors.iter().filter(|e| !self.columns.iter().any(|c| c.code == e.code && c.column == e.column && c.sheets.contains(&e.sheet)))
    }
}

/// A data row of the file and what the plan does with it; `sheet` indexes the plan's sources.
pub(crate) struct PlannedRow<A> {
    pub sheet: usize,
    pub row: usize,
    pub outcome: Outcome,
    pub action: Option<A>,
}

/// A whole plan: the per-row outcomes, the errors of rejected rows, the rows left out.
pub(crate) struct Plan<A> {
    pub rows: Vec<PlannedRow<A>>,
    pub errors: Vec<RowError>,
    pub skipped: Vec<SkippedRow>,
    /// Column notices that are not errors (values filled down), by column and sheet.
    pub filled: Vec<(String, String, usize)>,
}

impl<A> Plan<A> {
    pub fn new() -> Self {
        Plan { rows: Vec::new(), errors: Vec::new(), skipped: Vec::new(), filled: Vec::new() }
    }

    fn report(&self, opened: &Opened) -> ImportReport {
        let count = |o: Outcome| self.rows.iter().filter(|r| r.outcome == o).count();
        let mut errors = self.errors.clone();
        let order: BTreeMap<&str, usize> = opened.sources().iter().enumerate().map(|(i, s)| (s.name, i)).collect();
        errors.sort_by_key(|e| (order.get(e.sheet.as_str()).copied(), e.row));
        let mut report = ImportReport {
            rows: self.rows.len(),
            imported: count(Outcome::New),
            updated: count(Outcome::Update),
            unchanged: count(Outcome::Unchanged),
            rejected: count(Outcome::Rejected),
            sheets: opened.summaries(|sheet| self.rows.iter().filter(|r| r.sheet == sheet).count()),
            columns: Vec::new(),
            errors,
            skipped: self.skipped.clone(),
            not_on_poverty_list: None,
        };
        let data_rows: Vec<(usize, usize)> = self.rows.iter().map(|r| (r.sheet, r.row)).collect();
        report.columns = sheets::column_problems(opened, &data_rows, &report.errors, &self.filled);
        report
    }

    fn outcomes(&self, opened: &Opened) -> BTreeMap<String, Outcome> {
        let sources = opened.sources();
        self.rows.iter().map(|r| (Place { sheet: sources[r.sheet].name, row: r.row }.reference(), r.outcome)).collect()
    }
}

fn fingerprint(bytes: &[u8], opened: &Opened, outcomes: &BTreeMap<String, Outcome>) -> String {
    let mut h = Sha256::new();
    h.update(Sha256::digest(bytes));
    for source in opened.sources() {
        h.update(source.name.as_bytes());
        h.update(serde_json::to_vec(&source.mapping.columns).expect("plain data"));
    }
    h.update(serde_json::to_vec(outcomes).expect("plain data"));
    crate::text::hex(&h.finalize())
}

/// A plan of either kind, with what both have in common.
enum AnyPlan {
    Roster(Plan<roster::Action>),
    Households(households::HouseholdPlan),
}

impl AnyPlan {
    fn make(store: &Store, kind: ImportKind, opened: &Opened) -> Result<AnyPlan> {
        Ok(match kind {
            ImportKind::Roster => AnyPlan::Roster(roster::plan(store, &opened.sources())?),
            ImportKind::Households => AnyPlan::Households(households::plan(store, &opened.sources())?),
        })
    }

    fn report(&self, opened: &Opened) -> ImportReport {
        match self {
            AnyPlan::Roster(p) => p.report(opened),
            AnyPlan::Households(p) => p.plan.report(opened),
        }
    }

    fn outcomes(&self, opened: &Opened) -> BTreeMap<String, Outcome> {
        match self {
            AnyPlan::Roster(p) => p.outcomes(opened),
            AnyPlan::Households(p) => p.plan.outcomes(opened),
        }
    }
}

/// Plans an import without writing anything.
pub fn preview(store: &Store, kind: ImportKind, bytes: &[u8], choices: &Choices) -> Result<Preview> {
    crate::access::require(store, crate::access::Action::Import)?;
    let opened = Opened::read(store, kind, bytes, choices)?;
    let missing = opened.missing();
    let fields = Field::for_kind(kind).to_vec();
    if !missing.is_empty() || opened.sources().is_empty() {
        let report = ImportReport { sheets: opened.summaries(|_| 0), ..ImportReport::default() };
        let sheets = opened.previews(&report.sheets);
        return Ok(Preview { kind, sheets, fields, report, outcomes: BTreeMap::new(), fingerprint: String::new(), missing });
    }
    let plan = AnyPlan::make(store, kind, &opened)?;
    let mut report = plan.report(&opened);
    let planned_report = report.clone();
    if let AnyPlan::Roster(p) = &plan {
        report.not_on_poverty_list = Some(roster::unlinked_after(store, p)?);
    }
    let outcomes = plan.outcomes(&opened);
    let fingerprint = fingerprint(bytes, &opened, &outcomes);
    let sheets = opened.previews(&report.sheets);
    store.keep(Planned::new(store, kind, bytes, choices, &fingerprint, plan, planned_report)?);
    Ok(Preview { kind, sheets, fields, report, outcomes, fingerprint, missing })
}

/// A preview's plan, kept on the store (in memory, dropped at lock) for the import that
/// follows it: that import writes it without reading the file and planning again — a sixth
/// to a quarter of its time for a 30,000-row roster — when the file, the choices, the
/// account and the database are all as they were at the preview.
struct Planned {
    kind: ImportKind,
    file: [u8; 32],
    choices: Choices,
    account: String,
    mark: crate::store::ContentMark,
    fingerprint: String,
    plan: AnyPlan,
    /// The plan's report, before the import adds what only a write can count.
    report: ImportReport,
}

impl Planned {
    fn new(store: &Store, kind: ImportKind, bytes: &[u8], choices: &Choices, fingerprint: &str, plan: AnyPlan, report: ImportReport) -> Result<Planned> {
        Ok(Planned {
            kind,
            file: Sha256::digest(bytes).into(),
            choices: choices.clone(),
            account: store.actor().id.to_string(),
            mark: store.content_mark()?,
            fingerprint: fingerprint.to_string(),
            plan,
            report,
        })
    }

    /// The plan kept by the preview whose fingerprint is `expected`, if it still holds.
    fn take(store: &Store, kind: ImportKind, bytes: &[u8], choices: &Choices, expected: &str) -> Result<Option<(AnyPlan, ImportReport)>> {
        let Some(kept) = store.take_kept::<Planned>() else { return Ok(None) };
        let holds = kept.kind == kind
            && kept.fingerprint == expected
            && kept.choices == *choices
            && kept.account == store.actor().id.to_string()
            && kept.mark == store.content_mark()?
            && kept.file == <[u8; 32]>::from(Sha256::digest(bytes));
        Ok(holds.then_some((kept.plan, kept.report)))
    }
}

/// Imports a file: plans it again — or takes the plan its preview kept, when nothing has
/// changed since — and, when the plan is the one previewed (`expected` fingerprint, if
/// given), writes every accepted row of every chosen sheet in one
/// transaction. The column corrections in `choices` are remembered. `progress(done, total)`
/// is called as rows are written.
pub fn apply(
    store: &mut Store,
    kind: ImportKind,
    bytes: &[u8],
    choices: &Choices,
    expected: Option<&str>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ImportReport> {
    let pass = crate::access::ask(store, crate::access::Action::Import)?;
    let kept = match expected {
        Some(e) => Planned::take(store, kind, bytes, choices, e)?,
        None => None,
    };
    let (plan, mut report) = match kept {
        Some(kept) => kept,
        None => {
            let opened = Opened::read(store, kind, bytes, choices)?.plannable()?;
            let plan = AnyPlan::make(store, kind, &opened)?;
            if let Some(e) = expected {
                if e != fingerprint(bytes, &opened, &plan.outcomes(&opened)) {
                    return Err(ImportError::PlanChanged.into());
                }
            }
            let report = plan.report(&opened);
            (plan, report)
        }
    };
    match &plan {
        AnyPlan::Roster(p) => {
            pass.write(store, |w| roster::apply(w, p, progress))?;
            report.not_on_poverty_list = Some(crate::registration::unlinked_count(store)?);
        }
        AnyPlan::Households(p) => pass.write(store, |w| households::apply(w, p, progress))?,
    }
    columns::remember(store, &pass, kind, &choices.overrides)?;
    Ok(report)
}

/// Plans without writing, as `--dry-run` does: the report of `preview`, or why there is no plan.
pub fn dry_run(store: &Store, kind: ImportKind, bytes: &[u8], choices: &Choices) -> Result<ImportReport> {
    crate::access::require(store, crate::access::Action::Import)?;
    let opened = Opened::read(store, kind, bytes, choices)?.plannable()?;
    let plan = AnyPlan::make(store, kind, &opened)?;
    let mut report = plan.report(&opened);
    if let AnyPlan::Roster(p) = &plan {
        report.not_on_poverty_list = Some(roster::unlinked_after(store, p)?);
    }
    Ok(report)
}

/// Writes the rejected rows of the file, as planned now, to `out` (.xlsx or .csv) to be fixed
/// and imported again. Returns how many rows were written.
pub fn save_rejects(store: &Store, kind: ImportKind, bytes: &[u8], choices: &Choices, out: &std::path::Path) -> Result<usize> {
    crate::access::require(store, crate::access::Action::Import)?;
    let opened = Opened::read(store, kind, bytes, choices)?.plannable()?;
    let report = AnyPlan::make(store, kind, &opened)?.report(&opened);
    rejects::write(&opened.sources(), &report.errors, out)
}

/// Helpers shared by the two kinds of file.
pub(crate) mod row {
    use super::read::{Cell, Row};
    use super::{Field, Mapping, Place, RowError, SkippedRow};
    use crate::error::{Lang, Problem};

    /// Which column holds each field, looked up once per sheet rather than once per cell.
    pub struct Columns<'a> {
        pub mapping: &'a Mapping,
        pub sheet: &'a str,
        by_field: Vec<Option<usize>>,
        mapped: Vec<usize>,
        serial: Option<usize>,
        /// ID columns of this sheet judged as a whole to have lost their digits: most of
        /// their numbers end in 000, or most fail their check character.
        damaged: Vec<Field>,
    }

    impl<'a> Columns<'a> {
        pub fn new(source: &super::sheets::Source<'a>) -> Self {
            let (sheet, mapping) = (source.name, source.mapping);
            let by_field = Field::ALL.iter().map(|f| mapping.column_of(*f)).collect();
            let mapped = mapping.columns.iter().filter(|c| c.field.is_some_and(|f| f != Field::Serial)).map(|c| c.index).collect();
            let damaged = super::values::ID_FIELDS
                .iter()
                .copied()
                .filter(|f| {
                    mapping.column_of(*f).is_some_and(|c| {
                        let cells = source.table.rows[mapping.header_index + 1..].iter().map(|r| r.get(c));
                        super::values::column_lost_digits(cells)
                    })
                })
                .collect();
            Columns { mapping, sheet, by_field, mapped, serial: mapping.column_of(Field::Serial), damaged }
        }

        pub fn of(&self, field: Field) -> Option<usize> {
            let index = Field::ALL.iter().position(|f| *f == field).expect("every field is listed");
            self.by_field[index]
        }
    }

    /// What a row under the header is.
    pub enum Kind {
        Data,
        /// Nothing in any column but 序号 (a template's numbered empty rows): not listed.
        Blank,
        /// Not a record, listed with the reason.
        Skipped(SkippedRow),
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

        pub fn place(&self) -> Place<'a> {
            Place { sheet: self.columns.sheet, row: self.row.number }
        }

        pub fn cell(&self, field: Field) -> &'a Cell {
            match self.columns.of(field) {
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

        /// Records why the row is rejected, with a stable code.
        pub fn refuse(&mut self, field: Field, code: &str, zh: impl Into<String>, en: impl Into<String>) {
            let place = self.place();
            self.errors.push(RowError {
                sheet: place.sheet.to_string(),
                row: place.row,
                reference: place.reference(),
                column: self.mapping.header_of(field),
                code: code.to_string(),
                message: zh.into(),
                message_en: en.into(),
            });
        }

        pub fn error(&mut self, field: Field, zh: impl Into<String>, en: impl Into<String>) {
            self.refuse(field, "invalid", zh, en);
        }

        pub fn problem(&mut self, field: Field, problem: Problem) {
            self.refuse(field, problem.code(), problem.message(Lang::Zh), problem.message(Lang::En));
        }

        /// A resident ID number or national student number column whose value is a number
        /// that lost its last digits: the row is refused with that cause, never imported
        /// with a number-derived ID.
        pub fn digits_lost(&mut self, field: Field) -> bool {
            use super::values::DigitsLost;
            let Some(lost) = super::values::digits_lost(self.cell(field)) else { return false };
            // Text ending in 000 is judged with its column: one valid number (its check
            // character right) in a column of text is a real number that ends so.
            if lost == DigitsLost::Likely && !self.columns.damaged.contains(&field) && super::values::check_character_holds(self.cell(field)) {
                return false;
            }
            let (zh, en) = match field {
                Field::NationalStudentNumber => ("全国学籍号", "national student number"),
                _ => ("身份证号", "resident ID number"),
            };
            let (message, message_en) = match lost {
                DigitsLost::Certain => (
                    format!("{zh}被存成了数字，后几位已丢失：请把该列设为文本，从学籍系统重新导出"),
                    format!("the {en} was stored as a number and lost its last digits: set the column to Text and export it again from the registration system"),
                ),
                DigitsLost::Likely => (
                    format!("{zh}以 000 结尾，且该列多数号码以 000 结尾或校验位不符，多半是被存成数字后丢失了后几位：请把该列设为文本，从学籍系统重新导出"),
                    format!("the {en} ends in 000, as most numbers of its column do (or most fail their check character): most likely numbers that lost their last digits; set the column to Text and export it again"),
                ),
            };
            self.refuse(field, "digits_lost", message, message_en);
            true
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

        /// 联系电话, normalized; an error if it is not a phone number or lost digits as a number.
        pub fn phone(&mut self) -> String {
            use super::values::PhoneMangled;
            match super::values::phone_mangled(self.cell(Field::Phone)) {
                Some(PhoneMangled::DigitsLost) => {
                    self.refuse(
                        Field::Phone,
                        "digits_lost",
                        "电话号码被存成了数字，后几位已丢失：请把该列设为文本后重新填写",
                        "the phone number was stored as a number and lost its last digits: set the column to Text and enter it again",
                    );
                    return String::new();
                }
                Some(PhoneMangled::LeadingZeroLost) => {
                    self.refuse(
                        Field::Phone,
                        "leading_zero_lost",
                        "电话号码被存成了数字，开头的 0 已丢失：请把该列设为文本后重新填写",
                        "the phone number was stored as a number and lost its leading 0: set the column to Text and enter it again",
                    );
                    return String::new();
                }
                None => {}
            }
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

        /// Whether the row is a record, nothing at all, or something else that is listed as
        /// skipped: a group heading merged across the table, a note or a 合计 row under it, the
        /// header repeated (a roster printed class by class), values only in columns not
        /// imported.
        pub fn kind(&self) -> Kind {
            let skip = |code: &str, zh: &str, en: &str| {
                let place = self.place();
                Kind::Skipped(SkippedRow {
                    sheet: place.sheet.to_string(),
                    row: place.row,
                    reference: place.reference(),
                    code: code.into(),
                    message: zh.into(),
                    message_en: en.into(),
                })
            };
            // Asked of every row: the cells are looked at as they are, a text made only where needed.
            let filled = || self.row.cells.iter().filter(|c| !c.is_empty());
            if self.row.banner {
                return skip("heading", "合并单元格中的标题或分组名称，不是数据", "a title or group heading in merged cells, not a record");
            }
            let first = filled().next().map(Cell::text).unwrap_or_default();
            let note = |c: &Cell| matches!(c, Cell::Text(t) if ["注", "说明", "备注", "制表", "填表", "审核", "负责人", "单位", "日期"].iter().any(|p| t.trim().starts_with(p)));
            if !first.is_empty() && filled().all(note) {
                return skip("note", "表格下方的说明文字，不是数据", "a note under the table, not a record");
            }
            if ["合计", "总计", "小计", "统计"].iter().any(|p| crate::text::clean(&first).starts_with(p)) {
                return skip("total", "合计行，不是数据", "a totals row, not a record");
            }
            let is_header = |cell: &Cell, header: &str| match cell {
                Cell::Empty => false,
                Cell::Text(t) => super::columns::same_header(t, header),
                other => super::columns::same_header(&other.text(), header),
            };
            let repeated = self
                .mapping
                .columns
                .iter()
                .filter(|c| c.field.is_some() && !c.header.is_empty() && is_header(self.row.get(c.index), &c.header))
                .count();
            if repeated >= 2 {
                return skip("header", "重复的表头，不是数据", "the header repeated, not a record");
            }
            if self.columns.mapped.iter().all(|c| self.row.get(*c).is_empty()) {
                let other = self.row.cells.iter().enumerate().any(|(i, c)| Some(i) != self.columns.serial && !c.is_empty());
                return if other {
                    skip("unmapped", "只在未导入的列中有内容（没有姓名、身份证号等）", "values only in columns not imported (no name, no ID number)")
                } else {
                    Kind::Blank
                };
            }
            Kind::Data
        }
    }
}

#[cfg(test)]
mod shape_tests;
#[cfg(test)]
mod tests;
