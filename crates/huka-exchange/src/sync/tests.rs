use std::path::Path;

use chrono::NaiveDate;
use proptest::prelude::*;

use super::*;
use crate::access::Role;
use crate::account::{self, AccountInput};
use crate::household::{self, tests::input};
use crate::member::{self, tests::member_input};
use crate::record::RecordId;
use crate::resident_id::ResidentId;
use crate::school::SchoolInput;
use crate::session::{self, FirstAccount, Setup};
use crate::teacher::{self, TeacherInput, TeacherRole};
use crate::visit::{self, VisitInput, VisitMode};
use super::SyncError;

const PASSWORD: &str = "principal-pass";

fn school_input(code: &str) -> SchoolInput {
    SchoolInput { code: code.into(), name: "涧池镇九年制学校".into(), town: "涧池镇".into(), district: String::new() }
}

/// The office PC of a new school, with a teacher and an aid officer.
fn office(dir: &Path, code: &str) -> Store {
    let path = dir.join("office.db");
    let (mut store, _) = session::create(
        &path,
        Setup::School(&school_input(code)),
        &FirstAccount { login: "wang".into(), name: "王校长".into(), password: PASSWORD.into() },
    )
    .unwrap();
    teacher::create(&mut store, &TeacherInput { name: "李老师".into(), phone: String::new(), subject: String::new(), role: TeacherRole::ClassTeacher }).unwrap();
    account::add(&mut store, &AccountInput { login: "zhao".into(), name: "赵专干".into(), role: Role::AidOfficer, teacher_id: None }, "officer-pass").unwrap();
    account::add(&mut store, &AccountInput { login: "li".into(), name: "李老师".into(), role: Role::Teacher, teacher_id: None }, "teacher-pass").unwrap();
    store
}

/// A laptop joined from the office's full change file.
fn laptop(office: &mut Store, dir: &Path, name: &str) -> Store {
    let out = dir.join(format!("to-{name}"));
    let file = export(office, &out, true).unwrap();
    join(&dir.join(format!("{name}.db")), &file, "wang", PASSWORD).unwrap().0
}

/// Writes a change file on `from` and reads it on `to` (a complete one when `to` is behind
/// what `from` assumes).
fn exchange(from: &mut Store, to: &mut Store, dir: &Path) -> Report {
    let file = export(from, dir, false).unwrap();
    match import(to, &file) {
        Err(e) if e.domain() == Some(&SyncError::Behind) => {
            let full = export(from, dir, true).unwrap();
            import(to, &full).unwrap()
        }
        other => other.unwrap(),
    }
}

fn id_number(n: u16) -> String {
    ResidentId::compose("610921", NaiveDate::from_ymd_opt(2013, 3, 5).unwrap(), n).as_str().to_string()
}

fn live_households(store: &Store) -> Vec<(String, String)> {
    store
        .conn()
        .prepare("SELECT household_number, head_name FROM household WHERE deleted_at IS NULL ORDER BY household_number")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

fn household_id(store: &Store, number: &str) -> RecordId {
    store.conn().query_row("SELECT id FROM household WHERE household_number = ?1 AND deleted_at IS NULL", [number], |r| r.get(0)).unwrap()
}

fn teacher_id(store: &Store) -> RecordId {
    store.conn().query_row("SELECT id FROM teacher WHERE name = '李老师' AND deleted_at IS NULL LIMIT 1", [], |r| r.get(0)).unwrap()
}

/// No two live records share a natural key.
fn assert_no_duplicate_keys(store: &Store) {
    for (table, key) in [("household", "household_number"), ("member", "resident_id"), ("student", "member_id")] {
        let dup: i64 = store
            .conn()
            .query_row(
                &format!("SELECT count(*) FROM (SELECT {key} FROM {table} WHERE deleted_at IS NULL AND {key} <> '' GROUP BY {key} HAVING count(*) > 1)"),
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(dup, 0, "two live {table} records share a {key}");
    }
    let dangling: i64 = store.conn().query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0)).unwrap();
    assert_eq!(dangling, 0, "a record refers to one that does not exist");
    let orphans: i64 = store
        .conn()
        .query_row(
            "SELECT count(*) FROM member m JOIN household h ON h.id = m.household_id WHERE m.deleted_at IS NULL AND h.deleted_at IS NOT NULL
               AND h.id IN (SELECT loser_id FROM sync_merge)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(orphans, 0, "a live member still belongs to a household merged away");
}

#[test]
fn a_laptop_joins_with_every_record_and_account_and_exchanges_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = office(dir.path(), "2161092101");
    let h = household::create(&mut a, &input("6109210001", "王建国")).unwrap();
    member::create(&mut a, h.meta.id, &member_input("王小明", &id_number(1))).unwrap();
    let b = laptop(&mut a, dir.path(), "laptop");
    assert_ne!(a.device_id(), b.device_id());
    assert_eq!(canonical_dump(&a).unwrap(), canonical_dump(&b).unwrap());
    // The aid officer's own password opens the laptop too.
    drop(b);
    let mut b = session::unlock(&dir.path().join("laptop.db"), "zhao", "officer-pass").unwrap();
    // A visit on the laptop reaches the office; an edit on the office reaches the laptop.
    let t = teacher_id(&b);
    visit::create(
        &mut b,
        &VisitInput {
            household_id: h.meta.id,
            visit_date: "2026-11-20".into(),
            teacher_ids: vec![t],
            student_ids: vec![],
            mode: VisitMode::InHome,
            topics: vec!["学习".into()],
            findings: "家中整洁".into(),
            requests: String::new(),
            follow_ups: vec![],
            parent_name: "王建国".into(),
            parent_ack_date: None,
        },
    )
    .unwrap();
    household::update(&mut a, h.meta.id, &input("6109210001", "王建民")).unwrap();
    let to_a = exchange(&mut b, &mut a, dir.path());
    assert_eq!((to_a.new, to_a.conflicts), (1, 0), "{to_a:?}");
    let to_b = exchange(&mut a, &mut b, dir.path());
    assert_eq!(to_b.conflicts, 0);
    assert_eq!(live_households(&b), vec![("6109210001".to_string(), "王建民".to_string())]);
    assert_eq!(canonical_dump(&a).unwrap(), canonical_dump(&b).unwrap());
    // The visit names who logged it, on both computers.
    let by: String = a.conn().query_row("SELECT a.name FROM visit v JOIN account a ON a.id = v.updated_by", [], |r| r.get(0)).unwrap();
    assert_eq!(by, "赵专干");
    // Each device's audit chain travelled and holds.
    for s in [&a, &b] {
        let v = crate::audit::verify_chains(s.conn()).unwrap();
        assert!(v.broken.is_none(), "{v:?}");
        assert_eq!(v.heads.len(), 2, "both chains on each computer");
    }
    assert_eq!(devices(&a).unwrap().len(), 2);
    // Reading the same file twice changes nothing.
    let file = export(&mut a, &dir.path().join("again"), false).unwrap();
    let before = canonical_dump(&b).unwrap();
    let first = import(&mut b, &file).unwrap();
    let second = import(&mut b, &file).unwrap();
    assert_eq!((second.new, second.updated, second.conflicts), (0, 0, 0), "{first:?} {second:?}");
    assert_eq!(canonical_dump(&b).unwrap(), before);
}

/// Every row of every synced table, the visits' parts, every record's clocks (as read back)
/// and the audit entries of the devices other than `own`, sorted: what a join must write.
fn joined_state(store: &Store, own: &str) -> (BTreeMap<String, Vec<Map<String, Value>>>, Vec<Vec<String>>, Vec<(String, String, Map<String, Value>)>, Vec<Vec<String>>) {
    let conn = store.conn();
    let parts: Vec<Vec<String>> = conn
        .prepare("SELECT 'teacher', visit_id, teacher_id FROM visit_teacher UNION ALL SELECT 'student', visit_id, member_id FROM visit_student ORDER BY 1, 2, 3")
        .unwrap()
        .query_map([], |r| Ok(vec![r.get(0)?, r.get(1)?, r.get(2)?]))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let keys: Vec<(String, String)> =
        conn.prepare("SELECT tbl, record_id FROM sync_clock ORDER BY tbl, record_id").unwrap().query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect();
    let clocks = keys.into_iter().map(|(t, id)| (t.clone(), id.clone(), load_clocks(conn, &t, &id).unwrap())).collect();
    let audit: Vec<Vec<String>> = conn
        .prepare("SELECT device_id, seq, at, account_id, account, op, kind, record_id, changes, prev, hash FROM audit WHERE device_id <> ?1 ORDER BY device_id, seq")
        .unwrap()
        .query_map([own], |r| (0..11).map(|i| r.get::<_, rusqlite::types::Value>(i).map(|v| format!("{v:?}"))).collect())
        .unwrap()
        .map(Result::unwrap)
        .collect();
    (canonical_dump(store).unwrap(), parts, clocks, audit)
}

