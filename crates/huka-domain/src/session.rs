//! Opening a database as someone: setting up a new one with its first account, logging in,
//! the recovery code, and converting a database from before accounts. Each returns a
//! [`Store`] acting for the account; dropping the store (locking) drops the data key.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::access::{self, Actor, Role, Why};
use crate::account::{self, AccountInput};
use crate::crypto::{DataKey, Kdf, RecoveryCode};
use crate::error::{Error, Result};
use crate::keyfile::{self, KeyFile};
use crate::record::RecordId;
use crate::school::{self, SchoolInput};
use crate::settings::{self, Mode};
use crate::stats::{self, Stats};
use crate::store::{DbFile, Store};

/// The first account of a new installation, or of a converted one.
pub struct FirstAccount {
    pub login: String,
    pub name: String,
    pub password: String,
}

impl std::fmt::Debug for FirstAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FirstAccount").field("login", &self.login).field("name", &self.name).finish_non_exhaustive()
    }
}

/// What a new installation is for.
pub enum Setup<'a> {
    School(&'a SchoolInput),
    County { name: &'a str },
}

/// Sets up a new database at `path` (there must be none): encrypted under a new data key, the
/// school (or county) recorded, the first account — the principal, or the county's reviewer —
/// with its password, and the recovery code, returned to be shown once.
pub fn create(path: &Path, setup: Setup<'_>, first: &FirstAccount) -> Result<(Store, RecoveryCode)> {
    if Store::inspect(path)? != DbFile::Missing {
        return Err(Error::DatabaseExists);
    }
    let (mode, role) = match setup {
        Setup::School(_) => (Mode::School, Role::Principal),
        Setup::County { .. } => (Mode::County, Role::Reviewer),
    };
    let input = AccountInput { login: first.login.clone(), name: first.name.clone(), role, teacher_id: None };
    // Everything is checked before any file exists.
    {
        let scratch = Store::open_in_memory(&crate::SCHEMA)?;
        account::checked(scratch.conn(), mode, &input, &first.password)?;
        if let Setup::School(school) = &setup {
            school::checked(school)?;
        }
    }
    let result = (|| {
        let key = DataKey::generate();
        // A school's second key, held by the principal's slot and the recovery code's (a
        // county keeps no full numbers: none).
        let second = (mode == Mode::School).then(DataKey::generate);
        let database_id = RecordId::new().to_string();
        let mut file = KeyFile::new(&database_id);
        file.seal_user(&input.login, &key, second.as_ref(), &first.password, Kdf::DEFAULT);
        let code = RecoveryCode::generate();
        file.seal_recovery(&key, second.as_ref(), &code, Kdf::DEFAULT);
        let mut store = Store::open_encrypted(path, key, true, &crate::SCHEMA)?;
        store.set_second(second);
        access::write_unguarded(&mut store, Why::NewDatabase, |w| {
            settings::set_database_id(w, &database_id)?;
            // Written sealed from the start: nothing for a first login to convert.
            crate::sealing::mark_sealed(w)
        })?;
        match setup {
            Setup::School(school) => {
                school::setup(&mut store, school)?;
            }
            Setup::County { name } => {
                settings::set_mode(&mut store, settings::Mode::County)?;
                settings::set_county_name(&mut store, name)?;
            }
        }
        let id = access::write_unguarded(&mut store, Why::NewDatabase, |w| account::insert(w, &input))?;
        file.save(path)?;
        let actor = account::get(store.conn(), id)?.actor();
        store.act_as(actor)?;
        Ok((store, code))
    })();
    // Nothing half-made stays (unless the file appeared meanwhile: then it is not ours).
    if matches!(&result, Err(e) if !matches!(e, Error::DatabaseExists)) {
        remove_database(path);
    }
    result
}

/// Logs in: the account's password unwraps the data key, which opens the database. A slot
/// still in format 1 becomes a key pair now (the password is known only now); the slot's
/// secret key stays with the store while it is open, and so does the second key when the
/// slot holds it — a holder also hands it to the other holders' pairs that lack it.
pub fn unlock(path: &Path, login: &str, password: &str) -> Result<Store> {
    let (file, opened, store) = match open_user(path, &keyfile::path_of(path), login, password) {
        // A rotation cut short after the database was re-encrypted: the next key file opens it.
        Err(Error::KeyFileDamaged) if keyfile::next_path_of(path).exists() => {
            // The old key file's second key: fields the rotation had not sealed again yet when
            // it was cut short are still under it (`keys::rotate`).
            let old_second = KeyFile::load(path).ok().and_then(|f| f.unlock_user(path, login, password).ok()).and_then(|o| o.second);
            let (file, opened, mut store) = open_user(path, &keyfile::next_path_of(path), login, password)?;
            if let (Some(old), Some(new)) = (&old_second, &opened.second) {
                crate::sealing::reseal_store(&mut store, old, new)?;
            }
            std::fs::rename(keyfile::next_path_of(path), keyfile::path_of(path))?;
            (file, opened, store)
        }
        other => other?,
    };
    log_in(path, file, opened, store, login, password)
}

/// What [`unlock`] does once the database is open with the key of `login`'s slot (`opened`
/// holds the rest of that slot, `file` is the database's key file): the account checked, its
/// keys kept with the store, the store acting as it. A computer that has just joined the school
/// logs in so on the store it made, its password's key derived once (by the join).
pub fn log_in(path: &Path, mut file: KeyFile, opened: keyfile::Opened, mut store: Store, login: &str, password: &str) -> Result<Store> {
    let account = account::by_login(store.conn(), login)?.ok_or(Error::WrongPassword)?;
    if account.disabled_at.is_some() {
        return Err(Error::AccountDisabled);
    }
    let secret = match opened.secret {
        Some(secret) => Some(secret),
        None => {
            let key = &store.unlocked().expect("opened encrypted").key;
            let secret = file.upgrade_user(login, key, None, password, Kdf::DEFAULT);
            file.save(path)?;
            secret
        }
    };
    store.set_secret(secret);
    // A slot that holds a second key for a role that may not (whatever a file brought) gives
    // it to nobody; nor does any slot on a teacher's laptop.
    let laptop = crate::installation::teachers_laptop(&store)?.is_some();
    let second = opened.second.filter(|_| access::holds_second_key(account.role) && !laptop);
    store.set_second(second);
    store.act_as(account.actor())?;
    if !laptop {
        hand_second(&store, &mut file)?;
    }
    // A database from before schema 17: its fields sealed now by a holder (masked on a
    // teacher's laptop), checked before it commits (`sealing`).
    crate::sealing::at_open(&mut store)?;
    Ok(store)
}

/// A holder logged in seals the second key to every other active holder's key pair that
/// lacks it (an account added, or upgraded from format 1, where it was not at hand), and
/// takes it out of any slot of an account that may not hold it. Saves the key file if that
/// changed it.
pub fn hand_second(store: &Store, file: &mut KeyFile) -> Result<()> {
    let Some(u) = store.unlocked() else { return Ok(()) };
    let mut changed = false;
    let accounts = store
        .conn()
        .prepare("SELECT login, role FROM account WHERE disabled_at IS NULL AND deleted_at IS NULL")?
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Role>(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (login, role) in accounts {
        changed |= match (&u.second, access::holds_second_key(role)) {
            (Some(second), true) => file.hand_second(&login, second),
            (_, false) => file.withhold_second(&login),
            (None, true) => false,
        };
    }
    if changed {
        file.save(&u.path)?;
    }
    Ok(())
}

/// The key file at `keys`, the slot `login`'s password opens in it, and the database opened
/// with the data key it holds.
fn open_user(path: &Path, keys: &Path, login: &str, password: &str) -> Result<(KeyFile, keyfile::Opened, Store)> {
    key_file_of(path)?;
    let file = KeyFile::load_from(keys)?;
    let mut opened = file.unlock_user(path, login, password)?;
    let key = std::mem::replace(&mut opened.key, DataKey::generate());
    let store = open_with(path, key, &file)?;
    Ok((file, opened, store))
}

/// Every password forgotten: the recovery code unwraps the data key, and the principal's
/// (the reviewer's) account `login` gets `new_password`. Returns the store logged in as them.
pub fn recover(path: &Path, code: &str, login: &str, new_password: &str) -> Result<Store> {
    let mut file = key_file_of(path)?;
    let code = RecoveryCode::parse(code).ok_or(Error::WrongPassword)?;
    let opened = file.unlock_recovery(path, &code)?;
    let mut store = open_with(path, opened.key, &file)?;
    store.set_second(opened.second);
    let account = account::by_login(store.conn(), login)?.ok_or(crate::labels::not_found("account"))?;
    if !matches!(account.role, Role::Principal | Role::Reviewer) || account.disabled_at.is_some() {
        return Err(Error::Forbidden {
            reason: "恢复码只能重设校长（县级为审核员）的密码".into(),
            reason_en: "the recovery code resets the principal's (a county's reviewer's) password only".into(),
        });
    }
    if opened.secret.is_none() && file.upgrade_recovery(&store.unlocked().expect("opened encrypted").key, None, &code, Kdf::DEFAULT) {
        file.save(path)?;
    }
    store.act_as(account.actor())?;
    account::set_password(&mut store, login, new_password)?;
    if !access::holds_second_key(account.role) {
        store.set_second(None);
    }
    crate::sealing::at_open(&mut store)?;
    Ok(store)
}

/// What a conversion found and kept.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Conversion {
    /// Every kind of record, counted before and found again after.
    pub counts: Stats,
}

/// Converts an unencrypted database (schema 7 or older) in place: its records are copied into
/// an encrypted database, checked (integrity, every count the same), the principal's account
/// and the recovery code made, and only then does the encrypted file replace the plain one.
/// Copies made earlier (backups, USB sticks) stay as they were — unencrypted.
pub fn convert(path: &Path, principal: &FirstAccount) -> Result<(Store, RecoveryCode, Conversion)> {
    if Store::inspect(path)? != DbFile::Plain {
        return Err(Error::NotADatabase);
    }
    let input = AccountInput { login: principal.login.clone(), name: principal.name.clone(), role: Role::Principal, teacher_id: None };
    let plain = Store::open_unencrypted(path, &crate::SCHEMA)?;
    let mode = settings::mode(&plain)?;
    let input = AccountInput { role: if mode == Mode::County { Role::Reviewer } else { Role::Principal }, ..input };
    account::checked(plain.conn(), mode, &input, &principal.password)?;
    let before = stats::get(&plain)?;

    let tmp = sibling(path, ".encrypting");
    remove_database(&tmp);
    let key = DataKey::generate();
    plain.conn().execute("ATTACH DATABASE ?1 AS encrypted KEY ?2", rusqlite::params![tmp.to_string_lossy(), key.sqlcipher_key().as_str()])?;
    let copied = (|| -> Result<()> {
        plain.conn().query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
        let version = plain.schema_version()?;
        plain.conn().execute_batch(&format!("PRAGMA encrypted.user_version = {version};"))?;
        Ok(())
    })();
    plain.conn().execute("DETACH DATABASE encrypted", [])?;
    copied?;
    drop(plain);

    let database_id = RecordId::new().to_string();
    let second = (mode == Mode::School).then(DataKey::generate);
    let mut file = KeyFile::new(&database_id);
    file.seal_user(&input.login, &key, second.as_ref(), &principal.password, Kdf::DEFAULT);
    let code = RecoveryCode::generate();
    file.seal_recovery(&key, second.as_ref(), &code, Kdf::DEFAULT);
    let checked = (|| -> Result<()> {
        let mut copy = Store::open_encrypted(&tmp, key, false, &crate::SCHEMA)?;
        let ok: String = copy.conn().query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        let after = stats::get(&copy)?;
        if ok != "ok" || after != before {
            return Err(Error::ConversionFailed);
        }
        access::write_unguarded(&mut copy, Why::NewDatabase, |w| settings::set_database_id(w, &database_id))?;
        access::write_unguarded(&mut copy, Why::NewDatabase, |w| account::insert(w, &input))?;
        Ok(())
    })();
    if let Err(e) = checked {
        remove_database(&tmp);
        return Err(e);
    }
    // The key file first, then the encrypted database over the plain one, atomically.
    file.save(path)?;
    std::fs::rename(&tmp, path)?;
    for leftover in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(sibling(path, leftover));
    }
    let store = unlock(path, &input.login, &principal.password)?;
    Ok((store, code, Conversion { counts: before }))
}

fn key_file_of(path: &Path) -> Result<KeyFile> {
    match Store::inspect(path)? {
        DbFile::Missing => Err(Error::NoDatabase),
        DbFile::Plain => Err(Error::NotEncrypted),
        DbFile::Encrypted => KeyFile::load(path),
    }
}

/// Opens the database with a key from its key file; a key that does not open it, or a
/// database of another id, means the key file is not this database's.
fn open_with(path: &Path, key: DataKey, file: &KeyFile) -> Result<Store> {
    let store = match Store::open_encrypted(path, key, false, &crate::SCHEMA) {
        Err(Error::NotADatabase) => return Err(Error::KeyFileDamaged),
        other => other?,
    };
    if settings::database_id(&store)?.as_deref() != Some(file.database.as_str()) {
        return Err(Error::KeyFileDamaged);
    }
    Ok(store)
}

/// The store's account, as the window's header shows it.
pub fn who(store: &Store) -> &Actor {
    store.actor()
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

/// Removes a database that was being made and its companions — journals, key file (nothing
/// half-made stays: a first setup, a conversion, a join that failed).
pub fn remove_database(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(sibling(path, suffix));
    }
    let _ = std::fs::remove_file(keyfile::path_of(path));
}

#[cfg(test)]
mod tests;
