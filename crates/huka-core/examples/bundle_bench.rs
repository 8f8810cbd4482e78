//! Scripted benchmark: the county bundle at the sizes a county reaches.
//!
//!     cargo run --release -p huka-core --example bundle_bench -- [students] [schools] [students per school]
//!
//! 1. A school of 30,000 students (the demo generator; the database is kept in target/ and
//!    reused): preview, export (unlock the key, compute the summary, zip, seal to the county,
//!    sign, write) and read back with `verify_written`. Target: export under 2 s. The same
//!    bundle as format 1 (unsealed) beside it, export and county ingest: the seal's cost as a
//!    ratio (target ≤ 1.2×).
//! 2. 300 schools of 100 students, each with its own key, export a bundle into one folder
//!    (setup, not timed); a county database registers the 300 keys, then verifies and ingests
//!    all 300 bundles, aggregates and writes its workbook. Target: verify + ingest under 10 s.

#[path = "common/db.rs"]
mod db;
use std::path::Path;
use std::time::Instant;

#[path = "common/timing.rs"]
mod timing;
use timing::time;

use huka_core::county::{self, RegisterInput};
use huka_core::school::{self, SchoolInput};
use huka_core::term::Term;
use huka_core::{bundle, demo, signing, Store};

const PASSPHRASE: &str = "bench passphrase";

fn main() {
    let mut args = std::env::args().skip(1);
    let students: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(30_000);
    let schools: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(300);
    let per_school: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100);
    let today = chrono::Utc::now().date_naive();
    let term = Term::of(today);
    let work = tempfile::tempdir().unwrap();

    // 1. One large school.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../target/bundle-bench-{students}.db"));
    let (mut store, reused) = db::school(&path);
    let fresh = !reused;
    if fresh {
        let t = Instant::now();
        demo::generate(&mut store, &demo::DemoOptions { students, seed: 21 }).unwrap();
        signing::create(&mut store, PASSPHRASE).unwrap();
        println!("generated {students} students in {:.1} s", t.elapsed().as_secs_f64());
    }
    // The county first: the schools seal to its recipient.
    let mut county_db = db::county(&work.path().join("county.db"));
    let recipient = county::recipient::create(&mut county_db).unwrap().file_text();
    huka_core::bundle::register_county_recipient(&mut store, &recipient).unwrap();
    time("unlock key (scrypt)", 5, || {
        signing::unlock(&store, PASSPHRASE).map(|_| ()).unwrap();
    });
    time("preview (summary)", 5, || {
        bundle::preview(&store, term, today).unwrap();
    });
    let mut last = None;
    let export_ms = time("export (sealed)", 5, || {
        last = Some(bundle::export(&mut store, term, today, PASSPHRASE, &work.path().join("sealed")).unwrap());
    });
    let exported = last.unwrap();
    let mut plain = None;
    let plain_ms = time("export (format 1)", 5, || {
        plain = Some(bundle::write::export_format_1(&store, term, today, PASSPHRASE, &work.path().join("plain"), chrono::Utc::now()).unwrap());
    });
    println!("export sealed / format 1: {:.2}× (target ≤ 1.2×)", export_ms / plain_ms);
    county::register(&mut county_db, &RegisterInput { public_key: signing::public_key_file(&store).unwrap(), ..Default::default() }).unwrap();
    let sealed_in = time("ingest (sealed)", 3, || {
        county::ingest::ingest_file(&mut county_db, &exported.bundle_path).unwrap();
    });
    let plain_path = plain.unwrap();
    let plain_in = time("ingest (format 1)", 3, || {
        county::ingest::ingest_file(&mut county_db, &plain_path).unwrap();
    });
    println!("ingest sealed / format 1: {:.2}× (target ≤ 1.2×)", sealed_in / plain_in);
    time("verify_written", 5, || {
        bundle::verify_written(&store, &exported).unwrap();
    });
    println!(
        "bundle {} — {:.2} MB, {} students listed; export median {:.0} ms (target < 2000 ms)",
        exported.file_name,
        exported.size as f64 / 1e6,
        exported.summary.figures.students.registered_poor,
        export_ms
    );
    drop(store);

    // 2. Many small schools.
    let usb = work.path().join("usb");
    let t = Instant::now();
    let pubs: Vec<String> = std::thread::scope(|s| {
        let halves: Vec<_> = (0..2)
            .map(|half| {
                let usb = usb.clone();
                let recipient = &recipient;
                s.spawn(move || {
                    (0..schools)
                        .filter(|i| i % 2 == half)
                        .map(|i| {
                            let mut store = Store::open_in_memory(&huka_core::SCHEMA).unwrap();
                            let towns = ["涧池镇", "城关镇", "蒲溪镇", "平梁镇", "双乳镇", "铁佛寺镇", "漩涡镇", "汉阳镇"];
                            school::setup(
                                &mut store,
                                &SchoolInput {
                                    code: format!("61092{i:05}"),
                                    name: format!("第{i}学校"),
                                    town: towns[i % towns.len()].into(),
                                    district: format!("第{}督学责任区", i % 5 + 1),
                                },
                            )
                            .unwrap();
                            demo::generate(&mut store, &demo::DemoOptions { students: per_school, seed: 1000 + i as u64 }).unwrap();
                            signing::create(&mut store, PASSPHRASE).unwrap();
                            huka_core::bundle::register_county_recipient(&mut store, recipient).unwrap();
                            bundle::export(&mut store, term, today, PASSPHRASE, &usb.join(format!("{i:03}"))).unwrap();
                            signing::public_key_file(&store).unwrap()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        halves.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    println!("made {schools} school bundles of {per_school} students in {:.1} s (setup, not timed)", t.elapsed().as_secs_f64());

    let mut county_db = county_db;
    let t = Instant::now();
    for p in &pubs {
        county::register(&mut county_db, &RegisterInput { public_key: p.clone(), ..Default::default() }).unwrap();
    }
    let register = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let report = county::ingest(&mut county_db, std::slice::from_ref(&usb)).unwrap();
    let ingest = t.elapsed().as_secs_f64();
    assert_eq!((report.accepted, report.rejected), (schools, 0));
    let t = Instant::now();
    let agg = county::aggregate(&county_db, term).unwrap();
    let aggregate = t.elapsed().as_secs_f64();
    let t = Instant::now();
    county::write_report(&county_db, term, &work.path().join("county.xlsx")).unwrap();
    let report_s = t.elapsed().as_secs_f64();
    println!(
        "county: register {schools} keys {:.2} s; verify + ingest {} bundles {:.2} s (target < 10 s); aggregate {:.2} s; workbook {:.2} s",
        register, report.accepted, ingest, aggregate, report_s
    );
    println!(
        "county totals: {} students, {} registered-poor, {} towns, {} districts, {} IDs in two schools",
        agg.totals.students.enrolled,
        agg.totals.students.registered_poor,
        agg.by_town.len(),
        agg.by_district.len(),
        agg.duplicates.len()
    );
}
