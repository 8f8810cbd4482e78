//! The data key's rotation (issue 22): after disabling an account that may have copied the
//! key file (and so still holds the data key), the principal makes a new data key, the
//! database is re-encrypted in place under it, and every active account's slot is sealed to
//! it — without their passwords (format-2 slots are key pairs, see `keyfile`). The other
//! computers learn the new key at their next exchange (`adopt`): the logged-in account's
//! secret key opens it from the key file a change file carries, and they re-encrypt too.
//!
//! A rotation in a school makes a new second key too (`keyfile`), sealed to the active
//! principals' and aid officers' pairs and the recovery code's; a holder's computer takes
//! it with the data key at adoption, any other computer only the data key. (A database from
//! before the second key gets its first one at its first rotation.)
//!
//! A rotation writes the next key file beside the old one (`huka.db.keys.next`) first, then
//! re-encrypts the database and checks it opens under the new key, and only then renames
//! the next key file over the old one; any failure leaves the database under the old key and
//! the old key file as they were. A power cut between the two is healed at the next login
//! (`session::unlock` tries the next key file when the key file's key no longer opens).

use std::collections::BTreeMap;
use std::path::Path;

use chrono::Utc;
use rusqlite::Connection;
use serde::Serialize;
use serde_json::Value;

use crate::access::{self, Action};
use crate::crypto::{DataKey, Kdf, RecoveryCode};
use crate::error::{DomainError, Error, Result};
use crate::keyfile::{self, KeyFile, Rotation};
use crate::record::RecordId;
use crate::store::Store;

/// A rotation refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeysError {
    /// The acting account's own slot is still format 1: it would be locked out.
    OwnSlotOld,
    /// The keys were rotated on another computer, and the logged-in account holds no key pair
    /// there (its slot there is format 1, or another pair).
    RotatedElsewhere,
    /// Keys are rotated on the school's full computer, not on a teacher's laptop (which must
    /// never make or hold the second key).
    OnATeachersLaptop,
    /// The rotating account holds no second key here while fields are sealed under it: they
    /// could not be sealed again under the new one.
    SecondKeyNotHere,
}

impl DomainError for KeysError {
    fn code(&self) -> &'static str {
        match self {
            KeysError::OwnSlotOld => "keys_own_slot_old",
            KeysError::RotatedElsewhere => "keys_rotated_elsewhere",
            KeysError::OnATeachersLaptop => "keys_on_a_teachers_laptop",
            KeysError::SecondKeyNotHere => "keys_second_key_not_here",
        }
    }

    fn message(&self, lang: crate::Lang) -> String {
        let (zh, en) = match self {
            KeysError::OwnSlotOld => (
                "请先退出并重新登录一次（本账号的密钥还是旧格式），再更换密钥。",
                "Log out and in once first (this account's key slot is still in the old format), then rotate the keys.",
            ),
            KeysError::RotatedElsewhere => (
                "另一台电脑已更换了本校的密钥，但本账号在那里没有新密钥（需要在那台电脑上重设密码）。请校长在办公室电脑上重设本账号的密码后，用新密码重新加入本校。什么都没有读取。",
                "The school's keys were rotated on another computer, and this account holds no new key there (its password must be reset there). Ask the principal to reset this account's password on the office PC, then join the school again with it. Nothing was read.",
            ),
            KeysError::OnATeachersLaptop => (
                "这台电脑是教师的笔记本，不能在这里更换密钥。请在学校办公室的电脑上更换，其他电脑下次导入同步文件时会换上新密钥。",
                "This computer is a teacher's laptop: keys cannot be rotated here. Rotate them on the school office's PC; the other computers take the new keys at their next import.",
            ),
            KeysError::SecondKeyNotHere => (
                "本账号在这台电脑上没有第二密钥（完整证件号、健康等加密信息的密钥），现在更换密钥会使这些信息再也无法打开。请先让持有它的账号（校长或资助专干）在这台电脑上登录一次，再更换密钥。什么都没有改动。",
                "This account holds no second key on this computer (the key of the full ID numbers, health and other sealed fields): rotating now would leave them unreadable for good. Have an account that holds it (the principal or the aid officer) log in once on this computer, then rotate. Nothing was changed.",
            ),
        };
        lang.pick(zh.to_string(), en.to_string())
    }
}

