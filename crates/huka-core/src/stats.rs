//! Counts of live records per kind (the CLI's `stats`, the window's header).

use serde::Serialize;

use crate::error::Result;
use crate::store::Store;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    pub schools: i64,
    pub households: i64,
    pub members: i64,
    pub students: i64,
    pub teachers: i64,
    pub pairings: i64,
    pub visits: i64,
    pub plans: i64,
}

pub fn get(store: &Store) -> Result<Stats> {
    Ok(store.conn().query_row(
        "SELECT (SELECT count(*) FROM school WHERE deleted_at IS NULL),
                (SELECT count(*) FROM household WHERE deleted_at IS NULL),
                (SELECT count(*) FROM member WHERE deleted_at IS NULL),
                (SELECT count(*) FROM student WHERE deleted_at IS NULL),
                (SELECT count(*) FROM teacher WHERE deleted_at IS NULL),
                (SELECT count(*) FROM pairing WHERE deleted_at IS NULL AND end_date IS NULL),
                (SELECT count(*) FROM visit WHERE deleted_at IS NULL),
                (SELECT count(*) FROM plan WHERE deleted_at IS NULL)",
        [],
        |r| {
            Ok(Stats {
                schools: r.get(0)?,
                households: r.get(1)?,
                members: r.get(2)?,
                students: r.get(3)?,
                teachers: r.get(4)?,
                pairings: r.get(5)?,
                visits: r.get(6)?,
                plans: r.get(7)?,
            })
        },
    )?)
}
