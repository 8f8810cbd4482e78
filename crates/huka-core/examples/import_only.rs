//! Scripted benchmark: `huka import` of a roster with no preview (plan + write in one call)
//! into a fresh encrypted school, the way `encryption_bench` times it, alone.
//!
//!     cargo run --profile measure -p huka-core --example import_only -- [rows] [runs]
#[path = "common/db.rs"]
mod db;
#[path = "common/roster.rs"]
mod roster;
use roster::roster;
use std::time::Instant;

use huka_core::import::{self, Choices, ImportKind};

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
