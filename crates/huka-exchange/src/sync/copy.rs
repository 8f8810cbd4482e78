//! A holder's computer joins the school from a backup (加入本校：用备份): the database the
//! backup holds is copied as it is — its pages still encrypted under the school's data key —
//! and becomes a computer of its own. A county-size school joins in seconds, where reading its
//! complete change file record by record takes most of a minute; either way the computer
//! ends with the same records, clocks and audit chains, and exchanges files from then on.
//!
//! Only the principal or the aid officer joins from a backup: it holds every card in full,
//! and a teacher's laptop keeps only what the teacher may see (it joins from a complete
//! change file). A backup of a teacher's laptop, or of a county, holds less than the school.

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::{params, OptionalExtension};

use super::{audit_counts, seen, tables, Progress, Report, SyncError, AUDIT_SKIPPED, FILES_READ, SCOPE};
use crate::access::{self, Role};
use crate::crypto::DataKey;
use crate::error::{Error, Result};
use crate::store::Store;

/// Joins the school at `path` (there is no database) from the backup at `backup`, logging in
/// as `login`: the backup's key file opens the account's slot before anything is copied.
///
/// The database is copied, checked and made a device of its own under a temporary name beside
/// `path`, and takes its name only then (its key file first): a join cut short — a power cut
/// halfway through a gigabyte — leaves no database at `path`, and can be tried again.
pub(super) fn join(path: &Path, backup: &Path, login: &str, password: &str, progress: Progress<'_>) -> Result<(Store, Report)> {
    let (description, keys) = crate::backup::description_and_keys(backup)?;
    // One from a newer version is refused before a byte is copied.
    if description.schema_version > crate::SCHEMA.version() {
        return Err(Error::SchemaTooNew { found: description.schema_version, supported: crate::SCHEMA.version() });
    }
    let mut opened = keys.open_user_slot(login, password).ok_or(Error::WrongPassword)?;
    let key = std::mem::replace(&mut opened.key, DataKey::generate());
    // The key again, to open the database under its own name: through the slot's key pair
    // (no second key derivation), or the password for a slot from before key pairs.
    let again = opened.secret.as_ref().and_then(|s| keys.open_with_secret(login, s)).or_else(|| keys.open_user_directly(login, password)).ok_or(Error::WrongPassword)?;
    let pass = access::exempt(access::Why::NewDatabase);
    let dir = crate::file::folder_of(path);
    std::fs::create_dir_all(&dir)?;
    let staged = tempfile::Builder::new().prefix(".huka-join").suffix(".tmp").tempfile_in(&dir)?.into_temp_path();
    std::fs::remove_file(&staged)?;
    crate::backup::copy_database(backup, &staged, progress)?;
    let report = {
        // Opening it brings a backup from an earlier version to this one's schema.
        let mut store = Store::open_encrypted(&staged, key, false, &crate::SCHEMA)?;
        check(&store, login)?;
        adopt(&mut store, &pass)?
    };
    keys.save(path)?;
    if let Err(e) = staged.persist(path) {
        let _ = std::fs::remove_file(crate::keyfile::path_of(path));
        return Err(e.error.into());
    }
    let joined = (|| {
        let store = Store::open_encrypted(path, again, false, &crate::SCHEMA)?;
        let mut store = crate::session::log_in(path, keys, opened, store, login, password)?;
        // The join, from the computer the backup is of, made when: how old the copy was.
        let made = [serde_json::Value::Null, serde_json::Value::String(description.created_at.to_rfc3339())];
        let from = report.from_device.clone();
        pass.write(&mut store, |w| crate::audit::event(w, "sync_join", "sync", &from, BTreeMap::from([("backup".to_string(), made)])))?;
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

/// The backup holds the whole school, and the account joining may hold it.
fn check(store: &Store, login: &str) -> Result<()> {
    let conn = store.conn();
    if crate::installation::mode(store)? != crate::installation::Mode::School || super::scope(conn)?.is_some() {
        return Err(SyncError::PartialBackup.into());
    }
    let account: Option<(Role, bool)> = conn
        .query_row("SELECT role, disabled_at IS NOT NULL FROM account WHERE login = ?1 AND deleted_at IS NULL", [crate::keyfile::normalize_login(login)], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    match account {
        Some((_, true)) => Err(Error::AccountDisabled),
        Some((Role::Principal | Role::AidOfficer, false)) => Ok(()),
        Some((Role::Teacher, false)) => Err(SyncError::TeacherFromBackup.into()),
        Some(_) => Err(SyncError::JoinNotAllowed.into()),
        None => Err(Error::WrongPassword),
    }
}

/// Makes the copy a computer of its own: a new device id; nothing kept of the computer it was
/// copied from but the records, clocks, audit chains and settings the school shares — not its
/// exchanges with others, the change files it read, what it refused, nor its local-only
/// tables (its signing key among them). It has met the computer it was copied from, which
/// holds at least what the copy holds: that is its one peer. Returns what a join reports.
fn adopt(store: &mut Store, pass: &access::Pass) -> Result<Report> {
    let (seen, audit) = (seen(store.conn())?, audit_counts(store.conn())?);
    let from = store.become_new_device()?;
    let mut new = 0;
    for table in tables(store.conn())? {
        new += store.conn().query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |r| r.get::<_, i64>(0))? as usize;
    }
    // What is deleted is overwritten, not left in free pages (the signing key's sealed secret).
    store.conn().pragma_update(None, "secure_delete", true)?;
    pass.write(store, |w| {
        let tx = w.tx();
        tx.execute_batch("DELETE FROM sync_peer; DELETE FROM sync_refused;")?;
        tx.execute("DELETE FROM meta WHERE key IN (?1, ?2, ?3)", [FILES_READ, AUDIT_SKIPPED, SCOPE])?;
        for table in crate::clock::LOCAL_ONLY {
            tx.execute(&format!("DELETE FROM \"{table}\""), [])?;
        }
        tx.execute(
            "INSERT INTO sync_peer (device, seen, audit, last_exchange, files, account) VALUES (?1, ?2, ?3, ?4, 1, '')",
            params![from, serde_json::to_string(&seen).expect("plain data"), serde_json::to_string(&audit).expect("plain data"), w.now()],
        )?;
        Ok(())
    })?;
    store.conn().pragma_update(None, "secure_delete", false)?;
    Ok(Report { new, from_device: from, ..Report::default() })
}