/// A computer joining the school writes each record of the complete file on the path for
/// records new here (`merge::insert_new`): it ends exactly as one that merged the same file
/// record by record — the same rows, visits' parts, clocks and audit entries, its chains
/// verified — and, nothing clear having arrived, its first login has nothing to convert.
#[test]
fn a_join_writes_what_the_record_by_record_merge_writes() {
    let dir = tempfile::tempdir().unwrap();
    let (office, file) = demo_office(dir.path(), 16);
    let (fast, report) = join(&dir.path().join("fast.db"), &file, "wang", PASSWORD).unwrap();
    merge::RECORD_BY_RECORD.with(|c| c.set(true));
    let slow = join(&dir.path().join("slow.db"), &file, "wang", PASSWORD);
    merge::RECORD_BY_RECORD.with(|c| c.set(false));
    let (slow, slow_report) = slow.unwrap();
    assert_eq!((report.new, report.updated, report.unchanged), (slow_report.new, slow_report.updated, slow_report.unchanged));
    let (rows, parts, clocks, audit) = joined_state(&fast, fast.device_id());
    assert!(rows["visit"].len() > 5 && rows["member"].len() > 16 && !parts.is_empty() && clocks.len() >= report.new, "a school with every kind of record");
    let slow_state = joined_state(&slow, slow.device_id());
    assert!(rows == slow_state.0, "the same rows");
    assert!(parts == slow_state.1, "the same visits' parts");
    assert!(clocks == slow_state.2, "the same clocks");
    assert!(audit == slow_state.3, "the same audit entries");
    // And what the office holds.
    let office_state = joined_state(&office, "");
    assert!(rows == office_state.0 && parts == office_state.1 && audit == office_state.3, "the office's rows and trail");
    for store in [&fast, &slow] {
        let verdict = crate::audit::verify(store).unwrap();
        assert!(verdict.broken.is_none(), "{:?}", verdict.broken);
    }
    // The join itself marks the database as holding nothing clear (before any login).
    let (from, keys, deflated) = opened_complete(&file);
    let (before, after) = load_bare(&dir.path().join("bare.db"), &keys, &from, &deflated);
    assert!(before);
    assert!(!after, "nothing for the first login to convert");
}

/// A holder joining from a backup of the office PC ends as one joining from its complete
/// change file — the same rows, visits' parts, clocks and audit entries, its chains verified —
/// but as a computer of its own: its own device id, the office its one peer, none of the
/// office's local-only records (its signing key). Files then travel both ways.
#[test]
fn a_holder_joins_from_a_backup_as_from_a_complete_file_and_exchanges_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let (mut office, _) = demo_office(dir.path(), 16);
    crate::signing::create(&mut office, "a long signing passphrase").unwrap();
    let backup = dir.path().join("office.hukabackup");
    crate::backup::write(&mut office, &backup).unwrap();
    let file = export(&mut office, &dir.path().join("complete"), true).unwrap();
    let (from_file, _) = join(&dir.path().join("from-file.db"), &file, "wang", PASSWORD).unwrap();
    let mut told = Vec::new();
    let (copy, report) = join_reporting(&dir.path().join("copy.db"), &backup, "zhao", "officer-pass", &mut |done, whole| told.push((done, whole))).unwrap();
    assert_eq!(told.last().map(|&(done, whole)| done == whole), Some(true), "the copy is told whole: {told:?}");
    assert_eq!(report.from_device, office.device_id());
    assert!(report.new >= canonical_dump(&office).unwrap().values().map(Vec::len).sum::<usize>(), "{report:?}");
    assert!(![office.device_id(), from_file.device_id()].contains(&copy.device_id()), "a device id of its own");
    assert_eq!(copy.actor().name, "赵专干");

    let (rows, parts, clocks, audit) = joined_state(&copy, copy.device_id());
    let expected = joined_state(&from_file, from_file.device_id());
    assert!(rows == expected.0, "the same rows");
    assert!(parts == expected.1, "the same visits' parts");
    assert!(audit == expected.3, "the same audit entries of the office");
    let office_clocks = joined_state(&office, "").2;
    assert!(clocks == office_clocks, "the office's clocks");
    // The principal's password opens it too.
    drop(copy);
    let mut copy = crate::session::unlock(&dir.path().join("copy.db"), "wang", PASSWORD).unwrap();
    assert!(crate::audit::verify(&copy).unwrap().broken.is_none());
    let signing_keys = |s: &Store| s.conn().query_row("SELECT count(*) FROM signing_key", [], |r| r.get::<_, i64>(0)).unwrap();
    assert_eq!((signing_keys(&office), signing_keys(&copy)), (1, 0), "the office's signing key stays there");
    // Nor does its secret box travel in the office's audit trail (which the copy holds).
    let boxes = |s: &Store| -> (i64, i64) {
        s.conn().query_row("SELECT count(*), count(*) FILTER (WHERE changes LIKE '%secret_box%') FROM audit WHERE kind = 'signing_key'", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap()
    };
    assert_eq!(boxes(&copy), (1, 0), "the key's creation is audited, without its secret box");
    let devices = devices(&copy).unwrap();
    assert_eq!(devices.iter().map(|d| (d.device_id.as_str(), d.this)).collect::<Vec<_>>(), [(copy.device_id(), true), (office.device_id(), false)]);
    let joined: i64 =
        copy.conn().query_row("SELECT count(*) FROM audit WHERE device_id = ?1 AND op = 'sync_join' AND record_id = ?2", [copy.device_id(), office.device_id()], |r| r.get(0)).unwrap();
    assert_eq!(joined, 1, "the join is the first entry of the copy's own chain");

    // The office writes, the copy reads it; the copy writes, the office reads it.
    let h = household::create(&mut office, &input("6109210077", "陈国强")).unwrap();
    let report = exchange(&mut office, &mut copy, dir.path());
    assert!(report.new >= 1 && report.conflicts == 0, "{report:?}");
    member::create(&mut copy, h.meta.id, &member_input("陈小红", &id_number(77))).unwrap();
    let back = exchange(&mut copy, &mut office, dir.path());
    assert!(back.new >= 1 && back.conflicts == 0, "{back:?}");
    assert_eq!(canonical_dump(&office).unwrap(), canonical_dump(&copy).unwrap());
    assert!(crate::audit::verify(&office).unwrap().broken.is_none());
}

