//! The clocks of sync (同步), kept as every write happens: the journal's reader [`CLOCKS`] gives
//! each field a write changed one new hybrid logical time of this device (`sync_clock`), and
//! `sync_seen` what this device holds of each device. Reading and writing change files is
//! `sync`'s, above.
//!
//! Hybrid logical clocks (Kulkarni et al., 2014): wall-clock milliseconds and a counter, never
//! going backwards on a device, and after a file is read never behind anything in it — so that
//! if one write happened before another, its clock is lower. A clock is written as text that
//! sorts as it compares: `0001764430000123-00000`; with the device that wrote, `"<hlc> <device>"`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{Map, Value};

use crate::error::Result;
use crate::journal::{Change, Reader};
use crate::store::Writer;

/// The clock of a visit's parts (its teachers and students), kept beside its fields' clocks.
pub const PARTS: &str = "_parts";

/// Record tables that stay on one computer: the county installation's, and the school's
/// signing key (the office PC's alone).
pub const LOCAL_ONLY: [&str; 4] = ["county_school", "county_key", "county_bundle", "signing_key"];

/// Whether a table's records travel to the school's other computers.
pub fn synced_table(t: &str) -> bool {
    !LOCAL_ONLY.contains(&t)
}

pub fn load_clocks(conn: &Connection, table: &str, id: &str) -> Result<Map<String, Value>> {
    let text: Option<String> =
        conn.prepare_cached("SELECT clocks FROM sync_clock WHERE tbl = ?1 AND record_id = ?2")?.query_row([table, id], |r| r.get(0)).optional()?;
    match text {
        Some(t) => read_clocks(conn, &t),
        None => Ok(Map::new()),
    }
}

pub fn save_clocks(conn: &Connection, table: &str, id: &str, clocks: &Map<String, Value>) -> Result<()> {
    let text = match one_clock(clocks) {
        Some(clock) => shaped(&shape_of(conn, clocks)?, clock),
        None => encode_clocks(clocks),
    };
    put(conn, table, id, &text)
}

/// The shapes named in one transaction, each by its fields in order: a shape met again is
/// neither hashed nor listed again (a write's records of one table, or a change file's, mostly
/// share one). Lives no longer than the transaction that listed them.
#[derive(Default)]
pub struct Shapes {
    known: Vec<(Vec<String>, String)>,
}

impl Shapes {
    /// The name of the shape of `fields` (in order), listed in `sync_clock_shape` the first
    /// time this transaction meets it.
    fn name<'f>(&mut self, conn: &Connection, fields: impl ExactSizeIterator<Item = &'f str> + Clone) -> Result<String> {
        let same = |known: &[String]| known.len() == fields.len() && known.iter().zip(fields.clone()).all(|(a, b)| a == b);
        if let Some((_, name)) = self.known.iter().find(|(known, _)| same(known)) {
            return Ok(name.clone());
        }
        let listed: Vec<&str> = fields.collect();
        let name = shape_named(conn, &listed)?;
        self.known.push((listed.into_iter().map(String::from).collect(), name.clone()));
        Ok(name)
    }
}

/// Keeps the clocks of a record new here (none kept yet: a plain `INSERT`, no upsert), in
/// [`save_clocks`]' forms, a shape met before in `shapes` not named again: what a computer
/// joining a school does for every record.
pub fn insert_clocks(conn: &Connection, shapes: &mut Shapes, table: &str, id: &str, clocks: &Map<String, Value>) -> Result<()> {
    let text = match one_clock(clocks) {
        Some(clock) => shaped(&shapes.name(conn, clocks.keys().map(String::as_str))?, clock),
        None => encode_clocks(clocks),
    };
    conn.prepare_cached("INSERT INTO sync_clock (tbl, record_id, clocks) VALUES (?1, ?2, ?3)")?.execute(params![table, id, text])?;
    Ok(())
}

/// Keeps a record's clocks as written ([`save_clocks`]' forms).
fn put(conn: &Connection, table: &str, id: &str, text: &str) -> Result<()> {
    conn.prepare_cached("INSERT INTO sync_clock (tbl, record_id, clocks) VALUES (?1, ?2, ?3) ON CONFLICT (tbl, record_id) DO UPDATE SET clocks = excluded.clocks")?
        .execute(params![table, id, text])?;
    Ok(())
}

/// The mark of a row kept as `@<shape> <clock>` (schema 18): every field named by the shape
/// has that one clock. JSON never starts so.
const SHAPED: char = '@';

/// The text of a row whose every field (those the shape named `shape` lists) has `clock`.
fn shaped(shape: &str, clock: &str) -> String {
    format!("{SHAPED}{shape} {clock}")
}

