//! The audit trail, backups and restore through the real `huka` binary: every write leaves an
//! entry and an edit made with raw SQL is caught; a backup is encrypted, restores equal, is
//! refused for another school unless forced, and a backup killed midway leaves the one before
//! intact.

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use huka_tests::{huka_command, one_household_list, PASSWORD, PRINCIPAL};
use serde_json::Value;

fn huka(db: &Path, args: &[&str]) -> Output {
    huka_command(db, args).output().expect("huka runs")
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

#[test]
fn every_write_is_in_the_trail_and_a_raw_edit_breaks_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("school.db");
    let list = one_household_list(dir.path());
    assert!(huka(&db, &["import", "households", list.to_str().unwrap()]).status.success());
    let entries = json(&huka(&db, &["audit", "list", "--json"]));
    let kinds: Vec<(&str, &str)> = entries.as_array().unwrap().iter().map(|e| (e["op"].as_str().unwrap(), e["kind"].as_str().unwrap())).collect();
    assert!(kinds.contains(&("insert", "household")) && kinds.contains(&("insert", "member")), "{kinds:?}");
    assert!(entries.as_array().unwrap().iter().filter(|e| e["kind"] == "member").all(|e| e["account"] == PRINCIPAL), "the importer's name");
    let text = entries.to_string();
    assert!(!text.contains("61092120130305001X") && text.contains("610921********001X"), "ID numbers are masked in the trail");
    let by_user = json(&huka(&db, &["audit", "list", "--user", PRINCIPAL, "--since", "2020-01-01", "--json"]));
    let theirs = entries.as_array().unwrap().iter().filter(|e| e["account"] == PRINCIPAL).count();
    assert_eq!(by_user.as_array().unwrap().len(), theirs, "setting up is the system's; the import is theirs");
    let one = entries[0]["recordId"].as_str().unwrap();
    let of_record = json(&huka(&db, &["audit", "list", "--record", one, "--json"]));
    assert!(of_record.as_array().unwrap().iter().all(|e| e["recordId"] == one));

    let ok = huka(&db, &["audit", "verify"]);
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stdout));
    // Someone with the key edits an entry with raw SQL.
    {
        let store = huka_core::session::unlock(&db, PRINCIPAL, PASSWORD).unwrap();
        store.conn().execute("UPDATE audit SET changes = replace(changes, '王小明', '李小明') WHERE changes LIKE '%王小明%'", []).unwrap();
    }
    let broken = huka(&db, &["audit", "verify", "--json"]);
    assert_eq!(broken.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&broken.stdout).unwrap();
    assert!(v["broken"]["seq"].as_i64().unwrap() > 0, "{v}");
}

#[test]
fn backup_and_restore_round_trip_and_another_school_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("school.db");
    assert!(huka(&db, &["demo", "--students", "60"]).status.success());
    let before = json(&huka(&db, &["stats", "--json"]));
    let usb = dir.path().join("usb");
    let b = json(&huka(&db, &["backup", "--out", usb.to_str().unwrap(), "--json"]));
    let backup = b["path"].as_str().unwrap().to_string();
    assert!(backup.ends_with(".hukabackup") && Path::new(&backup).exists());
    let name = json(&huka(&db, &["households", "list", "--json"]))[0]["headName"].as_str().unwrap().to_string();
    let bytes = std::fs::read(&backup).unwrap();
    assert!(!bytes.windows(name.len()).any(|w| w == name.as_bytes()), "the backup is encrypted");

    // More records, then the restore brings the backup's back and keeps today's file.
    let demo_more = dir.path().join("more.csv");
    std::fs::write(&demo_more, "户编号,户主姓名,与户主关系,姓名,证件号码\n619999001,新户主,户主,新户主,610921198001010114\n").unwrap();
    assert!(huka(&db, &["import", "households", demo_more.to_str().unwrap()]).status.success());
    let r = json(&huka(&db, &["restore", &backup, "--json"]));
    assert!(Path::new(r["keptPrevious"].as_str().unwrap()).exists());
    assert_eq!(json(&huka(&db, &["stats", "--json"])), before);

    // Another school's backup: refused, nothing changed; --force restores it.
    let other = dir.path().join("other.db");
    assert!(huka(&other, &["init", "--school-code", "9999", "--school-name", "别的学校"]).status.success());
    let refused = huka(&other, &["restore", &backup]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("school 2161092101"));
    assert_eq!(json(&huka(&other, &["stats", "--json"]))["households"], 0);
    assert!(huka(&other, &["restore", &backup, "--force"]).status.success());
    assert_eq!(json(&huka(&other, &["stats", "--json"])), before);
    // A path with no database: the backup becomes it.
    let fresh = dir.path().join("new-pc/huka.db");
    assert!(huka(&fresh, &["restore", &backup]).status.success());
    assert_eq!(json(&huka(&fresh, &["stats", "--json"])), before);
}

#[test]
fn a_backup_killed_midway_leaves_the_one_before_intact() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("school.db");
    assert!(huka(&db, &["demo", "--students", "600"]).status.success());
    let usb = dir.path().join("usb");
    let first = json(&huka(&db, &["backup", "--out", usb.to_str().unwrap(), "--json"]))["path"].as_str().unwrap().to_string();
    let first_bytes = std::fs::read(&first).unwrap();
    let mut delay = Duration::from_millis(200);
    let mut interrupted = 0;
    for _ in 0..10 {
        std::thread::sleep(Duration::from_millis(1100)); // backup names are to the second
        let mut child = huka_command(&db, &["backup", "--out", usb.to_str().unwrap()]).spawn().unwrap();
        std::thread::sleep(delay);
        if child.try_wait().unwrap().is_none() {
            interrupted += 1;
        }
        let _ = child.kill();
        let _ = child.wait();
        delay = delay * 3 / 2;
    }
    assert!(interrupted >= 1, "a backup was interrupted at least once");
    assert_eq!(std::fs::read(&first).unwrap(), first_bytes, "the earlier backup is untouched");
    // Every file under a backup's name is a whole backup that opens.
    for e in std::fs::read_dir(&usb).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_some_and(|x| x == "hukabackup") {
            huka_core::backup::inspect(&path, PRINCIPAL, PASSWORD).unwrap_or_else(|err| panic!("{}: {err:?}", path.display()));
        }
    }
}
