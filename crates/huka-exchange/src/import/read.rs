//! Reading a spreadsheet as it really comes: `.xlsx`, old `.xls`, `.ods`, or `.csv` in UTF-8
//! (with or without BOM) or GBK/GB18030. The result is a [`Workbook`]: every sheet, in tab
//! order, as a [`Table`] of its non-blank rows with the row number Excel shows for each and
//! its cells as typed values. A merged range's value is in every cell the range covers.

use std::io::Cursor;

use calamine::{Data, Dimensions, Reader, SheetType, SheetVisible, Sheets};
use chrono::NaiveDate;

/// One cell value.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Date(NaiveDate),
    Bool(bool),
}

impl Cell {
    /// The cell as text, the way a person reads it ("3" not "3.0").
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.trim().to_string(),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Cell::Number(n) => n.to_string(),
            Cell::Date(d) => d.to_string(),
            Cell::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        }
    }

    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }
}

/// A non-blank row and the number Excel shows for it (1-based, counting blank rows too).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub number: usize,
    pub cells: Vec<Cell>,
    /// Every value of the row comes from one merged range across two or more columns: a
    /// title or a group heading ("一年级（1）班") laid over the table, not a record.
    pub banner: bool,
}

impl Row {
    pub fn get(&self, column: usize) -> &Cell {
        self.cells.get(column).unwrap_or(&Cell::Empty)
    }
}

/// One sheet of a workbook (a CSV file is one sheet with no name): its non-blank rows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// The sheet's name as its tab shows it; empty for a CSV file.
    pub name: String,
    /// Hidden in the workbook (Excel's and WPS's templates hide their lookup lists so).
    pub hidden: bool,
    /// A chart, dialog or macro sheet: nothing to read.
    pub not_a_worksheet: bool,
    pub rows: Vec<Row>,
}

/// Every sheet of a file, in the order of its tabs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Workbook {
    pub sheets: Vec<Table>,
}

/// Why a file could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadProblem {
    /// No file at the path given (a typo in a command line).
    NotFound,
    Empty,
    NotASpreadsheet,
    Damaged(String),
    NoSheet,
}

impl ReadProblem {
    pub fn message_zh(&self) -> String {
        match self {
            ReadProblem::NotFound => "找不到该文件，请检查路径。".into(),
            ReadProblem::Empty => "文件是空的。".into(),
            ReadProblem::NotASpreadsheet => "该文件不是表格（应为 .xlsx、.xls、.ods 或 .csv）。".into(),
            ReadProblem::Damaged(e) => format!("表格文件已损坏，无法读取（{e}）。"),
            ReadProblem::NoSheet => "表格中没有工作表。".into(),
        }
    }
    pub fn message_en(&self) -> String {
        match self {
            ReadProblem::NotFound => "There is no such file; check the path.".into(),
            ReadProblem::Empty => "The file is empty.".into(),
            ReadProblem::NotASpreadsheet => "The file is not a spreadsheet (.xlsx, .xls, .ods or .csv).".into(),
            ReadProblem::Damaged(e) => format!("The spreadsheet is damaged and cannot be read ({e})."),
            ReadProblem::NoSheet => "The workbook has no sheet.".into(),
        }
    }
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// The bytes of a spreadsheet file; a path with no file is `Unreadable(NotFound)`, so that
/// the command line says so in one sentence and exits 2, like any file it cannot read.
pub fn read_file(path: &std::path::Path) -> crate::error::Result<Vec<u8>> {
    match std::fs::read(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(super::ImportError::Unreadable(ReadProblem::NotFound).into()),
        other => Ok(other?),
    }
}

/// Reads every sheet of a workbook (`.xlsx`, `.xls`, `.ods`), or a CSV file, from its bytes.
pub fn read(bytes: &[u8]) -> Result<Workbook, ReadProblem> {
    if bytes.is_empty() {
        return Err(ReadProblem::Empty);
    }
    if bytes.starts_with(ZIP_MAGIC) || bytes.starts_with(OLE_MAGIC) {
        read_workbook(bytes)
    } else {
        Ok(Workbook { sheets: vec![read_csv(bytes)?] })
    }
}

fn read_workbook(bytes: &[u8]) -> Result<Workbook, ReadProblem> {
    let damaged = |e: &dyn std::fmt::Display| ReadProblem::Damaged(e.to_string());
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| damaged(&e))?;
    let metadata = book.sheets_metadata().to_vec();
    if metadata.is_empty() {
        return Err(ReadProblem::NoSheet);
    }
    let mut sheets = Vec::with_capacity(metadata.len());
    for meta in metadata {
        let hidden = meta.visible != SheetVisible::Visible;
        if meta.typ != SheetType::WorkSheet {
            sheets.push(Table { name: meta.name, hidden, not_a_worksheet: true, rows: Vec::new() });
            continue;
        }
        let range = book.worksheet_range(&meta.name).map_err(|e| damaged(&e))?;
        let merged = match &mut book {
            Sheets::Xlsx(x) => x.merge_cells_by_sheet_name(&meta.name).map_err(|e| damaged(&e))?,
            Sheets::Xls(x) => x.merge_cells_by_sheet_name(&meta.name).map_err(|e| damaged(&e))?,
            // calamine does not expose the merged ranges of .ods and .xlsb files.
            Sheets::Ods(_) | Sheets::Xlsb(_) => Vec::new(),
        };
        sheets.push(Table { name: meta.name, hidden, not_a_worksheet: false, rows: sheet_rows(&range, &merged) });
    }
    Ok(Workbook { sheets })
}

