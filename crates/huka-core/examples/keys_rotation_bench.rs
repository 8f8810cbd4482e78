//! Scripted benchmark: rotating the keys of a school (issue 22).
//!
//!     CARGO_TARGET_DIR=… cargo run --profile measure -p huka-core --example keys_rotation_bench -- [students]
//!
//! 1. A demo school of `students` (3,000) on the office PC, with a dozen teacher accounts; a
//!    laptop joins it from a complete file.
//! 2. The principal rotates the keys: the database re-encrypted in place (SQLCipher's
//!    `PRAGMA rekey`), checked under the new key, every active slot sealed to it — the time,
//!    and the database's size.
//! 3. The laptop takes the new key at its next import (its own re-encryption included).

use std::path::Path;
use std::time::Instant;

#[path = "common/db.rs"]
mod db;

use huka_core::access::Role;
use huka_core::account::{self, AccountInput};
use huka_core::demo::{self, DemoOptions};
use huka_core::{keys, sync};

fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

/// The database's bytes on disk: the file and its WAL.
fn mib(path: &Path) -> f64 {
    let wal = std::fs::metadata(format!("{}-wal", path.display())).map(|m| m.len()).unwrap_or(0);
    (std::fs::metadata(path).unwrap().len() + wal) as f64 / (1024.0 * 1024.0)
}

fn main() {
    let students: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(3000);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("office.db");
    let (mut office, _) = db::school(&path);
    let t = Instant::now();
    demo::generate(&mut office, &DemoOptions { students, seed: 7 }).unwrap();
    println!("demo school of {students} students   {:6.1} s", secs(t));
    let t = Instant::now();
    for i in 0..12 {
        let input = AccountInput { login: format!("teacher{i}"), name: format!("教师{i}"), role: Role::Teacher, teacher_id: None };
        account::add(&mut office, &input, "teacher-password").unwrap();
    }
    println!("12 teacher accounts       {:6.1} s (Argon2id each)", secs(t));
    let file = sync::export(&mut office, &dir.path().join("stick"), true).unwrap();
    let (laptop, _) = sync::join(&dir.path().join("laptop.db"), &file, db::LOGIN, db::PASSWORD).unwrap();
    drop(laptop);
    let mut laptop = huka_core::session::unlock(&dir.path().join("laptop.db"), db::LOGIN, db::PASSWORD).unwrap();
    office.conn().execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
    println!("office database           {:6.1} MiB", mib(&path));

    let t = Instant::now();
    let rotated = keys::rotate(&mut office).unwrap();
    let rotation = secs(t);
    println!(
        "rotation                  {rotation:6.2} s   ({} slots sealed again, {} need a password, database {:.1} MiB after)",
        rotated.accounts.len(),
        rotated.need_password.len(),
        mib(&path)
    );

    let t = Instant::now();
    let file = sync::export(&mut office, &dir.path().join("stick2"), false).unwrap();
    let written = secs(t);
    let t = Instant::now();
    sync::import(&mut laptop, &file).unwrap();
    println!("laptop takes the new key  {:6.2} s   (at import, re-encryption included; the file written in {written:.2} s)", secs(t));
}
