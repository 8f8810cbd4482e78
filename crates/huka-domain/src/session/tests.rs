use super::*;
use crate::access::Role;
use crate::demo::{self, DemoOptions};

fn school() -> SchoolInput {
    SchoolInput { code: "2161092101".into(), name: "涧池镇九年制学校".into(), town: "涧池镇".into(), district: String::new() }
}

fn principal() -> FirstAccount {
    FirstAccount { login: "wang".into(), name: "王校长".into(), password: "principal-pass".into() }
}

/// Every file Huka keeps for the database at `path`, with its bytes.
fn files(path: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = path.parent().unwrap();
    let mut out: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    out.sort();
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A member's name and ID number from a demo school, to look for in the files' bytes.
fn known_person(store: &Store) -> (String, String) {
    store
        .conn()
        .query_row("SELECT name, resident_id FROM member WHERE resident_id <> '' AND deleted_at IS NULL LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap()
}

#[test]
fn a_new_school_is_encrypted_and_no_name_or_id_number_is_in_any_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huka.db");
    let (mut store, code) = create(&path, Setup::School(&school()), &principal()).unwrap();
    assert_eq!(store.actor().role, Role::Principal);
    assert_eq!(store.actor().name, "王校长");
    assert_eq!(code.as_str().len(), 29);
    demo::generate(&mut store, &DemoOptions { students: 60, seed: 7 }).unwrap();
    let (name, id) = known_person(&store);
    // The last write is in the WAL; look at both, and at the key file.
    for (file, bytes) in files(&path) {
        for needle in [name.as_bytes(), id.as_bytes(), "王校长".as_bytes(), "涧池镇九年制学校".as_bytes(), b"wang"] {
            assert!(!contains(&bytes, needle), "{} holds {:?}", file.display(), String::from_utf8_lossy(needle));
        }
    }
    assert!(files(&path).iter().any(|(p, b)| p.ends_with("huka.db-wal") && b.len() > 4096), "the WAL was looked at");
    drop(store);
    // The standard sqlite3 reading of the file fails: it is not a database to it.
    let plain = rusqlite::Connection::open(&path).unwrap();
    assert!(plain.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get::<_, i64>(0)).is_err());
    assert_eq!(Store::inspect(&path).unwrap(), DbFile::Encrypted);
    assert!(matches!(create(&path, Setup::School(&school()), &principal()), Err(Error::DatabaseExists)));
}

#[test]
fn a_wrong_password_changes_no_file_and_the_right_one_opens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huka.db");
    let (mut store, _) = create(&path, Setup::School(&school()), &principal()).unwrap();
    demo::generate(&mut store, &DemoOptions { students: 20, seed: 1 }).unwrap();
    drop(store);
    let before = files(&path);
    assert!(matches!(unlock(&path, "wang", "not-the-password"), Err(Error::WrongPassword)));
    assert!(matches!(unlock(&path, "nobody", "principal-pass"), Err(Error::WrongPassword)));
    let after: Vec<_> = files(&path).into_iter().filter(|(p, _)| !p.to_string_lossy().ends_with(".attempts")).collect();
    assert_eq!(before, after, "the database, its WAL and the key file are byte-identical after wrong passwords");
    let store = unlock(&path, "WANG", "principal-pass").unwrap();
    assert_eq!(store.actor().name, "王校长");
    assert!(crate::stats::get(&store).unwrap().households > 0);
}

#[test]
fn accounts_wrap_the_same_key_and_the_recovery_code_resets_the_principal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huka.db");
    let (mut store, code) = create(&path, Setup::School(&school()), &principal()).unwrap();
    let db_before = std::fs::read(&path).unwrap().len();
    let teacher = AccountInput { login: "li".into(), name: "李老师".into(), role: Role::Teacher, teacher_id: None };
    account::add(&mut store, &teacher, "teacher-pass").unwrap();
    account::add(&mut store, &AccountInput { login: "zhao".into(), name: "赵专干".into(), role: Role::AidOfficer, teacher_id: None }, "officer-pass")
        .unwrap();
    drop(store);
    assert!(std::fs::read(&path).unwrap().len() >= db_before, "no re-encryption: the file only grew");

    let li = unlock(&path, "li", "teacher-pass").unwrap();
    assert_eq!((li.actor().role, li.actor().name.as_str()), (Role::Teacher, "李老师"));
    assert!(li.actor().teacher_id.is_some());
    drop(li);

    // The teacher changes their own password; the principal disables the aid officer.
    let mut li = unlock(&path, "li", "teacher-pass").unwrap();
    account::set_password(&mut li, "li", "new-teacher-pass").unwrap();
    assert!(matches!(account::set_password(&mut li, "zhao", "hijacked-pass"), Err(Error::Forbidden { .. })));
    drop(li);
    assert!(matches!(unlock(&path, "li", "teacher-pass"), Err(Error::WrongPassword)));
    let mut wang = unlock(&path, "wang", "principal-pass").unwrap();
    account::disable(&mut wang, "zhao").unwrap();
    assert!(matches!(account::disable(&mut wang, "wang"), Err(Error::Invalid(_))), "not one's own account");
    drop(wang);
    assert!(matches!(unlock(&path, "zhao", "officer-pass"), Err(Error::WrongPassword)), "a disabled account's password opens nothing");

    // Every password forgotten: the recovery code (as typed back) gives the principal a new one.
    let typed = code.as_str().to_lowercase().replace('-', " ");
    assert!(matches!(recover(&path, &typed, "li", "whatever-pass"), Err(Error::Forbidden { .. })), "the principal's account only");
    let store = recover(&path, &typed, "wang", "brand-new-pass").unwrap();
    assert_eq!(store.actor().role, Role::Principal);
    drop(store);
    assert!(unlock(&path, "wang", "brand-new-pass").is_ok());
    assert!(matches!(unlock(&path, "wang", "principal-pass"), Err(Error::WrongPassword)));
    assert!(matches!(recover(&path, "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA", "wang", "x-pass-word"), Err(Error::WrongPassword)));
}