/// The one clock of a record all of whose fields (two or more) have it, when it is a clock's
/// text (a space in it, no `@` first).
fn one_clock(clocks: &Map<String, Value>) -> Option<&str> {
    let mut values = clocks.values();
    let first = values.next()?.as_str()?;
    (clocks.len() >= 2 && first.contains(' ') && !first.starts_with(SHAPED) && values.all(|v| v.as_str() == Some(first))).then_some(first)
}

/// Shapes (field lists) by their name, as read or written by this process: a shape's name is
/// a digest of its fields, so what it names is the same in every database.
static SHAPES: std::sync::LazyLock<std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<[String]>>>> = std::sync::LazyLock::new(Default::default);

/// The name of the shape of `clocks`' fields, listed in `sync_clock_shape` if it is not yet.
fn shape_of(conn: &Connection, clocks: &Map<String, Value>) -> Result<String> {
    let fields: Vec<&str> = clocks.keys().map(String::as_str).collect();
    shape_named(conn, &fields)
}

/// The name of the shape of these fields (in order), listed in `sync_clock_shape` if it is
/// not yet, and known to this process from now on.
fn shape_named(conn: &Connection, fields: &[&str]) -> Result<String> {
    use sha2::{Digest, Sha256};
    let listed = serde_json::to_string(fields).expect("plain data");
    let name = crate::text::hex(&Sha256::digest(listed.as_bytes())[..8]);
    conn.prepare_cached("INSERT OR IGNORE INTO sync_clock_shape (shape, fields) VALUES (?1, ?2)")?.execute([&name, &listed])?;
    let mut shapes = SHAPES.lock().unwrap_or_else(|e| e.into_inner());
    if !shapes.contains_key(&name) {
        shapes.insert(name.clone(), fields.iter().map(|f| f.to_string()).collect());
    }
    Ok(name)
}

/// A row's clocks as kept: the JSON forms (`decode_clocks`), or `@<shape> <clock>`.
fn read_clocks(conn: &Connection, text: &str) -> Result<Map<String, Value>> {
    let Some((name, clock)) = text.strip_prefix(SHAPED).and_then(|t| t.split_once(' ')) else { return Ok(decode_clocks(text)) };
    let known = SHAPES.lock().unwrap_or_else(|e| e.into_inner()).get(name).cloned();
    let fields = match known {
        Some(f) => f,
        None => {
            let listed: Option<String> =
                conn.prepare_cached("SELECT fields FROM sync_clock_shape WHERE shape = ?1")?.query_row([name], |r| r.get(0)).optional()?;
            let fields: std::sync::Arc<[String]> = listed.and_then(|l| serde_json::from_str::<Vec<String>>(&l).ok()).unwrap_or_default().into();
            if !fields.is_empty() {
                SHAPES.lock().unwrap_or_else(|e| e.into_inner()).insert(name.to_string(), fields.clone());
            }
            fields
        }
    };
    Ok(fields.iter().map(|f| (f.clone(), Value::String(clock.to_string()))).collect())
}

/// The key under which a record's distinct clocks are listed once (no column is named so).
const SHARED_CLOCKS: &str = "~";

/// How a record's clocks are kept: the fields of a record mostly share a clock (all of them,
/// for a record written once), so the distinct clocks are listed once under `~` and each
/// field names its clock by position — a quarter of the bytes of a plain `field → clock` map,
/// which is what the rows written before this hold, and still read.
fn encode_clocks(clocks: &Map<String, Value>) -> String {
    // Written as text directly (the same text serde_json makes of the map, keys in order and
    // `~` last): this runs for every record every write changes.
    use std::fmt::Write as _;
    let mut distinct: Vec<&Value> = Vec::new();
    let mut out = String::with_capacity(16 * clocks.len() + 64);
    out.push('{');
    for (field, clock) in clocks {
        let i = distinct.iter().position(|c| *c == clock).unwrap_or_else(|| {
            distinct.push(clock);
            distinct.len() - 1
        });
        crate::text::push_json_str(&mut out, field);
        let _ = write!(out, ":{i},");
    }
    crate::text::push_json_str(&mut out, SHARED_CLOCKS);
    out.push_str(":[");
    for (n, clock) in distinct.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        crate::text::push_json(&mut out, clock);
    }
    out.push_str("]}");
    out
}

