//! Issue 22: change files written before schema 17 carry the sealed fields' clear values; the
//! merge stores them as this computer stores its own (design point 5).

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::merge;
use super::set::{Head, RecordChange};
use crate::access;
use crate::clock::{Clock, Hlc};
use crate::household::{self, tests::input};
use crate::member::{self, tests::member_input};
use crate::store::Store;

const OLD_DEVICE: &str = "0197c0de-0000-7000-8000-0000000000d1";
const ID: &str = "61092120130305001X";
const NEW_ID: &str = "610921201305060027";

/// A file's head as Huka before schema 17 wrote it.
fn old_head() -> Head {
    Head {
        school: String::new(),
        database_id: String::new(),
        from_device: OLD_DEVICE.into(),
        from_account: String::new(),
        created_at: chrono::Utc::now(),
        full: false,
        partial: false,
        schema: 16,
        base: BTreeMap::new(),
        audit_base: BTreeMap::new(),
        seen: BTreeMap::new(),
        audit_heads: BTreeMap::new(),
        accounts: Vec::new(),
    }
}

fn clock() -> Value {
    Value::String(Clock { hlc: Hlc { ms: chrono::Utc::now().timestamp_millis() + 60_000, counter: 0 }.text(), device: OLD_DEVICE.into() }.text())
}

/// A record as an old file carries it: some fields, each with a newer clock.
fn old_record(table: &str, id: &str, fields: &[(&str, Value)]) -> RecordChange {
    let row: Map<String, Value> = fields.iter().map(|(f, v)| (f.to_string(), v.clone())).collect();
    let clocks: Map<String, Value> = fields.iter().map(|(f, _)| (f.to_string(), clock())).collect();
    RecordChange { table: table.into(), id: id.into(), row, clocks, parts: None }
}

/// An old device's audit entry holding a clear number, as text.
fn old_entry(member: &str) -> crate::audit::Received {
    let text = json!({
        "deviceId": OLD_DEVICE, "seq": 1, "at": "2026-11-29T10:00:00.123Z", "accountId": "", "account": "王",
        "op": "update", "kind": "member", "recordId": member,
        "changes": {"resident_id": [ID, NEW_ID]}, "prev": "", "hash": "x"
    });
    serde_json::from_value(text).unwrap()
}

/// A member updated and one added by the old file, and an audit entry of it.
fn read_old_file(store: &mut Store, member: &str, household: &str, new_member: &str) {
    let pass = access::exempt(access::Why::NewDatabase);
    merge::apply_from(store, &pass, true, |a| {
        a.head(old_head())?;
        a.record(old_record("member", member, &[("resident_id", json!(NEW_ID)), ("birth_date", json!("2013-05-06")), ("health", json!("听力残疾二级"))]))?;
        a.record(old_record(
            "member",
            new_member,
            &[("created_at", json!("2026-11-29T10:00:00.000Z")), ("updated_at", json!("2026-11-29T10:00:00.000Z")), ("device_id", json!(OLD_DEVICE)), ("household_id", json!(household)), ("name", json!("王小红")), ("relation", json!("之女")), ("resident_id", json!(ID)), ("birth_date", json!("2013-03-05")), ("health", json!(""))],
        ))?;
        a.audit(&old_entry(member))
    })
    .unwrap();
}

fn row(store: &Store, id: &str) -> Map<String, Value> {
    super::set::rows(store.conn(), "member", Some(id)).unwrap().pop().unwrap()
}

#[test]
fn an_old_files_clear_values_are_sealed_on_a_holders_computer() {
    let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    let h = household::create(&mut store, &input("0001", "王建国")).unwrap();
    let m = member::create(&mut store, h.meta.id, &member_input("王小明", "")).unwrap();
    let (member, new_member) = (m.meta.id.to_string(), crate::record::RecordId::new().to_string());
    read_old_file(&mut store, &member, &h.meta.id.to_string(), &new_member);
    let key = store.second().unwrap();
    let open = |r: &Map<String, Value>, id: &str, column: &str, sealed: &str| crate::sealed::opened(Some(key), "member", id, column, r[sealed].as_str().unwrap());

    let r = row(&store, &member);
    assert_eq!(r["resident_id"], json!("610921********0027"));
    assert_eq!(open(&r, &member, "resident_id", "resident_id_sealed"), NEW_ID);
    assert_eq!(r["resident_id_digest"], json!(crate::sealed::digest(key, "resident_id", NEW_ID)));
    assert_eq!((r["birth_date"].clone(), r["birth_year"].clone()), (Value::Null, json!(2013)));
    assert_eq!(open(&r, &member, "birth_date", "birth_date_sealed"), "2013-05-06");
    assert_eq!((r["health"].clone(), r["has_health_note"].clone()), (json!(""), json!(1)));
    assert_eq!(open(&r, &member, "health", "health_sealed"), "听力残疾二级");
    let r = row(&store, &new_member);
    assert_eq!(r["resident_id"], json!("610921********001X"));
    assert_eq!(open(&r, &new_member, "resident_id", "resident_id_sealed"), ID);
    assert_eq!(r["has_health_note"], json!(0));
    // Its audit entry is kept sealed, as this computer's old ones.
    let changes: String = store.conn().query_row("SELECT changes FROM audit WHERE device_id = ?1", [OLD_DEVICE], |r| r.get(0)).unwrap();
    assert!(!changes.contains("0305001X") && !changes.contains("05060027") && changes.contains("$sealed"), "{changes}");
    // Nothing in clear anywhere in the member table.
    let clear: i64 = store.conn().query_row("SELECT count(*) FROM member WHERE instr(resident_id, '*') = 0 AND resident_id <> '' OR birth_date IS NOT NULL OR health <> ''", [], |r| r.get(0)).unwrap();
    assert_eq!(clear, 0);
}