#[test]
fn every_record_names_the_account_that_last_changed_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huka.db");
    let (mut store, _) = create(&path, Setup::School(&school()), &principal()).unwrap();
    let wang = store.actor().id.to_string();
    let h = crate::household::create(&mut store, &crate::household::tests::input("0001", "王建国")).unwrap();
    let by: String = store.conn().query_row("SELECT updated_by FROM household WHERE id = ?1", [h.meta.id], |r| r.get(0)).unwrap();
    assert_eq!(by, wang);
    account::add(&mut store, &AccountInput { login: "zhao".into(), name: "赵专干".into(), role: Role::AidOfficer, teacher_id: None }, "officer-pass")
        .unwrap();
    drop(store);
    let mut zhao = unlock(&path, "zhao", "officer-pass").unwrap();
    crate::household::update(&mut zhao, h.meta.id, &crate::household::tests::input("0001", "王建军")).unwrap();
    let by: String = zhao.conn().query_row("SELECT updated_by FROM household WHERE id = ?1", [h.meta.id], |r| r.get(0)).unwrap();
    assert_eq!(by, zhao.actor().id.to_string());
    // Every table that holds records has the column.
    for table in crate::store::record_tables(zhao.conn()).unwrap() {
        let n: i64 = zhao.conn().query_row(&format!("SELECT count(*) FROM pragma_table_info('{table}') WHERE name = 'updated_by'"), [], |r| r.get(0)).unwrap();
        assert_eq!(n, 1, "{table}");
    }
    let device_tables: i64 = zhao
        .conn()
        .query_row(
            "SELECT count(*) FROM sqlite_schema s WHERE type = 'table' AND name <> 'audit'
              AND EXISTS (SELECT 1 FROM pragma_table_info(s.name) WHERE name = 'device_id')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(device_tables as usize, crate::store::record_tables(zhao.conn()).unwrap().len(), "every table with a device id has an author");
}

/// A database as schema 7 left it: unencrypted, no accounts, no authors.
fn schema_7_with_demo(path: &Path) -> Stats {
    let mut plain = Store::open_unencrypted(path, &crate::SCHEMA).unwrap();
    crate::school::setup(&mut plain, &school()).unwrap();
    demo::generate(&mut plain, &DemoOptions { students: 80, seed: 3 }).unwrap();
    let counts = stats::get(&plain).unwrap();
    let tables = crate::store::record_tables(plain.conn()).unwrap();
    drop(plain);
    let conn = rusqlite::Connection::open(path).unwrap();
    // Schema 17's sealed fields: back in clear, as schema 7 kept them.
    crate::sealed::take_schema_17_away(&conn, &crate::crypto::DataKey::unprotected());
    // Schema 12's full numbers' index is gone since schema 16: nothing to take away.
    conn.execute_batch("DROP TABLE sync_clock; DROP TABLE sync_seen; DROP TABLE sync_peer; DROP TABLE sync_merge; DROP TABLE sync_conflict; DROP TABLE sync_refused;").unwrap();
    // Schema 14's and 15's additions (the policy card's, the county notice's, 家庭人口).
    conn.execute_batch(
        "DROP TABLE county_grant; ALTER TABLE household DROP COLUMN family_size; ALTER TABLE aid_programme DROP COLUMN family_todo; ALTER TABLE aid_programme DROP COLUMN apply_within_days;
         ALTER TABLE school DROP COLUMN aid_officer; ALTER TABLE school DROP COLUMN aid_phone; ALTER TABLE school DROP COLUMN county_hotline;",
    )
    .unwrap();
    conn.execute_batch("DROP TABLE account; DROP TABLE teacher_class; DROP TABLE audit; ALTER TABLE county_bundle DROP COLUMN encrypted; ALTER TABLE county_bundle DROP COLUMN audit; ALTER TABLE county_bundle DROP COLUMN history_rewritten;").unwrap();
    for t in tables.iter().filter(|t| !["account", "teacher_class", "sync_conflict"].contains(&t.as_str())) {
        conn.execute_batch(&format!("ALTER TABLE {t} DROP COLUMN updated_by;")).unwrap();
    }
    conn.execute_batch("PRAGMA user_version = 7;").unwrap();
    counts
}

#[test]
fn a_plain_schema_7_database_converts_with_every_count_equal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huka.db");
    let counts = schema_7_with_demo(&path);
    assert_eq!(Store::inspect(&path).unwrap(), DbFile::Plain);
    assert!(matches!(unlock(&path, "wang", "x"), Err(Error::NotEncrypted)));
    let name: String = rusqlite::Connection::open(&path).unwrap().query_row("SELECT name FROM member LIMIT 1", [], |r| r.get(0)).unwrap();

    let (store, _code, conversion) = convert(&path, &principal()).unwrap();
    assert_eq!(conversion.counts, counts);
    assert_eq!(stats::get(&store).unwrap(), counts);
    assert_eq!(store.schema_version().unwrap(), crate::SCHEMA_VERSION);
    drop(store);
    assert_eq!(Store::inspect(&path).unwrap(), DbFile::Encrypted);
    for (file, bytes) in files(&path) {
        assert!(!contains(&bytes, name.as_bytes()), "{} still holds a name", file.display());
    }
    assert!(!dir.path().join("huka.db.encrypting").exists());
    let again = unlock(&path, "wang", "principal-pass").unwrap();
    assert_eq!(stats::get(&again).unwrap(), counts);
}
