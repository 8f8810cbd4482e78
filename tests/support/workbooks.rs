//! Spreadsheets shaped as county and school offices make them, for the CLI and window tests:
//! a roster with a sheet per grade behind an instructions sheet, the same on one sheet, the
//! registered-poor list with each household's cells merged over its members, ID numbers
//! typed into General cells (numbers that lost their last digits), the same saved as CSV.

use std::path::Path;
use std::process::Command;

use chrono::NaiveDate;
use huka_core::ResidentId;
use rust_xlsxwriter::{Format, Workbook, Worksheet};

pub const GRADES: [&str; 6] = ["一年级", "二年级", "三年级", "四年级", "五年级", "六年级"];
const HEADER: [&str; 8] = ["序号", "姓名", "性别", "身份证号", "全国学籍号", "年级", "班级", "联系电话"];

/// A student of the generated school.
#[derive(Debug, Clone)]
pub struct Student {
    pub grade: usize,
    pub name: String,
    pub resident_id: String,
    pub phone: String,
}

/// A valid ID number for `n`, born in the year of `grade`; the rare ones ending in 000 (which
/// an import takes for a number that lost digits) are made in the next county.
pub fn resident_id(n: usize, grade: usize) -> String {
    let birth = NaiveDate::from_ymd_opt(2019 - grade as i32, 1, 1).unwrap() + chrono::Days::new((n % 300) as u64);
    let seq = (n / 300 % 500) as u16 * 2 + 1;
    let id = ResidentId::compose("610921", birth, seq).as_str().to_string();
    if id.ends_with("000") {
        ResidentId::compose("610922", birth, seq).as_str().to_string()
    } else {
        id
    }
}

/// `per_grade[g]` students in each grade g (the real counts differ grade to grade).
pub fn school(per_grade: [usize; 6]) -> Vec<Student> {
    let mut out = Vec::new();
    for (grade, count) in per_grade.iter().enumerate() {
        for _ in 0..*count {
            let n = out.len();
            out.push(Student { grade, name: format!("学生{n}"), resident_id: resident_id(n, grade), phone: format!("138{:08}", n) });
        }
    }
    out
}

fn cells(serial: usize, s: &Student) -> [String; 8] {
    let gender = if s.resident_id.as_bytes()[16] % 2 == 1 { "男" } else { "女" };
    [
        serial.to_string(),
        s.name.clone(),
        gender.into(),
        s.resident_id.clone(),
        format!("G{}", s.resident_id),
        GRADES[s.grade].into(),
        "1班".into(),
        s.phone.clone(),
    ]
}

/// How the ID numbers are in the cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ids {
    /// Text, as the registration system exports them.
    Text,
    /// Typed into General cells: numbers, 15 significant digits kept (an ID ending in X stays text).
    Numbers,
}

fn write_row(sheet: &mut Worksheet, r: u32, cells: &[String], ids: Ids) {
    for (c, v) in cells.iter().enumerate() {
        match (ids, c, v.parse::<f64>()) {
            (Ids::Numbers, 3, Ok(n)) => sheet.write_number(r, c as u16, n).unwrap(),
            (_, 0, Ok(n)) => sheet.write_number(r, c as u16, n).unwrap(),
            _ => sheet.write_string(r, c as u16, v).unwrap(),
        };
    }
}

fn header(sheet: &mut Worksheet, r: u32) {
    for (c, h) in HEADER.iter().enumerate() {
        sheet.write_string(r, c as u16, *h).unwrap();
    }
}

/// The whole school on one sheet under a title.
pub fn single_sheet_roster(students: &[Student], path: &Path) {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet().set_name("学生名册").unwrap();
    sheet.merge_range(0, 0, 0, 7, "涧池镇中心小学学生名册", &Format::new()).unwrap();
    header(sheet, 1);
    for (i, s) in students.iter().enumerate() {
        write_row(sheet, 2 + i as u32, &cells(i + 1, s), Ids::Text);
    }
    book.save(path).unwrap();
}

