//! Whole files or none on a stick: the real `huka` binary writing its archive, a backup, a
//! county bundle and a change file to a nearly full USB stick says in one sentence how much
//! room it needs, exits 1, and leaves the stick as it was — no truncated PDF, no empty file,
//! no temporary, no folder of its own. With the room made, the same archive is written whole.
//!
//! The stick is real enough to be full: a small tmpfs, mounted in a mount namespace of this
//! test's own (`unshare -m`, so nothing outlives it, even a test killed halfway), where this
//! test binary runs the test again. Mounting needs root, as CI runs; elsewhere the test says
//! it was skipped.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use huka_tests::{huka_bin, huka_command};

const PASSPHRASE: &str = "涧池镇 秋季 2026";
/// Set (to the stick's folder) when the test runs inside its mount namespace.
const STICK: &str = "HUKA_TEST_STICK";

fn huka(db: &Path, args: &[&str]) -> Output {
    huka_command(db, args).env("HUKA_PASSPHRASE", PASSPHRASE).output().expect("huka runs")
}

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "failed ({:?}): {}{}", out.status.code(), String::from_utf8_lossy(&out.stderr), String::from_utf8_lossy(&out.stdout));
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// Exit status 1, nothing on stdout and one line on stderr: the no-room sentence (returned).
fn no_room(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "stdout: {} stderr: {err}", String::from_utf8_lossy(&out.stdout));
    assert!(out.stdout.is_empty(), "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(err.trim_end().lines().count(), 1, "one line on stderr: {err}");
    let needed = megabytes_after(&err, "about ");
    let left = megabytes_after(&err, "only ");
    assert!(
        err.starts_with("huka: Not enough room on the USB stick or disk: about ") && err.contains("Use another stick or free some space first."),
        "{err}"
    );
    assert!(needed > left, "{err}");
    err
}

/// The number of megabytes after `before` in a sentence.
fn megabytes_after(text: &str, before: &str) -> f64 {
    let rest = &text[text.find(before).unwrap_or_else(|| panic!("{before:?} in {text}")) + before.len()..];
    rest.split_whitespace().next().unwrap().parse().unwrap_or_else(|_| panic!("a number after {before:?} in {text}"))
}

/// Every path under `dir` (relative), sorted: what a stick holds.
fn listing(dir: &Path) -> Vec<String> {
    let mut all = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            all.push(p.strip_prefix(dir).unwrap().to_string_lossy().into_owned());
            if p.is_dir() {
                todo.push(p);
            }
        }
    }
    all.sort();
    all
}

/// Fills the stick until about `left` bytes are free.
fn fill(stick: &Path, left: u64) {
    let _ = std::fs::remove_file(stick.join("filler.bin"));
    let out = Command::new("df").args(["--output=avail", "-B1"]).arg(stick).output().expect("df runs");
    let available: u64 = String::from_utf8_lossy(&out.stdout).lines().last().unwrap().trim().parse().unwrap();
    std::fs::write(stick.join("filler.bin"), vec![0u8; available.saturating_sub(left) as usize]).unwrap();
}