/// What a rotation did.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rotated {
    /// The rotation's id (also in the key file and the audit entry).
    pub rotation: String,
    /// Active accounts whose slot now opens the new key (their passwords unchanged).
    pub accounts: Vec<String>,
    /// Active accounts whose slot was still format 1 (never logged in since the update): they
    /// need a new password (`account::set_password`) before they can log in again.
    pub need_password: Vec<String>,
    /// A new recovery code, when the old one's slot was format 1 (shown once; the old code no
    /// longer opens anything).
    #[serde(skip)]
    pub recovery_code: Option<RecoveryCode>,
}

/// Rotates the data key (the principal's; the reviewer's in a county).
pub fn rotate(store: &mut Store) -> Result<Rotated> {
    rotate_checked(store, |_| Ok(()))
}

/// `rotate`, with one more check of the re-encrypted database before the key file is
/// replaced (tests make it fail).
#[doc(hidden)]
pub fn rotate_checked(store: &mut Store, check: impl FnOnce(&Connection) -> Result<()>) -> Result<Rotated> {
    let pass = access::ask(store, Action::ManageAccounts)?;
    if crate::installation::teachers_laptop(store)?.is_some() {
        return Err(KeysError::OnATeachersLaptop.into());
    }
    let path = store.unlocked().ok_or(Error::NoDatabase)?.path.clone();
    let file = KeyFile::load(&path)?;
    let logins: Vec<(String, bool)> = store
        .conn()
        .prepare("SELECT login, role FROM account WHERE disabled_at IS NULL AND deleted_at IS NULL ORDER BY login")?
        .query_map([], |r| Ok((r.get(0)?, access::holds_second_key(r.get(1)?))))?
        .collect::<rusqlite::Result<_>>()?;
    if file.is_format_1(&store.actor().login) != Some(false) {
        return Err(KeysError::OwnSlotOld.into());
    }
    let key = DataKey::generate();
    let second = (crate::installation::mode(store)? == crate::installation::Mode::School).then(DataKey::generate);
    if second.is_some() && store.second().is_none() && crate::sealing::holds_sealed(store.conn())? {
        return Err(KeysError::SecondKeyNotHere.into());
    }
    let rotation = Rotation { at: Utc::now(), id: RecordId::new().to_string() };
    let (mut next, done) = file.rotated(&key, second.as_ref(), &logins, rotation.clone());
    let recovery_code = done.recovery_needs_code.then(|| {
        let code = RecoveryCode::generate();
        next.seal_recovery(&key, second.as_ref(), &code, Kdf::DEFAULT);
        code
    });
    replace_resealed(store, &path, &file.database, &next, key, second.as_ref(), check)?;
    store.set_second(second.filter(|_| access::holds_second_key(store.actor().role)));
    // A school's first second key: its fields sealed now, if they were still in clear.
    crate::sealing::at_open(store)?;
    let mut details = BTreeMap::new();
    details.insert("accounts".to_string(), [Value::Null, Value::from(done.accounts.len())]);
    details.insert("needPassword".to_string(), [Value::Null, Value::from(done.need_password.clone())]);
    details.insert("newRecoveryCode".to_string(), [Value::Null, Value::from(recovery_code.is_some())]);
    pass.write(store, |w| crate::audit::event(w, "keys_rotated", "keys", &rotation.id, details))?;
    Ok(Rotated { rotation: rotation.id, accounts: done.accounts, need_password: done.need_password, recovery_code })
}

/// The newer data key another computer's key file holds (`None`: it holds none newer),
/// opened with the logged-in account's secret key. The caller checks with it that the file
/// the key file came in is sealed under it before `adopt`ing it.
pub fn newer_key(store: &Store, theirs: &KeyFile) -> Result<Option<DataKey>> {
    let Some(u) = store.unlocked() else { return Ok(None) };
    let mine = KeyFile::load(&u.path)?;
    if !mine.is_rotated_by(theirs) {
        return Ok(None);
    }
    let key = u.secret.as_ref().and_then(|s| theirs.open_with_secret(&store.actor().login, s));
    key.map(Some).ok_or_else(|| KeysError::RotatedElsewhere.into())
}

