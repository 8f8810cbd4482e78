use super::*;
use serde_json::Map;
use crate::access::Role;
use crate::account::{self, AccountInput};
use crate::household::{self, tests::input};
use proptest::strategy::Strategy as _;

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

// ---- Issue 22: old entries' clear values of sealed fields. ----

const ID: &str = "61092120130305001X";

/// A chain of another device's entries as schema 16 wrote them: a member inserted with its
/// full ID number, birth date and health note, then its number and note changed, then a
/// household's (no sealed field) — the first two kept as values, the last as text.
fn old_chain(conn: &Connection) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    let pairs: [(&str, &str, Vec<(&str, [Value; 2])>); 3] = [
        ("insert", "member", vec![("name", [Value::Null, json!("王小明")]), ("resident_id", [Value::Null, json!(ID)]), ("birth_date", [Value::Null, json!("2013-03-05")]), ("health", [Value::Null, json!("哮喘")])]),
        ("update", "member", vec![("resident_id", [json!(ID), json!("61092120130305002X")]), ("health", [json!("哮喘"), json!("")])]),
        ("update", "household", vec![("notes", [json!(""), json!("家访后更新 61092120130305001X")])]),
    ];
    for (i, (op, kind, changes)) in pairs.into_iter().enumerate() {
        let mut e = Entry {
            device_id: "0197c0de-0000-7000-8000-00000000000b".into(),
            seq: i as i64 + 1,
            at: crate::record::parse_time_text("2026-11-29T10:00:00.123Z").unwrap(),
            account_id: "a".into(),
            account: "王".into(),
            op: op.into(),
            kind: kind.into(),
            record_id: if kind == "member" { "m1".into() } else { "h1".into() },
            changes: changes.into_iter().map(|(f, v)| (f.to_string(), v)).collect(),
            prev: out.last().map(|p| p.hash.clone()).unwrap_or_default(),
            hash: String::new(),
        };
        e.hash = hash_of(&e);
        if i == 1 {
            let text = serde_json::to_string(&e).unwrap();
            assert!(receive_text(conn, &serde_json::from_str::<Received>(&text).unwrap()).unwrap());
        } else {
            assert!(receive(conn, &e).unwrap());
        }
        out.push(e);
    }
    out
}

fn changes_of(conn: &Connection, seq: i64) -> String {
    conn.query_row("SELECT changes FROM audit WHERE seq = ?1", [seq], |r| r.get(0)).unwrap()
}

#[test]
fn old_entries_clear_values_are_sealed_and_verify_opens_them_to_the_exact_hashed_text() {
    let store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    let key = store.second().expect("a test store's fixed second key").copy_for_tests();
    let conn = store.conn();
    old_chain(conn);
    assert_eq!(verify(&store).unwrap().broken, None);

    assert_eq!(seal_entries(conn, Some(&key)).unwrap(), 2, "the two member entries; the household's notes are no sealed field");
    for seq in [1, 2] {
        let text = changes_of(conn, seq);
        assert!(!text.contains("0305001X") && !text.contains("0305002") && !text.contains("2013-03-05") && !text.contains("哮喘"), "{text}");
        assert!(text.contains("\"$sealed\""), "{text}");
    }
    assert!(changes_of(conn, 2).contains("\"health\":[{\"$sealed\""), "the old note sealed, the empty new one left: {}", changes_of(conn, 2));
    assert_eq!(seal_entries(conn, Some(&key)).unwrap(), 0, "an entry converted already is left");

    // With the second key every entry's own hash is checked, as before.
    let v = verify(&store).unwrap();
    assert_eq!((v.entries, v.broken, v.sealed_elsewhere), (3, None, 0));
    // Without it the two are checked where the key is; the chain's links still here.
    let v = verify_chains(conn).unwrap();
    assert_eq!((v.entries, v.broken.clone(), v.sealed_elsewhere), (3, None, 2));
    // The principal's list opens and masks them.
    let listed = list(&store, &Filter::default()).unwrap();
    let inserted = listed.iter().find(|e| e.seq == 1).unwrap();
    assert_eq!(inserted.changes["resident_id"][1], json!("610921********001X"));
    assert_eq!(inserted.changes["birth_date"][1], json!("2013"));
    assert_eq!(inserted.changes["health"][1], json!("哮喘"));

    // Old and new swapped (both open: same entry, same field) is the entry altered.
    let text = changes_of(conn, 2);
    let mut values: BTreeMap<String, [Value; 2]> = serde_json::from_str(&text).unwrap();
    values.get_mut("resident_id").unwrap().swap(0, 1);
    conn.execute("UPDATE audit SET changes = ?1 WHERE seq = 2", [serde_json::to_string(&values).unwrap()]).unwrap();
    let b = verify(&store).unwrap().broken.expect("caught");
    assert_eq!(b.seq, 2);
    // A sealed value moved to another entry does not open there.
    conn.execute("UPDATE audit SET changes = ?1 WHERE seq = 2", [text]).unwrap();
    let first: BTreeMap<String, [Value; 2]> = serde_json::from_str(&changes_of(conn, 1)).unwrap();
    let place = entry_place("0197c0de-0000-7000-8000-00000000000b", 1, "resident_id");
    assert_eq!(key.open_field(&place, first["resident_id"][1]["$sealed"].as_str().unwrap()).unwrap().as_str(), ID);
    assert!(key.open_field(&entry_place("0197c0de-0000-7000-8000-00000000000b", 2, "resident_id"), first["resident_id"][1]["$sealed"].as_str().unwrap()).is_none());
    assert_eq!(verify(&store).unwrap().broken, None);
}

