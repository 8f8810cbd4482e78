//! Scripted benchmark: a laptop joining a school from its complete change file, alone in its
//! process (so that a profiler and the peak memory see the join only).
//!
//!     cargo run --profile measure -p huka-core --example join_bench -- make 30000 DIR
//!     cargo run --profile measure -p huka-core --example join_bench -- join 30000 DIR
//!
//! `make` generates the demo school in DIR (kept between runs) and writes its complete file;
//! `join` joins a new database from that file and prints the time, the database's size per
//! student, the part of it the journal (audit trail and clocks) takes, the peak memory, and the
//! audit chains' heads (the same before and after a change of the join: compare them).
//!
//!     cargo run --profile measure -p huka-core --example join_bench -- join 30000 DIR 1000000
//!
//!     cargo run --profile measure -p huka-core --example join_bench -- backup 30000 DIR
//!     cargo run --profile measure -p huka-core --example join_bench -- copy 30000 DIR
//!
//! `backup` writes a backup of the office made by `make` (its time and peak memory); `copy`
//! joins a new database from that backup (a holder's join: the database copied), and reports
//! as `join` does.
//!
//!     cargo run --profile measure -p huka-core --example join_bench -- teacher 30000 DIR
//!
//! `teacher` joins as a class teacher (an account added to the office, and its complete file
//! written, the first time): a teacher's laptop keeps every card, masked, and no other
//! computer's audit trail.
//!
//! With a third number, the joined laptop's own chain is then lengthened — entries like the
//! school's own (their changes copied, chained on this device) — until the trail holds that
//! many, and `huka audit verify` is timed over it (its own peak memory), with lists of it.

use std::path::{Path, PathBuf};
use std::time::Instant;

#[path = "common/db.rs"]
mod db;

use huka_core::demo::{self, DemoOptions};
use huka_core::{access, audit, sync};

fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok()).unwrap_or(0.0) / 1024.0
}

/// Resets the peak (VmHWM) to the present size, so that the next `peak_mib` is a later step's.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn file_of(dir: &Path, students: usize) -> PathBuf {
    dir.join(format!("school-{students}.hukasync"))
}