#[test]
fn an_old_files_clear_values_are_masked_on_a_teachers_laptop() {
    let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    let h = household::create(&mut store, &input("0001", "王建国")).unwrap();
    let m = member::create(&mut store, h.meta.id, &member_input("王小明", "")).unwrap();
    store.conn().execute("INSERT INTO meta (key, value) VALUES (?1, 'teacher')", [crate::installation::TEACHERS_LAPTOP]).unwrap();
    store.set_second(None);
    let (member, new_member) = (m.meta.id.to_string(), crate::record::RecordId::new().to_string());
    read_old_file(&mut store, &member, &h.meta.id.to_string(), &new_member);
    // The number as a teacher's laptop keeps it: masked (or withheld altogether, `redact`).
    let r = row(&store, &member);
    assert!(["610921********0027", ""].contains(&r["resident_id"].as_str().unwrap()), "{}", r["resident_id"]);
    assert_eq!((r["resident_id_sealed"].clone(), r["resident_id_digest"].clone()), (json!(""), json!("")));
    assert_eq!((r["birth_date"].clone(), r["birth_year"].clone(), r["birth_date_sealed"].clone()), (Value::Null, json!(2013), json!("")));
    // No note text; its flag withheld too outside the teacher's care (`redact`).
    assert_eq!((r["health"].clone(), r["health_sealed"].clone()), (json!(""), json!("")));
    let r = row(&store, &new_member);
    assert!(["610921********001X", ""].contains(&r["resident_id"].as_str().unwrap()), "{}", r["resident_id"]);
    assert_eq!(r["resident_id_sealed"], json!(""));
    assert_eq!((r["birth_date"].clone(), r["birth_year"].clone()), (Value::Null, json!(2013)));
}

// ---- A rotation adopted on a holder's laptop (design point 6). ----

const PASSWORD: &str = "principal-pass";

/// Every sealed member number with the store's key: (id, number, digest).
fn numbers(store: &Store) -> Vec<(String, String, String)> {
    let key = store.second().expect("a holder");
    let mut out: Vec<(String, String, String)> = store
        .conn()
        .prepare("SELECT id, resident_id_sealed, resident_id_digest FROM member WHERE resident_id_sealed <> ''")
        .unwrap()
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .map(|(id, s, d)| {
            let n = crate::sealed::open(key, "member", &id, "resident_id", &s).unwrap_or_else(|| panic!("{id} opens")).to_string();
            assert_eq!(d, crate::sealed::digest(key, "resident_id", &n));
            (id, n, d)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn a_holders_laptop_taking_a_rotation_seals_its_fields_again_under_the_new_second_key() {
    let dir = tempfile::tempdir().unwrap();
    let school = crate::school::SchoolInput { code: "2161092101".into(), name: "涧池镇九年制学校".into(), town: "涧池镇".into(), district: String::new() };
    let first = crate::session::FirstAccount { login: "wang".into(), name: "王校长".into(), password: PASSWORD.into() };
    let (mut office, _) = crate::session::create(&dir.path().join("office.db"), crate::session::Setup::School(&school), &first).unwrap();
    crate::demo::generate(&mut office, &crate::demo::DemoOptions { students: 20, seed: 2 }).unwrap();
    let file = super::export(&mut office, &dir.path().join("to-laptop"), true).unwrap();
    let laptop_path = dir.path().join("laptop.db");
    let (mut laptop, _) = super::join(&laptop_path, &file, "wang", PASSWORD).unwrap();
    let before = numbers(&laptop);
    assert!(before.len() > 20);
    let old = laptop.second().unwrap().copy_for_tests();

    crate::keys::rotate(&mut office).unwrap();
    let file = super::export(&mut office, &dir.path().join("rotated"), false).unwrap();
    super::import(&mut laptop, &file).unwrap();
    assert_ne!(laptop.second().unwrap().sqlcipher_key(), old.sqlcipher_key(), "the new second key taken");
    let after = numbers(&laptop);
    assert_eq!(after.iter().map(|(i, n, _)| (i, n)).collect::<Vec<_>>(), before.iter().map(|(i, n, _)| (i, n)).collect::<Vec<_>>(), "every number opens under it");
    assert_eq!(after, numbers(&office), "the same digests as the office's");
    assert_eq!(crate::audit::verify(&laptop).unwrap().broken, None);
    drop(laptop);
    // The next login there.
    let laptop = crate::session::unlock(&laptop_path, "wang", PASSWORD).unwrap();
    assert_eq!(numbers(&laptop), after);
}
