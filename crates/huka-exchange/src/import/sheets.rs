//! The sheets of a file: which are imported (a recognized header, chosen by the user), which
//! are not and why — every sheet gets a line in the report, none is left out silently.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::columns::{self, Field, Mapping, Overrides};
use super::read::{self, Table, Workbook};
use super::{ColumnProblem, ImportError, ImportKind, RowError};
use crate::error::Result;
use crate::record::text_enum;
use crate::store::Store;

/// What the user chose over what Huka found: column corrections and the sheets to import.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Choices {
    /// Corrections by header text, for every sheet (remembered after an import).
    #[serde(default)]
    pub overrides: Overrides,
    /// The sheets to import, by name. `None`: every visible sheet with a header.
    #[serde(default)]
    pub sheets: Option<Vec<String>>,
}

text_enum! {
    /// What becomes of one sheet.
    pub enum SheetStatus {
        Imported = "imported",
        /// Chosen, with a header, but a column the import needs is not mapped: no plan yet.
        MissingColumns = "missing_columns",
        /// Left out by the user.
        Excluded = "excluded",
        /// Hidden in the workbook and not chosen: templates hide their lookup lists so.
        Hidden = "hidden",
        NoHeader = "no_header",
        Empty = "empty",
        NotAWorksheet = "not_a_worksheet",
    }
}

/// One sheet in the report: imported (header row and data rows) or skipped, and a sentence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SheetSummary {
    /// The sheet's name; empty for a CSV file.
    pub name: String,
    pub status: SheetStatus,
    pub hidden: bool,
    pub header_row: Option<usize>,
    /// Data rows planned (0 unless imported).
    pub rows: usize,
    /// "跳过：填表说明 — 没有表头", "“一年级”：第 3 行是表头，95 行数据".
    pub message: String,
    pub message_en: String,
    /// A household list: what its rows are grouped into households by — `household_number`
    /// (户编号), or `head_resident_id` (户主身份证号, a list with no household number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub household_key: Option<String>,
}

/// One sheet in the preview: its summary, the column mapping when it has a header, and the
/// fields it lacks.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SheetPreview {
    #[serde(flatten)]
    pub summary: SheetSummary,
    pub mapping: Option<Mapping>,
    pub missing: Vec<Field>,
}

/// A sheet the plan reads.
pub(crate) struct Source<'a> {
    pub name: &'a str,
    pub table: &'a Table,
    pub mapping: &'a Mapping,
}

struct Sheet {
    status: SheetStatus,
    mapping: Option<Mapping>,
    missing: Vec<Field>,
}

/// A file read whole, each sheet sorted out.
pub(crate) struct Opened {
    book: Workbook,
    sheets: Vec<Sheet>,
}

/// The fields a file of this kind must have that no column maps to.
fn missing(kind: ImportKind, mapping: &Mapping) -> Vec<Field> {
    let mut out = Vec::new();
    if mapping.column_of(Field::Name).is_none() {
        out.push(Field::Name);
    }
    // A list with no household number (贫困学生花名册) is keyed by the head's resident ID number.
    if kind == ImportKind::Households && mapping.column_of(Field::HouseholdNumber).is_none() {
        if mapping.column_of(Field::HeadResidentId).is_none() {
            out.push(Field::HouseholdNumber);
        } else if mapping.column_of(Field::HeadName).is_none() {
            // Without the head's name a student would be taken for the head.
            out.push(Field::HeadName);
        }
    }
    let has_id = mapping.column_of(Field::ResidentId).is_some()
        || (kind == ImportKind::Roster && mapping.column_of(Field::NationalStudentNumber).is_some());
    if !has_id {
        out.push(Field::ResidentId);
    }
    out
}

impl Opened {
    /// Reads every sheet, finds each one's header and decides, with the user's choices,
    /// which are imported. Refuses a file no sheet of which has a header, and a chosen sheet
    /// name the file does not have.
    pub fn read(store: &Store, kind: ImportKind, bytes: &[u8], choices: &Choices) -> Result<Opened> {
        let book = read::read(bytes).map_err(ImportError::Unreadable)?;
        if let Some(chosen) = &choices.sheets {
            if let Some(unknown) = chosen.iter().find(|c| !book.sheets.iter().any(|s| &s.name == *c)) {
                let available = book.sheets.iter().map(|s| s.name.clone()).collect::<Vec<_>>().join("、");
                return Err(ImportError::NoSuchSheet { name: unknown.clone(), available }.into());
            }
        }
        let mut overrides = columns::remembered(store, kind)?;
        overrides.extend(choices.overrides.iter().map(|(k, v)| (k.clone(), *v)));
        let sheets: Vec<Sheet> = book.sheets.iter().map(|table| sort_out(table, kind, &overrides, choices)).collect();
        if sheets.iter().all(|s| s.mapping.is_none()) {
            return Err(ImportError::NoHeader.into());
        }
        Ok(Opened { book, sheets })
    }