fn backup_of(dir: &Path, students: usize) -> PathBuf {
    dir.join(format!("school-{students}.hukabackup"))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = args.first().map(String::as_str).unwrap_or("join");
    let students: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let dir = PathBuf::from(args.get(2).cloned().unwrap_or_else(|| "/tmp/join-bench".into()));
    std::fs::create_dir_all(&dir).unwrap();
    match mode {
        "make" => {
            let path = dir.join(format!("office-{students}.db"));
            let _ = std::fs::remove_file(&path);
            let _ = std::fs::remove_file(huka_core::keyfile::path_of(&path));
            let (mut store, _) = db::school(&path);
            let t = Instant::now();
            demo::generate(&mut store, &DemoOptions { students, seed: 7 }).unwrap();
            println!("demo school of {students} students   {:6.1} s, peak {:.0} MiB", t.elapsed().as_secs_f64(), peak_mib());
            let stick = dir.join("stick");
            let _ = std::fs::remove_dir_all(&stick);
            let t = Instant::now();
            let file = sync::export(&mut store, &stick, true).unwrap();
            std::fs::rename(&file, file_of(&dir, students)).unwrap();
            println!("complete file written in {:.2} s: {}", t.elapsed().as_secs_f64(), file_of(&dir, students).display());
        }
        "backup" => {
            let office = dir.join(format!("office-{students}.db"));
            let mut store = huka_core::session::unlock(&office, db::LOGIN, db::PASSWORD).unwrap();
            reset_peak();
            let t = Instant::now();
            huka_core::backup::write(&mut store, &backup_of(&dir, students)).unwrap();
            let size = std::fs::metadata(backup_of(&dir, students)).unwrap().len();
            println!("backup of {:.1} MiB written in {:.2} s, peak {:.0} MiB: {}", size as f64 / 1048576.0, t.elapsed().as_secs_f64(), peak_mib(), backup_of(&dir, students).display());
        }
        "teacher" => {
            let file = dir.join(format!("school-{students}-teacher.hukasync"));
            if !file.exists() {
                let office = dir.join(format!("office-{students}.db"));
                let mut store = huka_core::session::unlock(&office, db::LOGIN, db::PASSWORD).unwrap();
                let teacher: huka_core::record::RecordId =
                    store.conn().query_row("SELECT teacher_id FROM pairing WHERE deleted_at IS NULL LIMIT 1", [], |r| r.get(0)).unwrap();
                let input = huka_core::account::AccountInput { login: "teacher1".into(), name: "李老师".into(), role: access::Role::Teacher, teacher_id: Some(teacher) };
                huka_core::account::add(&mut store, &input, "teacher-password").unwrap();
                let stick = dir.join("stick");
                let _ = std::fs::remove_dir_all(&stick);
                let written = sync::export(&mut store, &stick, true).unwrap();
                std::fs::rename(written, &file).unwrap();
            }
            let laptop = dir.join(format!("teacher-{students}.db"));
            huka_core::session::remove_database(&laptop);
            reset_peak();
            let t = Instant::now();
            let (store, report) = sync::join(&laptop, &file, "teacher1", "teacher-password").unwrap();
            println!("teacher's join: {:.2} s ({} records), peak {:.0} MiB", t.elapsed().as_secs_f64(), report.new, peak_mib());
            let size: i64 = store.conn().query_row("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()", [], |r| r.get(0)).unwrap();
            println!("database {:.1} MiB = {:.1} KiB per student", size as f64 / 1048576.0, size as f64 / 1024.0 / students as f64);
        }
        _ => {
            let file = if mode == "copy" { backup_of(&dir, students) } else { file_of(&dir, students) };
            let laptop = dir.join(format!("laptop-{students}.db"));
            huka_core::session::remove_database(&laptop);
            let t = Instant::now();
            let (mut store, report) = sync::join(&laptop, &file, db::LOGIN, db::PASSWORD).unwrap();
            let joined = t.elapsed().as_secs_f64();
            let peak = peak_mib();
            println!("{} {:7} KiB; joined in {joined:6.2} s ({} records), peak {peak:.0} MiB", if mode == "copy" { "backup" } else { "complete file" }, std::fs::metadata(&file).unwrap().len() / 1024, report.new);
            let pages = |sql: &str| -> i64 { store.conn().query_row(sql, [], |r| r.get(0)).unwrap_or(0) };
            let total = pages("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()");
            let io = std::fs::read_to_string("/proc/self/io").unwrap_or_default();
            let io_of = |k: &str| io.lines().find_map(|l| l.strip_prefix(k)).and_then(|v| v.trim().parse::<f64>().ok()).unwrap_or(0.0) / 1048576.0;
            println!("bytes read {:.0} MiB, written {:.0} MiB (syscalls)", io_of("rchar:"), io_of("wchar:"));
            let part = |names: &str| -> i64 { pages(&format!("SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name IN ({names})")) };
            let audit_bytes = part("'audit', 'audit_record', 'audit_account', 'audit_at', 'sqlite_autoindex_audit_1'");
            let clock_bytes = part("'sync_clock'");
            println!(
                "database {:.1} MiB = {:.1} KiB per student; audit {:.1} MiB ({:.0} %), clocks {:.1} MiB ({:.0} %)",
                total as f64 / 1048576.0,
                total as f64 / 1024.0 / students as f64,
                audit_bytes as f64 / 1048576.0,
                100.0 * audit_bytes as f64 / total as f64,
                clock_bytes as f64 / 1048576.0,
                100.0 * clock_bytes as f64 / total as f64
            );
            let mut stmt = store.conn().prepare("SELECT name, sum(pgsize) s FROM dbstat GROUP BY name ORDER BY s DESC LIMIT 14").unwrap();
            let largest: Vec<(String, i64)> = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().collect::<Result<_, _>>().unwrap();
            println!("largest: {}", largest.iter().map(|(n, s)| format!("{n} {:.1}", *s as f64 / 1048576.0)).collect::<Vec<_>>().join(", "));
            drop(stmt);
            let t = Instant::now();
            let verdict = audit::verify(&store).unwrap();
            println!("audit verify: {} entries in {:.2} s, broken: {:?}", verdict.entries, t.elapsed().as_secs_f64(), verdict.broken.map(|b| b.reason_en));
            for h in &verdict.heads {
                println!("  head {} {} {}", h.device_id, h.count, h.hash);
            }
            if let Some(target) = args.get(3).and_then(|a| a.parse::<i64>().ok()) {
                lengthen(&mut store, verdict.entries, target);
                reset_peak();
                let t = Instant::now();
                let verdict = audit::verify(&store).unwrap();
                println!(
                    "audit verify: {} entries in {:.2} s, peak {:.0} MiB, broken: {:?}, sealed elsewhere {}",
                    verdict.entries,
                    t.elapsed().as_secs_f64(),
                    peak_mib(),
                    verdict.broken.map(|b| b.reason_en),
                    verdict.sealed_elsewhere
                );
            }
            let list = |label: &str, filter: audit::Filter| {
                let t = Instant::now();
                let n = audit::list(&store, &filter).unwrap().len();
                println!("audit list {label}: {n} entries in {:.3} s", t.elapsed().as_secs_f64());
            };
            let record: String = store.conn().query_row("SELECT record_id FROM audit WHERE op = 'insert' ORDER BY device_id, seq LIMIT 1 OFFSET 1000", [], |r| r.get(0)).unwrap();
            let today = chrono::Utc::now().date_naive();
            list("newest 100", audit::Filter { limit: Some(100), ..Default::default() });
            list("of one record", audit::Filter { record: Some(record), ..Default::default() });
            list("by the principal, 100", audit::Filter { user: Some(db::LOGIN.into()), limit: Some(100), ..Default::default() });
            list("by a user with none", audit::Filter { user: Some("nobody".into()), limit: Some(100), ..Default::default() });
            list("since today, 100", audit::Filter { since: Some(today), limit: Some(100), ..Default::default() });
            list("since tomorrow", audit::Filter { since: today.succ_opt(), limit: Some(100), ..Default::default() });
        }
    }
}

/// Lengthens this device's chain, in transactions of 50,000, with entries whose changes are
/// the school's own (their op, table and record too), until the trail holds `target`.
fn lengthen(store: &mut huka_core::Store, mut entries: i64, target: i64) {
    let t = Instant::now();
    let office: String = store.conn().query_row("SELECT device_id FROM audit GROUP BY device_id ORDER BY count(*) DESC LIMIT 1", [], |r| r.get(0)).unwrap();
    let mut model: Vec<audit::Entry> = Vec::new();
    audit::each_after(store.conn(), &office, 0, &mut |e| {
        if model.len() < 50_000 && !e.changes.values().flatten().any(|v| v.is_object()) {
            model.push(e.clone());
        }
        Ok(())
    })
    .unwrap();
    let pass = access::exempt(access::Why::NewDatabase);
    while entries < target {
        let n = (target - entries).min(model.len() as i64) as usize;
        pass.write(store, |w| {
            for e in &model[..n] {
                audit::event(w, &e.op, &e.kind, &e.record_id, e.changes.clone())?;
            }
            Ok(())
        })
        .unwrap();
        entries += n as i64;
    }
    println!("chain lengthened to {entries} entries in {:.1} s", t.elapsed().as_secs_f64());
}
