//! The domain's schema as a store opens it.

use rusqlite::Connection;

use crate::{Store, MIGRATIONS, SCHEMA, SCHEMA_VERSION};

#[test]
fn an_older_schema_is_migrated_forward_keeping_its_records() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        // A database as the first release left it: schema 1, with a household in it.
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.execute_batch(
            "PRAGMA user_version = 1;
             INSERT INTO meta (key, value) VALUES ('device_id', 'old-device');
             INSERT INTO household (id, household_number, head_name, status, created_at, updated_at, device_id)
             VALUES ('0190a3c0-0000-7000-8000-000000000001', '0001', '王建国', 'registered_poor',
                     '2026-09-01T00:00:00.000Z', '2026-09-01T00:00:00.000Z', 'old-device');",
        )
        .unwrap();
    }
    let store = Store::open_unencrypted(&path, &SCHEMA).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(store.device_id(), "old-device");
    let head: String = store.conn().query_row("SELECT head_name FROM household", [], |r| r.get(0)).unwrap();
    assert_eq!(head, "王建国");
    let registrations: i64 = store.conn().query_row("SELECT count(*) FROM registration", [], |r| r.get(0)).unwrap();
    assert_eq!(registrations, 0, "schema 2's table exists");
}

/// Schema 12: a search text written before it, with full ID numbers, is rewritten masked; the
/// full numbers it moved to their own index leave the file with schema 16 — a holder's search
/// by one finds the household through the session's table in memory.
#[test]
fn the_search_text_of_an_older_database_is_masked_by_schema_12() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let conn = Connection::open(&path).unwrap();
        for sql in &MIGRATIONS[..11] {
            conn.execute_batch(sql).unwrap();
        }
        conn.execute_batch(
            "PRAGMA user_version = 11;
             INSERT INTO meta (key, value) VALUES ('device_id', 'old-device');
             INSERT INTO household (id, household_number, head_name, status, created_at, updated_at, device_id, updated_by)
             VALUES ('0190a3c0-0000-7000-8000-000000000001', '0001', '王建国', 'registered_poor',
                     '2026-09-01T00:00:00.000Z', '2026-09-01T00:00:00.000Z', 'old-device', '');
             INSERT INTO member (id, household_id, name, relation, resident_id, created_at, updated_at, device_id, updated_by)
             VALUES ('0190a3c0-0000-7000-8000-000000000002', '0190a3c0-0000-7000-8000-000000000001', '王小明', '之子', '61092120130305001X',
                     '2026-09-01T00:00:00.000Z', '2026-09-01T00:00:00.000Z', 'old-device', '');
             INSERT INTO search_key (household_id, body) VALUES ('0190a3c0-0000-7000-8000-000000000001', '0001 王建国 王小明 61092120130305001X');
             INSERT INTO household_search (household_search) VALUES ('rebuild');",
        )
        .unwrap();
    }
    let store = Store::open_unencrypted(&path, &SCHEMA).unwrap();
    let body: String = store.conn().query_row("SELECT body FROM search_key", [], |r| r.get(0)).unwrap();
    assert_eq!(body, "0001 王建国 王小明 610921********001X");
    let count = |sql: &str| -> i64 { store.conn().query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(count("SELECT count(*) FROM household_search WHERE body LIKE '%20130305%'"), 0, "the hidden digits are not in the text");
    assert_eq!(count("SELECT count(*) FROM sqlite_schema WHERE name LIKE 'household_id_search%'"), 0, "schema 16 took the full numbers' index away");
    assert_eq!(count("SELECT count(*) FROM pragma_table_info('search_key') WHERE name = 'ids'"), 0, "and their column");
    assert_eq!(crate::household::list(&store, "20130305", 10).unwrap().len(), 1, "found by the full number where the reader may see it");
}