/// A backup opens only with a holder's password and only whole: a teacher, a wrong password,
/// a damaged backup and a backup of a teacher's laptop each join nothing and leave nothing.
#[test]
fn a_teacher_a_wrong_password_or_a_damaged_backup_joins_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (mut office, _) = demo_office(dir.path(), 4);
    let backup = dir.path().join("office.hukabackup");
    crate::backup::write(&mut office, &backup).unwrap();
    let at = dir.path().join("new.db");
    let refused = |backup: &Path, login: &str, password: &str| join(&at, backup, login, password).err().expect("refused");
    // Nothing at the path, and no copy under a temporary name beside it.
    let left = || crate::folder::entries(dir.path()).iter().any(|(p, _)| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("new.db") || n.to_string_lossy().starts_with(".huka-join")));
    let e = refused(&backup, "li", "teacher-pass");
    assert_eq!(e.domain(), Some(&SyncError::TeacherFromBackup), "{e:?}");
    assert!(!left());
    assert!(matches!(join(&at, &backup, "wang", "wrong-password"), Err(Error::WrongPassword)));
    assert!(!left());
    let mut bytes = std::fs::read(&backup).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    let damaged = dir.path().join("damaged.hukabackup");
    std::fs::write(&damaged, &bytes).unwrap();
    let e = refused(&damaged, "wang", PASSWORD);
    assert_eq!(e.code(), "backup_damaged", "{e:?}");
    assert!(!left());
    // A teacher's laptop's backup (the principal logged in there) holds less than the school.
    let mut laptop = join(&dir.path().join("li.db"), &export(&mut office, &dir.path().join("out2"), true).unwrap(), "li", "teacher-pass").unwrap().0;
    drop(laptop);
    laptop = crate::session::unlock(&dir.path().join("li.db"), "wang", PASSWORD).unwrap();
    let partial = dir.path().join("laptop.hukabackup");
    crate::backup::write(&mut laptop, &partial).unwrap();
    let e = refused(&partial, "wang", PASSWORD);
    assert_eq!(e.domain(), Some(&SyncError::PartialBackup), "{e:?}");
    assert!(!left());
    // A disabled account joins nothing, whatever slot of it a backup still held.
    crate::account::disable(&mut office, "zhao").unwrap();
    let after = dir.path().join("after-disabling.hukabackup");
    crate::backup::write(&mut office, &after).unwrap();
    let e = refused(&after, "zhao", "officer-pass");
    assert!(matches!(e, Error::WrongPassword | Error::AccountDisabled), "{e:?}");
    assert!(!left());
    // And it still joins whole from the backup.
    join(&at, &backup, "wang", PASSWORD).unwrap();
}

/// An office PC holding a demo school of `students`, and its complete change file.
fn demo_office(dir: &Path, students: usize) -> (Store, PathBuf) {
    let mut office = office(dir, "2161092101");
    crate::demo::generate(&mut office, &crate::demo::DemoOptions { students, seed: 7 }).unwrap();
    let file = export(&mut office, &dir.join("out"), true).unwrap();
    (office, file)
}

/// A complete change file opened as a join opens it (the principal's password): the device
/// and school its header names, its key file and the deflated set.
fn opened_complete(file: &Path) -> ((String, String), crate::keyfile::KeyFile, Vec<u8>) {
    let bytes = std::fs::read(file).unwrap();
    let (header, keys) = file::clear_part(&bytes).unwrap();
    let (_, deflated) = file::open_with(&bytes, &keys.open_user_directly("wang", PASSWORD).unwrap(), None).unwrap();
    ((header.from_device, header.school), keys, deflated)
}

/// A database made at `path` under the file's key, and `set` loaded into it as a join
/// loads it: whether its first login had a conversion pending before the load, and after.
fn load_bare(path: &Path, keys: &crate::keyfile::KeyFile, (device, school): &(String, String), set: &[u8]) -> (bool, bool) {
    let mut bare = Store::open_encrypted(path, keys.open_user_directly("wang", PASSWORD).unwrap(), true, &crate::SCHEMA).unwrap();
    let before = crate::sealing::pending(bare.conn()).unwrap();
    load(&mut bare, &access::exempt(access::Why::NewDatabase), set, (device, school), &mut |_, _| {}).unwrap();
    (before, crate::sealing::pending(bare.conn()).unwrap())
}

/// A complete file one of whose records holds a clear ID number where the office keeps its
/// masked view (its audit entries as sealed as ever) is read in, but the database is not marked
/// sealed: its first login converts it, as it does one joined from a file from before. The
/// records are checked as they are read (`sealing::record_clear`), not read again after.
#[test]
fn a_join_that_read_a_clear_number_in_a_record_leaves_it_for_the_first_login_to_seal() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let (_, file) = demo_office(dir.path(), 4);
    let (from, keys, deflated) = opened_complete(&file);
    // The first member's masked number in the records (they come before the audit entries).
    let mut text = String::new();
    flate2::read::DeflateDecoder::new(&deflated[..]).read_to_string(&mut text).unwrap();
    let (records, _) = text.split_once("\"audit\":").unwrap();
    let at = records.match_indices("\"resident_id\":\"").map(|(i, m)| i + m.len()).find(|&i| records[i..].split('"').next().unwrap().contains('*')).expect("a masked number");
    let masked = text[at..].split('"').next().unwrap().to_string();
    let clear = ResidentId::compose("610921", NaiveDate::from_ymd_opt(2012, 3, 4).unwrap(), 17);
    text.replace_range(at..at + masked.len(), clear.as_str());
    let mut deflater = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    deflater.write_all(text.as_bytes()).unwrap();
    let with_clear = deflater.finish().unwrap();
    for (name, set, marked) in [("as-sent.db", &deflated, true), ("clear.db", &with_clear, false)] {
        let (_, pending) = load_bare(&dir.path().join(name), &keys, &from, set);
        assert_eq!(!pending, marked, "{name}");
    }
}

/// Joining and reading a change file tell how far they have read, for the window's progress
/// bar: rising, each time of the same whole, the last at the whole.
#[test]
fn joining_and_reading_a_change_file_tell_how_far_they_have_read() {
    fn told_whole(told: &[(u64, u64)]) {
        let (last, whole) = *told.last().expect("told at least once");
        assert!(whole > 0 && last == whole, "{told:?}");
        assert!(told.iter().all(|&(_, w)| w == whole) && told.windows(2).all(|p| p[0].0 < p[1].0), "{told:?}");
    }
    let dir = tempfile::tempdir().unwrap();
    let (mut office, file) = demo_office(dir.path(), 40);
    let mut told = Vec::new();
    let (mut laptop, _) = join_reporting(&dir.path().join("laptop.db"), &file, "wang", PASSWORD, &mut |done, of| told.push((done, of))).unwrap();
    told_whole(&told);
    assert!(told.len() > 2, "a 40-student school's file is told in steps: {told:?}");
    household::create(&mut office, &input("0099", "新登记")).unwrap();
    let later = export(&mut office, &dir.path().join("later"), false).unwrap();
    let mut told = Vec::new();
    let report = import_reporting(&mut laptop, &later, &mut |done, of| told.push((done, of))).unwrap();
    assert_eq!(report.new, 1);
    told_whole(&told);
}

#[test]
fn a_wrong_password_joins_nothing_and_files_of_another_school_or_tampered_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = office(dir.path(), "2161092101");
    let file = export(&mut a, &dir.path().join("out"), true).unwrap();
    assert!(matches!(join(&dir.path().join("t.db"), &file, "wang", "wrong-password"), Err(Error::WrongPassword)));
    assert!(!dir.path().join("t.db").exists(), "a refused join leaves no database");
    let mut b = laptop(&mut a, dir.path(), "laptop");

    let other_dir = dir.path().join("other");
    std::fs::create_dir_all(&other_dir).unwrap();
    let mut other = office(&other_dir, "2161092199");
    let foreign = export(&mut other, &other_dir.join("out"), true).unwrap();
    assert!(matches!(import(&mut b, &foreign), Err(e) if matches!(e.domain(), Some(SyncError::OtherSchool { .. }))));

    let good = export(&mut a, &dir.path().join("out2"), false).unwrap();
    let bytes = std::fs::read(&good).unwrap();
    for at in [20, bytes.len() / 2, bytes.len() - 1] {
        let mut bad = bytes.clone();
        bad[at] ^= 0x01;
        let path = dir.path().join("bad.hukasync");
        std::fs::write(&path, &bad).unwrap();
        let e = import(&mut b, &path).unwrap_err();
        assert!(matches!(e.domain(), Some(SyncError::Damaged | SyncError::NotASyncFile | SyncError::OtherSchool { .. })), "byte {at}: {e:?}");
    }
    std::fs::write(dir.path().join("short.hukasync"), &bytes[..bytes.len() / 3]).unwrap();
    assert!(matches!(import(&mut b, &dir.path().join("short.hukasync")), Err(e) if e.domain() == Some(&SyncError::Damaged)));
    std::fs::write(dir.path().join("x.hukasync"), b"PK\x03\x04 not a change file").unwrap();
    assert!(matches!(import(&mut b, &dir.path().join("x.hukasync")), Err(e) if e.domain() == Some(&SyncError::NotASyncFile)));
    // No name or ID number in the file's bytes.
    let h = household::create(&mut a, &input("6109210001", "王建国")).unwrap();
    member::create(&mut a, h.meta.id, &member_input("王小明", &id_number(1))).unwrap();
    let file = std::fs::read(export(&mut a, &dir.path().join("out3"), false).unwrap()).unwrap();
    for needle in ["王小明".as_bytes(), id_number(1).as_bytes(), "6109210001".as_bytes()] {
        assert!(!file.windows(needle.len()).any(|w| w == needle));
    }
}