fn decode_clocks(text: &str) -> Map<String, Value> {
    let mut clocks: Map<String, Value> = serde_json::from_str(text).unwrap_or_default();
    let Some(Value::Array(shared)) = clocks.remove(SHARED_CLOCKS) else { return clocks };
    for clock in clocks.values_mut() {
        if let Some(c) = clock.as_u64().and_then(|i| shared.get(i as usize)) {
            *clock = c.clone();
        }
    }
    clocks
}

/// For tests of databases from before schema 18 (through `sealed::take_schema_17_away`):
/// takes it away — every row kept by its shape written again as the JSON map schema 17 wrote,
/// the shapes' list gone, `audit_account` back. Returns how many rows it wrote again. Public
/// only for those tests: nothing in the application calls it.
#[doc(hidden)]
pub fn take_schema_18_away(conn: &Connection) -> usize {
    let shaped: Vec<(String, String, String)> = conn
        .prepare("SELECT tbl, record_id, clocks FROM sync_clock WHERE clocks LIKE '@%'")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    for (table, id, text) in &shaped {
        let clocks = read_clocks(conn, text).unwrap();
        conn.execute("UPDATE sync_clock SET clocks = ?3 WHERE tbl = ?1 AND record_id = ?2", params![table, id, encode_clocks(&clocks)]).unwrap();
    }
    conn.execute_batch("DROP TABLE sync_clock_shape; CREATE INDEX audit_account ON audit (account_id, at);").unwrap();
    shaped.len()
}

/// Raises what this device holds of `device` to `hlc`.
pub fn saw(conn: &Connection, device: &str, hlc: &str) -> Result<()> {
    conn.prepare_cached("INSERT INTO sync_seen (device, hlc) VALUES (?1, ?2) ON CONFLICT (device) DO UPDATE SET hlc = max(hlc, excluded.hlc)")?
        .execute([device, hlc])?;
    Ok(())
}

pub fn seen(conn: &Connection) -> Result<BTreeMap<String, String>> {
    Ok(conn.prepare("SELECT device, hlc FROM sync_seen")?.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?)
}

/// Sync's clocks as a reader of the store's journal (see `&crate::SCHEMA`).
pub struct Clocks;

/// The one clock keeper every store of the domain is opened with.
pub static CLOCKS: Clocks = Clocks;

impl Reader for Clocks {
    fn read(&self, w: &Writer<'_>, changes: &[Change]) -> Result<()> {
        stamp(w, changes)
    }
}

/// Clocks the fields this transaction changed, at one new time of this device. Read from the
/// journal of every write, before it commits.
fn stamp(w: &Writer<'_>, changes: &[Change]) -> Result<()> {
    let relevant: Vec<&Change> = changes.iter().filter(|c| synced_table(&c.kind)).collect();
    if relevant.is_empty() {
        return Ok(());
    }
    let hlc = Hlc::next(last(w)?, Utc::now());
    save(w, hlc)?;
    let me = Value::String(Clock { hlc: hlc.text(), device: w.device_id().to_string() }.text());
    // The shapes of the records inserted now (most of a table's share one), named once.
    let mut shapes = Shapes::default();
    // The last shape named, by the column list its image shares with the others read back
    // from its table (a bulk write's): the rest of those rows need no list and no lookup.
    let mut last_named: Option<(&std::sync::Arc<[String]>, &str, String)> = None;
    for c in relevant {
        // A record inserted now: every field (the visit's parts too) has this one clock, kept
        // by its shape without building the field → clock map.
        if c.old.is_none() {
            if let Some((names, kind, shape)) = &last_named {
                if std::sync::Arc::ptr_eq(names, c.new.names()) && *kind == c.kind {
                    put(w.tx(), &c.kind, &c.record_id, &shaped(shape, me.as_str().expect("a clock's text")))?;
                    continue;
                }
            }
            let mut fields: Vec<&str> = c.new.iter().map(|(f, _)| f).filter(|f| *f != "id").collect();
            if c.kind == "visit" {
                let at = fields.partition_point(|f| *f < PARTS);
                fields.insert(at, PARTS);
            }
            if fields.len() >= 2 {
                let shape = shapes.name(w.tx(), fields.iter().copied())?;
                put(w.tx(), &c.kind, &c.record_id, &shaped(&shape, me.as_str().expect("a clock's text")))?;
                last_named = Some((c.new.names(), &c.kind, shape));
                continue;
            }
        }
        let mut clocks = if c.old.is_some() { load_clocks(w.tx(), &c.kind, &c.record_id)? } else { Map::new() };
        for (field, value) in c.new.iter() {
            if field == "id" {
                continue;
            }
            if c.old.as_ref().is_none_or(|old| old.get(field) != Some(value)) {
                clocks.insert(field.to_string(), me.clone());
            }
        }
        if c.kind == "visit" {
            clocks.insert(PARTS.to_string(), me.clone());
        }
        save_clocks(w.tx(), &c.kind, &c.record_id, &clocks)?;
    }
    saw(w.tx(), w.device_id(), &hlc.text())
}