/// 填表说明 in front, then a sheet per grade (a title merged across, its own header, the rows,
/// a 合计 row, a merged note), and a hidden lookup sheet at the back.
pub fn per_grade_roster(students: &[Student], ids: Ids, path: &Path) {
    let mut book = Workbook::new();
    let info = book.add_worksheet().set_name("填表说明").unwrap();
    for (r, line) in ["填表说明", "1. 每个年级一张表", "2. 身份证号：18位，请先把该列设为文本"].iter().enumerate() {
        info.write_string(r as u32, 0, *line).unwrap();
    }
    for (g, grade) in GRADES.iter().enumerate() {
        let sheet = book.add_worksheet().set_name(*grade).unwrap();
        sheet.merge_range(0, 0, 0, 7, &format!("涧池镇中心小学 {grade} 学生名册"), &Format::new()).unwrap();
        header(sheet, 2);
        let mut r = 3;
        for (n, s) in students.iter().filter(|s| s.grade == g).enumerate() {
            write_row(sheet, r, &cells(n + 1, s), ids);
            r += 1;
        }
        sheet.write_string(r, 0, "合计").unwrap();
        sheet.write_string(r, 1, format!("{} 人", r - 3)).unwrap();
        sheet.merge_range(r + 2, 0, r + 2, 7, "注：本表由学籍系统导出，请勿修改格式。", &Format::new()).unwrap();
    }
    let lookup = book.add_worksheet().set_name("数据字典").unwrap();
    for (r, v) in ["男", "女", "住校", "走读"].iter().enumerate() {
        lookup.write_string(r as u32, 0, *v).unwrap();
    }
    lookup.set_hidden(true);
    book.save(path).unwrap();
}

