//! The SQLite store: opening, schema migrations, and the one way to write.
//!
//! * A school's database is SQLCipher-encrypted (pages and WAL) under a random data key that
//!   only an account's password (or the recovery code) unwraps — see `session`, `keyfile`.
//!   A store is always someone's: the [`Actor`] whose password opened it, asked by `access`
//!   about every write and stamped (`updated_by`) on every record written.
//! * The schema version is SQLite's `user_version`. Opening applies every migration the file
//!   lacks, each in its own transaction; a file from a newer Huka is refused before anything
//!   is written to it.
//! * WAL journal, foreign keys on, a busy timeout for the second process (CLI beside the app).
//! * Every change goes through [`Store::write`]: one transaction, committed only if the whole
//!   closure succeeds, so a failed operation leaves the database as it was.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction};

use crate::actor::Actor;
use crate::crypto::{DataKey, SecretKey};
use crate::error::{Error, Result};
pub mod journal;

use journal::{Change, Journal};
use crate::record::{format_time, Meta, RecordId};

/// What a store is for, handed to it by the layer above at every open: the schema its file
/// holds (migrations in order — the version is the number applied; the first makes the
/// `meta (key, value)` table the store keeps its device id in) and who reads the journal of
/// each write. The store itself knows no table but `meta`.
pub struct Schema {
    pub migrations: &'static [&'static str],
    pub journal: Journal,
}

impl Schema {
    /// The schema version this build writes.
    pub const fn version(&self) -> i64 {
        self.migrations.len() as i64
    }
}

pub struct Store {
    conn: Connection,
    device_id: String,
    actor: Actor,
    /// Its schema, and who reads what each write changed (the audit trail, sync), before it commits.
    schema: &'static Schema,
    /// The file and its data key, when the store is an unlocked encrypted database (the key
    /// wraps again for a new account or password; it is zeroed when the store is dropped).
    unlocked: Option<Unlocked>,
    /// The second key of a store that is not encrypted (in memory, or a plain file): the fixed
    /// [`DataKey::unprotected`] — an unencrypted store protects nothing — unless a test takes
    /// it away ([`Store::set_second`]) to play a computer without it.
    plain_second: Option<DataKey>,
    /// One value a layer above keeps between two calls on this store ([`Store::keep`]): in
    /// memory only, dropped with the store (so at lock).
    kept: RefCell<Option<Box<dyn Any + Send>>>,
}

/// A mark of what a database holds: equal marks, read from one store, mean nothing was
/// written in between — by this connection (SQLite's count of rows it changed) or by another
/// process (`PRAGMA data_version`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentMark {
    others: i64,
    mine: u64,
}

pub struct Unlocked {
    pub path: PathBuf,
    pub key: DataKey,
    /// The logged-in account's key-slot secret (format 2): opens a data key rotated on
    /// another computer without asking for the password again.
    pub secret: Option<SecretKey>,
    /// The second key (`keyfile`), when the logged-in account's slot holds it: in memory only
    /// while the store is open, zeroed when it drops.
    pub second: Option<DataKey>,
}

/// What is at a database path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbFile {
    /// No file: only setting up (or joining, or restoring) creates one.
    Missing,
    /// An unencrypted SQLite file: a database from before accounts (schema 7 or older),
    /// converted on first open.
    Plain,
    /// Anything else: an encrypted database (or not a database at all, found out on opening).
    Encrypted,
}

impl Store {
    /// What is at `path`, without opening it.
    pub fn inspect(path: &Path) -> Result<DbFile> {
        let mut header = [0u8; 16];
        match std::fs::File::open(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(DbFile::Missing),
            Err(e) => Err(e.into()),
            Ok(mut f) => {
                use std::io::Read;
                let n = f.read(&mut header)?;
                if n == 0 {
                    Ok(DbFile::Missing)
                } else if &header[..n] == b"SQLite format 3\0" {
                    Ok(DbFile::Plain)
                } else {
                    Ok(DbFile::Encrypted)
                }
            }
        }
    }

