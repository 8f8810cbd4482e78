//! Scripted benchmark: importing a 30,000-row roster from CSV and from XLSX.
//!
//!     cargo run --release -p huka-core --example import_bench -- [rows]
//!
//! Times reading + planning (the preview) and the whole import (plan + one transaction) into
//! a fresh database file, then the same file again (every row unchanged).

#[path = "common/db.rs"]
mod db;
use std::time::Instant;

use chrono::NaiveDate;
use huka_core::import::{self, Choices, ImportKind};
use huka_core::ResidentId;

fn main() {
    let rows: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(30_000);
    let header = ["序号", "姓名", "性别", "身份证件号", "全国学籍号", "出生日期", "年级", "班级", "就读方式", "是否留守儿童", "家庭住址", "联系电话"];
    let grades = ["一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "初一", "初二", "初三"];
    let records: Vec<Vec<String>> = (0..rows)
        .map(|i| {
            let birth = NaiveDate::from_ymd_opt(2008, 1, 1).unwrap() + chrono::Days::new((i / 1000) as u64);
            // An ID number ending in 000 reads as a 15-digit number turned back into text and is
            // refused (import::columns): the few that would, move to the next county code.
            let mut id = ResidentId::compose("610921", birth, (i % 1000) as u16);
            if id.as_str().ends_with("000") {
                id = ResidentId::compose("610922", birth, (i % 1000) as u16);
            }
            vec![
                (i + 1).to_string(),
                format!("学生{i}"),
                if i % 2 == 1 { "男" } else { "女" }.to_string(),
                id.as_str().to_string(),
                format!("G{}", id.as_str()),
                birth.to_string(),
                grades[i % grades.len()].to_string(),
                format!("{}班", i % 4 + 1),
                if i % 3 == 0 { "住校" } else { "走读" }.to_string(),
                if i % 4 == 0 { "是" } else { "否" }.to_string(),
                "汉阴县涧池镇仁河村3组".to_string(),
                format!("139{:08}", i),
            ]
        })
        .collect();

    // The files stay in target/import-bench for measuring the CLI (peak memory) afterwards.
    let dir = tempfile::Builder::new().prefix("import-bench").tempdir_in(std::env::temp_dir()).unwrap();
    let keep = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/import-bench");
    std::fs::create_dir_all(&keep).unwrap();
    let mut csv = String::from("汉阴县学生名册\n");
    csv.push_str(&header.join(","));
    csv.push('\n');
    for r in &records {
        csv.push_str(&r.join(","));
        csv.push('\n');
    }
    let csv = csv.into_bytes();
    std::fs::write(keep.join("roster.csv"), &csv).unwrap();

    let xlsx_path = dir.path().join("roster.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (r, rec) in records.iter().enumerate() {
        for (c, v) in rec.iter().enumerate() {
            sheet.write_string(r as u32 + 1, c as u16, v).unwrap();
        }
    }
    book.save(&xlsx_path).unwrap();
    let xlsx = std::fs::read(&xlsx_path).unwrap();
    std::fs::copy(&xlsx_path, keep.join("roster.xlsx")).unwrap();
    println!("{rows} rows: csv {:.1} MB, xlsx {:.1} MB", csv.len() as f64 / 1e6, xlsx.len() as f64 / 1e6);

    // The reference: the sqlite3 shell's .import of the same rows as a plain CSV into a bare
    // table (no validation, no indexes), on this machine, now.
    let plain = dir.path().join("plain.csv");
    let mut text = header.join(",") + "\n";
    for r in &records {
        text.push_str(&r.join(","));
        text.push('\n');
    }
    std::fs::write(&plain, text).unwrap();
    let mut baseline = f64::NAN;
    for attempt in 0..3 {
        let db = dir.path().join(format!("plain{attempt}.db"));
        let t = Instant::now();
        let ok = std::process::Command::new("sqlite3")
            .arg(&db)
            .arg(format!(".import --csv {} t", plain.display()))
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            baseline = baseline.min(t.elapsed().as_secs_f64()); // NaN.min(x) is x
        }
    }
    if baseline.is_nan() {
        println!("sqlite3 shell not found: no baseline");
    } else {
        println!("sqlite3 .import baseline: {:.3} s", baseline);
    }

    for (name, bytes) in [("csv", &csv), ("xlsx", &xlsx)] {
        let path = dir.path().join(format!("{name}.db"));
        let (mut store, _) = db::school(&path);
        let none = Choices::default();
        let t = Instant::now();
        let table = import::read::read(bytes).unwrap();
        let read_s = t.elapsed().as_secs_f64();
        drop(table);
        let t = Instant::now();
        let preview = import::preview(&store, ImportKind::Roster, bytes, &none).unwrap();
        let preview_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let report = import::apply(&mut store, ImportKind::Roster, bytes, &none, Some(&preview.fingerprint), &mut |_, _| {}).unwrap();
        let apply_s = t.elapsed().as_secs_f64();
        assert_eq!(report.imported, rows);
        let t = Instant::now();
        let again = import::apply(&mut store, ImportKind::Roster, bytes, &none, None, &mut |_, _| {}).unwrap();
        let again_s = t.elapsed().as_secs_f64();
        assert_eq!(again.unchanged, rows);
        println!(
            "{name:>5}: read {read_s:.2} s, preview {preview_s:.2} s, import {apply_s:.2} s (plan + write) = {:.1}× sqlite3, re-import unchanged {again_s:.2} s",
            apply_s / baseline
        );
    }
}