#[test]
fn the_same_household_and_person_created_on_two_computers_end_as_one_with_everything_repointed() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = office(dir.path(), "2161092101");
    let mut b = laptop(&mut a, dir.path(), "laptop");
    // Both enter the same family from the same paper list, each with a visit.
    for (store, head) in [(&mut a, "王建国"), (&mut b, "王建国")] {
        let h = household::create(store, &input("6109210001", head)).unwrap();
        member::create(store, h.meta.id, &member_input("王小明", &id_number(1))).unwrap();
        let t = teacher_id(store);
        visit::create(
            store,
            &VisitInput {
                household_id: h.meta.id,
                visit_date: "2026-11-20".into(),
                teacher_ids: vec![t],
                student_ids: vec![],
                mode: VisitMode::Phone,
                topics: vec![],
                findings: format!("{}记录", store.device_id()),
                requests: String::new(),
                follow_ups: vec![],
                parent_name: String::new(),
                parent_ack_date: None,
            },
        )
        .unwrap();
    }
    let r = exchange(&mut a, &mut b, dir.path());
    assert!(r.merged >= 1, "{r:?}");
    exchange(&mut b, &mut a, dir.path());
    for s in [&a, &b] {
        assert_eq!(live_households(s).len(), 1);
        assert_no_duplicate_keys(s);
        let h = household_id(s, "6109210001");
        let visits: i64 = s.conn().query_row("SELECT count(*) FROM visit WHERE household_id = ?1 AND deleted_at IS NULL", [h], |r| r.get(0)).unwrap();
        assert_eq!(visits, 2, "both visits belong to the household that stayed");
        let members: i64 = s.conn().query_row("SELECT count(*) FROM member WHERE household_id = ?1 AND deleted_at IS NULL", [h], |r| r.get(0)).unwrap();
        assert_eq!(members, 1);
        assert_eq!(household::list(s, "王小明", 10).unwrap().len(), 1, "search finds the one household");
    }
    assert_eq!(canonical_dump(&a).unwrap(), canonical_dump(&b).unwrap());
}

/// The same 花名册 imported on two computers before they met: each made a 自编 household of
/// its own; after the exchange both ways, one household with every member, the other merged
/// into it (not left as an empty card), the same on both.
#[test]
fn the_same_student_list_imported_on_two_computers_ends_as_one_household() {
    use crate::import::{self, Choices, ImportKind};
    let dir = tempfile::tempdir().unwrap();
    let mut a = office(dir.path(), "2161092101");
    let mut b = laptop(&mut a, dir.path(), "laptop");
    let head = ResidentId::compose("610921", NaiveDate::from_ymd_opt(1980, 1, 1).unwrap(), 11).as_str().to_string();
    let list = format!(
        "学生姓名,学生身份证号,年级,班级,户主姓名,户主身份证号,与户主关系,家庭人口,联系电话\n\
         王小明,{},三年级,1班,王建国,{head},之子,4,13891501234\n\
         王小红,{},一年级,2班,王建国,{head},之女,4,13891501234\n",
        id_number(1),
        id_number(2)
    );
    for store in [&mut a, &mut b] {
        let r = import::apply(store, ImportKind::Households, list.as_bytes(), &Choices::default(), None, &mut |_, _| {}).unwrap();
        assert_eq!((r.imported, r.rejected), (2, 0), "{r:?}");
    }
    let generated = |s: &Store| live_households(s).into_iter().filter(|h| household::is_generated_number(&h.0)).count();
    assert_eq!((generated(&a), generated(&b)), (1, 1));
    assert_ne!(live_households(&a), live_households(&b), "two numbers Huka made");
    exchange(&mut a, &mut b, dir.path());
    exchange(&mut b, &mut a, dir.path());
    for s in [&a, &b] {
        let live = live_households(s);
        assert_eq!(live.len(), 1, "one household, not an empty card beside it: {live:?}");
        assert_no_duplicate_keys(s);
        let h = household_id(s, &live[0].0);
        let members: i64 = s.conn().query_row("SELECT count(*) FROM member WHERE household_id = ?1 AND deleted_at IS NULL", [h], |r| r.get(0)).unwrap();
        assert_eq!(members, 3, "the head and two students");
        assert_eq!(household::get(s.conn(), h).unwrap().fields.family_size, Some(4.0));
    }
    assert_eq!(canonical_dump(&a).unwrap(), canonical_dump(&b).unwrap());
}

#[test]
fn a_field_changed_on_both_is_a_conflict_both_list_and_a_person_can_swap() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = office(dir.path(), "2161092101");
    let h = household::create(&mut a, &input("6109210001", "王建国")).unwrap();
    let mut b = laptop(&mut a, dir.path(), "laptop");
    household::update(&mut a, h.meta.id, &HouseholdInputExt::phone("13800000001")).unwrap();
    household::update(&mut b, h.meta.id, &HouseholdInputExt::phone("13900000002")).unwrap();
    // An edit of another field on one side only is no conflict.
    let r1 = exchange(&mut a, &mut b, dir.path());
    let r2 = exchange(&mut b, &mut a, dir.path());
    assert_eq!(r1.conflicts + r2.conflicts, 1, "{r1:?} {r2:?}");
    let (ca, cb) = (conflicts(&a, true).unwrap(), conflicts(&b, true).unwrap());
    assert_eq!(ca.len(), 1);
    assert_eq!(ca, cb, "both computers list the same conflict");
    let c = &ca[0];
    assert_eq!(c.field, "phone");
    let phone = |s: &Store| -> String { s.conn().query_row("SELECT phone FROM household WHERE id = ?1", [h.meta.id], |r| r.get(0)).unwrap() };
    assert_eq!(phone(&a), phone(&b));
    assert_eq!(Value::String(phone(&a)), c.kept_value);
    // The principal swaps: the lost value wins everywhere after the next exchange.
    resolve(&mut b, &c.id, true).unwrap();
    exchange(&mut b, &mut a, dir.path());
    assert_eq!(Value::String(phone(&a)), c.lost_value);
    assert!(conflicts(&a, true).unwrap().is_empty());
    assert_eq!(canonical_dump(&a).unwrap(), canonical_dump(&b).unwrap());
}

/// `input` with another phone number.
struct HouseholdInputExt;
impl HouseholdInputExt {
    fn phone(phone: &str) -> household::HouseholdInput {
        household::HouseholdInput { phone: phone.into(), ..input("6109210001", "王建国") }
    }
}

#[test]
fn a_delete_wins_over_an_older_edit_in_either_order_and_a_password_changed_travels() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = office(dir.path(), "2161092101");
    let h = household::create(&mut a, &input("6109210001", "王建国")).unwrap();
    let mut b = laptop(&mut a, dir.path(), "laptop");
    let mut c = laptop(&mut a, dir.path(), "laptop2");
    household::update(&mut b, h.meta.id, &input("6109210001", "王建民")).unwrap();
    household::delete(&mut a, h.meta.id).unwrap();
    account::set_password(&mut a, "zhao", "a-new-password").unwrap();
    // c hears of the delete first, then of the edit; b the other way round.
    exchange(&mut a, &mut c, dir.path());
    exchange(&mut b, &mut c, dir.path());
    exchange(&mut b, &mut a, dir.path());
    exchange(&mut a, &mut b, dir.path());
    for s in [&a, &b, &c] {
        assert!(live_households(s).is_empty(), "the delete holds on every computer");
    }
    drop(b);
    assert!(session::unlock(&dir.path().join("laptop.db"), "zhao", "a-new-password").is_ok());
}