    /// Opens (or, with `create`, creates) the encrypted database at `path` with its data key.
    /// The store acts as the system until [`Store::act_as`] names an account.
    pub fn open_encrypted(path: &Path, key: DataKey, create: bool, schema: &'static Schema) -> Result<Store> {
        let exists = Store::inspect(path)? != DbFile::Missing;
        if exists == create {
            return Err(if create { Error::DatabaseExists } else { Error::NoDatabase });
        }
        if create {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // A key that does not open the file is an error returned, not SQLCipher's lines on stderr.
        conn.execute_batch(&format!("PRAGMA key = \"{}\";", key.sqlcipher_key().as_str()))?;
        conn.query_row("PRAGMA cipher_log_level = NONE", [], |_| Ok(()))?;
        let mut store = Store::init(conn, true, schema)?;
        store.unlocked = Some(Unlocked { path: path.to_path_buf(), key, secret: None, second: None });
        Ok(store)
    }

    /// Opens (creating if needed) an unencrypted database: only for converting a database
    /// from before accounts, and for measuring what encryption costs. Huka itself never
    /// creates one.
    pub fn open_unencrypted(path: &Path, schema: &'static Schema) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        let mut store = Store::init(conn, true, schema)?;
        store.plain_second = Some(DataKey::unprotected());
        Ok(store)
    }

    /// A private in-memory database (tests, benchmarks), acting as the system. Its second key
    /// is the fixed [`DataKey::unprotected`].
    pub fn open_in_memory(schema: &'static Schema) -> Result<Store> {
        let mut store = Store::init(Connection::open_in_memory()?, false, schema)?;
        store.plain_second = Some(DataKey::unprotected());
        Ok(store)
    }

    fn init(mut conn: Connection, wal: bool, schema: &'static Schema) -> Result<Store> {
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // Read the version before writing anything: a newer file must stay untouched.
        let version: i64 = match conn.query_row("PRAGMA user_version", [], |r| r.get(0)) {
            Ok(v) => v,
            Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::NotADatabase => {
                return Err(Error::NotADatabase)
            }
            Err(e) => return Err(e.into()),
        };
        if version > schema.version() {
            return Err(Error::SchemaTooNew { found: version, supported: schema.version() });
        }
        if version == 0 && !is_empty(&conn)? {
            return Err(Error::NotADatabase);
        }
        if wal {
            conn.pragma_update(None, "journal_mode", "WAL")?;
            // Writes happen at a person's pace: every commit reaches the disk before Huka says
            // it is saved (a village power cut must not lose the visit just logged).
            conn.pragma_update(None, "synchronous", "FULL")?;
        }
        conn.pragma_update(None, "foreign_keys", true)?;
        // Up to 128 MiB of page cache (used only as pages are read: a village school's whole
        // database is a few MiB), and reads through a memory map rather than a system call per
        // page. SQLCipher maps nothing (every page is decrypted as it is read), so for a large
        // school's dashboard, which reads most of the database, the cache is what keeps
        // decrypted pages from being decrypted again.
        conn.pragma_update(None, "cache_size", -131_072)?;
        if wal {
            let _: i64 = conn.query_row("PRAGMA mmap_size = 268435456", [], |r| r.get(0))?;
        }
        for (i, sql) in schema.migrations.iter().enumerate().skip(version as usize) {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", i as i64 + 1)?;
            tx.commit()?;
        }
        let device_id = device_id(&mut conn)?;
        stamp_authors(&conn)?;
        capture_changes(&conn)?;
        let mut store = Store { conn, device_id, actor: Actor::system(), schema, unlocked: None, plain_second: None, kept: RefCell::new(None) };
        store.act_as(Actor::system())?;
        Ok(store)
    }

    /// From now on the store acts for `actor`: every write is asked about and stamped with it.
    pub fn act_as(&mut self, actor: Actor) -> Result<()> {
        // What was kept was worked out for the account before.
        *self.kept.get_mut() = None;
        self.conn.execute("DELETE FROM temp.session", [])?;
        self.conn.execute("INSERT INTO temp.session (account_id) VALUES (?1)", [actor.id])?;
        self.actor = actor;
        Ok(())
    }

    /// The account this store acts for.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The database file, when the store is an unlocked encrypted database.
    pub fn path(&self) -> Option<&Path> {
        self.unlocked.as_ref().map(|u| u.path.as_path())
    }

    pub fn unlocked(&self) -> Option<&Unlocked> {
        self.unlocked.as_ref()
    }

    /// Keeps the logged-in account's key-slot secret while the store is open.
    pub fn set_secret(&mut self, secret: Option<SecretKey>) {
        if let Some(u) = self.unlocked.as_mut() {
            u.secret = secret;
        }
    }

    /// Keeps the second key while the store is open (`None`: the account holds none).
    /// On a store that is not encrypted, this replaces its fixed key (tests: `None` plays a
    /// teacher's laptop).
    pub fn set_second(&mut self, second: Option<DataKey>) {
        match self.unlocked.as_mut() {
            Some(u) => u.second = second,
            None => self.plain_second = second,
        }
    }

    /// Takes the second key out of the store (a rotation holds the old one while it seals
    /// the fields again under the new one, then sets the new one).
    pub fn take_second(&mut self) -> Option<DataKey> {
        match self.unlocked.as_mut() {
            Some(u) => u.second.take(),
            None => self.plain_second.take(),
        }
    }

    /// The second key, when the logged-in account holds it (on a store that is not encrypted,
    /// the fixed [`DataKey::unprotected`]).
    pub fn second(&self) -> Option<&DataKey> {
        match self.unlocked.as_ref() {
            Some(u) => u.second.as_ref(),
            None => self.plain_second.as_ref(),
        }
    }

    /// Whether the file opens with the store's key from a second connection (after a failed
    /// `rekey`: whether the old key is back).
    pub fn opens_with_own_key(&self) -> bool {
        let Some(u) = self.unlocked.as_ref() else { return false };
        (|| -> Result<i64> {
            let other = Connection::open_with_flags(&u.path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
            other.execute_batch(&format!("PRAGMA key = \"{}\";", u.key.sqlcipher_key().as_str()))?;
            Ok(other.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?)
        })()
        .is_ok()
    }

    /// Re-encrypts the database in place under `key` (SQLCipher's `PRAGMA rekey`, one
    /// transaction under a rollback journal: a power cut leaves the old key), then opens the
    /// file a second time with the new key and checks it (`cipher_integrity_check`,
    /// `integrity_check`, then `check`). Any failure puts the old key back and is returned;
    /// on success the store holds the new key.
    pub fn rekey(&mut self, key: DataKey, check: impl FnOnce(&Connection) -> Result<()>) -> Result<()> {
        let Some(u) = self.unlocked.as_ref() else { return Err(Error::NoDatabase) };
        let path = u.path.clone();
        self.conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;")?;
        let rekeyed = self.conn.execute_batch(&format!("PRAGMA rekey = \"{}\";", key.sqlcipher_key().as_str()));
        let checked = rekeyed.map_err(Error::from).and_then(|()| {
            let other = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
            other.execute_batch(&format!("PRAGMA key = \"{}\";", key.sqlcipher_key().as_str()))?;
            let problems: Vec<String> =
                other.prepare("PRAGMA cipher_integrity_check")?.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
            let ok: String = other.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
            if !problems.is_empty() || ok != "ok" {
                return Err(Error::NotADatabase);
            }
            check(&other)
        });
        if let Err(e) = checked {
            let old = self.unlocked.as_ref().expect("checked above").key.sqlcipher_key();
            // The old key back (a no-op when the rekey itself failed and rolled back).
            let _ = self.conn.execute_batch(&format!("PRAGMA rekey = \"{}\";", old.as_str()));
            let _ = self.conn.execute_batch("PRAGMA journal_mode = WAL;");
            return Err(e);
        }
        self.conn.execute_batch("PRAGMA journal_mode = WAL;")?;
        self.unlocked.as_mut().expect("checked above").key = key;
        Ok(())
    }

    /// Tests: act as another account on the same database.
    #[doc(hidden)]
    pub fn act_as_for_tests(&mut self, actor: Actor) {
        self.act_as(actor).expect("the session table exists");
    }

    /// The id of this installation, written on every record it changes.
    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    /// A copy of another computer's database becomes a computer of its own: a new device id,
    /// under which its writes are clocked and its audit chain starts (a computer that joined
    /// the school from a backup). Returns the id the copy had.
    pub fn become_new_device(&mut self) -> Result<String> {
        let id = RecordId::new().to_string();
        self.conn.execute("UPDATE meta SET value = ?1 WHERE key = 'device_id'", [&id])?;
        Ok(std::mem::replace(&mut self.device_id, id))
    }

    pub fn schema_version(&self) -> Result<i64> {
        Ok(self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// Read access for queries.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// A value kept in the `meta` table (the installation's settings and markers).
    /// The mark of what the database holds now (see [`ContentMark`]).
    pub fn content_mark(&self) -> Result<ContentMark> {
        let others: i64 = self.conn.query_row("PRAGMA data_version", [], |r| r.get(0))?;
        Ok(ContentMark { others, mine: self.conn.total_changes() })
    }

    /// Keeps `value` for a later call on this store — what a preview worked out, for the write
    /// that follows it — in place of anything kept before. Whoever takes it back checks that
    /// it still holds (a [`ContentMark`] kept with it).
    pub fn keep<T: Any + Send>(&self, value: T) {
        *self.kept.borrow_mut() = Some(Box::new(value));
    }

    /// Takes back what was kept, if it is a `T` (then nothing is kept any more).
    pub fn take_kept<T: Any + Send>(&self) -> Option<T> {
        let kept = self.kept.borrow_mut().take()?;
        match kept.downcast::<T>() {
            Ok(value) => Some(*value),
            Err(other) => {
                *self.kept.borrow_mut() = Some(other);
                None
            }
        }
    }

    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self.conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    /// Runs `f` in one transaction: all of it is committed, or none of it.
    pub fn write<T>(&mut self, f: impl FnOnce(&Writer<'_>) -> Result<T>) -> Result<T> {
        let tx = self.conn.transaction()?;
        let second = match self.unlocked.as_ref() {
            Some(u) => u.second.as_ref(),
            None => self.plain_second.as_ref(),
        };
        let writer = Writer {
            tx,
            device_id: &self.device_id,
            actor: &self.actor,
            second,
            now: Utc::now(),
            journal: self.schema.journal,
            pending: RefCell::new(Vec::new()),
            in_bulk: Cell::new(false),
        };
        let value = f(&writer)?;
        // What changed, for its readers (the audit trail, the other devices' clocks), in the
        // same transaction.
        writer.flush_journal()?;
        writer.tx.commit()?;
        Ok(value)
    }
}

/// The records this transaction changed, in the order first touched, from what the capture
/// triggers left in `temp.changes` (emptied).
fn take_changes(w: &Writer<'_>, out: &mut Vec<Change>) -> Result<()> {
    let captured: Vec<(String, String, Option<String>, String)> = w
        .tx()
        .prepare_cached("SELECT kind, record_id, old, new FROM temp.changes ORDER BY rowid")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    if captured.is_empty() {
        return Ok(());
    }
    w.tx().execute("DELETE FROM temp.changes", [])?;
    let parse = |text: &str| journal::Image::from(serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text).unwrap_or_default());
    out.extend(captured.into_iter().map(|(kind, record_id, old, new)| Change { kind, record_id, old: old.as_deref().map(parse), new: parse(&new) }));
    Ok(())
}

/// One change per record, in the order first touched: its first old image (none when it was
/// inserted in this batch, whatever order the triggers fired in) and its last new one.
fn one_per_record(changes: Vec<Change>) -> Vec<Change> {
    let mut out: Vec<Change> = Vec::with_capacity(changes.len());
    let mut at: std::collections::HashMap<(String, String), usize> = std::collections::HashMap::with_capacity(changes.len());
    for c in changes {
        match at.entry((c.kind.clone(), c.record_id.clone())) {
            std::collections::hash_map::Entry::Occupied(i) => {
                let first = &mut out[*i.get()];
                if c.old.is_none() {
                    first.old = None;
                }
                first.new = c.new;
            }
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(out.len());
                out.push(c);
            }
        }
    }
    out
}

/// A row as the capture triggers' `json_object` would give it: text, numbers and nulls as
/// they are, bytes (a photo) by their length.
/// (`names` and `order`: [`journal::Image::sorted_names`] of the row's columns.)
fn row_image(row: &rusqlite::Row<'_>, names: &std::sync::Arc<[String]>, order: &[usize]) -> rusqlite::Result<journal::Image> {
    use rusqlite::types::ValueRef;
    use serde_json::Value;
    let mut values = Vec::with_capacity(order.len());
    for i in order {
        values.push(match row.get_ref(*i)? {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(n) => Value::from(n),
            ValueRef::Real(x) => serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number),
            ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(b) => Value::String(format!("bytes:{}", b.len())),
        });
    }
    Ok(journal::Image::new(names.clone(), values))
}

/// The tables that hold records (an `id`, a `device_id` and an `updated_by` column).
pub fn record_tables(conn: &Connection) -> Result<Vec<String>> {
    let names: Vec<String> = conn
        .prepare("SELECT name FROM main.sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    for name in names {
        let columns: Vec<String> =
            conn.prepare(&format!("SELECT name FROM pragma_table_info('{name}')"))?.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        if ["id", "device_id", "updated_by"].iter().all(|c| columns.iter().any(|x| x == c)) {
            out.push(name);
        }
    }
    Ok(out)
}

/// Every insert and update of a record also leaves its old and new values in `temp.changes`,
/// which `Store::write` turns into audit entries before it commits (see `audit`). A column
/// holding bytes (a photo) is recorded by its length. The new image already names the author
/// (see `stamp_authors`), so the stamp's own update is not captured again: a record inserted
/// is one image, parsed once.
fn capture_changes(conn: &Connection) -> Result<()> {
    conn.execute_batch("CREATE TEMP TABLE IF NOT EXISTS changes (kind TEXT NOT NULL, record_id TEXT NOT NULL, old TEXT, new TEXT NOT NULL);")?;
    for table in record_tables(conn)? {
        let columns: Vec<(String, String)> = conn
            .prepare(&format!("SELECT name, upper(type) FROM pragma_table_info('{table}')"))?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let image = |row: &str| {
            let fields: Vec<String> = columns
                .iter()
                .map(|(c, ty)| match ty.as_str() {
                    "BLOB" => format!("'{c}', CASE WHEN {row}.{c} IS NULL THEN NULL ELSE 'bytes:' || length({row}.{c}) END"),
                    // The author the stamp trigger writes, whichever of the two fires first.
                    _ if c == "updated_by" && row == "NEW" => format!("'{c}', (SELECT account_id FROM temp.session)"),
                    _ => format!("'{c}', {row}.{c}"),
                })
                .collect();
            format!("json_object({})", fields.join(", "))
        };
        conn.execute_batch(&format!(
            "CREATE TEMP TRIGGER IF NOT EXISTS capture_{table}_insert AFTER INSERT ON main.{table}
             WHEN (SELECT applying = 0 AND bulk = 0 FROM temp.session)
             BEGIN INSERT INTO changes (kind, record_id, old, new) VALUES ('{table}', NEW.id, NULL, {new}); END;
             CREATE TEMP TRIGGER IF NOT EXISTS capture_{table}_update AFTER UPDATE ON main.{table}
             WHEN (SELECT applying = 0 AND stamping = 0 FROM temp.session)
             BEGIN INSERT INTO changes (kind, record_id, old, new) VALUES ('{table}', NEW.id, {old}, {new}); END;",
            new = image("NEW"),
            old = image("OLD"),
        ))?;
    }
    Ok(())
}

/// Every insert and update of a record stamps `updated_by` with the session's account: the
/// author is written by the store, whatever module wrote the row. Temporary triggers, made
/// for each record table whenever a connection opens. The inserts that bulk writers repeat
/// name the author themselves, so the trigger has nothing to do for them.
fn stamp_authors(conn: &Connection) -> Result<()> {
    // `applying` is set while another device's values are written as they are (sync): they keep
    // their own author, and are neither audited nor clocked again here.
    // `stamping` is set while the trigger writes the author, so that write is not captured.
    // `bulk` is set while a bulk writer inserts rows the store journals afterwards (`Writer::bulk`).
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS session (account_id TEXT NOT NULL, applying INTEGER NOT NULL DEFAULT 0, stamping INTEGER NOT NULL DEFAULT 0,
             bulk INTEGER NOT NULL DEFAULT 0);",
    )?;
    for table in record_tables(conn)? {
        for event in ["INSERT", "UPDATE"] {
            conn.execute_batch(&format!(
                "CREATE TEMP TRIGGER IF NOT EXISTS stamp_{table}_{event} AFTER {event} ON main.{table}
                 WHEN NEW.updated_by IS NOT (SELECT account_id FROM temp.session) AND (SELECT applying FROM temp.session) = 0
                 BEGIN
                   UPDATE session SET stamping = 1;
                   UPDATE {table} SET updated_by = (SELECT account_id FROM temp.session) WHERE id = NEW.id;
                   UPDATE session SET stamping = 0;
                 END;",
                event = event.to_lowercase(),
            ))?;
        }
    }
    Ok(())
}

fn is_empty(conn: &Connection) -> Result<bool> {
    let n: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
    Ok(n == 0)
}

fn device_id(conn: &mut Connection) -> Result<String> {
    let found: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'device_id'", [], |r| r.get(0))
        .optional()?;
    if let Some(id) = found {
        return Ok(id);
    }
    let id = RecordId::new().to_string();
    conn.execute("INSERT INTO meta (key, value) VALUES ('device_id', ?1)", [&id])?;
    Ok(id)
}

/// A write transaction in progress, with what every write stamps on its records.
pub struct Writer<'a> {
    tx: Transaction<'a>,
    device_id: &'a str,
    actor: &'a Actor,
    /// The store's second key, if it has one ([`Store::second`]).
    second: Option<&'a DataKey>,
    now: DateTime<Utc>,
    journal: Journal,
    /// Changes journaled by a bulk writer and not yet handed to the readers.
    pending: RefCell<Vec<Change>>,
    /// Inside [`Writer::bulk`]: what was captured waits until the inserted rows are read back.
    in_bulk: Cell<bool>,
}