/// The non-blank rows of a sheet, with each merged range's top-left value in every cell it
/// covers (a household number merged over the members' rows belongs to each of them).
fn sheet_rows(range: &calamine::Range<Data>, merged: &[Dimensions]) -> Vec<Row> {
    let Some((top, left)) = range.start() else { return Vec::new() };
    let (top, left) = (top as usize, left as usize);
    let mut grid: Vec<Vec<Cell>> = range
        .rows()
        .map(|cells| std::iter::repeat_n(Cell::Empty, left).chain(cells.iter().map(cell)).collect())
        .collect();
    // For each row, the merged range across columns that laid its value, if any.
    let mut across: Vec<Option<(usize, usize)>> = vec![None; grid.len()];
    for m in merged {
        let (r0, c0) = (m.start.0 as usize, m.start.1 as usize);
        let (r1, c1) = (m.end.0 as usize, m.end.1 as usize);
        if r0 < top || r1 < r0 || c1 < c0 {
            continue;
        }
        let value = grid.get(r0 - top).map(|row| row.get(c0).cloned().unwrap_or(Cell::Empty)).unwrap_or(Cell::Empty);
        if value.is_empty() {
            continue;
        }
        for r in r0..=r1 {
            let Some(row) = grid.get_mut(r - top) else { break };
            if row.len() <= c1 {
                row.resize(c1 + 1, Cell::Empty);
            }
            for c in row.iter_mut().take(c1 + 1).skip(c0) {
                *c = value.clone();
            }
            if c1 > c0 {
                across[r - top] = Some((c0, c1));
            }
        }
    }
    grid.into_iter()
        .zip(across)
        .enumerate()
        .filter(|(_, (cells, _))| cells.iter().any(|c| !c.is_empty()))
        .map(|(i, (cells, across))| {
            let banner = across.is_some_and(|(c0, c1)| cells.iter().enumerate().all(|(c, v)| v.is_empty() || (c0..=c1).contains(&c)));
            Row { number: top + i + 1, cells, banner }
        })
        .collect()
}

fn cell(d: &Data) -> Cell {
    match d {
        Data::Empty | Data::Error(_) => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => dt.as_datetime().map(|t| Cell::Date(t.date())).unwrap_or(Cell::Number(dt.as_f64())),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
    }
}

