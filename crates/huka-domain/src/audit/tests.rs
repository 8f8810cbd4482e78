use super::*;
use crate::access::Role;
use crate::account::{self, AccountInput};
use crate::household::{self, tests::input};

fn entries(store: &Store) -> Vec<Entry> {
    let mut all = list(store, &Filter::default()).unwrap();
    all.reverse();
    all
}

#[test]
fn every_kind_of_write_leaves_a_chained_entry_with_old_and_new_values() {
    let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    let h = household::create(&mut store, &input("0001", "王建国")).unwrap();
    let m = crate::member::create(
        &mut store,
        h.meta.id,
        &crate::member::MemberInput { name: "王小明".into(), resident_id: "61092120130305001X".into(), health: "哮喘".into(), ..Default::default() },
    )
    .unwrap();
    household::update(&mut store, h.meta.id, &crate::household::HouseholdInput { head_name: "王建军".into(), ..input("0001", "王建国") }).unwrap();
    crate::member::delete(&mut store, m.meta.id).unwrap();
    let all = entries(&store);
    let ops: Vec<(&str, &str)> = all.iter().map(|e| (e.op.as_str(), e.kind.as_str())).collect();
    assert!(ops.starts_with(&[("insert", "household")]), "{ops:?}");
    assert!(ops.contains(&("insert", "member")), "{ops:?}");
    assert!(ops.contains(&("update", "household")));
    assert!(ops.contains(&("delete", "member")), "{ops:?}");
    let rename = all.iter().find(|e| e.op == "update" && e.kind == "household").unwrap();
    assert_eq!(rename.changes["head_name"], [json!("王建国"), json!("王建军")]);
    assert!(!rename.changes.contains_key("updated_at"), "bookkeeping is the entry's own");
    let inserted = all.iter().find(|e| e.op == "insert" && e.kind == "member").unwrap();
    assert_eq!(inserted.changes["resident_id"][1], json!("610921********001X"), "listed with the ID number masked");
    // The chain: each entry follows the one before.
    for w in all.windows(2) {
        assert_eq!(w[1].prev, w[0].hash);
        assert_eq!(w[1].seq, w[0].seq + 1);
    }
    let v = verify(&store).unwrap();
    assert!(v.broken.is_none());
    assert_eq!(v.entries as usize, all.len());
    // A repeated save that changes nothing leaves no entry.
    let before = all.len();
    household::update(&mut store, h.meta.id, &crate::household::HouseholdInput { head_name: "王建军".into(), ..input("0001", "王建国") }).unwrap();
    assert_eq!(entries(&store).len(), before);
}

#[test]
fn an_entry_edited_or_removed_with_raw_sql_breaks_the_chain() {
    let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    for n in 0..5 {
        household::create(&mut store, &input(&format!("000{n}"), "户主")).unwrap();
    }
    assert!(verify(&store).unwrap().broken.is_none());
    store.conn().execute("UPDATE audit SET changes = replace(changes, '户主', '别人') WHERE seq = 3", []).unwrap();
    let v = verify(&store).unwrap();
    let b = v.broken.expect("caught");
    assert_eq!(b.seq, 3);
    assert!(b.reason_en.contains("altered"));
    // Recomputing that entry's hash does not help: the next one no longer follows it.
    let e = list(&store, &Filter::default()).unwrap().into_iter().find(|e| e.seq == 3).unwrap();
    let raw: String = store.conn().query_row("SELECT changes FROM audit WHERE seq = 3", [], |r| r.get(0)).unwrap();
    let fixed = Entry { changes: serde_json::from_str(&raw).unwrap(), ..e };
    store.conn().execute("UPDATE audit SET hash = ?1 WHERE seq = 3", [hash_of(&fixed)]).unwrap();
    assert_eq!(verify(&store).unwrap().broken.unwrap().seq, 4);
    store.conn().execute("DELETE FROM audit WHERE seq = 2", []).unwrap();
    assert_eq!(verify(&store).unwrap().broken.unwrap().seq, 3, "a removed entry is a gap");
}

#[test]
fn entries_name_their_account_and_a_card_shows_its_history() {
    let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    let li = account::add(&mut store, &AccountInput { login: "li".into(), name: "李老师".into(), role: Role::Teacher, teacher_id: None }, "password-1")
        .unwrap()
        .actor();
    let h = household::create(&mut store, &input("0001", "王建国")).unwrap();
    crate::teacher::set_for_household(&mut store, h.meta.id, &[li.teacher_id.unwrap()]).unwrap();
    store.act_as_for_tests(li.clone());
    household::update(&mut store, h.meta.id, &crate::household::HouseholdInput { notes: "家访后更新".into(), ..input("0001", "王建国") }).unwrap();
    let history = of_household(&store, h.meta.id).unwrap();
    assert_eq!(history[0].account, "李老师");
    assert_eq!(history[0].changes["notes"][1], json!("家访后更新"));
    store.act_as_for_tests(crate::access::Actor::system());
    let by_li = list(&store, &Filter { user: Some("li".into()), ..Default::default() }).unwrap();
    assert_eq!(by_li.len(), 1);
    store.act_as_for_tests(li);
    assert!(list(&store, &Filter::default()).is_err(), "the trail is the principal's to read");
}

use serde_json::json;


#[test]
fn an_entry_received_as_text_is_kept_as_its_values_would_be_and_verifies() {
    let mut changes = std::collections::BTreeMap::new();
    changes.insert("name".to_string(), [Value::Null, json!("张三 \"小\"\n\u{1}")]);
    changes.insert("amount".to_string(), [json!(-5), json!(18446744073709551615u64)]);
    changes.insert("ratio".to_string(), [json!(1.0), json!(2.5e-7)]);
    changes.insert("nested".to_string(), [json!({"b": [true, false, null], "a": {}}), json!([])]);
    let mut e = Entry {
        device_id: "0197c0de-0000-7000-8000-00000000000b".into(),
        seq: 1,
        at: crate::record::parse_time_text("2026-11-29T10:00:00.123Z").unwrap(),
        account_id: "a".into(),
        account: "王".into(),
        op: "insert".into(),
        kind: "household".into(),
        record_id: "r".into(),
        changes,
        prev: String::new(),
        hash: String::new(),
    };
    e.hash = hash_of(&e);
    let text = serde_json::to_string(&e).unwrap();
    for received in [serde_json::from_str::<Received>(&text).unwrap(), serde_json::from_reader::<_, Received>(text.as_bytes()).unwrap()] {
        assert_eq!(received.changes, changes_text(&e), "the text `receive` would have written");
        let store = Store::open_in_memory(&crate::SCHEMA).unwrap();
        assert!(receive_text(store.conn(), &received).unwrap());
        assert!(!receive_text(store.conn(), &received).unwrap(), "an entry held already is left");
        let verdict = verify_chains(store.conn()).unwrap();
        assert_eq!((verdict.entries, verdict.broken), (1, None));
    }
    let not_an_object = text.replacen("\"changes\":{", "\"changes\":[{", 1).replacen("},\"prev\"", "}],\"prev\"", 1);
    assert!(serde_json::from_str::<Received>(&not_an_object).is_err());
}
