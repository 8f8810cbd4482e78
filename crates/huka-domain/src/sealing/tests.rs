use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::*;
use crate::access::Role;
use crate::account::{self, AccountInput};
use crate::crypto::RecoveryCode;
use crate::demo::{self, DemoOptions};
use crate::keyfile::KeyFile;
use crate::school::SchoolInput;
use crate::session::{self, FirstAccount, Setup};

const PASSWORD: &str = "principal-pass";

fn school() -> SchoolInput {
    SchoolInput { code: "2161092101".into(), name: "涧池镇九年制学校".into(), town: "涧池镇".into(), district: String::new() }
}

/// A raw connection to an encrypted database, as a script with its data key would open it.
fn raw(path: &Path, key: &str) -> Connection {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"{key}\";")).unwrap();
    conn
}

/// A school's database as the schema-16 code left it, with a teacher `li` (in charge of some
/// households) and the raw data key: made with today's code, then every sealed field's value
/// put back in its clear column and schema 17 taken away by SQL (its columns, indexes and
/// marker; the clear numbers' unique indexes back), and the audit trail's entries of those
/// tables as schema 16 wrote them — the clear values instead of the sealed columns —, every
/// chain hashed again over them.
pub(crate) struct Old {
    _dir: tempfile::TempDir,
    pub path: PathBuf,
    pub raw_key: String,
    pub code: RecoveryCode,
    /// Every clear value of a sealed field it holds (numbers, dates, notes).
    pub known: BTreeSet<String>,
}

pub(crate) fn schema_16_school(students: usize) -> Old {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huka.db");
    let first = FirstAccount { login: "wang".into(), name: "王校长".into(), password: PASSWORD.into() };
    let (mut store, code) = session::create(&path, Setup::School(&school()), &first).unwrap();
    demo::generate(&mut store, &DemoOptions { students, seed: 3 }).unwrap();
    let t: crate::record::RecordId =
        store.conn().query_row("SELECT teacher_id FROM pairing WHERE deleted_at IS NULL AND end_date IS NULL LIMIT 1", [], |r| r.get(0)).unwrap();
    account::add(&mut store, &AccountInput { login: "li".into(), name: "李老师".into(), role: Role::Teacher, teacher_id: Some(t) }, "teacher-pass").unwrap();
    let second = store.second().unwrap().copy_for_tests();
    let raw_key = store.unlocked().unwrap().key.sqlcipher_key().to_string();
    drop(store);
    let conn = raw(&path, &raw_key);
    let known: BTreeSet<String> = sealed::take_schema_17_away(&conn, &second).into_iter().collect();
    old_entries(&conn, &second);
    crate::audit::rechain_for_tests(&conn);
    conn.execute_batch("PRAGMA user_version = 16;").unwrap();
    assert!(known.iter().any(|k| ResidentId::parse(k).is_ok()) && known.iter().any(|k| k.chars().any(|c| !c.is_ascii())), "numbers and notes to look for");
    Old { _dir: dir, path, raw_key, code, known }
}

/// The audit entries of the sealed fields' tables as schema 16 wrote them: each sealed
/// column's old → new values opened into the clear column's, the companions gone.
fn old_entries(conn: &Connection, second: &DataKey) {
    let rows: Vec<(String, i64, String, String, String)> = conn
        .prepare("SELECT device_id, seq, kind, record_id, changes FROM audit WHERE kind IN ('member', 'student', 'registration')")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (device, seq, kind, record, changes) in rows {
        let mut values: BTreeMap<String, [Value; 2]> = serde_json::from_str(&changes).unwrap();
        for f in FIELDS.iter().filter(|f| f.table == kind) {
            if let Some(pair) = values.remove(f.sealed_column()) {
                let open = |v: &Value| match v.as_str().filter(|s| !s.is_empty()) {
                    Some(s) => Value::String(sealed::open(second, &kind, &record, f.column, s).expect("opens").to_string()),
                    None => Value::Null,
                };
                values.insert(f.column.to_string(), [open(&pair[0]), open(&pair[1])]);
            }
            for c in f.columns().into_iter().skip(2) {
                values.remove(c);
            }
        }
        conn.execute("UPDATE audit SET changes = ?3 WHERE device_id = ?1 AND seq = ?2", rusqlite::params![device, seq, serde_json::to_string(&values).unwrap()])
            .unwrap();
    }
}