    /// The sheets to plan, in tab order.
    pub fn sources(&self) -> Vec<Source<'_>> {
        self.book
            .sheets
            .iter()
            .zip(&self.sheets)
            .filter(|(_, s)| s.status == SheetStatus::Imported)
            .map(|(table, s)| Source { name: &table.name, table, mapping: s.mapping.as_ref().expect("an imported sheet has a header") })
            .collect()
    }

    /// Every field a chosen sheet lacks.
    pub fn missing(&self) -> Vec<Field> {
        let mut out: Vec<Field> = Vec::new();
        for f in self.sheets.iter().flat_map(|s| &s.missing) {
            if !out.contains(f) {
                out.push(*f);
            }
        }
        out
    }

    /// This file if it can be planned: every chosen sheet has its columns, and one is chosen.
    pub fn plannable(self) -> Result<Opened> {
        if let Some((table, sheet)) = self.book.sheets.iter().zip(&self.sheets).find(|(_, s)| !s.missing.is_empty()) {
            return Err(ImportError::MissingColumn { sheet: table.name.clone(), column: sheet.missing[0].label_zh() }.into());
        }
        if self.sources().is_empty() {
            return Err(ImportError::NoSheetChosen.into());
        }
        Ok(self)
    }

    /// A line for every sheet; `rows(i)` is the number of data rows of the i-th source.
    pub fn summaries(&self, rows: impl Fn(usize) -> usize) -> Vec<SheetSummary> {
        let mut source = 0;
        self.book
            .sheets
            .iter()
            .zip(&self.sheets)
            .map(|(table, s)| {
                let n = if s.status == SheetStatus::Imported {
                    source += 1;
                    rows(source - 1)
                } else {
                    0
                };
                summary(table, s, n)
            })
            .collect()
    }

    /// The preview of every sheet, with the summaries of the report.
    pub fn previews(&self, summaries: &[SheetSummary]) -> Vec<SheetPreview> {
        self.sheets
            .iter()
            .zip(summaries)
            .map(|(s, summary)| SheetPreview { summary: summary.clone(), mapping: s.mapping.clone(), missing: s.missing.clone() })
            .collect()
    }
}

fn sort_out(table: &Table, kind: ImportKind, overrides: &Overrides, choices: &Choices) -> Sheet {
    let none = |status| Sheet { status, mapping: None, missing: Vec::new() };
    if table.not_a_worksheet {
        return none(SheetStatus::NotAWorksheet);
    }
    if table.rows.is_empty() {
        return none(SheetStatus::Empty);
    }
    let Some(mapping) = columns::detect(table, kind, overrides) else { return none(SheetStatus::NoHeader) };
    let chosen = match &choices.sheets {
        Some(names) => names.contains(&table.name),
        None => !table.hidden,
    };
    let (status, missing) = match (chosen, table.hidden) {
        (false, true) if choices.sheets.is_none() => (SheetStatus::Hidden, Vec::new()),
        (false, _) => (SheetStatus::Excluded, Vec::new()),
        (true, _) => match missing(kind, &mapping) {
            m if m.is_empty() => (SheetStatus::Imported, m),
            m => (SheetStatus::MissingColumns, m),
        },
    };
    Sheet { status, mapping: Some(mapping), missing }
}

fn summary(table: &Table, s: &Sheet, rows: usize) -> SheetSummary {
    let name = table.name.as_str();
    let skipped = |zh: &str, en: &str| (format!("跳过：{name} — {zh}"), format!("Skipped: {name} — {en}"));
    let (message, message_en) = match s.status {
        SheetStatus::Imported => {
            let header = s.mapping.as_ref().map(|m| m.header_row).unwrap_or_default();
            let (by_zh, by_en) = match household_key(s.mapping.as_ref()) {
                Some("household_number") => ("；按“户编号”归户", "; households by 户编号 (household number)"),
                Some(_) => ("；没有户编号，按“户主身份证号”归户", "; no household number: households by 户主身份证号 (the head's ID number)"),
                None => ("", ""),
            };
            match name {
                "" => (format!("第 {header} 行是表头，{rows} 行数据{by_zh}"), format!("header on row {header}, {rows} data rows{by_en}")),
                _ => (format!("{name}：第 {header} 行是表头，{rows} 行数据{by_zh}"), format!("{name}: header on row {header}, {rows} data rows{by_en}")),
            }
        }
        SheetStatus::MissingColumns => {
            let fields = s.missing.iter().map(|f| format!("“{}”", f.label_zh())).collect::<Vec<_>>().join("、");
            (format!("{name}：缺少{fields}列，请在下方指定或不导入该表"), format!("{name}: no column for {fields}; map one below or leave the sheet out"))
        }
        SheetStatus::Excluded => skipped("未选中", "not chosen"),
        SheetStatus::Hidden => skipped("隐藏的工作表（勾选后可导入）", "a hidden sheet (tick it to import)"),
        SheetStatus::NoHeader => skipped("没有表头", "no header row"),
        SheetStatus::Empty => skipped("空白", "empty"),
        SheetStatus::NotAWorksheet => skipped("不是工作表（图表等）", "not a worksheet (a chart or the like)"),
    };
    SheetSummary {
        name: table.name.clone(),
        status: s.status,
        hidden: table.hidden,
        header_row: s.mapping.as_ref().map(|m| m.header_row),
        rows,
        message,
        message_en,
        household_key: household_key(s.mapping.as_ref()).filter(|_| s.status == SheetStatus::Imported).map(str::to_string),
    }
}