/// The per-grade roster as old Excel wrote it (.xls, through Python's xlwt): the same sheets,
/// titles merged with `write_merge`. False when xlwt is missing.
pub fn per_grade_roster_xls(students: &[Student], path: &Path) -> bool {
    let sheets: Vec<(String, Vec<[String; 8]>)> = GRADES
        .iter()
        .enumerate()
        .map(|(g, name)| (name.to_string(), students.iter().filter(|s| s.grade == g).enumerate().map(|(n, s)| cells(n + 1, s)).collect()))
        .collect();
    let script = r#"
import json, sys, xlwt
sheets, header = json.loads(sys.argv[1]), json.loads(sys.argv[2])
book = xlwt.Workbook(encoding="utf-8")
info = book.add_sheet("填表说明")
info.write(0, 0, "填表说明")
info.write(1, 0, "1. 每个年级一张表")
for name, rows in sheets:
    sheet = book.add_sheet(name)
    sheet.write_merge(0, 0, 0, 7, "涧池镇中心小学 " + name + " 学生名册")
    for c, h in enumerate(header):
        sheet.write(2, c, h)
    for r, cells in enumerate(rows):
        for c, v in enumerate(cells):
            sheet.write(3 + r, c, float(v) if c == 0 else v)
    sheet.write(3 + len(rows), 0, "合计")
book.save(sys.argv[3])
"#;
    Command::new("python3")
        .args(["-c", script, &serde_json::to_string(&sheets).unwrap(), &serde_json::to_string(&HEADER).unwrap()])
        .arg(path)
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Excel's CSV of the roster typed into General cells: ID numbers as `6.10921E+17`.
pub fn roster_csv_saved_by_excel(students: &[Student], path: &Path) {
    let mut text = HEADER.join(",") + "\n";
    for (i, s) in students.iter().enumerate() {
        let mut c = cells(i + 1, s);
        if let Ok(n) = c[3].parse::<f64>() {
            c[3] = format!("{n:.5E}").replace('E', "E+");
        }
        text.push_str(&c.join(","));
        text.push('\n');
    }
    let bytes = encoding_rs::GBK.encode(&text).0.into_owned();
    std::fs::write(path, bytes).unwrap();
}

/// A household of the registered-poor list: number and (relation, name, ID number) of each member.
pub struct Household {
    pub number: String,
    pub members: Vec<(&'static str, String, String)>,
}

/// `count` households of one to four people.
pub fn households(count: usize) -> Vec<Household> {
    (0..count)
        .map(|h| {
            let mut members = vec![("户主", format!("户主{h}"), resident_id(5000 + h * 4, 30))];
            for k in 1..=(h % 4) {
                members.push(("之子", format!("子女{h}-{k}"), resident_id(5000 + h * 4 + k, 2)));
            }
            Household { number: format!("6109210010{h:03}"), members }
        })
        .collect()
}

/// 家庭人口 as the 建档立卡 system registers it: one more than the members listed here (a
/// member the school does not list), as real lists often have.
pub fn family_size(h: &Household) -> usize {
    h.members.len() + 1
}

/// The registered-poor list: a title, a two-row header (the household's columns merged down,
/// the members' under one heading), and — when `merged` — each household's number, head,
/// town, village, status, phone and 家庭人口 merged over its members' rows, as most county
/// lists are.
pub fn poverty_list(households: &[Household], merged: bool, path: &Path) {
    let mut book = Workbook::new();
    poverty_sheet(&mut book, households, merged);
    book.save(path).unwrap();
}

/// One workbook with the 建档立卡 sheet (merged) and the 花名册 sheet (merged) of the same
/// families, in this order or the other.
pub fn both_lists(households: &[Household], student_list_first: bool, path: &Path) {
    let mut book = Workbook::new();
    if student_list_first {
        student_sheet(&mut book, households, true);
        poverty_sheet(&mut book, households, true);
    } else {
        poverty_sheet(&mut book, households, true);
        student_sheet(&mut book, households, true);
    }
    book.save(path).unwrap();
}

fn poverty_sheet(book: &mut Workbook, households: &[Household], merged: bool) {
    let sheet = book.add_worksheet().set_name("建档立卡户").unwrap();
    let f = Format::new();
    sheet.merge_range(0, 0, 0, 9, "汉阴县涧池镇建档立卡贫困户花名册", &f).unwrap();
    for (c, h) in [(0u16, "户编号"), (1, "户主姓名"), (2, "镇"), (3, "村"), (4, "贫困户属性"), (5, "联系电话"), (9, "家庭人口")] {
        sheet.merge_range(1, c, 2, c, h, &f).unwrap();
    }
    sheet.merge_range(1, 6, 1, 8, "家庭成员情况", &f).unwrap();
    for (c, h) in [(6u16, "与户主关系"), (7, "姓名"), (8, "身份证号")] {
        sheet.write_string(2, c, h).unwrap();
    }
    let mut r = 3u32;
    for (i, h) in households.iter().enumerate() {
        let (first, last) = (r, r + h.members.len() as u32 - 1);
        let values = [h.number.clone(), h.members[0].1.clone(), "涧池镇".into(), "仁河村".into(), "一般贫困户".into(), format!("1389150{i:04}")];
        let size = family_size(h).to_string();
        for (c, v) in values.iter().enumerate().chain([(9, &size)]) {
            if merged && last > first {
                sheet.merge_range(first, c as u16, last, c as u16, v, &f).unwrap();
            } else {
                for row in first..=last {
                    sheet.write_string(row, c as u16, v).unwrap();
                }
            }
        }
        for (k, (relation, name, rid)) in h.members.iter().enumerate() {
            let row = first + k as u32;
            sheet.write_string(row, 6, *relation).unwrap();
            sheet.write_string(row, 7, name).unwrap();
            sheet.write_string(row, 8, rid).unwrap();
        }
        r = last + 1;
    }
}

/// The merged list as old Excel wrote it (.xls through xlwt's `write_merge`). False when
/// xlwt is missing.
pub fn poverty_list_xls(households: &[Household], path: &Path) -> bool {
    let data: Vec<serde_json::Value> = households.iter().map(|h| serde_json::json!([h.number, h.members])).collect();
    let script = r#"
import json, sys, xlwt
households = json.loads(sys.argv[1])
book = xlwt.Workbook(encoding="utf-8")
sheet = book.add_sheet("建档立卡户")
sheet.write_merge(0, 0, 0, 9, "汉阴县涧池镇建档立卡贫困户花名册")
for c, h in enumerate(["户编号", "户主姓名", "镇", "村", "贫困户属性", "联系电话"]):
    sheet.write_merge(1, 2, c, c, h)
sheet.write_merge(1, 2, 9, 9, "家庭人口")
sheet.write_merge(1, 1, 6, 8, "家庭成员情况")
for c, h in [(6, "与户主关系"), (7, "姓名"), (8, "身份证号")]:
    sheet.write(2, c, h)
r = 3
for i, (number, members) in enumerate(households):
    last = r + len(members) - 1
    for c, v in list(enumerate([number, members[0][1], "涧池镇", "仁河村", "一般贫困户", "1389150%04d" % i])) + [(9, str(len(members) + 1))]:
        if last > r:
            sheet.write_merge(r, last, c, c, v)
        else:
            sheet.write(r, c, v)
    for k, (relation, name, rid) in enumerate(members):
        sheet.write(r + k, 6, relation)
        sheet.write(r + k, 7, name)
        sheet.write(r + k, 8, rid)
    r = last + 1
book.save(sys.argv[2])
"#;
    Command::new("python3")
        .args(["-c", script, &serde_json::to_string(&data).unwrap()])
        .arg(path)
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// The aid office's 贫困学生花名册 header: one row per student, the household in the same row,
/// no household number; the guardian's ID number is not the student's nor the head's.
pub const STUDENT_LIST_HEADER: [&str; 13] =
    ["序号", "学生姓名", "学生身份证号", "年级", "班级", "户主姓名", "户主身份证号", "与户主关系", "贫困户类别", "家庭人口", "联系电话", "家庭住址", "监护人身份证号"];

/// The rows of the 花名册 of these households: each child of a household is a student (a
/// household with no child is not on it), the household's columns repeated on each.
pub fn student_list_rows(households: &[Household]) -> Vec<[String; 13]> {
    let mut out = Vec::new();
    for (i, h) in households.iter().enumerate() {
        let (_, head, head_id) = &h.members[0];
        for (relation, name, rid) in h.members.iter().skip(1) {
            let grade = (out.len() % 6) + 1;
            out.push([
                (out.len() + 1).to_string(),
                name.clone(),
                rid.clone(),
                GRADES[grade - 1].to_string(),
                format!("{}班", i % 2 + 1),
                head.clone(),
                head_id.clone(),
                relation.to_string(),
                "建档立卡贫困户".to_string(),
                family_size(h).to_string(),
                format!("1389150{i:04}"),
                "汉阴县涧池镇仁河村三组".to_string(),
                // The guardian is the head: a number the import must not take for the student's.
                head_id.clone(),
            ]);
        }
    }
    out
}

/// The 花名册 as the aid office sends it: a title merged over the table, the header, and each
/// household's columns (户主姓名 … 家庭住址) merged over its students' rows when `merged`.
pub fn student_list(households: &[Household], merged: bool, path: &Path) {
    let mut book = Workbook::new();
    student_sheet(&mut book, households, merged);
    book.save(path).unwrap();
}

fn student_sheet(book: &mut Workbook, households: &[Household], merged: bool) {
    let sheet = book.add_worksheet().set_name("贫困学生花名册").unwrap();
    let f = Format::new();
    sheet.merge_range(0, 0, 0, 12, "涧池镇中心小学 2026年秋季学期 贫困学生花名册", &f).unwrap();
    for (c, h) in STUDENT_LIST_HEADER.iter().enumerate() {
        sheet.write_string(1, c as u16, *h).unwrap();
    }
    let rows = student_list_rows(households);
    let mut r = 2u32;
    let mut k = 0;
    while k < rows.len() {
        let same = rows[k..].iter().take_while(|x| x[6] == rows[k][6]).count();
        for (j, row) in rows[k..k + same].iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let household_column = (5..=11).contains(&c) && c != 7;
                if merged && household_column && same > 1 {
                    if j == 0 {
                        sheet.merge_range(r, c as u16, r + same as u32 - 1, c as u16, v, &f).unwrap();
                    }
                } else {
                    sheet.write_string(r + j as u32, c as u16, v).unwrap();
                }
            }
        }
        r += same as u32;
        k += same;
    }
    sheet.write_string(r + 1, 0, "制表人：李老师").unwrap();
}

/// The 花名册 saved as CSV by a Chinese Excel: GBK, the household's columns on every row.
pub fn student_list_csv(households: &[Household], path: &Path) {
    let mut text = STUDENT_LIST_HEADER.join(",") + "\n";
    for row in student_list_rows(households) {
        text.push_str(&row.join(","));
        text.push('\n');
    }
    std::fs::write(path, encoding_rs::GBK.encode(&text).0.into_owned()).unwrap();
}
