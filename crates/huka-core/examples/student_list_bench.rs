//! Scripted benchmark: importing the aid office's 贫困学生花名册 — one row per student, the
//! household in the same row, no household number — of 3,000 rows (about 1,300 households of
//! one to four students) from xlsx and from a GBK CSV, into a fresh encrypted database.
//!
//!     cargo run --profile measure -p huka-core --example student_list_bench -- [rows]
//!
//! Times the preview (read + plan) and the import (plan + one transaction), then the same file
//! again (every row unchanged), then the 建档立卡 list of the same families on top (each
//! household found by its head's ID number and given its 户编号).

#[path = "common/db.rs"]
mod db;
use std::time::Instant;

use chrono::NaiveDate;
use huka_core::import::{self, Choices, ImportKind};
use huka_core::ResidentId;

fn id(n: usize, year: i32) -> String {
    let birth = NaiveDate::from_ymd_opt(year, 1, 1).unwrap() + chrono::Days::new((n / 500) as u64);
    let id = ResidentId::compose("610921", birth, (n % 500) as u16 * 2 + 1);
    id.as_str().to_string()
}

fn main() {
    let rows: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(3_000);
    let header = ["序号", "学生姓名", "学生身份证号", "年级", "班级", "户主姓名", "户主身份证号", "与户主关系", "贫困户类别", "家庭人口", "联系电话", "家庭住址", "监护人身份证号"];
    let grades = ["一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "初一", "初二", "初三"];
    // Households of 1, 2, 3, 4, 1, 2 … students.
    let mut records: Vec<Vec<String>> = Vec::new();
    let mut poverty: Vec<Vec<String>> = Vec::new();
    let mut h = 0;
    while records.len() < rows {
        let head = id(h, 1980);
        let students = (h % 4 + 1).min(rows - records.len());
        poverty.push(vec![format!("61092100{h:05}"), format!("户主{h}"), "户主".into(), format!("户主{h}"), head.clone()]);
        for k in 0..students {
            let n = records.len();
            let student = id(n, 2010);
            records.push(vec![
                (n + 1).to_string(),
                format!("学生{n}"),
                student.clone(),
                grades[n % grades.len()].to_string(),
                format!("{}班", n % 4 + 1),
                format!("户主{h}"),
                head.clone(),
                if k % 2 == 0 { "之子" } else { "之女" }.to_string(),
                "建档立卡贫困户".to_string(),
                (students + 2).to_string(),
                format!("139{h:08}"),
                "汉阴县涧池镇仁河村三组".to_string(),
                head.clone(),
            ]);
            poverty.push(vec![format!("61092100{h:05}"), format!("户主{h}"), if k % 2 == 0 { "之子" } else { "之女" }.into(), format!("学生{n}"), student]);
        }
        h += 1;
    }
    let mut csv = String::from("涧池镇 贫困学生花名册\n");
    csv.push_str(&header.join(","));
    csv.push('\n');
    for r in &records {
        csv.push_str(&r.join(","));
        csv.push('\n');
    }
    let csv = encoding_rs::GBK.encode(&csv).0.into_owned();
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "涧池镇 贫困学生花名册").unwrap();
    for (c, v) in header.iter().enumerate() {
        sheet.write_string(1, c as u16, *v).unwrap();
    }
    for (r, rec) in records.iter().enumerate() {
        for (c, v) in rec.iter().enumerate() {
            sheet.write_string(r as u32 + 2, c as u16, v).unwrap();
        }
    }
    let xlsx = book.save_to_buffer().unwrap();
    let mut list = String::from("户编号,户主姓名,与户主关系,姓名,身份证号\n");
    for r in &poverty {
        list.push_str(&r.join(","));
        list.push('\n');
    }
    println!("{rows} rows, {h} households: csv {:.2} MB, xlsx {:.2} MB", csv.len() as f64 / 1e6, xlsx.len() as f64 / 1e6);

    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [("csv", &csv), ("xlsx", &xlsx)] {
        let (mut store, _) = db::school(&dir.path().join(format!("{name}.db")));
        let none = Choices::default();
        let t = Instant::now();
        let preview = import::preview(&store, ImportKind::Households, bytes, &none).unwrap();
        let preview_s = t.elapsed().as_secs_f64();
        assert_eq!(preview.report.imported, rows, "{:?}", preview.report.errors.first());
        let t = Instant::now();
        let report = import::apply(&mut store, ImportKind::Households, bytes, &none, Some(&preview.fingerprint), &mut |_, _| {}).unwrap();
        let apply_s = t.elapsed().as_secs_f64();
        assert_eq!(report.imported, rows);
        let t = Instant::now();
        let again = import::apply(&mut store, ImportKind::Households, bytes, &none, None, &mut |_, _| {}).unwrap();
        let again_s = t.elapsed().as_secs_f64();
        assert_eq!(again.unchanged, rows);
        let t = Instant::now();
        let listed = import::apply(&mut store, ImportKind::Households, list.as_bytes(), &none, None, &mut |_, _| {}).unwrap();
        let list_s = t.elapsed().as_secs_f64();
        assert_eq!(listed.rejected, 0);
        let households = huka_core::household::all(store.conn()).unwrap();
        assert_eq!(households.len(), h, "one household each");
        assert!(households.iter().all(|x| !huka_core::household::is_generated_number(&x.fields.household_number)));
        println!(
            "{name:>5}: preview {preview_s:.2} s, import {apply_s:.2} s (plan + write), re-import unchanged {again_s:.2} s, then the 建档立卡 list of {} rows {list_s:.2} s",
            poverty.len()
        );
    }
}
