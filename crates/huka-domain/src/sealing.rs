//! Sealing the fields of a database from before schema 17, and sealing them again when the
//! second key rotates (issue 22). Both are local passes over what is there, not journaled
//! writes: no clock moves, no record is stamped, nothing travels again because of them, and
//! the audit trail gets one entry with counts only (the old → new values are not captured:
//! that would put every clear value in the trail once more).
//!
//! - [`convert`], at the first open since schema 17 (`session::unlock`, `recover`): on a
//!   holder's computer (the second key at hand) every clear value of a sealed field
//!   (`sealed::FIELDS`) is sealed, its number digested, its clear column left with what a
//!   teacher is shown (`sealed::stored`); on a teacher's laptop, which holds no second key, the
//!   clear columns are masked the same way (birth dates to years, health text to the flag) and
//!   the sealed columns stay ''. The old audit entries' clear values of those fields become
//!   `{"$sealed": …}` or `{"$masked": …}` (`audit::seal_entries`). Checked before it commits:
//!   every table's row count the same, no clear number left in the fields' clear columns nor in
//!   the entries, `PRAGMA integrity_check`; then the marker `field_sealing.sealed_at`. A
//!   teacher logging in on the office's unconverted database converts nothing (it reads the
//!   masked view anyway); the next holder's login does.
//! - [`reseal`], when the second key rotates (`keys::rotate`, `keys::adopt`): every sealed
//!   value opened with the old key and sealed under the new one, every digest computed again,
//!   the audit entries' sealed values too.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rusqlite::types::Value as SqlValue;
use rusqlite::Connection;
use serde::Serialize;
use serde_json::Value;

use crate::access::{self, Why};
use crate::crypto::DataKey;
use crate::error::{Error, Result};
use crate::resident_id::ResidentId;
use crate::sealed::{self, Kind, FIELDS};
use crate::store::{Store, Writer};


/// What a conversion did: per field (`member.resident_id` …) how many values it sealed (or
/// masked), and how many audit entries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Sealed {
    /// Whether values were sealed (a holder's computer) or only masked (a teacher's laptop).
    pub with_key: bool,
    pub fields: BTreeMap<String, i64>,
    pub audit_entries: i64,
}

/// Whether the rows of this database may still hold clear values (the marker is unset).
pub fn pending(conn: &Connection) -> Result<bool> {
    let at: Option<Option<String>> = conn.query_row("SELECT sealed_at FROM field_sealing WHERE id = 1", [], |r| r.get(0)).ok();
    Ok(matches!(at, Some(None)))
}

/// Marks a database as holding no clear value of a sealed field (a new one).
pub fn mark_sealed(w: &Writer<'_>) -> Result<()> {
    w.tx().execute("UPDATE field_sealing SET sealed_at = ?1 WHERE id = 1", [w.now()])?;
    Ok(())
}

/// The conversion at a first open, as `session` calls it once the account is known: on a
/// teacher's laptop without the key, on the office's computers with the second key of a
/// holder; nothing otherwise, nor once done. `None`: nothing was done.
pub fn at_open(store: &mut Store) -> Result<Option<Sealed>> {
    if !pending(store.conn())? {
        return Ok(None);
    }
    if crate::installation::teachers_laptop(store)?.is_some() {
        return convert(store, false).map(Some);
    }
    if sealed::key(store).is_none() {
        return Ok(None);
    }
    convert(store, true).map(Some)
}

/// Seals (`with_key`: under the store's second key) or masks (without) every clear value of a
/// sealed field and of the audit entries, checks, and sets the marker — in one transaction.
pub fn convert(store: &mut Store, with_key: bool) -> Result<Sealed> {
    access::write_unguarded(store, Why::FieldSealing, |w| {
        let second = if with_key { Some(w.second().ok_or(Error::ConversionFailed)?) } else { None };
        let counts_before = counts(w.tx())?;
        w.set_applying(true)?;
        let mut done = Sealed { with_key: second.is_some(), ..Sealed::default() };
        for field in FIELDS {
            let n = seal_column(w.tx(), second, field)?;
            done.fields.insert(format!("{}.{}", field.table, field.column), n);
        }
        done.audit_entries = crate::audit::seal_entries(w.tx(), second)? as i64;
        w.set_applying(false)?;
        check(w.tx(), &counts_before)?;
        mark_sealed(w)?;
        let mut details: BTreeMap<String, [Value; 2]> =
            done.fields.iter().map(|(f, n)| (f.clone(), [Value::Null, Value::from(*n)])).collect();
        details.insert("auditEntries".into(), [Value::Null, Value::from(done.audit_entries)]);
        details.insert("withKey".into(), [Value::Null, Value::from(done.with_key)]);
        // A database with nothing to convert (made since schema 17) gets the marker only.
        if done.audit_entries > 0 || done.fields.values().any(|n| *n > 0) {
            crate::audit::event(w, "fields_sealed", "sealing", w.device_id(), details)?;
        }
        Ok(done)
    })
}

