//! Scripted benchmark: the write path at a school's size, as a user meets it — each step a
//! `huka` command of its own, timed with its peak memory (`/usr/bin/time`), for one build or
//! two side by side (before and after a change, in one run):
//!
//!     cargo build --profile measure -p huka-cli --bin huka
//!     cargo run --profile measure -p huka-core --example write_path_bench -- [students] HUKA [HUKA …]
//!
//! Steps: a demo school of `students` (30000) on the office PC; its complete change file;
//! a laptop joining from it; `huka audit verify` over the office's trail; a 30,000-row roster
//! imported into a new school (against `sqlite3 .import` of the same rows); the databases'
//! sizes per student.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::NaiveDate;
use huka_core::ResidentId;

const PASSWORD: &str = "bench-password-1";

/// Runs `huka args…` under `/usr/bin/time`: (seconds, peak KiB).
fn timed(huka: &Path, args: &[&str]) -> (f64, u64) {
    let out = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("@@ %e %M")
        .arg(huka)
        .args(args)
        .env("HUKA_PASSWORD", PASSWORD)
        .env("HUKA_USER", "wang")
        .output()
        .expect("/usr/bin/time runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "huka {args:?} failed: {err}");
    let line = err.lines().rfind(|l| l.starts_with("@@ ")).expect("time's line");
    let mut it = line[3..].split_whitespace();
    (it.next().unwrap().parse().unwrap(), it.next().unwrap().parse().unwrap())
}

fn init(huka: &Path, db: &Path) {
    let out = Command::new(huka)
        .args(["--db", db.to_str().unwrap(), "init", "--school-code", "2161092101", "--school-name", "涧池镇九年制学校", "--principal", "wang"])
        .env("HUKA_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

fn mib(path: &Path) -> f64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) as f64 / 1048576.0
}

/// The roster the import benchmark uses (`import_bench`), as CSV.
fn roster(rows: usize) -> String {
    let mut csv = String::from("序号,姓名,性别,身份证件号,全国学籍号,出生日期,年级,班级,就读方式,是否留守儿童,家庭住址,联系电话\n");
    let grades = ["一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "初一", "初二", "初三"];
    for i in 0..rows {
        let birth = NaiveDate::from_ymd_opt(2008, 1, 1).unwrap() + chrono::Days::new((i / 1000) as u64);
        let mut id = ResidentId::compose("610921", birth, (i % 1000) as u16);
        if id.as_str().ends_with("000") {
            id = ResidentId::compose("610922", birth, (i % 1000) as u16);
        }
        csv.push_str(&format!(
            "{},学生{i},{},{},G{},{birth},{},{}班,{},{},汉阴县涧池镇仁河村3组,139{:08}\n",
            i + 1,
            if i % 2 == 1 { "男" } else { "女" },
            id.as_str(),
            id.as_str(),
            grades[i % grades.len()],
            i % 4 + 1,
            if i % 3 == 0 { "住校" } else { "走读" },
            if i % 4 == 0 { "是" } else { "否" },
            i
        ));
    }
    csv
}

/// What the office's database is made of: each part's pages (SQLite's `dbstat`), per student.
fn composition(db: &Path, students: usize) {
    let store = huka_core::session::unlock(db, "wang", PASSWORD).unwrap();
    let conn = store.conn();
    let has_dbstat: bool = conn.query_row("SELECT count(*) > 0 FROM pragma_module_list WHERE name = 'dbstat'", [], |r| r.get(0)).unwrap_or(false);
    if !has_dbstat {
        println!("  (no dbstat in this SQLite: the parts of the database are not measured)");
        return;
    }
    let parts: Vec<(String, i64)> = conn
        .prepare(
            "SELECT CASE
                      WHEN name LIKE 'audit%' OR name = 'sqlite_autoindex_audit_1' THEN 'audit trail (the journal)'
                      WHEN name LIKE 'sync_clock%' OR name LIKE 'sqlite_autoindex_sync_clock%' THEN 'sync clocks (from the journal)'
                      WHEN name LIKE 'household_search%' THEN 'search index'
                      ELSE 'records and their indexes' END,
                    sum(pgsize)
             FROM dbstat GROUP BY 1 ORDER BY 2 DESC",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let total: i64 = parts.iter().map(|(_, n)| n).sum();
    for (part, bytes) in parts {
        println!(
            "    {part:32} {:7.1} MiB {:5.1} KiB per student {:4.0} %",
            bytes as f64 / 1048576.0,
            bytes as f64 / 1024.0 / students as f64,
            bytes as f64 * 100.0 / total as f64
        );
    }
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let students: usize = match args.first().and_then(|a| a.parse().ok()) {
        Some(n) => {
            args.remove(0);
            n
        }
        None => 30_000,
    };
    let builds: Vec<PathBuf> = args.iter().map(PathBuf::from).collect();
    assert!(!builds.is_empty(), "name one or more huka executables");
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("roster.csv");
    std::fs::write(&csv, roster(30_000)).unwrap();
    let plain = dir.path().join("plain.db");
    let t = std::time::Instant::now();
    let ok = Command::new("sqlite3").arg(&plain).arg(format!(".import --csv --skip 1 {} t", csv.display())).status().is_ok_and(|s| s.success());
    let baseline = t.elapsed().as_secs_f64();
    println!("{students} students; sqlite3 .import of the 30,000-row roster: {}", if ok { format!("{baseline:.3} s") } else { "no sqlite3".into() });
    for (n, huka) in builds.iter().enumerate() {
        let here = dir.path().join(format!("build{n}"));
        std::fs::create_dir_all(here.join("stick")).unwrap();
        let office = here.join("office.db");
        let laptop = here.join("laptop.db");
        let school = here.join("roster.db");
        let db = |p: &Path| p.to_str().unwrap().to_string();
        init(huka, &office);
        println!("\n{}", huka.display());
        let (s, k) = timed(huka, &["--db", &db(&office), "demo", "--students", &students.to_string()]);
        println!("  demo school          {s:7.1} s  {:6} MiB peak", k / 1024);
        let (s, k) = timed(huka, &["--db", &db(&office), "sync", "export", "--full", "--out", &db(&here.join("stick"))]);
        let file = std::fs::read_dir(here.join("stick")).unwrap().next().unwrap().unwrap().path();
        println!("  complete change file {s:7.1} s  {:6} MiB peak   ({:.1} MiB)", k / 1024, mib(&file));
        let (s, k) = timed(huka, &["--db", &db(&laptop), "sync", "import", &db(&file), "--user", "wang"]);
        println!("  laptop joins         {s:7.1} s  {:6} MiB peak", k / 1024);
        let (s, k) = timed(huka, &["--db", &db(&office), "audit", "verify"]);
        println!("  audit verify         {s:7.2} s  {:6} MiB peak", k / 1024);
        println!(
            "  database             {:7.1} MiB office, {:.1} MiB laptop: {:.1} KiB per student",
            mib(&office),
            mib(&laptop),
            mib(&office) * 1024.0 / students as f64
        );
        composition(&office, students);
        init(huka, &school);
        let (s, k) = timed(huka, &["--db", &db(&school), "import", "roster", &db(&csv)]);
        println!("  30,000-row roster    {s:7.2} s  {:6} MiB peak   {:.1}× sqlite3 .import (the whole command)", k / 1024, s / baseline);
    }
}
