//! The spreadsheets written for people — the bundle's `summary.xlsx` and the county's report:
//! sheets as rows of typed cells, Chinese headings, amounts in yuan, rates as percentages.
//! Money stays integer fen everywhere else; yuan appear only as displayed numbers here.

use rust_xlsxwriter::{Chart, ChartType, Format, Workbook, XlsxError};

use crate::error::{Error, Result};
use crate::summary::{aid_kind_zh, household_status_zh, stage_zh, Figures};
use crate::term::Term;

pub(crate) enum Cell {
    Text(String),
    Int(i64),
    /// An amount in fen, shown in yuan with two decimals.
    Yuan(i64),
    /// `part / whole` as a percentage; empty when `whole` is 0.
    Rate(i64, i64),
    Empty,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}
impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}
impl From<i64> for Cell {
    fn from(n: i64) -> Cell {
        Cell::Int(n)
    }
}

pub(crate) struct Sheet {
    pub name: String,
    pub rows: Vec<Vec<Cell>>,
    /// Rows written bold (headings), by index.
    pub bold_rows: Vec<usize>,
    /// Native Excel charts over this sheet's own cells.
    pub charts: Vec<RateChart>,
}

/// A native Excel chart of rate columns (0–100 %), one series per column, the categories
/// (schools, towns) from another column of the same rows; the series' names are the headings
/// in row 0.
pub(crate) struct RateChart {
    pub title: String,
    /// Horizontal bars (many categories, long names) or columns side by side.
    pub horizontal: bool,
    pub categories: u16,
    pub values: Vec<u16>,
    /// The data rows, inclusive (row 0 is the heading).
    pub rows: (u32, u32),
    /// The top-left cell the chart is placed at.
    pub at: (u32, u16),
}

impl Sheet {
    pub fn new(name: &str) -> Sheet {
        Sheet { name: name.to_string(), rows: Vec::new(), bold_rows: Vec::new(), charts: Vec::new() }
    }
    pub fn heading(&mut self, cells: &[&str]) {
        self.bold_rows.push(self.rows.len());
        self.rows.push(cells.iter().map(|c| Cell::from(*c)).collect());
    }
    pub fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
    }
    pub fn blank(&mut self) {
        self.rows.push(Vec::new());
    }
}

fn xerr(e: XlsxError) -> Error {
    Error::Io(std::io::Error::other(e.to_string()))
}

/// The workbook's bytes.
pub(crate) fn workbook(sheets: &[Sheet]) -> Result<Vec<u8>> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let yuan = Format::new().set_num_format("#,##0.00");
    let rate = Format::new().set_num_format("0.0%");
    for s in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(&s.name).map_err(xerr)?;
        let mut widths: Vec<usize> = Vec::new();
        for (r, cells) in s.rows.iter().enumerate() {
            let is_bold = s.bold_rows.contains(&r);
            for (c, cell) in cells.iter().enumerate() {
                let (row, col) = (r as u32, c as u16);
                let width = match cell {
                    Cell::Text(t) => {
                        if is_bold {
                            sheet.write_string_with_format(row, col, t, &bold).map_err(xerr)?;
                        } else {
                            // Text cells, so that codes keep their leading zeros.
                            sheet.write_string(row, col, t).map_err(xerr)?;
                        }
                        t.chars().map(|ch| if ch.is_ascii() { 1 } else { 2 }).sum()
                    }
                    Cell::Int(n) => {
                        sheet.write_number(row, col, *n as f64).map_err(xerr)?;
                        8
                    }
                    Cell::Yuan(fen) => {
                        sheet.write_number_with_format(row, col, *fen as f64 / 100.0, &yuan).map_err(xerr)?;
                        12
                    }
                    Cell::Rate(part, whole) => {
                        if *whole > 0 {
                            sheet.write_number_with_format(row, col, *part as f64 / *whole as f64, &rate).map_err(xerr)?;
                        }
                        8
                    }
                    Cell::Empty => 0,
                };
                if widths.len() <= c {
                    widths.resize(c + 1, 0);
                }
                widths[c] = widths[c].max(width);
            }
        }
        for (c, w) in widths.iter().enumerate() {
            sheet.set_column_width(c as u16, (*w as f64 + 2.0).clamp(8.0, 60.0)).map_err(xerr)?;
        }
        for spec in &s.charts {
            sheet.insert_chart(spec.at.0, spec.at.1, &rate_chart(&s.name, spec)).map_err(xerr)?;
        }
    }
    book.save_to_buffer().map_err(xerr)
}

fn rate_chart(sheet: &str, spec: &RateChart) -> Chart {
    let mut chart = Chart::new(if spec.horizontal { ChartType::Bar } else { ChartType::Column });
    let (first, last) = spec.rows;
    for &col in &spec.values {
        chart
            .add_series()
            .set_name((sheet, 0, col))
            .set_categories((sheet, first, spec.categories, last, spec.categories))
            .set_values((sheet, first, col, last, col));
    }
    chart.title().set_name(spec.title.as_str());
    // A bar chart's value axis is its x axis; categories read top-down in the sheet's order.
    let value_axis = if spec.horizontal { chart.x_axis() } else { chart.y_axis() };
    value_axis.set_min(0.0).set_max(1.0).set_num_format("0%");
    if spec.horizontal {
        chart.y_axis().set_reverse();
    }
    let categories = (last + 1).saturating_sub(first);
    if spec.horizontal {
        chart.set_width(760).set_height((120 + categories * 22 * spec.values.len() as u32).clamp(300, 4000));
    } else {
        chart.set_width((220 + categories * 28 * spec.values.len() as u32).clamp(560, 2400)).set_height(360);
    }
    chart
}