/// The rows of `field`'s table whose clear column still holds a clear value, as SQL.
fn clear_condition(field: &sealed::Field) -> String {
    let c = field.column;
    match field.kind {
        Kind::Number => format!("{c} <> '' AND instr({c}, '*') = 0"),
        Kind::BirthDate => format!("{c} IS NOT NULL"),
        Kind::Health => format!("{c} <> ''"),
    }
}

/// Whether a record's value of a sealed field, as it travels (JSON), is clear: what
/// [`clear_condition`] finds in a column, or what [`fields_clear`] finds besides in a number's
/// (a valid ID number).
fn value_clear(field: &sealed::Field, value: &serde_json::Value) -> bool {
    let text = match value {
        serde_json::Value::Null => return false,
        serde_json::Value::String(s) => s.as_str(),
        _ => return true,
    };
    match field.kind {
        Kind::Number => (!text.is_empty() && !text.contains('*')) || holds_id_number(text),
        Kind::BirthDate => true,
        Kind::Health => !text.is_empty(),
    }
}

/// Whether a record of `table`, as it travels, holds a clear value of a sealed field: checked
/// for each record while a computer joins the school, so that the join need not read the
/// tables again ([`fields_clear`]) to mark the database sealed ([`mark_joined`]).
pub fn record_clear(table: &str, row: &serde_json::Map<String, serde_json::Value>) -> bool {
    FIELDS.iter().filter(|f| f.table == table).any(|f| row.get(f.column).is_some_and(|v| value_clear(f, v)))
}

/// Seals (or masks) the clear values of one field; returns how many.
fn seal_column(conn: &Connection, second: Option<&DataKey>, field: &sealed::Field) -> Result<i64> {
    let (table, column) = (field.table, field.column);
    let rows: Vec<(String, String)> = conn
        .prepare(&format!("SELECT id, CAST({column} AS TEXT) FROM {table} WHERE {}", clear_condition(field)))?
        .query_map([], |r| Ok((r.get(0)?, r.get::<_, Option<String>>(1)?.unwrap_or_default())))?
        .collect::<rusqlite::Result<_>>()?;
    if rows.is_empty() {
        return Ok(0);
    }
    let columns = field.columns();
    let sets: Vec<String> = columns.iter().enumerate().map(|(i, c)| format!("{c} = ?{}", i + 2)).collect();
    let mut update = conn.prepare(&format!("UPDATE {table} SET {} WHERE id = ?1", sets.join(", ")))?;
    for (id, clear) in &rows {
        let pairs = sealed::stored(second, table, id, column, Some(clear));
        let mut values: Vec<SqlValue> = vec![SqlValue::Text(id.clone())];
        values.extend(columns.iter().map(|c| sealed::value(&pairs, c).clone()));
        update.execute(rusqlite::params_from_iter(values))?;
    }
    Ok(rows.len() as i64)
}

/// Every table's row count (the audit trail's too).
fn counts(conn: &Connection) -> Result<Vec<(String, i64)>> {
    let mut tables = crate::store::record_tables(conn)?;
    tables.push("audit".into());
    tables.into_iter().map(|t| Ok((t.clone(), conn.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))?))).collect()
}

/// Whether text holds a valid 18-character ID number.
pub fn holds_id_number(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() < 18 {
        return false;
    }
    (0..=bytes.len() - 18).any(|i| {
        let w = &bytes[i..i + 18];
        w[..17].iter().all(u8::is_ascii_digit)
            && (w[17].is_ascii_digit() || w[17] == b'X' || w[17] == b'x')
            && (i == 0 || !bytes[i - 1].is_ascii_digit())
            && std::str::from_utf8(w).is_ok_and(|s| ResidentId::parse(s).is_ok())
    })
}

