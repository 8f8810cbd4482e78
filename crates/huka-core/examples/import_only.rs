//! Scripted benchmark: `huka import` of a roster with no preview (plan + write in one call)
//! into a fresh encrypted school, the way `encryption_bench` times it, alone.
//!
//!     cargo run --profile measure -p huka-core --example import_only -- [rows] [runs]
#[path = "common/db.rs"]
mod db;
use std::time::Instant;

use chrono::NaiveDate;
use huka_core::import::{self, Choices, ImportKind};
use huka_core::ResidentId;

fn roster(rows: usize) -> Vec<u8> {
    let mut csv = String::from("序号,姓名,性别,身份证件号,全国学籍号,年级,班级,就读方式,联系电话\n");
    let grades = ["一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "初一", "初二", "初三"];
    for i in 0..rows {
        let birth = NaiveDate::from_ymd_opt(2008, 1, 1).unwrap() + chrono::Days::new((i / 900) as u64);
        let mut id = ResidentId::compose("610921", birth, (i % 900) as u16).as_str().to_string();
        if id.ends_with("000") {
            id = ResidentId::compose("610922", birth, (i % 900) as u16).as_str().to_string();
        }
        let line = format!(
            "{},学生{i},{},{id},G{id},{},{}班,{},139{:08}\n",
            i + 1,
            if i % 2 == 1 { "男" } else { "女" },
            grades[i % grades.len()],
            i % 4 + 1,
            if i % 3 == 0 { "住校" } else { "走读" },
            i
        );
        csv.push_str(&line);
    }
    csv.into_bytes()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let rows: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(30_000);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(3);
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("import.db");
    let bytes = roster(rows);
    let mut runs = Vec::new();
    for _ in 0..n {
        let _ = std::fs::remove_file(&target);
        let _ = std::fs::remove_file(huka_core::keyfile::path_of(&target));
        let mut store = db::school(&target).0;
        let t = Instant::now();
        let report = import::apply(&mut store, ImportKind::Roster, &bytes, &Choices::default(), None, &mut |_, _| {}).unwrap();
        runs.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(report.imported, rows);
        let size = std::fs::metadata(&target).unwrap().len();
        println!("run: {:.0} ms, file {} KiB", runs.last().unwrap(), size / 1024);
    }
    runs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!("import of {rows} rows, no preview: median {:.0} ms ({n} runs)", runs[n / 2]);
}
