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
