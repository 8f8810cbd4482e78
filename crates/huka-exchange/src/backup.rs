//! Backups (备份) and restoring one (恢复). A backup is one file: a zip holding the database
//! copied under its own data key (still encrypted), the key file (so the same passwords open
//! it), and a small description that names nobody (the database id, when, the schema). It is
//! written whole or not at all (`crate::file`: a temporary file, flushed, renamed; a full stick
//! is `Error::NoRoom`), so a failure never leaves half a backup under its name nor touches an
//! earlier one. Huka also keeps automatic backups in its
//! data folder: the last 7 days and one per week for 4 weeks.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::access::{self, Action, Why};
use crate::error::{Error, Result};
use crate::keyfile;
use crate::stats::{self, Stats};
use crate::store::{DbFile, Store};

/// A file that is no backup, or a backup of another school.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackupError {
    /// Not a Huka backup.
    NotABackup,
    /// The backup is of school `backup`, this database of school `here`.
    OfAnotherSchool { backup: String, here: String },
    /// The backup's database does not read back as it was written (a damaged stick).
    Damaged,
}

impl crate::error::DomainError for BackupError {
    fn code(&self) -> &'static str {
        match self {
            BackupError::NotABackup => "not_a_backup",
            BackupError::OfAnotherSchool { .. } => "backup_of_another_school",
            BackupError::Damaged => "backup_damaged",
        }
    }
    fn message(&self, lang: crate::Lang) -> String {
        let (zh, en) = match self {
            BackupError::NotABackup => ("该文件不是户卡备份（.hukabackup）。".into(), "The file is not a Huka backup (.hukabackup).".into()),
            BackupError::Damaged => (
                "备份文件已损坏（读出的内容与写入时不同），没有使用。请换一份备份，或在原来的电脑上重新备份。".into(),
                "The backup is damaged (what was read differs from what was written); it was not used. Use another backup, or back up again on the computer it came from.".into(),
            ),
            BackupError::OfAnotherSchool { backup, here } => (
                format!("这是学校 {backup} 的备份，而本数据库属于学校 {here}：未恢复。如确需替换，请校长使用“强制恢复”（--force）。"),
                format!("The backup is of school {backup}, this database is school {here}'s: nothing was restored. If this is really wanted, the principal restores with --force."),
            ),
        };
        lang.pick(zh, en)
    }
}

/// The extension of backup files.
pub const EXTENSION: &str = "hukabackup";
const DESCRIPTION: &str = "backup.json";
const DATABASE: &str = "huka.db";
const KEYS: &str = "huka.db.keys";
const FORMAT: &str = "huka-backup-1";

/// What a backup file says of itself, readable without a password.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Description {
    pub format: String,
    pub database_id: String,
    pub created_at: DateTime<Utc>,
    pub schema_version: i64,
    pub software: String,
}

/// A backup opened with a password: its description, and the school and counts inside.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BackupInfo {
    #[serde(flatten)]
    pub description: Description,
    pub school_code: Option<String>,
    pub school_name: Option<String>,
    pub counts: Stats,
}

/// `huka-2161092101-20261129-140312.hukabackup`: valid on FAT32, exFAT and NTFS sticks.
pub fn file_name(store: &Store, at: DateTime<Utc>) -> Result<String> {
    let code = crate::school::get(store)?.map(|s| s.code).unwrap_or_else(|| "county".into());
    let code: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    Ok(format!("huka-{code}-{}.{EXTENSION}", at.format("%Y%m%d-%H%M%S")))
}

/// Writes a backup of the store's database to `path` (atomically). The principal's (the
/// reviewer's in a county), or the store itself for the automatic ones.
pub fn write(store: &mut Store, path: &Path) -> Result<BackupInfo> {
    access::require(store, Action::ManageAccounts)?;
    write_unchecked(store, path)
}

