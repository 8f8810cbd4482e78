//! Reading a change set into this database: field by field the higher clock wins; a field
//! both sides changed since they last met leaves a conflict record; two live records under one
//! natural key become one.
//!
//! Everything happens in one transaction of `Store::write`, with the store's author stamping,
//! audit capture and clocking switched off (`Writer::set_applying`): another device's values
//! are written as they were written there, with their clocks. What this device writes itself
//! while merging (a record merged away, children re-pointed, a conflict noted) gets a fresh
//! clock of this device, later than everything in the file, and one audit entry per merge.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rusqlite::types::Value as Sql;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::clock::{self, Clock, Hlc};
use super::rights::{self, Verdict};
use super::set::{parts_of, rows, value_bytes, Head, Parts, RecordChange};
use super::{load_clocks, save_clocks, saw, seen, tables, Report, ZERO};
use crate::access::Pass;
use crate::error::{Error, Result};
use crate::store::{Store, Writer};
use crate::SCHEMA_VERSION;
use super::SyncError;

pub(crate) use crate::clock::PARTS;

/// Fields every record has that say who wrote last and when: merged like the others, never a
/// conflict of their own.
/// The first schema whose change files carry the sealed fields sealed (issue 22): an older
/// file's records carry them in clear.
const SEALED_SINCE: i64 = 17;

const BOOKKEEPING: [&str; 4] = ["created_at", "updated_at", "device_id", "updated_by"];


fn set_parts(conn: &Connection, visit: &str, parts: &Parts) -> Result<()> {
    conn.prepare_cached("DELETE FROM visit_teacher WHERE visit_id = ?1")?.execute([visit])?;
    conn.prepare_cached("DELETE FROM visit_student WHERE visit_id = ?1")?.execute([visit])?;
    for t in &parts.teachers {
        conn.prepare_cached("INSERT OR IGNORE INTO visit_teacher (visit_id, teacher_id) VALUES (?1, ?2)")?.execute([visit, t])?;
    }
    for m in &parts.students {
        conn.prepare_cached("INSERT OR IGNORE INTO visit_student (visit_id, member_id) VALUES (?1, ?2)")?.execute([visit, m])?;
    }
    Ok(())
}


/// A JSON value as SQLite stores it.
pub(crate) fn to_sql(v: &Value) -> Sql {
    match v {
        Value::Null => Sql::Null,
        Value::Bool(b) => Sql::Integer(*b as i64),
        Value::Number(n) => n.as_i64().map(Sql::Integer).unwrap_or_else(|| Sql::Real(n.as_f64().unwrap_or(0.0))),
        Value::String(s) => Sql::Text(s.clone()),
        other => value_bytes(other).map(Sql::Blob).unwrap_or_else(|| Sql::Text(other.to_string())),
    }
}

/// What the merge needs to know of a table, read once.
struct TableInfo {
    columns: Vec<String>,
    /// Live unique keys: the columns, and the partial index's condition.
    unique: Vec<(Vec<String>, Option<String>)>,
    /// The table held no record when the merge first met it (a computer joining the school):
    /// a record of the file is new here and collides with none (the file's records keep the
    /// unique keys among themselves, as the database they were read from did).
    empty: bool,
    /// `INSERT` of a row with every column, in `columns`' order.
    insert_all: String,
}