/// What a household list's rows are grouped by: its 户编号 column, else its 户主身份证号 column.
pub(crate) fn household_key(mapping: Option<&Mapping>) -> Option<&'static str> {
    let m = mapping?;
    if m.column_of(Field::HouseholdNumber).is_some() {
        Some("household_number")
    } else if m.column_of(Field::HeadResidentId).is_some() {
        Some("head_resident_id")
    } else {
        None
    }
}

/// Sentences about whole columns: where most values of a column lost their digits (one
/// sentence instead of a row error each), and where blanks were filled from the row above.
/// `data_rows` are the (source, row number) of every data row; `filled` is (column header,
/// sheet, rows filled).
pub(crate) fn column_problems(
    opened: &Opened,
    data_rows: &[(usize, usize)],
    errors: &[RowError],
    filled: &[(String, String, usize)],
) -> Vec<ColumnProblem> {
    let sources = opened.sources();
    // Rows with a value in a column, by (sheet, header).
    let with_value = |sheet: &str, header: &str| -> usize {
        let Some((i, source)) = sources.iter().enumerate().find(|(_, s)| s.name == sheet) else { return 0 };
        let Some(column) = source.mapping.columns.iter().find(|c| c.header == header && c.field.is_some()) else { return 0 };
        data_rows
            .iter()
            .filter(|(s, _)| *s == i)
            .filter(|(_, row)| {
                let rows = &source.table.rows;
                rows.binary_search_by_key(row, |r| r.number).is_ok_and(|k| !rows[k].get(column.index).is_empty())
            })
            .count()
    };
    let mut groups: BTreeMap<(String, String), (Vec<String>, usize, &RowError)> = BTreeMap::new();
    for e in errors.iter().filter(|e| e.code == "digits_lost" || e.code == "leading_zero_lost") {
        let g = groups.entry((e.column.clone(), e.code.clone())).or_insert((Vec::new(), 0, e));
        if !g.0.contains(&e.sheet) {
            g.0.push(e.sheet.clone());
        }
        g.1 += 1;
    }
    let mut out = Vec::new();
    for ((column, code), (sheets, rows, first)) in groups {
        let of: usize = sheets.iter().map(|s| with_value(s, &column)).sum();
        if rows * 2 <= of {
            continue;
        }
        let (in_zh, in_en) = within(&sheets);
        out.push(ColumnProblem {
            message: format!("“{column}”列{in_zh}有 {rows} 行（共 {of} 行）：{}。这些行都没有导入。", first.message),
            message_en: format!("Column “{column}”{in_en}, {rows} of {of} rows: {}. None of these rows was imported.", first.message_en),
            column,
            sheets,
            code,
            rows,
            of,
        });
    }
    let mut by_column: BTreeMap<&str, (Vec<String>, usize)> = BTreeMap::new();
    for (column, sheet, n) in filled {
        let g = by_column.entry(column).or_default();
        g.0.push(sheet.clone());
        g.1 += n;
    }
    for (column, (sheets, rows)) in by_column {
        let (in_zh, in_en) = within(&sheets);
        out.push(ColumnProblem {
            message: format!(
                "“{column}”列{in_zh}有 {rows} 行是空的，已按上方最近一户补全户编号、户主和地址等（合并单元格另存为 CSV 或取消合并后常见）。请核对。"
            ),
            message_en: format!(
                "Column “{column}”{in_en}: {rows} rows were blank and took the household number, head and address of the household above (as merged cells become when saved as CSV or unmerged). Please check."
            ),
            column: column.to_string(),
            of: data_rows.len(),
            sheets,
            code: "filled_down".into(),
            rows,
        });
    }
    out
}

/// "（一年级、二年级）" and " (一年级, 二年级)", or nothing for a CSV file.
fn within(sheets: &[String]) -> (String, String) {
    if sheets.iter().all(|s| s.is_empty()) {
        (String::new(), String::new())
    } else {
        (format!("（{}）", sheets.join("、")), format!(" ({})", sheets.join(", ")))
    }
}
