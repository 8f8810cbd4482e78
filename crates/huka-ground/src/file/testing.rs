//! For tests, here and in the crates above (feature `testing`): a small drive that is really
//! full, and what a folder holds.

use std::path::{Path, PathBuf};

/// What a folder holds, by name, sorted.
pub fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

/// The variable that tells a test it runs on its small drive (see [`small_drive`]).
const DRIVE: &str = "HUKA_TEST_DRIVE";

/// A small drive for a test, really full when it is: a tmpfs of `size` (`mount -o size=`)
/// mounted in a mount namespace of its own (`unshare -m`, so nothing outlives the test, not
/// even a test killed halfway), where the test binary runs the test named `test` again.
///
/// Inside, returns the drive's folder; outside, runs the test there, checks it passed and
/// returns `None` (the caller returns). Mounting needs root, as CI runs; elsewhere the test
/// says it was skipped.
pub fn small_drive(test: &str, size: &str) -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(DRIVE) {
        return Some(dir.into());
    }
    let uid = std::process::Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string()).unwrap_or_default();
    if uid != "0" {
        eprintln!("{test}: skipped — mounting a small drive needs root (CI runs as root)");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c"])
        .arg(r#"mount -t tmpfs -o "size=$1" huka-test-drive "$2" && exec "$3" --exact "$4" --nocapture --test-threads=1"#)
        .args(["sh", size])
        .arg(dir.path())
        .arg(exe)
        .arg(test)
        .env(DRIVE, dir.path())
        .output()
        .expect("unshare (util-linux) runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stdout.contains("1 passed"), "{test} on a {size} drive:\n{stdout}\n{stderr}");
    assert!(names(dir.path()).is_empty(), "the drive was mounted in its own namespace only");
    None
}

/// Fills `dir`'s drive until only about `left` bytes remain (give or take a page).
pub fn fill(dir: &Path, left: u64) {
    let available = fs4::available_space(dir).unwrap();
    let fill = available.saturating_sub(left);
    std::fs::write(dir.join("filler.bin"), vec![0u8; fill as usize]).unwrap();
}