/// Every column of the database at `path`, opened with `raw_key` as a script with the data key
/// would open it, whose text holds a valid 18-character ID number or one of the `known` clear
/// values (a date among them only in the sealed fields' tables and the audit trail: a visit's
/// date is no secret) — as `table.column: what`, the numbers masked. The raw-key checks of
/// the second key's tests (the conversion's, a rotation's, a teacher's laptop's).
#[doc(hidden)]
pub fn found_in_the_clear(path: &std::path::Path, raw_key: &str, known: &std::collections::BTreeSet<String>) -> Vec<String> {
    let conn = Connection::open(path).expect("a database file");
    conn.execute_batch(&format!("PRAGMA key = \"{raw_key}\";")).expect("the key is taken");
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("the raw key opens the database");
    assert!(tables.iter().any(|t| t == "member"), "the raw key opens the database: {tables:?}");
    let is_date = |k: &str| NaiveDate::parse_from_str(k, "%Y-%m-%d").is_ok();
    let mut found = Vec::new();
    for table in tables {
        let dates_too = ["member", "student", "registration", "audit"].contains(&table.as_str());
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{table}\"")).expect("a table");
        let columns: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
        let mut rows = stmt.query([]).expect("its rows");
        while let Some(row) = rows.next().expect("a row") {
            for (i, column) in columns.iter().enumerate() {
                let text = match row.get_ref(i).expect("a value") {
                    rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => String::from_utf8_lossy(t).into_owned(),
                    _ => continue,
                };
                let mut what: Vec<String> = known
                    .iter()
                    .filter(|k| k.chars().count() > 1 && (dates_too || !is_date(k)) && text.contains(k.as_str()))
                    .map(|k| match ResidentId::parse(k) {
                        Ok(_) => crate::masking::resident_id(k),
                        Err(_) => format!("a known text of {} characters", k.chars().count()),
                    })
                    .collect();
                let b = text.as_bytes();
                for at in 0..b.len().saturating_sub(17) {
                    let bounded = (at == 0 || !b[at - 1].is_ascii_digit()) && b.get(at + 18).is_none_or(|c| !c.is_ascii_alphanumeric());
                    if bounded && text.is_char_boundary(at) && text.is_char_boundary(at + 18) && ResidentId::parse(&text[at..at + 18]).is_ok() {
                        what.push(crate::masking::resident_id(&text[at..at + 18]));
                    }
                }
                if !what.is_empty() {
                    found.push(format!("{table}.{column}: {}", what.join(" ")));
                }
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

/// The checks before a conversion commits: the same rows, no clear value left in the sealed
/// fields' clear columns, no clear ID number in those tables' audit entries, the database whole.
fn check(conn: &Connection, before: &[(String, i64)]) -> Result<()> {
    if counts(conn)? != before {
        return Err(Error::ConversionFailed);
    }
    if fields_clear(conn)? {
        return Err(Error::ConversionFailed);
    }
    let tables: Vec<String> = FIELDS.iter().map(|f| format!("'{}'", f.table)).collect();
    let mut stmt = conn.prepare(&format!("SELECT changes FROM audit WHERE kind IN ({})", tables.join(", ")))?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        if holds_id_number(&r.get::<_, String>(0)?) {
            return Err(Error::ConversionFailed);
        }
    }
    let ok: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if ok != "ok" {
        return Err(Error::ConversionFailed);
    }
    Ok(())
}

/// Whether a sealed field's clear column holds a clear value in any row, or a number's column a
/// valid ID number: what a conversion seals, or its check refuses.
pub fn fields_clear(conn: &Connection) -> Result<bool> {
    for field in FIELDS {
        let left: bool = conn.query_row(&format!("SELECT EXISTS (SELECT 1 FROM {} WHERE {})", field.table, clear_condition(field)), [], |r| r.get(0))?;
        if left {
            return Ok(true);
        }
        if field.kind == Kind::Number {
            let mut stmt = conn.prepare(&format!("SELECT {} FROM {}", field.column, field.table))?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                if holds_id_number(&r.get::<_, String>(0)?) {
                    return Ok(true);
                }
            }
        }
    }
    Ok(false)
}

/// Whether an audit entry's changes (as stored, of a record of `kind`) hold what a conversion
/// would seal (`audit::seal_entries`) or its check refuse (a valid ID number).
pub fn entry_clear(kind: &str, changes: &str) -> bool {
    FIELDS.iter().any(|f| f.table == kind) && (holds_id_number(changes) || crate::audit::holds_clear(kind, changes))
}