/// Schema 18: a database of schema 17 loses `audit_account` (no query read it) and gains the
/// list of clock shapes; its clock rows, all in the JSON form, read as they did; the trail
/// still verifies; what is written after keeps a record's one clock by its shape.
#[test]
fn schema_18_makes_the_journal_of_a_schema_17_database_smaller_and_reads_its_clocks() {
    use std::collections::BTreeMap;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let count = |conn: &Connection, sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    let clocks_of = |conn: &Connection| -> BTreeMap<(String, String), serde_json::Map<String, serde_json::Value>> {
        let keys: Vec<(String, String)> =
            conn.prepare("SELECT tbl, record_id FROM sync_clock").unwrap().query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect();
        keys.into_iter().map(|(t, id)| (crate::clock::load_clocks(conn, &t, &id).map(|c| ((t.clone(), id.clone()), c)).unwrap())).collect()
    };
    let before = {
        let mut store = Store::open_unencrypted(&path, &SCHEMA).unwrap();
        let school = crate::school::SchoolInput { code: "2161092101".into(), name: "涧池镇九年制学校".into(), town: "涧池镇".into(), district: String::new() };
        crate::school::setup(&mut store, &school).unwrap();
        crate::demo::generate(&mut store, &crate::demo::DemoOptions { students: 12, seed: 5 }).unwrap();
        clocks_of(store.conn())
    };
    {
        let conn = Connection::open(&path).unwrap();
        assert!(crate::clock::take_schema_18_away(&conn) > 0, "the demo's records are kept by their shapes");
        conn.execute_batch("PRAGMA user_version = 17;").unwrap();
        assert_eq!(count(&conn, "SELECT count(*) FROM sync_clock WHERE clocks LIKE '@%'"), 0);
        assert_eq!(clocks_of(&conn), before, "as schema 17 kept them");
    }
    let store = Store::open_unencrypted(&path, &SCHEMA).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let conn = store.conn();
    assert_eq!(count(conn, "SELECT count(*) FROM sqlite_schema WHERE name = 'audit_account'"), 0);
    assert_eq!(count(conn, "SELECT count(*) FROM sqlite_schema WHERE name = 'sync_clock_shape'"), 1);
    assert_eq!(clocks_of(conn), before, "the rows of schema 17 read as they did");
    let verdict = crate::audit::verify_chains(conn).unwrap();
    assert!(verdict.broken.is_none() && verdict.entries > 100, "{verdict:?}");
}

/// What SQLite plans for `sql` (its parameters bound to text): the plan's lines.
fn query_plan(conn: &Connection, sql: &str) -> String {
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    let params = vec!["x"; stmt.parameter_count()];
    let lines: Vec<String> = stmt.query_map(rusqlite::params_from_iter(params), |r| r.get(3)).unwrap().collect::<rusqlite::Result<_>>().unwrap();
    lines.join("\n")
}

#[test]
fn every_match_by_a_numbers_digest_goes_through_the_index_of_live_digests() {
    // The digests' unique indexes are partial (live rows with a digest): SQLite uses one only
    // where the query says `<> ''` too. Without it, adding a member read the whole member
    // table (a school's demo took half its time there) and the reconciliation read the roster
    // once per member.
    let store = Store::open_in_memory(&SCHEMA).unwrap();
    for (sql, index) in [
        (crate::member::TAKEN, "member_resident_id_digest_alive"),
        (crate::registration::LINKS_CHANGED, "member_resident_id_digest_alive"),
        (crate::reconcile::UNREGISTERED, "registration_resident_id_digest_alive"),
        (crate::reconcile::ROSTER_ROWS, "member_resident_id_digest_alive"),
    ] {
        let plan = query_plan(store.conn(), sql);
        assert!(plan.contains(&format!("USING INDEX {index} (resident_id_digest=?)")) && !plan.contains("AUTOMATIC"), "{sql}\n{plan}");
    }
}

#[test]
fn the_trail_is_listed_newest_first_from_its_index_without_sorting_the_entries_of_one_time() {
    // A demo school's or a big import's entries share one time: sorting them to find the
    // newest hundred took seconds on a 30,000-student school.
    let store = Store::open_in_memory(&SCHEMA).unwrap();
    for since in [false, true] {
        let plan = query_plan(store.conn(), &crate::audit::list_sql(false, since));
        assert!(plan.contains("USING INDEX audit_at") && !plan.contains("TEMP B-TREE"), "{plan}");
    }
}
