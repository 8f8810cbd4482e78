//! The `huka` command line on real database files in a temporary folder.

use std::path::Path;
use std::process::{Command, Output};

use huka_tests::huka_bin;
use serde_json::Value;

fn huka(db: &Path, args: &[&str]) -> Output {
    huka_tests::huka_command(db, args).output().expect("huka runs")
}

fn stdout_json(out: &Output) -> Value {
    assert!(out.status.success(), "failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

fn one_clear_line(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(err.trim_end().lines().count(), 1, "one line on stderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[test]
fn init_demo_list_and_stats() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("school.db");
    let out = huka(&db, &["init", "--school-code", "2161092101", "--school-name", "涧池镇九年制学校", "--town", "涧池镇"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let out = huka(&db, &["demo", "--students", "120", "--seed", "9"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let stats = stdout_json(&huka(&db, &["stats", "--json"]));
    assert_eq!(stats["schools"], 1);
    assert_eq!(stats["students"], 120);
    let households = stats["households"].as_i64().unwrap();
    assert!(households >= 40, "{stats}");

    let all = stdout_json(&huka(&db, &["households", "list", "--json"]));
    assert_eq!(all.as_array().unwrap().len() as i64, households);
    let students: i64 = all.as_array().unwrap().iter().map(|h| h["studentCount"].as_i64().unwrap()).sum();
    assert_eq!(students, 120);

    // Search by a village, and by the head's name taken from the list.
    let village = all[0]["village"].as_str().unwrap();
    let by_village = stdout_json(&huka(&db, &["households", "list", "--search", village, "--json"]));
    assert!(by_village.as_array().unwrap().iter().all(|h| h["village"] == village));
    let head = all[3]["headName"].as_str().unwrap();
    let by_head = stdout_json(&huka(&db, &["households", "list", "--search", head, "--json"]));
    assert!(by_head.as_array().unwrap().iter().any(|h| h["headName"] == head));

    // The list never carries resident ID numbers.
    let text = String::from_utf8(huka(&db, &["households", "list", "--json"]).stdout).unwrap();
    assert!(!text.contains("residentId"));
    assert!(!regex_like_id_number(&text), "an 18-digit ID number leaked into the list");

    let plain = huka(&db, &["households", "list", "--search", village]);
    assert!(plain.status.success());
    assert!(String::from_utf8_lossy(&plain.stdout).contains(village));
}

/// True when the text holds 17 digits in a row (the body of an ID number).
fn regex_like_id_number(text: &str) -> bool {
    let mut run = 0;
    for c in text.chars() {
        run = if c.is_ascii_digit() { run + 1 } else { 0 };
        if run >= 17 {
            return true;
        }
    }
    false
}

#[test]
fn demo_on_a_fresh_database_sets_up_a_demo_school() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    assert!(huka(&db, &["demo"]).status.success());
    let stats = stdout_json(&huka(&db, &["stats", "--json"]));
    assert_eq!((stats["schools"].as_i64(), stats["students"].as_i64()), (Some(1), Some(300)));
}

#[test]
fn rejected_input_exits_1_with_one_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("school.db");
    let out = huka(&db, &["init", "--school-code", "21/61", "--school-name", " "]);
    assert_eq!(out.status.code(), Some(1));
    let err = one_clear_line(&out);
    assert!(err.contains("school code") && err.contains("required"), "{err}");

    assert!(huka(&db, &["init", "--school-code", "2161092101", "--school-name", "A"]).status.success());
    let again = huka(&db, &["init", "--school-code", "2161092101", "--school-name", "A"]);
    assert_eq!(again.status.code(), Some(1));
    one_clear_line(&again);

    assert!(huka(&db, &["demo", "--students", "5"]).status.success());
    let twice = huka(&db, &["demo", "--students", "5"]);
    assert_eq!(twice.status.code(), Some(1));
    assert!(one_clear_line(&twice).contains("empty"));
}

#[test]
fn messages_follow_a_chinese_locale() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("school.db");
    let out = huka_tests::huka_command(&db, &["init", "--school-code", "", "--school-name", "A"]).env("LANG", "zh_CN.UTF-8").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(one_clear_line(&out).contains("学校代码"));
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("school.db");
    assert_eq!(huka(&db, &["frobnicate"]).status.code(), Some(2));
    assert_eq!(huka(&db, &["init", "--school-name", "A"]).status.code(), Some(2));
    assert_eq!(huka(&db, &["demo", "--students", "many"]).status.code(), Some(2));
    assert!(huka(&db, &["--help"]).status.success());
}

#[test]
fn a_newer_database_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("school.db");
    assert!(huka(&db, &["init", "--school-code", "1", "--school-name", "A"]).status.success());
    // Pretend a future Huka wrote it (with the key: the file is encrypted).
    {
        let store = huka_core::session::unlock(&db, huka_tests::PRINCIPAL, huka_tests::PASSWORD).unwrap();
        store.conn().execute_batch("PRAGMA user_version = 42; PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
    }
    let before = std::fs::read(&db).unwrap();
    let out = huka(&db, &["stats", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(one_clear_line(&out).contains("newer Huka"));
    assert_eq!(std::fs::read(&db).unwrap(), before);

    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, vec![b'x'; 4096]).unwrap();
    let out = huka(&junk, &["stats"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(one_clear_line(&out).contains("not a Huka database"));
    std::fs::write(&junk, b"SQLite format 3\0 but not really a database at all, just text".repeat(80)).unwrap();
    let out = huka(&junk, &["stats"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(one_clear_line(&out).contains("not encrypted yet") || one_clear_line(&out).contains("not a Huka database"));
}

#[test]
fn the_default_database_follows_huka_db() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("env.db");
    let out = Command::new(huka_bin())
        .args(["init", "--school-code", "7", "--school-name", "B", "--principal", "wang"])
        .env("HUKA_DB", &db)
        .env("HUKA_PASSWORD", huka_tests::PASSWORD)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(db.exists());
    // Every other command on a path with no database creates nothing and says so (exit 2).
    let missing = dir.path().join("no/such/dir/x.db");
    let out = huka_tests::huka_command(&dir.path().join("env.db"), &["stats"]).arg("--db").arg(&missing).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(one_clear_line(&out).contains("no Huka database"));
    assert!(!dir.path().join("no").exists(), "no folder was made");
}

/// `huka ARGS` logged in as the tests' principal, with no database set up first.
fn bare(args: &[&str]) -> Output {
    Command::new(huka_bin())
        .args(args)
        .env("HUKA_USER", huka_tests::PRINCIPAL)
        .env("HUKA_PASSWORD", huka_tests::PASSWORD)
        .env("LANG", "C.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("HUKA_LANG")
        .env_remove("HUKA_DB")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("huka runs")
}

/// The command-line contract as a new user found it (issue 12): only `init` makes a database;
/// a typo in a path is said, not answered with zeros; a missing spreadsheet is a file that
/// cannot be read (exit 2).
#[test]
fn only_init_makes_a_database_and_a_missing_file_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such/dir/x.db");
    let m = missing.to_str().unwrap();
    for args in [
        &["--db", m, "stats", "--json"][..],
        &["--db", m, "households", "list"],
        &["--db", m, "demo", "--students", "10"],
        &["--db", m, "import", "roster", "missing.xlsx"],
        &["--db", m, "county", "schools"],
        &["--db", m, "backup", "--out", dir.path().to_str().unwrap()],
    ] {
        let out = bare(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(one_clear_line(&out).contains("no Huka database"), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?} printed {}", String::from_utf8_lossy(&out.stdout));
    }
    assert!(!dir.path().join("no").exists(), "no folder was made");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing was made");

    // With a database: `import roster missing.xlsx` is a file that cannot be read.
    let db = dir.path().join("school.db");
    let out = huka(&db, &["init", "--school-code", "2161092101", "--school-name", "涧池镇九年制学校"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let before = stdout_json(&huka(&db, &["stats", "--json"]));
    let out = huka(&db, &["import", "roster", dir.path().join("missing.xlsx").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(one_clear_line(&out).contains("no such file"));
    assert_eq!(stdout_json(&huka(&db, &["stats", "--json"])), before, "nothing was imported");

    // The schema version, for the clean-system upgrade test and for support.
    let out = huka(&db, &["stats", "--schema"]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), huka_core::SCHEMA_VERSION.to_string());
}

/// `command` with another program: the same arguments and environment.
fn run_as(program: &Path, command: Command) -> Output {
    let mut c = Command::new(program);
    c.args(command.get_args()).stdin(std::process::Stdio::null());
    for (k, v) in command.get_envs() {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
    c.output().expect("the program runs")
}

/// The packages ship one executable, the window's: it is the command line when it runs under
/// the name `huka` (the .deb's /usr/bin/huka link), when it is given a command, and when
/// `huka.exe` (the Windows console launcher, `huka-console`) starts it — never the window.
#[test]
fn the_window_executable_is_the_command_line() {
    let app = huka_tests::app_bin();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("school.db");
    let out = huka(&db, &["init", "--school-code", "2161092101", "--school-name", "涧池镇九年制学校", "--town", "涧池镇"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(huka(&db, &["demo", "--students", "30", "--seed", "3"]).status.success());
    let expected = stdout_json(&huka(&db, &["stats", "--json"]));
    assert_eq!(expected["students"], 30);

    let link = dir.path().join("huka");
    std::os::unix::fs::symlink(&app, &link).unwrap();
    let console = huka_tests::console_bin();
    for program in [&app, &link, &console] {
        let stats = run_as(program, huka_tests::huka_command(&db, &["stats", "--json"]));
        assert_eq!(stdout_json(&stats), expected, "{}", program.display());
        // A refusal keeps its exit status and its one sentence through every front door.
        let refused = run_as(program, huka_tests::huka_command(&db, &["import", "roster", "missing.xlsx"]));
        assert_eq!(refused.status.code(), Some(2), "{}", program.display());
        one_clear_line(&refused);
    }
    // Without a command, `huka` (the link, or the launcher) prints its usage, not a window:
    // the command exits at once, with clap's usage status.
    for program in [&link, &console] {
        let out = Command::new(program).env_remove("DISPLAY").env_remove("WAYLAND_DISPLAY").output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", program.display());
        assert!(String::from_utf8_lossy(&out.stderr).contains("Usage: huka"), "{}", String::from_utf8_lossy(&out.stderr));
    }
}