/// A hybrid logical time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hlc {
    pub ms: i64,
    pub counter: u32,
}

impl Hlc {
    pub fn text(self) -> String {
        format!("{:016}-{:05}", self.ms, self.counter)
    }

    pub fn parse(s: &str) -> Option<Hlc> {
        let (ms, counter) = s.split_once('-')?;
        Some(Hlc { ms: ms.parse().ok()?, counter: counter.parse().ok()? })
    }

    /// The next time on this device: the wall clock, or one tick past the last when the wall
    /// clock is behind it.
    pub fn next(last: Hlc, wall: DateTime<Utc>) -> Hlc {
        let ms = wall.timestamp_millis();
        if ms > last.ms {
            Hlc { ms, counter: 0 }
        } else {
            Hlc { ms: last.ms, counter: last.counter + 1 }
        }
    }
}

const KEY: &str = "sync.hlc";

/// This device's last time.
pub fn last(w: &Writer<'_>) -> Result<Hlc> {
    let text: Option<String> = rusqlite::OptionalExtension::optional(w.tx().query_row("SELECT value FROM meta WHERE key = ?1", [KEY], |r| r.get(0)))?;
    Ok(text.as_deref().and_then(Hlc::parse).unwrap_or(Hlc { ms: 0, counter: 0 }))
}

pub fn save(w: &Writer<'_>, t: Hlc) -> Result<()> {
    w.tx().execute("INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [KEY, &t.text()])?;
    Ok(())
}

/// A clock: when, and which device. Compared by time, then by device id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Clock {
    pub hlc: String,
    pub device: String,
}

