//! Scripted benchmark: household search latency (median and p95) over a generated school.
//!
//!     cargo run --release -p huka-core --example search_latency -- [students] [queries]
//!
//! The default, 24,000 students, makes about 50,000 household members. Queries are drawn
//! from the data: a surname, a two-character given name, a full name, a village, a 4- and a
//! 7-character ID-number fragment, and two words.

#[path = "common/db.rs"]
mod db;
use std::time::Instant;

use huka_core::{demo, household};
use rand::seq::IndexedRandom;
use rand::SeedableRng;

fn main() {
    let mut args = std::env::args().skip(1);
    let students: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(24_000);
    let per_kind: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);

    let dir = tempfile::tempdir().unwrap();
    let (mut store, _) = db::school(&dir.path().join("bench.db"));
    let started = Instant::now();
    let stats = demo::generate(&mut store, &demo::DemoOptions { students, seed: 7 }).unwrap();
    println!("generated {stats:?} in {:.1} s", started.elapsed().as_secs_f64());

    let people: Vec<(String, String, String)> = store
        .conn()
        .prepare("SELECT m.name, m.id, m.resident_id_sealed, m.resident_id, h.village FROM member m JOIN household h ON h.id = m.household_id")
        .unwrap()
        // The number as the principal reads it (sealed, issue 22).
        .query_map([], |r| {
            let id = huka_core::sealed::read(store.second(), "member", &r.get::<_, String>(1)?, "resident_id", &r.get::<_, String>(2)?, &r.get::<_, String>(3)?);
            Ok((r.get(0)?, id, r.get(4)?))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let kinds: [(&str, fn(&(String, String, String)) -> String); 7] = [
        ("surname", |p| p.0.chars().take(1).collect()),
        ("given name", |p| p.0.chars().skip(1).collect()),
        ("full name", |p| p.0.clone()),
        ("village", |p| p.2.clone()),
        ("ID fragment 4", |p| p.1[10..14].to_string()),
        ("ID fragment 7", |p| p.1[8..15].to_string()),
        ("two words", |p| format!("{} {}", p.2, p.0.chars().take(1).collect::<String>())),
    ];
    let mut all = Vec::new();
    println!("{:<14} {:>9} {:>9} {:>9}  rows(avg)", "query", "median", "p95", "max");
    for (name, make) in kinds {
        let mut times = Vec::new();
        let mut rows = 0;
        for _ in 0..per_kind {
            let q = make(people.choose(&mut rng).unwrap());
            let t = Instant::now();
            rows += household::list(&store, &q, 200).unwrap().len();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        report(name, &mut times, rows / per_kind);
        all.extend(times);
    }
    report("all", &mut all, 0);
}

fn report(name: &str, times: &mut [f64], rows: usize) {
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
    println!("{name:<14} {:>7.2}ms {:>7.2}ms {:>7.2}ms  {rows}", at(0.5), at(0.95), at(1.0));
}
