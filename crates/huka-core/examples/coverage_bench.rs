//! Scripted benchmark: the coverage dashboard and a teacher's "my students" over a large school.
//!
//!     cargo run --release -p huka-core --example coverage_bench -- [students] [visits]
//!
//! Generates the demo school at the given size (30,000 students by default), then adds visits
//! until there are 200,000, and times each query over repeated runs (median and p95).

#[path = "common/db.rs"]
mod db;
use std::time::Instant;

#[path = "common/timing.rs"]
mod timing;
use timing::time;

use huka_core::term::Term;
use huka_core::{coverage, demo};

fn main() {
    let mut args = std::env::args().skip(1);
    let students: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(30_000);
    let visits: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200_000);
    // Generating takes a while: the database is kept in target/ and reused for the same sizes.
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../target/coverage-bench-{students}-{visits}.db"));
    let (mut store, reused) = db::school(&path);
    let fresh = !reused;
    if fresh {
        let t = Instant::now();
        let stats = demo::generate(&mut store, &demo::DemoOptions { students, seed: 11 }).unwrap();
        let extra = visits.saturating_sub(stats.visits as usize);
        demo::add_visits(&mut store, extra, 12).unwrap();
        println!("generated in {:.1} s", t.elapsed().as_secs_f64());
    }
    println!("{:?}", huka_core::stats::get(&store).unwrap());

    let today = chrono::Utc::now().date_naive();
    let term = Term::of(today);
    let c = coverage::compute(&store, term, today, 500).unwrap();
    println!(
        "{term}: {} students; no pairing {}, no plan {}, no visit {}, reviews overdue {}, follow-ups overdue {}",
        c.students, c.no_pairing.count, c.no_active_plan.count, c.no_visit.count, c.reviews_overdue.count, c.follow_ups_overdue.count
    );
    time("coverage dashboard", 20, || {
        coverage::compute(&store, term, today, 500).unwrap();
    });
    let teachers: Vec<huka_core::RecordId> = huka_core::teacher::list(&store).unwrap().into_iter().map(|t| t.meta.id).collect();
    let mut i = 0;
    time("my students", 200, || {
        coverage::my_students(&store, teachers[i % teachers.len()], term, today).unwrap();
        i += 7;
    });
}