impl Clock {
    pub fn text(&self) -> String {
        format!("{} {}", self.hlc, self.device)
    }
    pub fn parse(s: &str) -> Option<Clock> {
        let (hlc, device) = s.split_once(' ')?;
        Some(Clock { hlc: hlc.to_string(), device: device.to_string() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_are_written_as_serde_would_write_their_map() {
        let a = Value::String("0001764460800000-00000 dev-a".into());
        let b = Value::String("0001764460900000-00003 dev-\"b\"".into());
        let mut clocks = Map::new();
        for (field, clock) in [("name", &a), ("_parts", &b), ("village", &a), ("phone", &b), ("note\t\\\"", &b), ("x\u{1}", &a)] {
            clocks.insert(field.into(), clock.clone());
        }
        let mut by_serde = Map::new();
        for (field, clock) in &clocks {
            by_serde.insert(field.clone(), Value::from(if *clock == a { 1 } else { 0 }));
        }
        by_serde.insert(SHARED_CLOCKS.into(), Value::Array(vec![b.clone(), a.clone()]));
        assert_eq!(encode_clocks(&clocks), serde_json::to_string(&by_serde).unwrap());
        assert_eq!(encode_clocks(&Map::new()), r#"{"~":[]}"#);
    }

    #[test]
    fn clocks_are_kept_once_per_record_and_old_rows_still_read() {
        let a = Value::String("0001764460800000-00000 0197c0de-0000-7000-8000-00000000000a".into());
        let b = Value::String("0001764460900000-00003 0197c0de-0000-7000-8000-00000000000b".into());
        let mut clocks = Map::new();
        for field in ["name", "village", "status", "phone"] {
            clocks.insert(field.into(), a.clone());
        }
        clocks.insert("phone".into(), b.clone());
        clocks.insert(PARTS.into(), b.clone());
        let text = encode_clocks(&clocks);
        assert_eq!(text.matches("0197c0de").count(), 2, "each distinct clock once: {text}");
        assert_eq!(decode_clocks(&text), clocks);
        // A row written before the shared list: a plain field → clock map.
        assert_eq!(decode_clocks(&serde_json::to_string(&clocks).unwrap()), clocks);
        assert_eq!(decode_clocks(&encode_clocks(&Map::new())), Map::new());
    }

    /// Schema 18: a record whose fields all have one clock is kept as its shape and that clock
    /// (no field name in the row), read back as the same map — from this process's shapes or
    /// from the database's list; other maps and the rows written before keep their JSON form.
    #[test]
    fn a_record_with_one_clock_is_kept_by_its_shape_and_reads_back_the_same() {
        let conn = Connection::open_in_memory().unwrap();
        for sql in crate::MIGRATIONS {
            conn.execute_batch(sql).unwrap();
        }
        let a = Value::String("0001764460800000-00000 0197c0de-0000-7000-8000-00000000000a".into());
        let b = Value::String("0001764460900000-00003 0197c0de-0000-7000-8000-00000000000b".into());
        let mut once = Map::new();
        for field in ["name", "village", "status", "phone", "resident_id_sealed", PARTS] {
            once.insert(field.into(), a.clone());
        }
        let raw = |id: &str| -> String { conn.query_row("SELECT clocks FROM sync_clock WHERE record_id = ?1", [id], |r| r.get(0)).unwrap() };
        save_clocks(&conn, "visit", "r1", &once).unwrap();
        let text = raw("r1");
        assert!(text.starts_with('@') && !text.contains("village") && text.ends_with(a.as_str().unwrap()), "{text}");
        assert_eq!(load_clocks(&conn, "visit", "r1").unwrap(), once);
        // A process that has not met the shape reads it from the database.
        SHAPES.lock().unwrap().clear();
        assert_eq!(load_clocks(&conn, "visit", "r1").unwrap(), once);
        // The same fields in another record: one shape listed.
        save_clocks(&conn, "household", "r2", &once).unwrap();
        assert_eq!(conn.query_row("SELECT count(*) FROM sync_clock_shape", [], |r| r.get::<_, i64>(0)).unwrap(), 1);
        assert_eq!(load_clocks(&conn, "household", "r2").unwrap(), once);
        // Two clocks, or one field: the JSON form, as before.
        let mut edited = once.clone();
        edited.insert("phone".into(), b.clone());
        save_clocks(&conn, "visit", "r1", &edited).unwrap();
        assert!(raw("r1").starts_with('{'));
        assert_eq!(load_clocks(&conn, "visit", "r1").unwrap(), edited);
        let single = Map::from_iter([("name".to_string(), b.clone())]);
        save_clocks(&conn, "member", "r3", &single).unwrap();
        assert!(raw("r3").starts_with('{'));
        assert_eq!(load_clocks(&conn, "member", "r3").unwrap(), single);
        // A row written before schema 18 (a plain map) still reads.
        conn.execute("INSERT INTO sync_clock (tbl, record_id, clocks) VALUES ('member', 'r4', ?1)", [serde_json::to_string(&once).unwrap()]).unwrap();
        assert_eq!(load_clocks(&conn, "member", "r4").unwrap(), once);
        assert_eq!(load_clocks(&conn, "member", "none").unwrap(), Map::new());
    }

    #[test]
    fn a_record_inserted_is_clocked_by_its_shape_as_the_field_map_would_be_kept() {
        let mut store = crate::Store::open_in_memory(&crate::SCHEMA).unwrap();
        let h = crate::household::create(&mut store, &crate::household::tests::input("0001", "王建国")).unwrap();
        let id = h.meta.id.to_string();
        let text: String = store.conn().query_row("SELECT clocks FROM sync_clock WHERE record_id = ?1", [&id], |r| r.get(0)).unwrap();
        let clocks = load_clocks(store.conn(), "household", &id).unwrap();
        let columns: Vec<String> = store.conn().prepare("SELECT name FROM pragma_table_info('household') WHERE name <> 'id' ORDER BY name").unwrap()
            .query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
        assert_eq!(clocks.keys().cloned().collect::<Vec<_>>(), columns, "every field but the id");
        // The text the field → clock map would be kept as.
        let conn = store.conn();
        conn.execute("DELETE FROM sync_clock WHERE record_id = ?1", [&id]).unwrap();
        save_clocks(conn, "household", &id, &clocks).unwrap();
        let again: String = conn.query_row("SELECT clocks FROM sync_clock WHERE record_id = ?1", [&id], |r| r.get(0)).unwrap();
        assert!(text.starts_with(SHAPED), "{text}");
        assert_eq!(text, again);
    }

    #[test]
    fn the_clock_never_goes_back_and_sorts_as_text() {
        let t0 = DateTime::parse_from_rfc3339("2026-11-29T10:00:00Z").unwrap().with_timezone(&Utc);
        let a = Hlc::next(Hlc { ms: 0, counter: 0 }, t0);
        let b = Hlc::next(a, t0);
        let c = Hlc::next(b, t0 - chrono::Duration::seconds(30)); // the wall clock went back
        assert!(a < b && b < c);
        assert!(a.text() < b.text() && b.text() < c.text());
        assert_eq!(Hlc::parse(&c.text()), Some(c));
        let d = Hlc::next(c, t0 + chrono::Duration::seconds(1));
        assert_eq!(d.counter, 0);
        assert!(c.text() < d.text());
    }
}
