//! Accounts through the real `huka` binary: the recovery code at init, logins refused with one
//! sentence (and no file changed), roles refused with the reason, accounts added, disabled
//! and reset, a database from before accounts encrypted in place.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use huka_tests::{huka_bin, huka_command, one_household_list, PASSWORD, PRINCIPAL};
use serde_json::Value;

fn run(db: &Path, user: &str, password: &str, args: &[&str]) -> Output {
    let mut c = huka_command(db, args);
    c.env("HUKA_USER", user).env("HUKA_PASSWORD", password);
    c.output().expect("huka runs")
}

fn one_sentence(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(err.trim_end().lines().count(), 1, "one line on stderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

/// The files kept for the database at `db` (but the wrong-password counter), with their bytes.
fn kept_files(db: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out: Vec<_> = std::fs::read_dir(db.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(db.file_name().unwrap().to_str().unwrap()))
        .filter(|p| !p.to_string_lossy().ends_with(".attempts"))
        .map(|p| {
            let b = std::fs::read(&p).unwrap();
            (p, b)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn init_prints_the_recovery_code_once_and_users_are_managed_by_the_principal() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("school.db");
    let out = huka_command(&db, &["init", "--school-code", "2161092101", "--school-name", "涧池镇九年制学校"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let code = text.lines().last().unwrap().to_string();
    assert_eq!(code.len(), 29, "the recovery code on its own line: {text}");
    assert_eq!(code.matches('-').count(), 5);
    assert!(huka_tests::huka_command(&db, &["demo", "--students", "40"]).output().unwrap().status.success());

    // Accounts: no password material in the list.
    let add = huka_command(&db, &["users", "add", "--name", "li", "--role", "teacher"]).env("HUKA_NEW_PASSWORD", "teacher-pass").output().unwrap();
    assert!(add.status.success(), "{}", String::from_utf8_lossy(&add.stderr));
    let add = huka_command(&db, &["users", "add", "--name", "zhao", "--role", "aid-officer"]).env("HUKA_NEW_PASSWORD", "officer-pass").output().unwrap();
    assert!(add.status.success());
    let users = json(&huka_command(&db, &["users", "list", "--json"]).output().unwrap());
    let logins: Vec<&str> = users.as_array().unwrap().iter().map(|u| u["login"].as_str().unwrap()).collect();
    assert_eq!(logins.len(), 3, "{users}");
    let text = users.to_string().to_lowercase();
    for secret in ["password", "salt", "sealed", "teacher-pass", "key"] {
        assert!(!text.contains(secret), "{secret} in {users}");
    }

    // A teacher cannot do the principal's work: exit 1 with the reason.
    for args in [vec!["key", "create"], vec!["export", "county", "--term", "2026-autumn", "--out", "."], vec!["users", "add", "--name", "x", "--role", "teacher"]] {
        let out = run(&db, "li", "teacher-pass", &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = one_sentence(&out);
        assert!(err.contains("Not allowed") && err.contains("li (teacher)"), "{args:?}: {err}");
    }
    // … and the aid officer cannot sign for the county either.
    let out = run(&db, "zhao", "officer-pass", &["key", "create"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(one_sentence(&out).contains("aid officer"));

    // Disabled: the password no longer opens the database.
    assert!(huka_command(&db, &["users", "disable", "zhao"]).output().unwrap().status.success());
    let out = run(&db, "zhao", "officer-pass", &["stats"]);
    assert_eq!(out.status.code(), Some(1));
    one_sentence(&out);
    let users = json(&huka_command(&db, &["users", "list", "--json"]).output().unwrap());
    assert!(users.as_array().unwrap().iter().any(|u| u["login"] == "zhao" && !u["disabledAt"].is_null()), "disabled, never deleted");

    // Every password forgotten: the recovery code, with no login.
    let out = Command::new(huka_bin())
        .arg("--db")
        .arg(&db)
        .args(["users", "passwd", PRINCIPAL, "--recovery", &code.to_lowercase()])
        .env("HUKA_NEW_PASSWORD", "a-new-principal-pass")
        .env_remove("HUKA_USER")
        .env_remove("HUKA_PASSWORD")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(run(&db, PRINCIPAL, PASSWORD, &["stats"]).status.code(), Some(1), "the old password is gone");
    assert!(run(&db, PRINCIPAL, "a-new-principal-pass", &["stats"]).status.success());
}

#[test]
fn a_login_refused_is_one_sentence_changes_no_file_and_never_waits_on_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("school.db");
    assert!(huka_command(&db, &["demo", "--students", "20"]).output().unwrap().status.success());
    let before = kept_files(&db);
    assert!(before.iter().any(|(p, _)| p.to_string_lossy().ends_with(".keys")));

    // No login at all, stdin an open pipe nobody writes to: refused at once.
    let started = Instant::now();
    let mut child = Command::new(huka_bin())
        .arg("--db")
        .arg(&db)
        .args(["stats"])
        .env_remove("HUKA_USER")
        .env_remove("HUKA_PASSWORD")
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let _keep_open = child.stdin.take();
    let out = loop {
        if let Some(_status) = child.try_wait().unwrap() {
            break child.wait_with_output().unwrap();
        }
        assert!(started.elapsed() < Duration::from_secs(20), "huka waited on stdin");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(out.status.code(), Some(1));
    assert!(one_sentence(&out).contains("login is needed"));
    // A user but no password, stdin closed.
    let out = Command::new(huka_bin()).arg("--db").arg(&db).args(["stats", "--user", PRINCIPAL]).env_remove("HUKA_PASSWORD").stdin(Stdio::null()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    one_sentence(&out);

    // Wrong passwords: refused, then slowed down; no file but the counter changes.
    for _ in 0..3 {
        let out = run(&db, PRINCIPAL, "not-the-password", &["stats"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(one_sentence(&out).contains("Wrong login name or password"));
    }
    let out = run(&db, PRINCIPAL, PASSWORD, &["stats"]);
    assert_eq!(out.status.code(), Some(1), "even the right password waits after three wrong ones");
    assert!(one_sentence(&out).contains("try again in"));
    assert_eq!(kept_files(&db), before, "the database, its WAL and the key file are as they were");
}

/// A database as the last version without accounts left it: unencrypted, schema 7.
fn schema_7_database(db: &Path) -> Value {
    let mut plain = huka_core::Store::open_unencrypted(db, &huka_core::SCHEMA).unwrap();
    let school = huka_core::school::SchoolInput { code: "2161092101".into(), name: "旧学校".into(), town: String::new(), district: String::new() };
    huka_core::school::setup(&mut plain, &school).unwrap();
    huka_core::demo::generate(&mut plain, &huka_core::demo::DemoOptions { students: 60, seed: 9 }).unwrap();
    let counts = serde_json::to_value(huka_core::stats::get(&plain).unwrap()).unwrap();
    drop(plain);
    let plain = rusqlite::Connection::open(db).unwrap();
    // Schema 17's sealed fields: back in clear, as schema 7 kept them.
    huka_core::sealed::take_schema_17_away(&plain, &huka_core::crypto::DataKey::unprotected());
    let tables: Vec<String> = plain
        .prepare("SELECT m.name FROM sqlite_schema m WHERE m.type = 'table' AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) WHERE name = 'updated_by')")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut sql = String::from("DROP TABLE sync_clock; DROP TABLE sync_seen; DROP TABLE sync_peer; DROP TABLE sync_merge; DROP TABLE sync_conflict; DROP TABLE sync_refused; DROP TABLE county_grant; ALTER TABLE household DROP COLUMN family_size; ALTER TABLE aid_programme DROP COLUMN family_todo; ALTER TABLE aid_programme DROP COLUMN apply_within_days; ALTER TABLE school DROP COLUMN aid_officer; ALTER TABLE school DROP COLUMN aid_phone; ALTER TABLE school DROP COLUMN county_hotline; DROP TABLE account; DROP TABLE teacher_class; DROP TABLE audit; ALTER TABLE county_bundle DROP COLUMN encrypted; ALTER TABLE county_bundle DROP COLUMN audit; ALTER TABLE county_bundle DROP COLUMN history_rewritten;");
    for t in tables.iter().filter(|t| !["account", "teacher_class", "sync_conflict"].contains(&t.as_str())) {
        sql.push_str(&format!("ALTER TABLE {t} DROP COLUMN updated_by;"));
    }
    sql.push_str("PRAGMA user_version = 7;");
    plain.execute_batch(&sql).unwrap();
    counts
}

#[test]
fn encrypt_converts_a_database_from_before_accounts_with_every_count_equal() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.db");
    let counts = schema_7_database(&db);
    // Before: commands say what to do.
    let out = run(&db, PRINCIPAL, PASSWORD, &["stats"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(one_sentence(&out).contains("not encrypted yet"));

    let out = huka_command(&db, &["encrypt", "--principal", PRINCIPAL, "--json"]).output().unwrap();
    let v = json(&out);
    assert_eq!(v["counts"], counts);
    assert_eq!(v["recoveryCode"].as_str().unwrap().len(), 29);
    let after = json(&huka_command(&db, &["stats", "--json"]).output().unwrap());
    assert_eq!(after, counts);
    let bytes = std::fs::read(&db).unwrap();
    assert!(!bytes.starts_with(b"SQLite format 3"), "the file is encrypted now");
    assert!(!bytes.windows("旧学校".len()).any(|w| w == "旧学校".as_bytes()));
}

/// The masking rule at the command line: a teacher who searches for an ID number, its birth
/// digits or a birth date finds no household outside their care (names stay searchable);
/// the principal finds it by the number.
#[test]
fn a_teacher_searching_for_an_id_number_or_a_birth_date_finds_nothing_outside_their_care() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("school.db");
    let list = one_household_list(dir.path());
    let out = huka_command(&db, &["import", "households", list.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let add = huka_command(&db, &["users", "add", "--name", "li", "--role", "teacher"]).env("HUKA_NEW_PASSWORD", "teacher-pass").output().unwrap();
    assert!(add.status.success(), "{}", String::from_utf8_lossy(&add.stderr));
    let found = |user: &str, password: &str, query: &str| -> usize {
        json(&run(&db, user, password, &["households", "list", "--search", query, "--json"])).as_array().unwrap().len()
    };
    for query in ["61092120130305001X", "20130305", "201303", "198001010114", "2013-03-05"] {
        assert_eq!(found("li", "teacher-pass", query), 0, "the teacher finds nothing by {query}");
    }
    for query in ["61092120130305001X", "20130305", "198001010114", "001X"] {
        assert_eq!(found(PRINCIPAL, PASSWORD, query), 1, "the principal finds the household by {query}");
    }
    assert_eq!(found("li", "teacher-pass", "王小明"), 1, "names are searchable by everyone");
    assert_eq!(found("li", "teacher-pass", "001X"), 1, "so are the characters a masked number shows");
}

#[test]
fn rotating_the_keys_keeps_every_active_password_and_a_copied_key_file_opens_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("school.db");
    assert!(huka_command(&db, &["demo", "--students", "20"]).output().unwrap().status.success());
    for (name, role, password) in [("li", "teacher", "teacher-pass"), ("zhao", "aid-officer", "officer-pass")] {
        let add = huka_command(&db, &["users", "add", "--name", name, "--role", role]).env("HUKA_NEW_PASSWORD", password).output().unwrap();
        assert!(add.status.success(), "{}", String::from_utf8_lossy(&add.stderr));
    }
    // li keeps a copy of the key file, then is disabled.
    let copied = std::fs::read(dir.path().join("school.db.keys")).unwrap();
    assert!(huka_command(&db, &["users", "disable", "li"]).output().unwrap().status.success());

    // Only the principal rotates.
    let out = run(&db, "zhao", "officer-pass", &["users", "rotate-keys"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(one_sentence(&out).contains("Not allowed"));

    let rotated = json(&huka_command(&db, &["users", "rotate-keys", "--json"]).output().unwrap());
    assert_eq!(rotated["accounts"], serde_json::json!([PRINCIPAL, "zhao"]), "{rotated}");
    assert_eq!(rotated["needPassword"], serde_json::json!([]));
    assert!(rotated["recoveryCode"].is_null(), "the recovery slot is sealed again: {rotated}");
    assert!(!dir.path().join("school.db.keys.next").exists());
    let text = String::from_utf8(huka_command(&db, &["users", "rotate-keys"]).env("HUKA_LANG", "en").output().unwrap().stdout).unwrap();
    assert!(text.contains("Keys rotated") && text.contains("zhao"), "{text}");

    // The passwords are unchanged; the audit trail has both rotations.
    assert!(run(&db, "zhao", "officer-pass", &["households", "list", "--json"]).status.success());
    let audit = String::from_utf8(huka_command(&db, &["audit", "list", "--json"]).output().unwrap().stdout).unwrap();
    assert_eq!(audit.matches("keys_rotated").count(), 2, "{audit}");

    // The copied key file beside the rotated database opens it for nobody.
    let stolen = dir.path().join("stolen");
    std::fs::create_dir(&stolen).unwrap();
    std::fs::copy(&db, stolen.join("school.db")).unwrap();
    std::fs::write(stolen.join("school.db.keys"), &copied).unwrap();
    for (user, password) in [(PRINCIPAL, PASSWORD), ("li", "teacher-pass")] {
        let out = run(&stolen.join("school.db"), user, password, &["households", "list"]);
        assert_eq!(out.status.code(), Some(1), "{user}");
        one_sentence(&out);
    }
}
