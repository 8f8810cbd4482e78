//! Benchmark databases, as Huka keeps them: encrypted, with the principal logged in. A file
//! kept in target/ between runs is reopened with the same login; one from before accounts
//! (unencrypted) is made again.

#![allow(dead_code)]

use std::path::Path;

use huka_core::school::SchoolInput;
use huka_core::session::{self, FirstAccount, Setup};
use huka_core::store::DbFile;
use huka_core::Store;

pub const LOGIN: &str = "bench";
pub const PASSWORD: &str = "bench-password";

fn first() -> FirstAccount {
    FirstAccount { login: LOGIN.into(), name: "校长".into(), password: PASSWORD.into() }
}

fn school_input() -> SchoolInput {
    SchoolInput { code: "2161092101".into(), name: "涧池镇九年制学校".into(), town: "涧池镇".into(), district: String::new() }
}

/// The school database at `path`: opened when it exists (`true`), else made (`false`).
pub fn school(path: &Path) -> (Store, bool) {
    open_or(path, Setup::School(&school_input()))
}

/// A county database at `path`, made anew.
pub fn county(path: &Path) -> Store {
    let _ = std::fs::remove_file(path);
    let _ = std::fs::remove_file(huka_core::keyfile::path_of(path));
    session::create(path, Setup::County { name: "汉阴县" }, &first()).unwrap().0
}

fn open_or(path: &Path, setup: Setup<'_>) -> (Store, bool) {
    match Store::inspect(path).unwrap() {
        DbFile::Encrypted => {
            if let Ok(store) = session::unlock(path, LOGIN, PASSWORD) {
                return (store, true);
            }
        }
        DbFile::Plain | DbFile::Missing => {}
    }
    for suffix in ["", "-wal", "-shm", ".keys", ".attempts"] {
        let mut p = path.as_os_str().to_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
    (session::create(path, setup, &first()).unwrap().0, false)
}

/// The same school unencrypted (what encryption costs is measured against it).
pub fn plain_school(path: &Path) -> Store {
    let _ = std::fs::remove_file(path);
    let mut store = Store::open_unencrypted(path, &huka_core::SCHEMA).unwrap();
    huka_core::school::setup(&mut store, &school_input()).unwrap();
    store
}
