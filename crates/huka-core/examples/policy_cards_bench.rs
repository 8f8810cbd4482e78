//! Scripted benchmark: the families' policy cards (明白卡) of the demo school, one PDF.
//!
//!     cargo run --profile measure -p huka-core --example policy_cards_bench -- [students] [out-dir]
//!
//! Generates the demo school (300 students by default) in an encrypted database, as Huka
//! keeps it, logged in as the principal, then times the cards of every household (reading,
//! typesetting and writing — what `huka aid cards --term T --out DIR` does once the font is
//! found), A5 and A4, three times each, and reports the pages and the file's size. Targets:
//! under 10 s, the file under 2 MB.

use std::time::Instant;

#[path = "common/db.rs"]
mod db;
#[path = "common/timing.rs"]
mod timing;
use timing::time;

use huka_core::archive::policy_card::{self, Paper, Request};
use huka_core::archive::Fonts;
use huka_core::policy_card::Scope;
use huka_core::term::Term;
use huka_core::demo;

fn main() {
    let mut args = std::env::args().skip(1);
    let students: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(300);
    let out = args.next().map(std::path::PathBuf::from).unwrap_or_else(|| std::env::temp_dir().join("huka-cards-bench"));
    let work = tempfile::tempdir().unwrap();
    let (mut store, _) = db::school(&work.path().join("cards-bench.db"));
    let stats = demo::generate(&mut store, &demo::DemoOptions { students, seed: 2026 }).unwrap();
    println!("demo school: {} households, {} students", stats.households, stats.students);
    let today = chrono::Local::now().date_naive();
    let fonts = Fonts::find().expect("a Chinese font (fonts-noto-cjk)");

    let t = Instant::now();
    let prepared = policy_card::prepare(&store, &Request { term: Term::of(today), scope: Scope::All, paper: Paper::A5, today }).unwrap();
    println!("read {} cards in {:.0} ms", prepared.cards().cards.len(), t.elapsed().as_secs_f64() * 1000.0);
    for paper in [Paper::A5, Paper::A4] {
        let request = Request { term: Term::of(today), scope: Scope::All, paper, today };
        let mut written = None;
        time(&format!("every household's card, {}", paper.as_str()), 3, || {
            written = Some(policy_card::export(&store, &request, &fonts, &out.join(paper.as_str())).unwrap());
        });
        let w = written.unwrap();
        println!("  {} households, {} pages, {:.0} KB: {}", w.cards, w.pages, w.bytes as f64 / 1024.0, w.path.display());
    }
}