#[test]
fn on_a_teachers_laptop_old_values_are_masked_and_their_entries_checked_where_the_key_is() {
    let store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    let conn = store.conn();
    old_chain(conn);
    assert_eq!(seal_entries(conn, None).unwrap(), 2);
    let first = changes_of(conn, 1);
    assert!(first.contains(r#"{"$masked":"610921********001X"}"#) && first.contains(r#"{"$masked":"2013"}"#), "{first}");
    assert!(!first.contains("哮喘") && !first.contains("2013-03-05"), "{first}");
    // Not tampering — but not checked here either, even with a key at hand.
    let v = verify(&store).unwrap();
    assert_eq!((v.entries, v.broken, v.sealed_elsewhere), (3, None, 2));
    // The links are: an entry taken away is a gap.
    conn.execute("DELETE FROM audit WHERE seq = 2", []).unwrap();
    assert_eq!(verify_chains(conn).unwrap().broken.unwrap().seq, 3);
}

proptest::proptest! {
    /// A record inserted is audited from text written straight from its image: byte for byte
    /// the text the entry's changes would serialize to (its hash covers that text).
    #[test]
    fn an_inserted_records_changes_are_the_text_of_their_values(
        fields in proptest::collection::btree_map(
            proptest::prop_oneof!["[a-z_]{1,12}", proptest::sample::select(BOOKKEEPING.to_vec()).prop_map(String::from), "\\PC{0,6}"],
            proptest::prop_oneof![
                proptest::strategy::Just(Value::Null),
                proptest::num::i64::ANY.prop_map(Value::from),
                (-1e9f64..1e9).prop_map(Value::from),
                "\\PC{0,20}".prop_map(Value::from),
                "[\"\\\\\\n\\t\\u{1}a-z]{0,8}".prop_map(Value::from),
            ],
            0..24,
        )
    ) {
        let image: Map<String, Value> = fields.into_iter().collect();
        let changes: BTreeMap<String, [Value; 2]> = image
            .iter()
            .filter(|(f, v)| !v.is_null() && !BOOKKEEPING.contains(&f.as_str()))
            .map(|(f, v)| (f.clone(), [Value::Null, v.clone()]))
            .collect();
        proptest::prop_assert_eq!(inserted_text("visit", &image.into()), serde_json::to_string(&changes).unwrap());
    }
}

#[test]
fn a_sealed_numbers_digest_is_no_change_of_its_own_in_an_entry() {
    let mut store = Store::open_in_memory(&crate::SCHEMA).unwrap();
    let h = household::create(&mut store, &input("0001", "王建国")).unwrap();
    let number = crate::ResidentId::compose("610921", chrono::NaiveDate::from_ymd_opt(2013, 3, 5).unwrap(), 1);
    crate::member::create(&mut store, h.meta.id, &crate::member::tests::member_input("王小明", number.as_str())).unwrap();
    let inserted: String = store.conn().query_row("SELECT changes FROM audit WHERE kind = 'member' AND op = 'insert'", [], |r| r.get(0)).unwrap();
    let fields: BTreeMap<String, [Value; 2]> = serde_json::from_str(&inserted).unwrap();
    assert!(fields.contains_key("resident_id_sealed") && fields.contains_key("resident_id"), "{inserted}");
    assert!(!fields.keys().any(|f| f.ends_with("_digest")), "no digest audited: {inserted}");
}