fn marker(store: &Store) -> Option<String> {
    store.conn().query_row("SELECT sealed_at FROM field_sealing", [], |r| r.get(0)).unwrap()
}

fn sealed_entries(store: &Store) -> Vec<String> {
    store.conn().prepare("SELECT changes FROM audit WHERE op = 'fields_sealed'").unwrap().query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
}

#[test]
fn a_holders_first_login_seals_every_field_and_old_entry_and_the_trail_still_verifies() {
    let old = schema_16_school(40);
    let before = crate::sealing::found_in_the_clear(&old.path, &old.raw_key, &old.known);
    let found_in = |place: &str| before.iter().any(|f| f.starts_with(&format!("{place}: ")));
    assert!(found_in("member.resident_id") && found_in("member.health") && found_in("audit.changes"), "{before:?}");
    let ids: Vec<(String, String)> = raw(&old.path, &old.raw_key)
        .prepare("SELECT id, resident_id FROM member WHERE resident_id <> ''")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let counts_before: Vec<(String, i64)> = counts(&raw(&old.path, &old.raw_key)).unwrap();
    assert_eq!(crate::audit::verify_with(&raw(&old.path, &old.raw_key), None).unwrap().broken, None, "the fixture's chains hold");

    // A teacher logging in on the office's unconverted database converts nothing.
    let li = session::unlock(&old.path, "li", "teacher-pass").unwrap();
    assert_eq!(marker(&li), None);
    assert!(sealed_entries(&li).is_empty());
    drop(li);
    assert_eq!(crate::sealing::found_in_the_clear(&old.path, &old.raw_key, &old.known), before);

    // The principal's first login does.
    let store = session::unlock(&old.path, "wang", PASSWORD).unwrap();
    assert!(marker(&store).is_some());
    let entries = sealed_entries(&store);
    assert_eq!(entries.len(), 1, "one audit entry");
    let details: BTreeMap<String, [Value; 2]> = serde_json::from_str(&entries[0]).unwrap();
    assert_eq!(details["member.resident_id"][1], Value::from(ids.len()));
    assert!(details.values().all(|[old, new]| old.is_null() && (new.is_number() || new.is_boolean())), "counts only: {details:?}");
    assert_eq!(details["withKey"][1], Value::from(true));
    // Every number opens to what it was; its digest is the number's.
    let second = store.second().unwrap();
    for (id, number) in &ids {
        let (masked, s, digest): (String, String, String) = store
            .conn()
            .query_row("SELECT resident_id, resident_id_sealed, resident_id_digest FROM member WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap();
        assert_eq!(masked, crate::masking::resident_id(number));
        assert_eq!(sealed::open(second, "member", id, "resident_id", &s).unwrap().as_str(), number);
        assert_eq!(digest, sealed::digest(second, "resident_id", number));
    }
    // The same rows, the old entries verify through the second key, nothing stamped or clocked.
    let mut counts_after = counts(store.conn()).unwrap();
    let audit = counts_after.iter_mut().find(|(t, _)| t == "audit").unwrap();
    audit.1 -= 1;
    assert_eq!(counts_after, counts_before);
    let v = crate::audit::verify(&store).unwrap();
    assert_eq!((v.broken, v.sealed_elsewhere), (None, 0));
    let without = crate::audit::verify_with(store.conn(), None).unwrap();
    assert!(without.broken.is_none() && without.sealed_elsewhere > 0);
    let ok: String = store.conn().query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(ok, "ok");
    drop(store);

    // Read as a script with the raw data key would: no full number, date or note anywhere.
    assert_eq!(crate::sealing::found_in_the_clear(&old.path, &old.raw_key, &old.known), Vec::<String>::new());
    // The next login converts nothing more; the recovery code opens, and the numbers with it.
    let store = session::unlock(&old.path, "wang", PASSWORD).unwrap();
    assert_eq!(sealed_entries(&store).len(), 1);
    drop(store);
    let store = session::recover(&old.path, old.code.as_str(), "wang", "principal-pass-2").unwrap();
    let (id, number) = &ids[0];
    let s: String = store.conn().query_row("SELECT resident_id_sealed FROM member WHERE id = ?1", [id], |r| r.get(0)).unwrap();
    assert_eq!(sealed::open(store.second().unwrap(), "member", id, "resident_id", &s).unwrap().as_str(), number);
}

#[test]
fn the_recovery_code_converts_too() {
    let old = schema_16_school(10);
    let store = session::recover(&old.path, old.code.as_str(), "wang", "principal-pass-2").unwrap();
    assert!(marker(&store).is_some());
    assert_eq!(sealed_entries(&store).len(), 1);
    assert_eq!(crate::audit::verify(&store).unwrap().broken, None);
    drop(store);
    assert_eq!(crate::sealing::found_in_the_clear(&old.path, &old.raw_key, &old.known), Vec::<String>::new());
}

#[test]
fn a_teachers_laptop_masks_what_it_holds_and_keeps_no_sealed_value() {
    let old = schema_16_school(40);
    // The school as a teacher's laptop holds it: the scope set, no second key in its key file.
    let li: String = raw(&old.path, &old.raw_key).query_row("SELECT id FROM account WHERE login = 'li'", [], |r| r.get(0)).unwrap();
    raw(&old.path, &old.raw_key).execute("INSERT INTO meta (key, value) VALUES (?1, ?2)", [crate::installation::TEACHERS_LAPTOP, li.as_str()]).unwrap();
    KeyFile::load(&old.path).unwrap().without_second().save(&old.path).unwrap();
    let births: i64 = raw(&old.path, &old.raw_key).query_row("SELECT count(*) FROM member WHERE birth_date IS NOT NULL", [], |r| r.get(0)).unwrap();
    let notes: i64 = raw(&old.path, &old.raw_key).query_row("SELECT count(*) FROM member WHERE health <> ''", [], |r| r.get(0)).unwrap();
    assert!(births > 0 && notes > 0);

    let store = session::unlock(&old.path, "li", "teacher-pass").unwrap();
    assert!(store.second().is_none());
    assert!(marker(&store).is_some());
    let details: BTreeMap<String, [Value; 2]> = serde_json::from_str(&sealed_entries(&store)[0]).unwrap();
    assert_eq!(details["withKey"][1], Value::from(false));
    let count = |sql: &str| -> i64 { store.conn().query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(count("SELECT count(*) FROM member WHERE birth_year IS NOT NULL AND birth_date IS NULL"), births, "dates down to years");
    assert_eq!(count("SELECT count(*) FROM member WHERE has_health_note = 1 AND health = ''"), notes, "notes down to the flag");
    assert_eq!(count("SELECT count(*) FROM member WHERE resident_id_sealed <> '' OR resident_id_digest <> '' OR health_sealed <> '' OR birth_date_sealed <> ''"), 0);
    assert_eq!(count("SELECT count(*) FROM member WHERE resident_id <> '' AND instr(resident_id, '*') = 0"), 0);
    // Its old entries are masked: not tampering, checked where the second key is.
    let v = crate::audit::verify_with(store.conn(), None).unwrap();
    assert!(v.broken.is_none() && v.sealed_elsewhere > 0, "{v:?}");
    assert!(count("SELECT count(*) FROM audit WHERE instr(changes, '\"$masked\"') > 0") > 0);
    assert_eq!(count("SELECT count(*) FROM audit WHERE instr(changes, '\"$sealed\"') > 0"), 0);
    drop(store);
    assert_eq!(crate::sealing::found_in_the_clear(&old.path, &old.raw_key, &old.known), Vec::<String>::new());
    // The next login there finds nothing to do.
    let store = session::unlock(&old.path, "li", "teacher-pass").unwrap();
    assert_eq!(sealed_entries(&store).len(), 1);
}

#[test]
fn a_check_that_fails_leaves_the_database_as_it_was() {
    let store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    let conn = store.conn();
    let before = counts(conn).unwrap();
    assert!(check(conn, &before).is_ok());
    conn.execute("INSERT INTO audit (device_id, seq, at, account_id, account, op, kind, record_id, changes, prev, hash) VALUES ('d', 1, '', '', '', 'insert', 'member', 'm', '{\"resident_id\":[null,\"61092120130305001X\"]}', '', '')", []).unwrap();
    assert!(matches!(check(conn, &before), Err(Error::ConversionFailed)), "a row more");
    let before = counts(conn).unwrap();
    assert!(matches!(check(conn, &before), Err(Error::ConversionFailed)), "a clear number in an entry");
    assert!(holds_id_number("x61092120130305001X") && !holds_id_number("161092120130305001X") && !holds_id_number("610921********001X"));
}