/// `2026年秋季学期`
pub(crate) fn term_zh(term: Term) -> String {
    if term.autumn {
        format!("{}年秋季学期", term.year)
    } else {
        format!("{}年春季学期", term.year)
    }
}

/// The topic sheets of a summary or a total: 学生, 帮扶覆盖, 资助, 控辍保学.
pub(crate) fn figure_sheets(f: &Figures) -> Vec<Sheet> {
    let s = &f.students;
    let mut students = Sheet::new("学生");
    students.heading(&["学段", "在读学生", "其中建档立卡等学生"]);
    let mut stages: Vec<&String> = s.enrolled_by_stage.keys().collect();
    stages.sort_by_key(|k| ["preschool", "primary", "junior", "senior", "vocational", "higher"].iter().position(|x| x == k).unwrap_or(99));
    for stage in stages {
        students.row(vec![stage_zh(stage).into(), s.enrolled_by_stage[stage].into(), s.registered_poor_by_stage.get(stage).copied().unwrap_or(0).into()]);
    }
    students.row(vec!["合计".into(), s.enrolled.into(), s.registered_poor.into()]);
    students.blank();
    students.heading(&["家庭类别", "在读学生"]);
    for (status, n) in &s.registered_poor_by_status {
        students.row(vec![household_status_zh(status).into(), (*n).into()]);
    }
    students.blank();
    students.heading(&["建档立卡等学生中", "人数"]);
    for (label, n) in [("寄宿生", s.boarding), ("留守儿童", s.left_behind), ("残疾学生", s.disabled), ("孤儿", s.orphan), ("单亲家庭", s.single_parent)] {
        students.row(vec![label.into(), n.into()]);
    }
    students.row(vec!["有在读学生的建档立卡等户数".into(), s.households.into()]);

    let c = &f.coverage;
    let mut coverage = Sheet::new("帮扶覆盖");
    coverage.heading(&["指标", "人数", "比例"]);
    coverage.row(vec!["建档立卡等在读学生".into(), c.students.into(), Cell::Empty]);
    for (label, n) in [("已结对帮扶（一教一帮）", c.paired), ("有生效的帮扶计划（一生一策）", c.with_plan), ("本学期已家访", c.visited)] {
        coverage.row(vec![label.into(), n.into(), Cell::Rate(n, c.students)]);
    }
    coverage.row(vec!["本学期家访次数".into(), c.visits.into(), Cell::Empty]);
    coverage.row(vec!["帮扶计划回顾逾期".into(), c.reviews_overdue.into(), Cell::Empty]);
    coverage.row(vec!["家访后续事项逾期".into(), c.follow_ups_overdue.into(), Cell::Empty]);

    let mut aid = Sheet::new("资助");
    aid.heading(&["项目代码", "资助项目", "类别", "应助人数", "已资助人数", "遗漏人数", "资助金额（元）"]);
    for p in &f.aid.programmes {
        aid.row(vec![
            p.code.clone().into(),
            p.name.clone().into(),
            aid_kind_zh(&p.kind).into(),
            p.students_due.into(),
            p.granted.into(),
            p.missed.into(),
            Cell::Yuan(p.amount_fen),
        ]);
    }
    aid.row(vec!["合计".into(), Cell::Empty, Cell::Empty, f.aid.students_due().into(), f.aid.granted().into(), f.aid.missed().into(), Cell::Yuan(f.aid.amount_fen())]);

    let d = &f.dropout;
    let mut dropout = Sheet::new("控辍保学");
    dropout.heading(&["指标", "人数"]);
    dropout.row(vec!["未返校的辍学学生".into(), d.open_cases.into()]);
    dropout.row(vec!["已劝返复学".into(), d.returned.into()]);
    dropout.blank();
    dropout.heading(&["周次", "报告数", "已确认", "在校学生", "新增辍学", "返校", "未结案例"]);
    for w in &d.weekly_reports {
        dropout.row(vec![
            w.week.clone().into(),
            w.reports.into(),
            w.confirmed.into(),
            w.enrolment.into(),
            w.new_dropouts.into(),
            w.returns.into(),
            w.open_cases.into(),
        ]);
    }
    vec![students, coverage, aid, dropout]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workbook_is_written_and_reads_back() {
        let mut f = Figures::default();
        f.students.enrolled = 5;
        f.students.enrolled_by_stage.insert("primary".into(), 5);
        f.aid.programmes.push(crate::summary::AidProgramme { code: "nutrition".into(), name: "营养改善计划".into(), kind: "subsidy".into(), amount_fen: 12_345, ..Default::default() });
        let bytes = workbook(&figure_sheets(&f)).unwrap();
        use calamine::Reader;
        let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), ["学生", "帮扶覆盖", "资助", "控辍保学"]);
        let aid = book.worksheet_range("资助").unwrap();
        assert_eq!(aid.get_value((1, 6)), Some(&calamine::Data::Float(123.45)));
    }
}
