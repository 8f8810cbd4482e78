//! Scripted benchmark: the three-list reconciliation at county sizes.
//!
//!     cargo run --release -p huka-core --example reconcile_bench
//!
//! A generated school with about 40,000 people on the poverty list (19,000 students), its
//! roster padded to 30,000 rows and its grants to 50,000; times `reconcile` (median and p95
//! of repeated runs) and `aid::coverage`, and reports the peak resident memory a run adds.

#[path = "common/db.rs"]
mod db;
use std::time::Instant;

#[path = "common/timing.rs"]
mod timing;
use timing::time;

use huka_core::term::Term;
use huka_core::{aid, demo, reconcile};

fn main() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/reconcile-bench.db");
    let (mut store, reused) = db::school(&path);
    let fresh = !reused;
    if fresh {
        let t = Instant::now();
        demo::generate(&mut store, &demo::DemoOptions { students: 19_000, seed: 21 }).unwrap();
        demo::pad_for_reconcile(&mut store, 30_000, 50_000, 22).unwrap();
        println!("generated in {:.1} s", t.elapsed().as_secs_f64());
    }
    let count = |sql: &str| -> i64 { store.conn().query_row(sql, [], |r| r.get(0)).unwrap() };
    println!(
        "poverty list: {} people in {} households; roster: {} rows; grants: {}",
        count("SELECT count(*) FROM member WHERE deleted_at IS NULL"),
        count("SELECT count(*) FROM household WHERE deleted_at IS NULL"),
        count("SELECT count(*) FROM registration WHERE deleted_at IS NULL"),
        count("SELECT count(*) FROM aid_grant WHERE deleted_at IS NULL"),
    );
    let today = chrono::Utc::now().date_naive();
    let term = Term::of(today);
    let r = reconcile::reconcile(&store, term, today).unwrap();
    println!(
        "mismatches: unregistered {}, phantom {}, duplicate {}, no aid {}",
        r.unregistered.open, r.phantom.open, r.duplicate.open, r.no_aid.open
    );
    drop(r);
    let before = peak_rss_kb_reset();
    reconcile::reconcile(&store, term, today).unwrap();
    let after = peak_rss_kb();
    println!("peak RSS during one reconciliation: {} MB (from {} MB before it)", after / 1024, before / 1024);
    time("reconcile", 10, || {
        reconcile::reconcile(&store, term, today).unwrap();
    });
    time("aid coverage", 10, || {
        aid::coverage(&store, term, 2000).unwrap();
    });
}

/// Resets the kernel's peak-RSS mark (VmHWM) to the current RSS, and returns it.
fn peak_rss_kb_reset() -> u64 {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    peak_rss_kb()
}

fn peak_rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok()).unwrap_or(0)
}