/// Takes a data key rotated on another computer (`key`, from `newer_key`): the database is
/// re-encrypted under it and the key files merged (`KeyFile::adopt`), as a rotation does.
pub fn adopt(store: &mut Store, theirs: &KeyFile, key: DataKey) -> Result<()> {
    let u = store.unlocked().ok_or(Error::NoDatabase)?;
    let path = u.path.clone();
    // The new second key, when the logged-in account holds it there.
    let second = u
        .secret
        .as_ref()
        .and_then(|s| theirs.open_second_with_secret(&store.actor().login, s))
        .filter(|_| access::holds_second_key(store.actor().role));
    let mine = KeyFile::load(&path)?;
    let mut next = mine.clone();
    next.adopt(theirs, &key, second.as_ref());
    replace_resealed(store, &path, &mine.database, &next, key, second.as_ref(), |_| Ok(()))?;
    store.set_second(second);
    let id = theirs.rotation().map(|r| r.id.clone()).unwrap_or_default();
    access::write(store, Action::Sync, |w| crate::audit::event(w, "keys_adopted", "keys", &id, BTreeMap::new()))
}

/// The next key file beside the old one, the database re-encrypted and checked (its id too),
/// then the next key file over the old one. On failure the next key file goes again — unless
/// the old key no longer opens the database: then it is what opens it.
/// [`replace`], with the sealed fields sealed again under the new second key (`new_second`)
/// with the old one in hand, in the re-encrypted database before the new key file replaces the
/// old: a holder's computer. A computer without either key keeps its ciphertexts (it opens
/// none of them). On failure the store keeps its old second key; on success it holds none
/// until the caller sets the new one.
fn replace_resealed(
    store: &mut Store,
    path: &Path,
    database: &str,
    next: &KeyFile,
    key: DataKey,
    new_second: Option<&DataKey>,
    check: impl FnOnce(&Connection) -> Result<()>,
) -> Result<()> {
    let old_second = store.take_second();
    let resealed = replace(store, path, database, next, key, |conn| {
        check(conn)?;
        match (&old_second, new_second) {
            (Some(old), Some(new)) => crate::sealing::reseal_committed(conn, old, new),
            _ => Ok(()),
        }
    });
    if resealed.is_err() {
        store.set_second(old_second);
    }
    resealed
}