#[test]
fn after_a_rotation_the_laptops_take_the_new_key_at_their_next_exchange_and_old_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = office(dir.path(), "2161092101");
    drop(laptop(&mut a, dir.path(), "laptop"));
    let laptop_db = dir.path().join("laptop.db");
    let mut b = session::unlock(&laptop_db, "zhao", "officer-pass").unwrap();
    let old_key = b.unlocked().unwrap().key.copy_for_tests();
    household::create(&mut b, &input("6109210002", "李建国")).unwrap();
    let before = export(&mut b, &dir.path().join("before"), false).unwrap();

    account::disable(&mut a, "li").unwrap();
    let rotated = crate::keys::rotate(&mut a).unwrap();
    assert!(rotated.need_password.is_empty(), "{:?}", rotated.need_password);
    // A file sealed under the old key is refused on the office PC …
    assert!(matches!(import(&mut a, &before), Err(e) if e.domain() == Some(&SyncError::OldKey)));
    // … the laptop takes the new key from the office's file (zhao's key pair opens it), and
    // the aid officer the new second key with it …
    let old_second = b.second().expect("an aid officer holds the second key").sqlcipher_key().to_string();
    exchange(&mut a, &mut b, dir.path());
    assert!(b.opens_with_own_key());
    let new_second = a.second().unwrap().sqlcipher_key().to_string();
    assert_ne!(new_second, old_second);
    assert_eq!(b.second().unwrap().sqlcipher_key().as_str(), new_second);
    drop(b);
    assert!(Store::open_encrypted(&laptop_db, old_key, false, &crate::SCHEMA).is_err(), "the old key opens the laptop no more");
    assert!(matches!(session::unlock(&laptop_db, "li", "teacher-pass"), Err(Error::WrongPassword)));
    let mut b = session::unlock(&laptop_db, "zhao", "officer-pass").unwrap();
    // … and its own changes reach the office under the new key.
    exchange(&mut b, &mut a, dir.path());
    assert_eq!(live_households(&a).len(), 1);
    let adopted: i64 = b.conn().query_row("SELECT count(*) FROM audit WHERE op = 'keys_adopted'", [], |r| r.get(0)).unwrap();
    assert_eq!(adopted, 1);
}

// ---- The property: any operations on 3–5 computers, any exchanges, the same records. ----

#[derive(Debug, Clone)]
enum Op {
    AddHousehold { device: usize, number: u8, head: u8 },
    EditHousehold { device: usize, pick: usize, head: u8, phone: u8 },
    DeleteHousehold { device: usize, pick: usize },
    AddMember { device: usize, pick: usize, person: u8 },
    EditMember { device: usize, pick: usize, name: u8 },
    AddVisit { device: usize, pick: usize },
    Exchange { from: usize, to: usize },
}

fn op(devices: usize) -> impl Strategy<Value = Op> {
    let d = 0..devices;
    prop_oneof![
        (d.clone(), 0u8..4, 0u8..3).prop_map(|(device, number, head)| Op::AddHousehold { device, number, head }),
        (d.clone(), 0usize..8, 0u8..3, 0u8..3).prop_map(|(device, pick, head, phone)| Op::EditHousehold { device, pick, head, phone }),
        (d.clone(), 0usize..8).prop_map(|(device, pick)| Op::DeleteHousehold { device, pick }),
        (d.clone(), 0usize..8, 0u8..4).prop_map(|(device, pick, person)| Op::AddMember { device, pick, person }),
        (d.clone(), 0usize..8, 0u8..3).prop_map(|(device, pick, name)| Op::EditMember { device, pick, name }),
        (d.clone(), 0usize..8).prop_map(|(device, pick)| Op::AddVisit { device, pick }),
        (d.clone(), d).prop_map(|(from, to)| Op::Exchange { from, to }),
    ]
}

const HEADS: [&str; 3] = ["王建国", "李秀英", "张伟"];

fn ids_of(store: &Store, table: &str) -> Vec<RecordId> {
    store
        .conn()
        .prepare(&format!("SELECT id FROM {table} WHERE deleted_at IS NULL ORDER BY id"))
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

fn run(store: &mut Store, op: &Op) {
    // Refusals (a number already taken here, a record deleted here) are what a user would
    // see; the property is about what the exchanges do with whatever was written.
    let _ = match *op {
        Op::AddHousehold { number, head, .. } => household::create(store, &input(&format!("61092100{number:02}"), HEADS[head as usize])).map(|_| ()),
        Op::EditHousehold { pick, head, phone, .. } => {
            let ids = ids_of(store, "household");
            let Some(&id) = ids.get(pick % ids.len().max(1)) else { return };
            let h = household::get(store.conn(), id).unwrap();
            household::update(
                store,
                id,
                &household::HouseholdInput { head_name: HEADS[head as usize].into(), phone: format!("1380000000{phone}"), ..input(&h.fields.household_number, "") },
            )
            .map(|_| ())
        }
        Op::DeleteHousehold { pick, .. } => {
            let ids = ids_of(store, "household");
            let Some(&id) = ids.get(pick % ids.len().max(1)) else { return };
            household::delete(store, id)
        }
        Op::AddMember { pick, person, .. } => {
            let ids = ids_of(store, "household");
            let Some(&id) = ids.get(pick % ids.len().max(1)) else { return };
            member::create(store, id, &member_input(&format!("成员{person}"), &id_number(person as u16 + 1))).map(|_| ())
        }
        Op::EditMember { pick, name, .. } => {
            let ids = ids_of(store, "member");
            let Some(&id) = ids.get(pick % ids.len().max(1)) else { return };
            let m = member::get(store.conn(), id).unwrap();
            member::update(store, id, &member::MemberInput { name: format!("改名{name}"), ..member_input(&m.name, &m.resident_id) }).map(|_| ())
        }
        Op::AddVisit { pick, .. } => {
            let ids = ids_of(store, "household");
            let Some(&id) = ids.get(pick % ids.len().max(1)) else { return };
            let t = teacher_id(store);
            visit::create(
                store,
                &VisitInput {
                    household_id: id,
                    visit_date: "2026-11-20".into(),
                    teacher_ids: vec![t],
                    student_ids: vec![],
                    mode: VisitMode::Phone,
                    topics: vec![],
                    findings: String::new(),
                    requests: String::new(),
                    follow_ups: vec![],
                    parent_name: String::new(),
                    parent_ack_date: None,
                },
            )
            .map(|_| ())
        }
        Op::Exchange { .. } => unreachable!(),
    };
}

/// A school's office PC and four laptops joined from it, made once; each case copies them.
struct Template {
    dir: tempfile::TempDir,
    key: crate::crypto::DataKey,
    actor: crate::access::Actor,
}

fn template() -> &'static Template {
    static T: std::sync::OnceLock<Template> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let mut a = office(dir.path(), "2161092101");
        for n in 1..5 {
            laptop(&mut a, dir.path(), &format!("d{n}"));
        }
        let key = a.unlocked().unwrap().key.copy_for_tests();
        let actor = a.actor().clone();
        drop(a);
        std::fs::rename(dir.path().join("office.db"), dir.path().join("d0.db")).unwrap();
        std::fs::rename(dir.path().join("office.db.keys"), dir.path().join("d0.db.keys")).unwrap();
        Template { dir, key, actor }
    })
}

fn devices_from_template(dir: &Path, n: usize) -> Vec<Store> {
    let t = template();
    (0..n)
        .map(|i| {
            for suffix in [".db", ".db.keys"] {
                std::fs::copy(t.dir.path().join(format!("d{i}{suffix}")), dir.join(format!("d{i}{suffix}"))).unwrap();
            }
            let mut s = Store::open_encrypted(&dir.join(format!("d{i}.db")), t.key.copy_for_tests(), false, &crate::SCHEMA).unwrap();
            s.act_as(t.actor.clone()).unwrap();
            s
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, max_shrink_iters: 64, ..ProptestConfig::default() })]

    #[test]
    fn computers_that_exchanged_everything_hold_the_same_records(n in 3usize..=5, ops in proptest::collection::vec(op(5), 1..40)) {
        let dir = tempfile::tempdir().unwrap();
        let files = dir.path().join("stick");
        let mut stores = devices_from_template(dir.path(), n);
        for o in &ops {
            match *o {
                Op::Exchange { from, to } => {
                    let (from, to) = (from % n, to % n);
                    if from != to {
                        let (x, y) = two(&mut stores, from, to);
                        exchange(x, y, &files);
                    }
                }
                Op::AddHousehold { device, .. } | Op::EditHousehold { device, .. } | Op::DeleteHousehold { device, .. }
                | Op::AddMember { device, .. } | Op::EditMember { device, .. } | Op::AddVisit { device, .. } => run(&mut stores[device % n], o),
            }
        }
        // Everyone meets everyone, twice over.
        for _ in 0..2 {
            for from in 0..n {
                for to in 0..n {
                    if from != to {
                        let (x, y) = two(&mut stores, from, to);
                        exchange(x, y, &files);
                    }
                }
            }
        }
        let first = canonical_dump(&stores[0]).unwrap();
        for s in &stores {
            assert_no_duplicate_keys(s);
            prop_assert_eq!(&canonical_dump(s).unwrap(), &first);
            let v = crate::audit::verify_chains(s.conn()).unwrap();
            prop_assert!(v.broken.is_none());
        }
        // One more round changes nothing.
        let (x, y) = two(&mut stores, 0, 1);
        let r = exchange(x, y, &files);
        prop_assert_eq!((r.new, r.updated, r.conflicts, r.merged), (0, 0, 0, 0));
    }
}

