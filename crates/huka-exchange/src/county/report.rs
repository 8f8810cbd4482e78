//! The county's summary workbook: the county's totals by topic, then one sheet per town, per
//! supervision district and per school (one row each), the schools sorted by coverage, the
//! cross-school duplicates (masked ID numbers) and the schools that have not reported. The
//! towns side by side and the schools by coverage are native Excel charts.

use std::path::Path;

use super::aggregate::{aggregate, CountyAggregate};
use crate::error::Result;
use crate::store::Store;
use crate::summary::Figures;
use crate::term::Term;
use crate::xlsx::{self, Cell, RateChart, Sheet};

const FIGURE_HEADINGS: [&str; 11] = [
    "在读学生",
    "建档立卡等学生",
    "已结对",
    "结对率",
    "有帮扶计划",
    "计划覆盖率",
    "本学期已家访",
    "家访覆盖率",
    "资助金额（元）",
    "遗漏资助人数",
    "未返校辍学",
];

fn figure_cells(f: &Figures) -> Vec<Cell> {
    let c = &f.coverage;
    vec![
        f.students.enrolled.into(),
        f.students.registered_poor.into(),
        c.paired.into(),
        Cell::Rate(c.paired, c.students),
        c.with_plan.into(),
        Cell::Rate(c.with_plan, c.students),
        c.visited.into(),
        Cell::Rate(c.visited, c.students),
        Cell::Yuan(f.aid.amount_fen()),
        f.aid.missed().into(),
        f.dropout.open_cases.into(),
    ]
}

/// The columns of the three coverage rates in a row that starts with `lead` cells.
fn rate_columns(lead: u16) -> Vec<u16> {
    ["结对率", "计划覆盖率", "家访覆盖率"]
        .iter()
        .map(|h| lead + FIGURE_HEADINGS.iter().position(|x| x == h).expect("a heading") as u16)
        .collect()
}

/// Paired, planned and visited over three times the students: how far a school has come.
fn coverage_share(f: &Figures) -> f64 {
    let c = &f.coverage;
    if c.students == 0 { 1.0 } else { (c.paired + c.with_plan + c.visited) as f64 / (3 * c.students) as f64 }
}

fn or_unknown(s: &str) -> String {
    if s.is_empty() { "（未填）".into() } else { s.to_string() }
}

/// The workbook's bytes.
pub fn report_workbook(a: &CountyAggregate) -> Result<Vec<u8>> {
    let mut overview = Sheet::new("全县概况");
    overview.heading(&["项目", "内容"]);
    overview.row(vec!["学期".into(), xlsx::term_zh(a.term).into()]);
    overview.row(vec!["已登记学校".into(), a.schools_registered.into()]);
    overview.row(vec!["已报送学校".into(), a.schools_reporting.into()]);
    overview.row(vec!["未报送学校".into(), (a.missing.len() as i64).into()]);
    overview.row(vec!["跨校重复的身份证号".into(), (a.duplicates.len() as i64).into()]);
    overview.row(vec!["生成时间（UTC）".into(), crate::bundle::format::time_text(chrono::Utc::now()).into()]);
    let mut sheets = vec![overview];
    for mut s in xlsx::figure_sheets(&a.totals) {
        s.name = format!("全县{}", s.name);
        sheets.push(s);
    }

    for (title, units) in [("按镇", &a.by_town), ("按督学责任区", &a.by_district)] {
        let mut sheet = Sheet::new(title);
        let mut heading = vec![if title == "按镇" { "镇" } else { "督学责任区" }, "学校数"];
        heading.extend(FIGURE_HEADINGS);
        sheet.heading(&heading);
        for u in units.iter() {
            let mut row = vec![or_unknown(&u.name).into(), u.schools.into()];
            row.extend(figure_cells(&u.figures));
            sheet.row(row);
        }
        let mut total = vec!["全县".into(), a.schools_reporting.into()];
        total.extend(figure_cells(&a.totals));
        sheet.row(total);
        if !units.is_empty() {
            // The units side by side (the county's total row is left out).
            sheet.charts.push(RateChart {
                title: format!("{title}帮扶覆盖率"),
                horizontal: false,
                categories: 0,
                values: rate_columns(2),
                rows: (1, units.len() as u32),
                at: (units.len() as u32 + 3, 0),
            });
        }
        sheets.push(sheet);
    }

    let mut schools = Sheet::new("按学校");
    let mut heading = vec!["学校代码", "学校名称", "镇", "督学责任区", "导出时间（UTC）"];
    heading.extend(FIGURE_HEADINGS);
    schools.heading(&heading);
    for l in &a.by_school {
        let mut row: Vec<Cell> = vec![
            l.school.code.clone().into(),
            l.school.name.clone().into(),
            or_unknown(&l.school.town).into(),
            or_unknown(&l.school.district).into(),
            l.exported_at.clone().into(),
        ];
        row.extend(figure_cells(&l.figures));
        schools.row(row);
    }
    sheets.push(schools);

    // The schools from the lowest coverage to the highest, as a bar chart beside them.
    let mut ranked = Sheet::new("各校覆盖率排序");
    ranked.heading(&["学校代码", "学校名称", "镇", "建档立卡等学生", "结对率", "计划覆盖率", "家访覆盖率"]);
    let mut order: Vec<_> = a.by_school.iter().collect();
    order.sort_by(|x, y| coverage_share(&x.figures).total_cmp(&coverage_share(&y.figures)).then_with(|| x.school.code.cmp(&y.school.code)));
    for l in &order {
        let c = &l.figures.coverage;
        ranked.row(vec![
            l.school.code.clone().into(),
            l.school.name.clone().into(),
            or_unknown(&l.school.town).into(),
            c.students.into(),
            Cell::Rate(c.paired, c.students),
            Cell::Rate(c.with_plan, c.students),
            Cell::Rate(c.visited, c.students),
        ]);
    }
    if !order.is_empty() {
        ranked.charts.push(RateChart {
            title: "各校帮扶覆盖率（低的在前）".into(),
            horizontal: true,
            categories: 1,
            values: vec![4, 5, 6],
            rows: (1, order.len() as u32),
            at: (0, 8),
        });
    }
    sheets.push(ranked);

    let mut dups = Sheet::new("跨校重复");
    dups.heading(&["身份证号（脱敏）", "学校代码", "学校名称", "姓名", "学段", "年级", "班级"]);
    for d in &a.duplicates {
        for e in &d.entries {
            dups.row(vec![
                d.masked_id.clone().into(),
                e.school_code.clone().into(),
                e.school_name.clone().into(),
                e.name.clone().into(),
                crate::summary::stage_zh(&e.stage).into(),
                e.grade.map(Cell::Int).unwrap_or(Cell::Empty),
                e.class_name.clone().into(),
            ]);
        }
    }
    sheets.push(dups);

    let mut missing = Sheet::new("未报送学校");
    missing.heading(&["学校代码", "学校名称", "镇", "督学责任区"]);
    for s in &a.missing {
        missing.row(vec![s.code.clone().into(), s.name.clone().into(), s.town.clone().into(), s.district.clone().into()]);
    }
    sheets.push(missing);
    xlsx::workbook(&sheets)
}

/// Writes the county workbook for `term` to `path` (a place the user chose).
pub fn write_report(store: &Store, term: Term, path: &Path) -> Result<CountyAggregate> {
    let a = aggregate(store, term)?;
    crate::file::write(path, &report_workbook(&a)?)?;
    Ok(a)
}