fn write_unchecked(store: &mut Store, path: &Path) -> Result<BackupInfo> {
    let unlocked = store.unlocked().ok_or(Error::NoDatabase)?;
    let keys = std::fs::read(keyfile::path_of(&unlocked.path))?;
    let database_id = crate::settings::database_id(store)?.unwrap_or_default();
    let dir = crate::file::folder_of(path);
    // The snapshot: the same data key, exported into a temporary database beside the database
    // (not on the stick: it would take the backup's room there twice over, and a full stick
    // would fail inside SQLite instead of saying how much room is needed). Exported, not
    // copied page by page: it holds the live records only, never what a page kept of a value
    // written over (a clear number sealed since, on a database from before schema 17).
    let here = crate::file::folder_of(&unlocked.path);
    let snapshot = tempfile::Builder::new().prefix(".huka-snapshot").tempfile_in(here)?.into_temp_path();
    let key = unlocked.key.sqlcipher_key();
    store.conn().execute("ATTACH DATABASE ?1 AS snapshot KEY ?2", rusqlite::params![snapshot.to_string_lossy(), key.as_str()])?;
    let exported = (|| -> Result<()> {
        // A temporary file: no journal and no flush of its own (the zip is flushed), and the
        // page cache the database has, so that its indexes are built without rereading pages.
        store.conn().execute_batch("PRAGMA snapshot.journal_mode = OFF; PRAGMA snapshot.synchronous = OFF; PRAGMA snapshot.cache_size = -131072;")?;
        store.conn().query_row("SELECT sqlcipher_export('snapshot')", [], |_| Ok(()))?;
        let version = store.schema_version()?;
        store.conn().execute_batch(&format!("PRAGMA snapshot.user_version = {version};"))?;
        Ok(())
    })();
    store.conn().execute("DETACH DATABASE snapshot", [])?;
    exported?;
    let description = Description {
        format: FORMAT.into(),
        database_id,
        created_at: Utc::now(),
        schema_version: store.schema_version()?,
        software: format!("huka {}", crate::VERSION),
    };
    // The zip is written to the stick a buffer at a time: what is held does not grow with
    // the school.
    let size = std::fs::metadata(&snapshot)?.len();
    // A write that failed keeps its kind (a full stick is `NoRoom`, whichever part met it).
    let zerr = |e: zip::result::ZipError| match e {
        zip::result::ZipError::Io(e) => Error::Io(e),
        other => Error::Io(std::io::Error::other(other.to_string())),
    };
    crate::file::in_folder(&dir, || {
        crate::file::write_streamed(path, size + keys.len() as u64 + 4096, |out| {
            let mut zip = zip::ZipWriter::new(out);
            let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored).large_file(size >= u32::MAX as u64);
            zip.start_file(DESCRIPTION, stored).map_err(zerr)?;
            zip.write_all(&serde_json::to_vec_pretty(&description).expect("plain data"))?;
            zip.start_file(KEYS, stored).map_err(zerr)?;
            zip.write_all(&keys)?;
            zip.start_file(DATABASE, stored).map_err(zerr)?;
            std::io::copy(&mut std::fs::File::open(&snapshot)?, &mut zip)?;
            zip.finish().map_err(zerr)?;
            Ok(())
        })
    })?;
    let school = crate::school::get(store)?;
    Ok(BackupInfo {
        description,
        school_code: school.as_ref().map(|s| s.code.clone()),
        school_name: school.map(|s| s.name),
        counts: stats::get(store)?,
    })
}

/// The automatic backups' folder: `backups/` beside the database.
pub fn auto_dir(db: &Path) -> PathBuf {
    db.parent().unwrap_or(Path::new(".")).join("backups")
}

/// Makes today's automatic backup if there is none yet, and keeps the last 7 days' and one a
/// week (the newest of each ISO week) for 4 weeks. Returns the new file, if one was made.
pub fn auto(store: &mut Store, today: NaiveDate) -> Result<Option<PathBuf>> {
    let Some(db) = store.path().map(Path::to_path_buf) else { return Ok(None) };
    let dir = auto_dir(&db);
    let name = format!("auto-{}.{EXTENSION}", today.format("%Y%m%d"));
    let path = dir.join(&name);
    let made = if path.exists() {
        None
    } else {
        write_unchecked(store, &path)?;
        Some(path)
    };
    prune(&dir, today)?;
    Ok(made)
}