fn table_info(conn: &Connection, table: &str) -> Result<TableInfo> {
    let columns: Vec<String> =
        conn.prepare(&format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid"))?.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    let indexes: Vec<(String, String)> = conn
        .prepare(&format!("SELECT name, origin FROM pragma_index_list('{table}') WHERE \"unique\" = 1"))?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut unique = Vec::new();
    for (name, origin) in indexes {
        if origin == "pk" {
            continue;
        }
        let cols: Vec<Option<String>> =
            conn.prepare(&format!("SELECT name FROM pragma_index_info('{name}') ORDER BY seqno"))?.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        if cols.iter().any(Option::is_none) {
            continue; // an expression index: none on the tables that travel
        }
        let sql: Option<String> = conn.query_row("SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?1", [&name], |r| r.get(0)).optional()?.flatten();
        let condition = sql.and_then(|s| {
            let upper = s.to_uppercase();
            upper.rfind(" WHERE ").map(|at| s[at + 7..].trim().trim_end_matches(';').to_string())
        });
        unique.push((cols.into_iter().flatten().collect(), condition));
    }
    let empty = conn.query_row(&format!("SELECT NOT EXISTS (SELECT 1 FROM \"{table}\")"), [], |r| r.get(0))?;
    let names = columns.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
    let marks = (1..=columns.len()).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ");
    let insert_all = format!("INSERT INTO \"{table}\" ({names}) VALUES ({marks})");
    Ok(TableInfo { columns, unique, empty, insert_all })
}

/// Where each table is referred to: (referring table, its column).
fn references(conn: &Connection) -> Result<HashMap<String, Vec<(String, String)>>> {
    let names: Vec<String> = conn
        .prepare("SELECT name FROM main.sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for t in names {
        let fks: Vec<(String, String)> = conn
            .prepare(&format!("SELECT \"table\", \"from\" FROM pragma_foreign_key_list('{t}')"))?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (target, column) in fks {
            out.entry(target).or_default().push((t.clone(), column));
        }
    }
    Ok(out)
}

fn clock_of(clocks: &Map<String, Value>, field: &str, device: &str) -> Clock {
    clocks.get(field).and_then(Value::as_str).and_then(Clock::parse).unwrap_or_else(|| Clock { hlc: ZERO.to_string(), device: device.to_string() })
}

/// A conflict's id: the same on every computer that notices it.
fn conflict_id(table: &str, record: &str, field: &str, lost: &Clock) -> String {
    let digest = Sha256::digest(format!("{table}|{record}|{field}|{}", lost.text()).as_bytes());
    let bytes: [u8; 16] = digest[..16].try_into().expect("sixteen bytes");
    uuid::Builder::from_custom_bytes(bytes).into_uuid().to_string()
}

/// One merge in progress.
struct Merge<'a, 'w> {
    w: &'a Writer<'w>,
    me: String,
    actor: String,
    /// This device's clock for everything it writes during the merge.
    fresh: Value,
    info: HashMap<String, TableInfo>,
    references: HashMap<String, Vec<(String, String)>>,
    /// Households whose search text may have changed.
    households: BTreeSet<String>,
    merged: usize,
    /// The clock shapes listed in this transaction (records new here).
    shapes: clock::Shapes,
}

impl Merge<'_, '_> {
    fn conn(&self) -> &Connection {
        self.w.tx()
    }

    fn info(&mut self, table: &str) -> Result<&TableInfo> {
        if !self.info.contains_key(table) {
            let info = table_info(self.w.tx(), table)?;
            self.info.insert(table.to_string(), info);
        }
        Ok(&self.info[table])
    }

    fn touch(&mut self, table: &str, row: &Map<String, Value>) {
        let id = |v: Option<&Value>| v.and_then(Value::as_str).map(String::from);
        match table {
            "household" => self.households.extend(id(row.get("id"))),
            "member" => self.households.extend(id(row.get("household_id"))),
            _ => {}
        }
    }

    /// A live record of `table` other than `row` with the same value of one of its unique
    /// keys, if `row` is live under that key.
    fn collision(&mut self, table: &str, row: &Map<String, Value>) -> Result<Option<String>> {
        let info = self.info(table)?;
        let columns = info.columns.clone();
        let unique = info.unique.clone();
        for (cols, condition) in unique {
            if cols.iter().any(|c| row.get(c).is_none_or(Value::is_null)) {
                continue; // NULLs never collide
            }
            if let Some(condition) = &condition {
                let select = columns.iter().enumerate().map(|(i, c)| format!("?{} AS \"{c}\"", i + 1)).collect::<Vec<_>>().join(", ");
                let values: Vec<Sql> = columns.iter().map(|c| to_sql(row.get(c).unwrap_or(&Value::Null))).collect();
                let holds: Option<i64> =
                    self.conn().prepare_cached(&format!("SELECT 1 FROM (SELECT {select}) WHERE {condition}"))?.query_row(params_from_iter(values), |r| r.get(0)).optional()?;
                if holds.is_none() {
                    continue;
                }
            }
            let matches = cols.iter().enumerate().map(|(i, c)| format!("\"{c}\" = ?{}", i + 2)).collect::<Vec<_>>().join(" AND ");
            let condition = condition.as_deref().map(|c| format!(" AND ({c})")).unwrap_or_default();
            let mut values: Vec<Sql> = vec![to_sql(&row["id"])];
            values.extend(cols.iter().map(|c| to_sql(&row[c])));
            let other: Option<String> = self
                .conn()
                .prepare_cached(&format!("SELECT id FROM \"{table}\" WHERE id <> ?1 AND {matches}{condition} ORDER BY id LIMIT 1"))?
                .query_row(params_from_iter(values), |r| r.get(0))
                .optional()?;
            if other.is_some() {
                return Ok(other);
            }
        }
        Ok(None)
    }

    /// Marks `row` (in memory) as merged into `winner`: tombstoned by this device, on the
    /// later of the two creation times (the same on every computer that merges them).
    fn bury(&mut self, table: &str, row: &mut Map<String, Value>, clocks: &mut Map<String, Value>, winner: &str) -> Result<()> {
        let created = |r: &Map<String, Value>| r.get("created_at").and_then(Value::as_str).unwrap_or_default().to_string();
        let winner_created: String =
            self.conn().query_row(&format!("SELECT created_at FROM \"{table}\" WHERE id = ?1"), [winner], |r| r.get(0)).optional()?.unwrap_or_default();
        let at = created(row).max(winner_created);
        row.insert("deleted_at".into(), Value::String(at));
        row.insert("updated_at".into(), Value::String(self.w.now()));
        row.insert("device_id".into(), Value::String(self.me.clone()));
        row.insert("updated_by".into(), Value::String(self.actor.clone()));
        for f in ["deleted_at", "updated_at", "device_id", "updated_by"] {
            clocks.insert(f.into(), self.fresh.clone());
        }
        let loser = row["id"].as_str().unwrap_or_default().to_string();
        self.conn()
            .prepare_cached("INSERT INTO sync_merge (loser_id, winner_id, tbl) VALUES (?1, ?2, ?3) ON CONFLICT (loser_id) DO UPDATE SET winner_id = excluded.winner_id")?
            .execute([&loser, winner, table])?;
        crate::audit::event(self.w, "sync_merge", table, &loser, BTreeMap::from([("merged_into".to_string(), [Value::Null, Value::String(winner.to_string())])]))?;
        self.merged += 1;
        Ok(())
    }

    /// Writes a record whole, with its clocks, settling any unique key it shares with another
    /// live record first: the lower id stays, the other is merged into it.
    fn put(&mut self, table: &str, mut row: Map<String, Value>, mut clocks: Map<String, Value>, exists: bool) -> Result<()> {
        let id = row["id"].as_str().unwrap_or_default().to_string();
        let mut buried = BTreeSet::new();
        let empty = !exists && self.info(table)?.empty;
        while let Some(other) = if empty { None } else { self.collision(table, &row)? } {
            if !buried.insert(other.clone()) {
                // Burying did not free the key: a unique index that ignores tombstones.
                return Err(SyncError::Damaged.into());
            }
            if id < other {
                // The other goes (its dependents follow it in `settle`).
                let mut loser = rows(self.conn(), table, Some(&other))?.pop().ok_or(crate::labels::not_found("record"))?;
                let mut loser_clocks = load_clocks(self.conn(), table, &other)?;
                self.bury(table, &mut loser, &mut loser_clocks, &id)?;
                self.write_row(table, &loser, &loser_clocks, true)?;
                self.touch(table, &loser);
            } else {
                self.bury(table, &mut row, &mut clocks, &other)?;
            }
        }
        self.write_row(table, &row, &clocks, exists)?;
        self.touch(table, &row);
        Ok(())
    }

    fn write_row(&mut self, table: &str, row: &Map<String, Value>, clocks: &Map<String, Value>, exists: bool) -> Result<()> {
        let w = self.w;
        let info = self.info(table)?;
        if !exists && info.columns.iter().all(|c| row.contains_key(c)) {
            // A whole row (the usual case): one statement per table.
            let values: Vec<Sql> = info.columns.iter().map(|c| to_sql(&row[c])).collect();
            w.tx().prepare_cached(&info.insert_all)?.execute(params_from_iter(values))?;
            return save_clocks(w.tx(), table, row["id"].as_str().unwrap_or_default(), clocks);
        }
        let columns: Vec<String> = self.info(table)?.columns.iter().filter(|c| row.contains_key(*c)).cloned().collect();
        let values: Vec<Sql> = columns.iter().map(|c| to_sql(&row[c])).collect();
        if exists {
            let set = columns.iter().enumerate().filter(|(_, c)| *c != "id").map(|(i, c)| format!("\"{c}\" = ?{}", i + 1)).collect::<Vec<_>>().join(", ");
            let at = columns.iter().position(|c| c == "id").expect("a record has an id") + 1;
            self.conn().prepare_cached(&format!("UPDATE \"{table}\" SET {set} WHERE id = ?{at}"))?.execute(params_from_iter(values))?;
        } else {
            let names = columns.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
            let marks = (1..=columns.len()).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ");
            self.conn().prepare_cached(&format!("INSERT INTO \"{table}\" ({names}) VALUES ({marks})"))?.execute(params_from_iter(values))?;
        }
        save_clocks(self.conn(), table, row["id"].as_str().unwrap_or_default(), clocks)
    }

    /// Points whatever still refers to a record merged away at the record it became.
    fn repoint(&mut self, table: &str, loser: &str, winner: &str) -> Result<usize> {
        let mut moved = 0;
        for (child, column) in self.references.get(table).cloned().unwrap_or_default() {
            match child.as_str() {
                "search_key" => {}
                "visit_teacher" | "visit_student" => {
                    let visits: Vec<String> = self
                        .conn()
                        .prepare(&format!("SELECT visit_id FROM {child} WHERE {column} = ?1"))?
                        .query_map([loser], |r| r.get(0))?
                        .collect::<rusqlite::Result<_>>()?;
                    self.conn().execute(&format!("UPDATE OR IGNORE {child} SET {column} = ?2 WHERE {column} = ?1"), [loser, winner])?;
                    self.conn().execute(&format!("DELETE FROM {child} WHERE {column} = ?1"), [loser])?;
                    for v in visits {
                        let mut clocks = load_clocks(self.conn(), "visit", &v)?;
                        clocks.insert(PARTS.into(), self.fresh.clone());
                        save_clocks(self.conn(), "visit", &v, &clocks)?;
                        moved += 1;
                    }
                }
                _ => {
                    let ids: Vec<String> = self
                        .conn()
                        .prepare(&format!("SELECT id FROM \"{child}\" WHERE \"{column}\" = ?1"))?
                        .query_map([loser], |r| r.get(0))?
                        .collect::<rusqlite::Result<_>>()?;
                    for id in ids {
                        let Some(mut row) = rows(self.conn(), &child, Some(&id))?.pop() else { continue };
                        let mut clocks = load_clocks(self.conn(), &child, &id)?;
                        self.touch(&child, &row);
                        row.insert(column.clone(), Value::String(winner.to_string()));
                        row.insert("updated_at".into(), Value::String(self.w.now()));
                        row.insert("device_id".into(), Value::String(self.me.clone()));
                        row.insert("updated_by".into(), Value::String(self.actor.clone()));
                        for f in [column.as_str(), "updated_at", "device_id", "updated_by"] {
                            clocks.insert(f.into(), self.fresh.clone());
                        }
                        self.put(&child, row, clocks, true)?;
                        moved += 1;
                    }
                }
            }
        }
        Ok(moved)
    }

    /// A household Huka numbered itself (自编) that this merge left with no live member is merged
    /// into the household its members went to: the same 花名册 imported on two computers before
    /// they met makes a household on each, and the members, one person under one ID number,
    /// merge into one of them — the other would stay, an empty card. Its visits and teachers
    /// follow in `settle`; the tombstone travels like any other, so every computer ends alike.
    fn merge_emptied_households(&mut self) -> Result<usize> {
        let candidates: Vec<(String, String)> = self
            .conn()
            .prepare(
                "SELECT h.id, min(wm.household_id) FROM household h
                   JOIN member m ON m.household_id = h.id
                   JOIN sync_merge sm ON sm.loser_id = m.id AND sm.tbl = 'member'
                   JOIN member wm ON wm.id = sm.winner_id AND wm.deleted_at IS NULL AND wm.household_id <> h.id
                   JOIN household wh ON wh.id = wm.household_id AND wh.deleted_at IS NULL
                 WHERE h.deleted_at IS NULL AND h.household_number LIKE ?1 || '%'
                   AND NOT EXISTS (SELECT 1 FROM member x WHERE x.household_id = h.id AND x.deleted_at IS NULL)
                 GROUP BY h.id ORDER BY h.id",
            )?
            .query_map([crate::household::GENERATED_NUMBER_PREFIX], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let candidates: Vec<(String, String)> = candidates.into_iter().filter(|(h, _)| self.households.contains(h)).collect();
        let mut merged = 0;
        for (loser, winner) in candidates {
            let Some(mut row) = rows(self.conn(), "household", Some(&loser))?.pop() else { continue };
            let mut clocks = load_clocks(self.conn(), "household", &loser)?;
            self.bury("household", &mut row, &mut clocks, &winner)?;
            self.write_row("household", &row, &clocks, true)?;
            self.touch("household", &row);
            merged += 1;
        }
        Ok(merged)
    }

    /// Re-points everything that refers to a merged-away record, following chains of merges
    /// to the record that stays. Runs until nothing moves (a re-pointed child may itself be
    /// merged into another, and so on).
    fn settle(&mut self) -> Result<()> {
        loop {
            let merges: Vec<(String, String, String)> = self
                .conn()
                .prepare("SELECT loser_id, winner_id, tbl FROM sync_merge")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?;
            let winners: HashMap<String, String> = merges.iter().map(|(l, w, _)| (l.clone(), w.clone())).collect();
            let last = |mut id: String| {
                for _ in 0..64 {
                    match winners.get(&id) {
                        Some(next) => id = next.clone(),
                        None => break,
                    }
                }
                id
            };
            let mut moved = 0;
            for (loser, winner, table) in &merges {
                moved += self.repoint(table, loser, &last(winner.clone()))?;
            }
            if moved == 0 {
                return Ok(());
            }
        }
    }
}

/// Reads a change set into the store as `feed` hands it over — its head first, then its
/// records, merges and audit entries one at a time (a change file read as a stream holds one
/// record in memory, not the school) — in one transaction, under the caller's right (`pass`).
/// With `judging`, each record is first judged for its author (`rights`): what the author's
/// role does not allow is refused, kept out, and listed in the report and in `sync_refused`.
/// A computer joining the school takes the complete file of the office as it is (what the
/// office holds it judged when it read it).
pub(crate) fn apply_from(store: &mut Store, pass: &Pass, judging: bool, feed: impl FnOnce(&mut Applier<'_, '_>) -> Result<()>) -> Result<Report> {
    apply_noting(store, pass, judging, feed).map(|(report, _)| report)
}

/// [`apply_from`], and whether a record or an audit entry of the file held a clear value of a
/// sealed field (`sealing::record_clear`, `sealing::entry_clear`; noted only without `judging`:
/// a computer joining the school).
pub(crate) fn apply_noting(store: &mut Store, pass: &Pass, judging: bool, feed: impl FnOnce(&mut Applier<'_, '_>) -> Result<()>) -> Result<(Report, bool)> {
    let me = store.device_id().to_string();
    let actor = store.actor().id.to_string();
    pass.write(store, |w| {
        w.set_applying(true)?;
        w.tx().execute_batch("PRAGMA defer_foreign_keys = ON")?;
        let mut a = Applier {
            w,
            me: me.clone(),
            actor: actor.clone(),
            before: seen(w.tx())?,
            scope: super::scope(w.tx())?,
            known: tables(w.tx())?.into_iter().collect(),
            started: None,
            skipped: BTreeMap::new(),
            report: Report::default(),
            judging,
            later: Vec::new(),
            clear_arrived: false,
        };
        feed(&mut a)?;
        a.finish()
    })
}


/// A change set being read into the store, inside the write's transaction.
pub(crate) struct Applier<'a, 'w> {
    w: &'a Writer<'w>,
    me: String,
    actor: String,
    /// What this device held of each device before the file.
    before: BTreeMap<String, String>,
    /// The teacher account this computer holds the school for, if it joined as a teacher.
    scope: Option<String>,
    /// The tables that travel.
    known: BTreeSet<String>,
    /// Once the head is read: the merge, its head and this device's time for what it writes.
    started: Option<(Merge<'a, 'w>, Head, Hlc)>,
    skipped: BTreeMap<String, i64>,
    report: Report,
    /// Whether each record is judged for its author before it is applied.
    judging: bool,
    /// Records whose author this computer did not know when they were met: judged at the end.
    later: Vec<RecordChange>,
    /// Joining: a record or an audit entry held a clear value of a sealed field
    /// (`sealing::record_clear`, `sealing::entry_clear`).
    clear_arrived: bool,
}

impl<'a, 'w> Applier<'a, 'w> {
    /// The file's head: refused when it is from a newer Huka or assumes what this computer
    /// does not hold.
    pub(crate) fn head(&mut self, head: Head) -> Result<()> {
        if self.started.is_some() {
            return Ok(());
        }
        if head.schema > SCHEMA_VERSION {
            return Err(SyncError::NewerVersion.into());
        }
        // The file leaves out what it assumes this computer holds: refuse it rather than miss it.
        for (device, hlc) in &head.base {
            if self.before.get(device).is_none_or(|h| h < hlc) {
                return Err(SyncError::Behind.into());
            }
        }
        let heads = super::audit_counts(self.w.tx())?;
        for (device, count) in &head.audit_base {
            if heads.get(device).copied().unwrap_or(0) < *count {
                return Err(SyncError::Behind.into());
            }
        }
        let w = self.w;
        let newest = head.seen.values().filter_map(|h| Hlc::parse(h)).max().unwrap_or(Hlc { ms: 0, counter: 0 });
        let t = Hlc::next(clock::last(w)?.max(newest), w.now_utc());
        let m = Merge {
            w,
            me: self.me.clone(),
            actor: self.actor.clone(),
            fresh: Value::String(Clock { hlc: t.text(), device: self.me.clone() }.text()),
            info: HashMap::new(),
            references: references(w.tx())?,
            households: BTreeSet::new(),
            merged: 0,
            shapes: clock::Shapes::default(),
        };
        self.report = Report { from_device: head.from_device.clone(), from_account: head.from_account.clone(), ..Report::default() };
        self.started = Some((m, head, t));
        Ok(())
    }

    /// One record of the file.
    pub(crate) fn record(&mut self, mut rc: RecordChange) -> Result<()> {
        if !self.known.contains(&rc.table) {
            return Ok(()); // a table that stays on its computer
        }
        if self.scope.is_some() && matches!(rc.table.as_str(), "registration" | "sync_conflict") {
            return Ok(()); // a teacher's laptop keeps neither the roster nor others' conflicts
        }
        if self.started.as_ref().is_some_and(|(_, head, _)| head.schema < SEALED_SINCE) {
            self.seal_old(&mut rc)?;
        }
        if !self.judging && !self.clear_arrived {
            self.clear_arrived = crate::sealing::record_clear(&rc.table, &rc.row);
        }
        if !self.judging && !record_by_record() {
            let Some((m, _, _)) = self.started.as_mut() else { return Err(Error::from(SyncError::Damaged)) };
            if m.info(&rc.table)?.empty {
                // Joining: the record is new here, as it was written there.
                return match insert_new(m, rc)? {
                    None => {
                        self.report.new += 1;
                        Ok(())
                    }
                    Some(rc) => self.take(&rc, false),
                };
            }
        }
        self.take(&rc, false)
    }

    /// Judges one record of the file for its author, then merges it — or refuses it, or keeps
    /// it for the end of the file (`last`: the end is here).
    fn take(&mut self, rc: &RecordChange, last: bool) -> Result<()> {
        let Some((m, head, _)) = self.started.as_mut() else { return Err(Error::from(SyncError::Damaged)) };
        if self.judging {
            match judged(m, rc, head, last)? {
                Verdict::Apply => {}
                Verdict::Refuse(r) => {
                    self.report.refused.push(r);
                    return Ok(());
                }
                Verdict::Later => {
                    self.later.push(rc.clone());
                    return Ok(());
                }
            }
        }
        match record(m, rc, head, &self.before)? {
            Outcome::New => self.report.new += 1,
            Outcome::Updated(conflicts) => {
                self.report.updated += 1;
                self.report.conflicts += conflicts;
            }
            Outcome::Unchanged(conflicts) => {
                self.report.unchanged += 1;
                self.report.conflicts += conflicts;
            }
        }
        Ok(())
    }

    /// A record merged away on the other computer: (loser, winner, table).
    pub(crate) fn merge_pair(&mut self, (loser, winner, table): &(String, String, String)) -> Result<()> {
        self.w.tx().execute("INSERT OR IGNORE INTO sync_merge (loser_id, winner_id, tbl) VALUES (?1, ?2, ?3)", [loser, winner, table])?;
        Ok(())
    }

    /// One audit entry of the file.
    pub(crate) fn audit(&mut self, e: &crate::audit::Received) -> Result<()> {
        if self.scope.is_some() && e.device_id != self.me {
            // Other computers' trails name every card's fields: not on a teacher's laptop.
            let n = self.skipped.entry(e.device_id.clone()).or_insert(0);
            *n = (*n).max(e.seq);
            return Ok(());
        }
        if self.started.as_ref().is_some_and(|(_, head, _)| head.schema < SEALED_SINCE) {
            // An entry from before schema 17 holds its sealed fields' clear values: kept as
            // this computer's old entries are (`$sealed`, or `$masked` without the key; in
            // clear with them where no holder has logged in yet — `seal_old`).
            let key = crate::sealed::writer_key(self.w);
            if key.is_some() || self.scope.is_some() || !crate::sealing::pending(self.w.tx())? {
                let mut e = e.clone();
                crate::audit::seal_received(&mut e, key);
                crate::audit::receive_text(self.w.tx(), &e)?;
                return Ok(());
            }
        }
        if !self.judging && !self.clear_arrived {
            self.clear_arrived = crate::sealing::entry_clear(&e.kind, &e.changes);
        }
        crate::audit::receive_text(self.w.tx(), e)?;
        Ok(())
    }

    /// A record of a file written before schema 17 carries its sealed fields' clear values
    /// (issue 22): they are stored as this computer stores them — sealed with the second key on
    /// a holder's, only their masked view on a teacher's laptop (`sealed::stored`) — each
    /// companion column with the clear field's clock. A computer without the key that is no
    /// teacher's laptop (a teacher logged in at the office) keeps them in clear while its own
    /// rows are (its next holder's login seals them all), and otherwise does not take them.
    fn seal_old(&self, rc: &mut RecordChange) -> Result<()> {
        let fields: Vec<&crate::sealed::Field> = crate::sealed::FIELDS.iter().filter(|f| f.table == rc.table).collect();
        if fields.is_empty() {
            return Ok(());
        }
        let key = crate::sealed::writer_key(self.w);
        let laptop = self.scope.is_some();
        if key.is_none() && !laptop && crate::sealing::pending(self.w.tx())? {
            return Ok(());
        }
        for f in fields {
            let Some(value) = rc.row.get(f.column).cloned() else { continue };
            let clock = rc.clocks.get(f.column).cloned();
            if key.is_none() && !laptop {
                rc.row.remove(f.column);
                rc.clocks.remove(f.column);
                continue;
            }
            for (column, v) in crate::sealed::stored(key, &rc.table, &rc.id, f.column, value.as_str()) {
                let v = match v {
                    Sql::Text(t) => Value::String(t),
                    Sql::Integer(i) => Value::from(i),
                    _ => Value::Null,
                };
                rc.row.insert(column.to_string(), v);
                if let Some(c) = &clock {
                    rc.clocks.insert(column.to_string(), c.clone());
                }
            }
        }
        Ok(())
    }

    fn finish(mut self) -> Result<(Report, bool)> {
        let w = self.w;
        let me = self.me.clone();
        for rc in std::mem::take(&mut self.later) {
            self.take(&rc, true)?;
        }
        let Some((mut m, set, t)) = self.started.take() else { return Err(Error::from(SyncError::Damaged)) };
        m.settle()?;
        if m.merge_emptied_households()? > 0 {
            m.settle()?;
        }
        let mut report = self.report;
        report.merged = m.merged;
        if let Some(account) = &self.scope {
            redact(&mut m, account)?;
        }
        if !self.skipped.is_empty() {
            let mut all: BTreeMap<String, i64> = super::audit_counts(w.tx())?;
            for (device, n) in self.skipped {
                let c = all.entry(device).or_insert(0);
                *c = (*c).max(n);
            }
            super::save_audit_skipped(w.tx(), &all)?;
        }
        if set.from_device != me {
            w.tx().execute(
                "INSERT INTO sync_peer (device, seen, audit, last_exchange, files, account) VALUES (?1, ?2, ?3, ?4, 1, ?5)
                 ON CONFLICT (device) DO UPDATE SET seen = excluded.seen, audit = excluded.audit,
                   last_exchange = excluded.last_exchange, files = files + 1, account = excluded.account",
                params![
                    set.from_device,
                    serde_json::to_string(&set.seen).expect("plain data"),
                    serde_json::to_string(&set.audit_heads).expect("plain data"),
                    w.now(),
                    set.from_account
                ],
            )?;
        }
        for (device, hlc) in &set.seen {
            // A teacher's laptop holds other computers' records only in part: from its file,
            // only what it wrote itself is known to be whole.
            if !set.partial || *device == set.from_device {
                saw(w.tx(), device, hlc)?;
            }
        }
        saw(w.tx(), &me, &t.text())?;
        clock::save(w, t)?;
        let ahead = (w.now_utc() + chrono::Duration::days(1)).timestamp_millis();
        for (device, hlc) in &set.seen {
            if Hlc::parse(hlc).is_some_and(|h| h.ms > ahead) {
                report.warnings.push(format!("设备 {} 的时钟比本机快一天以上，请核对它的日期时间 / device {} has a clock more than a day ahead of this one: check its date and time", short(device), short(device)));
            }
        }
        let households = std::mem::take(&mut m.households);
        for h in households {
            if let Some(id) = crate::record::RecordId::parse(&h) {
                crate::search::reindex_household(w.tx(), id)?;
            }
        }
        w.set_applying(false)?;
        let counts = |n: usize| Value::from(n as i64);
        crate::audit::event(
            w,
            "sync_import",
            "sync",
            &set.from_device,
            BTreeMap::from([
                ("new".to_string(), [Value::Null, counts(report.new)]),
                ("updated".to_string(), [Value::Null, counts(report.updated)]),
                ("conflicts".to_string(), [Value::Null, counts(report.conflicts)]),
                ("merged".to_string(), [Value::Null, counts(report.merged)]),
                ("refused".to_string(), [Value::Null, counts(report.refused.len())]),
            ]),
        )?;
        // What was refused, for the 同步 page: the last file read's refusals only.
        w.tx().execute("DELETE FROM sync_refused", [])?;
        let now = w.now();
        for r in &report.refused {
            w.tx().prepare_cached(
                "INSERT INTO sync_refused (from_device, imported_at, tbl, record_id, label, author_id, author, author_role, reason, reason_en)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![set.from_device, now, r.table, r.record_id, r.label, r.author_id, r.author, r.author_role, r.reason, r.reason_en])?;
        }
        Ok((report, self.clear_arrived))
    }
}

fn short(device: &str) -> &str {
    super::short_device(device)
}

/// Judges a record of the file for its author (`rights`), when it brings anything: a record
/// new here, or a field with a newer clock than this computer's (a record the file repeats
/// changes nothing and is not judged again).
fn judged(m: &mut Merge<'_, '_>, rc: &RecordChange, set: &Head, last: bool) -> Result<Verdict> {
    let existing = if m.info(&rc.table)?.empty { None } else { rows(m.conn(), &rc.table, Some(&rc.id))?.pop() };
    let mut row = rc.row.clone();
    row.insert("id".into(), Value::String(rc.id.clone()));
    let brought: Vec<String> = match &existing {
        None => row.keys().cloned().collect(),
        Some(_) => {
            let clocks = load_clocks(m.conn(), &rc.table, &rc.id)?;
            let newer = |f: &str| clock_of(&rc.clocks, f, &set.from_device) > clock_of(&clocks, f, "");
            let mut fields: Vec<String> = rc.row.keys().filter(|f| *f != "id" && newer(f)).cloned().collect();
            if rc.parts.is_some() && newer(PARTS) {
                fields.push(PARTS.into());
            }
            fields
        }
    };
    if existing.is_some() && brought.is_empty() {
        return Ok(Verdict::Apply);
    }
    rights::judge(m.conn(), &rc.table, &row, existing.as_ref(), &brought, last)
}

enum Outcome {
    New,
    /// With the conflicts it noted.
    Updated(usize),
    Unchanged(usize),
}

/// A JSON value as SQLite stores it, its text moved rather than copied.
fn into_sql(v: Value) -> Sql {
    match v {
        Value::String(s) => Sql::Text(s),
        other => to_sql(&other),
    }
}

#[cfg(test)]
thread_local! {
    /// Tests: a join takes every record on the general path, as a merge would (to compare).
    pub(super) static RECORD_BY_RECORD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn record_by_record() -> bool {
    #[cfg(test)]
    return RECORD_BY_RECORD.with(|c| c.get());
    #[cfg(not(test))]
    false
}

/// A whole record of a table that held none when the merge first met it (a computer joining
/// the school), inserted as it was written there: its values moved into the table's one
/// `INSERT`, its clocks kept as they came — no map built or copied on the way. A record
/// lacking a column (a file from an older schema) is handed back for the general path.
fn insert_new(m: &mut Merge<'_, '_>, rc: RecordChange) -> Result<Option<RecordChange>> {
    let info = m.info(&rc.table)?;
    if !info.columns.iter().all(|c| c == "id" || rc.row.contains_key(c)) {
        return Ok(Some(rc));
    }
    let RecordChange { table, id, mut row, clocks, parts } = rc;
    match table.as_str() {
        "household" => {
            m.households.insert(id.clone());
        }
        "member" => m.households.extend(row.get("household_id").and_then(Value::as_str).map(String::from)),
        _ => {}
    }
    let info = &m.info[&table];
    let values: Vec<Sql> = info.columns.iter().map(|c| if c == "id" { Sql::Text(id.clone()) } else { row.remove(c).map_or(Sql::Null, into_sql) }).collect();
    let conn = m.w.tx();
    conn.prepare_cached(&info.insert_all)?.execute(params_from_iter(values))?;
    clock::insert_clocks(conn, &mut m.shapes, &table, &id, &clocks)?;
    if let Some(parts) = &parts {
        set_parts(conn, &id, parts)?;
    }
    Ok(None)
}

/// Merges one record of the file.
fn record(m: &mut Merge<'_, '_>, rc: &RecordChange, set: &Head, before: &BTreeMap<String, String>) -> Result<Outcome> {
    let columns = m.info(&rc.table)?.columns.clone();
    let mut incoming: Map<String, Value> = rc.row.iter().filter(|(k, _)| columns.contains(k)).map(|(k, v)| (k.clone(), v.clone())).collect();
    incoming.insert("id".into(), Value::String(rc.id.clone()));
    let existing = if m.info(&rc.table)?.empty { None } else { rows(m.conn(), &rc.table, Some(&rc.id))?.pop() };
    let Some(mut row) = existing else {
        // New here: as it was written there.
        let clocks: Map<String, Value> = rc.clocks.clone();
        m.put(&rc.table, incoming, clocks, false)?;
        if let Some(parts) = &rc.parts {
            set_parts(m.conn(), &rc.id, parts)?;
        }
        return Ok(Outcome::New);
    };
    m.touch(&rc.table, &row); // before: a member may move out of a household
    let mut clocks = load_clocks(m.conn(), &rc.table, &rc.id)?;
    let mut changed = false;
    let mut conflicts = 0;
    // Did the two writes happen without either side knowing of the other?
    let concurrent = |mine: &Clock, theirs: &Clock| -> bool {
        rc.table != "sync_conflict" // two computers noting the same conflict is no conflict
            && mine.device != theirs.device
            && mine.hlc != ZERO
            && theirs.hlc != ZERO
            && set.seen.get(&mine.device).is_none_or(|h| *h < mine.hlc)
            && before.get(&theirs.device).is_none_or(|h| *h < theirs.hlc)
    };
    let mut noted: Vec<(String, Value, Clock, Value, Clock)> = Vec::new();
    for (field, value) in &incoming {
        if field == "id" {
            continue;
        }
        let theirs = clock_of(&rc.clocks, field, &set.from_device);
        // A field never clocked here was written before this computer knew of sync (or by
        // a migration): any clock of the file's is newer.
        let mine = clock_of(&clocks, field, "");
        let local = row.get(field).cloned().unwrap_or(Value::Null);
        if theirs > mine {
            if *value != local {
                if !BOOKKEEPING.contains(&field.as_str()) && field != "deleted_at" && concurrent(&mine, &theirs) {
                    noted.push((field.clone(), value.clone(), theirs.clone(), local, mine));
                }
                row.insert(field.clone(), value.clone());
                changed = true;
            }
            clocks.insert(field.clone(), Value::String(theirs.text()));
        } else if theirs < mine && *value != local && !BOOKKEEPING.contains(&field.as_str()) && field != "deleted_at" && concurrent(&mine, &theirs) {
            noted.push((field.clone(), local, mine, value.clone(), theirs));
        }
    }
    if let Some(parts) = &rc.parts {
        let theirs = clock_of(&rc.clocks, PARTS, &set.from_device);
        let mine = clock_of(&clocks, PARTS, "");
        if theirs > mine {
            if *parts != parts_of(m.conn(), &rc.id)? {
                set_parts(m.conn(), &rc.id, parts)?;
                changed = true;
            }
            clocks.insert(PARTS.into(), Value::String(theirs.text()));
        }
    }
    let by_mine = row.get("updated_by").and_then(Value::as_str).unwrap_or_default().to_string();
    let by_theirs = rc.row.get("updated_by").and_then(Value::as_str).unwrap_or_default().to_string();
    for (field, kept, kept_clock, lost, lost_clock) in noted {
        let (kept_by, lost_by) = if kept_clock.device == m.me || before.get(&kept_clock.device).is_some_and(|h| *h >= kept_clock.hlc) {
            (by_mine.clone(), by_theirs.clone())
        } else {
            (by_theirs.clone(), by_mine.clone())
        };
        if note_conflict(m, &rc.table, &rc.id, &field, (&kept, &kept_clock, &kept_by), (&lost, &lost_clock, &lost_by))? {
            conflicts += 1;
        }
    }
    if changed {
        m.put(&rc.table, row, clocks, true)?;
        Ok(Outcome::Updated(conflicts))
    } else {
        save_clocks(m.conn(), &rc.table, &rc.id, &clocks)?;
        Ok(Outcome::Unchanged(conflicts))
    }
}

/// Keeps the value that lost, for a person to look at. False when it was noted already (on
/// this computer or another: the id is the same everywhere).
fn note_conflict(m: &mut Merge<'_, '_>, table: &str, record: &str, field: &str, kept: (&Value, &Clock, &str), lost: (&Value, &Clock, &str)) -> Result<bool> {
    let id = conflict_id(table, record, field, lost.1);
    let now = m.w.now();
    let n = m.conn().prepare_cached(
        "INSERT OR IGNORE INTO sync_conflict (id, tbl, record_id, field, kept_value, kept_clock, kept_by, lost_value, lost_clock, lost_by,
                                              resolution, created_at, updated_at, device_id, updated_by, deleted_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, '', ?11, ?11, ?12, ?13, NULL)",
    )?
    .execute(params![id, table, record, field, kept.0.to_string(), kept.1.text(), kept.2, lost.0.to_string(), lost.1.text(), lost.2, now, m.me, m.actor])?;
    if n == 0 {
        return Ok(false);
    }
    let mut clocks = Map::new();
    for f in ["tbl", "record_id", "field", "kept_value", "kept_clock", "kept_by", "lost_value", "lost_clock", "lost_by", "resolution", "created_at", "updated_at", "device_id", "updated_by", "deleted_at"] {
        clocks.insert(f.into(), m.fresh.clone());
    }
    save_clocks(m.conn(), "sync_conflict", &id, &clocks)?;
    Ok(true)
}

/// On a teacher's laptop: no card keeps ID or national student numbers (a teacher sees none
/// in full, issue 22), and the cards outside the teacher's care no health or disability (the
/// fields are marked withheld: never sent back, and any real value that arrives is newer —
/// and is withheld again).
///
/// Every member and student is looked at once, tombstoned ones too, with the teacher's
/// households read in one query beforehand: at a county-size school a query per card (whose
/// members' and students' lookups could use no index, tombstones included) made a teacher's
/// join take more than ten minutes.
fn redact(m: &mut Merge<'_, '_>, account: &str) -> Result<()> {
    let teacher: Option<crate::record::RecordId> =
        m.conn().query_row("SELECT teacher_id FROM account WHERE id = ?1", [account], |r| r.get(0)).optional()?.flatten();
    // The households in the teacher's care, the three ways `care::in_care_of` tells.
    let in_care: std::collections::HashSet<String> = match teacher {
        Some(t) => m.conn().prepare(&crate::care::households_in_care_sql(1))?.query_map([t], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?,
        None => Default::default(),
    };
    let withheld = Value::String(super::WITHHELD.to_string());
    // Numbers on every card (a teacher sees none in full, issue 22); health and disability
    // outside the teacher's care. (The health text is sealed, issue 22: outside their care not
    // even whether there is one.)
    let members: Vec<(String, String, bool, bool)> = m
        .conn()
        .prepare("SELECT id, household_id, resident_id <> '', health <> '' OR has_health_note <> 0 FROM member WHERE resident_id <> '' OR health <> '' OR has_health_note <> 0")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (member, household, number, health) in members {
        let in_care = in_care.contains(&household);
        let health = health && !in_care;
        if !(number || health) {
            continue;
        }
        m.conn()
            .prepare_cached(
                "UPDATE member SET resident_id = '', health = CASE WHEN ?2 THEN '' ELSE health END,
                     has_health_note = CASE WHEN ?2 THEN 0 ELSE has_health_note END WHERE id = ?1",
            )?
            .execute(rusqlite::params![&member, health])?;
        let mut clocks = load_clocks(m.conn(), "member", &member)?;
        clocks.insert("resident_id".into(), withheld.clone());
        if !in_care {
            clocks.insert("health".into(), withheld.clone());
            clocks.insert("has_health_note".into(), withheld.clone());
        }
        save_clocks(m.conn(), "member", &member, &clocks)?;
        m.households.insert(household);
    }
    let students: Vec<(String, String)> = m
        .conn()
        .prepare("SELECT s.id, p.household_id FROM student s JOIN member p ON p.id = s.member_id WHERE s.national_student_number <> '' OR s.disabled <> 0")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (student, household) in students {
        let in_care = in_care.contains(&household);
        let changed = m
            .conn()
            .prepare_cached(
                "UPDATE student SET national_student_number = '', disabled = CASE WHEN ?2 THEN disabled ELSE 0 END
                 WHERE id = ?1 AND (national_student_number <> '' OR (disabled <> 0 AND NOT ?2))",
            )?
            .execute(rusqlite::params![&student, in_care])?;
        if changed == 0 {
            continue;
        }
        let mut clocks = load_clocks(m.conn(), "student", &student)?;
        clocks.insert("national_student_number".into(), withheld.clone());
        if !in_care {
            clocks.insert("disabled".into(), withheld.clone());
        }
        save_clocks(m.conn(), "student", &student, &clocks)?;
    }
    Ok(())
}