/// How many changes a bulk writer's journal gathers before handing them to the readers (in
/// the same transaction): what a write holds in memory stays the same at any school size.
const BATCH: usize = 2048;

impl Writer<'_> {
    pub fn tx(&self) -> &Connection {
        &self.tx
    }
    pub fn device_id(&self) -> &str {
        self.device_id
    }
    /// The account this write is made for.
    pub fn actor(&self) -> &Actor {
        self.actor
    }
    /// The store's second key, if it has one (whether the account may use it is the
    /// domain's rule).
    pub fn second(&self) -> Option<&DataKey> {
        self.second
    }
    pub fn now(&self) -> String {
        format_time(self.now)
    }
    pub fn now_utc(&self) -> DateTime<Utc> {
        self.now
    }

    /// While set, rows written are another device's values, written as they are: not stamped
    /// with this account, not audited, not clocked (sync sets the clocks itself).
    ///
    /// Meanwhile the capture and stamp triggers, which would do nothing (they ask for
    /// `applying = 0`), are taken away and made again after: a row written then costs no
    /// trigger, nor the statement journal SQLite keeps for a statement with triggers — a
    /// computer joining a school writes every record of it so. Within the transaction: a
    /// rollback brings them back too.
    pub fn set_applying(&self, applying: bool) -> Result<()> {
        self.tx.execute("UPDATE temp.session SET applying = ?1", [applying as i64])?;
        if applying {
            for table in record_tables(&self.tx)? {
                self.tx.execute_batch(&format!(
                    "DROP TRIGGER IF EXISTS temp.capture_{table}_insert; DROP TRIGGER IF EXISTS temp.capture_{table}_update;
                     DROP TRIGGER IF EXISTS temp.stamp_{table}_insert; DROP TRIGGER IF EXISTS temp.stamp_{table}_update;"
                ))?;
            }
        } else {
            // In the order a connection opening makes them (they fire newest first).
            stamp_authors(&self.tx)?;
            capture_changes(&self.tx)?;
        }
        Ok(())
    }

    /// Runs `f`, which inserts many records at once — an import, the demo school, joining —
    /// on the bulk path: the store does not capture the rows `f` inserts one by one (no JSON
    /// image built by SQLite and parsed again per row); when `f` is done, it reads them back,
    /// table by table in the order written, as typed values into the journal, a batch at a
    /// time. Updates `f` makes to records that were there before are captured as usual; those
    /// to records it inserted are in the images read back. Rows inserted by `f` should name
    /// their author (`updated_by`), or the stamp writes it for each.
    pub fn bulk<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        let tables = record_tables(&self.tx)?;
        let mut before = Vec::with_capacity(tables.len());
        for table in tables {
            let max: i64 = self.tx.query_row(&format!("SELECT coalesce(max(rowid), 0) FROM main.{table}"), [], |r| r.get(0))?;
            before.push((table, max));
        }
        self.tx.execute("UPDATE temp.session SET bulk = 1", [])?;
        self.in_bulk.set(true);
        let out = f();
        self.in_bulk.set(false);
        self.tx.execute("UPDATE temp.session SET bulk = 0", [])?;
        let out = out?;
        // An update captured while `f` ran, of a record `f` inserted: the image read back
        // below has it already.
        for (table, max) in &before {
            self.tx.execute(
                &format!("DELETE FROM temp.changes WHERE kind = ?1 AND record_id IN (SELECT id FROM main.{table} WHERE rowid > ?2)"),
                rusqlite::params![table, max],
            )?;
        }
        for (table, max) in &before {
            let mut stmt = self.tx.prepare(&format!("SELECT * FROM main.{table} WHERE rowid > ?1 ORDER BY rowid"))?;
            let columns: Vec<String> = stmt.column_names().into_iter().map(String::from).collect();
            let (names, order) = journal::Image::sorted_names(&columns);
            let mut rows = stmt.query([max])?;
            while let Some(row) = rows.next()? {
                let new = row_image(row, &names, &order)?;
                let record_id = new.get("id").and_then(|v| v.as_str()).unwrap_or_default().to_string();
                self.journal(Change { kind: table.clone(), record_id, old: None, new })?;
            }
        }
        Ok(out)
    }

    /// Journals a change read back by [`Writer::bulk`]. Every so many, the changes go to the
    /// journal's readers; the rest when the write ends.
    fn journal(&self, change: Change) -> Result<()> {
        let full = {
            let mut pending = self.pending.borrow_mut();
            pending.push(change);
            pending.len() >= BATCH
        };
        if full {
            self.flush_journal()?;
        }
        Ok(())
    }

    /// Hands what changed so far — captured by the triggers, or journaled by a bulk writer —
    /// to the journal's readers, one change per record.
    pub fn flush_journal(&self) -> Result<()> {
        let mut changes = Vec::new();
        if !self.in_bulk.get() {
            take_changes(self, &mut changes)?;
        }
        // What a bulk writer journaled is one change per record already (rows read back once
        // each); only what the triggers captured may touch a record more than once.
        let captured = !changes.is_empty();
        changes.append(&mut self.pending.borrow_mut());
        if changes.is_empty() {
            return Ok(());
        }
        let changes = if captured { one_per_record(changes) } else { changes };
        for reader in self.journal {
            reader.read(self, &changes)?;
        }
        Ok(())
    }

    /// Keeps a value in the `meta` table (replacing the one before).
    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.tx.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }

    /// Meta for a record created in this transaction.
    pub fn new_meta(&self) -> Meta {
        Meta { id: RecordId::new(), created_at: self.now, updated_at: self.now, device_id: self.device_id.to_string() }
    }

    /// Marks a live record of `table` as deleted. Errors with `missing` (the caller's
    /// `NotFound`, naming its record) when there is none.
    pub fn tombstone(&self, table: &'static str, missing: Error, id: RecordId) -> Result<()> {
        let n = self.tx.execute(
            &format!("UPDATE {table} SET deleted_at = ?1, updated_at = ?1, device_id = ?2 WHERE id = ?3 AND deleted_at IS NULL"),
            rusqlite::params![self.now(), self.device_id, id],
        )?;
        if n == 0 {
            return Err(missing);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A refusal of the layer above, as a journal reader or a write's own code raises one.
    #[derive(Debug)]
    struct Refused;
    impl crate::error::DomainError for Refused {
        fn code(&self) -> &'static str {
            "refused"
        }
        fn message(&self, _: crate::Lang) -> String {
            "refused".into()
        }
    }

    /// A schema of two records' tables, as a domain above would hand one: the store knows no
    /// table of it but `meta`.
    const V1: &str = "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE note (id TEXT PRIMARY KEY, text TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
            device_id TEXT NOT NULL, updated_by TEXT, deleted_at TEXT);";
    const V2: &str = "CREATE TABLE tag (id TEXT PRIMARY KEY, note_id TEXT NOT NULL REFERENCES note (id), name TEXT NOT NULL,
            created_at TEXT NOT NULL, updated_at TEXT NOT NULL, device_id TEXT NOT NULL, updated_by TEXT, deleted_at TEXT);";
    static PLAIN: Schema = Schema { migrations: &[V1, V2], journal: &[] };
    const SCHEMA_VERSION: i64 = PLAIN.version();

    fn journal_len(w: &Writer<'_>) -> i64 {
        w.tx().query_row("SELECT count(*) FROM temp.changes", [], |r| r.get(0)).unwrap()
    }

    fn insert_note(w: &Writer<'_>, text: &str) -> Result<RecordId> {
        let m = w.new_meta();
        w.tx().execute(
            "INSERT INTO note (id, text, created_at, updated_at, device_id) VALUES (?1, ?2, ?3, ?3, ?4)",
            rusqlite::params![m.id, text, w.now(), w.device_id()],
        )?;
        Ok(m.id)
    }

    #[test]
    fn a_new_database_gets_the_current_schema_and_a_device_id() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/huka.db");
        let store = Store::open_unencrypted(&path, &PLAIN).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        let device = store.device_id().to_string();
        drop(store);
        let again = Store::open_unencrypted(&path, &PLAIN).unwrap();
        assert_eq!(again.device_id(), device, "the device id is kept");
        let mode: String = again.conn().query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = again.conn().query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
        assert_eq!(fk, 1);
    }

    #[test]
    fn a_database_from_a_newer_version_is_refused_and_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("newer.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch("CREATE TABLE future (x); PRAGMA user_version = 99;").unwrap();
        }
        let before = std::fs::read(&path).unwrap();
        match Store::open_unencrypted(&path, &PLAIN) {
            Err(Error::SchemaTooNew { found: 99, supported }) => assert_eq!(supported, SCHEMA_VERSION),
            other => panic!("expected SchemaTooNew, got {:?}", other.err()),
        }
        assert_eq!(std::fs::read(&path).unwrap(), before, "the file is not changed");
        assert!(!dir.path().join("newer.db-wal").exists());
        let msg = Error::SchemaTooNew { found: 99, supported: 1 }.message(crate::Lang::Zh);
        assert!(msg.contains("更新版本"), "{msg}");
    }

    #[test]
    fn other_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("notes.db");
        std::fs::write(&text, "这不是数据库 — just some text that is long enough to fill a header page.".repeat(20)).unwrap();
        assert!(matches!(Store::open_unencrypted(&text, &PLAIN), Err(Error::NotADatabase)));
        let foreign = dir.path().join("foreign.db");
        Connection::open(&foreign).unwrap().execute_batch("CREATE TABLE t (x);").unwrap();
        assert!(matches!(Store::open_unencrypted(&foreign, &PLAIN), Err(Error::NotADatabase)));
    }

    /// Records what it was handed; refuses a write that changed the key `refuse`.
    struct Seen(std::sync::Mutex<Vec<(String, String, bool)>>);
    impl crate::journal::Reader for Seen {
        fn read(&self, _: &Writer<'_>, changes: &[Change]) -> Result<()> {
            for c in changes {
                if c.new.get("text").and_then(|v| v.as_str()) == Some("refuse") {
                    return Err(Refused.into());
                }
                self.0.lock().unwrap().push((c.kind.clone(), c.record_id.clone(), c.old.is_none()));
            }
            Ok(())
        }
    }

    #[test]
    fn every_write_hands_its_changes_to_the_journal_readers_in_its_transaction() {
        static SEEN: Seen = Seen(std::sync::Mutex::new(Vec::new()));
        static SEEING: Schema = Schema { migrations: PLAIN.migrations, journal: &[&SEEN] };
        let mut store = Store::open_in_memory(&SEEING).unwrap();
        store.write(|w| insert_note(w, "first")).unwrap();
        let author: Option<String> = store.conn().query_row("SELECT updated_by FROM note", [], |r| r.get(0)).unwrap();
        assert_eq!(author.as_deref(), Some(Actor::system().id.to_string().as_str()), "the store stamps the author");
        {
            let seen = SEEN.0.lock().unwrap();
            assert_eq!(seen.len(), 1);
            assert_eq!((seen[0].0.as_str(), seen[0].2), ("note", true), "a new record, without an old image");
        }
        assert!(store.write(|w| insert_note(w, "refuse")).is_err(), "a reader's refusal undoes the write");
        let n: i64 = store.conn().query_row("SELECT count(*) FROM note", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 1);
        store.write(|w| w.set_meta("x", "1")).unwrap();
        assert_eq!(SEEN.0.lock().unwrap().len(), 1, "meta is not a record: nothing to journal");
        assert_eq!(store.meta("x").unwrap().as_deref(), Some("1"));
    }

    /// Counts the changes and the batches it was handed.
    struct Counted(std::sync::Mutex<(usize, usize, Vec<Change>)>);
    impl crate::journal::Reader for Counted {
        fn read(&self, _: &Writer<'_>, changes: &[Change]) -> Result<()> {
            let mut c = self.0.lock().unwrap();
            c.0 += changes.len();
            c.1 += 1;
            c.2.extend(changes.iter().cloned());
            Ok(())
        }
    }

    #[test]
    fn a_bulk_write_is_journaled_in_batches_as_the_capture_would_have() {
        static COUNTED: Counted = Counted(std::sync::Mutex::new((0, 0, Vec::new())));
        static COUNTING: Schema = Schema { migrations: PLAIN.migrations, journal: &[&COUNTED] };
        let mut store = Store::open_in_memory(&COUNTING).unwrap();
        // The capture's image of one row, to compare the bulk path's with.
        let old = store.write(|w| insert_note(w, "捕获")).unwrap();
        let captured = COUNTED.0.lock().unwrap().2[0].new.clone();
        let rows = BATCH * 2 + 5;
        let mut first = None;
        store
            .write(|w| {
                w.bulk(|| {
                    for i in 0..rows {
                        let id = insert_note(w, if i == 0 { "捕获" } else { "x" })?;
                        first.get_or_insert(id);
                    }
                    // An update of a record that was there before is captured as usual; one of
                    // a record inserted here is in the image read back.
                    w.tx().execute("UPDATE note SET text = 'changed' WHERE id = ?1", [old])?;
                    w.tx().execute("UPDATE note SET text = 'x' WHERE id = ?1", [first.unwrap()])?;
                    assert_eq!(journal_len(w), 2, "both updates captured while `f` runs");
                    Ok(())
                })
            })
            .unwrap();
        let (changes, batches, journal) = COUNTED.0.lock().unwrap().clone();
        assert_eq!(changes, 1 + rows + 1, "one change per row inserted, and the update of the old one");
        assert_eq!(batches, 1 + 3, "the bulk write's journal went to the readers in three batches");
        let first = first.unwrap().to_string();
        let inserted = journal.iter().find(|c| c.record_id == first).unwrap();
        assert!(inserted.old.is_none(), "inserted");
        let bulk = &inserted.new;
        let updated = journal.iter().find(|c| c.record_id == old.to_string() && c.old.is_some()).unwrap();
        assert_eq!((&updated.old.as_ref().unwrap()["text"], &updated.new["text"]), (&captured["text"], &serde_json::json!("changed")));
        assert_eq!(bulk.names(), captured.names(), "the same fields as the capture's image");
        for field in ["device_id", "updated_by", "deleted_at"] {
            assert_eq!(bulk[field], captured[field], "{field}");
        }
        assert_eq!(bulk["text"], "x", "the row as it is at the end of the write");
        // Outside `bulk`, the capture is on again.
        store.write(|w| insert_note(w, "after")).unwrap();
        assert_eq!(COUNTED.0.lock().unwrap().0, 3 + rows);
    }

    #[test]
    fn the_content_mark_moves_with_every_write_here_or_elsewhere_and_a_kept_value_is_taken_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.db");
        let mut store = Store::open_unencrypted(&path, &PLAIN).unwrap();
        let mark = store.content_mark().unwrap();
        assert_eq!(store.content_mark().unwrap(), mark, "reading changes nothing");
        store.write(|w| insert_note(w, "here")).unwrap();
        let after_mine = store.content_mark().unwrap();
        assert_ne!(after_mine, mark);
        let mut other = Store::open_unencrypted(&path, &PLAIN).unwrap();
        other.write(|w| insert_note(w, "elsewhere")).unwrap();
        assert_ne!(store.content_mark().unwrap(), after_mine, "another connection's commit");

        store.keep(7u32);
        assert_eq!(store.take_kept::<String>(), None, "another type");
        assert_eq!(store.take_kept::<u32>(), Some(7));
        assert_eq!(store.take_kept::<u32>(), None, "taken once");
        store.keep(8u32);
        store.act_as(Actor::system()).unwrap();
        assert_eq!(store.take_kept::<u32>(), None, "forgotten when another account acts");
    }

    #[test]
    fn a_failed_write_changes_nothing() {
        let mut store = Store::open_in_memory(&PLAIN).unwrap();
        let result: Result<()> = store.write(|w| {
            w.tx().execute("INSERT INTO meta (key, value) VALUES ('x', '1')", [])?;
            Err(Refused.into())
        });
        assert!(result.is_err());
        let n: i64 = store.conn().query_row("SELECT count(*) FROM meta WHERE key = 'x'", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 0);
    }
}