fn prune(dir: &Path, today: NaiveDate) -> Result<()> {
    // What a stick's computers leave in a folder (`._auto-…`) is not listed.
    let mut dated: Vec<(NaiveDate, PathBuf)> = crate::folder::entries(dir)
        .into_iter()
        .filter(|(_, kind)| kind.is_file())
        .filter_map(|(path, _)| {
            let name = path.file_name()?.to_string_lossy().to_string();
            let date = name.strip_prefix("auto-")?.strip_suffix(&format!(".{EXTENSION}"))?.to_string();
            Some((NaiveDate::parse_from_str(&date, "%Y%m%d").ok()?, path))
        })
        .collect();
    dated.sort();
    let mut weeks_kept: Vec<(i32, u32)> = Vec::new();
    for (date, path) in dated.iter().rev() {
        let age = (today - *date).num_days();
        let week = (date.iso_week().year(), date.iso_week().week());
        let keep = if age < 7 {
            true
        } else if age < 35 && !weeks_kept.contains(&week) {
            weeks_kept.push(week);
            true
        } else {
            false
        };
        if !keep {
            std::fs::remove_file(path)?;
        }
    }
    Ok(())
}

/// A backup's zip, read from the file as it is asked for, and its description (checked).
fn archive(path: &Path) -> Result<(zip::ZipArchive<std::fs::File>, Description)> {
    let not = || Error::from(BackupError::NotABackup);
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path)?).map_err(|_| not())?;
    let description: Description = serde_json::from_slice(&part(&mut zip, DESCRIPTION)?).map_err(|_| not())?;
    if description.format != FORMAT {
        return Err(not());
    }
    Ok((zip, description))
}

fn part(zip: &mut zip::ZipArchive<std::fs::File>, name: &str) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    zip.by_name(name).map_err(|_| Error::from(BackupError::NotABackup))?.read_to_end(&mut out)?;
    Ok(out)
}

/// Whether the file at `path` is a zip (a backup, or something else zipped): what a join is
/// handed is told from a change file by its first bytes.
pub fn looks_like_backup(path: &Path) -> Result<bool> {
    let mut start = [0u8; 4];
    let mut file = std::fs::File::open(path)?;
    let n = file.read(&mut start)?;
    Ok(start[..n] == *b"PK\x03\x04")
}

/// A backup's description and key file, read without its database: a computer joining the
/// school from a backup opens its account's slot before anything is copied.
pub fn description_and_keys(backup: &Path) -> Result<(Description, keyfile::KeyFile)> {
    let (mut zip, description) = archive(backup)?;
    let keys = serde_json::from_slice(&part(&mut zip, KEYS)?).map_err(|_| Error::from(BackupError::NotABackup))?;
    Ok((description, keys))
}

/// Copies a backup's database to `db` (there is none) as it is — still encrypted under the
/// school's data key — a buffer at a time, telling `progress` how far it has copied: what is
/// held does not grow with the school. The zip's checksum is checked as the last byte is
/// read, so a damaged backup is an error, and the file is on the disk when this returns.
pub fn copy_database(backup: &Path, db: &Path, progress: crate::progress::Progress<'_>) -> Result<()> {
    let (mut zip, _) = archive(backup)?;
    let entry = zip.by_name(DATABASE).map_err(|_| Error::from(BackupError::NotABackup))?;
    let whole = entry.size();
    // A full disk is one sentence with the room needed, before a byte is copied.
    crate::file::check_room(&crate::file::folder_of(db), whole)?;
    let mut out = std::fs::File::create_new(db)?;
    let mut counted = crate::progress::Counted::new(entry, whole, progress);
    std::io::copy(&mut counted, &mut out).map_err(|e| match e.kind() {
        std::io::ErrorKind::InvalidData | std::io::ErrorKind::UnexpectedEof => Error::from(BackupError::Damaged),
        _ => Error::from(e),
    })?;
    out.sync_all()?;
    Ok(())
}

