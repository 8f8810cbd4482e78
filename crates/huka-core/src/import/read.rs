//! Reading a spreadsheet as it really comes: `.xlsx`, old `.xls`, or `.csv` in UTF-8 (with or
//! without BOM) or GBK/GB18030. The result is a [`Table`]: every non-blank row with the row
//! number Excel shows for it, and its cells as typed values.

use std::io::Cursor;

use calamine::{Data, Reader};
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
}

impl Row {
    pub fn get(&self, column: usize) -> &Cell {
        self.cells.get(column).unwrap_or(&Cell::Empty)
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub rows: Vec<Row>,
}

/// Why a file could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadProblem {
    Empty,
    NotASpreadsheet,
    Damaged(String),
    NoSheet,
}

impl ReadProblem {
    pub fn message_zh(&self) -> String {
        match self {
            ReadProblem::Empty => "文件是空的。".into(),
            ReadProblem::NotASpreadsheet => "该文件不是表格（应为 .xlsx、.xls 或 .csv）。".into(),
            ReadProblem::Damaged(e) => format!("表格文件已损坏，无法读取（{e}）。"),
            ReadProblem::NoSheet => "表格中没有工作表。".into(),
        }
    }
    pub fn message_en(&self) -> String {
        match self {
            ReadProblem::Empty => "The file is empty.".into(),
            ReadProblem::NotASpreadsheet => "The file is not a spreadsheet (.xlsx, .xls or .csv).".into(),
            ReadProblem::Damaged(e) => format!("The spreadsheet is damaged and cannot be read ({e})."),
            ReadProblem::NoSheet => "The workbook has no sheet.".into(),
        }
    }
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Reads the first sheet of a workbook, or a CSV file, from its bytes.
pub fn read(bytes: &[u8]) -> Result<Table, ReadProblem> {
    if bytes.is_empty() {
        return Err(ReadProblem::Empty);
    }
    if bytes.starts_with(ZIP_MAGIC) || bytes.starts_with(OLE_MAGIC) {
        read_workbook(bytes)
    } else {
        read_csv(bytes)
    }
}

fn read_workbook(bytes: &[u8]) -> Result<Table, ReadProblem> {
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| ReadProblem::Damaged(e.to_string()))?;
    let range = book.worksheet_range_at(0).ok_or(ReadProblem::NoSheet)?.map_err(|e| ReadProblem::Damaged(e.to_string()))?;
    let first_row = range.start().map(|(r, _)| r as usize).unwrap_or(0);
    let first_col = range.start().map(|(_, c)| c as usize).unwrap_or(0);
    let mut rows = Vec::new();
    for (i, cells) in range.rows().enumerate() {
        let mut row: Vec<Cell> = vec![Cell::Empty; first_col];
        row.extend(cells.iter().map(cell));
        if row.iter().any(|c| !c.is_empty()) {
            rows.push(Row { number: first_row + i + 1, cells: row });
        }
    }
    Ok(Table { rows })
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
                    rows.push(Row { number: line, cells });
                }
            }
            Err(e) => return Err(ReadProblem::Damaged(e.to_string())),
        }
    }
    if rows.iter().all(|r| r.cells.len() < 2) {
        return Err(ReadProblem::NotASpreadsheet);
    }
    Ok(Table { rows })
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

    #[test]
    fn csv_in_utf8_with_bom_and_in_gbk_read_the_same() {
        let text = "学生名册\n\n序号,姓名,身份证号\n1,王小明,61092120130305001X\n";
        let utf8 = read(text.as_bytes()).unwrap();
        let bom = read(&[b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat()).unwrap();
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let gbk = read(&gbk).unwrap();
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
        let t = read("姓名\t身份证号\n王小明\t61092120130305001X\n".as_bytes()).unwrap();
        assert_eq!(t.rows[1].get(1).text(), "61092120130305001X");
    }
}