fn two(stores: &mut [Store], a: usize, b: usize) -> (&mut Store, &mut Store) {
    assert_ne!(a, b);
    if a < b {
        let (l, r) = stores.split_at_mut(b);
        (&mut l[a], &mut r[0])
    } else {
        let (l, r) = stores.split_at_mut(a);
        (&mut r[0], &mut l[b])
    }
}

fn rows_of(store: &Store, table: &str) -> Vec<Map<String, Value>> {
    let mut rows = set::rows(store.conn(), table, None).unwrap();
    rows.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    rows
}

#[test]
fn a_teachers_laptop_holds_only_what_the_teacher_may_see_and_sends_back_nothing_it_lacks() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = office(dir.path(), "2161092101");
    crate::demo::generate(&mut a, &crate::demo::DemoOptions { students: 40, seed: 4 }).unwrap();
    let t: RecordId = a.conn().query_row("SELECT teacher_id FROM pairing WHERE deleted_at IS NULL AND end_date IS NULL LIMIT 1", [], |r| r.get(0)).unwrap();
    account::add(&mut a, &AccountInput { login: "zhang".into(), name: "张老师".into(), role: Role::Teacher, teacher_id: Some(t) }, "teacher-pass").unwrap();
    let mut c = laptop(&mut a, dir.path(), "full-laptop");
    let file = export(&mut a, &dir.path().join("out"), true).unwrap();
    let (mut teacher, _) = join(&dir.path().join("teacher.db"), &file, "zhang", "teacher-pass").unwrap();

    // Cards in the teacher's care in full; the others without ID numbers, health, disability.
    let ids = |s: &Store| -> BTreeMap<String, (String, String, String)> {
        s.conn()
            .prepare("SELECT id, household_id, resident_id, health FROM member")
            .unwrap()
            .query_map([], |r| Ok((r.get::<_, String>(0)?, (r.get(1)?, r.get(2)?, r.get(3)?))))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    let (office_ids, laptop_ids) = (ids(&a), ids(&teacher));
    assert_eq!(office_ids.len(), laptop_ids.len(), "every card is there");
    // No ID number on the laptop, in the teacher's care or not (issue 22); health in their care only.
    let (mut in_care_numbers, mut withheld) = (0, 0);
    for (member, (household, resident_id, health)) in &laptop_ids {
        let in_care = crate::care::in_care_of(teacher.conn(), t, RecordId::parse(household).unwrap()).unwrap();
        assert!(resident_id.is_empty(), "{member}: no number on a teacher's laptop");
        // No health text in clear anywhere (sealed, issue 22): the laptop has no key to open it.
        assert!(health.is_empty() && office_ids[member].2.is_empty(), "{member}: health sealed");
        if in_care {
            in_care_numbers += usize::from(!office_ids[member].1.is_empty());
        } else {
            assert!(health.is_empty(), "{member} is outside the teacher's care");
            withheld += usize::from(!office_ids[member].1.is_empty());
        }
    }
    assert!(in_care_numbers > 0 && withheld > 0, "{in_care_numbers} in care, {withheld} outside");
    // Outside their care, not even whether a health or disability note is recorded.
    let noted: Vec<RecordId> = teacher.conn().prepare("SELECT household_id FROM member WHERE has_health_note <> 0").unwrap().query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    assert!(noted.iter().all(|h| crate::care::in_care_of(teacher.conn(), t, *h).unwrap()), "a health note's flag outside the teacher's care");
    let office_noted: i64 = a.conn().query_row("SELECT count(*) FROM member WHERE has_health_note <> 0", [], |r| r.get(0)).unwrap();
    assert!(office_noted > 0, "the demo school has health notes");
    let numbers: i64 = teacher.conn().query_row("SELECT count(*) FROM student WHERE national_student_number <> ''", [], |r| r.get(0)).unwrap();
    assert_eq!(numbers, 0, "no national student number either");
    let disabled: Vec<RecordId> = teacher
        .conn()
        .prepare("SELECT m.household_id FROM student s JOIN member m ON m.id = s.member_id WHERE s.disabled <> 0")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert!(disabled.iter().all(|h| crate::care::in_care_of(teacher.conn(), t, *h).unwrap()), "disability in their care only");
    let roster: i64 = teacher.conn().query_row("SELECT count(*) FROM registration", [], |r| r.get(0)).unwrap();
    assert_eq!(roster, 0, "no roster on a teacher's laptop");
    let foreign: i64 = teacher.conn().query_row("SELECT count(*) FROM audit WHERE device_id <> ?1", [teacher.device_id()], |r| r.get(0)).unwrap();
    assert_eq!(foreign, 0, "no other computer's audit trail");

    // The teacher's changes go back; nothing the laptop lacks is overwritten at the office.
    let household = laptop_ids
        .values()
        .map(|(h, ..)| RecordId::parse(h).unwrap())
        .find(|h| crate::care::in_care_of(teacher.conn(), t, *h).unwrap())
        .expect("a household in the teacher's care");
    visit::create(
        &mut teacher,
        &VisitInput {
            household_id: household,
            visit_date: "2026-11-20".into(),
            teacher_ids: vec![t],
            student_ids: vec![],
            mode: VisitMode::InHome,
            topics: vec![],
            findings: "一切正常".into(),
            requests: String::new(),
            follow_ups: vec![],
            parent_name: String::new(),
            parent_ack_date: None,
        },
    )
    .unwrap();
    let (members, students) = (rows_of(&a, "member"), rows_of(&a, "student"));
    let back = export(&mut teacher, &dir.path().join("back"), false).unwrap();
    let r = import(&mut a, &back).unwrap();
    assert_eq!(r.new, 1, "{r:?}");
    assert_eq!(rows_of(&a, "member"), members);
    assert_eq!(rows_of(&a, "student"), students);

    // A full computer that reads the teacher's file still ends with everything the office has.
    let outside = laptop_ids.iter().find(|(m, (_, rid, _))| rid.is_empty() && !office_ids[*m].1.is_empty()).map(|(m, _)| m.clone()).unwrap();
    let id = RecordId::parse(&outside).unwrap();
    let before = member::read(&a, id).unwrap();
    member::update(&mut a, id, &member::MemberInput { name: "改了名字".into(), ..member_input(&before.name, &before.resident_id) }).unwrap();
    exchange(&mut a, &mut teacher, dir.path());
    let on_laptop: (String, String) = teacher.conn().query_row("SELECT name, resident_id FROM member WHERE id = ?1", [&outside], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert_eq!(on_laptop.0, "改了名字");
    exchange(&mut teacher, &mut c, dir.path());
    exchange(&mut a, &mut c, dir.path());
    assert_eq!(rows_of(&c, "member"), rows_of(&a, "member"));
    assert_eq!(rows_of(&c, "registration"), rows_of(&a, "registration"));
}

#[test]
fn the_author_is_clocked_with_the_fields_it_wrote() {
    let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    let li = account::add(&mut store, &AccountInput { login: "li".into(), name: "李老师".into(), role: Role::Teacher, teacher_id: None }, "password-1")
        .unwrap()
        .actor();
    let h = household::create(&mut store, &input("0001", "王建国")).unwrap();
    let id = h.meta.id.to_string();
    let before = load_clocks(store.conn(), "household", &id).unwrap();
    assert_eq!(before.get("updated_by"), before.get("head_name"), "inserted: the author at the record's one clock");
    crate::teacher::set_for_household(&mut store, h.meta.id, &[li.teacher_id.unwrap()]).unwrap();
    store.act_as_for_tests(li.clone());
    household::update(&mut store, h.meta.id, &household::HouseholdInput { notes: "家访后更新".into(), ..input("0001", "王建国") }).unwrap();
    let after = load_clocks(store.conn(), "household", &id).unwrap();
    assert_eq!(after.get("updated_by"), after.get("notes"), "the new author at the edit's clock");
    assert_ne!(after.get("updated_by"), before.get("updated_by"));
    assert_eq!(after.get("head_name"), before.get("head_name"), "an untouched field keeps its clock");
    let author: String = store.conn().query_row("SELECT updated_by FROM household WHERE id = ?1", [&id], |r| r.get(0)).unwrap();
    assert_eq!(author, li.id.to_string());
    // One audit entry for the insert and one for the edit, however many rows the triggers wrote.
    let entries: i64 = store.conn().query_row("SELECT count(*) FROM audit WHERE kind = 'household' AND record_id = ?1", [&id], |r| r.get(0)).unwrap();
    assert_eq!(entries, 2);
}

/// The office of `office()` with two cards — `in_care` naming the teacher 李老师 (account
/// `li`), `outside` not — a member on each, and a grant applied for the member outside; and a
/// laptop joined by the teacher. Returns (office, laptop, in_care, outside, grant).
fn office_and_teachers_laptop(dir: &Path) -> (Store, Store, RecordId, RecordId, String) {
    let mut a = office(dir, "2161092101");
    let li: RecordId = a.conn().query_row("SELECT teacher_id FROM account WHERE login = 'li'", [], |r| r.get(0)).unwrap();
    let in_care = household::create(&mut a, &input("0001", "王建国")).unwrap().meta.id;
    let outside = household::create(&mut a, &input("0002", "张大山")).unwrap().meta.id;
    crate::teacher::set_for_household(&mut a, in_care, &[li]).unwrap();
    member::create(&mut a, in_care, &member_input("王小明", &id_number(1))).unwrap();
    let kid = member::create(&mut a, outside, &member_input("张小花", &id_number(2))).unwrap().meta.id;
    let grant = RecordId::new().to_string();
    a.write(|w| {
        w.tx().execute(
            "INSERT INTO aid_grant (id, member_id, programme_id, term, amount_fen, status, created_at, updated_at, device_id)
             VALUES (?1, ?2, '01900000-0000-7000-8000-000000000003', '2026-autumn', 50000, 'applied', ?3, ?3, ?4)",
            rusqlite::params![grant, kid, w.now(), w.device_id()],
        )?;
        Ok(())
    })
    .unwrap();
    let file = export(&mut a, &dir.join("out"), true).unwrap();
    let (laptop, _) = join(&dir.join("teacher.db"), &file, "li", "teacher-pass").unwrap();
    (a, laptop, in_care, outside, grant)
}

#[test]
fn a_teachers_laptop_never_holds_the_second_key_in_any_file() {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, mut laptop, ..) = office_and_teachers_laptop(dir.path());
    let office_keys = crate::keyfile::KeyFile::load(a.unlocked().unwrap().path.as_path()).unwrap();
    assert!(office_keys.user_has_second("wang") && office_keys.user_has_second("zhao") && !office_keys.user_has_second("li"));
    let laptop_path = laptop.unlocked().unwrap().path.clone();
    assert!(laptop.second().is_none());
    let no_second = |path: &Path| !std::fs::read_to_string(crate::keyfile::path_of(path)).unwrap().contains("\"second\"");
    assert!(no_second(&laptop_path), "not even sealed to the principal's pair");
    // Nor after an exchange, a rotation adopted, or in the change files it writes.
    exchange(&mut a, &mut laptop, dir.path());
    assert!(no_second(&laptop_path));
    crate::keys::rotate(&mut a).unwrap();
    exchange(&mut a, &mut laptop, dir.path());
    assert!(laptop.opens_with_own_key() && laptop.second().is_none());
    assert!(no_second(&laptop_path));
    let out = export(&mut laptop, &dir.path().join("from-laptop"), false).unwrap();
    let (_, keys) = file::clear_part(&std::fs::read(&out).unwrap()).unwrap();
    assert!(!keys.has_second());
    // The office, reading it, keeps its holders' second keys.
    import(&mut a, &out).unwrap();
    let office_keys = crate::keyfile::KeyFile::load(a.unlocked().unwrap().path.as_path()).unwrap();
    assert!(office_keys.user_has_second("wang") && office_keys.user_has_second("zhao") && !office_keys.user_has_second("li"));
    // A principal logging in on the teacher's laptop gets no second key there either.
    drop(laptop);
    assert!(session::unlock(&laptop_path, "wang", PASSWORD).unwrap().second().is_none());
}