/// Decodes CSV bytes: a UTF-8 BOM or valid UTF-8 means UTF-8, anything else is GB18030
/// (a superset of GBK, which is what Chinese Excel writes).
pub fn decode_text(bytes: &[u8]) -> Result<String, ReadProblem> {
    let text = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        String::from_utf8_lossy(rest).into_owned()
    } else if let Ok(s) = std::str::from_utf8(bytes) {
        s.to_string()
    } else {
        let (s, _, had_errors) = encoding_rs::GB18030.decode(bytes);
        if had_errors {
            return Err(ReadProblem::NotASpreadsheet);
        }
        s.into_owned()
    };
    if text.contains('\0') {
        return Err(ReadProblem::NotASpreadsheet);
    }
    Ok(text)
}

fn read_csv(bytes: &[u8]) -> Result<Table, ReadProblem> {
    let text = decode_text(bytes)?;
    let delimiter = sniff_delimiter(&text);
    let text = keep_blank_lines(&text, delimiter as char);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut number = 0;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                // Excel shows record n (blank ones included) as row n.
                number += 1;
                let line = number;
                let cells: Vec<Cell> =
                    record.iter().map(|s| if s.trim().is_empty() { Cell::Empty } else { Cell::Text(s.to_string()) }).collect();
                if cells.iter().any(|c| !c.is_empty()) {
                    rows.push(Row { number: line, cells, banner: false });
                }
            }
            Err(e) => return Err(ReadProblem::Damaged(e.to_string())),
        }
    }
    if rows.iter().all(|r| r.cells.len() < 2) {
        return Err(ReadProblem::NotASpreadsheet);
    }
    Ok(Table { rows, ..Table::default() })
}

/// The csv reader skips empty lines, but Excel counts them as rows: turn each empty line
/// (outside a quoted cell) into a record of empty cells, so record numbers are row numbers.
fn keep_blank_lines(text: &str, delimiter: char) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut in_quotes = false;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        if body.is_empty() && !in_quotes {
            out.push(delimiter);
        }
        out.push_str(line);
        in_quotes ^= line.matches('"').count() % 2 == 1;
    }
    out
}

/// Comma unless the first lines have more tabs (or semicolons) than commas.
fn sniff_delimiter(text: &str) -> u8 {
    let head: String = text.lines().take(10).collect::<Vec<_>>().join("\n");
    let count = |c: char| head.matches(c).count();
    let (commas, tabs, semis) = (count(',') + count('，'), count('\t'), count(';'));
    if tabs > commas && tabs >= semis {
        b'\t'
    } else if semis > commas {
        b';'
    } else {
        b','
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(bytes: &[u8]) -> Table {
        let mut book = read(bytes).unwrap();
        assert_eq!(book.sheets.len(), 1, "a CSV file is one sheet");
        book.sheets.remove(0)
    }

    #[test]
    fn csv_in_utf8_with_bom_and_in_gbk_read_the_same() {
        let text = "学生名册\n\n序号,姓名,身份证号\n1,王小明,61092120130305001X\n";
        let utf8 = csv(text.as_bytes());
        let bom = csv(&[b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat());
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let gbk = csv(&gbk);
        assert_eq!(utf8, bom);
        assert_eq!(utf8, gbk);
        assert_eq!(utf8.rows.iter().map(|r| r.number).collect::<Vec<_>>(), [1, 3, 4], "blank rows are skipped, numbers kept");
        assert_eq!(utf8.rows[2].get(1).text(), "王小明");
    }

    #[test]
    fn not_a_spreadsheet() {
        assert_eq!(read(b""), Err(ReadProblem::Empty));
        assert_eq!(read(&[0u8, 159, 146, 150, 0, 1, 2]), Err(ReadProblem::NotASpreadsheet));
        assert!(matches!(read(b"PK\x03\x04garbage"), Err(ReadProblem::Damaged(_))));
        assert_eq!(read(b"just one line of prose\nand another"), Err(ReadProblem::NotASpreadsheet));
    }

    #[test]
    fn tab_separated_text_is_read() {
        let t = csv("姓名\t身份证号\n王小明\t61092120130305001X\n".as_bytes());
        assert_eq!(t.rows[1].get(1).text(), "61092120130305001X");
    }
}
