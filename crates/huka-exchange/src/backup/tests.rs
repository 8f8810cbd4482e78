use super::*;
use crate::demo::{self, DemoOptions};
use crate::school::SchoolInput;
use crate::session::{self, FirstAccount, Setup};

fn principal() -> FirstAccount {
    FirstAccount { login: "wang".into(), name: "王校长".into(), password: "principal-pass".into() }
}

fn school_at(path: &Path, code: &str, students: usize) -> Store {
    let school = SchoolInput { code: code.into(), name: format!("{code}学校"), town: String::new(), district: String::new() };
    let (mut store, _) = session::create(path, Setup::School(&school), &principal()).unwrap();
    demo::generate(&mut store, &DemoOptions { students, seed: 4 }).unwrap();
    store
}

#[test]
fn a_backup_is_encrypted_opens_with_the_same_passwords_and_restores_equal() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("huka.db");
    let mut store = school_at(&db, "2161092101", 40);
    let before = stats::get(&store).unwrap();
    let name: String = store.conn().query_row("SELECT name FROM member LIMIT 1", [], |r| r.get(0)).unwrap();
    let backup = dir.path().join("usb").join(file_name(&store, Utc::now()).unwrap());
    let written = write(&mut store, &backup).unwrap();
    assert_eq!(written.counts, before);
    let bytes = std::fs::read(&backup).unwrap();
    assert!(!bytes.windows(name.len()).any(|w| w == name.as_bytes()), "no name in the backup's bytes");

    let seen = inspect(&backup, "wang", "principal-pass").unwrap();
    assert_eq!((seen.counts, seen.school_code.as_deref()), (before, Some("2161092101")));
    assert!(matches!(inspect(&backup, "wang", "wrong-password"), Err(Error::WrongPassword)));

    // Records change after the backup; restoring brings the backup's back, and keeps today's.
    crate::household::create(&mut store, &crate::household::tests::input("9999", "后来的户")).unwrap();
    drop(store);
    let restored = restore(&db, &backup, "wang", "principal-pass", false).unwrap();
    let kept = restored.kept_previous.expect("the database that was there is kept");
    assert!(kept.exists() && keyfile::path_of(&kept).exists());
    let store = session::unlock(&db, "wang", "principal-pass").unwrap();
    assert_eq!(stats::get(&store).unwrap(), before);
    assert!(crate::audit::verify(&store).unwrap().broken.is_none());
    assert!(crate::audit::list(&store, &Default::default()).unwrap().iter().any(|e| e.op == "restore"));
    let previous = session::unlock(&kept, "wang", "principal-pass").unwrap();
    assert_eq!(stats::get(&previous).unwrap().households, before.households + 1);
}

#[test]
fn another_schools_backup_is_refused_unless_forced_and_a_missing_database_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.db");
    let b = dir.path().join("b.db");
    let mut school_a = school_at(&a, "1001", 10);
    drop(school_at(&b, "1002", 10));
    let backup = dir.path().join("a.hukabackup");
    write(&mut school_a, &backup).unwrap();
    drop(school_a);
    match restore(&b, &backup, "wang", "principal-pass", false) {
        Err(e) => match e.domain() {
            Some(BackupError::OfAnotherSchool { backup, here }) => assert_eq!((backup.as_str(), here.as_str()), ("1001", "1002")),
            _ => panic!("{e:?}"),
        },
        other => panic!("{other:?}"),
    }
    assert_eq!(crate::school::get(&session::unlock(&b, "wang", "principal-pass").unwrap()).unwrap().unwrap().code, "1002", "nothing changed");
    restore(&b, &backup, "wang", "principal-pass", true).unwrap();
    assert_eq!(crate::school::get(&session::unlock(&b, "wang", "principal-pass").unwrap()).unwrap().unwrap().code, "1001");
    let fresh = dir.path().join("new/place/huka.db");
    let r = restore(&fresh, &backup, "wang", "principal-pass", false).unwrap();
    assert!(r.kept_previous.is_none());
    assert_eq!(stats::get(&session::unlock(&fresh, "wang", "principal-pass").unwrap()).unwrap().households, r.backup.counts.households);
    std::fs::write(dir.path().join("junk.hukabackup"), b"PK\x03\x04 not a zip").unwrap();
    assert!(matches!(inspect(&dir.path().join("junk.hukabackup"), "wang", "x"), Err(e) if e.domain() == Some(&BackupError::NotABackup)));
}

#[test]
fn automatic_backups_keep_seven_days_and_four_weeks() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("huka.db");
    let mut store = school_at(&db, "1001", 5);
    let start = NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
    for day in 0..40 {
        let today = start + chrono::Days::new(day);
        assert!(auto(&mut store, today).unwrap().is_some());
        assert!(auto(&mut store, today).unwrap().is_none(), "one a day");
    }
    let mut kept: Vec<String> = std::fs::read_dir(auto_dir(&db)).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().to_string()).collect();
    kept.sort();
    let last = start + chrono::Days::new(39);
    assert!(kept.contains(&format!("auto-{}.hukabackup", last.format("%Y%m%d"))));
    assert!(kept.len() >= 7 + 3 && kept.len() <= 7 + 5, "{kept:?}");
    assert!(!kept.contains(&format!("auto-{}.hukabackup", start.format("%Y%m%d"))), "older than five weeks: gone");
}