fn notes(store: &Store, household: RecordId) -> String {
    store.conn().query_row("SELECT notes FROM household WHERE id = ?1", [household], |r| r.get(0)).unwrap()
}

#[test]
fn a_change_file_crafted_on_a_teachers_laptop_is_applied_only_as_far_as_the_teacher_may_write() {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, mut laptop, in_care, outside, grant) = office_and_teachers_laptop(dir.path());
    assert_eq!(laptop.actor().role, Role::Teacher);
    // A script on the laptop writes into its database as the teacher (the store stamps the
    // account, clocks and audits as for any write), around the window's gate.
    let new_household = RecordId::new().to_string();
    laptop
        .write(|w| {
            let tx = w.tx();
            tx.execute("UPDATE household SET notes = '家访后更新' WHERE id = ?1", [in_care])?;
            tx.execute("UPDATE household SET notes = '改了别人的卡' WHERE id = ?1", [outside])?;
            tx.execute("UPDATE aid_grant SET status = 'school_reviewed' WHERE id = ?1", [&grant])?;
            tx.execute(
                "INSERT INTO household (id, household_number, head_name, status, created_at, updated_at, device_id) VALUES (?1, '0099', '假户', 'registered', ?2, ?2, ?3)",
                rusqlite::params![new_household, w.now(), w.device_id()],
            )?;
            tx.execute(
                "INSERT INTO member (id, household_id, name, created_at, updated_at, device_id) VALUES (?1, ?2, '假人', ?3, ?3, ?4)",
                rusqlite::params![RecordId::new().to_string(), new_household, w.now(), w.device_id()],
            )?;
            Ok(())
        })
        .unwrap();
    let grant_before = rows_of(&a, "aid_grant");
    let file = export(&mut laptop, &dir.path().join("back"), false).unwrap();
    let r = import(&mut a, &file).unwrap();

    // The card in the teacher's care took the edit; nothing else did.
    assert_eq!(notes(&a, in_care), "家访后更新");
    assert_eq!(notes(&a, outside), "", "a card outside the teacher's care");
    assert_eq!(rows_of(&a, "aid_grant"), grant_before, "the school's review is the principal's");
    let fake: i64 = a.conn().query_row("SELECT count(*) FROM household WHERE household_number = '0099'", [], |r| r.get(0)).unwrap();
    let fake_member: i64 = a.conn().query_row("SELECT count(*) FROM member WHERE name = '假人'", [], |r| r.get(0)).unwrap();
    assert_eq!((fake, fake_member), (0, 0), "a teacher creates no card");
    // Each refusal listed, with the author and the reason; the same on the 同步 page's list.
    let listed: BTreeMap<(String, String), &Refused> = r.refused.iter().map(|x| ((x.table.clone(), x.record_id.clone()), x)).collect();
    assert_eq!(listed.len(), 4, "{:#?}", r.refused);
    let outside_card = listed[&("household".to_string(), outside.to_string())];
    assert_eq!((outside_card.author.as_str(), outside_card.author_role.as_str()), ("李老师", "teacher"));
    assert!(outside_card.reason.contains("只能为自己结对帮扶"), "{}", outside_card.reason);
    assert!(outside_card.reason_en.contains("may only change this household card"), "{}", outside_card.reason_en);
    assert_eq!(outside_card.label, "0002 张大山");
    assert!(listed[&("aid_grant".to_string(), grant.clone())].reason.contains("不能办理资助"));
    assert!(listed[&("household".to_string(), new_household.clone())].reason_en.contains("may not create or delete household cards"));
    assert!(listed.keys().any(|(t, _)| t == "member"));
    assert_eq!(refused(&a).unwrap(), r.refused);
    // The laptop's audit chain came whole (it is that computer's history, refusals included)
    // and still verifies; the import's own entry counts what was refused.
    let v = crate::audit::verify_chains(a.conn()).unwrap();
    assert!(v.broken.is_none());
    let entries: i64 = a.conn().query_row("SELECT count(*) FROM audit WHERE device_id = ?1", [laptop.device_id()], |r| r.get(0)).unwrap();
    assert!(entries >= 5, "{entries}");

    // The same file again refuses the same. Once the laptop has read the office's file (which
    // says the office has seen the laptop's writes, refused ones too), they are not sent again:
    // the next file refuses nothing and empties the list.
    let again = import(&mut a, &file).unwrap();
    assert_eq!(again.refused.len(), 4);
    exchange(&mut a, &mut laptop, dir.path());
    household::update(&mut laptop, in_care, &household::HouseholdInput { notes: "第二次家访".into(), ..input("0001", "王建国") }).unwrap();
    let r = exchange(&mut laptop, &mut a, dir.path());
    assert!(r.refused.is_empty(), "{:?}", r.refused);
    assert!(refused(&a).unwrap().is_empty());
    assert_eq!(notes(&a, in_care), "第二次家访");
}