fn replace(store: &mut Store, path: &Path, database: &str, next: &KeyFile, key: DataKey, check: impl FnOnce(&Connection) -> Result<()>) -> Result<()> {
    let next_path = keyfile::next_path_of(path);
    next.save_to(&next_path)?;
    let rekeyed = store.rekey(key, |conn| {
        let id: Option<String> = conn.query_row("SELECT value FROM meta WHERE key = 'database_id'", [], |r| r.get(0)).ok();
        if id.as_deref() != Some(database) {
            return Err(Error::KeyFileDamaged);
        }
        check(conn)
    });
    if let Err(e) = rekeyed {
        if store.opens_with_own_key() {
            let _ = std::fs::remove_file(&next_path);
        }
        return Err(e);
    }
    std::fs::rename(&next_path, keyfile::path_of(path))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Role;
    use crate::account::{self, AccountInput};
    use crate::school::SchoolInput;
    use crate::session::{self, FirstAccount, Setup};

    fn school(path: &Path) -> (Store, RecoveryCode) {
        let school = SchoolInput { code: "2161092101".into(), name: "涧池镇九年制学校".into(), town: "涧池镇".into(), district: String::new() };
        let first = FirstAccount { login: "wang".into(), name: "王校长".into(), password: "principal-pass".into() };
        session::create(path, Setup::School(&school), &first).unwrap()
    }

    fn add(store: &mut Store, login: &str, role: Role) {
        let input = AccountInput { login: login.into(), name: login.into(), role, teacher_id: None };
        account::add(store, &input, &format!("{login}-password")).unwrap();
    }

    /// Makes an account's slot format 1 again, as before the update.
    fn make_format_1(store: &Store, login: &str) {
        let u = store.unlocked().unwrap();
        let mut file = KeyFile::load(&u.path).unwrap();
        file.seal_user_format_1(login, &u.key, &format!("{login}-password"), Kdf::DEFAULT);
        file.save(&u.path).unwrap();
    }

    #[test]
    fn a_rotation_rewrites_every_slot_without_passwords_and_a_copied_key_file_opens_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huka.db");
        let (mut store, code) = school(&path);
        for (login, role) in [("li", Role::Teacher), ("zhao", Role::Teacher), ("chen", Role::AidOfficer)] {
            add(&mut store, login, role);
        }
        // chen's slot is from before the update: it becomes a key pair at chen's next login.
        make_format_1(&store, "chen");
        assert_eq!(KeyFile::load(&path).unwrap().is_format_1("chen"), Some(true));
        let chen = session::unlock(&path, "chen", "chen-password").unwrap();
        assert!(chen.unlocked().unwrap().secret.is_some());
        drop(chen);
        assert_eq!(KeyFile::load(&path).unwrap().is_format_1("chen"), Some(false));
        // zhao has not logged in since the update.
        make_format_1(&store, "zhao");

        // li is disabled, but li's laptop kept a copy of the key file — and li knows the old key.
        let copied = std::fs::read(keyfile::path_of(&path)).unwrap();
        let old_key = store.unlocked().unwrap().key.copy_for_tests();
        account::disable(&mut store, "li").unwrap();

        let rotated = rotate(&mut store).unwrap();
        assert_eq!(rotated.accounts, ["chen", "wang"]);
        assert_eq!(rotated.need_password, ["zhao"]);
        assert!(rotated.recovery_code.is_none(), "the recovery slot was a pair: sealed again, the code unchanged");
        assert!(!keyfile::next_path_of(&path).exists());
        // The store goes on under the new key, and the rotation is in the audit trail.
        let n: i64 = store.conn().query_row("SELECT count(*) FROM audit WHERE op = 'keys_rotated'", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 1);
        drop(store);

        // The old key (from li's copy of the key file) no longer opens the database.
        let dir2 = tempfile::tempdir().unwrap();
        let copy_db = dir2.path().join("huka.db");
        std::fs::write(keyfile::path_of(&copy_db), &copied).unwrap();
        let from_copy = KeyFile::load(&copy_db).unwrap().open_user_directly("li", "li-password").expect("the copy opens the old key");
        assert_eq!(from_copy.sqlcipher_key(), old_key.sqlcipher_key());
        assert!(Store::open_encrypted(&path, from_copy, false, &crate::SCHEMA).is_err());
        assert!(Store::open_encrypted(&path, old_key, false, &crate::SCHEMA).is_err());

        // Everyone active logs in with an unchanged password; li and zhao do not.
        assert!(session::unlock(&path, "chen", "chen-password").is_ok());
        assert!(session::unlock(&path, "wang", "principal-pass").is_ok());
        assert!(matches!(session::unlock(&path, "li", "li-password"), Err(Error::WrongPassword)));
        assert!(matches!(session::unlock(&path, "zhao", "zhao-password"), Err(Error::WrongPassword)));
        // zhao's password reset by the principal gives zhao a slot of the new key.
        let mut principal = session::unlock(&path, "wang", "principal-pass").unwrap();
        account::set_password(&mut principal, "zhao", "zhao-new-password").unwrap();
        drop(principal);
        assert!(session::unlock(&path, "zhao", "zhao-new-password").is_ok());
        // The recovery code still opens.
        assert!(session::recover(&path, code.as_str(), "wang", "principal-new-pass").is_ok());
    }

    fn second(store: &Store) -> Option<String> {
        store.second().map(|k| k.sqlcipher_key().to_string())
    }

    #[test]
    fn the_second_key_is_the_principals_the_aid_officers_and_the_recovery_codes_and_rotates() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huka.db");
        let (mut store, code) = school(&path);
        let first = second(&store).expect("a school's principal holds the second key from the start");
        add(&mut store, "chen", Role::AidOfficer);
        add(&mut store, "li", Role::Teacher);
        let open = |login: &str| second(&session::unlock(&path, login, &format!("{login}-password")).unwrap());
        assert_eq!(open("chen").as_ref(), Some(&first));
        assert_eq!(open("li"), None, "a teacher's password never reaches it");
        assert!(!KeyFile::load(&path).unwrap().user_has_second("li"));
        // An aid officer from before (format 1) becomes a pair without it; the principal's next
        // login hands it over, no password asked.
        make_format_1(&store, "chen");
        assert_eq!(open("chen"), None);
        assert!(!KeyFile::load(&path).unwrap().user_has_second("chen"));
        drop(store);
        let store = session::unlock(&path, "wang", "principal-pass").unwrap();
        assert!(KeyFile::load(&path).unwrap().user_has_second("chen"));
        assert_eq!(open("chen").as_ref(), Some(&first));
        // The recovery code holds it too.
        drop(store);
        let mut store = session::recover(&path, code.as_str(), "wang", "principal-pass-2").unwrap();
        assert_eq!(second(&store).as_ref(), Some(&first));
        // A rotation makes a new one, for the same holders.
        rotate(&mut store).unwrap();
        let next = second(&store).expect("the rotating principal holds the new one");
        assert_ne!(next, first);
        drop(store);
        assert_eq!(open("chen").as_ref(), Some(&next));
        assert_eq!(open("li"), None);
        assert_eq!(second(&session::recover(&path, code.as_str(), "wang", "principal-pass-3").unwrap()).as_ref(), Some(&next));
        let file = KeyFile::load(&path).unwrap();
        assert!(file.user_has_second("wang") && file.user_has_second("chen") && !file.user_has_second("li"));
    }

    #[test]
    fn a_failed_check_leaves_the_database_and_key_file_as_they_were() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huka.db");
        let (mut store, _) = school(&path);
        let keys = std::fs::read(keyfile::path_of(&path)).unwrap();
        let refused = rotate_checked(&mut store, |_| Err(Error::NotADatabase)).unwrap_err();
        assert!(matches!(refused, Error::NotADatabase), "{refused:?}");
        assert_eq!(std::fs::read(keyfile::path_of(&path)).unwrap(), keys, "the key file as it was");
        assert!(!keyfile::next_path_of(&path).exists());
        assert!(store.opens_with_own_key(), "the database under the old key");
        assert!(crate::school::get(&store).unwrap().is_some(), "the store reads on");
        drop(store);
        assert!(session::unlock(&path, "wang", "principal-pass").is_ok());
    }

    #[test]
    fn a_rotation_cut_short_before_the_key_file_is_replaced_heals_at_the_next_login() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huka.db");
        let (mut store, _) = school(&path);
        let old = std::fs::read(keyfile::path_of(&path)).unwrap();
        rotate(&mut store).unwrap();
        drop(store);
        // As if the power went after the re-encryption, before the rename.
        std::fs::rename(keyfile::path_of(&path), keyfile::next_path_of(&path)).unwrap();
        std::fs::write(keyfile::path_of(&path), &old).unwrap();
        assert!(session::unlock(&path, "wang", "principal-pass").is_ok());
        assert!(!keyfile::next_path_of(&path).exists());
        assert_ne!(std::fs::read(keyfile::path_of(&path)).unwrap(), old);
    }

    /// Every sealed value of the database, opened with the store's second key (each must open).
    fn opened_all(store: &Store) -> Vec<(String, String, String, String)> {
        let key = store.second().expect("a holder");
        let mut out = Vec::new();
        for f in crate::sealed::FIELDS {
            let rows: Vec<(String, String)> = store
                .conn()
                .prepare(&format!("SELECT id, {} FROM {} WHERE {0} <> ''", f.sealed_column(), f.table))
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            for (id, sealed) in rows {
                let clear = crate::sealed::open(key, f.table, &id, f.column, &sealed).unwrap_or_else(|| panic!("{}.{} of {id} opens", f.table, f.column));
                if let Some(digest) = f.digest_column() {
                    let stored: String = store.conn().query_row(&format!("SELECT {digest} FROM {} WHERE id = ?1", f.table), [&id], |r| r.get(0)).unwrap();
                    assert_eq!(stored, crate::sealed::digest(key, f.digest_label().unwrap(), &clear), "the digest under this key");
                }
                out.push((f.table.to_string(), id, f.column.to_string(), clear.to_string()));
            }
        }
        out.sort();
        out
    }

    #[test]
    fn after_a_rotation_a_holder_still_opens_every_sealed_value_and_the_next_login_works() {
        let old = crate::sealing::tests::schema_16_school(30);
        let mut store = session::unlock(&old.path, "wang", "principal-pass").unwrap();
        let before = opened_all(&store);
        assert!(before.len() > 60, "{}", before.len());
        let first = store.second().unwrap().copy_for_tests();
        rotate(&mut store).unwrap();
        assert_ne!(store.second().unwrap().sqlcipher_key(), first.sqlcipher_key());
        assert_eq!(opened_all(&store), before, "every value opens under the new key, its digest computed again");
        // The old key opens none of them any more, nor the old entries' sealed values.
        let (table, id, column, _) = &before[0];
        let sealed: String = store.conn().query_row(&format!("SELECT {column}_sealed FROM {table} WHERE id = ?1"), [id], |r| r.get(0)).unwrap();
        assert!(crate::sealed::open(&first, table, id, column, &sealed).is_none());
        let v = crate::audit::verify(&store).unwrap();
        assert_eq!((v.broken, v.sealed_elsewhere), (None, 0), "the old entries open under the new key");
        // Nothing journaled by the pass: the rotation's own entry only.
        let n: i64 = store.conn().query_row("SELECT count(*) FROM audit WHERE op NOT IN ('keys_rotated', 'fields_sealed') AND at > (SELECT at FROM audit WHERE op = 'fields_sealed')", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 0);
        let raw_key = store.unlocked().unwrap().key.sqlcipher_key().to_string();
        drop(store);
        // The next login: the same values, the trail whole; nothing in clear under the new raw key.
        let store = session::unlock(&old.path, "wang", "principal-pass").unwrap();
        assert_eq!(opened_all(&store), before);
        assert_eq!(crate::audit::verify(&store).unwrap().broken, None);
        drop(store);
        assert_eq!(crate::sealing::found_in_the_clear(&old.path, &raw_key, &old.known), Vec::<String>::new());
        let store = session::recover(&old.path, old.code.as_str(), "wang", "principal-pass-2").unwrap();
        assert_eq!(opened_all(&store), before, "the recovery code's slot holds the new second key");
    }

    /// What `key` opens of the sealed columns' values (ciphertexts) that audit entries hold,
    /// at their record's place.
    fn entries_opened_by(store: &Store, key: &crate::crypto::DataKey) -> Vec<String> {
        let rows: Vec<(String, String, String)> = store
            .conn()
            .prepare("SELECT kind, record_id, changes FROM audit")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let mut out = Vec::new();
        for (kind, record, changes) in rows {
            let Ok(values) = serde_json::from_str::<BTreeMap<String, [Value; 2]>>(&changes) else { continue };
            for f in crate::sealed::FIELDS.iter().filter(|f| f.table == kind) {
                for v in values.get(f.sealed_column()).into_iter().flatten() {
                    if let Some(clear) = v.as_str().and_then(|s| crate::sealed::open(key, &kind, &record, f.column, s)) {
                        out.push(clear.to_string());
                    }
                }
            }
        }
        out
    }

    #[test]
    fn after_a_rotation_the_old_second_key_opens_nothing_the_audit_trail_holds() {
        let old = crate::sealing::tests::schema_16_school(30);
        let mut store = session::unlock(&old.path, "wang", "principal-pass").unwrap();
        // A member written now: its entry holds its number's and its note's ciphertexts, the
        // record's values (schema 17 on).
        let household: RecordId = store.conn().query_row("SELECT id FROM household WHERE deleted_at IS NULL LIMIT 1", [], |r| r.get(0)).unwrap();
        let number = crate::ResidentId::compose("610921", chrono::NaiveDate::from_ymd_opt(2013, 3, 5).unwrap(), 997);
        let input = crate::member::MemberInput { health: "先天性心脏病".into(), ..crate::member::tests::member_input("王小花", number.as_str()) };
        crate::member::create(&mut store, household, &input).unwrap();
        let first = store.second().unwrap().copy_for_tests();
        let held = entries_opened_by(&store, &first);
        assert!(held.contains(&"先天性心脏病".to_string()) && held.contains(&number.as_str().to_string()), "{held:?}");
        let note_shown = |store: &Store| {
            crate::audit::of_household(store, household).unwrap().iter().any(|e| e.changes.get("health").is_some_and(|p| p[1] == Value::from("先天性心脏病")))
        };
        assert!(note_shown(&store));
        // Twice: the second rotation seals again what the first sealed at the entries' places.
        for _ in 0..2 {
            rotate(&mut store).unwrap();
            assert_eq!(entries_opened_by(&store, &first), Vec::<String>::new(), "the old key opens no entry's value");
            let v = crate::audit::verify(&store).unwrap();
            assert_eq!((v.broken, v.sealed_elsewhere), (None, 0), "every entry opens under the new key to the text its hash covers");
            assert!(note_shown(&store), "the holder's history still shows the note");
        }
    }

    #[test]
    fn a_rotation_cut_short_before_its_fields_are_sealed_again_heals_at_the_next_login() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huka.db");
        let (mut store, _) = school(&path);
        crate::demo::generate(&mut store, &crate::demo::DemoOptions { students: 10, seed: 1 }).unwrap();
        let before = opened_all(&store);
        let first = store.second().unwrap().copy_for_tests();
        let old = std::fs::read(keyfile::path_of(&path)).unwrap();
        rotate(&mut store).unwrap();
        // As if the power went after the re-encryption, before the fields were sealed again
        // (and so before the rename): the fields under the old second key.
        let new = store.second().unwrap().copy_for_tests();
        crate::sealing::reseal_store(&mut store, &new, &first).unwrap();
        drop(store);
        std::fs::rename(keyfile::path_of(&path), keyfile::next_path_of(&path)).unwrap();
        std::fs::write(keyfile::path_of(&path), &old).unwrap();
        let store = session::unlock(&path, "wang", "principal-pass").unwrap();
        assert!(!keyfile::next_path_of(&path).exists());
        assert_eq!(store.second().unwrap().sqlcipher_key(), new.sqlcipher_key());
        assert_eq!(opened_all(&store), before, "sealed again under the new key");
    }

    #[test]
    fn a_holder_without_the_second_key_here_does_not_rotate_sealed_fields_away() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huka.db");
        let (mut store, _) = school(&path);
        crate::demo::generate(&mut store, &crate::demo::DemoOptions { students: 5, seed: 1 }).unwrap();
        let keys = std::fs::read(keyfile::path_of(&path)).unwrap();
        store.set_second(None);
        let e = rotate(&mut store).unwrap_err();
        assert_eq!(e.domain::<KeysError>(), Some(&KeysError::SecondKeyNotHere));
        assert_eq!(std::fs::read(keyfile::path_of(&path)).unwrap(), keys);
    }

    #[test]
    fn only_the_principal_rotates_and_not_from_an_old_slot() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huka.db");
        let (mut store, _) = school(&path);
        add(&mut store, "li", Role::Teacher);
        let mut li = session::unlock(&path, "li", "li-password").unwrap();
        assert!(matches!(rotate(&mut li), Err(Error::Forbidden { .. })));
        drop(li);
        make_format_1(&store, "wang");
        let e = rotate(&mut store).unwrap_err();
        assert_eq!(e.domain::<KeysError>(), Some(&KeysError::OwnSlotOld));
    }
}
