//! What a change set is made of: its head (what it says of itself before its records) and
//! its records as they travel — every field's value, as JSON, with its clock — read from the
//! database by `file` and written into it by `merge`.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use rusqlite::types::ValueRef;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::Result;

/// What a change set says of itself before its records: everything but the records, merges
/// and audit entries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Head {
    pub school: String,
    pub database_id: String,
    pub from_device: String,
    pub from_account: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Every record the sender holds (a new computer can join with it).
    pub full: bool,
    /// Written by a teacher's laptop, which keeps some records only in part: its reader learns
    /// nothing from it about what the other computers wrote.
    #[serde(default)]
    pub partial: bool,
    /// The sender's schema version (a newer one's file is refused, not half read).
    pub schema: i64,
    /// What the file assumes its reader holds: the newest write of each device, and how many
    /// audit entries of each. A reader with less needs a complete file.
    pub base: BTreeMap<String, String>,
    pub audit_base: BTreeMap<String, i64>,
    /// The newest write of each device the sender holds.
    pub seen: BTreeMap<String, String>,
    /// The audit entries of each device the sender holds.
    pub audit_heads: BTreeMap<String, i64>,
    /// The school's accounts (id, login, role, whether deleted), so that a computer joining
    /// learns who joins from the head alone (files from before lack it: the joiner then reads
    /// the records twice).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<(String, String, String, bool)>,
}

/// One record, whole, with the clock of each field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordChange {
    pub table: String,
    pub id: String,
    pub row: Map<String, Value>,
    pub clocks: Map<String, Value>,
    /// A visit's teachers and students (the rows that are parts of it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parts: Option<Parts>,
}

/// A visit's teachers and the students discussed, sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parts {
    pub teachers: Vec<String>,
    pub students: Vec<String>,
}

pub(crate) fn parts_of(conn: &Connection, visit: &str) -> Result<Parts> {
    let list = |sql: &str| -> Result<Vec<String>> { Ok(conn.prepare_cached(sql)?.query_map([visit], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?) };
    Ok(Parts {
        teachers: list("SELECT teacher_id FROM visit_teacher WHERE visit_id = ?1 ORDER BY teacher_id")?,
        students: list("SELECT member_id FROM visit_student WHERE visit_id = ?1 ORDER BY member_id")?,
    })
}

fn json_of(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::from(i),
        ValueRef::Real(f) => Value::from(f),
        ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => bytes_value(b),
    }
}

/// A row as it travels: each column (`names`, in order) → its value as JSON.
pub(crate) fn row_map(r: &rusqlite::Row<'_>, names: &[String]) -> rusqlite::Result<Map<String, Value>> {
    let mut m = Map::new();
    for (i, name) in names.iter().enumerate() {
        m.insert(name.clone(), json_of(r.get_ref(i)?));
    }
    Ok(m)
}

pub(crate) fn rows(conn: &Connection, table: &str, id: Option<&str>) -> Result<Vec<Map<String, Value>>> {
    let sql = match id {
        Some(_) => format!("SELECT * FROM \"{table}\" WHERE id = ?1"),
        None => format!("SELECT * FROM \"{table}\""),
    };
    let mut stmt = conn.prepare_cached(&sql)?;
    let names: Vec<String> = stmt.column_names().into_iter().map(String::from).collect();
    let map = |r: &rusqlite::Row<'_>| row_map(r, &names);
    let out = match id {
        Some(id) => stmt.query_map([id], map)?.collect::<rusqlite::Result<_>>()?,
        None => stmt.query_map([], map)?.collect::<rusqlite::Result<_>>()?,
    };
    Ok(out)
}

/// Bytes as a JSON value: `{"$bytes": base64}`.
pub(crate) fn bytes_value(b: &[u8]) -> Value {
    let mut m = Map::new();
    m.insert("$bytes".into(), Value::String(B64.encode(b)));
    Value::Object(m)
}

pub(crate) fn value_bytes(v: &Value) -> Option<Vec<u8>> {
    v.as_object()?.get("$bytes")?.as_str().and_then(|s| B64.decode(s).ok())
}
