//! Workbooks shaped as county and school offices really make them: one sheet per grade with
//! an instructions sheet in front, merged household cells, ID numbers stored as numbers, the
//! same saved as CSV by Excel. Every data row of every sheet gets exactly one outcome.

use chrono::NaiveDate;
use proptest::prelude::*;
use rust_xlsxwriter::{Chart, ChartType, Format, FormatAlign, Workbook, Worksheet};

use super::*;
use crate::household::{self, HouseholdStatus};
use crate::resident_id::ResidentId;

const GRADES: [&str; 6] = ["一年级", "二年级", "三年级", "四年级", "五年级", "六年级"];
const HEADER: [&str; 8] = ["序号", "姓名", "性别", "身份证号", "全国学籍号", "年级", "班级", "联系电话"];

/// A valid ID number. The few that end in 000 (refused as numbers that lost their digits) are
/// made in another county instead, so that no two `n` give the same number.
fn id(n: usize) -> String {
    let birth = NaiveDate::from_ymd_opt(2013, 1, 1).unwrap() + chrono::Days::new((n / 400) as u64);
    let seq = (n % 400) as u16 * 2 + 1;
    let id = ResidentId::compose("610921", birth, seq).as_str().to_string();
    if id.ends_with("000") {
        ResidentId::compose("610922", birth, seq).as_str().to_string()
    } else {
        id
    }
}

/// A school's students: (grade index, name, ID number, phone), `per_grade` in each grade.
fn students(per_grade: usize) -> Vec<(usize, String, String, String)> {
    (0..6 * per_grade).map(|i| (i / per_grade, format!("学生{i}"), id(i), format!("138{:08}", i))).collect()
}

fn row_cells(n: usize, s: &(usize, String, String, String)) -> [String; 8] {
    let (g, name, rid, phone) = s;
    let gender = if rid.as_bytes()[16] % 2 == 1 { "男" } else { "女" };
    [n.to_string(), name.clone(), gender.into(), rid.clone(), format!("G{rid}"), GRADES[*g].into(), "1班".into(), phone.clone()]
}

fn write_row(sheet: &mut Worksheet, r: u32, cells: &[String], ids_as_numbers: bool) {
    for (c, v) in cells.iter().enumerate() {
        // An ID number ending in X stays text; the others become numbers.
        if let (true, 3, Ok(n)) = (ids_as_numbers, c, v.parse::<f64>()) {
            sheet.write_number(r, c as u16, n).unwrap();
        } else {
            sheet.write_string(r, c as u16, v).unwrap();
        }
    }
}

fn header(sheet: &mut Worksheet, r: u32) {
    for (c, h) in HEADER.iter().enumerate() {
        sheet.write_string(r, c as u16, *h).unwrap();
    }
}

/// The whole school on one sheet: a title, the header, the rows.
fn single_sheet(students: &[(usize, String, String, String)]) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet().set_name("学生名册").unwrap();
    sheet.write_string(0, 0, "涧池镇中心小学学生名册").unwrap();
    header(sheet, 1);
    for (i, s) in students.iter().enumerate() {
        write_row(sheet, 2 + i as u32, &row_cells(i + 1, s), false);
    }
    book.save_to_buffer().unwrap()
}