/// Opens a backup with an account's password, to show what it holds before restoring it.
pub fn inspect(backup: &Path, login: &str, password: &str) -> Result<BackupInfo> {
    crate::folder::refuse_metadata(backup)?;
    let (description, keys) = description_and_keys(backup)?;
    let scratch = tempfile::tempdir()?;
    let db = scratch.path().join("huka.db");
    copy_database(backup, &db, &mut |_, _| {})?;
    keys.save(&db)?;
    let store = crate::session::unlock(&db, login, password)?;
    let school = crate::school::get(&store)?;
    Ok(BackupInfo {
        description,
        school_code: school.as_ref().map(|s| s.code.clone()),
        school_name: school.map(|s| s.name),
        counts: stats::get(&store)?,
    })
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Restored {
    pub backup: BackupInfo,
    /// Where the database that was there before now is (a dated copy), if there was one.
    pub kept_previous: Option<PathBuf>,
}

/// Restores `backup` to `db`, logging in as `login`: to the database there, if there is one
/// (its school must be the backup's, unless `force` — a principal's decision), and to the
/// backup. The database there is first kept as a dated copy beside it; with none there, the
/// backup becomes the database. The restored database records the restore in its trail.
pub fn restore(db: &Path, backup: &Path, login: &str, password: &str, force: bool) -> Result<Restored> {
    let info = inspect(backup, login, password)?;
    let keys = {
        let (mut zip, _) = archive(backup)?;
        part(&mut zip, KEYS)?
    };
    // The backup's database staged beside `db` first, a buffer at a time (a county-size
    // school's is a gigabyte): a stick that fails now leaves the database there untouched.
    let dir = crate::file::folder_of(db);
    std::fs::create_dir_all(&dir)?;
    let staged = tempfile::Builder::new().prefix(".huka-restore").suffix(".tmp").tempfile_in(&dir)?.into_temp_path();
    std::fs::remove_file(&staged)?;
    copy_database(backup, &staged, &mut |_, _| {})?;
    let mut kept_previous = None;
    if Store::inspect(db)? != DbFile::Missing {
        let current = crate::session::unlock(db, login, password)?;
        access::require(&current, Action::ManageAccounts)?;
        let school = crate::school::get(&current)?.map(|s| s.code);
        if school != info.school_code && !force {
            return Err(BackupError::OfAnotherSchool { backup: info.school_code.clone().unwrap_or_default(), here: school.unwrap_or_default() }.into());
        }
        // Everything written reaches the file before it moves.
        current.conn().execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
        drop(current);
        let stamp = Utc::now().format("%Y%m%d-%H%M%S");
        let copy = sibling(db, &format!(".before-restore-{stamp}"));
        std::fs::rename(db, &copy)?;
        let _ = std::fs::rename(keyfile::path_of(db), keyfile::path_of(&copy));
        for leftover in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(sibling(db, leftover));
        }
        kept_previous = Some(copy);
    }
    crate::file::write(&keyfile::path_of(db), &keys)?;
    if let Err(e) = staged.persist(db) {
        let _ = std::fs::remove_file(keyfile::path_of(db));
        return Err(e.error.into());
    }
    let mut store = crate::session::unlock(db, login, password)?;
    access::write_unguarded(&mut store, Why::NewDatabase, |w| {
        let details = [
            ("backup".to_string(), [serde_json::Value::Null, serde_json::Value::String(info.description.created_at.to_rfc3339())]),
            ("forced".to_string(), [serde_json::Value::Null, serde_json::Value::Bool(force)]),
        ]
        .into();
        crate::audit::event(w, "restore", "database", &info.description.database_id, details)
    })?;
    Ok(Restored { backup: info, kept_previous })
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

#[cfg(test)]
mod tests;
