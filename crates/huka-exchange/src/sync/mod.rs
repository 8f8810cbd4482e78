//! Several computers, one school (同步): laptops and the office PC exchange change files on a
//! USB stick and end with the same records, whatever order the files travel in.
//!
//! The rule: per-field last-writer-wins on a hybrid logical clock. Every write clocks the
//! fields it changed (`stamp`, called by `Store::write`); a change file carries every record
//! with a field the other side may lack, whole, with each field's clock; reading one takes,
//! field by field, the higher clock (time, then device id). That is a maximum over a total
//! order: commutative, associative and idempotent — a file read twice, an old file, or files
//! in any order give the same records. A delete is the `deleted_at` field, so an edit older
//! than a delete does not bring a record back. When both sides changed a field since they last
//! met, the loser is kept as a `sync_conflict` record (itself synced, with an id derived from
//! what lost, so every device lists the same ones) for a person to keep or swap.
//!
//! Two devices that created a record under the same natural key (a household number, a
//! resident ID number — any live unique key) end with one: the lower id stays, the other is
//! tombstoned and what pointed at it is re-pointed (`sync_merge` remembers, so records that
//! still name the loser are redirected when they arrive).
//!
//! Change files are encrypted and authenticated with a key derived from the school's data key:
//! only the school's computers can read or make them. The audit chains travel too, each
//! device's entries as they were written, and so do the key file's slots (a password changed
//! on the office PC opens the laptops after the next exchange; a disabled account's slot is
//! removed after every import, whatever a file brought).
//!
//! A file is applied only as far as its authors' roles allow: each record is judged for the
//! account that wrote it with the rule of a local write (`rights`); the rest is refused, kept
//! out and listed ([`Report::refused`], [`refused`]).

mod copy;
mod file;
mod merge;
mod rights;
mod set;
mod stream;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::access::{self, Action};
use crate::error::{Error, Result};
use crate::store::Store;
pub use huka_domain::clock::{self, Clock, Hlc};

/// A change file refused, or a join refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncError {
    /// Not a Huka change file.
    NotASyncFile,
    /// The change file is damaged or was altered.
    Damaged,
    /// The change file belongs to another school (its code).
    OtherSchool { school: String },
    /// Joining needs a complete change file.
    NotFull,
    /// The change file assumes records this computer does not hold yet.
    Behind,
    /// The change file was written by a newer version of Huka.
    NewerVersion,
    /// Only the principal or the aid officer can join a computer to the school.
    JoinNotAllowed,
    /// The change file was sealed under a data key this computer has rotated since.
    OldKey,
    /// A teacher's laptop joins from a complete change file, not from a backup (which holds
    /// every card in full).
    TeacherFromBackup,
    /// The backup is of a teacher's laptop or of a county: not the whole school.
    PartialBackup,
}