/// Marks a database just made from a complete change file (a computer joining the school) as
/// holding no clear value, when none arrived (`arrived_clear` is false): no record as received
/// held one ([`record_clear`] of each) and no audit entry ([`entry_clear`] of each). Its first
/// login then has nothing to convert, and no longer reads the whole database (and checks its
/// integrity) to find that out. Otherwise the marker stays unset and that login converts as
/// before.
pub fn mark_joined(w: &Writer<'_>, arrived_clear: bool) -> Result<bool> {
    if arrived_clear || !pending(w.tx())? {
        return Ok(false);
    }
    mark_sealed(w)?;
    Ok(true)
}

/// What sealing again under a new second key did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Resealed {
    /// Sealed values opened with the old key and sealed under the new one.
    pub values: i64,
    /// Sealed values the old key did not open (left as they were).
    pub unopened: i64,
    pub audit_entries: i64,
}

/// Seals every sealed value again under `new` (opened with `old`) and computes every digest
/// again under it, the audit entries' sealed values too: the rotation of the second key, a
/// local pass on `conn` (raw SQL: nothing captured, stamped or clocked), inside the caller's
/// transaction.
pub fn reseal(conn: &Connection, old: &DataKey, new: &DataKey) -> Result<Resealed> {
    let mut done = Resealed::default();
    for field in FIELDS {
        let (table, column, sealed_column) = (field.table, field.column, field.sealed_column());
        let rows: Vec<(String, String)> = conn
            .prepare(&format!("SELECT id, {sealed_column} FROM {table} WHERE {sealed_column} <> ''"))?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut update = match field.digest_column() {
            Some(digest) => conn.prepare(&format!("UPDATE {table} SET {sealed_column} = ?2, {digest} = ?3 WHERE id = ?1"))?,
            None => conn.prepare(&format!("UPDATE {table} SET {sealed_column} = ?2 WHERE id = ?1"))?,
        };
        for (id, sealed_value) in rows {
            let Some(clear) = sealed::open(old, table, &id, column, &sealed_value) else {
                done.unopened += 1;
                continue;
            };
            let again = new.seal_field(&sealed::place(table, &id, column), &clear);
            match field.digest_label() {
                Some(label) => update.execute(rusqlite::params![id, again, sealed::digest(new, label, &clear)])?,
                None => update.execute(rusqlite::params![id, again])?,
            };
            done.values += 1;
        }
    }
    done.audit_entries = crate::audit::reseal_entries(conn, old, new)? as i64;
    Ok(done)
}

/// [`reseal`] in its own transaction on `conn` — the rotation's second connection to the
/// re-encrypted database (`keys`), which captures nothing —, committed last: if it fails,
/// nothing of it stays and the rotation puts the old key back.
pub fn reseal_committed(conn: &Connection, old: &DataKey, new: &DataKey) -> Result<()> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    match reseal(conn, old, new) {
        Ok(_) => {
            conn.execute_batch("COMMIT")?;
            Ok(())
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

/// [`reseal`] as a write of the store (nothing captured, stamped or clocked): a rotation cut
/// short by a power cut after the re-encryption, healed at the next login (`session::unlock`).
/// What already opens under `new` is left.
pub fn reseal_store(store: &mut Store, old: &DataKey, new: &DataKey) -> Result<Resealed> {
    access::write_unguarded(store, Why::FieldSealing, |w| {
        w.set_applying(true)?;
        let done = reseal(w.tx(), old, new)?;
        w.set_applying(false)?;
        Ok(done)
    })
}

/// Whether any value is sealed in this database (under whatever key).
pub fn holds_sealed(conn: &Connection) -> Result<bool> {
    for f in FIELDS {
        let sql = format!("SELECT EXISTS (SELECT 1 FROM {} WHERE {} <> '')", f.table, f.sealed_column());
        if conn.query_row(&sql, [], |r| r.get::<_, bool>(0))? {
            return Ok(true);
        }
    }
    Ok(conn.query_row("SELECT EXISTS (SELECT 1 FROM audit WHERE instr(changes, '\"$sealed\"') > 0)", [], |r| r.get(0))?)
}

#[cfg(test)]
pub(crate) mod tests;