#[test]
fn a_disabled_account_writes_nothing_after_its_disabling_and_opens_no_computer_after_the_next_exchange() {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, mut laptop, in_care, _, _) = office_and_teachers_laptop(dir.path());
    let laptop_path = dir.path().join("teacher.db");
    account::disable(&mut a, "li").unwrap();
    // The laptop has not heard of it: the teacher edits a card in their care and sets a new
    // password there (a slot newer than the office's removal).
    household::update(&mut laptop, in_care, &household::HouseholdInput { notes: "停用后写的".into(), ..input("0001", "王建国") }).unwrap();
    account::set_password(&mut laptop, "li", "another-teacher-pass").unwrap();
    let r = exchange(&mut laptop, &mut a, dir.path());
    assert_eq!(notes(&a, in_care), "");
    let card = r.refused.iter().find(|x| x.table == "household").expect("the card's edit is refused");
    assert!(card.reason.contains("已于") && card.reason.contains("停用"), "{}", card.reason);
    assert!(card.reason_en.contains("was disabled on"), "{}", card.reason_en);
    let office_path = a.unlocked().unwrap().path.clone();
    for password in ["teacher-pass", "another-teacher-pass"] {
        assert!(session::unlock(&office_path, "li", password).is_err(), "{password} opens nothing at the office");
    }
    // After the office's next file the laptop holds the disabling and no slot of the account.
    exchange(&mut a, &mut laptop, dir.path());
    drop(laptop);
    let keys = crate::keyfile::KeyFile::load(&laptop_path).unwrap();
    assert!(!keys.has_user("li"));
    for password in ["teacher-pass", "another-teacher-pass"] {
        assert!(session::unlock(&laptop_path, "li", password).is_err(), "{password} opens nothing on the laptop");
    }
    let keys = crate::keyfile::KeyFile::load(&office_path).unwrap();
    assert!(!keys.has_user("li"));
    // The principal still logs in on the laptop.
    session::unlock(&laptop_path, "wang", PASSWORD).unwrap();
}

#[test]
fn records_of_an_account_made_after_the_last_exchange_wait_for_its_account_in_the_same_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = office(dir.path(), "2161092101");
    let mut b = laptop(&mut a, dir.path(), "laptop");
    // A new aid officer writes a card on the office PC: in the file, the card comes before
    // the account (a table is written after those it refers to; the card refers to none).
    let zhou = account::add(&mut a, &AccountInput { login: "zhou".into(), name: "周专干".into(), role: Role::AidOfficer, teacher_id: None }, "officer-pass-2")
        .unwrap()
        .actor();
    a.act_as_for_tests(zhou);
    let h = household::create(&mut a, &input("0007", "周家")).unwrap();
    let r = exchange(&mut a, &mut b, dir.path());
    assert!(r.refused.is_empty(), "{:?}", r.refused);
    assert_eq!(household::get(b.conn(), h.meta.id).unwrap().fields.head_name, "周家");
}

// ---- Issue 22: what a teacher's raw data key opens, read as a script would. ----

/// The acceptance test of the second key (issue 22): the full numbers, health and disability
/// notes and birth dates are stored sealed under it, so a teacher's raw data key finds none
/// of them in the clear, on the laptop or in the office's backup.
#[test]
fn a_teachers_raw_data_key_finds_no_full_number_or_health_note_in_the_laptop_or_the_offices_backup() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = office(dir.path(), "2161092101");
    crate::demo::generate(&mut a, &crate::demo::DemoOptions { students: 40, seed: 4 }).unwrap();
    let t: RecordId = a.conn().query_row("SELECT teacher_id FROM pairing WHERE deleted_at IS NULL AND end_date IS NULL LIMIT 1", [], |r| r.get(0)).unwrap();
    account::add(&mut a, &AccountInput { login: "zhang".into(), name: "张老师".into(), role: Role::Teacher, teacher_id: Some(t) }, "teacher-pass").unwrap();
    // What the office holds in full, as the principal reads it: every sealed field opened
    // (the birth dates are inside the numbers; their columns are checked below).
    let mut known = std::collections::BTreeSet::new();
    let key = a.second().expect("the principal holds the second key");
    for f in crate::sealed::FIELDS.iter().filter(|f| f.kind != crate::sealed::Kind::BirthDate) {
        let sql = format!("SELECT id, {} FROM {} WHERE {0} <> ''", f.sealed_column(), f.table);
        known.extend(a.conn().prepare(&sql).unwrap().query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).unwrap().map(|row| {
            let (id, sealed) = row.unwrap();
            crate::sealed::open(key, f.table, &id, f.column, &sealed).expect("opens for the principal").to_string()
        }));
    }
    assert!(known.len() > 40, "the demo school has numbers and notes to look for");
    assert!(known.iter().any(|k| ResidentId::parse(k).is_err() && !k.starts_with('G')), "and health notes");
    let file = export(&mut a, &dir.path().join("out"), true).unwrap();
    let laptop_db = dir.path().join("teacher.db");
    let (mut laptop, _) = join(&laptop_db, &file, "zhang", "teacher-pass").unwrap();
    assert!(!crate::sealing::pending(laptop.conn()).unwrap(), "nothing clear arrived: nothing left to mask at a later login");
    exchange(&mut a, &mut laptop, dir.path());
    let backup = dir.path().join("office.hukabackup");
    crate::backup::write(&mut a, &backup).unwrap();
    drop((a, laptop));

    // The teacher's script: their password opens their slot of the key file, the raw data key.
    let raw_key = crate::keyfile::KeyFile::load(&laptop_db).unwrap().open_user_directly("zhang", "teacher-pass").unwrap().sqlcipher_key().to_string();
    // The office's backup is a zip; its database part, under the same data key.
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&backup).unwrap()).unwrap();
    let name = (0..zip.len()).map(|i| zip.by_index(i).unwrap().name().unwrap().to_string()).find(|n| n.ends_with(".db")).expect("a database in the backup");
    let office_copy = dir.path().join("office-copy.db");
    std::io::copy(&mut zip.by_name(&name).unwrap(), &mut std::fs::File::create(&office_copy).unwrap()).unwrap();

    let mut found = Vec::new();
    for (what, path) in [("the teacher's laptop", &laptop_db), ("the office's backup", &office_copy)] {
        found.extend(crate::sealing::found_in_the_clear(path, &raw_key, &known).into_iter().map(|f| format!("{what}: {f}")));
        // No birth date in the clear either (beside a masked number it rebuilds it).
        let conn = rusqlite::Connection::open(path).unwrap();
        conn.execute_batch(&format!("PRAGMA key = \"{raw_key}\";")).unwrap();
        for table in ["member", "registration"] {
            let dated: i64 = conn.query_row(&format!("SELECT count(*) FROM {table} WHERE birth_date IS NOT NULL"), [], |r| r.get(0)).unwrap();
            if dated > 0 {
                found.push(format!("{what}: {dated} clear birth dates in {table}"));
            }
        }
    }
    assert!(found.is_empty(), "in the clear:\n{}", found.join("\n"));
}