impl crate::error::DomainError for SyncError {
    fn code(&self) -> &'static str {
        match self {
            SyncError::NotASyncFile => "not_a_sync_file",
            SyncError::Damaged => "sync_damaged",
            SyncError::OtherSchool { .. } => "sync_other_school",
            SyncError::NotFull => "sync_not_full",
            SyncError::Behind => "sync_behind",
            SyncError::NewerVersion => "sync_newer_version",
            SyncError::JoinNotAllowed => "sync_join_not_allowed",
            SyncError::OldKey => "sync_old_key",
            SyncError::TeacherFromBackup => "sync_teacher_from_backup",
            SyncError::PartialBackup => "sync_partial_backup",
        }
    }
    fn message(&self, lang: crate::Lang) -> String {
        let (zh, en): (String, String) = match self {
            SyncError::NotASyncFile => (
                "这不是户卡的同步文件（.hukasync）。".into(),
                "This is not a Huka change file (.hukasync).".into(),
            ),
            SyncError::Damaged => (
                "同步文件已损坏或被改动过，没有读取任何内容。请在原来的电脑上重新写入U盘。".into(),
                "The change file is damaged or was altered; nothing was read. Write it to the stick again on the computer it came from.".into(),
            ),
            SyncError::OtherSchool { school } => (
                format!("这是另一所学校（代码 {school}）的同步文件，本机不能读取。"),
                format!("This change file belongs to another school (code {school}); this computer cannot read it."),
            ),
            SyncError::NotFull => (
                "加入本校需要一份“完整”的同步文件：请在校长办公室的电脑上选择“写入完整文件”。".into(),
                "Joining the school needs a complete change file: on the office PC, choose \"write a complete file\".".into(),
            ),
            SyncError::Behind => (
                "这份同步文件只含对方认为本机还没有的改动，但本机缺少更早的记录。请在那台电脑上选择“写入完整文件”，再读取一次（不会重复）。".into(),
                "This change file holds only what the other computer thinks this one lacks, but this one misses earlier records. On that computer choose \"write a complete file\" and read it here (nothing is doubled).".into(),
            ),
            SyncError::NewerVersion => (
                "这份同步文件来自更新版本的户卡：请先把本机的户卡升级到同一版本。".into(),
                "This change file comes from a newer version of Huka: update Huka on this computer first.".into(),
            ),
            SyncError::JoinNotAllowed => (
                "只有校长或资助专干可以让新电脑加入本校（加入后教师用自己的密码登录）。".into(),
                "Only the principal or the aid officer can join a new computer to the school (teachers then log in with their own passwords).".into(),
            ),
            SyncError::TeacherFromBackup => (
                "备份含全校每张卡的全部内容，教师的电脑不能用它加入：请在校长办公室的电脑上选择“写入完整文件”，用那份同步文件加入。".into(),
                "A backup holds every card in full, so a teacher's laptop cannot join from one: on the office PC choose \"write a complete file\" and join from that change file.".into(),
            ),
            SyncError::PartialBackup => (
                "这份备份来自教师的电脑或县级数据库，不含全校的记录：请用校长办公室电脑的备份，或那台电脑写入的完整同步文件。".into(),
                "This backup is of a teacher's laptop or of a county, not of the whole school: use a backup of the office PC, or a complete change file written there.".into(),
            ),
            SyncError::OldKey => (
                "这份同步文件是在本校更换密钥之前写的，本机不再读取。请先在写它的电脑上读取本机的同步文件（那台电脑会换成新密钥），再在那里写一份新的。".into(),
                "This change file was written under the school's keys from before they were rotated; this computer no longer reads it. First read this computer's change file on the one that wrote it (it takes the new keys), then write a new one there.".into(),
            ),
        };
        lang.pick(zh, en)
    }
}
pub(crate) use crate::clock::{load_clocks, save_clocks, saw, seen, synced_table};
pub use rights::Refused;
pub use set::RecordChange;


/// The clock of a field no write has clocked since sync existed: written here, before.
const ZERO: &str = "0000000000000000-00000";

/// The clock of a field this computer holds no value of (a teacher's laptop, for a card
/// outside the teacher's care): never sent, and any real clock is newer.
const WITHHELD: &str = "withheld";

/// Meta key: the account a teacher's laptop joined with. Such a computer keeps only what that
/// teacher may see, and its change files say they are partial.
const SCOPE: &str = crate::installation::TEACHERS_LAPTOP;

/// The teacher account this computer holds the school for, if it joined as a teacher.
pub(crate) fn scope(conn: &Connection) -> Result<Option<String>> {
    Ok(conn.query_row("SELECT value FROM meta WHERE key = ?1", [SCOPE], |r| r.get(0)).optional()?)
}

/// Meta key: audit entries of other computers a teacher's laptop saw in files and did not
/// keep, per device (so that the others do not send them again).
const AUDIT_SKIPPED: &str = "sync.audit_skipped";

/// How many entries of each device's audit chain this computer holds or has skipped.
pub(crate) fn audit_counts(conn: &Connection) -> Result<BTreeMap<String, i64>> {
    let mut counts: BTreeMap<String, i64> = crate::audit::heads(conn)?.into_iter().map(|h| (h.device_id, h.count)).collect();
    let skipped: Option<String> = conn.query_row("SELECT value FROM meta WHERE key = ?1", [AUDIT_SKIPPED], |r| r.get(0)).optional()?;
    let skipped: BTreeMap<String, i64> = skipped.and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default();
    for (device, n) in skipped {
        let c = counts.entry(device).or_insert(0);
        *c = (*c).max(n);
    }
    Ok(counts)
}

pub(crate) fn save_audit_skipped(conn: &Connection, skipped: &BTreeMap<String, i64>) -> Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![AUDIT_SKIPPED, serde_json::to_string(skipped).expect("plain data")],
    )?;
    Ok(())
}