/// The most common roster: an instructions sheet in front, then one sheet per grade, each with
/// a title merged across the table, its own header, a 合计 row and a note under it; a hidden
/// lookup sheet and a chart sheet at the back.
fn per_grade(students: &[(usize, String, String, String)], ids_as_numbers: bool) -> Vec<u8> {
    let mut book = Workbook::new();
    let info = book.add_worksheet().set_name("填表说明").unwrap();
    for (r, line) in ["填表说明", "1. 姓名：填写学生姓名", "2. 身份证号：18位，设为文本格式", "3. 每个年级一张表"].iter().enumerate() {
        info.write_string(r as u32, 0, *line).unwrap();
    }
    let title = Format::new().set_align(FormatAlign::Center);
    for (g, grade) in GRADES.iter().enumerate() {
        let sheet = book.add_worksheet().set_name(*grade).unwrap();
        sheet.merge_range(0, 0, 0, 7, &format!("涧池镇中心小学 {grade} 学生名册"), &title).unwrap();
        header(sheet, 2);
        let mut r = 3;
        for (n, s) in students.iter().filter(|s| s.0 == g).enumerate() {
            write_row(sheet, r, &row_cells(n + 1, s), ids_as_numbers);
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
    let mut chart = Chart::new(ChartType::Column);
    chart.add_series().set_values("='一年级'!$A$4:$A$6");
    book.add_chartsheet().set_name("人数图").unwrap().insert_chart(0, 0, &chart).unwrap();
    book.save_to_buffer().unwrap()
}

/// The roster as a holder reads it (the numbers opened), by number.
fn roster_names(store: &Store) -> Vec<(String, String, Option<i64>)> {
    let mut rows: Vec<_> = crate::registration::all_by_digest(store.conn(), store.second()).unwrap().into_values().map(|(_, r)| (r.resident_id, r.name, r.grade)).collect();
    rows.sort();
    rows
}

fn import(store: &mut Store, kind: ImportKind, bytes: &[u8], choices: &Choices) -> ImportReport {
    apply(store, kind, bytes, choices, None, &mut |_, _| {}).unwrap()
}

fn check_sum(r: &ImportReport) {
    assert_eq!(r.imported + r.updated + r.unchanged + r.rejected, r.rows, "{r:?}");
}

#[test]
fn a_per_grade_workbook_imports_every_sheet_and_equals_the_single_sheet_file() {
    let school = students(16);
    let mut one = Store::open_in_memory(&crate::SCHEMA).unwrap();
    let single = import(&mut one, ImportKind::Roster, &single_sheet(&school), &Choices::default());
    assert_eq!((single.rows, single.imported, single.rejected), (96, 96, 0));

    let mut many = Store::open_in_memory(&crate::SCHEMA).unwrap();
    let file = per_grade(&school, false);
    let p = preview(&many, ImportKind::Roster, &file, &Choices::default()).unwrap();
    let r = &p.report;
    check_sum(r);
    assert_eq!((r.rows, r.imported, r.rejected), (96, 96, 0), "{:#?}", r.errors);
    let statuses: Vec<(&str, SheetStatus)> = r.sheets.iter().map(|s| (s.name.as_str(), s.status)).collect();
    assert_eq!(
        statuses,
        [
            ("填表说明", SheetStatus::NoHeader),
            ("一年级", SheetStatus::Imported),
            ("二年级", SheetStatus::Imported),
            ("三年级", SheetStatus::Imported),
            ("四年级", SheetStatus::Imported),
            ("五年级", SheetStatus::Imported),
            ("六年级", SheetStatus::Imported),
            ("数据字典", SheetStatus::NoHeader),
            ("人数图", SheetStatus::NotAWorksheet),
        ]
    );
    assert_eq!(r.sheets[0].message, "跳过：填表说明 — 没有表头");
    assert_eq!(r.sheets[2].message, "二年级：第 3 行是表头，16 行数据");
    assert!(r.sheets[1..7].iter().all(|s| s.rows == 16 && s.header_row == Some(3)));
    // Every sheet's 合计 row and note are listed as skipped, with the sheet in the reference.
    assert_eq!(r.skipped.len(), 12, "{:#?}", r.skipped);
    assert_eq!(r.skipped[0].reference, "一年级!20");
    assert_eq!(r.skipped[0].code, "total");
    assert_eq!(r.skipped[1].code, "heading", "the note is merged across the table");
    assert_eq!(p.outcomes.len(), 96);
    assert_eq!(p.outcomes["二年级!4"], Outcome::New);

    import(&mut many, ImportKind::Roster, &file, &Choices::default());
    assert_eq!(roster_names(&one), roster_names(&many), "the same students as the one-sheet file");
}

#[test]
fn sheets_can_be_chosen_and_hidden_ones_are_left_out_unless_chosen() {
    let school = students(3);
    let file = per_grade(&school, false);
    let store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    let only = |names: &[&str]| Choices { overrides: Overrides::new(), sheets: Some(names.iter().map(|s| s.to_string()).collect()) };
    let r = dry_run(&store, ImportKind::Roster, &file, &only(&["二年级", "五年级"])).unwrap();
    assert_eq!(r.rows, 6);
    assert_eq!(r.sheets.iter().filter(|s| s.status == SheetStatus::Excluded).count(), 4);
    assert_eq!(r.sheets[1].message, "跳过：一年级 — 未选中");

    let e = dry_run(&store, ImportKind::Roster, &file, &only(&["七年级"])).unwrap_err();
    assert!(matches!(e.domain(), Some(ImportError::NoSuchSheet { name, .. }) if name == "七年级"), "{e:?}");
    assert!(e.message(crate::Lang::Zh).contains("一年级、二年级"), "{}", e.message(crate::Lang::Zh));
    assert!(e.is_unreadable_file(), "exit 2 in the CLI");
    let e = dry_run(&store, ImportKind::Roster, &file, &only(&[])).unwrap_err();
    assert_eq!(e.domain(), Some(&ImportError::NoSheetChosen));

    // A hidden sheet with a header (last year's roster, hidden) is listed, not imported.
    let mut book = Workbook::new();
    let shown = book.add_worksheet().set_name("本学期").unwrap();
    header(shown, 0);
    write_row(shown, 1, &row_cells(1, &school[0]), false);
    let old = book.add_worksheet().set_name("上学期").unwrap();
    header(old, 0);
    write_row(old, 1, &row_cells(1, &school[1]), false);
    old.set_hidden(true);
    let file = book.save_to_buffer().unwrap();
    let p = preview(&store, ImportKind::Roster, &file, &Choices::default()).unwrap();
    assert_eq!(p.report.rows, 1);
    assert_eq!(p.sheets[1].summary.status, SheetStatus::Hidden);
    assert!(p.sheets[1].summary.hidden);
    assert_eq!(p.report.sheets[1].message, "跳过：上学期 — 隐藏的工作表（勾选后可导入）");
    assert_eq!(dry_run(&store, ImportKind::Roster, &file, &only(&["本学期", "上学期"])).unwrap().rows, 2);
}

/// The poverty list as counties make it: title and a two-row header with merged cells, each
/// household's number, head, address, status and phone merged over its members' rows.
fn poverty_list(merged: bool) -> Vec<u8> {
    type Household = (String, Vec<(&'static str, String, String)>); // number; relation, name, ID
    let households: Vec<Household> = (0..40)
        .map(|h| {
            let head = format!("户主{h}");
            let mut people = vec![("户主", head.clone(), id(1000 + h * 4))];
            for k in 1..=(h % 4) {
                people.push(("之子", format!("子{h}-{k}"), id(1000 + h * 4 + k)));
            }
            (format!("61092100{h:03}"), people)
        })
        .collect();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet().set_name("建档立卡户").unwrap();
    let f = Format::new();
    sheet.merge_range(0, 0, 0, 10, "汉阴县涧池镇建档立卡贫困户花名册", &f).unwrap();
    // Row 2–3: a two-row header. The household's columns merge down over both rows; the
    // members' columns sit under one merged heading.
    let household_cols = [(0u16, "户编号"), (1, "户主姓名"), (2, "镇"), (3, "村"), (4, "贫困户属性"), (5, "联系电话")];
    for (c, h) in household_cols {
        sheet.merge_range(1, c, 2, c, h, &f).unwrap();
    }
    sheet.merge_range(1, 6, 1, 8, "家庭成员情况", &f).unwrap();
    for (c, h) in [(6u16, "与户主关系"), (7, "姓名"), (8, "身份证号")] {
        sheet.write_string(2, c, h).unwrap();
    }
    let mut r = 3u32;
    for (number, people) in &households {
        let first = r;
        let last = r + people.len() as u32 - 1;
        let values = [number.clone(), people[0].1.clone(), "涧池镇".into(), "仁河村".into(), "一般贫困户".into(), format!("1389150{:04}", r)];
        for (c, v) in values.iter().enumerate() {
            if merged && last > first {
                sheet.merge_range(first, c as u16, last, c as u16, v, &f).unwrap();
            } else {
                for row in first..=last {
                    sheet.write_string(row, c as u16, v).unwrap();
                }
            }
        }
        for (i, (relation, name, rid)) in people.iter().enumerate() {
            let row = first + i as u32;
            sheet.write_string(row, 6, *relation).unwrap();
            sheet.write_string(row, 7, name).unwrap();
            sheet.write_string(row, 8, rid).unwrap();
        }
        r = last + 1;
    }
    book.save_to_buffer().unwrap()
}

fn cards(store: &Store) -> Vec<(String, String, String, String, String)> {
    store
        .conn()
        .prepare(
            "SELECT h.household_number, h.head_name, h.village, m.name, m.resident_id FROM member m
             JOIN household h ON h.id = m.household_id WHERE m.deleted_at IS NULL ORDER BY m.resident_id",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

#[test]
fn merged_household_cells_read_as_the_unmerged_list() {
    let mut plain = Store::open_in_memory(&crate::SCHEMA).unwrap();
    let a = import(&mut plain, ImportKind::Households, &poverty_list(false), &Choices::default());
    let mut merged = Store::open_in_memory(&crate::SCHEMA).unwrap();
    let p = preview(&merged, ImportKind::Households, &poverty_list(true), &Choices::default()).unwrap();
    assert_eq!(p.sheets[0].mapping.as_ref().unwrap().header_row, 3, "the second header row, with the merged heads filled in");
    let b = import(&mut merged, ImportKind::Households, &poverty_list(true), &Choices::default());
    check_sum(&b);
    assert_eq!((b.rows, b.rejected), (a.rows, 0), "{:#?}", b.errors);
    assert_eq!(a.rows, 100);
    assert_eq!(cards(&plain), cards(&merged));
    assert_eq!(crate::household::all(merged.conn()).unwrap().len(), 40);
}

/// The merged list saved as CSV keeps the household's values on its first row only: members'
/// rows take them from above, and the report says so; a head never joins the household above.
#[test]
fn a_merged_list_saved_as_csv_fills_members_from_their_household_row() {
    let text = format!(
        "户编号,户主姓名,村,与户主关系,姓名,身份证号\n\
         610921001,王建国,仁河村,户主,王建国,{}\n\
         ,,,之子,王小明,{}\n\
         ,,,之女,王小红,{}\n\
         610921002,李四,五爱村,户主,李四,{}\n\
         ,,,户主,张三,{}\n",
        id(1),
        id(2),
        id(3),
        id(4),
        id(5)
    );
    let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    let r = import(&mut store, ImportKind::Households, text.as_bytes(), &Choices::default());
    assert_eq!((r.rows, r.imported, r.rejected), (5, 4, 1), "{r:#?}");
    assert_eq!(r.errors[0].row, 6);
    assert_eq!(r.errors[0].column, "户编号", "a second head is not put in the household above");
    assert_eq!(r.columns.len(), 1);
    assert_eq!((r.columns[0].code.as_str(), r.columns[0].rows), ("filled_down", 2));
    assert!(r.columns[0].message.contains("请核对"));
    let c = cards(&store);
    assert!(c.iter().filter(|m| m.3.starts_with("王小")).all(|m| m.0 == "610921001" && m.2 == "仁河村"), "{c:?}");
}

#[test]
fn ids_stored_as_numbers_are_never_imported_and_the_report_leads_with_the_column() {
    let school = students(12);
    let with_x = school.iter().filter(|s| s.2.ends_with('X')).count();
    assert!(with_x > 0 && with_x < 20, "some ID numbers end in X and stay text: {with_x}");
    let lost = 72 - with_x;
    let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    let r = import(&mut store, ImportKind::Roster, &per_grade(&school, true), &Choices::default());
    check_sum(&r);
    assert_eq!((r.rows, r.imported, r.rejected), (72, with_x, lost));
    assert!(r.errors.iter().all(|e| e.code == "digits_lost" && e.column == "身份证号"), "{:#?}", r.errors);
    assert!(r.errors[0].message.starts_with("身份证号被存成了数字，后几位已丢失：请把该列设为文本，从学籍系统重新导出"));
    assert_eq!(r.columns.len(), 1, "one sentence about the column");
    let c = &r.columns[0];
    assert_eq!((c.rows, c.of, c.sheets.len()), (lost, 72, 6));
    assert!(
        c.message.starts_with(&format!("“身份证号”列（一年级、二年级、三年级、四年级、五年级、六年级）有 {lost} 行（共 72 行）")),
        "{}",
        c.message
    );
    assert_eq!(r.row_errors_not_in_columns().count(), 0, "the rows are summed up by the sentence");
    // Only the ID numbers that were text are on the roster: none derived from a number.
    let imported: Vec<String> = roster_names(&store).into_iter().map(|(rid, _, _)| rid).collect();
    assert_eq!(imported.len(), with_x);
    assert!(imported.iter().all(|rid| rid.ends_with('X')));
}

#[test]
fn the_same_file_saved_as_csv_by_excel_is_refused_for_the_real_cause() {
    // Excel writes a number in a General cell as it shows it: 6.10921E+17.
    let mut text = String::from("序号,姓名,身份证号,年级\n");
    for i in 0..20 {
        let digits = id(i);
        let shown = match digits.parse::<f64>() {
            Ok(n) => format!("{n:.5E}").replace('E', "E+"),
            Err(_) => digits, // ends in X: Excel keeps it as text
        };
        text.push_str(&format!("{},学生{i},{shown},三年级\n", i + 1));
    }
    text.push_str(&format!("21,学生21,{},三年级\n", id(21)));
    let store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    let r = dry_run(&store, ImportKind::Roster, text.as_bytes(), &Choices::default()).unwrap();
    let lost = (0..20).filter(|i| !id(*i).ends_with('X')).count();
    assert_eq!((r.rows, r.imported, r.rejected), (21, 21 - lost, lost));
    assert!(r.errors.iter().all(|e| e.code == "digits_lost" && !e.message.contains("位，现在是")), "{:#?}", r.errors);
    assert_eq!(r.columns.len(), 1);
    assert!(r.columns[0].message.starts_with(&format!("“身份证号”列有 {lost} 行（共 21 行）")), "{}", r.columns[0].message);
    assert!(!r.errors[0].reference.contains('!'), "a CSV file has no sheet name");
}

#[test]
fn a_few_lost_numbers_are_row_errors_and_phones_and_student_numbers_too() {
    let text = format!(
        "姓名,身份证号,全国学籍号,联系电话\n\
         甲,{},G{},13891501234\n\
         乙,{},6.10921E+17,13891501234\n\
         丙,{},,1.38915E+10\n\
         丁,{},,9155212345\n",
        id(1),
        id(1),
        id(2),
        id(3),
        id(4)
    );
    let store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    let r = dry_run(&store, ImportKind::Roster, text.as_bytes(), &Choices::default()).unwrap();
    assert_eq!((r.rows, r.imported, r.rejected), (4, 1, 3), "{:#?}", r.errors);
    let codes: Vec<(&str, &str)> = r.errors.iter().map(|e| (e.reference.as_str(), e.code.as_str())).collect();
    assert_eq!(codes, [("3", "digits_lost"), ("4", "digits_lost"), ("5", "bad_phone")], "a CSV file cannot tell a lost leading 0");
    assert!(r.errors[0].message.starts_with("全国学籍号被存成了数字"));
    assert!(r.errors[1].message.starts_with("电话号码被存成了数字，后几位已丢失"));
    assert!(r.columns.is_empty(), "one row of two or four with a value is not most of the column");
    // Phones as numbers, in an xlsx file: a landline that lost its leading 0.
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["姓名", "身份证号", "联系电话"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, "甲").unwrap();
    sheet.write_string(1, 1, id(1)).unwrap();
    sheet.write_number(1, 2, 13891501234.0).unwrap();
    sheet.write_string(2, 0, "乙").unwrap();
    sheet.write_string(2, 1, id(2)).unwrap();
    sheet.write_number(2, 2, 9155212345.0).unwrap();
    let r = dry_run(&store, ImportKind::Roster, &book.save_to_buffer().unwrap(), &Choices::default()).unwrap();
    assert_eq!((r.imported, r.rejected), (1, 1));
    assert_eq!((r.errors[0].reference.as_str(), r.errors[0].code.as_str()), ("Sheet1!3", "leading_zero_lost"));
    assert!(r.columns.is_empty(), "one phone of two is not most of the column");
}

#[test]
fn rows_that_are_not_records_are_listed_not_dropped() {
    let text = format!(
        "序号,姓名,身份证号,年级,备注\n\
         1,甲,{},一年级,\n\
         序号,姓名,身份证号,年级,备注\n\
         2,乙,{},一年级,\n\
         3,,,,转学\n\
         4,,,,\n\
         小计,2,,,\n\
         制表人：王老师,,审核人：李校长,,\n",
        id(1),
        id(2)
    );
    let store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    let r = dry_run(&store, ImportKind::Roster, text.as_bytes(), &Choices::default()).unwrap();
    assert_eq!((r.rows, r.imported), (2, 2));
    let skipped: Vec<(&str, &str)> = r.skipped.iter().map(|s| (s.reference.as_str(), s.code.as_str())).collect();
    assert_eq!(skipped, [("3", "header"), ("5", "unmapped"), ("7", "total"), ("8", "note")], "row 6 has only its 序号");
}

fn rounded_to_15_digits(id: &str) -> f64 {
    format!("{:.14e}", id.parse::<f64>().unwrap()).parse().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any valid 18-digit ID number rounded to 15 significant digits — a number cell, the
    /// CSV Excel writes of it, or the digits turned back into text — is refused as such,
    /// never imported, whatever its check character says.
    #[test]
    fn any_id_rounded_to_15_digits_is_refused(days in 0u64..20_000, seq in 0u16..1000) {
        let birth = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap() + chrono::Days::new(days);
        let real = ResidentId::compose("610921", birth, seq).as_str().to_string();
        prop_assume!(!real.ends_with('X'));
        let n = rounded_to_15_digits(&real);
        let as_text = format!("{n}");
        prop_assert_eq!(as_text.len(), 18);
        let short = format!("{:.5E}", n).replace('E', "E+");
        let long = format!("{:.14E}", n);
        let store = Store::open_in_memory(&crate::SCHEMA).unwrap();
        for shown in [&as_text, &short, &long] {
            let file = format!("姓名,身份证号\n甲,{shown}\n");
            let r = dry_run(&store, ImportKind::Roster, file.as_bytes(), &Choices::default()).unwrap();
            prop_assert_eq!((r.imported, r.rejected), (0, 1), "{}", shown);
            prop_assert_eq!(r.errors[0].code.as_str(), "digits_lost");
        }
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "姓名").unwrap();
        sheet.write_string(0, 1, "身份证号").unwrap();
        sheet.write_string(1, 0, "甲").unwrap();
        sheet.write_number(1, 1, n).unwrap();
        let r = dry_run(&store, ImportKind::Roster, &book.save_to_buffer().unwrap(), &Choices::default()).unwrap();
        prop_assert_eq!((r.imported, r.rejected), (0, 1));
    }
}

// ---- A real ID number that ends in 000, judged with its column ------------------------------

/// Valid ID numbers (the check character right) that end in 000, as about one in 1,100 do.
fn ids_ending_in_000(count: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut day = NaiveDate::from_ymd_opt(2013, 1, 1).unwrap();
    while out.len() < count {
        for seq in (100..1000).step_by(100) {
            let id = ResidentId::compose("610921", day, seq).as_str().to_string();
            if id.ends_with("000") && out.len() < count {
                out.push(id);
            }
        }
        day = day + chrono::Days::new(1);
    }
    out
}

/// A school roster with a title row, its ID numbers text, `real` (ending in 000) among them.
fn roster_with(ids: &[String]) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet().set_name("学生名册").unwrap();
    sheet.merge_range(0, 0, 0, 7, "涧池镇中心小学学生名册", &Format::new()).unwrap();
    header(sheet, 1);
    for (i, rid) in ids.iter().enumerate() {
        let s = (i % 6, format!("学生{i}"), rid.clone(), format!("138{:08}", i));
        write_row(sheet, 2 + i as u32, &row_cells(i + 1, &s), false);
    }
    book.save_to_buffer().unwrap()
}

#[test]
fn one_valid_number_ending_in_000_among_text_is_imported() {
    let real = ids_ending_in_000(1).remove(0);
    assert!(ResidentId::parse(&real).is_ok());
    let mut ids: Vec<String> = (0..30).map(id).collect();
    ids.insert(17, real.clone());
    let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    let r = import(&mut store, ImportKind::Roster, &roster_with(&ids), &Choices::default());
    assert_eq!((r.rows, r.imported, r.rejected), (31, 31, 0), "{:#?}", r.errors);
    assert!(roster_names(&store).iter().any(|(rid, _, _)| *rid == real));
    // Its national student number (G + the same digits) is taken too.
    let digest = crate::sealed::digest(store.second().unwrap(), "resident_id", &real);
    let nsn = crate::registration::all_by_digest(store.conn(), store.second()).unwrap().remove(&digest).unwrap().1.national_student_number;
    assert_eq!(nsn, format!("G{real}"));

    // A wrong check character on a number ending in 000 is still refused as lost digits.
    let mut broken = real.clone().into_bytes();
    broken[17] = if broken[17] == b'1' { b'2' } else { b'1' };
    broken.truncate(15);
    broken.extend_from_slice(b"000");
    let broken = String::from_utf8(broken).unwrap();
    if ResidentId::parse(&broken).is_err() {
        ids[17] = broken;
        let r = dry_run(&store, ImportKind::Roster, &roster_with(&ids), &Choices::default()).unwrap();
        assert_eq!(r.rejected, 1);
        assert_eq!(r.errors[0].code, "digits_lost");
    }
}

#[test]
fn a_column_where_most_numbers_end_in_000_is_refused_even_where_the_check_holds() {
    // Numbers turned back into text: every one ends in 000, the few valid ones too.
    let real = ids_ending_in_000(3);
    let mut ids: Vec<String> = (0..20).map(|i| format!("{}000", &id(i)[..15])).collect();
    ids.extend(real.iter().cloned());
    let text = format!("序号,姓名,身份证号\n{}", ids.iter().enumerate().map(|(i, rid)| format!("{},学生{i},{rid}\n", i + 1)).collect::<String>());
    let store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    let r = dry_run(&store, ImportKind::Roster, &encoding_rs::GBK.encode(&text).0, &Choices::default()).unwrap();
    assert_eq!((r.rows, r.imported, r.rejected), (23, 0, 23), "{:#?}", r.errors);
    assert!(r.errors.iter().all(|e| e.code == "digits_lost"));
    assert_eq!(r.columns.len(), 1, "one sentence about the column");
    assert!(r.errors[0].message.contains("该列多数号码以 000 结尾或校验位不符"), "{}", r.errors[0].message);

    // A column where most check characters fail (numbers retyped wrong): a 000 one is refused.
    let mut ids: Vec<String> = (0..10).map(|i| {
        let good = id(i);
        let last = if good.ends_with('1') { '2' } else { '1' };
        format!("{}{last}", &good[..17])
    }).collect();
    ids.push(real[0].clone());
    let text = format!("姓名,身份证号\n{}", ids.iter().enumerate().map(|(i, rid)| format!("学生{i},{rid}\n")).collect::<String>());
    let r = dry_run(&store, ImportKind::Roster, text.as_bytes(), &Choices::default()).unwrap();
    assert_eq!(r.rejected, 11);
    let lost: Vec<&str> = r.errors.iter().filter(|e| e.code == "digits_lost").map(|e| e.reference.as_str()).collect();
    assert_eq!(lost, ["12"], "the 000 one for lost digits, the others for their check character");
}

// ---- The 贫困学生花名册 -----------------------------------------------------------------------

const STUDENT_LIST: &str = "序号,学生姓名,学生身份证号,年级,班级,户主姓名,户主身份证号,与户主关系,贫困户类别,家庭人口,联系电话,家庭住址,监护人身份证号\n";

fn student_row(n: usize, name: &str, rid: &str, grade: &str, head: &str, head_id: &str, relation: &str, size: &str, phone: &str) -> String {
    format!("{n},{name},{rid},{grade},1班,{head},{head_id},{relation},低保户,{size},{phone},汉阴县涧池镇仁河村三组,{head_id}\n")
}

#[test]
fn a_student_list_makes_the_head_and_the_students_members_with_their_classes() {
    let (head, a, b) = (id(500), id(501), id(502));
    let text = STUDENT_LIST.to_string()
        + &student_row(1, "王小明", &a, "三年级", "王大山", &head, "之子", "5", "13891501234")
        + &student_row(2, "王小红", &b, "初一", "王大山", &head, "之女", "5", "13891501234");
    let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    let p = preview(&store, ImportKind::Households, text.as_bytes(), &Choices::default()).unwrap();
    let mapping = p.sheets[0].mapping.as_ref().unwrap();
    let field = |h: &str| mapping.columns.iter().find(|c| c.header == h).unwrap().field;
    assert_eq!(field("学生身份证号"), Some(Field::ResidentId));
    assert_eq!(field("户主身份证号"), Some(Field::HeadResidentId));
    assert_eq!(field("监护人身份证号"), None, "a guardian's number is neither");
    assert_eq!(p.report.sheets[0].household_key.as_deref(), Some("head_resident_id"));
    assert!(p.report.sheets[0].message.contains("按“户主身份证号”归户"));
    let r = import(&mut store, ImportKind::Households, text.as_bytes(), &Choices::default());
    assert_eq!((r.rows, r.imported, r.rejected), (2, 2, 0), "{:#?}", r.errors);
    let c = cards(&store);
    assert_eq!(c.len(), 3, "the head and two students: {c:?}");
    let number = &c[0].0;
    assert!(household::is_generated_number(number) && !number.contains(&head[..6]), "{number}");
    assert!(c.iter().all(|m| m.0 == *number && m.2 == "仁河村"));
    let h = household::all(store.conn()).unwrap().remove(0);
    assert_eq!((h.fields.head_name.as_str(), h.fields.town.as_str(), h.fields.group.as_str()), ("王大山", "涧池镇", "三组"));
    assert_eq!(h.fields.status, HouseholdStatus::MinimumAllowance);
    assert_eq!(h.fields.family_size, Some(5.0), "家庭人口 is kept: five registered, three on the card");
    let members = crate::member::of_household(store.conn(), h.meta.id).unwrap();
    assert_eq!(members[0].relation, "户主");
    let classes: Vec<(String, Option<i64>, String)> = members
        .iter()
        .filter_map(|m| m.student.as_ref().map(|s| (m.relation.clone(), s.fields.grade, s.fields.class_name.clone())))
        .collect();
    assert_eq!(classes, [("之子".to_string(), Some(3), "1班".to_string()), ("之女".to_string(), Some(7), "1班".to_string())]);
    let again = import(&mut store, ImportKind::Households, text.as_bytes(), &Choices::default());
    assert_eq!((again.unchanged, again.rows), (2, 2), "{again:#?}");
    // A list with the 家庭人口 cell blank keeps the number; one with another number changes it.
    let blank = text.replace(",低保户,5,", ",低保户,,");
    let r = import(&mut store, ImportKind::Households, blank.as_bytes(), &Choices::default());
    assert_eq!((r.unchanged, r.rows), (2, 2), "{r:#?}");
    assert_eq!(household::all(store.conn()).unwrap()[0].fields.family_size, Some(5.0));
    let six = text.replace(",低保户,5,", ",低保户,6人,");
    let r = import(&mut store, ImportKind::Households, six.as_bytes(), &Choices::default());
    assert_eq!((r.updated, r.rejected), (1, 0), "the head's row carries the household: {r:#?}");
    assert_eq!(household::all(store.conn()).unwrap()[0].fields.family_size, Some(6.0));
    // Not a number of people: the row is refused, the household kept.
    for bad in ["0", "3.5", "五", "31"] {
        let r = dry_run(&store, ImportKind::Households, text.replace(",低保户,5,", &format!(",低保户,{bad},")).as_bytes(), &Choices::default()).unwrap();
        assert_eq!(r.rejected, 2, "{bad}: {:#?}", r.errors);
        assert!(r.errors.iter().all(|e| e.column == "家庭人口" && e.code == "bad_family_size"), "{bad}: {:#?}", r.errors);
    }
}

/// The 建档立卡 list's 家庭人口, merged over a household's rows or on its head's row only.
#[test]
fn the_poverty_lists_family_size_is_the_households() {
    let (head, child) = (id(950), id(951));
    let text = format!("户编号,姓名,身份证号,与户主关系,家庭人口\nH-1,钱父,{head},户主,4\nH-1,钱小,{child},之子,\n");
    let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    let r = import(&mut store, ImportKind::Households, text.as_bytes(), &Choices::default());
    assert_eq!((r.imported, r.rejected), (2, 0), "{:#?}", r.errors);
    assert_eq!(household::all(store.conn()).unwrap()[0].fields.family_size, Some(4.0));
    let again = import(&mut store, ImportKind::Households, text.as_bytes(), &Choices::default());
    assert_eq!(again.unchanged, 2, "{again:#?}");
}

/// A detail only a later row of a household gives (the phone on the second student's row, the
/// category on the third) is the household's: no row is refused for it.
#[test]
fn a_detail_only_a_later_row_gives_is_the_households() {
    let (head, a, b, c) = (id(800), id(801), id(802), id(803));
    let text = STUDENT_LIST.to_string()
        + &student_row(1, "周一", &a, "一年级", "周父", &head, "之子", "", "").replace("低保户", "")
        + &student_row(2, "周二", &b, "二年级", "周父", &head, "之子", "", "13891507777").replace("低保户", "")
        + &student_row(3, "周三", &c, "三年级", "周父", &head, "之女", "", "");
    let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    let r = import(&mut store, ImportKind::Households, text.as_bytes(), &Choices::default());
    assert_eq!((r.rows, r.imported, r.rejected), (3, 3, 0), "{:#?}", r.errors);
    let h = household::all(store.conn()).unwrap().remove(0);
    assert_eq!((h.fields.phone.as_str(), h.fields.status), ("13891507777", HouseholdStatus::MinimumAllowance));
    assert_eq!(crate::member::of_household(store.conn(), h.meta.id).unwrap().len(), 4, "the head once, three students");
    let again = import(&mut store, ImportKind::Households, text.as_bytes(), &Choices::default());
    assert_eq!((again.unchanged, again.rows), (3, 3), "{again:#?}");
}

/// The 花名册 put a child under the grandfather; the 建档立卡 list has the child in the
/// father's 户 and the grandfather in his own. The card the 花名册 made is the grandfather's
/// (he heads it); the father's 户 is a card of its own, the child moved to it — not two
/// families on one card.
#[test]
fn a_card_the_student_list_made_goes_to_the_household_its_head_heads() {
    let (grandfather, father, child) = (id(900), id(901), id(902));
    let list = STUDENT_LIST.to_string() + &student_row(1, "吴小", &child, "三年级", "吴祖", &grandfather, "之孙", "", "13891508888");
    let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    let r = import(&mut store, ImportKind::Households, list.as_bytes(), &Choices::default());
    assert_eq!(r.rejected, 0, "{:#?}", r.errors);
    let poverty = format!("户编号,姓名,身份证号,与户主关系\nH-FATHER,吴父,{father},户主\nH-FATHER,吴小,{child},之子\nH-GRAND,吴祖,{grandfather},户主\n");
    let r = import(&mut store, ImportKind::Households, poverty.as_bytes(), &Choices::default());
    assert_eq!(r.rejected, 0, "{:#?}", r.errors);
    let by_person: std::collections::HashMap<String, String> = cards(&store).into_iter().map(|c| (c.3, c.0)).collect();
    assert_eq!(by_person["吴祖"], "H-GRAND");
    assert_eq!((by_person["吴父"].as_str(), by_person["吴小"].as_str()), ("H-FATHER", "H-FATHER"));
    let live = household::all(store.conn()).unwrap();
    assert_eq!(live.len(), 2, "{:?}", live.iter().map(|h| &h.fields.household_number).collect::<Vec<_>>());
}

#[test]
fn rows_of_one_household_that_disagree_are_reported() {
    let (head, a, b, c) = (id(600), id(601), id(602), id(603));
    let text = STUDENT_LIST.to_string()
        + &student_row(1, "李一", &a, "一年级", "李父", &head, "之子", "4", "13891501234")
        + &student_row(2, "李二", &b, "二年级", "李父", &head, "之子", "5", "13891505678")
        + &student_row(3, "李三", &c, "三年级", "李父", &head, "之女", "", "")
        + "4,赵四,,四年级,1班,赵父,,之子,低保户,3,,,\n";
    let store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    let r = dry_run(&store, ImportKind::Households, text.as_bytes(), &Choices::default()).unwrap();
    assert_eq!((r.rows, r.imported, r.rejected), (4, 2, 2), "{:#?}", r.errors);
    let e: Vec<(&str, &str, &str)> = r.errors.iter().map(|e| (e.reference.as_str(), e.column.as_str(), e.code.as_str())).collect();
    assert_eq!(e[0], ("3", "联系电话", "household_disagrees"));
    assert!(r.errors[0].message.contains("与第 2 行同属一户"), "{}", r.errors[0].message);
    assert_eq!(e[1], ("3", "家庭人口", "household_disagrees"), "4 people on one row, 5 on the next");
    assert!(e[2..].iter().all(|x| x.0 == "5"), "a row with no ID numbers: {e:?}");
    assert!(r.errors.iter().any(|x| x.column == "户主身份证号" && x.message.contains("无法确定是哪一户")));
}

#[test]
fn a_household_number_that_is_an_id_number_is_refused() {
    let head = id(700);
    let text = format!("户编号,姓名,身份证号,与户主关系\n{head},王大山,{head},户主\n");
    let store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    let r = dry_run(&store, ImportKind::Households, text.as_bytes(), &Choices::default()).unwrap();
    assert_eq!(r.rejected, 1);
    assert_eq!(r.errors[0].code, "household_number_is_resident_id");
}
