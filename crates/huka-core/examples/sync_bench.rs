//! Scripted benchmark: what an exchange between a school's computers costs.
//!
//!     cargo run --release -p huka-core --example sync_bench -- [students] [big school students]
//!
//! 1. A school of `students` (300) on the office PC; a laptop joins from its complete file.
//! 2. A term's work on the laptop — 2,000 visits and 600 plan reviews — goes to the office in
//!    one change file: its size, the time to write it, and the time to merge it (target
//!    under 2 s on this machine).
//! 3. The same file read again (nothing to do), and the office's answer to the laptop.
//! 4. With a second argument (30000), a complete file of a county-sized school: size, write,
//!    and joining from it.

use std::path::Path;
use std::time::Instant;

#[path = "common/db.rs"]
mod db;

use huka_core::demo::{self, DemoOptions};
use huka_core::plan::{self, ReviewInput};
use huka_core::record::RecordId;
use huka_core::{sync, Store};

fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

fn kib(path: &Path) -> u64 {
    std::fs::metadata(path).unwrap().len() / 1024
}

fn office(dir: &Path, students: usize) -> Store {
    let path = dir.join("office.db");
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_file(huka_core::keyfile::path_of(&path));
    let (mut store, _) = db::school(&path);
    let t = Instant::now();
    demo::generate(&mut store, &DemoOptions { students, seed: 7 }).unwrap();
    println!("demo school of {students} students   {:6.1} s", secs(t));
    store
}

fn join(office: &mut Store, dir: &Path, name: &str) -> Store {
    let t = Instant::now();
    let file = sync::export(office, &dir.join("stick"), true).unwrap();
    let written = secs(t);
    let t = Instant::now();
    let (store, report) = sync::join(&dir.join(format!("{name}.db")), &file, db::LOGIN, db::PASSWORD).unwrap();
    println!(
        "complete file           {:6} KiB, written in {:5.2} s; joined in {:5.2} s ({} records)",
        kib(&file),
        written,
        secs(t),
        report.new
    );
    store
}

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let students = args.first().copied().unwrap_or(300);
    let dir = tempfile::tempdir().unwrap();
    let mut a = office(dir.path(), students);
    let mut b = join(&mut a, dir.path(), "laptop");

    // A term's work on the laptop.
    let t = Instant::now();
    demo::add_visits(&mut b, 2000, 11).unwrap();
    let plans: Vec<RecordId> = b.conn().prepare("SELECT id FROM plan WHERE deleted_at IS NULL AND status = 'active'").unwrap().query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap();
    let mut reviews = 0;
    'outer: for round in 0..20 {
        for p in &plans {
            if reviews == 600 {
                break 'outer;
            }
            let input = ReviewInput { review_date: format!("2026-11-{:02}", 1 + round % 28), progress: "按计划推进".into(), next_steps: "继续跟进".into(), next_review_date: None };
            if plan::add_review(&mut b, *p, &input).is_ok() {
                reviews += 1;
            }
        }
    }
    println!("on the laptop: 2000 visits, {reviews} plan reviews ({:.1} s)", secs(t));

    let t = Instant::now();
    let file = sync::export(&mut b, &dir.path().join("stick"), false).unwrap();
    let written = secs(t);
    let t = Instant::now();
    let r = sync::import(&mut a, &file).unwrap();
    println!(
        "change file             {:6} KiB, written in {:5.2} s; merged in {:5.2} s (new {}, updated {}, unchanged {})",
        kib(&file),
        written,
        secs(t),
        r.new,
        r.updated,
        r.unchanged
    );
    let t = Instant::now();
    let again = sync::import(&mut a, &file).unwrap();
    println!("the same file again     merged in {:5.2} s (new {}, updated {})", secs(t), again.new, again.updated);
    let t = Instant::now();
    let back = sync::export(&mut a, &dir.path().join("stick"), false).unwrap();
    let r = sync::import(&mut b, &back).unwrap();
    println!("the office's answer     {:6} KiB, written and merged in {:5.2} s (new {}, updated {})", kib(&back), secs(t), r.new, r.updated);
    drop((a, b));

    if let Some(&big) = args.get(1) {
        let dir = tempfile::tempdir().unwrap();
        let mut a = office(dir.path(), big);
        join(&mut a, dir.path(), "laptop");
    }
}