/// The record tables that travel, in an order where a table comes after those it refers to.
pub(crate) fn tables(conn: &Connection) -> Result<Vec<String>> {
    let all: Vec<String> = crate::store::record_tables(conn)?.into_iter().filter(|t| synced_table(t)).collect();
    let refs = |t: &str| -> Result<Vec<String>> {
        Ok(conn.prepare(&format!("SELECT \"table\" FROM pragma_foreign_key_list('{t}')"))?.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?)
    };
    let mut ordered: Vec<String> = Vec::new();
    let mut left = all.clone();
    while !left.is_empty() {
        let before = left.len();
        let mut next = Vec::new();
        for t in &left {
            let deps = refs(t)?;
            if deps.iter().all(|d| d == t || ordered.contains(d) || !all.contains(d)) {
                ordered.push(t.clone());
            } else {
                next.push(t.clone());
            }
        }
        left = next;
        if left.len() == before {
            ordered.append(&mut left); // a cycle: keep the rest as they are (foreign keys are deferred)
        }
    }
    Ok(ordered)
}




/// What reading a change file did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Records this device did not have.
    pub new: usize,
    /// Records of which at least one field took the file's value.
    pub updated: usize,
    /// Records the file had that changed nothing here.
    pub unchanged: usize,
    /// Fields both sides had changed since they last met: the loser is listed as a conflict.
    pub conflicts: usize,
    /// Records two devices created under one natural key, now one.
    pub merged: usize,
    /// The device that wrote the file, and who.
    pub from_device: String,
    pub from_account: String,
    /// Devices whose clocks run ahead of this one's by more than a day (their writes would win
    /// every field): one sentence each.
    pub warnings: Vec<String>,
    /// Records the file held that their author's role did not allow: not applied (see
    /// `rights`), each with the reason.
    pub refused: Vec<Refused>,
    /// The file is a copy (the same bytes) of this one — beside it on the stick, named as
    /// Windows or macOS name copies (`… (1)`, `… - 副本`), or read here before under that
    /// name. Reading it again changes nothing that reading the first did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copy_of: Option<String>,
}

/// The change files read here (SHA-256 → file name), the latest first: to tell a renamed copy.
const FILES_READ: &str = "sync.files_read";

fn files_read(store: &Store) -> Result<Vec<(String, String)>> {
    Ok(store.meta(FILES_READ)?.and_then(|j| serde_json::from_str(&j).ok()).unwrap_or_default())
}