/// Runs `test` again inside a mount namespace of its own with a tmpfs of `size` at a new
/// folder; returns that folder when called there, `None` outside (after checking it passed).
fn on_a_small_stick(test: &str, size: &str) -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(STICK) {
        return Some(dir.into());
    }
    let uid = Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string()).unwrap_or_default();
    if uid != "0" {
        eprintln!("SKIPPED {test}: mounting a small stick needs root (CI runs as root)");
        return None;
    }
    huka_bin(); // built here, once, outside the namespace
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c"])
        .arg(r#"mount -t tmpfs -o "size=$1" huka-test-stick "$2" && exec "$3" --exact "$4" --nocapture --test-threads=1"#)
        .args(["sh", size])
        .arg(dir.path())
        .arg(std::env::current_exe().unwrap())
        .arg(test)
        .env(STICK, dir.path())
        .output()
        .expect("unshare (util-linux) runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && stdout.contains("1 passed"), "{test} on a {size} stick:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(listing(dir.path()).is_empty(), "the stick was mounted in the test's namespace only");
    None
}

#[test]
fn a_nearly_full_stick_gets_one_sentence_and_keeps_what_it_had() {
    let Some(stick) = on_a_small_stick("a_nearly_full_stick_gets_one_sentence_and_keeps_what_it_had", "8m") else { return };
    // The school's database is on the computer's disk, not on the stick.
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("school.db");
    let county = home.path().join("county.db");
    let recipient = home.path().join("county-recipient.txt");
    ok(&huka(&county, &["county", "key", "create"]));
    ok(&huka(&county, &["county", "key", "export", "--out", recipient.to_str().unwrap()]));
    ok(&huka(&db, &["init", "--school-code", "2161092101", "--school-name", "涧池镇九年制学校", "--town", "涧池镇"]));
    ok(&huka(&db, &["demo", "--students", "8", "--seed", "11"]));
    ok(&huka(&db, &["key", "county", recipient.to_str().unwrap()]));
    let term = huka_core::term::Term::of(chrono::Local::now().date_naive()).to_string();
    std::fs::write(stick.join("上学期的备份.hukabackup"), b"an earlier backup, kept whole").unwrap();
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let archive_dir = s(&stick.join("档案"));
    let backups = s(&stick.join("备份"));
    let stick_dir = s(&stick);

    // 64 KB left: some of the archive's PDFs would fit, the backup would start.
    fill(&stick, 64 * 1024);
    let before = listing(&stick);
    no_room(&huka(&db, &["archive", "--term", &term, "--out", &archive_dir]));
    assert_eq!(listing(&stick), before, "the archive left nothing on the stick");
    no_room(&huka(&db, &["archive", "--term", &term, "--out", &stick_dir]));
    assert_eq!(listing(&stick), before, "the archive into the stick's top folder left nothing");
    no_room(&huka(&db, &["backup", "--out", &backups]));
    assert_eq!(listing(&stick), before, "the backup left nothing, not even its folder");
    no_room(&huka(&db, &["backup", "--out", &stick_dir]));
    assert_eq!(listing(&stick), before, "the backup into the top folder left nothing");

    // 1 KB left: a county bundle and a change file are small, but not that small.
    fill(&stick, 1024);
    let before = listing(&stick);
    for out in [&stick_dir, &s(&stick.join("县局"))] {
        no_room(&huka(&db, &["export", "county", "--term", &term, "--out", out]));
        assert_eq!(listing(&stick), before, "neither the bundle nor its signature in {out}");
        no_room(&huka(&db, &["sync", "export", "--out", out]));
        assert_eq!(listing(&stick), before, "no change file in {out}");
    }

    // The same sentence in Chinese.
    let out = huka_command(&db, &["archive", "--term", &term, "--out", &archive_dir]).env("HUKA_LANG", "zh_CN").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.starts_with("huka: U盘或磁盘空间不足：需要约 ") && err.contains(" MB，只剩 ") && err.trim_end().ends_with("MB。请换一个U盘或先腾出空间。"), "{err}");
    assert_eq!(listing(&stick), before);
    assert_eq!(std::fs::read(stick.join("上学期的备份.hukabackup")).unwrap(), b"an earlier backup, kept whole");

    // With the room made, the archive is written whole: every file it names, nothing else.
    std::fs::remove_file(stick.join("filler.bin")).unwrap();
    let printed = ok(&huka(&db, &["archive", "--term", &term, "--out", &archive_dir]));
    let mut written: Vec<String> = printed.lines().map(|l| format!("档案/{}", Path::new(l).file_name().unwrap().to_string_lossy())).collect();
    written.push("档案".into());
    written.push("上学期的备份.hukabackup".into());
    written.sort();
    assert_eq!(listing(&stick), written);
    let printed = ok(&huka(&db, &["backup", "--out", &backups]));
    assert!(Path::new(printed.lines().next().unwrap()).is_file(), "{printed}");
    assert_eq!(listing(&stick.join("备份")).len(), 1);
}
