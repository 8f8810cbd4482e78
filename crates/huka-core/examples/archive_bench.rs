//! Scripted benchmark: the paper archive (档案) of the demo school.
//!
//!     cargo run --release -p huka-core --example archive_bench -- [students] [out-dir]
//!
//! Generates the demo school (300 students by default) in an encrypted database, as Huka
//! keeps it, logged in as the principal, then times: finding the
//! Chinese font; one household's card (font search, reading and typesetting included — what
//! `huka archive --household N` does); the whole archive with its volume (with progress), three
//! times; and reports the file sizes. Targets: whole archive < 15 s, one card < 300 ms, the
//! largest file < 300 KB.

use std::time::Instant;

#[path = "common/db.rs"]
mod db;
#[path = "common/timing.rs"]
mod timing;
use timing::time;

use huka_core::archive::{self, Fonts, Request};
use huka_core::term::Term;
use huka_core::{demo, household};

/// This process's CPU time so far (user + system), from /proc on Linux: on a machine others
/// are using, the CPU a run takes says more than the wall-clock time it took.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let students: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(300);
    let out = args.next().map(std::path::PathBuf::from).unwrap_or_else(|| std::env::temp_dir().join("huka-archive-bench"));
    let work = tempfile::tempdir().unwrap();
    let (mut store, _) = db::school(&work.path().join("archive-bench.db"));
    let stats = demo::generate(&mut store, &demo::DemoOptions { students, seed: 2026 }).unwrap();
    println!("demo school: {} households, {} students, {} visits, {} plans", stats.households, stats.students, stats.visits, stats.plans);
    let today = chrono::Local::now().date_naive();
    let term = Term::of(today);
    let request = Request { term, household: None, full_ids: false, today };

    let fonts = Fonts::find().expect("a Chinese font (fonts-noto-cjk)");
    println!("font: {} from {:?}", fonts.family(), fonts.files);
    time("find the font", 5, || {
        Fonts::find().unwrap();
    });

    let number = household::list(&store, "", 1).unwrap()[0].household_number.clone();
    let one_dir = out.join("one");
    time("one card (all of it)", 10, || {
        let fonts = Fonts::find().unwrap();
        let request = Request { household: Some(number.clone()), ..request.clone() };
        archive::export(&mut store, &request, &fonts, &one_dir, &mut |_, _| {}).unwrap();
    });
    time("one card (font loaded)", 10, || {
        let request = Request { household: Some(number.clone()), ..request.clone() };
        archive::export(&mut store, &request, &fonts, &one_dir, &mut |_, _| {}).unwrap();
    });

    let t = Instant::now();
    let prepared = archive::prepare(&mut store, &request).unwrap();
    println!("read {} cards in {:.0} ms", prepared.cards().len(), t.elapsed().as_secs_f64() * 1000.0);
    let mut written = None;
    let cpu_before = cpu_seconds();
    time("whole archive", 3, || {
        let mut last = 0;
        let start = Instant::now();
        written = Some(
            archive::export(&mut store, &request, &fonts, &out, &mut |done, total| {
                // Progress: one line every tenth of the way.
                if done * 10 / total.max(1) > last {
                    last = done * 10 / total.max(1);
                    eprint!("  {done}/{total} at {:.1} s", start.elapsed().as_secs_f64());
                    eprintln!();
                }
            })
            .unwrap(),
        );
    });
    if let (Some(a), Some(b)) = (cpu_before, cpu_seconds()) {
        println!("whole archive: {:.1} s of CPU per run (on {} cores)", (b - a) / 3.0, std::thread::available_parallelism().map_or(1, |n| n.get()));
    }
    let w = written.unwrap();
    let sizes: Vec<u64> = w.cards.iter().map(|c| c.bytes).collect();
    let volume = w.volume.as_ref().unwrap();
    println!(
        "{} card files: {} KB to {} KB (median {} KB); volume {} KB; largest file {} KB; written to {}",
        sizes.len(),
        sizes.iter().min().unwrap() / 1024,
        sizes.iter().max().unwrap() / 1024,
        {
            let mut s = sizes.clone();
            s.sort();
            s[s.len() / 2] / 1024
        },
        volume.bytes / 1024,
        w.largest() / 1024,
        out.display()
    );
    volume_floor(&volume.path);
}

/// What no PDF of the volume can go below: a PDF compresses each page's content on its own, so
/// the volume holds at least the text of every page, each page deflated by itself — before
/// glyph positions, table rules and the fonts. (Text from `pdftotext`, when it is installed.)
fn volume_floor(volume: &std::path::Path) {
    use std::io::Write;
    let Ok(out) = std::process::Command::new("pdftotext").arg(volume).arg("-").output() else {
        println!("(pdftotext not found: no floor for the volume's size)");
        return;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let pages: Vec<&str> = text.split('\u{c}').filter(|p| !p.trim().is_empty()).collect();
    let deflated: usize = pages
        .iter()
        .map(|p| {
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
            e.write_all(p.as_bytes()).unwrap();
            e.finish().unwrap().len()
        })
        .sum();
    let bytes = std::fs::metadata(volume).map(|m| m.len()).unwrap_or(0);
    println!(
        "volume: {} pages, {:.1} KB a page; its text alone, deflated page by page: {} KB ({} bytes of text a page)",
        pages.len(),
        bytes as f64 / 1024.0 / pages.len().max(1) as f64,
        deflated / 1024,
        text.len() / pages.len().max(1)
    );
}