/// The records the last change file read here held that their authors' roles did not allow
/// (kept out of the database), with the reasons.
pub fn refused(store: &Store) -> Result<Vec<Refused>> {
    access::require(store, Action::Sync)?;
    Ok(store
        .conn()
        .prepare("SELECT tbl, record_id, label, author_id, author, author_role, reason, reason_en FROM sync_refused ORDER BY seq")?
        .query_map([], |r| {
            Ok(Refused {
                table: r.get(0)?,
                record_id: r.get(1)?,
                label: r.get(2)?,
                author_id: r.get(3)?,
                author: r.get(4)?,
                author_role: r.get(5)?,
                reason: r.get(6)?,
                reason_en: r.get(7)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

/// Writes a change file for the school's other computers into `dir`: every record with a
/// field one of the devices this one has met may lack (everything, with `full` or before any
/// exchange). Returns its path.
pub fn export(store: &mut Store, dir: &Path, full: bool) -> Result<PathBuf> {
    access::require(store, Action::Sync)?;
    let (bytes, header) = file::write(store, full)?;
    // Named by the device (the random end of its id: the start is a time, alike for computers
    // set up the same minute) and the local time; never over another file.
    let device = short_device(&header.from_device);
    let stamp = header.created_at.with_timezone(&chrono::Local).format("%Y%m%d-%H%M%S");
    let mut path = dir.join(format!("huka-{device}-{stamp}.hukasync"));
    let mut n = 1;
    while path.exists() {
        n += 1;
        path = dir.join(format!("huka-{device}-{stamp}-{n}.hukasync"));
    }
    crate::file::in_folder(dir, || crate::file::write(&path, &bytes))?;
    Ok(path)
}

/// How far a change file has been read (or a backup's database copied, joining from one).
pub use crate::progress::Progress;

/// Reads a change file into this database.
pub fn import(store: &mut Store, path: &Path) -> Result<Report> {
    import_reporting(store, path, &mut |_, _| {})
}

/// [`import`], telling `progress` how far it has read.
pub fn import_reporting(store: &mut Store, path: &Path, progress: Progress<'_>) -> Result<Report> {
    let pass = access::ask(store, Action::Sync)?;
    crate::folder::refuse_metadata(path)?;
    let bytes = std::fs::read(path)?;
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let sha = {
        use sha2::Digest;
        crate::text::hex(&sha2::Sha256::digest(&bytes))
    };
    let mut read_before = files_read(store)?;
    let copy_of = crate::folder::copy_beside(path, ".hukasync")
        .or_else(|| {
            // Read before under another name — unless this is the original and that was its copy.
            let named_as_copy = |n: &str| crate::folder::copy_of(n, ".hukasync").is_some();
            read_before.iter().find(|(s, n)| *s == sha && *n != name && (named_as_copy(&name) || !named_as_copy(n))).map(|(_, n)| n.clone())
        });
    let (_, keys) = file::clear_part(&bytes)?;
    // A teacher's laptop keeps no second key, not even sealed to another's pair.
    let laptop = scope(store.conn())?.is_some();
    let keys = if laptop { keys.without_second() } else { keys };
    if let Some(unlocked) = store.unlocked() {
        // Keys rotated here since the file was sealed: its writer may be the account that was
        // disabled (the old key is what it could have kept).
        if keys.is_rotated_by(&crate::keyfile::KeyFile::load(&unlocked.path)?) {
            return Err(SyncError::OldKey.into());
        }
    }
    // Keys rotated on the computer that wrote the file: the logged-in account's key pair
    // opens the new data key, the file sealed under it vouches for its key file, and this
    // database is re-encrypted under it before anything is read.
    if let Some(key) = crate::keys::newer_key(store, &keys)? {
        file::open_with(&bytes, &key, None)?;
        crate::keys::adopt(store, &keys, key)?;
    }
    let (header, deflated) = file::open(store, &bytes)?;
    let mut report = merge::apply_from(store, &pass, true, |a| stream::read_reporting(&deflated, (&header.from_device, &header.school), a, progress))?;
    let first_name = copy_of.clone().unwrap_or_else(|| name.clone());
    report.copy_of = copy_of;
    // The name a content was first read under stays: later copies are copies of it.
    if !read_before.iter().any(|(s, _)| *s == sha) {
        read_before.insert(0, (sha, first_name));
        read_before.truncate(200);
        let json = serde_json::to_string(&read_before).expect("plain data");
        pass.write(store, |w| w.set_meta(FILES_READ, &json))?;
    }
    // Passwords set or changed on the other computer open this one's database too.
    if let Some(unlocked) = store.unlocked() {
        let mut mine = crate::keyfile::KeyFile::load(&unlocked.path)?;
        if laptop {
            // Its own file neither, whatever put one there.
            mine = mine.without_second();
        }
        mine.merge(&keys);
        // A disabled account's password opens nothing here, whatever slot of it a file brought
        // (one set on a computer that had not heard of the disabling yet).
        let disabled: Vec<String> =
            store.conn().prepare("SELECT login FROM account WHERE disabled_at IS NOT NULL")?.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        for login in disabled {
            if mine.has_user(&login) {
                mine.remove_user(&login);
            }
        }
        mine.save(&unlocked.path)?;
        // A holder of the second key seals it to the holders the file brought without it;
        // no slot of another role keeps one.
        if !laptop {
            crate::session::hand_second(store, &mut mine)?;
        }
    }
    Ok(report)
}

/// Joins the school: makes the database at `path` (there is none) from a full change file —
/// or, for the principal or the aid officer, from a backup of the office PC (`copy`) —
/// logging in with an account of the school (its password opens the key the file carries).
pub fn join(path: &Path, file: &Path, login: &str, password: &str) -> Result<(Store, Report)> {
    join_reporting(path, file, login, password, &mut |_, _| {})
}

/// [`join`], telling `progress` how far it has read the file's records.
pub fn join_reporting(path: &Path, file: &Path, login: &str, password: &str, progress: Progress<'_>) -> Result<(Store, Report)> {
    if crate::store::Store::inspect(path)? != crate::store::DbFile::Missing {
        return Err(Error::DatabaseExists);
    }
    crate::folder::refuse_metadata(file)?;
    // A holder may join from a backup of the office PC: its database copied (`copy`).
    if crate::backup::looks_like_backup(file)? {
        return copy::join(path, file, login, password, progress);
    }
    let bytes = std::fs::read(file)?;
    let (header, keys) = file::clear_part(&bytes)?;
    let mut opened = keys.open_user_slot(login, password).ok_or(Error::WrongPassword)?;
    let key = std::mem::replace(&mut opened.key, crate::crypto::DataKey::generate());
    let (_, deflated) = file::open_with(&bytes, &key, None)?;
    drop(bytes);
    // A computer joined by the principal or the aid officer holds every card; one joined by a
    // teacher only what that teacher may see (the cards in their care in full, the others
    // without ID numbers, health or disability, no roster and no other computer's audit trail).
    // Who joins is read from the file first (a pass over it that keeps only the account).
    let mut probe = Probe { login: crate::keyfile::normalize_login(login), full: false, account: None };
    stream::read(&deflated, (&header.from_device, &header.school), &mut probe)?;
    if !probe.full {
        return Err(SyncError::NotFull.into());
    }
    let scope = match probe.account {
        Some((_, access::Role::Principal | access::Role::AidOfficer)) => None,
        Some((id, access::Role::Teacher)) => Some(id),
        Some(_) => return Err(Error::from(SyncError::JoinNotAllowed)),
        None => return Err(Error::WrongPassword),
    };
    // A new database, written by the installation (the store is the system's until the
    // joining account logs in; the right to join is the file's, checked above).
    let pass = access::exempt(access::Why::NewDatabase);
    let result = (|| {
        let mut store = Store::open_encrypted(path, key, true, &crate::SCHEMA)?;
        pass.write(&mut store, |w| {
            crate::settings::set_database_id(w, &header.database_id)?;
            if let Some(account) = &scope {
                w.tx().execute("INSERT INTO meta (key, value) VALUES (?1, ?2)", [SCOPE, account])?;
            }
            Ok(())
        })?;
        // A teacher's laptop keeps no second key, not even sealed to another's pair.
        let kept = if scope.is_some() { keys.without_second() } else { keys.clone() };
        kept.save(path)?;
        // The database is new and is removed if joining fails: while the school is read into
        // it, its rollback journal is kept in memory (pages added to a new file need none) and
        // it is not synced page by page — then it is synced once and goes back to WAL.
        store.conn().execute_batch("PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF;")?;
        let report = load(&mut store, &pass, &deflated, (&header.from_device, &header.school), progress)?;
        store.conn().execute_batch("PRAGMA synchronous = FULL; PRAGMA journal_mode = WAL;")?;
        std::fs::File::open(path)?.sync_all()?;
        Ok((store, kept, report))
    })();
    match result {
        Ok((store, kept, report)) => {
            // Logged in on the store just made, with the slot the file's key file opened; a
            // login that fails leaves no database either (the join can be tried again).
            let joined = (|| {
                let mut store = crate::session::log_in(path, kept, opened, store, login, password)?;
                let from = report.from_device.clone();
                pass.write(&mut store, |w| crate::audit::event(w, "sync_join", "sync", &from, BTreeMap::new()))?;
                Ok(store)
            })();
            match joined {
                Ok(store) => Ok((store, report)),
                Err(e) => {
                    crate::session::remove_database(path);
                    Err(e)
                }
            }
        }
        Err(e) => {
            crate::session::remove_database(path);
            Err(e)
        }
    }
}

/// Reads a complete change file into a database just made (a computer joining the school).
/// When nothing clear of a sealed field arrived — each record and audit entry is checked as it
/// is read — the database is then marked as holding none (`sealing::mark_joined`, a write of
/// its own once the records are in): its first login has nothing to convert, on a holder's
/// computer (which seals) as on a teacher's laptop (which masks: a teacher's join at a
/// county-size school spent five seconds finding nothing to mask).
fn load(store: &mut Store, pass: &access::Pass, deflated: &[u8], header: (&str, &str), progress: Progress<'_>) -> Result<Report> {
    let (report, clear) = merge::apply_noting(store, pass, false, |a| stream::read_reporting(deflated, header, a, progress))?;
    pass.write(store, |w| crate::sealing::mark_joined(w, clear).map(|_| ()))?;
    Ok(report)
}

/// The first pass over a complete file before joining: whether it is complete, and the
/// live account of the login that joins (its id and role).
struct Probe {
    login: String,
    full: bool,
    account: Option<(String, access::Role)>,
}

impl stream::Sink for Probe {
    fn head(&mut self, head: set::Head) -> Result<bool> {
        self.full = head.full;
        if !head.full {
            return Err(SyncError::NotFull.into());
        }
        if head.accounts.is_empty() {
            return Ok(true); // a file from before: the account is among the records
        }
        self.account = head
            .accounts
            .iter()
            .find(|(_, login, _, deleted)| *login == self.login && !deleted)
            .and_then(|(id, _, role, _)| access::Role::parse(role).map(|r| (id.clone(), r)));
        Ok(false)
    }
    fn record(&mut self, r: set::RecordChange) -> Result<()> {
        if r.table == "account" && r.row.get("login").and_then(Value::as_str) == Some(self.login.as_str()) && r.row.get("deleted_at").is_none_or(Value::is_null) {
            if let Some(role) = r.row.get("role").and_then(Value::as_str).and_then(access::Role::parse) {
                self.account = Some((r.id, role));
            }
        }
        Ok(())
    }
    fn merge_pair(&mut self, _: (String, String, String)) -> Result<()> {
        Ok(())
    }
    fn audit(&mut self, _: crate::audit::Received) -> Result<()> {
        Ok(())
    }
    fn wants_audit(&self) -> bool {
        false
    }
}

/// A device id as people see it: its last eight characters (random; the first ones are the
/// time the computer was set up).
pub fn short_device(device: &str) -> &str {
    &device[device.len().saturating_sub(8)..]
}

/// A device this one has exchanged with.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Device {
    pub device_id: String,
    /// This computer.
    pub this: bool,
    pub last_exchange: Option<DateTime<Utc>>,
    pub files: i64,
    /// Who wrote its last file.
    pub account: String,
    /// Its newest write this device holds.
    pub newest: Option<DateTime<Utc>>,
}

pub fn devices(store: &Store) -> Result<Vec<Device>> {
    access::require(store, Action::Sync)?;
    let conn = store.conn();
    let seen = seen(conn)?;
    let when = |hlc: Option<&String>| hlc.and_then(|h| Hlc::parse(h)).and_then(|h| DateTime::from_timestamp_millis(h.ms)).filter(|t| t.timestamp() > 0);
    let mut out = vec![Device {
        device_id: store.device_id().to_string(),
        this: true,
        last_exchange: None,
        files: 0,
        account: store.actor().name.clone(),
        newest: when(seen.get(store.device_id())),
    }];
    let peers: Vec<(String, String, i64, String)> = conn
        .prepare("SELECT device, last_exchange, files, account FROM sync_peer ORDER BY last_exchange DESC")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (device_id, last, files, account) in peers {
        out.push(Device {
            newest: when(seen.get(&device_id)),
            device_id,
            this: false,
            last_exchange: crate::record::parse_time_text(&last),
            files,
            account,
        });
    }
    Ok(out)
}

/// A field two devices changed since they last met: the value kept (the higher clock) and the
/// one that lost, who wrote each and when.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Conflict {
    pub id: String,
    pub table: String,
    pub record_id: String,
    /// What a person recognizes the record by: a household's number and head, a person's name.
    pub label: String,
    pub field: String,
    pub kept_value: Value,
    pub kept_device: String,
    pub kept_at: Option<DateTime<Utc>>,
    pub kept_by: String,
    pub lost_value: Value,
    pub lost_device: String,
    pub lost_at: Option<DateTime<Utc>>,
    pub lost_by: String,
    /// `''` while open, `kept` or `swapped` once a person decided.
    pub resolution: String,
}

/// The conflicts, open ones first.
pub fn conflicts(store: &Store, open_only: bool) -> Result<Vec<Conflict>> {
    access::require(store, Action::Sync)?;
    let names = crate::account::names(store.conn())?;
    let at = |clock: &str| Clock::parse(clock).and_then(|c| Hlc::parse(&c.hlc)).and_then(|h| DateTime::from_timestamp_millis(h.ms));
    let device = |clock: &str| Clock::parse(clock).map(|c| c.device).unwrap_or_default();
    let rows: Vec<Conflict> = store
        .conn()
        .prepare(
            "SELECT id, tbl, record_id, field, kept_value, kept_clock, kept_by, lost_value, lost_clock, lost_by, resolution
             FROM sync_conflict WHERE deleted_at IS NULL AND (?1 = 0 OR resolution = '') ORDER BY resolution <> '', created_at DESC",
        )?
        .query_map([open_only as i64], |r| {
            let (kept_clock, lost_clock): (String, String) = (r.get(5)?, r.get(8)?);
            let (kept_by, lost_by): (String, String) = (r.get(6)?, r.get(9)?);
            let kept: String = r.get(4)?;
            let lost: String = r.get(7)?;
            Ok(Conflict {
                id: r.get(0)?,
                table: r.get(1)?,
                record_id: r.get(2)?,
                label: String::new(),
                field: r.get(3)?,
                kept_value: serde_json::from_str(&kept).unwrap_or(Value::Null),
                kept_device: device(&kept_clock),
                kept_at: at(&kept_clock),
                kept_by: names.get(&kept_by).cloned().unwrap_or_default(),
                lost_value: serde_json::from_str(&lost).unwrap_or(Value::Null),
                lost_device: device(&lost_clock),
                lost_at: at(&lost_clock),
                lost_by: names.get(&lost_by).cloned().unwrap_or_default(),
                resolution: r.get(10)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let label = |table: &str, id: &str| -> String {
        let sql = match table {
            "household" => "SELECT household_number || ' ' || head_name FROM household WHERE id = ?1",
            "member" => "SELECT m.name || ' (' || h.household_number || ')' FROM member m JOIN household h ON h.id = m.household_id WHERE m.id = ?1",
            "teacher" | "account" => "SELECT name FROM {table} WHERE id = ?1",
            "visit" => "SELECT h.household_number || ' ' || h.head_name || ' · ' || v.visit_date FROM visit v JOIN household h ON h.id = v.household_id WHERE v.id = ?1",
            _ => return String::new(),
        };
        store.conn().query_row(&sql.replace("{table}", table), [id], |r| r.get::<_, String>(0)).unwrap_or_default()
    };
    Ok(rows
        .into_iter()
        .map(|mut c| {
            c.label = label(&c.table, &c.record_id);
            for v in [&mut c.kept_value, &mut c.lost_value] {
                if let Value::String(s) = v {
                    if let Some(shown) = crate::masking::field_value(&c.field, s) {
                        *s = shown;
                    }
                }
            }
            c
        })
        .collect())
}

/// A person's decision on a conflict: keep the value that won, or swap in the one that lost
/// (a new write, so it wins on every computer from the next exchange).
pub fn resolve(store: &mut Store, id: &str, swap: bool) -> Result<()> {
    let pass = access::ask(store, Action::Sync)?;
    let (table, record, field, lost): (String, String, String, String) = store
        .conn()
        .query_row("SELECT tbl, record_id, field, lost_value FROM sync_conflict WHERE id = ?1 AND deleted_at IS NULL", [id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?
        .ok_or(crate::labels::not_found("conflict"))?;
    if !crate::store::record_tables(store.conn())?.contains(&table) {
        return Err(crate::labels::not_found("conflict"));
    }
    let columns: Vec<String> =
        store.conn().prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))?.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    if !columns.contains(&field) {
        return Err(crate::labels::not_found("conflict"));
    }
    let lost: Value = serde_json::from_str(&lost).unwrap_or(Value::Null);
    pass.write(store, |w| {
        if swap {
            w.tx().execute(
                &format!("UPDATE {table} SET {field} = ?1, updated_at = ?2, device_id = ?3 WHERE id = ?4"),
                params![merge::to_sql(&lost), w.now(), w.device_id(), record],
            )?;
        }
        w.tx().execute(
            "UPDATE sync_conflict SET resolution = ?1, updated_at = ?2, device_id = ?3 WHERE id = ?4",
            params![if swap { "swapped" } else { "kept" }, w.now(), w.device_id(), id],
        )?;
        Ok(())
    })
}

/// Every record of every synced table, with bookkeeping left out, sorted: two devices that
/// agree have equal dumps (the tests compare them).
pub fn canonical_dump(store: &Store) -> Result<BTreeMap<String, Vec<Map<String, Value>>>> {
    let mut out = BTreeMap::new();
    for table in tables(store.conn())? {
        let mut rows = set::rows(store.conn(), &table, None)?;
        rows.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
        out.insert(table, rows);
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod old_files_tests;
